package org.bpf4j.runtime;

/**
 * What a load does with a program it cannot prepare (the verifier rejects it, it calls what bpf4j does not
 * implement, a CO-RE relocation has no target): libbpf fails {@code bpf_object__load} unless the program's
 * {@code autoload} is off; a debugger wants the others anyway.
 */
public enum RejectedPrograms {
    /** The load fails with the first such program's reason, as {@code bpf_object__load} does. */
    FAIL_LOAD,
    /**
     * The object loads without them; {@link LoadedObject#skipped()} says which and why. A program array slot
     * that names one stays empty, so a tail call to it falls through as to an empty slot.
     */
    SKIP
}

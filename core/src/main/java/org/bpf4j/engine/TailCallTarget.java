package org.bpf4j.engine;

/**
 * What a {@code PROG_ARRAY} slot holds for {@code bpf_tail_call}: a program prepared by an engine. The
 * runtime's {@code LoadedProgram} is one. A tail call jumps only into a target prepared by the same
 * engine as the caller (a runtime uses one engine for all its programs).
 */
public interface TailCallTarget {
    /** The target as its engine prepared it. */
    Executable executable();

    /** For fault messages. */
    String name();
}

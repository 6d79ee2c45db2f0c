package org.bpf4j.api;

import java.util.Optional;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;

/**
 * A loaded program in either backend ({@code org.bpf4j.runtime.LoadedProgram} in the JVM,
 * {@code org.bpf4j.linux.KernelProgram} in the kernel): cilium/ebpf's {@code ebpf.Program}.
 */
public interface ProgramHandle {

    /** The program's ELF symbol name. */
    String name();

    ProgramType type();

    /**
     * {@code BPF_PROG_TEST_RUN}: the same input and result in both backends.
     *
     * @throws ErrnoException with the kernel's errno for input it refuses, or output larger than the room given
     */
    TestRunResult testRun(TestRun run);

    /**
     * Attaches the program to the hook its section names, as libbpf's auto-attach does
     * ({@code tracepoint/CAT/NAME}, {@code raw_tp/NAME}, {@code uprobe//PATH:FN}; {@code xdp} and
     * {@code tcx/ingress} on {@code interfaceName}).
     *
     * @throws UnsupportedOperationException in a backend without live hooks (the JVM's), saying which has them
     * @throws IllegalArgumentException when the section names no hook
     */
    LinkHandle attach(Optional<String> interfaceName);
}

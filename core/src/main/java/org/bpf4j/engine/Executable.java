package org.bpf4j.engine;

import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;

/**
 * A program prepared to run by one {@link Engine}: the interpreter or the JIT. Both give the same results, the same {@link ProgramFault}
 * messages and the same instruction numbers, so a caller switches engine by switching {@link Loader}.
 * An instance is immutable and may run on many threads at once, each run with its own stack.
 */
public interface Executable {

    /** The program as loaded (instruction slots as encoded). */
    Program program();

    ExecutionOptions options();

    /**
     * Runs the program once on CPU 0 with the given argument registers; r0 at the final exit is the result.
     * Legacy packet loads see the packet {@code [r1, r1 + r2)}.
     */
    default long run(ExecutionStack stack, long r1, long r2, long r3, long r4, long r5) {
        return run(RunContext.of(stack), r1, r2, r3, r4, r5, r1, r2);
    }

    /**
     * Runs the program on a CPU slot, giving legacy packet loads ({@code LD_ABS}/{@code LD_IND}) the
     * packet at {@code [packet, packet + packetLength)}.
     */
    long run(RunContext context, long r1, long r2, long r3, long r4, long r5, long packet, long packetLength);

    /**
     * How an engine prepares a program: one of {@link Engine}'s.
     *
     * @throws org.bpf4j.isa.InvalidProgramException naming the first instruction that cannot run
     */
    @FunctionalInterface
    interface Loader {
        Executable load(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options);
    }
}

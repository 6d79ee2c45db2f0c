package org.bpf4j.jit;

import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.ProgramFault;
import org.bpf4j.interp.RunContext;
import org.bpf4j.interp.RunState;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.MemoryFault;

/**
 * One run of compiled code: the state every engine keeps ({@link RunState}) plus what generated methods
 * hand each other through the run rather than through JVM parameters: the instruction budget left
 * (around calls), and registers that cross a call beyond r1-r5 (the {@code x} fields, used only where
 * liveness says the other side reads them). Generated code lives in this package and reads the fields
 * directly.
 */
final class JitRun extends RunState {

    /** Thrown through the generated frames when the run ends early; {@link #terminateValue()} is r0. */
    static final class Terminated extends RuntimeException {
        private Terminated() {
            super("program run terminated", null, false, false);
        }
    }

    static final Terminated TERMINATED = new Terminated();

    private final Program program;
    private final long budgetTotal;
    final long[] frameTops = new long[ExecutionStack.MAX_FRAMES];
    /** Instructions the run may still execute (only maintained when the options set a finite budget). */
    long budget;
    long x0, x1, x2, x3, x4, x5, x6, x7, x8, x9;

    JitRun(CompiledProgram compiled, RunContext context, long packet, long packetLength) {
        super(compiled.space(), compiled.options().checked(), context, packet, packetLength);
        this.program = compiled.program();
        this.budgetTotal = compiled.options().instructionBudget();
        this.budget = budgetTotal;
        for (int i = 0; i < frameTops.length; i++) frameTops[i] = frameTop(i);
    }

    /**
     * The budget ran out in the block starting at {@code blockStart} with {@code remaining} instructions
     * left before it: the fault names the instruction the interpreter would have stopped at.
     */
    ProgramFault budgetExhausted(int blockStart, long remaining) {
        int pc = blockStart;
        for (long i = 0; i < remaining; i++) pc += program.get(pc).opcode() == Opcodes.LDDW ? 2 : 1;
        return new ProgramFault(pc, "instruction budget of " + budgetTotal
                + " exhausted: the program does not terminate within its budget");
    }

    /**
     * What to throw when a helper or access at {@code pc} failed with {@code e}: the fault the interpreter
     * reports for memory faults and accesses outside the address space, anything else unchanged.
     */
    static RuntimeException fault(RuntimeException e, int pc) {
        if (e instanceof MemoryFault) return new ProgramFault(pc, e.getMessage());
        // Unchecked mode: the address-space bounds caught an access the verifier should have refused.
        if (e instanceof IndexOutOfBoundsException) return new ProgramFault(pc, "memory access outside the BPF address space");
        return e;
    }

    static ProgramFault ranOffTheEnd(int lastPc) {
        return new ProgramFault(lastPc, "ran off the end of the program: the last instruction is not exit or a jump");
    }

    static ProgramFault callStackOverflow(int pc) {
        return new ProgramFault(pc, "call stack overflow: more than " + ExecutionStack.MAX_FRAMES + " frames");
    }

    /**
     * {@code callx} through a tagged value that no {@code lddw} produced. Past the end of the program the
     * interpreter runs off the end; inside it, it would run whatever is there, which compiled code, made
     * of functions, cannot (a documented difference).
     */
    ProgramFault notAFunction(int pc, int target) {
        if (target >= program.size()) return ranOffTheEnd(program.size() - 1);
        return new ProgramFault(pc, "callx to function pointer 0x" + Long.toHexString(FUNCTION_POINTER_TAG | (target & 0xffffffffL))
                + ": no function starts at insn " + target);
    }

    static IllegalStateException badRegionEntry(int pc) {
        return new IllegalStateException("compiled region entered at insn " + pc + ", which is not one of its entries");
    }

    /** Ends the run with r0 = 0 (a legacy packet load outside the packet). */
    Terminated endWithZero() {
        terminate(0);
        return TERMINATED;
    }

    /** {@code callx} with a helper id: the helper's r0; the caller checks {@link #terminated()}. */
    long callHelperById(HelperTable helpers, long id, long r1, long r2, long r3, long r4, long r5, int pc) {
        HelperTable.Entry e = helpers.entry(id);
        if (e == null) throw new ProgramFault(pc, "callx to unknown helper " + Long.toUnsignedString(id));
        return e.helper().call(this, r1, r2, r3, r4, r5);
    }
}

package org.bpf4j.jit;

import org.bpf4j.engine.ProgramFault;
import org.bpf4j.engine.RunContext;
import org.bpf4j.engine.TailCallTarget;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.helpers.TailCall;
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

    /** The program executing now (tail calls change it) and its instructions, for fault messages. */
    private CompiledProgram current;
    private Program program;
    private final long budgetTotal;
    /** Instructions the run may still execute (only maintained when the options set a finite budget). */
    long budget;
    long x0, x1, x2, x3, x4, x5, x6, x7, x8, x9;
    /** Depth of the frame whose helper call is in progress (stored only by programs with function pointers). */
    int depth;
    /** Whether the last {@link #tailCall} jumped. */
    boolean tailCalled;

    JitRun(CompiledProgram compiled, RunContext context, long packet, long packetLength) {
        super(compiled.space(), compiled.options().checked(), context, packet, packetLength);
        this.current = compiled;
        this.program = compiled.program();
        this.budgetTotal = compiled.options().instructionBudget();
        this.budget = budgetTotal;
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

    @Override
    public long callFunction(long functionPointer, long r1, long r2, long r3, long r4, long r5) {
        int caller = depth;
        int entry = callbackEntry(functionPointer, caller);
        if (!current.isFunctionEntry(entry)) {
            if (entry >= program.size()) throw ranOffTheEnd(program.size() - 1);
            throw new MemoryFault(functionPointer, "callback 0x" + Long.toHexString(functionPointer)
                    + ": no function starts at insn " + entry);
        }
        // As in the interpreter, a callback starts with r0 and r6-r9 zero.
        x0 = x6 = x7 = x8 = x9 = 0;
        long r0 = current.code().call(this, entry, r1, r2, r3, r4, r5, caller + 1);
        depth = caller;
        return r0;
    }

    /**
     * bpf_tail_call from the frame at {@code depth}: runs the target in that frame and returns its r0
     * with {@link #tailCalled} set, or returns 0 with it clear when the call fails.
     */
    long tailCall(TailCall helper, long r1, long r2, long r3, long r4, long r5, int depth, int pc) {
        TailCallTarget t = tailCallTarget(helper, r2, r3, pc);
        if (t == null) {
            tailCalled = false;
            return 0;
        }
        if (!(t.executable() instanceof CompiledProgram target) || target.space() != current.space()) {
            throw new ProgramFault(pc, "bpf_tail_call into program " + t.name() + ", which another engine or runtime prepared");
        }
        if (!target.options().equals(current.options())) throw RunState.otherOptions(t, current.options(), pc);
        CompiledProgram caller = current;
        current = target;
        program = target.program();
        long r0 = target.code().run(this, r1, r2, r3, r4, r5, depth);
        current = caller;
        program = caller.program();
        tailCalled = true;
        return r0;
    }

    /** {@code callx} with a helper id: the helper's r0; the caller checks {@link #terminated()}. */
    long callHelperById(HelperTable helpers, long id, long r1, long r2, long r3, long r4, long r5, int pc) {
        HelperTable.Entry e = helpers.entry(id);
        if (e == null) throw new ProgramFault(pc, "callx to unknown helper " + Long.toUnsignedString(id));
        return e.helper().call(this, r1, r2, r3, r4, r5);
    }
}

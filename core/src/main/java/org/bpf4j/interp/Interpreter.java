package org.bpf4j.interp;

import static org.bpf4j.isa.Opcodes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.engine.RunContext;
import org.bpf4j.engine.TailCallTarget;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.helpers.TailCall;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.MemoryFault;

/**
 * The reference interpreter: the semantics of every instruction, which every other engine must match.
 *
 * <p>The program is decoded once into parallel arrays; operations whose meaning depends on the offset
 * field (signed division, sign-extending moves) get internal opcodes above 0xff so that the dispatch is
 * one {@code tableswitch}. An instance is immutable and may run on many threads at once, each run with
 * its own {@link ExecutionStack}.
 */
public final class Interpreter implements Executable {

    /** Marks a function pointer ({@code lddw} source 4) so that {@code callx} can tell it from a helper id. */
    public static final long FUNCTION_POINTER_TAG = RunState.FUNCTION_POINTER_TAG;
    private static final long FUNCTION_POINTER_MASK = RunState.FUNCTION_POINTER_MASK;

    // Internal opcodes for offset-dependent forms.
    private static final int SDIV64_K = 0x100, SDIV64_X = 0x101, SMOD64_K = 0x102, SMOD64_X = 0x103;
    private static final int SDIV32_K = 0x104, SDIV32_X = 0x105, SMOD32_K = 0x106, SMOD32_X = 0x107;
    private static final int MOVSX64_8 = 0x108, MOVSX64_16 = 0x109, MOVSX64_32 = 0x10a;
    private static final int MOVSX32_8 = 0x10b, MOVSX32_16 = 0x10c, ADDR_SPACE_CAST = 0x10d;
    private static final int CALL_LOCAL = 0x10e, TAIL_CALL = 0x10f;

    /** Unwinds every nested execution when a run ends early ({@link RunState#terminate}). */
    private static final class Terminated extends RuntimeException {
        Terminated() {
            super("program run terminated", null, false, false);
        }
    }

    private static final Terminated TERMINATED = new Terminated();

    private final Program program;
    private final int length;
    private final int[] code;
    private final int[] dst;
    private final int[] src;
    private final int[] off;
    private final int[] imm;
    private final long[] imm64;
    private final HelperTable.Entry[] helperAt;
    private final HelperTable helpers;
    private final AddressSpace space;
    private final MemorySegment memory;
    private final ExecutionOptions options;

    private Interpreter(ResolvedProgram resolved, AddressSpace space, ExecutionOptions options) {
        this.program = resolved.program();
        this.length = program.size();
        this.helpers = resolved.helpers();
        this.space = space;
        this.memory = space.segment();
        this.options = options;
        this.code = new int[length];
        this.dst = new int[length];
        this.src = new int[length];
        this.off = new int[length];
        this.imm = new int[length];
        this.imm64 = new long[length];
        this.helperAt = new HelperTable.Entry[length];
        decode(resolved);
    }

    /**
     * Prepares a raw or already-resolved program: checks its structure and that every helper it calls is
     * in the table.
     *
     * @throws org.bpf4j.isa.InvalidProgramException naming the first instruction that cannot run
     */
    public static Interpreter load(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options) {
        return new Interpreter(ResolvedProgram.resolve(program, helpers), space, options);
    }

    @Override
    public Program program() { return program; }

    @Override
    public ExecutionOptions options() { return options; }

    private void decode(ResolvedProgram resolved) {
        for (int pc = 0; pc < length; pc++) {
            Insn insn = program.get(pc);
            int op = insn.opcode();
            dst[pc] = insn.dst();
            src[pc] = insn.src();
            off[pc] = insn.off();
            imm[pc] = insn.imm();
            code[pc] = op;
            if (op == LDDW) {
                imm64[pc] = resolved.imm64(pc);
                pc++; // the second slot is never executed
                continue;
            }
            switch (insnClass(op)) {
                case CLASS_ALU, CLASS_ALU64 -> code[pc] = aluCode(insn);
                case CLASS_JMP -> {
                    if (op == CALL) {
                        helperAt[pc] = resolved.helperAt(pc);
                        if (resolved.isLocalCall(pc)) code[pc] = CALL_LOCAL;
                        else if (helperAt[pc] != null && helperAt[pc].helper() instanceof TailCall) code[pc] = TAIL_CALL;
                    }
                }
                default -> { }
            }
        }
    }

    private static int aluCode(Insn insn) {
        int op = insn.opcode();
        boolean alu64 = insnClass(op) == CLASS_ALU64;
        boolean reg = source(op) == SRC_X;
        int o = insn.off();
        switch (aluOp(op)) {
            case ALU_DIV:
                if (o == 1) return alu64 ? (reg ? SDIV64_X : SDIV64_K) : (reg ? SDIV32_X : SDIV32_K);
                return op;
            case ALU_MOD:
                if (o == 1) return alu64 ? (reg ? SMOD64_X : SMOD64_K) : (reg ? SMOD32_X : SMOD32_K);
                return op;
            case ALU_MOV:
                if (!reg || o == 0) return op;
                if (alu64) {
                    return switch (o) {
                        case 8 -> MOVSX64_8;
                        case 16 -> MOVSX64_16;
                        case 32 -> MOVSX64_32;
                        default -> ADDR_SPACE_CAST;
                    };
                }
                return o == 8 ? MOVSX32_8 : MOVSX32_16;
            default:
                return op;
        }
    }

    @Override
    public long run(RunContext context, long r1, long r2, long r3, long r4, long r5, long packet, long packetLength) {
        Run run = new Run(this, context, packet, packetLength);
        long[] r = run.regs;
        r[1] = r1;
        r[2] = r2;
        r[3] = r3;
        r[4] = r4;
        r[5] = r5;
        try {
            return execute(run, 0, 0);
        } catch (Terminated t) {
            return run.terminateValue();
        }
    }

    /**
     * Per-run state: the registers and the call frames, on top of what every engine keeps. One register
     * file serves every frame, every callback and every tail-called program of the run.
     */
    private static final class Run extends RunState {
        final long[] regs = new long[11];
        final long[] savedRegs = new long[ExecutionStack.MAX_FRAMES * 5];
        final int[] returnPc = new int[ExecutionStack.MAX_FRAMES];
        final long[] mayGoto = new long[ExecutionStack.MAX_FRAMES];
        /** Registers of the frame whose helper runs a callback ({@link #callFunction}), 11 per depth. */
        final long[] callbackSaved = new long[ExecutionStack.MAX_FRAMES * 11];
        /** The program executing now (tail calls change it). */
        Interpreter current;
        /** The depth and instruction budget left, as of the helper call in progress. */
        int depth;
        long budget;

        Run(Interpreter program, RunContext context, long packet, long packetLength) {
            super(program.space, program.options.checked(), context, packet, packetLength);
            this.current = program;
            this.budget = program.options.instructionBudget();
        }

        @Override
        public long callFunction(long functionPointer, long r1, long r2, long r3, long r4, long r5) {
            int caller = depth;
            int entry = callbackEntry(functionPointer, caller);
            long[] r = regs;
            int saved = caller * 11;
            System.arraycopy(r, 0, callbackSaved, saved, 11);
            r[0] = 0;
            r[1] = r1;
            r[2] = r2;
            r[3] = r3;
            r[4] = r4;
            r[5] = r5;
            r[6] = r[7] = r[8] = r[9] = 0;
            long result = current.execute(this, entry, caller + 1);
            System.arraycopy(callbackSaved, saved, r, 0, 11);
            depth = caller;
            return result;
        }
    }

    /**
     * Executes from {@code startPc} in frame {@code baseDepth} until that frame exits: the whole program
     * (0, 0), a callback ({@link Run#callFunction}) or a tail-called program (0, the caller's depth).
     * The budget left goes back into the run.
     */
    private long execute(Run run, int startPc, int baseDepth) {
        final long[] r = run.regs;
        final MemorySegment m = memory;
        final int[] code = this.code, dst = this.dst, src = this.src, off = this.off, imm = this.imm;
        long budget = run.budget;
        int depth = baseDepth;
        run.mayGoto[depth] = MAY_GOTO_BUDGET;
        r[10] = run.frameTop(depth);
        int pc = startPc;
        try {
            while (true) {
                if (pc >= length) {
                    throw new ProgramFault(length - 1, "ran off the end of the program: the last instruction is not exit or a jump");
                }
                if (--budget < 0) {
                    throw new ProgramFault(pc, "instruction budget of " + options.instructionBudget()
                            + " exhausted: the program does not terminate within its budget");
                }
                final int d = dst[pc];
                final int s = src[pc];
                final int k = imm[pc];
                switch (code[pc]) {
                    // ---- ALU64 ----
                    case CLASS_ALU64 | ALU_ADD | SRC_K -> r[d] += k;
                    case CLASS_ALU64 | ALU_ADD | SRC_X -> r[d] += r[s];
                    case CLASS_ALU64 | ALU_SUB | SRC_K -> r[d] -= k;
                    case CLASS_ALU64 | ALU_SUB | SRC_X -> r[d] -= r[s];
                    case CLASS_ALU64 | ALU_MUL | SRC_K -> r[d] *= k;
                    case CLASS_ALU64 | ALU_MUL | SRC_X -> r[d] *= r[s];
                    case CLASS_ALU64 | ALU_DIV | SRC_K -> r[d] = k == 0 ? 0 : Long.divideUnsigned(r[d], k);
                    case CLASS_ALU64 | ALU_DIV | SRC_X -> r[d] = r[s] == 0 ? 0 : Long.divideUnsigned(r[d], r[s]);
                    case CLASS_ALU64 | ALU_OR | SRC_K -> r[d] |= k;
                    case CLASS_ALU64 | ALU_OR | SRC_X -> r[d] |= r[s];
                    case CLASS_ALU64 | ALU_AND | SRC_K -> r[d] &= k;
                    case CLASS_ALU64 | ALU_AND | SRC_X -> r[d] &= r[s];
                    case CLASS_ALU64 | ALU_LSH | SRC_K -> r[d] <<= k;
                    case CLASS_ALU64 | ALU_LSH | SRC_X -> r[d] <<= r[s];
                    case CLASS_ALU64 | ALU_RSH | SRC_K -> r[d] >>>= k;
                    case CLASS_ALU64 | ALU_RSH | SRC_X -> r[d] >>>= r[s];
                    case CLASS_ALU64 | ALU_NEG | SRC_K -> r[d] = -r[d];
                    case CLASS_ALU64 | ALU_MOD | SRC_K -> { if (k != 0) r[d] = Long.remainderUnsigned(r[d], k); }
                    case CLASS_ALU64 | ALU_MOD | SRC_X -> { if (r[s] != 0) r[d] = Long.remainderUnsigned(r[d], r[s]); }
                    case CLASS_ALU64 | ALU_XOR | SRC_K -> r[d] ^= k;
                    case CLASS_ALU64 | ALU_XOR | SRC_X -> r[d] ^= r[s];
                    case CLASS_ALU64 | ALU_MOV | SRC_K -> r[d] = k;
                    case CLASS_ALU64 | ALU_MOV | SRC_X -> r[d] = r[s];
                    case CLASS_ALU64 | ALU_ARSH | SRC_K -> r[d] >>= k;
                    case CLASS_ALU64 | ALU_ARSH | SRC_X -> r[d] >>= r[s];
                    case CLASS_ALU64 | ALU_END | END_TO_LE -> r[d] = byteSwap(r[d], k);
                    case SDIV64_K -> r[d] = k == 0 ? 0 : r[d] / k;
                    case SDIV64_X -> r[d] = r[s] == 0 ? 0 : r[d] / r[s];
                    case SMOD64_K -> { if (k != 0) r[d] = r[d] % k; }
                    case SMOD64_X -> { if (r[s] != 0) r[d] = r[d] % r[s]; }
                    case MOVSX64_8 -> r[d] = (byte) r[s];
                    case MOVSX64_16 -> r[d] = (short) r[s];
                    case MOVSX64_32 -> r[d] = (int) r[s];
                    case ADDR_SPACE_CAST -> r[d] = addrSpaceCast(r[s]);
                    // ---- ALU32: operate on the low halves, zero-extend the result ----
                    case CLASS_ALU | ALU_ADD | SRC_K -> r[d] = u32((int) r[d] + k);
                    case CLASS_ALU | ALU_ADD | SRC_X -> r[d] = u32((int) r[d] + (int) r[s]);
                    case CLASS_ALU | ALU_SUB | SRC_K -> r[d] = u32((int) r[d] - k);
                    case CLASS_ALU | ALU_SUB | SRC_X -> r[d] = u32((int) r[d] - (int) r[s]);
                    case CLASS_ALU | ALU_MUL | SRC_K -> r[d] = u32((int) r[d] * k);
                    case CLASS_ALU | ALU_MUL | SRC_X -> r[d] = u32((int) r[d] * (int) r[s]);
                    case CLASS_ALU | ALU_DIV | SRC_K -> r[d] = k == 0 ? 0 : u32(Integer.divideUnsigned((int) r[d], k));
                    case CLASS_ALU | ALU_DIV | SRC_X -> r[d] = (int) r[s] == 0 ? 0 : u32(Integer.divideUnsigned((int) r[d], (int) r[s]));
                    case CLASS_ALU | ALU_OR | SRC_K -> r[d] = u32((int) r[d] | k);
                    case CLASS_ALU | ALU_OR | SRC_X -> r[d] = u32((int) r[d] | (int) r[s]);
                    case CLASS_ALU | ALU_AND | SRC_K -> r[d] = u32((int) r[d] & k);
                    case CLASS_ALU | ALU_AND | SRC_X -> r[d] = u32((int) r[d] & (int) r[s]);
                    case CLASS_ALU | ALU_LSH | SRC_K -> r[d] = u32((int) r[d] << k);
                    case CLASS_ALU | ALU_LSH | SRC_X -> r[d] = u32((int) r[d] << r[s]);
                    case CLASS_ALU | ALU_RSH | SRC_K -> r[d] = u32((int) r[d] >>> k);
                    case CLASS_ALU | ALU_RSH | SRC_X -> r[d] = u32((int) r[d] >>> r[s]);
                    case CLASS_ALU | ALU_NEG | SRC_K -> r[d] = u32(-(int) r[d]);
                    case CLASS_ALU | ALU_MOD | SRC_K -> r[d] = u32(k == 0 ? (int) r[d] : Integer.remainderUnsigned((int) r[d], k));
                    case CLASS_ALU | ALU_MOD | SRC_X -> r[d] = u32((int) r[s] == 0 ? (int) r[d] : Integer.remainderUnsigned((int) r[d], (int) r[s]));
                    case CLASS_ALU | ALU_XOR | SRC_K -> r[d] = u32((int) r[d] ^ k);
                    case CLASS_ALU | ALU_XOR | SRC_X -> r[d] = u32((int) r[d] ^ (int) r[s]);
                    case CLASS_ALU | ALU_MOV | SRC_K -> r[d] = u32(k);
                    case CLASS_ALU | ALU_MOV | SRC_X -> r[d] = u32((int) r[s]);
                    case CLASS_ALU | ALU_ARSH | SRC_K -> r[d] = u32((int) r[d] >> k);
                    case CLASS_ALU | ALU_ARSH | SRC_X -> r[d] = u32((int) r[d] >> r[s]);
                    case CLASS_ALU | ALU_END | END_TO_LE -> r[d] = truncate(r[d], k);
                    case CLASS_ALU | ALU_END | END_TO_BE -> r[d] = byteSwap(r[d], k);
                    case SDIV32_K -> r[d] = k == 0 ? 0 : u32((int) r[d] / k);
                    case SDIV32_X -> r[d] = (int) r[s] == 0 ? 0 : u32((int) r[d] / (int) r[s]);
                    case SMOD32_K -> r[d] = u32(k == 0 ? (int) r[d] : (int) r[d] % k);
                    case SMOD32_X -> r[d] = u32((int) r[s] == 0 ? (int) r[d] : (int) r[d] % (int) r[s]);
                    case MOVSX32_8 -> r[d] = u32((byte) r[s]);
                    case MOVSX32_16 -> r[d] = u32((short) r[s]);
                    // ---- JMP ----
                    case JA -> pc += off[pc];
                    case CLASS_JMP | JMP_JEQ | SRC_K -> { if (r[d] == k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JEQ | SRC_X -> { if (r[d] == r[s]) pc += off[pc]; }
                    case CLASS_JMP | JMP_JGT | SRC_K -> { if (Long.compareUnsigned(r[d], k) > 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JGT | SRC_X -> { if (Long.compareUnsigned(r[d], r[s]) > 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JGE | SRC_K -> { if (Long.compareUnsigned(r[d], k) >= 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JGE | SRC_X -> { if (Long.compareUnsigned(r[d], r[s]) >= 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSET | SRC_K -> { if ((r[d] & k) != 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSET | SRC_X -> { if ((r[d] & r[s]) != 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JNE | SRC_K -> { if (r[d] != k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JNE | SRC_X -> { if (r[d] != r[s]) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSGT | SRC_K -> { if (r[d] > k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSGT | SRC_X -> { if (r[d] > r[s]) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSGE | SRC_K -> { if (r[d] >= k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSGE | SRC_X -> { if (r[d] >= r[s]) pc += off[pc]; }
                    case CLASS_JMP | JMP_JLT | SRC_K -> { if (Long.compareUnsigned(r[d], k) < 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JLT | SRC_X -> { if (Long.compareUnsigned(r[d], r[s]) < 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JLE | SRC_K -> { if (Long.compareUnsigned(r[d], k) <= 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JLE | SRC_X -> { if (Long.compareUnsigned(r[d], r[s]) <= 0) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSLT | SRC_K -> { if (r[d] < k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSLT | SRC_X -> { if (r[d] < r[s]) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSLE | SRC_K -> { if (r[d] <= k) pc += off[pc]; }
                    case CLASS_JMP | JMP_JSLE | SRC_X -> { if (r[d] <= r[s]) pc += off[pc]; }
                    case MAY_GOTO -> {
                        // may_goto: fall through while the frame's budget lasts, then take the jump.
                        if (run.mayGoto[depth] == 0) pc += off[pc];
                        else run.mayGoto[depth]--;
                    }
                    // ---- JMP32: compare the low halves ----
                    case JA32 -> pc += k;
                    case CLASS_JMP32 | JMP_JEQ | SRC_K -> { if ((int) r[d] == k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JEQ | SRC_X -> { if ((int) r[d] == (int) r[s]) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JGT | SRC_K -> { if (Integer.compareUnsigned((int) r[d], k) > 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JGT | SRC_X -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) > 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JGE | SRC_K -> { if (Integer.compareUnsigned((int) r[d], k) >= 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JGE | SRC_X -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) >= 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSET | SRC_K -> { if (((int) r[d] & k) != 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSET | SRC_X -> { if (((int) r[d] & (int) r[s]) != 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JNE | SRC_K -> { if ((int) r[d] != k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JNE | SRC_X -> { if ((int) r[d] != (int) r[s]) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSGT | SRC_K -> { if ((int) r[d] > k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSGT | SRC_X -> { if ((int) r[d] > (int) r[s]) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSGE | SRC_K -> { if ((int) r[d] >= k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSGE | SRC_X -> { if ((int) r[d] >= (int) r[s]) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JLT | SRC_K -> { if (Integer.compareUnsigned((int) r[d], k) < 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JLT | SRC_X -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) < 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JLE | SRC_K -> { if (Integer.compareUnsigned((int) r[d], k) <= 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JLE | SRC_X -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) <= 0) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSLT | SRC_K -> { if ((int) r[d] < k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSLT | SRC_X -> { if ((int) r[d] < (int) r[s]) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSLE | SRC_K -> { if ((int) r[d] <= k) pc += off[pc]; }
                    case CLASS_JMP32 | JMP_JSLE | SRC_X -> { if ((int) r[d] <= (int) r[s]) pc += off[pc]; }
                    // ---- calls and exit ----
                    case CALL -> {
                        run.depth = depth;
                        run.budget = budget;
                        r[0] = helperAt[pc].helper().call(run, r[1], r[2], r[3], r[4], r[5]);
                        budget = run.budget;
                        if (run.terminated()) throw TERMINATED;
                    }
                    case TAIL_CALL -> {
                        TailCallTarget t = run.tailCallTarget((TailCall) helperAt[pc].helper(), r[2], r[3], pc);
                        if (t != null) {
                            // The target replaces this function: same frame, r1 = ctx, the other registers
                            // as they are (the kernel's interpreter jumps with its register file).
                            Interpreter target = sameEngine(t, pc);
                            Interpreter caller = run.current;
                            run.current = target;
                            run.budget = budget;
                            r[0] = target.execute(run, 0, depth);
                            budget = run.budget;
                            run.current = caller;
                            if (depth == baseDepth) {
                                run.budget = budget;
                                return r[0];
                            }
                            depth--;
                            pc = leaveFrame(run, depth);
                            continue;
                        }
                        // A failed tail call goes on with the next instruction, r0 unchanged.
                    }
                    case CALLX -> {
                        long target = r[d];
                        if ((target & FUNCTION_POINTER_MASK) == FUNCTION_POINTER_TAG) {
                            depth = enterFrame(run, depth, pc);
                            pc = (int) (target & ~FUNCTION_POINTER_MASK);
                            continue;
                        }
                        HelperTable.Entry e = helpers.entry(target);
                        if (e == null) throw new ProgramFault(pc, "callx to unknown helper " + Long.toUnsignedString(target));
                        run.depth = depth;
                        run.budget = budget;
                        r[0] = e.helper().call(run, r[1], r[2], r[3], r[4], r[5]);
                        budget = run.budget;
                        if (run.terminated()) throw TERMINATED;
                    }
                    case CALL_LOCAL -> {
                        depth = enterFrame(run, depth, pc);
                        pc = pc + k + 1;
                        continue;
                    }
                    case EXIT -> {
                        if (depth == baseDepth) {
                            run.budget = budget;
                            return r[0];
                        }
                        depth--;
                        pc = leaveFrame(run, depth);
                        continue;
                    }
                    // ---- loads ----
                    case LDDW -> {
                        r[d] = imm64[pc];
                        pc++;
                    }
                    case CLASS_LDX | MODE_MEM | SIZE_W -> r[d] = m.get(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[s] + off[pc], 4, false)) & 0xffffffffL;
                    case CLASS_LDX | MODE_MEM | SIZE_H -> r[d] = m.get(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[s] + off[pc], 2, false)) & 0xffffL;
                    case CLASS_LDX | MODE_MEM | SIZE_B -> r[d] = m.get(ValueLayout.JAVA_BYTE, run.check(r[s] + off[pc], 1, false)) & 0xffL;
                    case CLASS_LDX | MODE_MEM | SIZE_DW -> r[d] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[s] + off[pc], 8, false));
                    case CLASS_LDX | MODE_MEMSX | SIZE_W -> r[d] = m.get(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[s] + off[pc], 4, false));
                    case CLASS_LDX | MODE_MEMSX | SIZE_H -> r[d] = m.get(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[s] + off[pc], 2, false));
                    case CLASS_LDX | MODE_MEMSX | SIZE_B -> r[d] = m.get(ValueLayout.JAVA_BYTE, run.check(r[s] + off[pc], 1, false));
                    case CLASS_LD | MODE_ABS | SIZE_W, CLASS_LD | MODE_ABS | SIZE_H, CLASS_LD | MODE_ABS | SIZE_B,
                         CLASS_LD | MODE_IND | SIZE_W, CLASS_LD | MODE_IND | SIZE_H, CLASS_LD | MODE_IND | SIZE_B -> {
                        long value = run.legacyPacketLoad(code[pc], r[s], k);
                        if (value < 0) { // out of the packet: the kernel ends the program with 0
                            run.terminate(0);
                            throw TERMINATED;
                        }
                        r[0] = value;
                    }
                    // ---- stores ----
                    case CLASS_ST | MODE_MEM | SIZE_W -> m.set(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[d] + off[pc], 4, true), k);
                    case CLASS_ST | MODE_MEM | SIZE_H -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[d] + off[pc], 2, true), (short) k);
                    case CLASS_ST | MODE_MEM | SIZE_B -> m.set(ValueLayout.JAVA_BYTE, run.check(r[d] + off[pc], 1, true), (byte) k);
                    case CLASS_ST | MODE_MEM | SIZE_DW -> m.set(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[d] + off[pc], 8, true), (long) k);
                    case CLASS_STX | MODE_MEM | SIZE_W -> m.set(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[d] + off[pc], 4, true), (int) r[s]);
                    case CLASS_STX | MODE_MEM | SIZE_H -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[d] + off[pc], 2, true), (short) r[s]);
                    case CLASS_STX | MODE_MEM | SIZE_B -> m.set(ValueLayout.JAVA_BYTE, run.check(r[d] + off[pc], 1, true), (byte) r[s]);
                    case CLASS_STX | MODE_MEM | SIZE_DW -> m.set(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[d] + off[pc], 8, true), r[s]);
                    case CLASS_STX | MODE_ATOMIC | SIZE_W, CLASS_STX | MODE_ATOMIC | SIZE_DW, CLASS_STX | MODE_ATOMIC | SIZE_H,
                         CLASS_STX | MODE_ATOMIC | SIZE_B -> atomic(run, pc);
                    default -> throw new ProgramFault(pc, String.format("unknown opcode 0x%02x", code[pc]));
                }
                pc++;
            }
        } catch (MemoryFault e) {
            throw new ProgramFault(pc, e.getMessage());
        } catch (IndexOutOfBoundsException e) {
            // Unchecked mode: the address-space bounds caught an access the verifier should have refused.
            throw new ProgramFault(pc, "memory access outside the BPF address space");
        }
    }

    /** The interpreter behind a tail call's target: one of this engine, in this address space. */
    private Interpreter sameEngine(TailCallTarget t, int pc) {
        if (t.executable() instanceof Interpreter target && target.space == space) {
            if (!target.options.equals(options)) throw RunState.otherOptions(t, options, pc);
            return target;
        }
        throw new ProgramFault(pc, "bpf_tail_call into program " + t.name() + ", which another engine or runtime prepared");
    }

    /** Returns to the caller at {@code depth}: its r6-r10 back, the pc after its call. */
    private static int leaveFrame(Run run, int depth) {
        long[] r = run.regs;
        int saved = depth * 5;
        r[6] = run.savedRegs[saved];
        r[7] = run.savedRegs[saved + 1];
        r[8] = run.savedRegs[saved + 2];
        r[9] = run.savedRegs[saved + 3];
        r[10] = run.savedRegs[saved + 4];
        return run.returnPc[depth];
    }

    private int enterFrame(Run run, int depth, int pc) {
        if (depth + 1 >= ExecutionStack.MAX_FRAMES) {
            throw new ProgramFault(pc, "call stack overflow: more than " + ExecutionStack.MAX_FRAMES + " frames");
        }
        long[] r = run.regs;
        int saved = depth * 5;
        run.savedRegs[saved] = r[6];
        run.savedRegs[saved + 1] = r[7];
        run.savedRegs[saved + 2] = r[8];
        run.savedRegs[saved + 3] = r[9];
        run.savedRegs[saved + 4] = r[10];
        run.returnPc[depth] = pc + 1;
        int next = depth + 1;
        r[10] = run.frameTop(next);
        run.mayGoto[next] = MAY_GOTO_BUDGET;
        return next;
    }

    private void atomic(Run run, int pc) {
        long[] r = run.regs;
        int op = imm[pc];
        int d = dst[pc];
        int s = src[pc];
        // load_acquire reads from src + off into dst; every other atomic addresses dst + off.
        long address = (op == ATOMIC_LOAD_ACQ ? r[s] : r[d]) + off[pc];
        long result = run.atomic(op, sizeBytes(code[pc]), address, r[s], r[0]);
        int target = RunState.atomicResultRegister(op, d);
        if (target == -2) r[s] = result;
        else if (target >= 0) r[target] = result;
    }

    private static long u32(int value) {
        return value & 0xffffffffL;
    }

    /** to_le on a little-endian machine: keep the low {@code bits}. */
    private static long truncate(long value, int bits) {
        return switch (bits) {
            case 16 -> value & 0xffffL;
            case 32 -> value & 0xffffffffL;
            default -> value;
        };
    }

    /** to_be on a little-endian machine, and the unconditional bswap: reverse the low {@code bits}. */
    private static long byteSwap(long value, int bits) {
        return switch (bits) {
            case 16 -> Short.reverseBytes((short) value) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) value) & 0xffffffffL;
            default -> Long.reverseBytes(value);
        };
    }

    /**
     * Without an arena (bpf4j has none yet) both directions reduce to what the kernel's JIT does with
     * an arena based at 0: keep the low 32 bits, which maps 0 to 0.
     */
    private static long addrSpaceCast(long value) {
        return value & 0xffffffffL;
    }
}

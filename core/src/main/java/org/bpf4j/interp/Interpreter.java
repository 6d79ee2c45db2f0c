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
                    case 0x07 -> r[d] += k;
                    case 0x0f -> r[d] += r[s];
                    case 0x17 -> r[d] -= k;
                    case 0x1f -> r[d] -= r[s];
                    case 0x27 -> r[d] *= k;
                    case 0x2f -> r[d] *= r[s];
                    case 0x37 -> r[d] = k == 0 ? 0 : Long.divideUnsigned(r[d], k);
                    case 0x3f -> r[d] = r[s] == 0 ? 0 : Long.divideUnsigned(r[d], r[s]);
                    case 0x47 -> r[d] |= k;
                    case 0x4f -> r[d] |= r[s];
                    case 0x57 -> r[d] &= k;
                    case 0x5f -> r[d] &= r[s];
                    case 0x67 -> r[d] <<= k;
                    case 0x6f -> r[d] <<= r[s];
                    case 0x77 -> r[d] >>>= k;
                    case 0x7f -> r[d] >>>= r[s];
                    case 0x87 -> r[d] = -r[d];
                    case 0x97 -> { if (k != 0) r[d] = Long.remainderUnsigned(r[d], k); }
                    case 0x9f -> { if (r[s] != 0) r[d] = Long.remainderUnsigned(r[d], r[s]); }
                    case 0xa7 -> r[d] ^= k;
                    case 0xaf -> r[d] ^= r[s];
                    case 0xb7 -> r[d] = k;
                    case 0xbf -> r[d] = r[s];
                    case 0xc7 -> r[d] >>= k;
                    case 0xcf -> r[d] >>= r[s];
                    case 0xd7 -> r[d] = byteSwap(r[d], k);
                    case SDIV64_K -> r[d] = k == 0 ? 0 : r[d] / k;
                    case SDIV64_X -> r[d] = r[s] == 0 ? 0 : r[d] / r[s];
                    case SMOD64_K -> { if (k != 0) r[d] = r[d] % k; }
                    case SMOD64_X -> { if (r[s] != 0) r[d] = r[d] % r[s]; }
                    case MOVSX64_8 -> r[d] = (byte) r[s];
                    case MOVSX64_16 -> r[d] = (short) r[s];
                    case MOVSX64_32 -> r[d] = (int) r[s];
                    case ADDR_SPACE_CAST -> r[d] = addrSpaceCast(r[s]);
                    // ---- ALU32: operate on the low halves, zero-extend the result ----
                    case 0x04 -> r[d] = u32((int) r[d] + k);
                    case 0x0c -> r[d] = u32((int) r[d] + (int) r[s]);
                    case 0x14 -> r[d] = u32((int) r[d] - k);
                    case 0x1c -> r[d] = u32((int) r[d] - (int) r[s]);
                    case 0x24 -> r[d] = u32((int) r[d] * k);
                    case 0x2c -> r[d] = u32((int) r[d] * (int) r[s]);
                    case 0x34 -> r[d] = k == 0 ? 0 : u32(Integer.divideUnsigned((int) r[d], k));
                    case 0x3c -> r[d] = (int) r[s] == 0 ? 0 : u32(Integer.divideUnsigned((int) r[d], (int) r[s]));
                    case 0x44 -> r[d] = u32((int) r[d] | k);
                    case 0x4c -> r[d] = u32((int) r[d] | (int) r[s]);
                    case 0x54 -> r[d] = u32((int) r[d] & k);
                    case 0x5c -> r[d] = u32((int) r[d] & (int) r[s]);
                    case 0x64 -> r[d] = u32((int) r[d] << k);
                    case 0x6c -> r[d] = u32((int) r[d] << r[s]);
                    case 0x74 -> r[d] = u32((int) r[d] >>> k);
                    case 0x7c -> r[d] = u32((int) r[d] >>> r[s]);
                    case 0x84 -> r[d] = u32(-(int) r[d]);
                    case 0x94 -> r[d] = u32(k == 0 ? (int) r[d] : Integer.remainderUnsigned((int) r[d], k));
                    case 0x9c -> r[d] = u32((int) r[s] == 0 ? (int) r[d] : Integer.remainderUnsigned((int) r[d], (int) r[s]));
                    case 0xa4 -> r[d] = u32((int) r[d] ^ k);
                    case 0xac -> r[d] = u32((int) r[d] ^ (int) r[s]);
                    case 0xb4 -> r[d] = u32(k);
                    case 0xbc -> r[d] = u32((int) r[s]);
                    case 0xc4 -> r[d] = u32((int) r[d] >> k);
                    case 0xcc -> r[d] = u32((int) r[d] >> r[s]);
                    case 0xd4 -> r[d] = truncate(r[d], k);
                    case 0xdc -> r[d] = byteSwap(r[d], k);
                    case SDIV32_K -> r[d] = k == 0 ? 0 : u32((int) r[d] / k);
                    case SDIV32_X -> r[d] = (int) r[s] == 0 ? 0 : u32((int) r[d] / (int) r[s]);
                    case SMOD32_K -> r[d] = u32(k == 0 ? (int) r[d] : (int) r[d] % k);
                    case SMOD32_X -> r[d] = u32((int) r[s] == 0 ? (int) r[d] : (int) r[d] % (int) r[s]);
                    case MOVSX32_8 -> r[d] = u32((byte) r[s]);
                    case MOVSX32_16 -> r[d] = u32((short) r[s]);
                    // ---- JMP ----
                    case 0x05 -> pc += off[pc];
                    case 0x15 -> { if (r[d] == k) pc += off[pc]; }
                    case 0x1d -> { if (r[d] == r[s]) pc += off[pc]; }
                    case 0x25 -> { if (Long.compareUnsigned(r[d], k) > 0) pc += off[pc]; }
                    case 0x2d -> { if (Long.compareUnsigned(r[d], r[s]) > 0) pc += off[pc]; }
                    case 0x35 -> { if (Long.compareUnsigned(r[d], k) >= 0) pc += off[pc]; }
                    case 0x3d -> { if (Long.compareUnsigned(r[d], r[s]) >= 0) pc += off[pc]; }
                    case 0x45 -> { if ((r[d] & k) != 0) pc += off[pc]; }
                    case 0x4d -> { if ((r[d] & r[s]) != 0) pc += off[pc]; }
                    case 0x55 -> { if (r[d] != k) pc += off[pc]; }
                    case 0x5d -> { if (r[d] != r[s]) pc += off[pc]; }
                    case 0x65 -> { if (r[d] > k) pc += off[pc]; }
                    case 0x6d -> { if (r[d] > r[s]) pc += off[pc]; }
                    case 0x75 -> { if (r[d] >= k) pc += off[pc]; }
                    case 0x7d -> { if (r[d] >= r[s]) pc += off[pc]; }
                    case 0xa5 -> { if (Long.compareUnsigned(r[d], k) < 0) pc += off[pc]; }
                    case 0xad -> { if (Long.compareUnsigned(r[d], r[s]) < 0) pc += off[pc]; }
                    case 0xb5 -> { if (Long.compareUnsigned(r[d], k) <= 0) pc += off[pc]; }
                    case 0xbd -> { if (Long.compareUnsigned(r[d], r[s]) <= 0) pc += off[pc]; }
                    case 0xc5 -> { if (r[d] < k) pc += off[pc]; }
                    case 0xcd -> { if (r[d] < r[s]) pc += off[pc]; }
                    case 0xd5 -> { if (r[d] <= k) pc += off[pc]; }
                    case 0xdd -> { if (r[d] <= r[s]) pc += off[pc]; }
                    case 0xe5 -> {
                        // may_goto: fall through while the frame's budget lasts, then take the jump.
                        if (run.mayGoto[depth] == 0) pc += off[pc];
                        else run.mayGoto[depth]--;
                    }
                    // ---- JMP32: compare the low halves ----
                    case 0x06 -> pc += k;
                    case 0x16 -> { if ((int) r[d] == k) pc += off[pc]; }
                    case 0x1e -> { if ((int) r[d] == (int) r[s]) pc += off[pc]; }
                    case 0x26 -> { if (Integer.compareUnsigned((int) r[d], k) > 0) pc += off[pc]; }
                    case 0x2e -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) > 0) pc += off[pc]; }
                    case 0x36 -> { if (Integer.compareUnsigned((int) r[d], k) >= 0) pc += off[pc]; }
                    case 0x3e -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) >= 0) pc += off[pc]; }
                    case 0x46 -> { if (((int) r[d] & k) != 0) pc += off[pc]; }
                    case 0x4e -> { if (((int) r[d] & (int) r[s]) != 0) pc += off[pc]; }
                    case 0x56 -> { if ((int) r[d] != k) pc += off[pc]; }
                    case 0x5e -> { if ((int) r[d] != (int) r[s]) pc += off[pc]; }
                    case 0x66 -> { if ((int) r[d] > k) pc += off[pc]; }
                    case 0x6e -> { if ((int) r[d] > (int) r[s]) pc += off[pc]; }
                    case 0x76 -> { if ((int) r[d] >= k) pc += off[pc]; }
                    case 0x7e -> { if ((int) r[d] >= (int) r[s]) pc += off[pc]; }
                    case 0xa6 -> { if (Integer.compareUnsigned((int) r[d], k) < 0) pc += off[pc]; }
                    case 0xae -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) < 0) pc += off[pc]; }
                    case 0xb6 -> { if (Integer.compareUnsigned((int) r[d], k) <= 0) pc += off[pc]; }
                    case 0xbe -> { if (Integer.compareUnsigned((int) r[d], (int) r[s]) <= 0) pc += off[pc]; }
                    case 0xc6 -> { if ((int) r[d] < k) pc += off[pc]; }
                    case 0xce -> { if ((int) r[d] < (int) r[s]) pc += off[pc]; }
                    case 0xd6 -> { if ((int) r[d] <= k) pc += off[pc]; }
                    case 0xde -> { if ((int) r[d] <= (int) r[s]) pc += off[pc]; }
                    // ---- calls and exit ----
                    case 0x85 -> {
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
                    case 0x8d -> {
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
                    case 0x95 -> {
                        if (depth == baseDepth) {
                            run.budget = budget;
                            return r[0];
                        }
                        depth--;
                        pc = leaveFrame(run, depth);
                        continue;
                    }
                    // ---- loads ----
                    case 0x18 -> {
                        r[d] = imm64[pc];
                        pc++;
                    }
                    case 0x61 -> r[d] = m.get(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[s] + off[pc], 4, false)) & 0xffffffffL;
                    case 0x69 -> r[d] = m.get(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[s] + off[pc], 2, false)) & 0xffffL;
                    case 0x71 -> r[d] = m.get(ValueLayout.JAVA_BYTE, run.check(r[s] + off[pc], 1, false)) & 0xffL;
                    case 0x79 -> r[d] = m.get(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[s] + off[pc], 8, false));
                    case 0x81 -> r[d] = m.get(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[s] + off[pc], 4, false));
                    case 0x89 -> r[d] = m.get(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[s] + off[pc], 2, false));
                    case 0x91 -> r[d] = m.get(ValueLayout.JAVA_BYTE, run.check(r[s] + off[pc], 1, false));
                    case 0x20, 0x28, 0x30, 0x40, 0x48, 0x50 -> {
                        long value = run.legacyPacketLoad(code[pc], r[s], k);
                        if (value < 0) { // out of the packet: the kernel ends the program with 0
                            run.terminate(0);
                            throw TERMINATED;
                        }
                        r[0] = value;
                    }
                    // ---- stores ----
                    case 0x62 -> m.set(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[d] + off[pc], 4, true), k);
                    case 0x6a -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[d] + off[pc], 2, true), (short) k);
                    case 0x72 -> m.set(ValueLayout.JAVA_BYTE, run.check(r[d] + off[pc], 1, true), (byte) k);
                    case 0x7a -> m.set(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[d] + off[pc], 8, true), (long) k);
                    case 0x63 -> m.set(ValueLayout.JAVA_INT_UNALIGNED, run.check(r[d] + off[pc], 4, true), (int) r[s]);
                    case 0x6b -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, run.check(r[d] + off[pc], 2, true), (short) r[s]);
                    case 0x73 -> m.set(ValueLayout.JAVA_BYTE, run.check(r[d] + off[pc], 1, true), (byte) r[s]);
                    case 0x7b -> m.set(ValueLayout.JAVA_LONG_UNALIGNED, run.check(r[d] + off[pc], 8, true), r[s]);
                    case 0xc3, 0xdb, 0xcb, 0xd3 -> atomic(run, pc);
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

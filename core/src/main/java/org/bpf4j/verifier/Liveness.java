package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.ArrayDeque;
import java.util.Arrays;
import org.bpf4j.isa.Flow;
import org.bpf4j.isa.Insn;

/**
 * Static liveness (kernel/bpf/liveness.c and compute_live_registers in verifier.c): the registers, and the
 * stack slots of each frame, that may be read at or after each instruction; state comparison ignores the
 * rest.
 */
final class Liveness {
    private Liveness() {}

    /**
     * The argument registers a call reads: a helper's from the prototype this program type gets, r1-r5
     * otherwise (also for a helper the type may not call: the kernel's liveness falls back the same way).
     */
    static int callArgRegs(VerifierEnv env, Insn call) {
        if (call.src() == CALL_HELPER) {
            int id = call.imm();
            HelperProto proto = HelperProto.of(env.opts.helpers(), id, env.ptype);
            if (proto != null && HelperAvailability.verdict(env.opts.helpers(), id, env.ptype, env.opts.expectedAttachType()) != HelperAvailability.Verdict.UNAVAILABLE) {
                return ((1 << (proto.args().length + 1)) - 1) & ~1;
            }
        }
        return 0x3e;
    }

    /** The level-2 header of compute_live_regs: subprogram starts, then r0-r9 live before each instruction. */
    static void logLiveRegs(VerifierEnv env) {
        for (int i = 0; i < env.subprogStarts.length; i++) env.logln("func#" + i + " @" + env.subprogStarts[i]);
        env.logln("Live regs before insn:");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < env.n; i++) {
            line.setLength(0);
            line.append(String.format("%7d: ", i));
            for (int r = 0; r < 10; r++) line.append((env.liveIn[i] & (1 << r)) != 0 ? (char) ('0' + r) : '.');
            Insn in = env.insns[i];
            long imm = env.isLdImm64(i) && i + 1 < env.n ? ((long) env.insns[i + 1].imm() << 32) | (in.imm() & 0xffffffffL) : in.imm();
            line.append(' ').append(LogFormat.insn(in, imm));
            env.logln(line.toString());
            if (env.isLdImm64(i)) i++;
        }
    }

    static void computeLiveRegs(VerifierEnv env) {
        int[] use = new int[env.n], def = new int[env.n];
        for (int i = 0; i < env.n; i++) {
            Insn in = env.insns[i];
            if (!Flow.hasConventionalRegs(in)) {
                use[i] = Flow.regsRead(in);
                def[i] = Flow.regsWritten(in);
            } else if (insnClass(in.opcode()) == CLASS_LD) {
                use[i] = 0x3ff; // LD_ABS/IND: the kernel's liveness keeps r0-r9 live before them
                def[i] = Flow.CALLER_SAVED;
            } else {
                use[i] = callArgRegs(env, in);
                def[i] = Flow.CALLER_SAVED;
            }
            use[i] &= 0x7ff;
            def[i] &= 0x7ff;
        }
        env.liveIn = new int[env.n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = env.n - 1; i >= 0; i--) {
                if (i > 0 && env.isLdImm64(i - 1)) continue;
                Insn in = env.insns[i];
                int next = Flow.next(in, i);
                int out = Flow.fallsThrough(in) && next < env.n ? env.liveIn[next] : 0;
                int target = Flow.branchTarget(in, i);
                if (target != Flow.NO_TARGET && target >= 0 && target < env.n) out |= env.liveIn[target];
                int callee = Flow.callTarget(in, i);
                // a callee reads the caller's arguments only
                if (callee != Flow.NO_TARGET && callee >= 0 && callee < env.n) out |= env.liveIn[callee] & Flow.ARG_REGS;
                int v = use[i] | (out & ~def[i]);
                if (v != env.liveIn[i]) { env.liveIn[i] = v; changed = true; }
            }
        }
    }

    /**
     * Static stack-slot liveness for the frame executing each instruction, as the kernel's (liveness.c)
     * lets explored states ignore slots no continuation reads: a fixed-offset load from r10 reads its
     * slots, a full-slot store to r10 overwrites one; a load or atomic through a register that may point
     * into the frame (see {@link #stackPointerRegs}), or any call, may read anything, so every slot is live
     * before it. A sound over-approximation of the kernel's.
     */
    static void computeLiveSlots(VerifierEnv env) {
        long[] use = new long[env.n], def = new long[env.n];
        int[][] succ = new int[env.n][];
        for (int i = 0; i < env.n; i++) {
            if (i > 0 && env.isLdImm64(i - 1)) continue;
            succ[i] = ControlFlow.successors(env, i);
        }
        int[] stackPtrs = stackPointerRegs(env, succ);
        for (int i = 0; i < env.n; i++) {
            if (succ[i] == null) continue;
            Insn in = env.insns[i];
            int code = in.opcode(), cls = insnClass(code);
            boolean atomic = cls == CLASS_STX && mode(code) == MODE_ATOMIC;
            if (cls == CLASS_LDX || atomic) {
                int base = cls == CLASS_LDX ? in.src() : in.dst();
                if (base == 10) use[i] = slotsOf(in.off(), sizeBytes(code));
                else if ((stackPtrs[i] & (1 << base)) != 0) use[i] = -1L;
            } else if ((cls == CLASS_STX || cls == CLASS_ST) && in.dst() == 10
                    && sizeBytes(code) == 8 && in.off() % 8 == 0 && in.off() < 0 && in.off() >= -VerifierEnv.MAX_BPF_STACK) {
                def[i] = 1L << ((-in.off() - 1) / 8);
            } else if ((cls == CLASS_JMP || cls == CLASS_JMP32) && jmpOp(code) == JMP_CALL) {
                use[i] = helperStackReads(env, i, stackPtrs[i]);
            }
        }
        env.liveSlotsIn = new long[env.n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = env.n - 1; i >= 0; i--) {
                if (succ[i] == null) continue;
                long out = 0;
                for (int w : succ[i]) if (w >= 0 && w < env.n) out |= env.liveSlotsIn[w];
                long v = use[i] | (out & ~def[i]);
                if (v != env.liveSlotsIn[i]) { env.liveSlotsIn[i] = v; changed = true; }
            }
        }
    }

    /**
     * The registers that may point into the executing frame's stack before each instruction (a forward
     * may-analysis): r10 at every function's entry, copies of such registers and arithmetic on them, and
     * loads of spills once such a register may have been stored. Calls return none: helpers return no
     * stack pointers and functions may not return one. A frame's own code is the only way into its slots:
     * a function may not store a stack pointer into its caller's frame (the verifier refuses it).
     */
    static int[] stackPointerRegs(VerifierEnv env, int[][] succ) {
        int[] in = new int[env.n];
        boolean[] seen = new boolean[env.n];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        for (int start : env.subprogStarts) {
            in[start] = 1 << 10;
            seen[start] = true;
            work.add(start);
        }
        boolean spilled = false; // some register that may point into the stack was stored somewhere
        while (!work.isEmpty()) {
            int i = work.poll();
            Insn insn = env.insns[i];
            int code = insn.opcode(), cls = insnClass(code), m = in[i];
            int d = 1 << insn.dst(), sBit = 1 << insn.src();
            int out = m;
            switch (cls) {
                case CLASS_ALU, CLASS_ALU64 -> {
                    if (aluOp(code) == ALU_MOV) {
                        boolean copy = cls == CLASS_ALU64 && source(code) == SRC_X && insn.off() == 0;
                        out = copy && (m & sBit) != 0 ? m | d : m & ~d;
                    } else if (source(code) == SRC_X && (m & sBit) != 0) {
                        out = m | d;
                    }
                }
                case CLASS_LDX -> out = spilled ? m | d : m & ~d;
                case CLASS_STX -> {
                    if ((m & sBit) != 0 && !spilled) {
                        spilled = true;
                        for (int k = 0; k < env.n; k++) if (seen[k]) work.add(k); // loads may now yield pointers
                    }
                    if (mode(code) == MODE_ATOMIC) {
                        int loaded = insn.imm() == ATOMIC_CMPXCHG ? 1 : (insn.imm() & ATOMIC_FETCH) != 0 ? sBit : 0;
                        out = spilled ? m | loaded : m & ~loaded;
                    }
                }
                case CLASS_LD -> out = code == LDDW ? m & ~d : m & ~0x3f;
                case CLASS_JMP, CLASS_JMP32 -> {
                    if (jmpOp(code) == JMP_CALL) out = m & ~0x3f;
                }
                default -> { }
            }
            if (succ[i] == null) continue;
            for (int w : succ[i]) {
                if (w < 0 || w >= env.n) continue;
                // the callee of a call starts from its own entry state
                if (cls == CLASS_JMP && jmpOp(code) == JMP_CALL && insn.src() == CALL_PSEUDO && w != i + 1) continue;
                if (code == LDDW && insn.src() == PSEUDO_FUNC && w != i + 2) continue;
                if (!seen[w] || (in[w] | out) != in[w]) {
                    in[w] |= out;
                    seen[w] = true;
                    work.add(w);
                }
            }
        }
        return in;
    }

    /**
     * The slots of the executing frame the call at {@code i} may read: for a helper, what its memory
     * arguments that may point into the frame cover, when the basic block shows where they point
     * ({@code rX = r10; rX += K}) and how much is read (the map's key or value size, a constant size
     * argument); every slot otherwise, and for any other call.
     */
    static long helperStackReads(VerifierEnv env, int i, int stackPtrs) {
        Insn call = env.insns[i];
        HelperProto fn = call.src() == CALL_HELPER ? HelperProto.get(env.opts.helpers(), call.imm()) : null;
        if (fn == null) return -1L;
        int[] args = fn.args();
        long reads = 0;
        for (int a = 0; a < args.length && a < 5; a++) {
            int regno = a + 1, base = args[a] & HelperProto.ARG_BASE_MASK;
            if ((stackPtrs & (1 << regno)) == 0 || base == HelperProto.ARG_ANYTHING) continue;
            if (base == HelperProto.ARG_PTR_TO_MEM && (args[a] & HelperProto.A_UNINIT) != 0) continue; // written only
            long size = -1;
            if (base == HelperProto.ARG_PTR_TO_MAP_KEY || base == HelperProto.ARG_PTR_TO_MAP_VALUE) {
                long mapIdx = valueInBlock(env, i, 1, false);
                if (mapIdx >= 0 && mapIdx < env.maps.size()) {
                    MapInfo m = env.maps.get((int) mapIdx);
                    size = base == HelperProto.ARG_PTR_TO_MAP_KEY ? m.keySize() : m.valueSize();
                }
            } else if (base == HelperProto.ARG_PTR_TO_MEM && a + 1 < args.length) {
                int sizeArg = args[a + 1] & HelperProto.ARG_BASE_MASK;
                if (sizeArg == HelperProto.ARG_CONST_SIZE || sizeArg == HelperProto.ARG_CONST_SIZE_OR_ZERO) {
                    size = valueInBlock(env, i, regno + 1, false);
                }
            }
            long off = valueInBlock(env, i, regno, true);
            if (size < 0 || size > VerifierEnv.MAX_BPF_STACK || off == Long.MIN_VALUE) return -1L;
            if (size > 0) reads |= slotsOf((int) off, (int) size);
        }
        return reads;
    }

    /**
     * What register {@code regno} holds before instruction {@code i}, from the instructions of its basic
     * block: with {@code fromFp}, its offset from r10 when it is {@code r10 + K} (else Long.MIN_VALUE);
     * otherwise the constant it was set to, or the map index an ld_imm64 loaded (else -1).
     */
    static long valueInBlock(VerifierEnv env, int i, int regno, boolean fromFp) {
        long unknown = fromFp ? Long.MIN_VALUE : -1, added = 0;
        int reg = regno;
        for (int p = i; p > 0 && !env.jmpPoint[p] && Arrays.binarySearch(env.subprogStarts, p) < 0; ) {
            int j = p - 1;
            if (j > 0 && env.isLdImm64(j - 1)) j--;
            Insn in = env.insns[j];
            int code = in.opcode(), cls = insnClass(code);
            p = j;
            boolean defines = in.dst() == reg && (cls == CLASS_ALU || cls == CLASS_ALU64 || cls == CLASS_LDX || code == LDDW);
            if (!defines) {
                // stores leave registers alone; anything else (jumps, calls, atomics, ld_abs) ends the search
                boolean plainStore = cls == CLASS_ST || (cls == CLASS_STX && mode(code) != MODE_ATOMIC);
                if (plainStore || cls == CLASS_ALU || cls == CLASS_ALU64 || cls == CLASS_LDX || code == LDDW) continue;
                return unknown;
            }
            int op = aluOp(code);
            if (cls == CLASS_ALU64 && op == ALU_MOV && source(code) == SRC_X && in.off() == 0) {
                if (fromFp && in.src() == 10) return added;
                reg = in.src();
            } else if (fromFp && cls == CLASS_ALU64 && source(code) == SRC_K && (op == ALU_ADD || op == ALU_SUB)) {
                added += op == ALU_ADD ? in.imm() : -(long) in.imm();
            } else if (!fromFp && cls == CLASS_ALU64 && op == ALU_MOV && source(code) == SRC_K) {
                return in.imm() < 0 ? unknown : in.imm();
            } else if (!fromFp && code == LDDW && in.src() == PSEUDO_MAP_FD) {
                return in.imm();
            } else {
                return unknown;
            }
        }
        return unknown;
    }

    /** The slots bytes [off, off + size) of the stack occupy; all of them when outside the stack. */
    static long slotsOf(int off, int size) {
        if (off < -VerifierEnv.MAX_BPF_STACK || off + size > 0 || size <= 0) return -1L;
        long m = 0;
        for (int b = off; b < off + size; b++) m |= 1L << ((-b - 1) / 8);
        return m;
    }
}

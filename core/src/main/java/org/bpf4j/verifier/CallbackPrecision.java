package org.bpf4j.verifier;

import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import org.bpf4j.isa.Flow;
import org.bpf4j.isa.Insn;

/**
 * Which bytes of a callback's context (the caller's stack its context pointer points at) the kernel may keep
 * precise from one call of the callback to the next: a conservative, static stand-in for the precise marks
 * the kernel's {@code widen_imprecise_scalars} reads (bpf4j's {@link Precision} marks are not consulted there;
 * docs/verifier.md names this difference). At a callback's return the kernel widens the scalars that
 * changed unless they are precise: an index into the context keeps its
 * values and the callback is iterated with each, a counter nobody tests becomes unknown and the iteration
 * converges. A value loaded from the context is taken as precise when it reaches what makes the kernel mark
 * a scalar precise: a conditional jump, pointer arithmetic or an address, an argument of a call, the
 * callback's return value; so is a context byte stored from such a value. Where the context pointer goes
 * where the analysis cannot follow it (stored, passed on, moved by an unknown offset), every byte is precise.
 */
final class CallbackPrecision {
    private CallbackPrecision() {}

    /**
     * The precise bytes of the context, as offsets from the context pointer plus {@link #BIAS} (the context may
     * be read below the pointer); {@code all}: every byte.
     */
    record Result(boolean all, BitSet offsets) {
        boolean precise(int offset) {
            return all || (offset >= -BIAS && offset < BIAS && offsets.get(offset + BIAS));
        }
    }

    /** Context offsets tracked: [-512, 512), a stack's size either way; beyond, the context escapes. */
    private static final int BIAS = 512, MAX_OFFSET = 2 * BIAS;
    private static final int SCALAR = 0, CTX = 1, POINTER = 2, FUNC = 3;
    /** How deep callbacks that call callbacks with the same context are followed. */
    private static final int MAX_NESTING = 4;
    private static final int UNKNOWN_OFF = Integer.MIN_VALUE;

    /** Abstract registers at one instruction: kind, context offset for CTX, context bytes a scalar derives from. */
    private static final class State {
        final int[] kind = new int[11];
        final int[] off = new int[11];
        final BitSet[] taint = new BitSet[11];

        State() {
            for (int i = 0; i < 11; i++) taint[i] = new BitSet();
        }

        State copy() {
            State s = new State();
            System.arraycopy(kind, 0, s.kind, 0, 11);
            System.arraycopy(off, 0, s.off, 0, 11);
            for (int i = 0; i < 11; i++) s.taint[i] = (BitSet) taint[i].clone();
            return s;
        }

        void set(int r, int k, int o, BitSet t) {
            kind[r] = k;
            off[r] = o;
            taint[r] = t == null ? new BitSet() : (BitSet) t.clone();
        }
    }

    private static final class Analysis {
        final HelperSpecs helpers;
        final Insn[] insns;
        final int[] subprogStarts;
        final int start, end, depth;
        final BitSet precise = new BitSet();
        /** For each context byte stored to: the context bytes the stored value derives from. */
        final BitSet[] derived = new BitSet[MAX_OFFSET];
        /** The context bytes the values stored to memory other than the context derive from. */
        final BitSet memory = new BitSet();
        boolean all;

        Analysis(HelperSpecs helpers, Insn[] insns, int[] subprogStarts, int start, int end, int depth) {
            this.helpers = helpers;
            this.insns = insns;
            this.subprogStarts = subprogStarts;
            this.start = start;
            this.end = end;
            this.depth = depth;
        }

        private void markPrecise(BitSet t) { precise.or(t); }

        /** Merges {@code from} into {@code into}; whether {@code into} changed. */
        private boolean join(State into, State from) {
            boolean changed = false;
            for (int r = 0; r < 11; r++) {
                int k = into.kind[r], o = into.off[r];
                if (into.kind[r] != from.kind[r]) {
                    // maybe the context, somewhere: whatever reaches memory through it makes every byte precise
                    boolean ctx = into.kind[r] == CTX || from.kind[r] == CTX;
                    k = ctx ? CTX : POINTER;
                    if (ctx) o = UNKNOWN_OFF;
                } else if (k == CTX && into.off[r] != from.off[r]) {
                    o = UNKNOWN_OFF;
                } else if (k == FUNC && into.off[r] != from.off[r]) {
                    k = POINTER; // one of two functions: a nested callback not followed
                }
                if (k != into.kind[r] || o != into.off[r]) changed = true;
                into.kind[r] = k;
                into.off[r] = o;
                BitSet t = (BitSet) into.taint[r].clone();
                t.or(from.taint[r]);
                if (!t.equals(into.taint[r])) {
                    into.taint[r] = t;
                    changed = true;
                }
            }
            return changed;
        }

        /** The context byte (biased) a CTX register plus {@code disp} addresses, or -1 when unknown (escapes). */
        private int ctxByte(State s, int r, int disp) {
            if (s.off[r] == UNKNOWN_OFF) return -1;
            long o = (long) s.off[r] + disp + BIAS;
            return o < 0 || o >= MAX_OFFSET ? -1 : (int) o;
        }

        private BitSet single(int o) {
            BitSet b = new BitSet();
            b.set(o);
            return b;
        }

        /** The effect of one instruction on {@code s}; the successors of pc. */
        private int[] step(int pc, State s) {
            Insn in = insns[pc];
            int code = in.opcode(), cls = insnClass(code), d = in.dst(), src = in.src();
            if (d > 10 || src > 10) {
                all = true;
                return new int[0];
            }
            switch (cls) {
                case CLASS_ALU, CLASS_ALU64 -> {
                    int op = aluOp(code);
                    boolean x = source(code) == SRC_X;
                    if (op == ALU_MOV) {
                        if (!x) s.set(d, SCALAR, 0, null);
                        else if (cls == CLASS_ALU && s.kind[src] != SCALAR) s.set(d, SCALAR, 0, null);
                        else s.set(d, s.kind[src], s.off[src], s.taint[src]);
                    } else if (!x) {
                        if (s.kind[d] == CTX) {
                            if (cls == CLASS_ALU64 && (op == ALU_ADD || op == ALU_SUB) && s.off[d] != UNKNOWN_OFF) {
                                s.off[d] += op == ALU_ADD ? in.imm() : -in.imm();
                            } else {
                                s.off[d] = UNKNOWN_OFF;
                            }
                        }
                    } else if (s.kind[d] == SCALAR && s.kind[src] == SCALAR) {
                        s.taint[d].or(s.taint[src]);
                    } else {
                        // maybe pointer arithmetic: the kernel marks the scalar precise
                        markPrecise(s.taint[d]);
                        markPrecise(s.taint[src]);
                        BitSet t = (BitSet) s.taint[d].clone();
                        t.or(s.taint[src]);
                        if (s.kind[d] == CTX || s.kind[src] == CTX) s.set(d, CTX, UNKNOWN_OFF, null);
                        else s.set(d, POINTER, 0, t);
                    }
                }
                case CLASS_LDX -> {
                    markPrecise(s.taint[src]); // an address
                    if (s.kind[src] == CTX) {
                        int o = ctxByte(s, src, in.off());
                        if (o < 0) all = true;
                        else s.set(d, SCALAR, 0, single(o));
                    } else {
                        s.set(d, POINTER, 0, memory);
                    }
                }
                case CLASS_ST -> markPrecise(s.taint[d]);
                case CLASS_STX -> {
                    markPrecise(s.taint[d]);
                    if (s.kind[src] == CTX) all = true; // the context pointer is stored: not followed
                    boolean atomic = mode(code) == MODE_ATOMIC;
                    if (s.kind[d] == CTX) {
                        int o = ctxByte(s, d, in.off());
                        if (o < 0) {
                            all = true;
                        } else {
                            if (derived[o] == null) derived[o] = new BitSet();
                            derived[o].or(s.taint[src]);
                            if (atomic && in.imm() == ATOMIC_CMPXCHG) {
                                markPrecise(single(o));
                                markPrecise(s.taint[0]);
                            }
                            if (atomic && (in.imm() & ATOMIC_FETCH) != 0) {
                                s.set(in.imm() == ATOMIC_CMPXCHG ? 0 : src, SCALAR, 0, single(o));
                            }
                        }
                    } else {
                        memory.or(s.taint[src]);
                        if (atomic && (in.imm() & ATOMIC_FETCH) != 0) s.set(in.imm() == ATOMIC_CMPXCHG ? 0 : src, POINTER, 0, memory);
                    }
                }
                case CLASS_LD -> {
                    if (code == LDDW) {
                        if (in.src() == PSEUDO_FUNC) s.set(d, FUNC, Flow.functionAddress(in, pc), null); // off: the function's start
                        else s.set(d, in.src() == PSEUDO_IMM64 ? SCALAR : POINTER, 0, null);
                        return new int[] {pc + 2};
                    }
                    for (int r = 1; r <= 5; r++) s.set(r, POINTER, 0, null);
                    s.set(0, SCALAR, 0, null);
                }
                default -> { // jumps
                    int op = jmpOp(code);
                    if (op == JMP_EXIT) {
                        markPrecise(s.taint[0]); // the callback's return value is precise
                        return new int[0];
                    }
                    if (op == JMP_CALL) {
                        HelperProto proto = in.src() == CALL_HELPER ? HelperProto.get(helpers, in.imm()) : null;
                        int args = proto != null ? proto.args().length : 5;
                        boolean nested = in.src() == CALL_HELPER && helpers.callsCallback(in.imm()) && in.imm() != KernelHelper.FIND_VMA.id();
                        for (int r = 1; r <= args; r++) {
                            if (s.kind[r] == CTX && !(nested && r == 3)) all = true; // passed on: not followed
                            markPrecise(s.taint[r]);
                        }
                        if (nested && s.kind[3] == CTX) followNested(s, in.imm());
                        for (int r = 0; r <= 5; r++) s.set(r, POINTER, 0, null);
                        return new int[] {pc + 1};
                    }
                    if (op == JMP_JA) return new int[] {Flow.branchTarget(in, pc)};
                    if (code != MAY_GOTO) {
                        markPrecise(s.taint[d]);
                        if (source(code) == SRC_X) markPrecise(s.taint[src]);
                    }
                    return new int[] {pc + 1, Flow.branchTarget(in, pc)};
                }
            }
            return new int[] {pc + 1};
        }

        /** A callback called with this context (bpf_loop(n, fn, ctx, 0) in a callback): its precise bytes are too. */
        private void followNested(State s, int helper) {
            int fnStart = s.kind[2] == FUNC ? s.off[2] : -1;
            int sp = Arrays.binarySearch(subprogStarts, fnStart);
            int base = s.off[3]; // the nested context, from this one's
            if (sp < 0 || base == UNKNOWN_OFF || depth >= MAX_NESTING) {
                all = true;
                return;
            }
            int spEnd = sp + 1 < subprogStarts.length ? subprogStarts[sp + 1] : insns.length;
            Result r = analyze(helpers, insns, subprogStarts, subprogStarts[sp], spEnd, helper, depth + 1);
            if (r.all()) {
                all = true;
                return;
            }
            for (int o = r.offsets().nextSetBit(0); o >= 0; o = r.offsets().nextSetBit(o + 1)) {
                long at = (long) base + o; // o is biased, base is not: biased in this context
                if (at < 0 || at >= MAX_OFFSET) all = true;
                else precise.set((int) at);
            }
        }

        void run(State entry) {
            // loads from memory see what any store put there: again until the stored taint stops growing
            BitSet before;
            do {
                before = (BitSet) memory.clone();
                flow(entry);
            } while (!all && !memory.equals(before));
            // a precise byte makes the bytes it was stored from precise
            boolean changed = true;
            while (changed && !all) {
                changed = false;
                for (int o = precise.nextSetBit(0); o >= 0 && o < MAX_OFFSET; o = precise.nextSetBit(o + 1)) {
                    if (derived[o] == null) continue;
                    int count = precise.cardinality();
                    precise.or(derived[o]);
                    if (precise.cardinality() != count) changed = true;
                }
            }
        }

        private void flow(State entry) {
            State[] in = new State[end - start];
            in[0] = entry.copy();
            ArrayDeque<Integer> work = new ArrayDeque<>();
            work.add(start);
            int steps = 0;
            while (!work.isEmpty() && !all) {
                // states only grow: the bound only guards against a bug looping forever
                if (++steps > 64 * (end - start) + 1024) {
                    all = true;
                    return;
                }
                int pc = work.poll();
                State s = in[pc - start].copy();
                for (int next : step(pc, s)) {
                    if (next < start || next >= end) continue; // the verifier refuses such jumps
                    State old = in[next - start];
                    if (old == null) {
                        in[next - start] = s.copy();
                        work.add(next);
                    } else if (join(old, s)) {
                        work.add(next);
                    }
                }
            }
        }
    }

    /**
     * The precise context bytes of the callback at [{@code start}, {@code end}) that helper {@code helper}
     * (bpf_loop, bpf_for_each_map_elem, bpf_user_ringbuf_drain) calls.
     */
    static Result analyze(HelperSpecs helpers, Insn[] insns, int[] subprogStarts, int start, int end, int helper) {
        return analyze(helpers, insns, subprogStarts, start, end, helper, 0);
    }

    private static Result analyze(HelperSpecs helpers, Insn[] insns, int[] subprogStarts, int start, int end, int helper,
                                  int depth) {
        Analysis a = new Analysis(helpers, insns, subprogStarts, start, end, depth);
        State entry = new State();
        Arrays.fill(entry.kind, POINTER);
        int ctxReg = helper == Callbacks.FOR_EACH_MAP_ELEM ? 4 : 2;
        if (helper == Callbacks.LOOP) entry.kind[1] = SCALAR; // the index
        entry.kind[ctxReg] = CTX;
        entry.off[ctxReg] = 0;
        a.run(entry);
        return new Result(a.all, a.precise);
    }
}

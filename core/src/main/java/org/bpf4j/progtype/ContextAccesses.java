package org.bpf4j.progtype;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.isa.StructuralCheck;

/**
 * Finds the instructions that load from or store to the program's context, so that they can be
 * rewritten to the real context structure as the kernel's {@code convert_ctx_access} does.
 *
 * <p>A forward data-flow analysis over every function of the program: which registers and 8-byte stack
 * slots hold the context pointer (r1 at entry, copies, spills and fills, arguments passed to
 * subprograms). Like the kernel, it refuses a memory access whose base is the context on one path and
 * something else on another, and a dereference of a context pointer that arithmetic has moved.
 *
 * <p>This is the part of pointer-type tracking the runtime needs before the verifier runs; once the
 * verifier is in place it supplies the same facts.
 */
public final class ContextAccesses {

    /** One access to the context: the instruction, the offset into the UAPI context, its size. */
    public record Access(int pc, int offset, int size, boolean store) {}

    private final Map<Integer, Access> byPc;

    private ContextAccesses(Map<Integer, Access> byPc) {
        this.byPc = Map.copyOf(byPc);
    }

    public Map<Integer, Access> byPc() { return byPc; }

    // Abstract values: BOTTOM (not reached), CTX+k, FP+k (a frame pointer), OTHER, MODIFIED_CTX, MIXED.
    private static final long BOTTOM = 0, OTHER = 1, MODIFIED_CTX = 2, MIXED = 3;
    private static final long CTX_TAG = 1L << 40, FP_TAG = 2L << 40, TAG_MASK = 0xffL << 40;

    private static long ctx(long off) { return CTX_TAG | (off & 0xffffffffffL); }
    private static long fp(long off) { return FP_TAG | (off & 0xffffffffffL); }
    private static boolean isCtx(long v) { return (v & TAG_MASK) == CTX_TAG; }
    private static boolean isFp(long v) { return (v & TAG_MASK) == FP_TAG; }
    private static long offsetOf(long v) { return (v << 24) >> 24; }

    private static long join(long a, long b) {
        if (a == b) return a;
        if (a == BOTTOM) return b;
        if (b == BOTTOM) return a;
        boolean ctxA = isCtx(a) || a == MODIFIED_CTX || a == MIXED;
        boolean ctxB = isCtx(b) || b == MODIFIED_CTX || b == MIXED;
        if (ctxA && ctxB && a != MIXED && b != MIXED) return MODIFIED_CTX;
        if (ctxA || ctxB) return MIXED;
        return OTHER;
    }

    /** Registers r0-r10 and the stack slots of one frame (offset from the frame top -> value). */
    private static final class State {
        final long[] regs = new long[11];
        final TreeMap<Integer, Long> slots = new TreeMap<>();

        State copy() {
            State s = new State();
            System.arraycopy(regs, 0, s.regs, 0, 11);
            s.slots.putAll(slots);
            return s;
        }

        /** Joins {@code other} into this; returns whether this changed. */
        boolean joinFrom(State other) {
            boolean changed = false;
            for (int i = 0; i < 11; i++) {
                long j = join(regs[i], other.regs[i]);
                if (j != regs[i]) {
                    regs[i] = j;
                    changed = true;
                }
            }
            // A slot present on one side only holds OTHER on the other side.
            for (Integer k : new ArrayList<>(slots.keySet())) {
                long mine = slots.get(k);
                long j = join(mine, other.slots.getOrDefault(k, OTHER));
                if (j != mine) {
                    if (j == OTHER) slots.remove(k);
                    else slots.put(k, j);
                    changed = true;
                }
            }
            for (Map.Entry<Integer, Long> e : other.slots.entrySet()) {
                if (!slots.containsKey(e.getKey())) {
                    long j = join(OTHER, e.getValue());
                    if (j != OTHER) {
                        slots.put(e.getKey(), j);
                        changed = true;
                    }
                }
            }
            return changed;
        }
    }

    /**
     * Analyses a structurally valid program whose entry r1 is the context.
     *
     * @throws InvalidProgramException where the context is used in a way the kernel refuses
     */
    public static ContextAccesses find(Program program) {
        StructuralCheck.check(program);
        int n = program.size();
        BitSet secondSlot = new BitSet(n);
        for (int pc = 0; pc < n; pc++) if (program.get(pc).isWide()) secondSlot.set(++pc);

        State[] in = new State[n];
        State entry = new State();
        Arrays.fill(entry.regs, OTHER);
        entry.regs[1] = ctx(0);
        entry.regs[10] = fp(0);
        in[0] = entry;
        ArrayDeque<Integer> work = new ArrayDeque<>();
        BitSet queued = new BitSet(n);
        work.add(0);
        queued.set(0);
        Map<Integer, Access> accesses = new HashMap<>();

        while (!work.isEmpty()) {
            int pc = work.poll();
            queued.clear(pc);
            State s = in[pc].copy();
            Insn insn = program.get(pc);
            int op = insn.opcode();
            int cls = insnClass(op);
            List<Integer> successors = new ArrayList<>(2);
            switch (cls) {
                case CLASS_ALU, CLASS_ALU64 -> {
                    long v = s.regs[insn.dst()];
                    if (cls == CLASS_ALU64 && aluOp(op) == ALU_MOV && source(op) == SRC_X && insn.off() == 0) {
                        s.regs[insn.dst()] = s.regs[insn.src()];
                    } else if (cls == CLASS_ALU64 && (aluOp(op) == ALU_ADD || aluOp(op) == ALU_SUB) && source(op) == SRC_K
                            && (isFp(v) || isCtx(v))) {
                        long delta = aluOp(op) == ALU_ADD ? insn.imm() : -(long) insn.imm();
                        s.regs[insn.dst()] = isFp(v) ? fp(offsetOf(v) + delta) : (delta == 0 ? v : MODIFIED_CTX);
                    } else {
                        boolean wasCtx = isCtx(v) || v == MODIFIED_CTX;
                        s.regs[insn.dst()] = wasCtx && cls == CLASS_ALU64 && aluOp(op) != ALU_MOV ? MODIFIED_CTX : OTHER;
                    }
                    successors.add(pc + 1);
                }
                case CLASS_LD -> {
                    if (op == LDDW) {
                        s.regs[insn.dst()] = OTHER;
                        successors.add(pc + 2);
                    } else {
                        // LD_ABS/LD_IND: r0 result, r1-r5 clobbered (the kernel makes them unreadable).
                        for (int r = 0; r <= 5; r++) s.regs[r] = OTHER;
                        successors.add(pc + 1);
                    }
                }
                case CLASS_LDX -> {
                    long base = s.regs[insn.src()];
                    note(pc, base, insn, false, accesses);
                    long loaded = OTHER;
                    if (isFp(base) && size(op) == SIZE_DW && mode(op) == MODE_MEM) {
                        loaded = s.slots.getOrDefault((int) (offsetOf(base) + insn.off()), OTHER);
                    }
                    s.regs[insn.dst()] = loaded;
                    successors.add(pc + 1);
                }
                case CLASS_ST, CLASS_STX -> {
                    long base = s.regs[insn.dst()];
                    boolean atomicLoad = cls == CLASS_STX && mode(op) == MODE_ATOMIC && insn.imm() == ATOMIC_LOAD_ACQ;
                    if (atomicLoad) {
                        note(pc, s.regs[insn.src()], insn, false, accesses);
                        s.regs[insn.dst()] = OTHER;
                    } else {
                        note(pc, base, insn, true, accesses);
                        if (isFp(base)) {
                            int slot = (int) (offsetOf(base) + insn.off());
                            int size = sizeBytes(op);
                            // Any store overlapping a tracked slot ends what it held; an 8-byte spill records it.
                            s.slots.subMap(slot - 7, true, slot + size - 1, true).clear();
                            if (cls == CLASS_STX && mode(op) == MODE_MEM && size == 8) {
                                long v = s.regs[insn.src()];
                                if (v != OTHER) s.slots.put(slot, v);
                            }
                        }
                        if (cls == CLASS_STX && mode(op) == MODE_ATOMIC && (insn.imm() & ATOMIC_FETCH) != 0) {
                            if (insn.imm() == ATOMIC_CMPXCHG) s.regs[0] = OTHER;
                            else s.regs[insn.src()] = OTHER;
                        }
                    }
                    successors.add(pc + 1);
                }
                default -> { // JMP, JMP32
                    int code = jmpOp(op);
                    if (code == JMP_EXIT) {
                        break; // the call instruction itself models the return: see below
                    } else if (code == JMP_CALL) {
                        if (op == CALL && insn.src() == CALL_PSEUDO) {
                            int target = pc + insn.imm() + 1;
                            State callee = new State();
                            Arrays.fill(callee.regs, OTHER);
                            for (int r = 1; r <= 5; r++) callee.regs[r] = s.regs[r];
                            callee.regs[10] = fp(0);
                            // Caller pointers into its own frame are not tracked across frames.
                            for (int r = 1; r <= 5; r++) if (isFp(callee.regs[r])) callee.regs[r] = OTHER;
                            merge(in, target, callee, work, queued);
                        }
                        // After the call: r0-r5 are values, r6-r9 and this frame's slots are as before.
                        for (int r = 0; r <= 5; r++) s.regs[r] = OTHER;
                        successors.add(pc + 1);
                    } else if (op == JA) {
                        successors.add(pc + 1 + insn.off());
                    } else if (op == JA32) {
                        successors.add(pc + 1 + insn.imm());
                    } else {
                        successors.add(pc + 1);
                        successors.add(pc + 1 + insn.off());
                    }
                }
            }
            for (int next : successors) {
                if (next >= 0 && next < n && !secondSlot.get(next)) merge(in, next, s, work, queued);
            }
        }
        return new ContextAccesses(accesses);
    }

    private static void merge(State[] in, int pc, State s, ArrayDeque<Integer> work, BitSet queued) {
        boolean changed;
        if (in[pc] == null) {
            in[pc] = s.copy();
            changed = true;
        } else {
            changed = in[pc].joinFrom(s);
        }
        if (changed && !queued.get(pc)) {
            queued.set(pc);
            work.add(pc);
        }
    }

    /** Records a context access; the joined state at pc already mixes every path that reaches it. */
    private static void note(int pc, long base, Insn insn, boolean store, Map<Integer, Access> accesses) {
        if (base == MIXED) {
            throw new InvalidProgramException(pc, "same insn cannot be used with different pointers");
        }
        if (base == MODIFIED_CTX) {
            throw new InvalidProgramException(pc, "dereference of modified ctx ptr disallowed");
        }
        if (!isCtx(base)) return;
        int offset = (int) (offsetOf(base) + insn.off());
        accesses.put(pc, new Access(pc, offset, sizeBytes(insn.opcode()), store));
    }
}

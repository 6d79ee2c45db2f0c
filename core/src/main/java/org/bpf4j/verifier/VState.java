package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

import java.util.Arrays;

/** A function frame and a whole verifier state (struct bpf_func_state / bpf_verifier_state). */
final class VState {
    static final int MAX_FRAMES = 8;
    static final byte STACK_INVALID = 0, STACK_SPILL = 1, STACK_MISC = 2, STACK_ZERO = 3;

    static final class Frame {
        final Reg[] regs = new Reg[11];
        /** Slot types, one byte per stack byte, indexed as the kernel: spi*8 + (slot % 8). */
        byte[] stype = new byte[0];
        Reg[] spill = new Reg[0];
        int callsite = -1;
        int frameno;
        int subprog;
        /** A callback's frame (in_callback_fn / in_async_callback_fn) and the range its R0 must return. */
        boolean inCallback, inAsyncCallback;
        long callbackRetMin, callbackRetMax;
        /** How many times this frame has entered the callback of the call it is at (callback_depth). */
        int callbackDepth;

        Frame() {}

        Frame copy() {
            Frame f = new Frame();
            for (int i = 0; i < 11; i++) f.regs[i] = regs[i].copy();
            f.stype = stype.clone();
            f.spill = new Reg[spill.length];
            for (int i = 0; i < spill.length; i++) if (spill[i] != null) f.spill[i] = spill[i].copy();
            f.callsite = callsite;
            f.frameno = frameno;
            f.subprog = subprog;
            f.inCallback = inCallback;
            f.inAsyncCallback = inAsyncCallback;
            f.callbackRetMin = callbackRetMin;
            f.callbackRetMax = callbackRetMax;
            f.callbackDepth = callbackDepth;
            return f;
        }

        int allocated() { return stype.length; }

        void grow(int bytes) {
            int n = (bytes + 7) & ~7;
            if (n <= stype.length) return;
            stype = Arrays.copyOf(stype, n);
            int oldSlots = spill.length;
            spill = Arrays.copyOf(spill, n / 8);
            for (int i = oldSlots; i < spill.length; i++) {
                Reg r = new Reg();
                r.markNotInit();
                spill[i] = r;
            }
        }

        byte slot(int spi, int i) { return stype[spi * 8 + i]; }

        void setSlot(int spi, int i, byte t) { stype[spi * 8 + i] = t; }

        boolean isSpilled(int spi) { return stype[spi * 8 + 7] == STACK_SPILL; }

        boolean isSpilledScalar(int spi) { return isSpilled(spi) && spill[spi].type == SCALAR_VALUE; }
    }

    Frame[] frames = new Frame[MAX_FRAMES];
    int curframe;
    /** Acquired references: ids and the instruction that acquired each. */
    int[] refIds = new int[0];
    int[] refInsns = new int[0];
    VState parent;
    int branches = 1;
    int insnIdx;
    int mayGotoDepth;
    /**
     * The loop header this state was found to belong to (loop_entry), and the depth of the state in the DFS
     * of checkpoints (dfs_depth): a cached state whose loop is still being explored has incomplete precision
     * marks, so it prunes only a state within its ranges (get_loop_entry / update_loop_entry).
     */
    VState loopEntry;
    int dfsDepth;
    /** Precision's fall-back marked every scalar of this checkpoint and of its ancestors precise (not copied). */
    boolean allScalarsPrecise;
    /** The held bpf_spin_lock (active_lock): the map index of its value and the value pointer's id, -1 when none. */
    int lockMap = -1;
    int lockId;
    /** Callback bodies entered on this path (callback_unroll_depth). */
    int callbackUnrollDepth;
    /** The instructions this state covers since its parent checkpoint (for precision backtracking). */
    int firstInsnIdx, lastInsnIdx = -1;
    /** This path's instruction history: its newest entry, and the newest one of the parent checkpoint. */
    InsnHistory hist, histStart;

    Frame cur() { return frames[curframe]; }

    VState copy() {
        VState s = new VState();
        for (int i = 0; i <= curframe; i++) s.frames[i] = frames[i].copy();
        s.curframe = curframe;
        s.refIds = refIds.clone();
        s.refInsns = refInsns.clone();
        s.parent = parent;
        s.branches = branches;
        s.insnIdx = insnIdx;
        s.mayGotoDepth = mayGotoDepth;
        s.loopEntry = loopEntry;
        s.dfsDepth = dfsDepth;
        s.lockMap = lockMap;
        s.lockId = lockId;
        s.callbackUnrollDepth = callbackUnrollDepth;
        s.firstInsnIdx = firstInsnIdx;
        s.lastInsnIdx = lastInsnIdx;
        s.hist = hist;
        s.histStart = histStart;
        return s;
    }

    void addRef(int id, int insn) {
        refIds = Arrays.copyOf(refIds, refIds.length + 1);
        refInsns = Arrays.copyOf(refInsns, refInsns.length + 1);
        refIds[refIds.length - 1] = id;
        refInsns[refInsns.length - 1] = insn;
    }

    boolean releaseRef(int id) {
        for (int i = 0; i < refIds.length; i++) {
            if (refIds[i] == id) {
                int n = refIds.length - 1;
                int[] a = new int[n], b = new int[n];
                System.arraycopy(refIds, 0, a, 0, i);
                System.arraycopy(refIds, i + 1, a, i, n - i);
                System.arraycopy(refInsns, 0, b, 0, i);
                System.arraycopy(refInsns, i + 1, b, i, n - i);
                refIds = a;
                refInsns = b;
                return true;
            }
        }
        return false;
    }

    /** Every register and spilled register of every frame. */
    interface RegVisitor { void visit(Reg r); }

    void forEachReg(RegVisitor v) {
        for (int f = 0; f <= curframe; f++) {
            Frame fr = frames[f];
            for (int i = 0; i < 11; i++) v.visit(fr.regs[i]);
            for (int spi = 0; spi < fr.spill.length; spi++) {
                if (fr.isSpilled(spi)) v.visit(fr.spill[spi]);
            }
        }
    }
}

package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

/**
 * One register's abstract state, as {@code struct bpf_reg_state}: type, fixed offset, variable offset
 * (a tnum held as two longs), signed and unsigned 64- and 32-bit bounds, ids, packet range, map. Mutable
 * for speed; states are copied with {@link #copy()} at branches. The bound-keeping functions follow
 * kernel/bpf/verifier.c ({@code __update_reg_bounds}, {@code __reg32_deduce_bounds},
 * {@code __reg64_deduce_bounds}, {@code __reg_deduce_mixed_bounds}, {@code __reg_bound_offset},
 * {@code reg_bounds_sync}); u32 bounds live in longs in [0, 2^32), s32 bounds in ints.
 */
final class Reg {
    static final long U32_MAX = 0xffffffffL;
    /** In a scalar's id: the scalar is another's value plus the constant in {@link #off} (BPF_ADD_CONST). */
    static final int ADD_CONST = Integer.MIN_VALUE;

    public int type = NOT_INIT;
    public int off;
    public long tv, tm = -1L; // var_off
    public long smin = Long.MIN_VALUE, smax = Long.MAX_VALUE, umin = 0, umax = -1L;
    public int s32min = Integer.MIN_VALUE, s32max = Integer.MAX_VALUE;
    public long u32min = 0, u32max = U32_MAX;
    public int id;
    public int refObjId;
    /** Packet range (pkt pointers); for PTR_TO_MEM the memory size; for map pointers the map index. */
    public int range;
    public int mapIdx = -1;
    public int memSize;
    public int frameno;
    /** For PTR_TO_FUNC: the subprogram index. */
    public int subprog;
    public boolean precise;
    /** Liveness marks on explored states: bit 1 read. */
    public byte live;

    public Reg copy() {
        Reg r = new Reg();
        r.set(this);
        return r;
    }

    public void set(Reg o) {
        type = o.type; off = o.off; tv = o.tv; tm = o.tm;
        smin = o.smin; smax = o.smax; umin = o.umin; umax = o.umax;
        s32min = o.s32min; s32max = o.s32max; u32min = o.u32min; u32max = o.u32max;
        id = o.id; refObjId = o.refObjId; range = o.range; mapIdx = o.mapIdx; memSize = o.memSize;
        frameno = o.frameno; subprog = o.subprog; precise = o.precise;
    }

    public Tnum varOff() { return new Tnum(tv, tm); }

    void setVarOff(Tnum t) { tv = t.value(); tm = t.mask(); }

    public boolean isConst() { return tm == 0; }

    public boolean isSubregConst() { return (tm & U32_MAX) == 0; }

    public boolean isScalar() { return type == SCALAR_VALUE; }

    public boolean isPointer() { return type != SCALAR_VALUE && type != NOT_INIT; }

    // ---- marking -----------------------------------------------------------------------------

    /** ___mark_reg_known. */
    void setKnownBounds(long imm) {
        tv = imm; tm = 0;
        smin = smax = imm;
        umin = umax = imm;
        s32min = s32max = (int) imm;
        u32min = u32max = imm & U32_MAX;
    }

    /** __mark_reg_known: clears off, map, range, ids too. */
    void markKnown(long imm) {
        off = 0; range = 0; mapIdx = -1; memSize = 0; subprog = 0;
        id = 0; refObjId = 0;
        setKnownBounds(imm);
    }

    void markKnown32(long imm) {
        tv = (tv & 0xffffffff00000000L) | (imm & U32_MAX);
        tm = tm & 0xffffffff00000000L;
        s32min = s32max = (int) imm;
        u32min = u32max = imm & U32_MAX;
    }

    void markConstZero() {
        markKnown(0);
        type = SCALAR_VALUE;
        precise = false;
    }

    void markKnownZeroPtr(int t) {
        markKnown(0);
        type = t;
    }

    void markUnbounded() {
        smin = Long.MIN_VALUE; smax = Long.MAX_VALUE; umin = 0; umax = -1L;
        s32min = Integer.MIN_VALUE; s32max = Integer.MAX_VALUE; u32min = 0; u32max = U32_MAX;
    }

    void mark64Unbounded() {
        smin = Long.MIN_VALUE; smax = Long.MAX_VALUE; umin = 0; umax = -1L;
    }

    void mark32Unbounded() {
        s32min = Integer.MIN_VALUE; s32max = Integer.MAX_VALUE; u32min = 0; u32max = U32_MAX;
    }

    /** __mark_reg_unknown (privileged: imprecise). */
    void markUnknown() {
        type = SCALAR_VALUE;
        off = 0; range = 0; mapIdx = -1; memSize = 0; subprog = 0;
        id = 0; refObjId = 0; frameno = 0; precise = false;
        tv = 0; tm = -1L;
        markUnbounded();
    }

    void markNotInit() {
        markUnknown();
        type = NOT_INIT;
    }

    // ---- bounds ------------------------------------------------------------------------------

    static long umax64(long a, long b) { return Long.compareUnsigned(a, b) >= 0 ? a : b; }
    static long umin64(long a, long b) { return Long.compareUnsigned(a, b) <= 0 ? a : b; }
    static boolean ult(long a, long b) { return Long.compareUnsigned(a, b) < 0; }
    static boolean ule(long a, long b) { return Long.compareUnsigned(a, b) <= 0; }

    void updateBounds32() {
        long v32 = tv & U32_MAX, m32 = tm & U32_MAX;
        s32min = Math.max(s32min, (int) (v32 | (m32 & 0x80000000L)));
        s32max = Math.min(s32max, (int) (v32 | (m32 & 0x7fffffffL)));
        u32min = Math.max(u32min, v32);
        u32max = Math.min(u32max, v32 | m32);
    }

    void updateBounds64() {
        smin = Math.max(smin, tv | (tm & Long.MIN_VALUE));
        smax = Math.min(smax, tv | (tm & Long.MAX_VALUE));
        umin = umax64(umin, tv);
        umax = umin64(umax, tv | tm);
    }

    void updateBounds() {
        updateBounds32();
        updateBounds64();
    }

    void deduce32() {
        if ((umin >>> 32) == (umax >>> 32)) {
            u32min = Math.max(u32min, umin & U32_MAX);
            u32max = Math.min(u32max, umax & U32_MAX);
            if ((int) umin <= (int) umax) {
                s32min = Math.max(s32min, (int) umin);
                s32max = Math.min(s32max, (int) umax);
            }
        }
        if ((smin >> 32) == (smax >> 32)) {
            if ((smin & U32_MAX) <= (smax & U32_MAX)) {
                u32min = Math.max(u32min, smin & U32_MAX);
                u32max = Math.min(u32max, smax & U32_MAX);
            }
            if ((int) smin <= (int) smax) {
                s32min = Math.max(s32min, (int) smin);
                s32max = Math.min(s32max, (int) smax);
            }
        }
        if ((int) ((umin >>> 32) + 1) == (int) (umax >>> 32) && (int) umin < 0 && (int) umax >= 0) {
            s32min = Math.max(s32min, (int) umin);
            s32max = Math.min(s32max, (int) umax);
        }
        if ((int) ((smin >> 32) + 1) == (int) (smax >> 32) && (int) smin < 0 && (int) smax >= 0) {
            s32min = Math.max(s32min, (int) smin);
            s32max = Math.min(s32max, (int) smax);
        }
        if ((int) u32min <= (int) u32max) {
            s32min = Math.max(s32min, (int) u32min);
            s32max = Math.min(s32max, (int) u32max);
        }
        long s32minU = s32min & U32_MAX, s32maxU = s32max & U32_MAX;
        if (s32minU <= s32maxU) {
            u32min = Math.max(s32minU, u32min);
            u32max = Math.min(s32maxU, u32max);
        } else {
            if (u32max < s32minU) {
                s32min = (int) u32min;
                u32max = Math.min(u32max, s32maxU);
            } else if (s32maxU < u32min) {
                s32max = (int) u32max;
                u32min = Math.max(u32min, s32minU);
            }
        }
    }

    void deduce64() {
        if (umin <= umax) { // as signed
            smin = Math.max(smin, umin);
            smax = Math.min(smax, umax);
        }
        if (ule(smin, smax)) {
            umin = umax64(smin, umin);
            umax = umin64(smax, umax);
        } else {
            if (ult(umax, smin)) {
                smin = umin;
                umax = umin64(umax, smax);
            } else if (ult(smax, umin)) {
                smax = umax;
                umin = umax64(umin, smin);
            }
        }
    }

    void deduceMixed() {
        long hi = ~U32_MAX;
        long newUmin = (umin & hi) | u32min;
        long newUmax = (umax & hi) | u32max;
        umin = umax64(umin, newUmin);
        umax = umin64(umax, newUmax);
        long newSmin = (smin & hi) | u32min;
        long newSmax = (smax & hi) | u32max;
        smin = Math.max(smin, newSmin);
        smax = Math.min(smax, newSmax);
        long s32minU = s32min & U32_MAX, s32maxU = s32max & U32_MAX;
        if (s32minU <= s32maxU) {
            newUmin = (umin & hi) | s32minU;
            newUmax = (umax & hi) | s32maxU;
            umin = umax64(umin, newUmin);
            umax = umin64(umax, newUmax);
            newSmin = (smin & hi) | s32minU;
            newSmax = (smax & hi) | s32maxU;
            smin = Math.max(smin, newSmin);
            smax = Math.min(smax, newSmax);
        }
        if (s32min >= 0 && smin >= Integer.MIN_VALUE && smax <= Integer.MAX_VALUE) {
            smin = s32min;
            smax = s32max;
            umin = s32min;
            umax = s32max;
            Tnum t = varOff().intersect(Tnum.range(smin, smax));
            setVarOff(t);
        }
    }

    void deduceBounds() {
        deduce32();
        deduce64();
        deduceMixed();
    }

    void boundOffset() {
        Tnum var64 = varOff().intersect(Tnum.range(umin, umax));
        Tnum var32 = var64.subreg().intersect(Tnum.range(u32min, u32max));
        setVarOff(var64.clearSubreg().or(var32));
    }

    /** reg_bounds_sync. */
    public void sync() {
        updateBounds();
        deduceBounds();
        deduceBounds();
        deduceBounds();
        boundOffset();
        updateBounds();
    }

    /** reg_bounds_sanity_check: on violation the kernel (not in test mode) marks the register unbounded. */
    void sanityCheck() {
        boolean bad = ult(umax, umin) || smin > smax || u32min > u32max || s32min > s32max;
        if (!bad && tm == 0) {
            bad = umin != tv || umax != tv || smin != tv || smax != tv;
        }
        if (!bad && (tm & U32_MAX) == 0) {
            long v = tv & U32_MAX;
            bad = u32min != v || u32max != v || s32min != (int) v || s32max != (int) v;
        }
        if (bad) markUnbounded();
    }

    void assign32Into64() {
        umin = u32min;
        umax = u32max;
        if (s32min >= 0 && s32max >= 0) {
            smin = s32min;
            smax = s32max;
        } else {
            smin = 0;
            smax = U32_MAX;
        }
    }

    void zext32To64() {
        tv &= U32_MAX;
        tm &= U32_MAX;
        assign32Into64();
    }

    void coerceToSize(int size) {
        setVarOff(varOff().cast(size));
        long mask = (1L << (size * 8)) - 1;
        if ((umin & ~mask) == (umax & ~mask)) {
            umin &= mask;
            umax &= mask;
        } else {
            umin = 0;
            umax = mask;
        }
        smin = umin;
        smax = umax;
        if (size < 4) mark32Unbounded();
        sync();
    }

    private static long sext(long v, int size) {
        return switch (size) {
            case 1 -> (byte) v;
            case 2 -> (short) v;
            default -> (int) v;
        };
    }

    void coerceToSizeSx(int size) {
        if (tm == 0) {
            long c = sext(tv, size);
            tv = c;
            smin = smax = umin = umax = c;
            s32min = s32max = (int) c;
            u32min = u32max = c & U32_MAX;
            return;
        }
        int bits = size * 8;
        long topMax = (smax >>> bits) << bits;
        long topMin = (smin >>> bits) << bits;
        if (topMax == topMin) {
            long iMax = sext(smax, size), iMin = sext(smin, size);
            long max = Math.max(iMax, iMin), min = Math.min(iMax, iMin);
            if ((max >= 0) == (min >= 0)) {
                smin = min; s32min = (int) min;
                smax = max; s32max = (int) max;
                umin = min; u32min = min & U32_MAX;
                umax = max; u32max = max & U32_MAX;
                setVarOff(Tnum.range(min, max));
                return;
            }
        }
        if (size == 1) {
            smin = s32min = Byte.MIN_VALUE; smax = s32max = Byte.MAX_VALUE;
        } else if (size == 2) {
            smin = s32min = Short.MIN_VALUE; smax = s32max = Short.MAX_VALUE;
        } else {
            smin = s32min = Integer.MIN_VALUE; smax = s32max = Integer.MAX_VALUE;
        }
        umin = u32min = 0;
        umax = -1L;
        u32max = U32_MAX;
        tv = 0; tm = -1L;
    }

    void coerceSubregToSizeSx(int size) {
        if (tm == 0) {
            long c = sext(tv & U32_MAX, size);
            tv = c; // 64-bit sign-extended, as the kernel's tnum_const((s8)...)
            s32min = s32max = (int) c;
            u32min = u32max = c & U32_MAX;
            return;
        }
        int bits = size * 8;
        long topMax = ((s32max & U32_MAX) >>> bits) << bits;
        long topMin = ((s32min & U32_MAX) >>> bits) << bits;
        if (topMax == topMin) {
            int iMax = (int) sext(s32max, size), iMin = (int) sext(s32min, size);
            int max = Math.max(iMax, iMin), min = Math.min(iMax, iMin);
            if ((min >= 0) == (max >= 0)) {
                s32min = min; s32max = max;
                u32min = min & U32_MAX; u32max = max & U32_MAX;
                setVarOff(Tnum.range(min, max).subreg());
                return;
            }
        }
        if (size == 1) {
            s32min = Byte.MIN_VALUE; s32max = Byte.MAX_VALUE;
        } else {
            s32min = Short.MIN_VALUE; s32max = Short.MAX_VALUE;
        }
        u32min = 0; u32max = U32_MAX;
        tv = 0; tm = U32_MAX;
    }

    /** fls64(umax): bits needed for the largest value. */
    int width() { return 64 - Long.numberOfLeadingZeros(umax); }

    /** Whether every bound equals the others' view of the same set (for tests). */
    boolean bounded() {
        return !ult(umax, umin) && smin <= smax && u32min <= u32max && s32min <= s32max;
    }

    @Override
    public String toString() {
        return LogFormat.regToString(this, frameno, null);
    }
}

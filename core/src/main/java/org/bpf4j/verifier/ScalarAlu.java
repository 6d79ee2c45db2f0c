package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;

/**
 * Range tracking of scalar ALU operations: kernel/bpf/verifier.c {@code adjust_scalar_min_max_vals} and
 * the {@code scalar(32)_min_max_*} functions it calls. {@code dst} is updated in place; {@code src} is
 * not modified.
 */
final class ScalarAlu {
    private ScalarAlu() {}

    static final long U32_MAX = Reg.U32_MAX;

    /** is_safe_to_compute_dst_reg_range. */
    static boolean safeToCompute(int op, boolean alu32, Reg src) {
        boolean srcConst;
        if (alu32) {
            srcConst = src.isSubregConst() && src.s32min == src.s32max && src.u32min == src.u32max;
        } else {
            srcConst = src.isConst() && src.smin == src.smax && src.umin == src.umax;
        }
        return switch (op) {
            case ALU_ADD, ALU_SUB, ALU_AND, ALU_XOR, ALU_OR, ALU_MUL -> true;
            case ALU_LSH, ALU_RSH, ALU_ARSH -> srcConst && Long.compareUnsigned(src.umax, alu32 ? 32 : 64) < 0;
            default -> false;
        };
    }

    /**
     * Applies op; the caller has checked {@link #safeToCompute} and handles the maybe_fork_scalars split
     * for AND/OR beforehand.
     */
    static void apply(int op, boolean alu32, Reg dst, Reg src) {
        switch (op) {
            case ALU_ADD -> {
                add32(dst, src);
                add64(dst, src);
                dst.setVarOff(dst.varOff().add(src.varOff()));
            }
            case ALU_SUB -> {
                sub32(dst, src);
                sub64(dst, src);
                dst.setVarOff(dst.varOff().sub(src.varOff()));
            }
            case ALU_MUL -> {
                dst.setVarOff(dst.varOff().mul(src.varOff()));
                mul32(dst, src);
                mul64(dst, src);
            }
            case ALU_AND -> {
                dst.setVarOff(dst.varOff().and(src.varOff()));
                and32(dst, src);
                and64(dst, src);
            }
            case ALU_OR -> {
                dst.setVarOff(dst.varOff().or(src.varOff()));
                or32(dst, src);
                or64(dst, src);
            }
            case ALU_XOR -> {
                dst.setVarOff(dst.varOff().xor(src.varOff()));
                xor32(dst, src);
                xor64(dst, src);
            }
            case ALU_LSH -> {
                if (alu32) lsh32(dst, src); else lsh64(dst, src);
            }
            case ALU_RSH -> {
                if (alu32) rsh32(dst, src); else rsh64(dst, src);
            }
            case ALU_ARSH -> {
                if (alu32) arsh32(dst, src); else arsh64(dst, src);
            }
            default -> { }
        }
        if (alu32) dst.zext32To64();
        dst.sync();
    }

    /** BPF_NEG in adjust_scalar_min_max_vals: 0 - x with the bounds of a subtraction, then zext for alu32. */
    static void neg(Reg d, boolean alu32) {
        Reg x = d.copy();
        d.markKnown(0);
        sub32(d, x);
        sub64(d, x);
        d.setVarOff(x.varOff().neg());
        if (alu32) d.zext32To64();
        d.sync();
    }

    /**
     * BPF_END (scalar_byte_swap): a swap when ALU64 (bswap) or when the requested order is big endian on
     * this little-endian machine (to_be); the tnum is swapped and the bounds re-derived from it; 16 and 32
     * truncate. No zero extension afterwards (le64/be64 are 64-bit operations in the 32-bit class).
     */
    static void byteSwap(Reg d, boolean alu64, boolean toBe, int imm) {
        boolean needSwap = alu64 || toBe;
        if (needSwap || imm == 16 || imm == 32) {
            d.id = 0;
            d.off = 0;
        }
        if (needSwap) {
            long v = d.tv, m = d.tm;
            switch (imm) {
                case 16 -> {
                    d.tv = Short.reverseBytes((short) v) & 0xffffL;
                    d.tm = Short.reverseBytes((short) m) & 0xffffL;
                }
                case 32 -> {
                    d.tv = Integer.reverseBytes((int) v) & U32_MAX;
                    d.tm = Integer.reverseBytes((int) m) & U32_MAX;
                }
                default -> {
                    d.tv = Long.reverseBytes(v);
                    d.tm = Long.reverseBytes(m);
                }
            }
            d.markUnbounded();
        }
        if (imm == 16 || imm == 32) d.coerceToSize(imm / 8);
        d.sync();
    }

    private static boolean addOv32(int a, int b) { return ((long) a + b) != (int) (a + b); }

    static void add32(Reg d, Reg s) {
        if (addOv32(d.s32min, s.s32min) || addOv32(d.s32max, s.s32max)) {
            d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min += s.s32min; d.s32max += s.s32max;
        }
        long a = d.u32min + s.u32min, b = d.u32max + s.u32max;
        if (a > U32_MAX || b > U32_MAX) {
            d.u32min = 0; d.u32max = U32_MAX;
        } else {
            d.u32min = a; d.u32max = b;
        }
    }

    static void add64(Reg d, Reg s) {
        long a = d.smin + s.smin, b = d.smax + s.smax;
        if (((d.smin ^ a) & (s.smin ^ a)) < 0 || ((d.smax ^ b) & (s.smax ^ b)) < 0) {
            d.smin = Long.MIN_VALUE; d.smax = Long.MAX_VALUE;
        } else {
            d.smin = a; d.smax = b;
        }
        long ua = d.umin + s.umin, ub = d.umax + s.umax;
        if (Reg.ult(ua, d.umin) || Reg.ult(ub, d.umax)) {
            d.umin = 0; d.umax = -1L;
        } else {
            d.umin = ua; d.umax = ub;
        }
    }

    static void sub32(Reg d, Reg s) {
        long a = (long) d.s32min - s.s32max, b = (long) d.s32max - s.s32min;
        if (a != (int) a || b != (int) b) {
            d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = (int) a; d.s32max = (int) b;
        }
        if (d.u32min < s.u32max) {
            d.u32min = 0; d.u32max = U32_MAX;
        } else {
            d.u32min -= s.u32max;
            d.u32max -= s.u32min;
        }
    }

    static void sub64(Reg d, Reg s) {
        long a = d.smin - s.smax, b = d.smax - s.smin;
        if (((d.smin ^ s.smax) & (d.smin ^ a)) < 0 || ((d.smax ^ s.smin) & (d.smax ^ b)) < 0) {
            d.smin = Long.MIN_VALUE; d.smax = Long.MAX_VALUE;
        } else {
            d.smin = a; d.smax = b;
        }
        if (Reg.ult(d.umin, s.umax)) {
            d.umin = 0; d.umax = -1L;
        } else {
            d.umin -= s.umax;
            d.umax -= s.umin;
        }
    }

    /** Multiplication bounds as Linux 6.14+ computes them (products of the bounds, overflow-checked). */
    static void mul32(Reg d, Reg s) {
        long umax = d.u32max * s.u32max, umin = d.u32min * s.u32min;
        if (umax > U32_MAX || umin > U32_MAX) {
            d.u32min = 0; d.u32max = U32_MAX;
        } else {
            d.u32min = umin; d.u32max = umax;
        }
        long p0 = (long) d.s32min * s.s32min, p1 = (long) d.s32min * s.s32max;
        long p2 = (long) d.s32max * s.s32min, p3 = (long) d.s32max * s.s32max;
        if (p0 != (int) p0 || p1 != (int) p1 || p2 != (int) p2 || p3 != (int) p3) {
            d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = (int) Math.min(Math.min(p0, p1), Math.min(p2, p3));
            d.s32max = (int) Math.max(Math.max(p0, p1), Math.max(p2, p3));
        }
    }

    private static long umulOverflow(long a, long b) {
        // returns -1 marker via exception-free check: Math.unsignedMultiplyHigh != 0 means overflow
        return Math.unsignedMultiplyHigh(a, b);
    }

    static void mul64(Reg d, Reg s) {
        boolean ovU = umulOverflow(d.umax, s.umax) != 0 || umulOverflow(d.umin, s.umin) != 0;
        if (ovU) {
            d.umin = 0; d.umax = -1L;
        } else {
            long nmax = d.umax * s.umax, nmin = d.umin * s.umin;
            d.umax = nmax; d.umin = nmin;
        }
        long[] p = new long[4];
        boolean ov = false;
        long[][] pairs = {{d.smin, s.smin}, {d.smin, s.smax}, {d.smax, s.smin}, {d.smax, s.smax}};
        for (int i = 0; i < 4; i++) {
            long a = pairs[i][0], b = pairs[i][1];
            long hi = Math.multiplyHigh(a, b), lo = a * b;
            if ((hi != 0 || lo < 0) && (hi != -1 || lo >= 0)) ov = true;
            p[i] = lo;
        }
        if (ov) {
            d.smin = Long.MIN_VALUE; d.smax = Long.MAX_VALUE;
        } else {
            d.smin = Math.min(Math.min(p[0], p[1]), Math.min(p[2], p[3]));
            d.smax = Math.max(Math.max(p[0], p[1]), Math.max(p[2], p[3]));
        }
    }

    static void and32(Reg d, Reg s) {
        boolean srcKnown = s.isSubregConst(), dstKnown = d.isSubregConst();
        long v32 = d.tv & U32_MAX;
        if (srcKnown && dstKnown) { d.markKnown32(v32); return; }
        d.u32min = v32;
        d.u32max = Math.min(d.u32max, s.u32max);
        fromU32(d);
    }

    private static void fromU32(Reg d) {
        if ((int) d.u32min <= (int) d.u32max) {
            d.s32min = (int) d.u32min; d.s32max = (int) d.u32max;
        } else {
            d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        }
    }

    private static void fromU64(Reg d) {
        if (d.umin <= d.umax) {
            d.smin = d.umin; d.smax = d.umax;
        } else {
            d.smin = Long.MIN_VALUE; d.smax = Long.MAX_VALUE;
        }
    }

    static void and64(Reg d, Reg s) {
        if (s.isConst() && d.isConst()) { d.setKnownBounds(d.tv); return; }
        d.umin = d.tv;
        d.umax = Reg.umin64(d.umax, s.umax);
        fromU64(d);
        d.updateBounds();
    }

    static void or32(Reg d, Reg s) {
        boolean srcKnown = s.isSubregConst(), dstKnown = d.isSubregConst();
        long v32 = d.tv & U32_MAX, m32 = d.tm & U32_MAX;
        if (srcKnown && dstKnown) { d.markKnown32(v32); return; }
        d.u32min = Math.max(d.u32min, s.u32min);
        d.u32max = v32 | m32;
        fromU32(d);
    }

    static void or64(Reg d, Reg s) {
        if (s.isConst() && d.isConst()) { d.setKnownBounds(d.tv); return; }
        d.umin = Reg.umax64(d.umin, s.umin);
        d.umax = d.tv | d.tm;
        fromU64(d);
        d.updateBounds();
    }

    static void xor32(Reg d, Reg s) {
        boolean srcKnown = s.isSubregConst(), dstKnown = d.isSubregConst();
        long v32 = d.tv & U32_MAX, m32 = d.tm & U32_MAX;
        if (srcKnown && dstKnown) { d.markKnown32(v32); return; }
        d.u32min = v32;
        d.u32max = v32 | m32;
        fromU32(d);
    }

    static void xor64(Reg d, Reg s) {
        if (s.isConst() && d.isConst()) { d.setKnownBounds(d.tv); return; }
        d.umin = d.tv;
        d.umax = d.tv | d.tm;
        fromU64(d);
        d.updateBounds();
    }

    private static void lsh32Bounds(Reg d, long uminVal, long umaxVal) {
        d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        if (Long.compareUnsigned(umaxVal, 31) > 0 || d.u32max > (1L << (31 - umaxVal))) {
            d.u32min = 0; d.u32max = U32_MAX;
        } else {
            d.u32min = (d.u32min << uminVal) & U32_MAX;
            d.u32max = (d.u32max << umaxVal) & U32_MAX;
        }
    }

    static void lsh32(Reg d, Reg s) {
        long umaxVal = s.u32max, uminVal = s.u32min;
        Tnum sub = d.varOff().subreg();
        lsh32Bounds(d, uminVal, umaxVal);
        d.setVarOff(sub.lshift((int) uminVal).subreg());
        d.mark64Unbounded();
        d.updateBounds32();
    }

    static void lsh64(Reg d, Reg s) {
        long umaxVal = s.umax, uminVal = s.umin;
        if (uminVal == 32 && umaxVal == 32) {
            d.smax = (long) d.s32max << 32;
            d.smin = (long) d.s32min << 32;
        } else {
            d.smax = Long.MAX_VALUE; d.smin = Long.MIN_VALUE;
        }
        if (Long.compareUnsigned(d.umax, 1L << (63 - umaxVal)) > 0) {
            d.umin = 0; d.umax = -1L;
        } else {
            d.umin <<= uminVal;
            d.umax <<= umaxVal;
        }
        lsh32Bounds(d, uminVal, umaxVal);
        d.setVarOff(d.varOff().lshift((int) uminVal));
        d.updateBounds();
    }

    static void rsh32(Reg d, Reg s) {
        Tnum sub = d.varOff().subreg();
        long umaxVal = s.u32max, uminVal = s.u32min;
        d.s32min = Integer.MIN_VALUE; d.s32max = Integer.MAX_VALUE;
        d.setVarOff(sub.rshift((int) uminVal));
        d.u32min >>>= umaxVal;
        d.u32max >>>= uminVal;
        d.mark64Unbounded();
        d.updateBounds32();
    }

    static void rsh64(Reg d, Reg s) {
        long umaxVal = s.umax, uminVal = s.umin;
        d.smin = Long.MIN_VALUE; d.smax = Long.MAX_VALUE;
        d.setVarOff(d.varOff().rshift((int) uminVal));
        d.umin >>>= umaxVal;
        d.umax >>>= uminVal;
        d.mark32Unbounded();
        d.updateBounds();
    }

    static void arsh32(Reg d, Reg s) {
        long uminVal = s.u32min;
        d.s32min = d.s32min >> uminVal;
        d.s32max = d.s32max >> uminVal;
        d.setVarOff(d.varOff().subreg().arshift((int) uminVal, 32));
        d.u32min = 0; d.u32max = U32_MAX;
        d.mark64Unbounded();
        d.updateBounds32();
    }

    static void arsh64(Reg d, Reg s) {
        long uminVal = s.umin;
        d.smin >>= uminVal;
        d.smax >>= uminVal;
        d.setVarOff(d.varOff().arshift((int) uminVal, 64));
        d.umin = 0; d.umax = -1L;
        d.mark32Unbounded();
        d.updateBounds();
    }
}

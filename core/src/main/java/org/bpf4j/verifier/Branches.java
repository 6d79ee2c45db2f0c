package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;

/**
 * Conditional jumps: whether a branch is decided ({@code is_branch_taken}) and how each side refines
 * the compared registers ({@code reg_set_min_max}, {@code regs_refine_cond_op}).
 */
final class Branches {
    private Branches() {}

    static final long U32_MAX = Reg.U32_MAX;
    /** rev_opcode of JSET: the "not set" side, encoded as JSET|X as the kernel does. */
    static final int JSET_REV = JMP_JSET | SRC_X;

    static boolean isRegConst(Reg r, boolean sub32) {
        return r.type == SCALAR_VALUE && (sub32 ? (r.tm & U32_MAX) == 0 : r.tm == 0);
    }

    static long regConstValue(Reg r, boolean sub32) {
        return sub32 ? r.tv & U32_MAX : r.tv;
    }

    static boolean regNotNull(Reg r) {
        if (mayBeNull(r.type)) return false;
        int b = base(r.type);
        return b == PTR_TO_SOCKET || b == PTR_TO_TCP_SOCK || b == PTR_TO_XDP_SOCK || b == PTR_TO_MAP_VALUE || b == PTR_TO_MAP_KEY
                || b == PTR_TO_SOCK_COMMON || b == PTR_TO_MEM;
    }

    static boolean isInitPktPointer(Reg r, int which) {
        return r.type == which && r.id == 0 && r.off == 0 && r.tm == 0 && r.tv == 0;
    }

    static int flip(int op) {
        return switch (op) {
            case JMP_JGE -> JMP_JLE;
            case JMP_JGT -> JMP_JLT;
            case JMP_JLE -> JMP_JGE;
            case JMP_JLT -> JMP_JGT;
            case JMP_JSGE -> JMP_JSLE;
            case JMP_JSGT -> JMP_JSLT;
            case JMP_JSLE -> JMP_JSGE;
            case JMP_JSLT -> JMP_JSGT;
            default -> op;
        };
    }

    static int rev(int op) {
        return switch (op) {
            case JMP_JEQ -> JMP_JNE;
            case JMP_JNE -> JMP_JEQ;
            case JMP_JSET -> JSET_REV;
            case JSET_REV -> JMP_JSET;
            case JMP_JGE -> JMP_JLT;
            case JMP_JGT -> JMP_JLE;
            case JMP_JLE -> JMP_JGT;
            case JMP_JLT -> JMP_JGE;
            case JMP_JSGE -> JMP_JSLT;
            case JMP_JSGT -> JMP_JSLE;
            case JMP_JSLE -> JMP_JSGT;
            case JMP_JSLT -> JMP_JSGE;
            default -> 0;
        };
    }

    static int isBranchTaken(Reg r1, Reg r2, int op, boolean jmp32) {
        if (isPktPointerAny(r1.type) && isPktPointerAny(r2.type) && !jmp32) return isPktPtrBranchTaken(r1, r2, op);
        if (r1.type != SCALAR_VALUE || r2.type != SCALAR_VALUE) {
            if (jmp32) return -1;
            if (!isRegConst(r2, false)) {
                op = flip(op);
                Reg t = r1; r1 = r2; r2 = t;
            }
            if (!isRegConst(r2, false)) return -1;
            if (!regNotNull(r1)) return -1;
            if (regConstValue(r2, false) != 0) return -1;
            return switch (op) {
                case JMP_JEQ -> 0;
                case JMP_JNE -> 1;
                default -> -1;
            };
        }
        return isScalarBranchTaken(r1, r2, op, jmp32);
    }

    private static int isPktPtrBranchTaken(Reg dst, Reg src, int op) {
        Reg pkt;
        if (src.type == PTR_TO_PACKET_END) {
            pkt = dst;
        } else if (dst.type == PTR_TO_PACKET_END) {
            pkt = src;
            op = flip(op);
        } else {
            return -1;
        }
        if (pkt.range >= 0) return -1;
        switch (op) {
            case JMP_JLE, JMP_JGT -> {
                if (pkt.range == VerifierEnv.BEYOND_PKT_END) return op == JMP_JGT ? 1 : 0;
            }
            case JMP_JLT, JMP_JGE -> {
                if (pkt.range == VerifierEnv.BEYOND_PKT_END || pkt.range == VerifierEnv.AT_PKT_END) return op == JMP_JGE ? 1 : 0;
            }
            default -> { }
        }
        return -1;
    }

    private static boolean tnumOverlap(long v1, long m1, long v2, long m2) {
        long mu = ~m1 & ~m2;
        return ((v1 ^ v2) & mu) == 0;
    }

    private static int isScalarBranchTaken(Reg r1, Reg r2, int op, boolean jmp32) {
        long t1v = jmp32 ? r1.tv & U32_MAX : r1.tv, t1m = jmp32 ? r1.tm & U32_MAX : r1.tm;
        long t2v = jmp32 ? r2.tv & U32_MAX : r2.tv, t2m = jmp32 ? r2.tm & U32_MAX : r2.tm;
        long umin1 = jmp32 ? r1.u32min : r1.umin, umax1 = jmp32 ? r1.u32max : r1.umax;
        long smin1 = jmp32 ? r1.s32min : r1.smin, smax1 = jmp32 ? r1.s32max : r1.smax;
        long umin2 = jmp32 ? r2.u32min : r2.umin, umax2 = jmp32 ? r2.u32max : r2.umax;
        long smin2 = jmp32 ? r2.s32min : r2.smin, smax2 = jmp32 ? r2.s32max : r2.smax;
        switch (op) {
            case JMP_JEQ -> {
                if (t1m == 0 && t2m == 0) return t1v == t2v ? 1 : 0;
                if (!tnumOverlap(t1v, t1m, t2v, t2m)) return 0;
                if (Reg.ult(umax2, umin1) || Reg.ult(umax1, umin2)) return 0;
                if (smin1 > smax2 || smax1 < smin2) return 0;
                if (!jmp32) {
                    if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 0;
                    if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 0;
                }
            }
            case JMP_JNE -> {
                if (t1m == 0 && t2m == 0) return t1v != t2v ? 1 : 0;
                if (!tnumOverlap(t1v, t1m, t2v, t2m)) return 1;
                if (Reg.ult(umax2, umin1) || Reg.ult(umax1, umin2)) return 1;
                if (smin1 > smax2 || smax1 < smin2) return 1;
                if (!jmp32) {
                    if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return 1;
                    if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return 1;
                }
            }
            case JMP_JSET -> {
                if (!isRegConst(r2, jmp32)) {
                    Reg t = r1; r1 = r2; r2 = t;
                    long a = t1v; t1v = t2v; t2v = a;
                    long b = t1m; t1m = t2m; t2m = b;
                }
                if (!isRegConst(r2, jmp32)) return -1;
                if (((~t1m & t1v) & t2v) != 0) return 1;
                if (((t1m | t1v) & t2v) == 0) return 0;
            }
            case JMP_JGT -> {
                if (Reg.ult(umax2, umin1)) return 1;
                else if (Reg.ule(umax1, umin2)) return 0;
            }
            case JMP_JSGT -> {
                if (smin1 > smax2) return 1;
                else if (smax1 <= smin2) return 0;
            }
            case JMP_JLT -> {
                if (Reg.ult(umax1, umin2)) return 1;
                else if (Reg.ule(umax2, umin1)) return 0;
            }
            case JMP_JSLT -> {
                if (smax1 < smin2) return 1;
                else if (smin1 >= smax2) return 0;
            }
            case JMP_JGE -> {
                if (Reg.ule(umax2, umin1)) return 1;
                else if (Reg.ult(umax1, umin2)) return 0;
            }
            case JMP_JSGE -> {
                if (smin1 >= smax2) return 1;
                else if (smax1 < smin2) return 0;
            }
            case JMP_JLE -> {
                if (Reg.ule(umax1, umin2)) return 1;
                else if (Reg.ult(umax2, umin1)) return 0;
            }
            case JMP_JSLE -> {
                if (smax1 <= smin2) return 1;
                else if (smin1 > smax2) return 0;
            }
            default -> { }
        }
        return -1;
    }

    /** reg_set_min_max: refine both sides; the true side is the jump target's state. */
    static void regSetMinMax(Reg true1, Reg true2, Reg false1, Reg false2, int op, boolean jmp32) {
        if (false1.type != SCALAR_VALUE || false2.type != SCALAR_VALUE) return;
        refine(false1, false2, rev(op), jmp32);
        false1.sync();
        false2.sync();
        refine(true1, true2, op, jmp32);
        true1.sync();
        true2.sync();
        true1.sanityCheck();
        true2.sanityCheck();
        false1.sanityCheck();
        false2.sanityCheck();
    }

    static void refine(Reg r1, Reg r2, int op, boolean jmp32) {
        switch (op) {
            case JMP_JGE, JMP_JGT, JMP_JSGE, JMP_JSGT -> {
                op = flip(op);
                Reg t = r1; r1 = r2; r2 = t;
            }
            default -> { }
        }
        switch (op) {
            case JMP_JEQ -> {
                if (jmp32) {
                    r1.u32min = Math.max(r1.u32min, r2.u32min);
                    r1.u32max = Math.min(r1.u32max, r2.u32max);
                    r1.s32min = Math.max(r1.s32min, r2.s32min);
                    r1.s32max = Math.min(r1.s32max, r2.s32max);
                    r2.u32min = r1.u32min; r2.u32max = r1.u32max;
                    r2.s32min = r1.s32min; r2.s32max = r1.s32max;
                    Tnum t = r1.varOff().subreg().intersect(r2.varOff().subreg());
                    r1.setVarOff(r1.varOff().withSubreg(t));
                    r2.setVarOff(r2.varOff().withSubreg(t));
                } else {
                    r1.umin = Reg.umax64(r1.umin, r2.umin);
                    r1.umax = Reg.umin64(r1.umax, r2.umax);
                    r1.smin = Math.max(r1.smin, r2.smin);
                    r1.smax = Math.min(r1.smax, r2.smax);
                    r2.umin = r1.umin; r2.umax = r1.umax; r2.smin = r1.smin; r2.smax = r1.smax;
                    Tnum t = r1.varOff().intersect(r2.varOff());
                    r1.setVarOff(t);
                    r2.setVarOff(t);
                }
            }
            case JMP_JNE -> {
                if (!isRegConst(r2, jmp32)) { Reg t = r1; r1 = r2; r2 = t; }
                if (!isRegConst(r2, jmp32)) return;
                long val = regConstValue(r2, jmp32);
                if (jmp32) {
                    long v32 = val & U32_MAX;
                    if (r1.u32min == v32) r1.u32min = (r1.u32min + 1) & U32_MAX;
                    if (r1.u32max == v32) r1.u32max = (r1.u32max - 1) & U32_MAX;
                    if (r1.s32min == (int) val) r1.s32min++;
                    if (r1.s32max == (int) val) r1.s32max--;
                } else {
                    if (r1.umin == val) r1.umin++;
                    if (r1.umax == val) r1.umax--;
                    if (r1.smin == val) r1.smin++;
                    if (r1.smax == val) r1.smax--;
                }
            }
            case JMP_JSET -> {
                if (!isRegConst(r2, jmp32)) { Reg t = r1; r1 = r2; r2 = t; }
                if (!isRegConst(r2, jmp32)) return;
                long val = regConstValue(r2, jmp32);
                if (val == 0 || (val & (val - 1)) != 0) return;
                if (jmp32) {
                    Tnum t = r1.varOff().subreg().or(Tnum.constant(val));
                    r1.setVarOff(r1.varOff().withSubreg(t));
                } else {
                    r1.setVarOff(r1.varOff().or(Tnum.constant(val)));
                }
            }
            case JSET_REV -> {
                if (!isRegConst(r2, jmp32)) { Reg t = r1; r1 = r2; r2 = t; }
                if (!isRegConst(r2, jmp32)) return;
                long val = regConstValue(r2, jmp32);
                r1.markUnbounded();
                if (jmp32) {
                    Tnum t = r1.varOff().subreg().and(Tnum.constant(~val));
                    r1.setVarOff(r1.varOff().withSubreg(t));
                } else {
                    r1.setVarOff(r1.varOff().and(Tnum.constant(~val)));
                }
            }
            case JMP_JLE -> {
                if (jmp32) {
                    r1.u32max = Math.min(r1.u32max, r2.u32max);
                    r2.u32min = Math.max(r1.u32min, r2.u32min);
                } else {
                    r1.umax = Reg.umin64(r1.umax, r2.umax);
                    r2.umin = Reg.umax64(r1.umin, r2.umin);
                }
            }
            case JMP_JLT -> {
                if (jmp32) {
                    r1.u32max = Math.min(r1.u32max, (r2.u32max - 1) & U32_MAX);
                    r2.u32min = Math.max((r1.u32min + 1) & U32_MAX, r2.u32min);
                } else {
                    r1.umax = Reg.umin64(r1.umax, r2.umax - 1);
                    r2.umin = Reg.umax64(r1.umin + 1, r2.umin);
                }
            }
            case JMP_JSLE -> {
                if (jmp32) {
                    r1.s32max = Math.min(r1.s32max, r2.s32max);
                    r2.s32min = Math.max(r1.s32min, r2.s32min);
                } else {
                    r1.smax = Math.min(r1.smax, r2.smax);
                    r2.smin = Math.max(r1.smin, r2.smin);
                }
            }
            case JMP_JSLT -> {
                if (jmp32) {
                    r1.s32max = Math.min(r1.s32max, r2.s32max - 1);
                    r2.s32min = Math.max(r1.s32min + 1, r2.s32min);
                } else {
                    r1.smax = Math.min(r1.smax, r2.smax - 1);
                    r2.smin = Math.max(r1.smin + 1, r2.smin);
                }
            }
            default -> { }
        }
    }
}

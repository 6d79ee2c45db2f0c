package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;

import java.util.List;
import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Operators;

/**
 * The kernel's log notation: registers as kernel/bpf/log.c print_reg_state prints them, instructions as
 * kernel/bpf/disasm.c print_bpf_insn prints them.
 */
final class LogFormat {
    private LogFormat() {}

    static String unum(long v) {
        return Long.compareUnsigned(v, 0xffff) <= 0 ? Long.toUnsignedString(v) : "0x" + Long.toHexString(v);
    }

    static String snum(long v) {
        return v >= Short.MIN_VALUE && v <= Short.MAX_VALUE ? Long.toString(v) : "0x" + Long.toHexString(v);
    }

    static String tnumStr(long v, long m) {
        if (m == 0) return unum(v);
        return "(0x" + Long.toHexString(v) + "; 0x" + Long.toHexString(m) + ")";
    }

    static String regToString(Reg r, int curFrameno, List<MapInfo> maps) {
        StringBuilder sb = new StringBuilder();
        int t = r.type;
        if (t == SCALAR_VALUE && r.precise) sb.append('P');
        if (t == SCALAR_VALUE && r.tm == 0) {
            return sb.append(snum(r.tv)).toString();
        }
        sb.append(RegType.str(t));
        if (t == PTR_TO_STACK) {
            if (r.frameno != curFrameno) sb.append('[').append(r.frameno).append(']');
            if (r.tm == 0) return sb.append(snum(r.tv + r.off)).toString();
        }
        sb.append('(');
        String sep = "";
        if (r.id != 0) {
            sb.append(sep).append("id=").append(r.id & ~Reg.ADD_CONST);
            if ((r.id & Reg.ADD_CONST) != 0) sb.append(r.off < 0 ? "" : "+").append(r.off);
            sep = ",";
        }
        if (r.refObjId != 0) { sb.append(sep).append("ref_obj_id=").append(r.refObjId); sep = ","; }
        int b = base(t);
        if ((b == CONST_PTR_TO_MAP || b == PTR_TO_MAP_KEY || b == PTR_TO_MAP_VALUE) && maps != null
                && r.mapIdx >= 0 && r.mapIdx < maps.size()) {
            MapInfo m = maps.get(r.mapIdx);
            if (m.name() != null && !m.name().isEmpty()) { sb.append(sep).append("map=").append(m.name()); sep = ","; }
            sb.append(sep).append("ks=").append(m.keySize()).append(",vs=").append(m.valueSize());
            sep = ",";
        }
        if (t != SCALAR_VALUE && r.off != 0) { sb.append(sep).append("off=").append(snum(r.off)); sep = ","; }
        if (isPktPointer(t)) { sb.append(sep).append("r=").append(unum(r.range & 0xffffffffL)); sep = ","; }
        if (b == PTR_TO_MEM) { sb.append(sep).append("sz=").append(unum(r.memSize & 0xffffffffL)); sep = ","; }
        if (r.tm == 0) {
            if (r.tv != 0) { sb.append(sep).append("imm=").append(snum(r.tv)); }
        } else {
            sep = scalarRanges(sb, r, sep);
            if (r.tm != -1L) sb.append(sep).append("var_off=").append(tnumStr(r.tv, r.tm));
        }
        return sb.append(')').toString();
    }

    private static String scalarRanges(StringBuilder sb, Reg r, String sep) {
        String[] names = {"smin", "smax", "umin", "umax", "smin32", "smax32", "umin32", "umax32"};
        long s32minV = snumDecimal(r.s32min) ? r.s32min : r.s32min & 0xffffffffL;
        long s32maxV = snumDecimal(r.s32max) ? r.s32max : r.s32max & 0xffffffffL;
        long[] vals = {r.smin, r.smax, r.umin, r.umax, s32minV, s32maxV, r.u32min, r.u32max};
        boolean[] omit = {
            r.smin == Long.MIN_VALUE, r.smax == Long.MAX_VALUE, r.umin == 0, r.umax == -1L,
            r.s32min == Integer.MIN_VALUE, r.s32max == Integer.MAX_VALUE, r.u32min == 0, r.u32max == 0xffffffffL,
        };
        for (int i = 0; i < 8; i++) {
            if (omit[i]) continue;
            boolean neg1 = names[i].charAt(0) == 's' && vals[i] < 0;
            sb.append(sep).append(names[i]).append('=');
            sep = ",";
            for (int j = i + 2; j < 8; j += 2) {
                if (omit[j] || vals[j] != vals[i]) continue;
                boolean neg2 = names[j].charAt(0) == 's' && vals[j] < 0;
                if (neg2 != neg1) continue;
                omit[j] = true;
                sb.append(names[j]).append('=');
            }
            sb.append(names[i].charAt(0) == 's' ? snum(vals[i]) : unum(vals[i]));
        }
        return sep;
    }

    private static boolean snumDecimal(long v) {
        return v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
    }

    // ---- disassembly --------------------------------------------------------------------------

    private static final String[] LDST = {"u32", "u16", "u8", "u64"};
    private static final String[] LDSX = {"s32", "s16", "s8", "?"};

    static String helperName(int id) {
        return KernelHelper.byId(id).map(KernelHelper::kernelName).orElse("unknown");
    }

    /** One instruction as the kernel's verifier log prints it, without the leading "N: ". */
    static String insn(Insn in, long imm64) {
        int code = in.opcode();
        int cls = insnClass(code);
        String op = String.format("(%02x) ", code);
        char w = cls == CLASS_ALU || cls == CLASS_JMP32 ? 'w' : 'r';
        int dst = in.dst(), src = in.src();
        switch (cls) {
            case CLASS_ALU, CLASS_ALU64 -> {
                int aop = aluOp(code);
                if (aop == ALU_END) {
                    if (cls == CLASS_ALU64) return op + "r" + dst + " = bswap" + in.imm() + " r" + dst;
                    return op + "r" + dst + " = " + (source(code) == END_TO_BE ? "be" : "le") + in.imm() + " r" + dst;
                }
                if (aop == ALU_NEG) return op + w + dst + " = -" + w + dst;
                String s = Operators.alu(aop, in.off());
                if (source(code) == SRC_X) {
                    if (cls == CLASS_ALU64 && aop == ALU_MOV && in.off() == OFF_ADDR_SPACE_CAST) {
                        return op + "r" + dst + " = addr_space_cast(r" + src + ", " + (in.imm() >>> 16) + ", " + (in.imm() & 0xffff) + ")";
                    }
                    String sx = "";
                    if (aop == ALU_MOV && (in.off() == 8 || in.off() == 16 || in.off() == 32)) {
                        sx = in.off() == 8 ? "(s8)" : in.off() == 16 ? "(s16)" : "(s32)";
                    }
                    return op + w + dst + " " + s + " " + sx + w + src;
                }
                return op + w + dst + " " + s + " " + in.imm();
            }
            case CLASS_STX -> {
                int sz = size(code) >> 3;
                String o = String.format("%+d", in.off());
                if (mode(code) == MODE_MEM) return op + "*(" + LDST[sz] + " *)(r" + dst + " " + o + ") = r" + src;
                if (mode(code) == MODE_ATOMIC) {
                    int imm = in.imm();
                    String b64 = size(code) == SIZE_DW ? "64" : "";
                    if (imm == ATOMIC_ADD || imm == ATOMIC_AND || imm == ATOMIC_OR || imm == ATOMIC_XOR) {
                        return op + "lock *(" + LDST[sz] + " *)(r" + dst + " " + o + ") " + Operators.alu(imm) + " r" + src;
                    }
                    if ((imm & ATOMIC_FETCH) != 0 && (imm & ~ATOMIC_FETCH) <= ATOMIC_XOR) {
                        String n = switch (imm & ~ATOMIC_FETCH) {
                            case ATOMIC_ADD -> "add";
                            case ATOMIC_AND -> "and";
                            case ATOMIC_OR -> "or";
                            default -> "xor";
                        };
                        return op + "r" + src + " = atomic" + b64 + "_fetch_" + n + "((" + LDST[sz] + " *)(r" + dst + " " + o + "), r" + src + ")";
                    }
                    if (imm == ATOMIC_CMPXCHG) return op + "r0 = atomic" + b64 + "_cmpxchg((" + LDST[sz] + " *)(r" + dst + " " + o + "), r0, r" + src + ")";
                    if (imm == ATOMIC_XCHG) return op + "r" + src + " = atomic" + b64 + "_xchg((" + LDST[sz] + " *)(r" + dst + " " + o + "), r" + src + ")";
                }
                return String.format("BUG_%02x", code);
            }
            case CLASS_ST -> {
                if (mode(code) == MODE_MEM) {
                    return op + "*(" + LDST[size(code) >> 3] + " *)(r" + dst + " " + String.format("%+d", in.off()) + ") = " + in.imm();
                }
                return String.format("BUG_st_%02x", code);
            }
            case CLASS_LDX -> {
                if (mode(code) != MODE_MEM && mode(code) != MODE_MEMSX) return String.format("BUG_ldx_%02x", code);
                String t = mode(code) == MODE_MEM ? LDST[size(code) >> 3] : LDSX[size(code) >> 3];
                return op + "r" + dst + " = *(" + t + " *)(r" + src + " " + String.format("%+d", in.off()) + ")";
            }
            case CLASS_LD -> {
                if (mode(code) == MODE_ABS) return op + "r0 = *(" + LDST[size(code) >> 3] + " *)skb[" + in.imm() + "]";
                if (mode(code) == MODE_IND) return op + "r0 = *(" + LDST[size(code) >> 3] + " *)skb[r" + src + " + " + in.imm() + "]";
                if (code == LDDW) {
                    if (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX) return op + "r" + dst + " = map[idx:" + in.imm() + "]";
                    if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
                        return op + "r" + dst + " = map[idx:" + in.imm() + "][0]+" + (imm64 >>> 32);
                    }
                    return op + "r" + dst + " = 0x" + Long.toHexString(imm64);
                }
                return String.format("BUG_ld_%02x", code);
            }
            default -> {
                int jop = jmpOp(code);
                if (jop == JMP_CALL) {
                    if (src == CALL_PSEUDO) return op + "call pc" + String.format("%+d", in.imm());
                    String name = src == CALL_HELPER ? helperName(in.imm()) : src == CALL_KFUNC ? "kernel-function" : "unknown";
                    return op + "call " + name + "#" + in.imm();
                }
                if (code == JA) return op + "goto pc" + String.format("%+d", in.off());
                if (code == MAY_GOTO) return op + "may_goto pc" + String.format("%+d", in.off());
                if (code == JA32) return op + "gotol pc" + String.format("%+d", in.imm());
                if (code == EXIT) return op + "exit";
                if (source(code) == SRC_X) {
                    return op + "if " + w + dst + " " + Operators.jmp(jop) + " " + w + src + " goto pc" + String.format("%+d", in.off());
                }
                return op + "if " + w + dst + " " + Operators.jmp(jop) + " 0x" + Integer.toHexString(in.imm()) + " goto pc" + String.format("%+d", in.off());
            }
        }
    }
}

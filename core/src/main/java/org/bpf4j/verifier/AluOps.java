package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Operators;

/**
 * ALU instructions (kernel/bpf/verifier.c): check_alu_op, adjust_reg_min_max_vals, adjust_ptr_min_max_vals
 * with check_reg_sane_offset, assign_scalar_id_before_mov and maybe_fork_scalars. The scalar arithmetic
 * itself is {@link ScalarAlu}.
 */
final class AluOps {
    private AluOps() {}

    static void checkAluOp(VerifierEnv env, Insn in) {
        int code = in.opcode();
        int op = aluOp(code);
        boolean alu64 = insnClass(code) == CLASS_ALU64;
        boolean srcX = source(code) == SRC_X;
        Frame f = env.cur.cur();
        if (op == ALU_END || op == ALU_NEG) {
            if (op == ALU_NEG) {
                if (srcX || in.src() != 0 || in.off() != 0 || in.imm() != 0) throw env.fail(env.insnIdx, "BPF_NEG uses reserved fields");
            } else if (in.src() != 0 || in.off() != 0 || (in.imm() != 16 && in.imm() != 32 && in.imm() != 64)
                    || (alu64 && srcX)) {
                throw env.fail(env.insnIdx, "BPF_END uses reserved fields");
            }
            Verifier.checkRegArg(env, in.dst(), Verifier.SRC_OP);
            if (!env.opts.privileged() && env.reg(in.dst()).isPointer()) throw env.fail(env.insnIdx, "R%d pointer arithmetic prohibited", in.dst());
            if (env.reg(in.dst()).type == SCALAR_VALUE) {
                // Linux 6.18 tracks both through adjust_scalar_min_max_vals: NEG as 0 - x, END as a byte
                // swap of the tnum (scalar_byte_swap) with truncation for 16/32
                Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP_NO_MARK);
                Reg d = env.reg(in.dst());
                if (op == ALU_NEG) ScalarAlu.neg(d, !alu64);
                else ScalarAlu.byteSwap(d, alu64, srcX, in.imm());
            } else {
                Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP);
            }
        } else if (op == ALU_MOV) {
            if (srcX) {
                if (!alu64) {
                    if ((in.off() != 0 && in.off() != 8 && in.off() != 16) || in.imm() != 0) throw env.fail(env.insnIdx, "BPF_MOV uses reserved fields");
                } else if (in.off() == OFF_ADDR_SPACE_CAST) {
                    if (in.imm() != 1 && in.imm() != 1 << 16) throw env.fail(env.insnIdx, "addr_space_cast insn can only convert between address space 1 and 0");
                    throw env.fail(env.insnIdx, "addr_space_cast insn can only be used in a program that has an associated arena");
                } else if ((in.off() != 0 && in.off() != 8 && in.off() != 16 && in.off() != 32) || in.imm() != 0) {
                    throw env.fail(env.insnIdx, "BPF_MOV uses reserved fields");
                }
                Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
            } else if (in.src() != 0 || in.off() != 0) {
                throw env.fail(env.insnIdx, "BPF_MOV uses reserved fields");
            }
            Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP_NO_MARK);
            Reg dst = env.reg(in.dst());
            if (srcX) {
                Reg src = env.reg(in.src());
                if (alu64) {
                    if (in.off() == 0) {
                        assignScalarIdBeforeMov(env, src);
                        dst.set(src);
                    } else if (src.type == SCALAR_VALUE) {
                        boolean noSext = Long.compareUnsigned(src.umax, 1L << (in.off() - 1)) < 0;
                        if (noSext) assignScalarIdBeforeMov(env, src);
                        dst.set(src);
                        if (!noSext) { dst.id = 0; dst.off = 0; }
                        dst.coerceToSizeSx(in.off() >> 3);
                    } else {
                        if (!env.opts.privileged()) throw env.fail(env.insnIdx, "R%d sign-extension part of pointer", in.src());
                        dst.markUnknown();
                    }
                } else {
                    if (src.type == SCALAR_VALUE) {
                        if (in.off() == 0) {
                            boolean u32 = src.width() <= 32;
                            if (u32) assignScalarIdBeforeMov(env, src);
                            dst.set(src);
                            if (!u32) { dst.id = 0; dst.off = 0; }
                        } else {
                            boolean noSext = Long.compareUnsigned(src.umax, 1L << (in.off() - 1)) < 0;
                            if (noSext) assignScalarIdBeforeMov(env, src);
                            dst.set(src);
                            if (!noSext) { dst.id = 0; dst.off = 0; }
                            dst.coerceSubregToSizeSx(in.off() >> 3);
                        }
                    } else {
                        if (!env.opts.privileged()) throw env.fail(env.insnIdx, "R%d partial copy of pointer", in.src());
                        dst.markUnknown();
                    }
                    dst.zext32To64();
                    dst.sync();
                }
            } else {
                dst.markUnknown();
                dst.markKnown(alu64 ? in.imm() : in.imm() & 0xffffffffL);
            }
        } else if (op > ALU_END) {
            throw env.fail(env.insnIdx, "invalid BPF_ALU opcode %x", op);
        } else {
            if (srcX) {
                if (in.imm() != 0 || (in.off() != 0 && in.off() != 1) || (in.off() == 1 && op != ALU_MOD && op != ALU_DIV)) {
                    throw env.fail(env.insnIdx, "BPF_ALU uses reserved fields");
                }
                Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
            } else if (in.src() != 0 || (in.off() != 0 && in.off() != 1) || (in.off() == 1 && op != ALU_MOD && op != ALU_DIV)) {
                throw env.fail(env.insnIdx, "BPF_ALU uses reserved fields");
            }
            Verifier.checkRegArg(env, in.dst(), Verifier.SRC_OP);
            if ((op == ALU_MOD || op == ALU_DIV) && !srcX && in.imm() == 0) throw env.fail(env.insnIdx, "div by zero");
            if ((op == ALU_LSH || op == ALU_RSH || op == ALU_ARSH) && !srcX) {
                int size = alu64 ? 64 : 32;
                if (in.imm() < 0 || in.imm() >= size) throw env.fail(env.insnIdx, "invalid shift %d", in.imm());
            }
            Verifier.checkRegArg(env, in.dst(), Verifier.DST_OP_NO_MARK);
            adjustRegMinMaxVals(env, in);
        }
        env.reg(in.dst()).sanityCheck();
        if (f != env.cur.cur()) throw new IllegalStateException("frame changed");
    }

    static void assignScalarIdBeforeMov(VerifierEnv env, Reg src) {
        if (src.type != SCALAR_VALUE) return;
        if ((src.id & Reg.ADD_CONST) != 0) { // rX = rY + k is linked once: a copy of it starts afresh
            src.id = 0;
            src.off = 0;
        }
        if (src.id == 0 && src.tm != 0) src.id = ++env.idGen;
    }

    static void adjustRegMinMaxVals(VerifierEnv env, Insn in) {
        int code = in.opcode();
        int op = aluOp(code);
        boolean alu32 = insnClass(code) != CLASS_ALU64;
        Reg dst = env.reg(in.dst());
        Reg ptrReg = dst.type != SCALAR_VALUE ? dst : null;
        Reg src;
        if (source(code) == SRC_X) {
            src = env.reg(in.src());
            if (src.type != SCALAR_VALUE) {
                if (dst.type != SCALAR_VALUE) {
                    if (op == ALU_SUB && env.opts.privileged()) {
                        dst.markUnknown();
                        return;
                    }
                    throw env.fail(env.insnIdx, "R%d pointer %s pointer prohibited", in.dst(), Operators.alu(op));
                }
                env.markPrecise(in.dst()); // scalar += pointer: the offset's value matters
                Reg off = dst.copy();
                adjustPtrMinMaxVals(env, in, src, off);
                return;
            } else if (ptrReg != null) {
                env.markPrecise(in.src()); // pointer += scalar
                adjustPtrMinMaxVals(env, in, dst, src.copy());
                return;
            } else if (dst.precise) {
                env.markPrecise(in.src()); // a precise result needs a precise operand
            }
        } else {
            src = new Reg();
            src.markKnown(in.imm());
            src.type = SCALAR_VALUE;
            if (ptrReg != null) {
                adjustPtrMinMaxVals(env, in, ptrReg, src);
                return;
            }
        }
        Reg srcCopy = src.copy();
        if (!ScalarAlu.safeToCompute(op, alu32, srcCopy)) {
            dst.markUnknown();
            return;
        }
        if ((op == ALU_AND || op == ALU_OR) && srcCopy.isConst()) {
            maybeForkScalars(env, in, dst);
        }
        ScalarAlu.apply(op, alu32, dst, srcCopy);
        // rX = rY; rX += k keeps rX linked to rY, k in off, so that a bound learnt on one moves to the other
        if (env.opts.privileged() && op == ALU_ADD && !alu32 && dst.id != 0 && src.isConst()
                && !(source(code) == SRC_X && in.src() == in.dst())) {
            if ((dst.id & Reg.ADD_CONST) != 0 || Long.compareUnsigned(src.tv, Integer.MAX_VALUE) > 0) {
                dst.id = 0; // one constant at most, and one sync_linked_regs can add without overflow
                dst.off = 0;
            } else {
                dst.id |= Reg.ADD_CONST;
                dst.off = (int) src.tv;
            }
        } else {
            dst.id = 0;
            dst.off = 0;
        }
    }

    static void maybeForkScalars(VerifierEnv env, Insn in, Reg dst) {
        boolean alu32;
        if (dst.smin == -1 && dst.smax == 0) alu32 = false;
        else if (dst.s32min == -1 && dst.s32max == 0) alu32 = true;
        else return;
        VState branch = Verifier.pushStack(env, env.insnIdx, env.insnIdx);
        Reg b = branch.cur().regs[in.dst()];
        if (alu32) {
            b.markKnown32(0);
            dst.markKnown32(-1L);
        } else {
            b.markKnown(0);
            b.type = SCALAR_VALUE;
            dst.markKnown(-1L);
            dst.type = SCALAR_VALUE;
        }
    }

    static void adjustPtrMinMaxVals(VerifierEnv env, Insn in, Reg ptr, Reg off) {
        int code = in.opcode();
        int op = aluOp(code);
        int dstno = in.dst();
        Reg dst = env.reg(dstno);
        boolean known = off.isConst();
        long sminVal = off.smin, smaxVal = off.smax, uminVal = off.umin, umaxVal = off.umax;
        long sminPtr = ptr.smin, smaxPtr = ptr.smax, uminPtr = ptr.umin, umaxPtr = ptr.umax;
        if ((known && (sminVal != smaxVal || uminVal != umaxVal)) || sminVal > smaxVal || Reg.ult(umaxVal, uminVal)) {
            dst.markUnknown();
            return;
        }
        if (insnClass(code) != CLASS_ALU64) {
            if (op == ALU_SUB && env.opts.privileged()) {
                dst.markUnknown();
                return;
            }
            throw env.fail(env.insnIdx, "R%d 32-bit pointer arithmetic prohibited", dstno);
        }
        if (mayBeNull(ptr.type)) {
            throw env.fail(env.insnIdx, "R%d pointer arithmetic on %s prohibited, null-check it first", dstno, RegType.str(ptr.type));
        }
        switch (base(ptr.type)) {
            case PTR_TO_CTX, PTR_TO_MAP_VALUE, PTR_TO_MAP_KEY, PTR_TO_STACK, PTR_TO_PACKET_META, PTR_TO_PACKET,
                 PTR_TO_TP_BUFFER, PTR_TO_BTF_ID, PTR_TO_MEM, PTR_TO_BUF, PTR_TO_FUNC, CONST_PTR_TO_DYNPTR -> { }
            case PTR_TO_FLOW_KEYS -> {
                if (!known) throw env.fail(env.insnIdx, "R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
            }
            case CONST_PTR_TO_MAP -> {
                if (!(known && sminVal == 0 && op == ALU_ADD)) {
                    throw env.fail(env.insnIdx, "R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
                }
            }
            default -> throw env.fail(env.insnIdx, "R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
        }
        int ptrType = ptr.type;
        checkRegSaneOffset(env, off, ptrType);
        checkRegSaneOffset(env, ptr, ptrType);
        Reg p = ptr.copy();
        if (dst != p) {
            dst.set(p);
        }
        dst.mark32Unbounded();
        switch (op) {
            case ALU_ADD -> {
                long sum = (long) p.off + sminVal;
                if (known && sum == (int) sum) {
                    dst.smin = sminPtr; dst.smax = smaxPtr; dst.umin = uminPtr; dst.umax = umaxPtr;
                    dst.tv = p.tv; dst.tm = p.tm;
                    dst.off = (int) sum;
                    dst.range = p.range; dst.mapIdx = p.mapIdx; dst.memSize = p.memSize;
                    break;
                }
                long a = sminPtr + sminVal, b = smaxPtr + smaxVal;
                if (((sminPtr ^ a) & (sminVal ^ a)) < 0 || ((smaxPtr ^ b) & (smaxVal ^ b)) < 0) {
                    dst.smin = Long.MIN_VALUE; dst.smax = Long.MAX_VALUE;
                } else {
                    dst.smin = a; dst.smax = b;
                }
                long ua = uminPtr + uminVal, ub = umaxPtr + umaxVal;
                if (Reg.ult(ua, uminPtr) || Reg.ult(ub, umaxPtr)) {
                    dst.umin = 0; dst.umax = -1L;
                } else {
                    dst.umin = ua; dst.umax = ub;
                }
                dst.setVarOff(new Tnum(p.tv, p.tm).add(new Tnum(off.tv, off.tm)));
                dst.off = p.off;
                dst.range = p.range; dst.mapIdx = p.mapIdx; dst.memSize = p.memSize;
                if (isPktPointer(p.type)) {
                    dst.id = ++env.idGen;
                    dst.range = 0;
                }
            }
            case ALU_SUB -> {
                if (dst != ptr) {
                    // dst was the scalar: subtracting a pointer from a scalar
                    throw env.fail(env.insnIdx, "R%d tried to subtract pointer from scalar", dstno);
                }
                if (p.type == PTR_TO_STACK) throw env.fail(env.insnIdx, "R%d subtraction from stack pointer prohibited", dstno);
                long diff = (long) p.off - sminVal;
                if (known && diff == (int) diff) {
                    dst.smin = sminPtr; dst.smax = smaxPtr; dst.umin = uminPtr; dst.umax = umaxPtr;
                    dst.tv = p.tv; dst.tm = p.tm;
                    dst.id = p.id;
                    dst.off = (int) diff;
                    dst.range = p.range; dst.mapIdx = p.mapIdx; dst.memSize = p.memSize;
                    break;
                }
                long a = sminPtr - smaxVal, b = smaxPtr - sminVal;
                if (((sminPtr ^ smaxVal) & (sminPtr ^ a)) < 0 || ((smaxPtr ^ sminVal) & (smaxPtr ^ b)) < 0) {
                    dst.smin = Long.MIN_VALUE; dst.smax = Long.MAX_VALUE;
                } else {
                    dst.smin = a; dst.smax = b;
                }
                if (Reg.ult(uminPtr, umaxVal)) {
                    dst.umin = 0; dst.umax = -1L;
                } else {
                    dst.umin = uminPtr - umaxVal;
                    dst.umax = umaxPtr - uminVal;
                }
                dst.setVarOff(new Tnum(p.tv, p.tm).sub(new Tnum(off.tv, off.tm)));
                dst.off = p.off;
                dst.range = p.range; dst.mapIdx = p.mapIdx; dst.memSize = p.memSize;
                if (isPktPointer(p.type)) {
                    dst.id = ++env.idGen;
                    if (sminVal < 0) dst.range = 0;
                }
            }
            case ALU_AND, ALU_OR, ALU_XOR -> throw env.fail(env.insnIdx, "R%d bitwise operator %s on pointer prohibited", dstno, Operators.alu(op));
            default -> throw env.fail(env.insnIdx, "R%d pointer arithmetic with %s operator prohibited", dstno, Operators.alu(op));
        }
        checkRegSaneOffset(env, dst, ptrType);
        dst.sync();
    }

    static void checkRegSaneOffset(VerifierEnv env, Reg r, int type) {
        boolean known = r.isConst();
        long val = r.tv;
        long smin = r.smin;
        if (known && (val >= VerifierEnv.BPF_MAX_VAR_OFF || val <= -VerifierEnv.BPF_MAX_VAR_OFF)) {
            throw env.fail(env.insnIdx, "math between %s pointer and %d is not allowed", RegType.str(type), val);
        }
        if (r.off >= VerifierEnv.BPF_MAX_VAR_OFF || r.off <= -VerifierEnv.BPF_MAX_VAR_OFF) {
            throw env.fail(env.insnIdx, "%s pointer offset %d is not allowed", RegType.str(type), r.off);
        }
        if (smin == Long.MIN_VALUE) {
            throw env.fail(env.insnIdx, "math between %s pointer and register with unbounded min value is not allowed", RegType.str(type));
        }
        if (smin >= VerifierEnv.BPF_MAX_VAR_OFF || smin <= -VerifierEnv.BPF_MAX_VAR_OFF) {
            throw env.fail(env.insnIdx, "value %d makes %s pointer be out of bounds", smin, RegType.str(type));
        }
    }
}

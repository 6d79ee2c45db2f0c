package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.Arrays;
import org.bpf4j.isa.Insn;
import org.bpf4j.maps.MapType;

/**
 * Conditional jumps (kernel/bpf/verifier.c): check_cond_jmp_op, collect_linked_regs, mark_ptr_or_null_regs,
 * mark_ptr_not_null_reg, try_match_pkt_pointers with find_good_pkt_pointers. Branch outcomes and register
 * refinement are {@link Branches}.
 */
final class CondJumps {
    private CondJumps() {}

    static void checkCondJmp(VerifierEnv env, Insn in, boolean jmp32) {
        int code = in.opcode();
        int op = jmpOp(code);
        if (op == JMP_JA || op > JMP_JCOND) throw env.fail(env.insnIdx, "invalid BPF_JMP/JMP32 opcode %x", op);
        if (op == JMP_JCOND) {
            if (code != MAY_GOTO || in.src() != JCOND_MAY_GOTO || in.dst() != 0 || in.imm() != 0 || in.off() == 0) {
                throw env.fail(env.insnIdx, "invalid may_goto off %d imm %d", in.off(), in.imm());
            }
            VState prev = StatePruning.findPrevEntry(env, env.cur.parent, env.insnIdx);
            VState q = Verifier.pushStack(env, env.insnIdx + 1, env.insnIdx);
            q.mayGotoDepth++;
            // the next iteration forgets the imprecise scalars that changed since the previous one, so
            // that iterations converge (check_cond_jmp_op)
            if (prev != null) StatePruning.widenImpreciseScalars(prev, q, slot -> false);
            env.insnIdx += in.off() + 1;
            return;
        }
        Verifier.checkRegArg(env, in.dst(), Verifier.SRC_OP);
        Reg dst = env.reg(in.dst());
        Reg src;
        boolean srcX = source(code) == SRC_X;
        int histFlags = dst.type == PTR_TO_STACK ? InsnHistory.DST_REG_STACK : 0;
        if (srcX) {
            if (in.imm() != 0) throw env.fail(env.insnIdx, "BPF_JMP/JMP32 uses reserved fields");
            Verifier.checkRegArg(env, in.src(), Verifier.SRC_OP);
            src = env.reg(in.src());
            if (!env.opts.privileged() && !(isPktPointerAny(dst.type) && isPktPointerAny(src.type)) && src.isPointer()) {
                throw env.fail(env.insnIdx, "R%d pointer comparison prohibited", in.src());
            }
            if (src.type == PTR_TO_STACK) histFlags |= InsnHistory.SRC_REG_STACK;
        } else {
            if (in.src() != 0) throw env.fail(env.insnIdx, "BPF_JMP/JMP32 uses reserved fields");
            src = new Reg();
            src.markKnown(in.imm());
            src.type = SCALAR_VALUE;
        }
        if (histFlags != 0) env.precision.pushHistory(env.cur, env.insnIdx, histFlags, null);
        int pred = Branches.isBranchTaken(dst, src, op, jmp32);
        if (pred >= 0) {
            // the branch is decided by the scalars' values: those must be precise
            if (dst.type == SCALAR_VALUE) env.markPrecise(in.dst());
            if (srcX && src.type == SCALAR_VALUE) env.markPrecise(in.src());
        }
        if (pred == 1) {
            if (env.level > 0) env.printInsnState();
            env.insnIdx += in.off() + 1;
            return;
        } else if (pred == 0) {
            if (env.level > 0) env.printInsnState();
            env.insnIdx++;
            return;
        }
        // scalars sharing an id with the operands get the same bounds; the history records them, before
        // the other branch is copied so that both share the entry, to make them precise together
        LinkedRegs linked = new LinkedRegs();
        if (srcX && src.type == SCALAR_VALUE && src.id != 0) linked.collect(env.cur, src.id);
        if (dst.type == SCALAR_VALUE && dst.id != 0) linked.collect(env.cur, dst.id);
        if (linked.cnt > 1) env.precision.pushHistory(env.cur, env.insnIdx, 0, linked.entries());
        VState other = Verifier.pushStack(env, env.insnIdx + in.off() + 1, env.insnIdx);
        Frame of = other.cur();
        Reg oDst = of.regs[in.dst()];
        if (srcX) {
            Reg oSrc = of.regs[in.src()];
            Branches.regSetMinMax(oDst, oSrc, dst, src, op, jmp32);
            if (src.type == SCALAR_VALUE && src.id != 0) {
                linked.sync(env.cur, src);
                linked.sync(other, oSrc);
            }
        } else {
            Reg k1 = src, k2 = src.copy();
            Branches.regSetMinMax(oDst, k1, dst, k2, op, jmp32);
        }
        if (dst.type == SCALAR_VALUE && dst.id != 0) {
            linked.sync(env.cur, dst);
            linked.sync(other, oDst);
        }
        if (!jmp32 && srcX && dst.isPointer() && src.isPointer()) {
            Frame eq = null;
            if (op == JMP_JEQ) eq = of;
            else if (op == JMP_JNE) eq = env.cur.cur();
            if (eq != null) {
                if (Branches.regNotNull(dst) && mayBeNull(src.type)) markPtrNotNull(env, eq.regs[in.src()]);
                if (Branches.regNotNull(src) && mayBeNull(dst.type)) markPtrNotNull(env, eq.regs[in.dst()]);
            }
        }
        if (!jmp32 && !srcX && in.imm() == 0 && (op == JMP_JEQ || op == JMP_JNE) && mayBeNull(dst.type)) {
            int id = dst.id, refObj = dst.refObjId;
            markPtrOrNullRegs(env, env.cur, id, refObj, op == JMP_JNE);
            markPtrOrNullRegs(env, other, id, refObj, op == JMP_JEQ);
        } else if (!tryMatchPktPointers(env, in, jmp32, dst, srcX ? src : null, env.cur, other) && !env.opts.privileged() && dst.isPointer()) {
            throw env.fail(env.insnIdx, "R%d pointer comparison prohibited", in.dst());
        }
        if (env.level > 0) env.printInsnState();
        env.insnIdx++;
    }

    /**
     * The scalars (registers and spilled slots, in any frame) sharing an id at a conditional jump
     * (collect_linked_regs): at most six, as the kernel's history entry holds; the others lose the id.
     */
    static final class LinkedRegs {
        private static final int MAX = 6;
        private final int[] entries = new int[MAX];
        int cnt;

        void collect(VState st, int id) {
            id &= ~Reg.ADD_CONST;
            for (int fr = st.curframe; fr >= 0; fr--) {
                Frame f = st.frames[fr];
                for (int i = 0; i < 10; i++) add(f.regs[i], id, InsnHistory.linkedReg(fr, i, true));
                for (int spi = 0; spi < f.spill.length; spi++) {
                    if (f.isSpilled(spi)) add(f.spill[spi], id, InsnHistory.linkedReg(fr, spi, false));
                }
            }
        }

        private void add(Reg r, int id, int entry) {
            if (r.type != SCALAR_VALUE || (r.id & ~Reg.ADD_CONST) != id) return;
            if (cnt < MAX) {
                entries[cnt++] = entry;
            } else {
                r.id = 0;
                r.off = 0;
            }
        }

        int[] entries() { return Arrays.copyOf(entries, cnt); }

        /**
         * sync_linked_regs: copies the refined bounds of {@code known} to the linked scalars of {@code st},
         * moved by the difference of their constant offsets.
         */
        void sync(VState st, Reg known) {
            for (int k = 0; k < cnt; k++) {
                int e = entries[k];
                Frame f = st.frames[InsnHistory.linkedFrame(e)];
                int i = InsnHistory.linkedIndex(e);
                Reg r = InsnHistory.linkedIsReg(e) ? f.regs[i] : f.spill[i];
                if (r == known || r.type != SCALAR_VALUE || (r.id & ~Reg.ADD_CONST) != (known.id & ~Reg.ADD_CONST)) continue;
                if (((r.id | known.id) & Reg.ADD_CONST) == 0 || r.off == known.off) {
                    r.set(known);
                } else {
                    int off = r.off, id = r.id;
                    Reg delta = new Reg();
                    delta.markKnown(off - known.off);
                    r.set(known);
                    r.off = off;
                    r.id = id;
                    ScalarAlu.add32(r, delta);
                    ScalarAlu.add64(r, delta);
                    r.setVarOff(r.varOff().add(delta.varOff()));
                }
            }
        }
    }

    /**
     * mark_ptr_not_null_reg: a value of a sockmap or sockhash is a socket, of an xskmap an AF_XDP socket (a
     * lookup in a map of maps is already the inner map, see the helper's return).
     */
    static void markPtrNotNull(VerifierEnv env, Reg r) {
        if (base(r.type) == PTR_TO_MAP_VALUE && r.mapIdx >= 0 && r.mapIdx < env.programMaps) {
            MapInfo m = env.maps.get(r.mapIdx);
            if (m.type() == MapType.SOCKMAP || m.type() == MapType.SOCKHASH || m.type() == MapType.XSKMAP) {
                r.type = m.type() == MapType.XSKMAP ? PTR_TO_XDP_SOCK : PTR_TO_SOCKET;
                r.mapIdx = -1;
                return;
            }
        }
        r.type &= ~PTR_MAYBE_NULL;
    }

    static void markPtrOrNullRegs(VerifierEnv env, VState st, int id, int refObjId, boolean isNull) {
        if (refObjId != 0 && refObjId == id && isNull) st.releaseRef(id);
        st.forEachReg(r -> {
            if (mayBeNull(r.type) && r.id == id) {
                if (isNull) {
                    r.type = SCALAR_VALUE;
                    r.id = 0;
                    r.refObjId = 0;
                    r.mapIdx = -1;
                    r.memSize = 0;
                    r.range = 0;
                    return;
                }
                markPtrNotNull(env, r);
                // a pointer to a value with a spin lock keeps its id: it tells the value's lock from others'
                if (!(r.type == PTR_TO_MAP_VALUE && env.maps.get(r.mapIdx).fields().spinLockOff() >= 0)) r.id = 0;
            }
        });
    }

    static boolean tryMatchPktPointers(VerifierEnv env, Insn in, boolean jmp32, Reg dst, Reg src, VState thisBr, VState otherBr) {
        if (src == null || jmp32) return false;
        int op = jmpOp(in.opcode());
        boolean dstPkt = (dst.type == PTR_TO_PACKET && src.type == PTR_TO_PACKET_END)
                || (dst.type == PTR_TO_PACKET_META && Branches.isInitPktPointer(src, PTR_TO_PACKET));
        boolean srcPkt = (dst.type == PTR_TO_PACKET_END && src.type == PTR_TO_PACKET)
                || (Branches.isInitPktPointer(dst, PTR_TO_PACKET) && src.type == PTR_TO_PACKET_META);
        if (!dstPkt && !srcPkt) return false;
        int d = in.dst(), s = in.src();
        switch (op) {
            case JMP_JGT -> {
                if (dstPkt) { findGoodPktPointers(thisBr, dst, dst.type, false); markPktEnd(otherBr, d, true); }
                else { findGoodPktPointers(otherBr, src, src.type, true); markPktEnd(thisBr, s, false); }
            }
            case JMP_JLT -> {
                if (dstPkt) { findGoodPktPointers(otherBr, dst, dst.type, true); markPktEnd(thisBr, d, false); }
                else { findGoodPktPointers(thisBr, src, src.type, false); markPktEnd(otherBr, s, true); }
            }
            case JMP_JGE -> {
                if (dstPkt) { findGoodPktPointers(thisBr, dst, dst.type, true); markPktEnd(otherBr, d, false); }
                else { findGoodPktPointers(otherBr, src, src.type, false); markPktEnd(thisBr, s, true); }
            }
            case JMP_JLE -> {
                if (dstPkt) { findGoodPktPointers(otherBr, dst, dst.type, false); markPktEnd(thisBr, d, true); }
                else { findGoodPktPointers(thisBr, src, src.type, true); markPktEnd(otherBr, s, false); }
            }
            default -> { return false; }
        }
        return true;
    }

    static void findGoodPktPointers(VState st, Reg dstReg, int type, boolean rangeRightOpen) {
        if (dstReg.off < 0 || (dstReg.off == 0 && rangeRightOpen)) return;
        if (Long.compareUnsigned(dstReg.umax, VerifierEnv.MAX_PACKET_OFF) > 0 || dstReg.umax + dstReg.off > VerifierEnv.MAX_PACKET_OFF) return;
        int newRange = dstReg.off + (rangeRightOpen ? 1 : 0);
        int id = dstReg.id;
        st.forEachReg(r -> {
            if (r.type == type && r.id == id) r.range = Math.max(r.range, newRange);
        });
    }

    static void markPktEnd(VState st, int regno, boolean rangeOpen) {
        Reg r = st.cur().regs[regno];
        if (r.type != PTR_TO_PACKET) return;
        r.range = rangeOpen ? VerifierEnv.BEYOND_PKT_END : VerifierEnv.AT_PKT_END;
    }
}

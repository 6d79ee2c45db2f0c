package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.SCALAR_VALUE;

import org.bpf4j.isa.Insn;
import org.bpf4j.verifier.VState.Frame;

/**
 * Scalar precision tracking, as kernel/bpf/verifier.c does it ({@code __mark_chain_precision},
 * {@code backtrack_insn}, {@code mark_all_scalars_precise}, {@code propagate_precision}). Scalars start
 * imprecise; when a decision depends on a scalar's exact value (a pointer offset, a helper's size or
 * constant argument, a branch decided by its bounds, a zero written to the stack), the instructions of
 * the current path are walked backwards through the instruction history to find every register and
 * stack slot the value came from, and those are marked precise in the checkpoint states of the path.
 * State pruning then compares only precise scalars: an imprecise one in an explored state matches any
 * scalar. Whenever backtracking meets what it cannot follow, every scalar of the path becomes precise,
 * which is always sound.
 */
final class Precision {
    /** What backtracking needs of the verifier. */
    interface Env {
        /** The instruction as the log prints it, e.g. {@code (bf) r0 = r4}. */
        String insnText(int idx);

        /** A frame's registers and stack as the log prints a whole state. */
        String frameState(Frame f);

        /** Whether the call at {@code idx} calls a global function (verified on its own). */
        boolean callsGlobal(int idx);
    }

    private static final int ARGS = 0x3e; // r1-r5

    private final Insn[] insns;
    private final Env env;
    private final StringBuilder log;
    private final int level;
    private final boolean enabled;
    /** The backtracking masks (struct backtrack_state): registers and stack slots per frame. */
    private final int[] regMasks = new int[VState.MAX_FRAMES];
    private final long[] stackMasks = new long[VState.MAX_FRAMES];
    private int frame;
    /** The history entry of the instruction being executed (cur_hist_ent): later pushes combine into it. */
    private InsnHistory current;
    /** The instruction executed before the current one on this path (env->prev_insn_idx). */
    private int arrivedFrom = -1;

    /** Precision is tracked for privileged loaders only; for others every scalar counts as precise. */
    Precision(Insn[] insns, Env env, StringBuilder log, int level, boolean privileged) {
        this.insns = insns;
        this.env = env;
        this.log = log;
        this.level = level;
        this.enabled = privileged;
    }

    // ---- history ---------------------------------------------------------------------------------------

    /** A new instruction starts, reached from {@code prevIdx}: its history entry, if any, is yet to be pushed. */
    void beginInsn(int prevIdx) {
        current = null;
        arrivedFrom = prevIdx;
    }

    /** push_insn_history: records the current instruction {@code idx} on {@code st}'s path. */
    void pushHistory(VState st, int idx, int flags, int[] linked) {
        if (current != null) {
            current.flags |= flags;
            current.linked = linked;
            return;
        }
        current = new InsnHistory(idx, arrivedFrom, flags, linked, st.hist);
        st.hist = current;
    }

    // ---- marking -----------------------------------------------------------------------------------------

    /** mark_chain_precision: {@code regno} of the current frame is relied upon at {@code insnIdx}. */
    void markReg(VState cur, int insnIdx, int regno) {
        if (!enabled || regno < 0 || cur.cur().regs[regno].type != SCALAR_VALUE) return;
        reset();
        frame = cur.curframe;
        regMasks[frame] |= 1 << regno;
        backtrack(cur, insnIdx);
    }

    /** The constant spilled in slot {@code spi} of frame {@code frameno} is relied upon at {@code insnIdx}. */
    void markSlot(VState cur, int insnIdx, int frameno, int spi) {
        if (!enabled) return;
        reset();
        frame = cur.curframe;
        stackMasks[frameno] |= 1L << spi;
        backtrack(cur, insnIdx);
    }

    /**
     * propagate_precision: {@code cur} was pruned at {@code insnIdx} because it is equivalent to {@code old};
     * what {@code old}'s continuation needed precise ({@code old}'s precise scalars among the live registers
     * {@code liveRegs[frame]} and its spilled slots, of the innermost frame only those in {@code liveSlots})
     * must be precise on the path that led to {@code cur} too.
     */
    void propagate(VState old, VState cur, int insnIdx, int[] liveRegs, long liveSlots) {
        if (!enabled) return;
        reset();
        for (int fr = old.curframe; fr >= 0; fr--) {
            Frame f = old.frames[fr];
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                Reg r = f.regs[i];
                if (r.type != SCALAR_VALUE || !r.precise || (liveRegs[fr] & (1 << i)) == 0) continue;
                line.append(line.isEmpty() ? "frame " + fr + ": propagating r" + i : ",r" + i);
                regMasks[fr] |= 1 << i;
            }
            for (int spi = 0; spi < f.spill.length; spi++) {
                if (!f.isSpilled(spi) || (fr == old.curframe && (liveSlots & (1L << spi)) == 0)) continue;
                Reg r = f.spill[spi];
                if (r.type != SCALAR_VALUE || !r.precise) continue;
                int off = -(spi + 1) * 8;
                line.append(line.isEmpty() ? "frame " + fr + ": propagating fp" + off : ",fp" + off);
                stackMasks[fr] |= 1L << spi;
            }
            // the kernel prints the list at level 2 only, but its newline at any level
            if (!line.isEmpty() && level > 0) log.append(level >= 2 ? line : "").append('\n');
        }
        frame = cur.curframe;
        backtrack(cur, insnIdx);
    }

    /** At a new checkpoint the path forgets inherited marks: they are re-derived when needed. */
    static void markAllScalarsImprecise(VState st) {
        for (int fr = 0; fr <= st.curframe; fr++) {
            Frame f = st.frames[fr];
            for (int i = 0; i < 10; i++) if (f.regs[i].type == SCALAR_VALUE) f.regs[i].precise = false;
            for (int spi = 0; spi < f.spill.length; spi++) {
                if (f.isSpilled(spi) && f.spill[spi].type == SCALAR_VALUE) f.spill[spi].precise = false;
            }
        }
    }

    // ---- backtracking ----------------------------------------------------------------------------------

    private void reset() {
        java.util.Arrays.fill(regMasks, 0);
        java.util.Arrays.fill(stackMasks, 0);
    }

    private boolean empty() {
        for (int i = 0; i <= frame; i++) if (regMasks[i] != 0 || stackMasks[i] != 0) return false;
        return true;
    }

    private boolean isReg(int r) { return (regMasks[frame] & (1 << r)) != 0; }

    private void setReg(int r) { regMasks[frame] |= 1 << r; }

    private void clearReg(int r) { regMasks[frame] &= ~(1 << r); }

    /** __mark_chain_precision: walks {@code cur}'s path back from {@code lastIdx} (not itself included). */
    private void backtrack(VState cur, int insnIdx) {
        if (empty()) return;
        VState st = cur;
        int firstIdx = st.firstInsnIdx, lastIdx = insnIdx, subseqIdx = -1;
        boolean skipFirst = true;
        for (;;) {
            InsnHistory start = st.histStart, end = st.hist;
            if (level >= 2) {
                log.append(String.format("mark_precise: frame%d: last_idx %d first_idx %d subseq_idx %d \n",
                        frame, lastIdx, firstIdx, subseqIdx));
            }
            if (lastIdx < 0) {
                // the entry of a global function, verified on its own: its arguments become precise
                Frame f0 = st.frames[0];
                if (st.curframe == 0 && f0.subprog > 0 && f0.callsite == -1 && stackMasks[0] == 0
                        && (regMasks[0] & ~ARGS) == 0) {
                    for (int i = 1; i <= 5; i++) {
                        if ((regMasks[0] & (1 << i)) != 0 && f0.regs[i].type == SCALAR_VALUE) f0.regs[i].precise = true;
                    }
                    reset();
                    return;
                }
                fallBack(cur);
                return;
            }
            for (int i = lastIdx;;) {
                if (skipFirst) {
                    skipFirst = false;
                } else {
                    InsnHistory h = end != start && end.idx == i ? end : null;
                    if (!backtrackInsn(i, subseqIdx, h)) {
                        fallBack(cur);
                        return;
                    }
                }
                if (empty()) return; // every value was found in this state, which need not be marked
                subseqIdx = i;
                // get_prev_insn_idx
                int cnt = InsnHistory.count(start, end);
                if (i == st.firstInsnIdx && (cnt == 0 || (cnt == 1 && end.idx == i))) break;
                if (cnt > 0 && end.idx == i) {
                    i = end.prevIdx;
                    end = end.prev;
                } else {
                    i--;
                }
                if (i < 0 || i >= insns.length) {
                    fallBack(cur);
                    return;
                }
            }
            st = st.parent;
            if (st == null) break;
            if (!markParent(st)) {
                fallBack(cur);
                return;
            }
            if (empty()) return;
            subseqIdx = firstIdx;
            lastIdx = st.lastInsnIdx;
            firstIdx = st.firstInsnIdx;
        }
        if (!empty()) fallBack(cur);
    }

    /** Marks the requested registers and slots precise in the checkpoint {@code st}; false on an inconsistency. */
    private boolean markParent(VState st) {
        for (int fr = frame; fr >= 0; fr--) {
            Frame f = st.frames[fr];
            if (f == null) return false;
            int regs = regMasks[fr];
            for (int i = 0; i < 11; i++) {
                if ((regs & (1 << i)) == 0) continue;
                Reg r = f.regs[i];
                if (r.type != SCALAR_VALUE || r.precise) regMasks[fr] &= ~(1 << i);
                else r.precise = true;
            }
            long slots = stackMasks[fr];
            for (int spi = 0; spi < 64; spi++) {
                if ((slots & (1L << spi)) == 0) continue;
                if (spi >= f.spill.length) return false;
                Reg r = f.spill[spi];
                if (!f.isSpilledScalar(spi) || r.precise) stackMasks[fr] &= ~(1L << spi);
                else r.precise = true;
            }
            if (level >= 2) {
                log.append(String.format("mark_precise: frame%d: parent state regs=%s stack=%s: %s\n", fr,
                        regList(regMasks[fr]), slotList(stackMasks[fr]), env.frameState(f)));
            }
        }
        return true;
    }

    /**
     * backtrack_insn: updates the masks across instruction {@code idx} (what needs precision before it,
     * given what needs it after); {@code subseqIdx} is the instruction executed after it on this path.
     * False where the kernel gives up (-ENOTSUPP) or finds its bookkeeping inconsistent.
     */
    private boolean backtrackInsn(int idx, int subseqIdx, InsnHistory hist) {
        Insn in = insns[idx];
        int code = in.opcode();
        if (code == 0) return true; // second half of ld_imm64
        if (level >= 2) {
            log.append(String.format("mark_precise: frame%d: regs=%s stack=%s before %d: %s\n", frame,
                    regList(regMasks[frame]), slotList(stackMasks[frame]), idx, env.insnText(idx)));
        }
        syncLinked(hist);
        int cls = insnClass(code), dreg = in.dst(), sreg = in.src();
        boolean atomic = cls == CLASS_STX && mode(code) == MODE_ATOMIC;
        boolean atomicLoad = atomic && ((in.imm() & ATOMIC_FETCH) != 0 || in.imm() == ATOMIC_LOAD_ACQ);
        if (cls == CLASS_ALU || cls == CLASS_ALU64) {
            if (!isReg(dreg)) return true;
            int op = aluOp(code);
            if (op == ALU_END || op == ALU_NEG) return true;
            if (op == ALU_MOV) {
                clearReg(dreg); // dreg = K needs nothing more; dreg = sreg needs sreg
                if (source(code) == SRC_X && sreg != 10) setReg(sreg);
            } else if (source(code) == SRC_X && sreg != 10) {
                setReg(sreg); // dreg op= sreg needs both
            }
        } else if (cls == CLASS_LDX || atomicLoad) {
            int loadReg = !atomic || in.imm() == ATOMIC_LOAD_ACQ ? dreg : in.imm() == ATOMIC_CMPXCHG ? 0 : sreg;
            if (!isReg(loadReg)) return true;
            clearReg(loadReg);
            // only a fill from the stack keeps a scalar's exact value: follow it into the slot
            if (hist == null || (hist.flags & InsnHistory.STACK_ACCESS) == 0) return true;
            stackMasks[InsnHistory.frameno(hist.flags)] |= 1L << InsnHistory.spi(hist.flags);
        } else if (cls == CLASS_STX || cls == CLASS_ST) {
            if (isReg(dreg)) return false; // a scalar used as the address: pointer arithmetic on scalars
            if (hist == null || (hist.flags & InsnHistory.STACK_ACCESS) == 0) return true;
            int fr = InsnHistory.frameno(hist.flags), spi = InsnHistory.spi(hist.flags);
            if ((stackMasks[fr] & (1L << spi)) == 0) return true;
            stackMasks[fr] &= ~(1L << spi);
            if (cls == CLASS_STX) setReg(sreg);
        } else if (cls == CLASS_JMP || cls == CLASS_JMP32) {
            int op = jmpOp(code);
            if (op == JMP_CALL && sreg == CALL_PSEUDO) {
                if (env.callsGlobal(idx)) {
                    if ((regMasks[frame] & ARGS) != 0) return false; // r1-r5 do not survive the call
                    clearReg(0); // a global function sets r0
                    return true;
                }
                // back at the call into a static function: only its arguments may still be wanted
                if ((regMasks[frame] & ~ARGS) != 0 || stackMasks[frame] != 0 || frame == 0) return false;
                for (int i = 1; i <= 5; i++) {
                    if (isReg(i)) {
                        clearReg(i);
                        regMasks[frame - 1] |= 1 << i;
                    }
                }
                frame--;
                return true;
            } else if (op == JMP_CALL) {
                // a helper returning into its own call is a callback loop, which is not followed
                if (subseqIdx != idx + 1) return false;
                clearReg(0);
                if ((regMasks[frame] & ARGS) != 0) return false;
            } else if (op == JMP_EXIT) {
                // backwards through a function's exit into its body (from the instruction after the call)
                boolean fromCall = subseqIdx - 1 >= 0 && isPseudoCall(subseqIdx - 1);
                boolean r0 = fromCall && isReg(0);
                if (fromCall && (regMasks[frame] & ARGS) != 0) return false;
                clearReg(0);
                if (frame == VState.MAX_FRAMES - 1) return false;
                frame++;
                if (r0) setReg(0);
                return true;
            } else if (source(code) == SRC_X && op != JMP_JA) {
                if (!isReg(dreg) && !isReg(sreg)) return true;
                // dreg <cond> sreg: both need precision, unless one was a stack pointer
                if (hist == null || (hist.flags & InsnHistory.SRC_REG_STACK) == 0) setReg(sreg);
                if (hist == null || (hist.flags & InsnHistory.DST_REG_STACK) == 0) setReg(dreg);
            }
        } else { // CLASS_LD
            if (mode(code) == MODE_IMM) {
                clearReg(dreg);
                return true;
            }
            return !isReg(dreg); // ld_abs/ld_ind: r0 comes from the packet
        }
        syncLinked(hist);
        return true;
    }

    private boolean isPseudoCall(int idx) {
        Insn in = insns[idx];
        return in.opcode() == (CLASS_JMP | JMP_CALL) && in.src() == CALL_PSEUDO;
    }

    /** bt_sync_linked_regs: scalars linked at a conditional jump are precise together. */
    private void syncLinked(InsnHistory hist) {
        if (hist == null || hist.linked == null) return;
        boolean some = false;
        for (int e : hist.linked) {
            int fr = InsnHistory.linkedFrame(e), i = InsnHistory.linkedIndex(e);
            if (InsnHistory.linkedIsReg(e) ? (regMasks[fr] & (1 << i)) != 0 : (stackMasks[fr] & (1L << i)) != 0) {
                some = true;
                break;
            }
        }
        if (!some) return;
        for (int e : hist.linked) {
            int fr = InsnHistory.linkedFrame(e), i = InsnHistory.linkedIndex(e);
            if (InsnHistory.linkedIsReg(e)) regMasks[fr] |= 1 << i;
            else stackMasks[fr] |= 1L << i;
        }
    }

    /** mark_all_scalars_precise: the conservative answer, for every checkpoint of {@code cur}'s path. */
    private void fallBack(VState cur) {
        if (level >= 2) {
            log.append(String.format("mark_precise: frame%d: falling back to forcing all scalars precise\n", cur.curframe));
        }
        // A checkpoint marked here had its ancestors marked in the same walk, and marks are never taken back:
        // stop at the first one, so that fall-backs along a long path (callback iterations) cost linear time.
        for (VState st = cur.parent; st != null && !st.allScalarsPrecise; st = st.parent) {
            st.allScalarsPrecise = true;
            for (int fr = 0; fr <= st.curframe; fr++) {
                Frame f = st.frames[fr];
                for (int i = 0; i < 10; i++) {
                    Reg r = f.regs[i];
                    if (r.type != SCALAR_VALUE || r.precise) continue;
                    r.precise = true;
                    if (level >= 2) log.append(String.format("force_precise: frame%d: forcing r%d to be precise\n", fr, i));
                }
                for (int spi = 0; spi < f.spill.length; spi++) {
                    if (!f.isSpilled(spi)) continue;
                    Reg r = f.spill[spi];
                    if (r.type != SCALAR_VALUE || r.precise) continue;
                    r.precise = true;
                    if (level >= 2) {
                        log.append(String.format("force_precise: frame%d: forcing fp%d to be precise\n", fr, -(spi + 1) * 8));
                    }
                }
            }
        }
        reset();
    }

    private static String regList(int mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) if ((mask & (1 << i)) != 0) sb.append(sb.isEmpty() ? "" : ",").append('r').append(i);
        return sb.toString();
    }

    private static String slotList(long mask) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 64; i++) if ((mask & (1L << i)) != 0) sb.append(sb.isEmpty() ? "" : ",").append(-(i + 1) * 8);
        return sb.toString();
    }
}

package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * State pruning (kernel/bpf/verifier.c): is_state_visited, states_equal with func_states_equal, regsafe,
 * stacksafe and check_ids, the loop bookkeeping (update_branch_counts, get_loop_entry, update_loop_entry,
 * states_maybe_looping) and widen_imprecise_scalars.
 */
final class StatePruning {
    private StatePruning() {}

    static final class Explored {
        final VState st;
        final long hash;
        int hit, miss;

        Explored(VState st, long hash) {
            this.st = st;
            this.hash = hash;
        }
    }

    /** A hash of the current frame's registers: identical registers have identical hashes. */
    static long regsHash(VState s) {
        Frame f = s.cur();
        long h = s.curframe;
        for (int i = 0; i < 11; i++) {
            Reg r = f.regs[i];
            h = h * 31 + r.type;
            h = h * 31 + r.off;
            h = h * 31 + r.tv;
            h = h * 31 + r.tm;
            h = h * 31 + r.umin;
            h = h * 31 + r.umax;
            h = h * 31 + r.smin;
            h = h * 31 + r.smax;
            h = h * 31 + r.id;
        }
        return h;
    }

    @SuppressWarnings("unchecked")
    static List<Explored>[] newExploredArray(int n) {
        return (List<Explored>[]) new List<?>[n];
    }

    static void updateBranchCounts(VerifierEnv env, VState st) {
        while (st != null) {
            int br = --st.branches;
            // a finished state that was part of a loop puts its parent in the loop too (update_branch_counts)
            if (br == 0 && st.parent != null && st.loopEntry != null) updateLoopEntry(st.parent, st.loopEntry);
            if (br > 0) break;
            st = st.parent;
        }
    }

    /** The outermost loop header {@code st} belongs to, with the chain shortened on the way (get_loop_entry). */
    static VState loopEntry(VState st) {
        VState top = st.loopEntry;
        while (top != null && top.loopEntry != null && top != top.loopEntry) top = top.loopEntry;
        while (st != null && st.loopEntry != top) {
            VState old = st.loopEntry;
            st.loopEntry = top;
            st = old;
        }
        return top;
    }

    /** {@code hdr} is a loop header {@code cur} is in, when hdr's loop is on the current DFS path (update_loop_entry). */
    static void updateLoopEntry(VState cur, VState hdr) {
        VState cur1 = loopEntry(cur), hdr1 = loopEntry(hdr);
        if (cur1 == null) cur1 = cur;
        if (hdr1 == null) hdr1 = hdr;
        if (hdr1.branches > 0 && hdr1.dfsDepth <= cur1.dfsDepth) cur.loopEntry = hdr;
    }

    static boolean isStateVisited(VerifierEnv env, int idx) {
        // a long history since the last checkpoint makes one too (the kernel's bound of 40 entries)
        boolean forceNew = env.opts.testStateFreq() || env.forceCheckpoint[idx] || InsnHistory.count(env.cur.histStart, env.cur.hist) > 40;
        boolean addNew = forceNew || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8);
        List<Explored> list = env.explored[idx];
        long curHash = list == null ? 0 : regsHash(env.cur);
        int statesCnt = 0;
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                Explored sl = list.get(i);
                statesCnt++;
                if (sl.st.branches > 0) {
                    // may_goto: another iteration within the ranges of an earlier one converges, the
                    // counter bounds the loop at run time (is_state_visited)
                    if (isMayGoto(env, idx) && sl.st.mayGotoDepth != env.cur.mayGotoDepth
                            && statesEqual(env, sl.st, env.cur, Exactness.RANGE_WITHIN, idx)) {
                        updateLoopEntry(env.cur, sl.st);
                        return hit(env, sl, idx);
                    }
                    if (env.callsCallback[idx]) {
                        // a callback returned to its call: a state within an earlier one ends the iteration
                        if (statesEqual(env, sl.st, env.cur, Exactness.RANGE_WITHIN, idx)) {
                            sl.hit++;
                            return true;
                        }
                    } else if (sl.hash == curHash && statesMaybeLooping(sl.st, env.cur) && statesEqual(env, sl.st, env.cur, Exactness.EXACT, idx)
                            && sl.st.mayGotoDepth == env.cur.mayGotoDepth
                            && sl.st.callbackUnrollDepth == env.cur.callbackUnrollDepth) {
                        List<String> lines = new ArrayList<>();
                        lines.add("infinite loop detected at insn " + idx);
                        lines.add("cur state:" + env.stateStr(env.cur.cur(), true));
                        lines.add("old state:" + env.stateStr(sl.st.frames[env.cur.curframe], true));
                        throw new VerifierEnv.Reject(idx, lines);
                    }
                    if (!forceNew && env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) {
                        addNew = false;
                    }
                } else {
                    // a state of a loop still being explored may lack precision marks: compare by ranges
                    VState entry = loopEntry(sl.st);
                    boolean forceExact = entry != null && entry.branches > 0;
                    if (statesEqual(env, sl.st, env.cur, forceExact ? Exactness.RANGE_WITHIN : Exactness.NOT_EXACT, idx)) {
                        if (forceExact) updateLoopEntry(env.cur, entry);
                        return hit(env, sl, idx);
                    }
                }
                // miss: a state that keeps missing is evicted (the kernel's heuristic)
                if (addNew) sl.miss++;
                int nfac = forceNew && sl.st.branches > 0 ? 64 : 3;
                if (sl.miss > sl.hit * nfac + nfac) {
                    list.remove(i);
                    i--;
                    if (sl.st.branches == 0) env.curStates--;
                }
            }
        }
        if (statesCnt > env.maxStatesPerInsn) env.maxStatesPerInsn = statesCnt;
        if (!addNew) return false;
        env.totalStates++;
        env.curStates++;
        if (env.curStates > env.peakStates) env.peakStates = env.curStates;
        env.prevJmpsProcessed = env.jmpsProcessed;
        env.prevInsnProcessed = env.insnProcessed;
        Precision.markAllScalarsImprecise(env.cur);
        VState nw = env.cur.copy();
        nw.insnIdx = idx;
        env.cur.parent = nw;
        env.cur.branches = 1;
        env.cur.firstInsnIdx = idx;
        env.cur.dfsDepth = nw.dfsDepth + 1;
        env.cur.histStart = env.cur.hist;
        if (list == null) env.explored[idx] = list = new ArrayList<>();
        list.addFirst(new Explored(nw, regsHash(nw))); // newest first, as the kernel links them
        return false;
    }

    /** cur is pruned by the explored state {@code sl}. */
    static boolean hit(VerifierEnv env, Explored sl, int idx) {
        sl.hit++;
        // what the explored continuation needed precise is needed on this path too
        if (env.jmpPoint[idx]) env.precision.pushHistory(env.cur, idx, 0, null);
        env.precision.propagate(sl.st, env.cur, idx, liveRegsOf(env, sl.st, idx), env.liveSlotsIn[idx]);
        return true;
    }

    static boolean isMayGoto(VerifierEnv env, int idx) {
        return env.insns[idx].opcode() == MAY_GOTO;
    }

    static boolean regsIdentical(Reg a, Reg b) {
        return a.type == b.type && a.off == b.off && a.tv == b.tv && a.tm == b.tm && a.smin == b.smin && a.smax == b.smax
                && a.umin == b.umin && a.umax == b.umax && a.s32min == b.s32min && a.s32max == b.s32max
                && a.u32min == b.u32min && a.u32max == b.u32max && a.id == b.id && a.refObjId == b.refObjId
                && a.range == b.range && a.mapIdx == b.mapIdx && a.memSize == b.memSize && a.subprog == b.subprog;
    }

    static boolean statesMaybeLooping(VState old, VState c) {
        if (old.curframe != c.curframe) return false;
        Frame fo = old.cur(), fc = c.cur();
        for (int i = 0; i < 11; i++) if (!regsIdentical(fo.regs[i], fc.regs[i])) return false;
        return true;
    }

    /** The id map of check_ids: old id -> cur id and back. */
    static final class IdMap {
        int[] olds = new int[16], curs = new int[16];
        int cnt;
        int tmpGen = Integer.MAX_VALUE / 2;

        boolean check(int oldId, int curId) {
            if ((oldId == 0) != (curId == 0)) return false;
            if (oldId == 0) return true;
            for (int i = 0; i < cnt; i++) {
                if (olds[i] == oldId) return curs[i] == curId;
                if (curs[i] == curId) return false;
            }
            if (cnt == olds.length) {
                olds = Arrays.copyOf(olds, cnt * 2);
                curs = Arrays.copyOf(curs, cnt * 2);
            }
            olds[cnt] = oldId;
            curs[cnt] = curId;
            cnt++;
            return true;
        }

        /**
         * check_scalar_ids: an unlinked old scalar relied on no relation; a linked one needs the same links in
         * cur, for its id and, when it is rY + k, for rY's id too.
         */
        boolean checkScalar(int oldId, int curId) {
            if (oldId == 0) return true;
            curId = curId != 0 ? curId : ++tmpGen;
            if (!check(oldId, curId)) return false;
            return (oldId & Reg.ADD_CONST) == 0 || check(oldId & ~Reg.ADD_CONST, curId & ~Reg.ADD_CONST);
        }
    }

    /** How equal two states must be (enum exact_level): pruning, callback convergence, infinite loops. */
    enum Exactness { NOT_EXACT, RANGE_WITHIN, EXACT }

    static boolean statesEqual(VerifierEnv env, VState old, VState c, Exactness exact, int idx) {
        if (old.curframe != c.curframe) return false;
        IdMap idmap = new IdMap();
        if (old.lockMap != c.lockMap || (old.lockId == 0) != (c.lockId == 0)) return false;
        if (old.lockId != 0 && !idmap.check(old.lockId, c.lockId)) return false;
        for (int i = 0; i <= old.curframe; i++) {
            if (old.frames[i].callsite != c.frames[i].callsite) return false;
            // the stack of a calling frame may be read through pointers by its callees: all of it is live
            long slots = i == old.curframe ? env.liveSlotsIn[idx] : -1L;
            if (!funcStatesEqual(env, old.frames[i], c.frames[i], idmap, exact, liveRegsAt(env, old, idx, i), slots)) return false;
        }
        if (old.refIds.length != c.refIds.length) return false;
        for (int i = 0; i < old.refIds.length; i++) if (!idmap.check(old.refIds[i], c.refIds[i])) return false;
        return true;
    }

    /** The registers live in {@code frame} of {@code st} at {@code idx}: callers keep r6-r9 (and r10) for after the call. */
    static int liveRegsAt(VerifierEnv env, VState st, int idx, int frame) {
        if (frame == st.curframe) return env.liveIn[idx];
        int ret = st.frames[frame + 1].callsite + 1;
        return (ret < env.n ? (env.liveIn[ret] & 0x7c0) : 0) | 1 << 10;
    }

    /** {@link #liveRegsAt} for every frame of {@code st}. */
    static int[] liveRegsOf(VerifierEnv env, VState st, int idx) {
        int[] live = new int[st.curframe + 1];
        for (int i = 0; i <= st.curframe; i++) live[i] = liveRegsAt(env, st, idx, i);
        return live;
    }

    static boolean funcStatesEqual(VerifierEnv env, Frame old, Frame c, IdMap idmap, Exactness exact, int live, long liveSlots) {
        if (old.callbackDepth > c.callbackDepth) return false;
        for (int i = 0; i < 11; i++) {
            if (exact != Exactness.EXACT && (live & (1 << i)) == 0) continue;
            if (!regsafe(env, old.regs[i], c.regs[i], idmap, exact)) return false;
        }
        return stacksafe(env, old, c, idmap, exact, liveSlots);
    }

    static boolean rangeWithin(Reg o, Reg c) {
        return Reg.ule(o.umin, c.umin) && Reg.ule(c.umax, o.umax) && o.smin <= c.smin && c.smax <= o.smax
                && o.u32min <= c.u32min && c.u32max <= o.u32max && o.s32min <= c.s32min && c.s32max <= o.s32max;
    }

    static boolean tnumIn(Reg o, Reg c) {
        return new Tnum(o.tv, o.tm).includes(new Tnum(c.tv, c.tm));
    }

    static boolean regsExact(Reg o, Reg c, IdMap idmap) {
        return o.type == c.type && o.off == c.off && o.tv == c.tv && o.tm == c.tm && o.smin == c.smin && o.smax == c.smax
                && o.umin == c.umin && o.umax == c.umax && o.s32min == c.s32min && o.s32max == c.s32max
                && o.u32min == c.u32min && o.u32max == c.u32max && o.range == c.range && o.mapIdx == c.mapIdx
                && o.memSize == c.memSize && o.subprog == c.subprog && o.frameno == c.frameno
                && idmap.check(o.id, c.id) && idmap.check(o.refObjId, c.refObjId);
    }

    static boolean regsafe(VerifierEnv env, Reg o, Reg c, IdMap idmap, Exactness exact) {
        if (o.type == NOT_INIT) {
            if (exact != Exactness.EXACT || c.type == NOT_INIT) return true;
        }
        if (exact == Exactness.EXACT) return regsExact(o, c, idmap);
        if (o.type != c.type) return false;
        switch (base(o.type)) {
            case SCALAR_VALUE:
                // the explored path never relied on an imprecise scalar's value: any scalar will do
                // (unprivileged loaders do not track precision: every scalar counts as precise)
                // (RANGE_WITHIN, where a callback returns to its call: every scalar by its range, as the kernel)
                if (!o.precise && env.opts.privileged() && exact == Exactness.NOT_EXACT) return true;
                // linked as rY + k in one state and not in the other, or with another k: different relations
                if ((o.id & Reg.ADD_CONST) != 0 && ((c.id & Reg.ADD_CONST) == 0 || o.off != c.off)) return false;
                if (o.id != 0 && (o.id & Reg.ADD_CONST) == 0 && (c.id & Reg.ADD_CONST) != 0) return false;
                return idmap.checkScalar(o.id, c.id) && rangeWithin(o, c) && tnumIn(o, c);
            case PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, PTR_TO_MEM, PTR_TO_BUF, PTR_TO_TP_BUFFER:
                return o.off == c.off && o.mapIdx == c.mapIdx && o.memSize == c.memSize && o.range == c.range
                        && rangeWithin(o, c) && tnumIn(o, c) && idmap.check(o.id, c.id) && idmap.check(o.refObjId, c.refObjId);
            case PTR_TO_PACKET_META, PTR_TO_PACKET:
                if (o.range > c.range) return false;
                if (o.off != c.off) return false;
                if (!idmap.check(o.id, c.id)) return false;
                return rangeWithin(o, c) && tnumIn(o, c);
            case PTR_TO_STACK:
                return regsExact(o, c, idmap) && o.frameno == c.frameno;
            default:
                return regsExact(o, c, idmap);
        }
    }

    static final Reg UNKNOWN_SCALAR = unknownScalar();

    static Reg unknownScalar() {
        Reg r = new Reg();
        r.markUnknown();
        return r;
    }

    static Reg scalarRegForStack(Frame f, int spi) {
        if (f.isSpilledScalar(spi)) {
            boolean all = true;
            for (int j = 0; j < 8; j++) if (f.slot(spi, j) != STACK_SPILL) { all = false; break; }
            if (all) return f.spill[spi];
        }
        for (int j = 0; j < 8; j++) {
            byte t = f.slot(spi, j);
            if (t != STACK_MISC && t != STACK_INVALID) return null;
        }
        boolean anyMisc = false;
        for (int j = 0; j < 8; j++) if (f.slot(spi, j) == STACK_MISC) anyMisc = true;
        return anyMisc ? UNKNOWN_SCALAR : null;
    }

    static boolean stacksafe(VerifierEnv env, Frame old, Frame c, IdMap idmap, Exactness exact, long liveSlots) {
        int alloc = old.allocated();
        for (int i = 0; i < alloc; i++) {
            int spi = i / 8, j = i % 8;
            byte ot = old.slot(spi, j);
            if (exact == Exactness.EXACT && (i >= c.allocated() || ot != c.slot(spi, j))) return false;
            if (exact != Exactness.EXACT && (liveSlots & (1L << spi)) == 0) { // no continuation reads it
                i += 7 - j;
                continue;
            }
            if (ot == STACK_INVALID) continue;
            if (exact != Exactness.EXACT && ot == STACK_MISC) continue; // allow_uninit_stack (privileged): MISC matches anything
            if (i >= c.allocated()) return false;
            Reg oreg = scalarRegForStack(old, spi), creg = scalarRegForStack(c, spi);
            if (oreg != null && creg != null) {
                if (!regsafe(env, oreg, creg, idmap, exact)) return false;
                i += 7 - j;
                continue;
            }
            byte ct = c.slot(spi, j);
            if (ot != ct) return false;
            if (j != 7) continue;
            if (ot == STACK_SPILL && !regsafe(env, old.spill[spi], c.spill[spi], idmap, exact)) return false;
        }
        return true;
    }

    /**
     * widen_imprecise_scalars: at a callback's return, the scalars that differ from the ones of the previous
     * visit of the call on this path become unknown, so that iterations converge. Scalars marked precise keep
     * their values; here bpf4j keeps the context slots CallbackPrecision finds the kernel may keep precise,
     * rather than reading {@link Precision}'s marks, and widens the rest (a difference docs/verifier.md names).
     */
    static void widenAtCallbackReturn(VerifierEnv env, int callsite) {
        List<Explored> list = env.explored[callsite];
        VState prev = null;
        for (int i = list == null ? -1 : list.size() - 1; i >= 0 && prev == null; i--) {
            VState st = list.get(i).st;
            if (st.branches > 0 && sameCallsites(st, env.cur)) prev = st;
        }
        if (prev == null) return;
        // the callback's context: the caller's R3 at the call (bpf_loop, for_each_map_elem, user_ringbuf_drain)
        Reg fn = env.cur.cur().regs[2], ctx = env.cur.cur().regs[3];
        if (fn.type != PTR_TO_FUNC || (ctx.type == PTR_TO_STACK && !ctx.isConst())) return;
        int helper = env.insns[callsite].imm();
        int sp = fn.subprog;
        CallbackPrecision.Result keep = env.callbackPrecision.computeIfAbsent((long) sp << 16 | helper,
                k -> CallbackPrecision.analyze(env.opts.helpers(), env.insns, env.subprogStarts, env.subprogStarts[sp], env.subprogEnd(sp), helper));
        widenImpreciseScalars(prev, env.cur, slot -> slot.frame() == (ctx.type == PTR_TO_STACK ? ctx.frameno : -1)
                && preciseSlot(keep, slot.spi(), ctx.off + ctx.tv));
    }

    /** A stack slot of a frame. */
    record StackSlot(int frame, int spi) {}

    /**
     * widen_imprecise_scalars: the scalars of {@code c} that differ from those of the earlier visit {@code prev}
     * and are not precise become unknown, but for the stack slots {@code kept} names.
     */
    static void widenImpreciseScalars(VState prev, VState c, java.util.function.Predicate<StackSlot> kept) {
        IdMap idmap = new IdMap();
        for (int fr = prev.curframe; fr >= 0; fr--) {
            Frame fo = prev.frames[fr], fc = c.frames[fr];
            for (int i = 0; i < 11; i++) maybeWidenReg(fo.regs[i], fc.regs[i], idmap);
            int slots = Math.min(fo.spill.length, fc.spill.length);
            for (int spi = 0; spi < slots; spi++) {
                if (kept.test(new StackSlot(fr, spi))) continue;
                if (fo.isSpilled(spi) && fc.isSpilled(spi)) maybeWidenReg(fo.spill[spi], fc.spill[spi], idmap);
            }
        }
    }

    /**
     * find_prev_entry: the newest checkpoint at {@code idx} still on the DFS path of {@code st} (an earlier
     * iteration of the loop {@code st} is in), or null.
     */
    static VState findPrevEntry(VerifierEnv env, VState st, int idx) {
        if (st == null || env.explored[idx] == null) return null;
        for (Explored sl : env.explored[idx]) {
            VState old = sl.st;
            if (old.insnIdx == idx && old.branches > 0 && sameCallsites(old, st) && old.dfsDepth < st.dfsDepth) return old;
        }
        return null;
    }

    /** Whether a byte of stack slot {@code spi} is a precise byte of a context at frame offset {@code ctxBase}. */
    static boolean preciseSlot(CallbackPrecision.Result keep, int spi, long ctxBase) {
        for (int b = 0; b < 8; b++) {
            long o = -(spi + 1) * 8L + b - ctxBase;
            if (o == (int) o && keep.precise((int) o)) return true;
        }
        return false;
    }

    static boolean sameCallsites(VState a, VState b) {
        if (a.curframe != b.curframe) return false;
        for (int fr = a.curframe; fr >= 0; fr--) if (a.frames[fr].callsite != b.frames[fr].callsite) return false;
        return true;
    }

    static void maybeWidenReg(Reg old, Reg c, IdMap idmap) {
        if (old.type != SCALAR_VALUE || c.type != SCALAR_VALUE) return;
        if (old.precise || c.precise || regsExact(old, c, idmap)) return;
        c.markUnknown();
    }
}

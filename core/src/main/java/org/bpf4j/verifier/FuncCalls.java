package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bpf4j.isa.Insn;

/**
 * Calls of subprograms and leaving them (kernel/bpf/verifier.c): check_func_call with global subprograms
 * (btf_check_subprog_call), push_callback_call, prepare_func_exit and process_bpf_exit, check_return_code
 * and check_resource_leak, and the verification of global subprograms (do_check_subprogs).
 */
final class FuncCalls {
    private FuncCalls() {}

    /**
     * do_check_subprogs: every global function a verified path called is verified on its own, from its
     * prototype, until no new one is called (global functions called only from dead code are not).
     */
    static void checkGlobalSubprogs(VerifierEnv env) {
        boolean again = true;
        while (again) {
            again = false;
            for (int sp = 1; sp < env.subprogStarts.length; sp++) {
                if (!env.globalCalled[sp] || env.globalVerified[sp]) continue;
                BtfFunc g = env.btfFuncs.get(env.subprogStarts[sp]);
                env.logln("Validating " + g.name() + "() func#" + sp + "...");
                env.rootSubprog = sp;
                Verifier.doCheck(env, globalInitialState(env, g, sp), env.subprogStarts[sp]);
                env.logln("Func#" + sp + " ('" + g.name() + "') is safe for any args that match its prototype");
                env.globalVerified[sp] = true;
                again = true;
            }
        }
        env.rootSubprog = 0;
    }

    static VState globalInitialState(VerifierEnv env, BtfFunc g, int sp) {
        VState s = Verifier.initialState(env);
        Frame f = s.frames[0];
        f.subprog = sp;
        f.regs[1].markNotInit();
        for (int i = 0; i < g.args().size(); i++) {
            BtfFunc.Arg a = g.args().get(i);
            Reg r = f.regs[i + 1];
            switch (a.kind()) {
                case BtfFunc.ARG_CTX -> r.markKnownZeroPtr(PTR_TO_CTX);
                case BtfFunc.ARG_MEM -> {
                    r.markKnownZeroPtr(PTR_TO_MEM | (a.nullable() ? PTR_MAYBE_NULL : 0));
                    r.memSize = (int) a.memSize();
                    r.id = ++env.idGen;
                }
                default -> r.markUnknown();
            }
        }
        return s;
    }


    static int processExit(VerifierEnv env) {
        if (env.cur.curframe == 0) {
            updateStackDepth(env, env.cur.cur());
            checkResourceLeak(env, "BPF_EXIT instruction in main prog");
            Frame f = env.cur.cur();
            if (f.inAsyncCallback) {
                Verifier.checkRegArg(env, 0, Verifier.SRC_OP);
                if (!env.opts.privileged() && env.reg(0).isPointer()) throw env.fail(env.insnIdx, "R0 leaks addr as return value");
                enforceRetval(env, "At async callback return", f.callbackRetMin, f.callbackRetMax);
                return Verifier.STEP_PATH_DONE;
            }
            if (env.rootSubprog != 0) {
                // a global function returns a scalar (check_return_code for a subprogram)
                Verifier.checkRegArg(env, 0, Verifier.SRC_OP);
                Reg r0 = env.reg(0);
                if (!env.opts.privileged() && r0.isPointer()) throw env.fail(env.insnIdx, "R0 leaks addr as return value");
                if (r0.type != SCALAR_VALUE) {
                    throw env.fail(env.insnIdx, "At subprogram exit the register R0 is not a scalar value (%s)", RegType.str(r0.type));
                }
                return Verifier.STEP_PATH_DONE;
            }
            checkReturnCode(env);
            return Verifier.STEP_PATH_DONE;
        }
        // prepare_func_exit: R0 need not be set (the caller gets it uninitialized)
        Frame callee = env.cur.cur();
        Reg r0 = callee.regs[0];
        if (r0.type == PTR_TO_STACK) throw env.fail(env.insnIdx, "cannot return stack pointer to the caller");
        Frame caller = env.cur.frames[env.cur.curframe - 1];
        if (callee.inCallback) {
            if (r0.type != SCALAR_VALUE) throw env.fail(env.insnIdx, "R0 not a scalar value");
            env.markPrecise(0); // prepare_func_exit: the range check relies on its bounds, also in pruned paths
            if (r0.smin < callee.callbackRetMin || r0.smax > callee.callbackRetMax) {
                throw invalidScalar(env, "At callback return", r0, callee.callbackRetMin, callee.callbackRetMax);
            }
        } else {
            caller.regs[0].set(r0);
        }
        updateStackDepth(env, callee);
        env.cur.frames[env.cur.curframe] = null;
        env.cur.curframe--;
        // a callback returns to the helper call, which calls it again until the states converge
        env.insnIdx = callee.inCallback ? callee.callsite : callee.callsite + 1;
        if (callee.inCallback) StatePruning.widenAtCallbackReturn(env, env.insnIdx);
        env.scratchAll();
        return Verifier.STEP_FRAME_EXIT;
    }

    /**
     * check_resource_leak: before an instruction that ends the program (exit of the main program, a tail call,
     * an LD_ABS/IND that may abort it) no lock may be held, and in the main program's frame no reference
     * (check_reference_leak: a subprogram's references are its caller's to release).
     */
    static void checkResourceLeak(VerifierEnv env, String what) {
        if (env.cur.lockMap >= 0) throw env.fail(env.insnIdx, "%s cannot be used inside bpf_spin_lock-ed region", what);
        if (env.cur.curframe == 0 && env.cur.refIds.length > 0) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < env.cur.refIds.length; i++) {
                lines.add("Unreleased reference id=" + env.cur.refIds[i] + " alloc_insn=" + env.cur.refInsns[i]);
            }
            lines.add(what + " would lead to reference leak");
            throw new VerifierEnv.Reject(env.insnIdx, lines);
        }
    }

    static void checkReturnCode(VerifierEnv env) {
        Verifier.checkRegArg(env, 0, Verifier.SRC_OP);
        Reg r0 = env.reg(0);
        if (!env.opts.privileged() && r0.isPointer()) throw env.fail(env.insnIdx, "R0 leaks addr as return value");
        VerifierOps.RetvalRange range = VerifierOps.returnRange(env.ptype, env.opts.expectedAttachType());
        if (range != null) enforceRetval(env, "At program exit", range.min(), range.max());
    }

    /** R0 must be a scalar within [min, max] (64-bit) at this exit. */
    static void enforceRetval(VerifierEnv env, String where, long min, long max) {
        Reg r0 = env.reg(0);
        if (r0.type != SCALAR_VALUE) throw env.fail(env.insnIdx, "%s the register R0 is not a known value (%s)", where, RegType.str(r0.type));
        env.markPrecise(0); // the range check relies on its bounds
        if (r0.smin < min || r0.smax > max) throw invalidScalar(env, where, r0, min, max);
    }

    /** verbose_invalid_scalar. */
    static VerifierEnv.Reject invalidScalar(VerifierEnv env, String where, Reg r, long min, long max) {
        StringBuilder sb = new StringBuilder(where).append(" the register R0 has");
        boolean unknown = true;
        if (r.smin > Long.MIN_VALUE) { sb.append(" smin=").append(r.smin); unknown = false; }
        if (r.smax < Long.MAX_VALUE) { sb.append(" smax=").append(r.smax); unknown = false; }
        if (unknown) sb.append(" unknown scalar value");
        sb.append(" should have been in [").append(min).append(", ").append(max).append(']');
        return new VerifierEnv.Reject(env.insnIdx, List.of(sb.toString()));
    }

    static void updateStackDepth(VerifierEnv env, Frame f) {
        int sp = f.subprog;
        env.stackDepth[sp] = Math.max(env.stackDepth[sp], f.allocated());
    }

    static void checkFuncCall(VerifierEnv env, Insn in) {
        if (env.cur.curframe + 1 >= MAX_FRAMES) {
            throw env.fail(env.insnIdx, "the call stack of %d frames is too deep", env.cur.curframe + 2);
        }
        int target = env.insnIdx + in.imm() + 1;
        int sp = Arrays.binarySearch(env.subprogStarts, target);
        if (sp < 0) throw env.fail(env.insnIdx, "verifier bug. No program starts at insn %d", target);
        BtfFunc g = env.btfFuncs.get(target);
        if (g != null && g.global()) {
            callGlobal(env, g, sp);
            return;
        }
        Frame caller = env.cur.cur();
        Frame callee = Callbacks.newFrame(env.insnIdx, env.cur.curframe + 1, sp);
        for (int i = 1; i <= 5; i++) callee.regs[i].set(caller.regs[i]);
        for (int i = 0; i <= 5; i++) {
            caller.regs[i].markNotInit();
        }
        updateStackDepth(env, caller);
        env.cur.curframe++;
        env.cur.frames[env.cur.curframe] = callee;
        env.scratchAll();
        env.insnIdx = target;
    }

    /**
     * A call of a global function (check_func_call): the arguments are checked against its prototype
     * (btf_check_func_arg_match), the callee is assumed valid and verified later on its own; R0 becomes an
     * unknown scalar.
     */
    static void callGlobal(VerifierEnv env, BtfFunc g, int sp) {
        if (env.cur.lockMap >= 0) {
            throw env.fail2(env.insnIdx, "global function calls are not allowed while holding a lock,", "use static function instead");
        }
        if (g.problem() != null) throw env.unsupported(env.insnIdx, "global function " + g.name() + "(): " + g.problem());
        Frame caller = env.cur.cur();
        try {
            for (int i = 0; i < g.args().size(); i++) {
                BtfFunc.Arg a = g.args().get(i);
                int regno = i + 1;
                Reg r = env.reg(regno);
                env.scratchReg(regno);
                switch (a.kind()) {
                    case BtfFunc.ARG_SCALAR -> {
                        if (r.type != SCALAR_VALUE) throw env.fail(env.insnIdx, "R%d is not a scalar", regno);
                    }
                    case BtfFunc.ARG_CTX -> {
                        if (r.type == PTR_TO_CTX) MemoryAccess.checkPtrOffReg(env, r, regno, false);
                        else throw env.fail(env.insnIdx, "arg#%d expects pointer to ctx", i);
                    }
                    default -> {
                        checkMemReg(env, regno, (int) a.memSize());
                        if (!a.nullable() && mayBeNull(r.type)) throw env.fail(env.insnIdx, "arg#%d is expected to be non-NULL", i);
                    }
                }
            }
        } catch (VerifierEnv.Reject e) {
            List<String> lines = new ArrayList<>(e.lines);
            lines.add(String.format("Caller passes invalid args into func#%d ('%s')", sp, g.name()));
            throw new VerifierEnv.Reject(e.insn, lines);
        }
        env.logln(String.format("Func#%d ('%s') is global and assumed valid.", sp, g.name()));
        if (ControlFlow.subprogChangesPktData(env, sp)) HelperCalls.clearAllPktPointers(env);
        env.globalCalled[sp] = true;
        for (int i = 0; i <= 5; i++) {
            caller.regs[i].markNotInit();
            env.scratchReg(i);
        }
        caller.regs[0].markUnknown();
        env.insnIdx++;
    }

    /** check_mem_reg: a (maybe NULL) pointer to memory of {@code size} bytes, read and written. */
    static void checkMemReg(VerifierEnv env, int regno, int size) {
        Reg r = env.reg(regno);
        if (r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) return;
        Reg saved = null;
        if (mayBeNull(r.type)) {
            saved = r.copy();
            r.type &= ~PTR_MAYBE_NULL;
        }
        try {
            HelperCalls.checkHelperMemAccess(env, regno, size, false, true, null);
            HelperCalls.checkHelperMemAccess(env, regno, size, true, true, null);
        } finally {
            if (saved != null) r.set(saved);
        }
    }

    /**
     * push_callback_call: the callback's body is explored from a copy of the state at the call, in a new frame
     * whose exit returns to the call (so that the call repeats until the states converge); the current path
     * goes on past the call. A timer's callback runs later: it is explored from a fresh state of its own.
     */
    static void pushCallbackCall(VerifierEnv env, int id, HelperCalls.ArgMeta meta) {
        int sp = meta.callbackSubprog;
        env.callbacks[sp] = true;
        if (id == Callbacks.LOOP && Long.compareUnsigned(env.cur.cur().callbackDepth, env.reg(1).umax) >= 0) {
            env.cur.cur().callbackDepth = 0;
            if (env.level >= 2) env.logln("frame" + env.cur.curframe + " bpf_loop iteration limit reached");
            return;
        }
        if (env.opts.helpers().registersCallback(id)) {
            VState st = new VState();
            Frame callee = Callbacks.newFrame(-1, 0, sp);
            Callbacks.setCalleeState(id, env.cur.cur(), callee, 0);
            st.frames[0] = callee;
            env.asyncCallbacks[sp] = true;
            env.pending.addLast(new Verifier.Pending(st, env.subprogStarts[sp], env.insnIdx));
            if (env.pending.size() > VerifierEnv.COMPLEXITY_LIMIT_JMP_SEQ) {
                throw env.fail(env.insnIdx, "The sequence of %d jumps is too complex for async cb.", env.pending.size());
            }
            return;
        }
        VState st = Verifier.pushStack(env, env.subprogStarts[sp], env.insnIdx);
        if (st.curframe + 1 >= MAX_FRAMES) throw env.fail(env.insnIdx, "the call stack of %d frames is too deep", st.curframe + 2);
        if (id == Callbacks.FOR_EACH_MAP_ELEM && !Callbacks.iterable(env.maps.get(meta.mapIdx).type())) {
            throw env.fail(env.insnIdx, "callback function not allowed for map");
        }
        Frame caller = st.cur();
        Frame callee = Callbacks.newFrame(env.insnIdx, st.curframe + 1, sp);
        Callbacks.setCalleeState(id, caller, callee, id == Callbacks.USER_RINGBUF_DRAIN ? ++env.idGen : 0);
        st.curframe++;
        st.frames[st.curframe] = callee;
        st.callbackUnrollDepth++;
        caller.callbackDepth++;
        env.cur.cur().callbackDepth = 0;
    }
}

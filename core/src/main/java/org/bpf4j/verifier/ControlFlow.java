package org.bpf4j.verifier;

import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.Arrays;
import org.bpf4j.isa.Insn;

/**
 * Control flow before exploration (kernel/bpf/verifier.c): add_subprog and check_subprogs, check_cfg with
 * visit_insn/push_insn (prune points, jump points, mark_jmp_point), mark_fastcall_patterns and
 * remove_fastcall_spills_fills, check_max_stack_depth, and the checks on what the program may contain.
 */
final class ControlFlow {
    private ControlFlow() {}

    static void addSubprogs(VerifierEnv env) {
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>();
        starts.add(0);
        int last = 0; // the instruction the loop ended at, where "too many subprograms" is reported
        for (int i = 0; i < env.n; i++) {
            last = i;
            Insn in = env.insns[i];
            if (in.opcode() == CALL && in.src() == CALL_PSEUDO) {
                long t = (long) i + in.imm() + 1;
                if (t < 0 || t >= env.n) throw env.fail(i, "call to invalid destination");
                starts.add((int) t);
            } else if (in.opcode() == CALL && in.src() == CALL_KFUNC) {
                throw env.unsupported(i, "kfunc calls are not modelled");
            } else if (in.opcode() == LDDW && in.src() == PSEUDO_FUNC) {
                long t = (long) i + in.imm() + 1;
                if (t < 0 || t >= env.n) throw env.fail(i, "call to invalid destination");
                starts.add((int) t);
            }
            if (in.opcode() == LDDW) i++;
        }
        if (starts.size() > 256) throw env.fail(last, "too many subprograms");
        env.subprogStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static void checkSubprogs(VerifierEnv env) {
        int sp = 0;
        int start = 0, end = env.subprogEnd(0);
        for (int i = 0; i < env.n; i++) {
            int code = env.insns[i].opcode();
            int cls = insnClass(code);
            if ((cls == CLASS_JMP || cls == CLASS_JMP32) && jmpOp(code) != JMP_EXIT && jmpOp(code) != JMP_CALL) {
                long off = code == JA32 ? (long) i + env.insns[i].imm() + 1 : (long) i + env.insns[i].off() + 1;
                if (off < start || off >= end) throw env.fail(i, "jump out of range from insn %d to %d", i, off);
            }
            if (i == end - 1) {
                if (code != EXIT && code != JA32 && code != JA) throw env.fail(i, "last insn is not an exit or jmp");
                start = end;
                sp++;
                if (sp < env.subprogStarts.length) end = env.subprogEnd(sp);
            }
        }
    }

    /**
     * A subprogram with LD_ABS/LD_IND or a tail call may end the program early: without BTF only the main
     * program may (check_abnormal_return), with BTF only a function that returns an int (check_btf_func).
     */
    static void checkAbnormalReturn(VerifierEnv env) {
        for (int sp = 1; sp < env.subprogStarts.length; sp++) {
            boolean ldAbs = false, tailCall = false;
            for (int i = env.subprogStarts[sp]; i < env.subprogEnd(sp); i++) {
                ldAbs |= isLdAbs(env, i);
                tailCall |= env.insns[i].opcode() == CALL && env.insns[i].src() == CALL_HELPER && env.insns[i].imm() == KernelHelper.TAIL_CALL.id();
            }
            if (!ldAbs && !tailCall) continue;
            if (env.btfFuncs.isEmpty()) {
                throw env.fail(-1, ldAbs ? "LD_ABS is not allowed in subprogs without BTF" : "tail_call is not allowed in subprogs without BTF");
            }
            BtfFunc f = env.btfFuncs.get(env.subprogStarts[sp]);
            if (f != null && !f.scalarReturn()) {
                throw env.fail(-1, ldAbs ? "LD_ABS is only allowed in functions that return 'int'."
                        : "tail_call is only allowed in functions that return 'int'.");
            }
        }
    }

    static boolean isLdAbs(VerifierEnv env, int i) {
        int code = env.insns[i].opcode();
        return insnClass(code) == CLASS_LD && (mode(code) == MODE_ABS || mode(code) == MODE_IND);
    }

    static void checkCfg(VerifierEnv env) {
        env.prunePoint = new boolean[env.n];
        env.forceCheckpoint = new boolean[env.n];
        env.callsCallback = new boolean[env.n];
        env.jmpPoint = new boolean[env.n];
        byte[] state = new byte[env.n]; // 0 new, 1 discovered, 2 explored
        int[] stack = new int[env.n + 1];
        int[] edge = new int[env.n]; // next edge to visit per insn
        int sp = 0;
        stack[sp++] = 0;
        state[0] = 1;
        while (sp > 0) {
            int t = stack[sp - 1];
            int[] succ = successors(env, t);
            if (edge[t] < succ.length) {
                int w = succ[edge[t]++];
                if (w < 0 || w >= env.n) throw env.fail(t, "jump out of range from insn %d to %d", t, w);
                if (state[w] == 0) {
                    state[w] = 1;
                    stack[sp++] = w;
                } else if (state[w] == 1) {
                    if (!env.opts.privileged()) throw env.fail(t, "back-edge from insn %d to %d", t, w);
                }
            } else {
                state[t] = 2;
                sp--;
            }
        }
        for (int i = 0; i < env.n; i++) {
            if (state[i] != 2) throw env.fail(i, "unreachable insn %d", i);
            if (env.isLdImm64(i)) {
                if (i + 1 < env.n && state[i + 1] != 0) throw env.fail(i, "jump into the middle of ldimm64 insn %d", i);
                i++;
            }
        }
    }

    /**
     * A target reached by a jump or call (push_insn's BRANCH edge, or after a call): a prune point, and a
     * jump point whose arrival the path history records.
     */
    static void markJumpTarget(VerifierEnv env, int w) {
        if (w >= 0 && w < env.n) {
            env.prunePoint[w] = true;
            env.jmpPoint[w] = true;
        }
    }

    /** Successors in the control-flow graph (also marks prune and jump points as visit_insn does). */
    static int[] successors(VerifierEnv env, int t) {
        Insn in = env.insns[t];
        int code = in.opcode();
        int cls = insnClass(code);
        if (code == LDDW && in.src() == PSEUDO_FUNC) {
            // visit_func_call_insn: a function whose address is taken (a callback) is reachable from here
            env.prunePoint[t] = true;
            markJumpTarget(env, Math.min(t + 2, env.n - 1));
            markJumpTarget(env, t + in.imm() + 1);
            return new int[] {t + 2, t + in.imm() + 1};
        }
        if (cls != CLASS_JMP && cls != CLASS_JMP32) {
            return new int[] {t + (code == LDDW ? 2 : 1)};
        }
        int op = jmpOp(code);
        if (op == JMP_EXIT) return new int[0];
        if (op == JMP_CALL) {
            markJumpTarget(env, Math.min(t + 1, env.n - 1));
            if (in.src() == CALL_HELPER && env.opts.helpers().callsCallback(in.imm())) {
                env.callsCallback[t] = true;
                env.forceCheckpoint[t] = true;
                env.prunePoint[t] = true;
                env.jmpPoint[t] = true;
            } else if (in.src() == CALL_HELPER && env.opts.helpers().registersCallback(in.imm())) {
                env.prunePoint[t] = true;
            }
            if (in.src() == CALL_PSEUDO) {
                env.prunePoint[t] = true;
                markJumpTarget(env, t + in.imm() + 1);
                return new int[] {t + 1, t + in.imm() + 1};
            }
            return new int[] {t + 1};
        }
        if (op == JMP_JA) {
            int w = code == JA32 ? t + in.imm() + 1 : t + in.off() + 1;
            markJumpTarget(env, w);
            return new int[] {w};
        }
        env.prunePoint[t] = true;
        if (code == MAY_GOTO) env.forceCheckpoint[t] = true;
        markJumpTarget(env, t + in.off() + 1);
        return new int[] {t + 1, t + in.off() + 1};
    }


    /**
     * mark_fastcall_patterns: in each subprogram, the spill/fill pairs around a helper call that saves the
     * registers the helper leaves alone, at the lowest stack offsets the subprogram spills to. Pairs around a
     * helper the kernel inlines are removed after verification (remove_fastcall_spills_fills), and with
     * them their stack slots, which then do not count towards the 512 bytes.
     */
    static void markFastcallPatterns(VerifierEnv env) {
        env.fastcallPattern = new boolean[env.n];
        env.fastcallSpills = new int[env.n];
        env.fastcallStackOff = new int[env.subprogStarts.length];
        env.keepFastcallStack = new boolean[env.subprogStarts.length];
        boolean[] jumpTarget = jumpTargets(env);
        for (int s = 0; s < env.subprogStarts.length; s++) {
            int end = s + 1 < env.subprogStarts.length ? env.subprogStarts[s + 1] : env.n;
            int lowestOff = 0;
            for (int i = env.subprogStarts[s]; i < end; i++) {
                Insn in = env.insns[i];
                if (in.opcode() == (CLASS_STX | MODE_MEM | SIZE_DW) && in.dst() == 10) lowestOff = Math.min(lowestOff, in.off());
            }
            for (int i = env.subprogStarts[s]; i < end; i++) {
                if (env.insns[i].opcode() == (CLASS_JMP | JMP_CALL)) {
                    markFastcallPatternForCall(env, s, i, lowestOff, jumpTarget);
                }
            }
        }
    }

    /** The instructions a jump, a call or a callback's address leads to (push_insn's BRANCH edges, mark_jump_target). */
    static boolean[] jumpTargets(VerifierEnv env) {
        boolean[] t = new boolean[env.n];
        for (int i = 0; i < env.n; i++) {
            Insn in = env.insns[i];
            int code = in.opcode(), cls = insnClass(code), w = -1;
            if (code == LDDW) {
                if (in.src() == PSEUDO_FUNC) w = i + in.imm() + 1;
                i++;
            } else if (cls == CLASS_JMP || cls == CLASS_JMP32) {
                int op = jmpOp(code);
                if (op == JMP_CALL) w = in.src() == CALL_PSEUDO ? i + in.imm() + 1 : -1;
                else if (op == JMP_JA && cls == CLASS_JMP32) w = i + in.imm() + 1;
                else if (op != JMP_EXIT) w = i + in.off() + 1;
            }
            if (w >= 0 && w < env.n) t[w] = true;
        }
        return t;
    }

    /** mark_fastcall_pattern_for_call: the pairs {@code *(u64 *)(r10 + off) = rX ... call ... rX = *(u64 *)(r10 + off)}. */
    static void markFastcallPatternForCall(VerifierEnv env, int subprog, int call, int lowestOff, boolean[] jumpTarget) {
        Insn c = env.insns[call];
        if (c.src() != CALL_HELPER) return; // subprogram calls clobber everything; kfuncs are not modelled
        HelperProto fn = HelperProto.of(env.opts.helpers(), c.imm(), env.ptype);
        if (fn == null || fn.unmodelled() != null) return;
        int clobbered = fn.ret() != HelperProto.RET_VOID ? 1 : 0; // helper_fastcall_clobber_mask
        for (int a = 0; a < fn.args().length; a++) if (fn.args()[a] != HelperProto.ARG_DONTCARE) clobbered |= 1 << (a + 1);
        int expected = ~clobbered & 0x3f;
        int i = 1, off = lowestOff;
        for (; i <= 5; i++, off += 8) {
            if (call - i < 0 || call + i >= env.n) break;
            if (jumpTarget[call - i + 1] || jumpTarget[call + i]) break; // a jump to the first spill is fine
            Insn stx = env.insns[call - i], ldx = env.insns[call + i];
            if (stx.opcode() != (CLASS_STX | MODE_MEM | SIZE_DW) || ldx.opcode() != (CLASS_LDX | MODE_MEM | SIZE_DW)
                    || stx.dst() != 10 || ldx.src() != 10) break;
            if (stx.src() != ldx.dst() || (expected & (1 << stx.src())) == 0) break;
            if (stx.off() != off || ldx.off() != off) break;
            expected &= ~(1 << stx.src());
            env.fastcallPattern[call - i] = true;
            env.fastcallPattern[call + i] = true;
        }
        if (i == 1) return;
        // a pattern around a helper this kernel does not inline is kept, and so is its stack; the one
        // allow_fastcall helper, bpf_get_smp_processor_id, is inlined on x86-64 with the JIT on
        // (verifier_inlines_helper_call, bpf_jit_inlines_helper_call)
        if (fn.allowFastcall()) env.fastcallSpills[call] = i - 1;
        else env.keepFastcallStack[subprog] = true;
        env.fastcallStackOff[subprog] = Math.min(env.fastcallStackOff[subprog], off);
    }

    /**
     * remove_fastcall_spills_fills, for the stack depth only: bpf4j runs the program as written, but a
     * subprogram whose patterns the kernel removes needs only the stack above them.
     */
    static void removeFastcallSpillsFills(VerifierEnv env) {
        for (int s = 0; s < env.subprogStarts.length; s++) {
            int end = s + 1 < env.subprogStarts.length ? env.subprogStarts[s + 1] : env.n;
            boolean modified = false;
            for (int i = env.subprogStarts[s]; i < end; i++) modified |= env.fastcallSpills[i] > 0;
            if (modified && !env.keepFastcallStack[s]) env.stackDepth[s] = -env.fastcallStackOff[s];
        }
    }

    /** Whether a subprogram, or one it calls, calls a helper that changes packet data (changes_pkt_data). */
    static boolean subprogChangesPktData(VerifierEnv env, int sp) {
        if (env.changesPkt == null) {
            int cnt = env.subprogStarts.length;
            env.changesPkt = new boolean[cnt];
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int s = 0; s < cnt; s++) {
                    if (env.changesPkt[s]) continue;
                    for (int i = env.subprogStarts[s]; i < env.subprogEnd(s) && !env.changesPkt[s]; i++) {
                        Insn in = env.insns[i];
                        if (in.opcode() != CALL) continue;
                        if (in.src() == CALL_HELPER && env.opts.helpers().changesPktData(in.imm())) env.changesPkt[s] = true;
                        if (in.src() == CALL_PSEUDO) {
                            int t = Arrays.binarySearch(env.subprogStarts, i + in.imm() + 1);
                            if (t >= 0 && env.changesPkt[t]) env.changesPkt[s] = true;
                        }
                    }
                    if (env.changesPkt[s]) changed = true;
                }
            }
        }
        return env.changesPkt[sp];
    }

    /**
     * After verification the kernel removes what no path reached (opt_remove_dead_code, privileged loads), whole
     * subprograms included, then splits the program for the JIT: a callback never called that was the last
     * subprogram leaves its address pointing past the end, and the kernel refuses the program. It names the
     * instruction of the rewritten program (helpers inlined), which is not the one bpf4j names.
     */
    static void checkRemovedCallbacks(VerifierEnv env) {
        if (!env.opts.privileged()) return;
        int lastKept = -1, kept = 0;
        for (int sp = 0; sp < env.subprogStarts.length; sp++) {
            boolean any = false;
            for (int i = env.subprogStarts[sp]; i < env.subprogEnd(sp) && !any; i++) any = env.seen[i];
            if (any) {
                kept++;
                lastKept = sp;
            }
        }
        if (kept <= 1) return;
        int tail = env.subprogEnd(lastKept);
        for (int i = 0; i < tail; i++) {
            if (env.seen[i] && env.insns[i].opcode() == LDDW && env.insns[i].src() == PSEUDO_FUNC && i + env.insns[i].imm() + 1 >= tail) {
                throw env.fail(i, "verifier bug: No program to jit at insn %d (subprog < 0)", i);
            }
        }
    }

    static boolean hasLdAbs(VerifierEnv env, int sp) {
        for (int i = env.subprogStarts[sp]; i < env.subprogEnd(sp); i++) if (isLdAbs(env, i)) return true;
        return false;
    }

    static void checkMaxStackDepth(VerifierEnv env) {
        for (int sp = 0; sp < env.subprogStarts.length; sp++) {
            if (sp == 0 || env.asyncCallbacks[sp]) checkMaxStackDepthFrom(env, sp); // a timer callback runs on a stack of its own
        }
    }

    /** round_up_stack_depth with the JIT requested: each frame rounded up to 16 bytes. */
    static int roundedStackDepth(VerifierEnv env, int sp) {
        return (env.stackDepth[sp] + 15) & ~15;
    }

    /**
     * check_max_stack_depth_subprog: walks every chain of calls from {@code root} in the kernel's order,
     * a callback whose address a function takes counting as called from there (timer callbacks excepted):
     * the first chain of more than 8 frames or more than 512 bytes of stack is refused.
     */
    static void checkMaxStackDepthFrom(VerifierEnv env, int root) {
        int[] retInsn = new int[MAX_FRAMES], retProg = new int[MAX_FRAMES];
        int depth = 0, frame = 0, idx = root, i = env.subprogStarts[root];
        boolean entered = true;
        for (;;) {
            if (entered) {
                depth += roundedStackDepth(env, idx);
                if (depth > VerifierEnv.MAX_BPF_STACK) {
                    throw env.fail(-1, "combined stack size of %d calls is %d. Too large", frame + 1, depth);
                }
            }
            if (entered && hasLdAbs(env, idx)) {
                boolean inCb = env.callbacks[idx];
                for (int j = 0; j < frame && !inCb; j++) inCb = env.callbacks[retProg[j]];
                if (inCb) {
                    throw env.fail(-1, "cannot use BPF_LD_[ABS|IND] within callback");
                }
            }
            entered = false;
            for (; i < env.subprogEnd(idx) && !entered; i++) {
                Insn in = env.insns[i];
                boolean call = in.opcode() == CALL && in.src() == CALL_PSEUDO;
                boolean callback = in.opcode() == LDDW && in.src() == PSEUDO_FUNC;
                if (!call && !callback) continue;
                int callee = Arrays.binarySearch(env.subprogStarts, i + in.imm() + 1);
                if (callee < 0 || (callback && env.asyncCallbacks[callee])) continue;
                retInsn[frame] = i + 1;
                retProg[frame] = idx;
                frame++;
                if (frame >= MAX_FRAMES) {
                    throw env.fail(-1, "the call stack of %d frames is too deep !", frame);
                }
                idx = callee;
                entered = true;
            }
            if (entered) {
                i = env.subprogStarts[idx];
                continue;
            }
            if (frame == 0) return;
            depth -= roundedStackDepth(env, idx);
            frame--;
            i = retInsn[frame];
            idx = retProg[frame];
        }
    }
}

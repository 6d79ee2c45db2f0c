package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * The verifier: the kernel's abstract interpretation (kernel/bpf/verifier.c) re-implemented for bpf4j.
 * A control-flow pass, then path-by-path exploration with register and stack state, state pruning at
 * prune points, and the kernel's error messages. {@link #verify} never throws.
 */
public final class Verifier {
    /**
     * Verifies {@code program} as a program of {@code type}. {@code maps} are the maps its {@code lddw}
     * instructions reference: the imm of an {@code lddw} with {@code src=PSEUDO_MAP_FD/IDX(_VALUE)} is an
     * index into this list.
     */
    public static VerifierResult verify(Program program, ProgramType type, List<MapInfo> maps,
                                        VerifierOptions options) {
        return verify(program, type, maps, options, List.of());
    }

    /**
     * As {@link #verify(Program, ProgramType, List, VerifierOptions)}, with what the program's BTF
     * says of its functions ({@code func_info}): global functions are then verified on their own, from
     * their prototypes, as the kernel does, and the restrictions of programs without BTF are lifted.
     */
    public static VerifierResult verify(Program program, ProgramType type, List<MapInfo> maps,
                                        VerifierOptions options, List<BtfFunc> funcs) {
        return verify(program, type, maps, options, funcs, java.util.Set.of(), List.of());
    }

    /**
     * As {@link #verify(Program, ProgramType, List, VerifierOptions, List)}; the {@code lddw} at
     * {@code rawFdInsns} carry a map fd of their own (no relocation produced it): the kernel looks that fd up
     * in the loader's fd table, where it names no map. {@code lines} is the program's BTF line info, which a log
     * at level 1 or 2 interleaves as the kernel's verbose_linfo does.
     */
    static VerifierResult verify(Program program, ProgramType type, List<MapInfo> maps,
                                 VerifierOptions options, List<BtfFunc> funcs, java.util.Set<Integer> rawFdInsns,
                                 List<org.bpf4j.btf.BtfExt.LineInfo> lines) {
        if (VerifierOps.unsupportedReason(type).isPresent()) {
            return new VerifierResult.Unsupported(VerifierOps.unsupportedReason(type).get(), 0, 0, "");
        }
        VerifierOptions opts = options == null ? VerifierOptions.defaults() : options;
        var refused = TargetCheck.refusal(type, maps == null ? List.of() : maps, opts);
        if (refused.isPresent()) return refused.get();
        VerifierEnv v = null;
        try {
            v = new VerifierEnv(program, type, maps == null ? List.of() : List.copyOf(maps), opts);
            if (funcs != null) for (BtfFunc f : funcs) v.btfFuncs.put(f.insn(), f);
            v.rawFdInsns = rawFdInsns;
            v.lineInfos = List.copyOf(lines);
            return run(v);
        } catch (VerifierEnv.Reject r) {
            return v.rejected(r);
        } catch (VerifierEnv.Unsupp u) {
            return new VerifierResult.Unsupported(u.getMessage(), u.insn, v == null ? 0 : v.insnProcessed,
                    v == null ? "" : v.log.toString());
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // a bug of bpf4j's, not a verdict on the program: said so, with where it happened
            int insn = v == null ? -1 : v.insnIdx;
            return new VerifierResult.InternalError(e.getClass().getName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + " at insn " + insn, insn,
                    v == null ? 0 : v.insnProcessed, v == null ? "" : v.log.toString());
        }
    }

    public static VerifierResult verify(Program program, ProgramType type, List<MapInfo> maps) {
        return verify(program, type, maps, VerifierOptions.defaults());
    }

    record Pending(VState st, int insn, int prev) {}


    static VerifierResult run(VerifierEnv env) {
        if (env.n == 0) throw env.fail(env.insnIdx, "program is empty");
        if (env.n > 1_000_000) throw env.fail(env.insnIdx, "BPF program is too large. Processed %d insn", env.n);
        env.auxPtrType = new int[env.n];
        env.seen = new boolean[env.n];
        Arrays.fill(env.auxPtrType, -1);
        checkSleepable(env);
        resolveLdImm64(env);
        ControlFlow.addSubprogs(env);
        ControlFlow.checkSubprogs(env);
        ControlFlow.checkAbnormalReturn(env);
        ControlFlow.checkCfg(env);
        ControlFlow.markFastcallPatterns(env);
        Liveness.computeLiveRegs(env);
        if (env.level >= 2) Liveness.logLiveRegs(env);
        Liveness.computeLiveSlots(env);
        env.precision = new Precision(env.insns, new Precision.Env() {
            @Override public String insnText(int idx) { return env.insnText(idx); }
            @Override public String frameState(Frame f) { return env.stateStr(f, true); }
            @Override public boolean callsGlobal(int idx) {
                BtfFunc g = env.btfFuncs.get(idx + env.insns[idx].imm() + 1);
                return g != null && g.global();
            }
        }, env.log, env.level, env.opts.privileged());
        env.stackDepth = new int[env.subprogStarts.length];
        env.globalCalled = new boolean[env.subprogStarts.length];
        env.globalVerified = new boolean[env.subprogStarts.length];
        env.asyncCallbacks = new boolean[env.subprogStarts.length];
        env.callbacks = new boolean[env.subprogStarts.length];
        doCheck(env, initialState(env), 0);
        FuncCalls.checkGlobalSubprogs(env);
        ControlFlow.removeFastcallSpillsFills(env);
        ControlFlow.checkMaxStackDepth(env);
        ControlFlow.checkRemovedCallbacks(env);
        env.logStats();
        List<Integer> depths = new ArrayList<>();
        for (int d : env.stackDepth) depths.add(d);
        return new VerifierResult.Accepted(env.insnProcessed, env.level > 0 ? env.log.toString() : "", Map.copyOf(env.ctxAccesses),
                List.copyOf(depths), env.maxStatesPerInsn, env.totalStates, env.peakStates);
    }

    static void resolveLdImm64(VerifierEnv env) {
        for (int i = 0; i < env.n; i++) {
            Insn in = env.insns[i];
            int cls = insnClass(in.opcode());
            if (cls == CLASS_LDX && ((mode(in.opcode()) != MODE_MEM && mode(in.opcode()) != MODE_MEMSX) || in.imm() != 0)) {
                throw env.fail(i, "BPF_LDX uses reserved fields");
            }
            if (cls == CLASS_STX && (mode(in.opcode()) != MODE_MEM && mode(in.opcode()) != MODE_ATOMIC)) {
                throw env.fail(i, "BPF_STX uses reserved fields");
            }
            if (in.opcode() != LDDW) continue;
            if (i == env.n - 1 || env.insns[i + 1].opcode() != 0 || env.insns[i + 1].dst() != 0 || env.insns[i + 1].src() != 0
                    || env.insns[i + 1].off() != 0) {
                throw env.fail(i, "invalid bpf_ld_imm64 insn");
            }
            int src = in.src();
            if (src == PSEUDO_IMM64) { i++; continue; }
            if (in.dst() > 10) { i++; continue; }
            if (src == PSEUDO_BTF_ID) throw env.unsupported(i, "ldimm64 of a BTF id (ksym) is not modelled");
            if (src == PSEUDO_FUNC) { i++; continue; }
            if (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX || src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
                if (env.rawFdInsns.contains(i) || in.imm() < 0 || in.imm() >= env.programMaps) {
                    if (src == PSEUDO_MAP_IDX || src == PSEUDO_MAP_IDX_VALUE) {
                        throw env.fail(i, "unknown map index %d", in.imm());
                    }
                    throw env.fail(i, "fd %d is not pointing to valid bpf_map", in.imm());
                }
                checkMapProgCompatibility(env, i, env.maps.get(in.imm()));
                if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
                    MapInfo m = env.maps.get(in.imm());
                    long off = env.insns[i + 1].imm() & 0xffffffffL;
                    if (m.type() != MapType.ARRAY || m.maxEntries() != 1) {
                        throw env.unsupported(i, "direct value access to a map of type " + m.type().id() + " is not modelled");
                    }
                    if (off >= m.valueSize()) {
                        throw env.fail(i, "invalid access to map value pointer, value_size=%d off=%d", m.valueSize(), off);
                    }
                }
                i++;
                continue;
            }
            throw env.fail(i, "unrecognized bpf_ld_imm64 insn");
        }
    }

    /**
     * prog->sleepable: from BPF_F_SLEEPABLE. Syscall programs are always sleepable (the kernel refuses them
     * otherwise, and libbpf always loads them so), also when a caller of {@link #verify} gives no flags.
     */
    static boolean sleepable(VerifierEnv env) {
        return env.opts.sleepable() || env.ptype == ProgramType.SYSCALL;
    }

    /** check_attach_btf_id: which program types may be sleepable. */
    static void checkSleepable(VerifierEnv env) {
        if (!env.opts.sleepable() || env.ptype == ProgramType.SYSCALL) return;
        boolean can = switch (env.ptype) {
            case KPROBE -> true; // uprobes only; the kernel checks that at attach time
            case TRACING -> env.opts.expectedAttachType() == AttachType.TRACE_FENTRY
                    || env.opts.expectedAttachType() == AttachType.TRACE_FEXIT
                    || env.opts.expectedAttachType() == AttachType.MODIFY_RETURN
                    || env.opts.expectedAttachType() == AttachType.TRACE_ITER;
            case LSM -> env.opts.expectedAttachType() != AttachType.LSM_CGROUP;
            case STRUCT_OPS -> true;
            default -> false;
        };
        // it runs before any instruction is looked at: the rejection is at insn 0
        if (!can) throw env.fail(0, "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable");
    }

    /** check_map_prog_compatibility: spin locks and timers are not for every program type yet. */
    static void checkMapProgCompatibility(VerifierEnv env, int insn, MapInfo m) {
        boolean tracing = VerifierOps.isTracing(env.ptype);
        if (m.fields().spinLockOff() >= 0) {
            if (env.ptype == ProgramType.SOCKET_FILTER) throw env.fail(insn, "socket filter progs cannot use bpf_spin_lock yet");
            if (tracing) throw env.fail(insn, "tracing progs cannot use bpf_spin_lock yet");
        }
        if (m.fields().timerOff() >= 0 && tracing) throw env.fail(insn, "tracing progs cannot use bpf_timer yet");
        if (sleepable(env) && !MapFuncCompatibility.sleepableMayUse(m.type())) {
            throw env.fail(insn, "Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps");
        }
    }


    static VState initialState(VerifierEnv env) {
        VState s = new VState();
        Frame f = new Frame();
        for (int i = 0; i < 11; i++) {
            f.regs[i] = new Reg();
            f.regs[i].markNotInit();
        }
        f.regs[10].markKnownZeroPtr(PTR_TO_STACK);
        f.regs[1].markKnownZeroPtr(PTR_TO_CTX);
        s.frames[0] = f;
        return s;
    }

    static void doCheck(VerifierEnv env, VState initial, int start) {
        env.explored = StatePruning.newExploredArray(env.n);
        env.pending.clear();
        env.cur = initial;
        env.cur.firstInsnIdx = start;
        env.insnIdx = start;
        env.prevInsnIdx = -1;
        boolean doPrintState = false;
        env.prevLinfo = -1; // do_check_common: each pass prints its first source line again
        env.scratchAll();
        if (env.level > 0) {
            env.log.append(start).append(':').append(env.stateStr(env.cur.cur(), true)).append('\n');
            env.scratchedRegs = 0;
            env.scratchedSlots = 0;
        }
        for (;;) {
            if (env.insnIdx < 0 || env.insnIdx >= env.n) throw env.fail(env.insnIdx, "invalid insn idx %d insn_cnt %d", env.insnIdx, env.n);
            Insn in = env.insns[env.insnIdx];
            int cls = insnClass(in.opcode());
            if (++env.insnProcessed > env.opts.insnLimit()) {
                throw env.fail(env.insnIdx, "BPF program is too large. Processed %d insn", env.insnProcessed);
            }
            boolean exitPath = false;
            env.precision.beginInsn(env.prevInsnIdx);
            env.cur.lastInsnIdx = env.prevInsnIdx;
            if (env.prunePoint[env.insnIdx]) {
                if (StatePruning.isStateVisited(env, env.insnIdx)) {
                    if (env.level > 0) {
                        if (doPrintState) env.log.append("\nfrom ").append(env.prevInsnIdx).append(" to ").append(env.insnIdx).append(": safe\n");
                        else env.log.append(env.insnIdx).append(": safe\n");
                    }
                    exitPath = true;
                }
            }
            if (!exitPath) {
                if (env.jmpPoint[env.insnIdx] || reachedByJump(env)) env.precision.pushHistory(env.cur, env.insnIdx, 0, null);
                if (env.level >= 2 && doPrintState) {
                    env.log.append("\nfrom ").append(env.prevInsnIdx).append(" to ").append(env.insnIdx).append(':')
                            .append(env.stateStr(env.cur.cur(), true)).append('\n');
                    doPrintState = false;
                }
                if (env.level > 0) {
                    env.printInsnState();
                    env.verboseLinfo(env.insnIdx, "; ");
                    String line = env.insnIdx + ": " + env.insnText(env.insnIdx);
                    env.log.append(line).append('\n');
                    env.trimLog();
                    env.lastInsnLineEnd = env.log.length();
                    env.lastInsnLineLen = line.length();
                }
                env.prevInsnIdx = env.insnIdx;
                env.cur.insnIdx = env.insnIdx;
                env.seen[env.insnIdx] = true;
                int r = step(env, in, cls);
                if (r == STEP_NEXT) {
                    if (env.level > 0) env.printInsnState();
                    continue;
                }
                if (r == STEP_FRAME_EXIT) {
                    doPrintState = true;
                    continue;
                }
            }
            // process_bpf_exit: this path is done
            env.scratchAll();
            StatePruning.updateBranchCounts(env, env.cur);
            Pending p = env.pending.pollLast();
            if (p == null) break;
            env.cur = p.st;
            env.insnIdx = p.insn;
            env.prevInsnIdx = p.prev;
            doPrintState = true;
        }
    }

    /**
     * Whether the current instruction was reached other than by falling through from the previous one
     * (or by re-running it, as a forked path does). Every such edge leads to a jump point, as in the
     * kernel; this keeps the history complete, and backtracking sound, should one be missed.
     */
    static boolean reachedByJump(VerifierEnv env) {
        int p = env.prevInsnIdx;
        return p >= 0 && env.insnIdx != p && env.insnIdx != p + 1 && !(env.insnIdx == p + 2 && env.isLdImm64(p));
    }

    static final int STEP_NEXT = 0, STEP_PATH_DONE = 1, STEP_FRAME_EXIT = 2;

    static VState pushStack(VerifierEnv env, int insn, int prev) {
        VState copy = env.cur.copy();
        if (copy.parent != null) copy.parent.branches++;
        env.pending.addLast(new Pending(copy, insn, prev));
        if (env.pending.size() > VerifierEnv.COMPLEXITY_LIMIT_JMP_SEQ) {
            throw env.fail(env.insnIdx, "The sequence of %d jumps is too complex.", env.pending.size());
        }
        return copy;
    }

    static final int SRC_OP = 0, DST_OP = 1, DST_OP_NO_MARK = 2;

    static void checkRegArg(VerifierEnv env, int regno, int t) {
        if (regno >= 11) throw env.fail(env.insnIdx, "R%d is invalid", regno);
        env.scratchReg(regno);
        Reg r = env.reg(regno);
        if (t == SRC_OP) {
            if (r.type == NOT_INIT) throw env.fail(env.insnIdx, "R%d !read_ok", regno);
            return;
        }
        if (regno == 10) throw env.fail(env.insnIdx, "frame pointer is read only");
        if (t == DST_OP) r.markUnknown();
    }

    static int step(VerifierEnv env, Insn in, int cls) {
        int code = in.opcode();
        switch (cls) {
            case CLASS_ALU, CLASS_ALU64 -> AluOps.checkAluOp(env, in);
            case CLASS_LDX -> {
                checkRegArg(env, in.src(), SRC_OP);
                checkRegArg(env, in.dst(), DST_OP_NO_MARK);
                int srcType = env.reg(in.src()).type;
                MemoryAccess.checkMemAccess(env, in.src(), in.off(), sizeBytes(code), false, in.dst(), java.util.OptionalInt.empty(), false,
                        mode(code) == MODE_MEMSX);
                saveAuxPtrType(env, srcType);
                env.reg(in.dst()).sanityCheck();
            }
            case CLASS_STX -> {
                if (mode(code) == MODE_ATOMIC) {
                    MemoryAccess.checkAtomic(env, in);
                } else {
                    if (mode(code) != MODE_MEM || in.imm() != 0) throw env.fail(env.insnIdx, "BPF_STX uses reserved fields");
                    checkRegArg(env, in.src(), SRC_OP);
                    checkRegArg(env, in.dst(), SRC_OP);
                    int dstType = env.reg(in.dst()).type;
                    MemoryAccess.checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), true, in.src(), java.util.OptionalInt.empty(), false, false);
                    saveAuxPtrType(env, dstType);
                }
            }
            case CLASS_ST -> {
                if (mode(code) != MODE_MEM || in.src() != 0) throw env.fail(env.insnIdx, "BPF_ST uses reserved fields");
                checkRegArg(env, in.dst(), SRC_OP);
                int dstType = env.reg(in.dst()).type;
                // the immediate is an argument, as the kernel's check_stack_write reads insn->imm
                MemoryAccess.checkMemAccess(env, in.dst(), in.off(), sizeBytes(code), true, -1, java.util.OptionalInt.of(in.imm()),
                        false, false);
                saveAuxPtrType(env, dstType);
            }
            case CLASS_JMP, CLASS_JMP32 -> {
                int op = jmpOp(code);
                env.jmpsProcessed++;
                if (op == JMP_CALL) {
                    if (source(code) != SRC_K || (in.src() != CALL_KFUNC && in.off() != 0)
                            || (in.src() != CALL_HELPER && in.src() != CALL_PSEUDO && in.src() != CALL_KFUNC)
                            || in.dst() != 0 || cls == CLASS_JMP32) {
                        throw env.fail(env.insnIdx, "BPF_CALL uses reserved fields");
                    }
                    if (env.cur.lockMap >= 0 && in.src() == CALL_HELPER && in.imm() != KernelHelper.SPIN_UNLOCK.id()) {
                        throw env.fail(env.insnIdx, "function calls are not allowed while holding a lock");
                    }
                    if (in.src() == CALL_PSEUDO) {
                        FuncCalls.checkFuncCall(env, in);
                        return STEP_NEXT;
                    }
                    if (in.src() == CALL_KFUNC) throw env.unsupported(env.insnIdx, "kfunc calls are not modelled");
                    return HelperCalls.checkHelperCall(env, in);
                } else if (op == JMP_JA) {
                    if (source(code) != SRC_K || in.src() != 0 || in.dst() != 0
                            || (cls == CLASS_JMP && in.imm() != 0) || (cls == CLASS_JMP32 && in.off() != 0)) {
                        throw env.fail(env.insnIdx, "BPF_JA uses reserved fields");
                    }
                    env.insnIdx += (cls == CLASS_JMP ? in.off() : in.imm()) + 1;
                    return STEP_NEXT;
                } else if (op == JMP_EXIT) {
                    if (source(code) != SRC_K || in.imm() != 0 || in.src() != 0 || in.dst() != 0 || cls == CLASS_JMP32) {
                        throw env.fail(env.insnIdx, "BPF_EXIT uses reserved fields");
                    }
                    return FuncCalls.processExit(env);
                } else {
                    CondJumps.checkCondJmp(env, in, cls == CLASS_JMP32);
                    return STEP_NEXT;
                }
            }
            default -> { // CLASS_LD
                int m = mode(code);
                if (m == MODE_ABS || m == MODE_IND) {
                    int r = MemoryAccess.checkLdAbs(env, in);
                    if (r != STEP_NEXT) return r;
                } else if (m == MODE_IMM) {
                    MemoryAccess.checkLdImm(env, in);
                    env.insnIdx++;
                } else {
                    throw env.fail(env.insnIdx, "invalid BPF_LD mode");
                }
            }
        }
        env.insnIdx++;
        return STEP_NEXT;
    }

    static void saveAuxPtrType(VerifierEnv env, int type) {
        int prev = env.auxPtrType[env.insnIdx];
        if (prev == -1) {
            env.auxPtrType[env.insnIdx] = type;
        } else if (prev != type) {
            boolean prevCtx = prev == PTR_TO_CTX, curCtx = type == PTR_TO_CTX;
            if (prevCtx || curCtx) throw env.fail(env.insnIdx, "same insn cannot be used with different pointers");
        }
    }
}

package org.bpf4j.verifier;

import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VState.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.maps.MapType;
import org.bpf4j.isa.Operators;
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
        return verify(program, type, maps, options, funcs, java.util.Set.of());
    }

    /**
     * As {@link #verify(Program, ProgramType, List, VerifierOptions, List)}; the {@code lddw} at
     * {@code rawFdInsns} carry a map fd of their own (no relocation produced it): the kernel looks that fd up
     * in the loader's fd table, where it names no map.
     */
    static VerifierResult verify(Program program, ProgramType type, List<MapInfo> maps,
                                 VerifierOptions options, List<BtfFunc> funcs, java.util.Set<Integer> rawFdInsns) {
        if (VerifierOps.unsupportedReason(type).isPresent()) {
            return new VerifierResult.Unsupported(VerifierOps.unsupportedReason(type).get(), 0, 0, "");
        }
        VerifierOptions opts = options == null ? VerifierOptions.defaults() : options;
        var refused = TargetCheck.refusal(type, maps == null ? List.of() : maps, opts);
        if (refused.isPresent()) return refused.get();
        Verifier v = null;
        try {
            v = new Verifier(program, type, maps == null ? List.of() : List.copyOf(maps), opts);
            if (funcs != null) for (BtfFunc f : funcs) v.btfFuncs.put(f.insn(), f);
            v.rawFdInsns = rawFdInsns;
            return v.run();
        } catch (Reject r) {
            return v.rejected(r);
        } catch (Unsupp u) {
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

    // ---- errors ----------------------------------------------------------------------------------

    static final class Reject extends RuntimeException {
        final List<String> lines;
        final int insn;

        Reject(int insn, List<String> lines) {
            super(lines.getFirst(), null, false, false);
            this.lines = lines;
            this.insn = insn;
        }
    }

    static final class Unsupp extends RuntimeException {
        final int insn;

        Unsupp(int insn, String msg) {
            super(msg, null, false, false);
            this.insn = insn;
        }
    }

    private Reject fail(String fmt, Object... args) {
        return new Reject(insnIdx, List.of(String.format(fmt, args)));
    }

    private Reject fail2(String first, String second) {
        return new Reject(insnIdx, List.of(first, second));
    }

    private Unsupp unsupported(String msg) {
        return new Unsupp(insnIdx, msg);
    }

    private VerifierResult rejected(Reject r) {
        for (String l : r.lines) logln(l);
        logStats();
        return new VerifierResult.Rejected(r.lines.getFirst(), r.lines, r.insn, insnProcessed,
                opts.logLevel() > 0 ? log.toString() : "");
    }

    // ---- environment -------------------------------------------------------------------------------

    static final int MAX_BPF_STACK = 512;
    static final long BPF_MAX_VAR_OFF = 1L << 29;
    static final long BPF_MAX_VAR_SIZ = 1L << 29;
    /** The largest errno a helper returns negated (include/linux/err.h). */
    static final int MAX_ERRNO = 4095;
    static final int MAX_PACKET_OFF = 0xffff;
    static final int AT_PKT_END = -1, BEYOND_PKT_END = -2;
    static final int COMPLEXITY_LIMIT_JMP_SEQ = 8192;

    private final Insn[] insns;
    private final int n;
    private final ProgramType ptype;
    /** The program's maps, then the inner map template of each map of maps. */
    private final List<MapInfo> maps;
    /** How many maps the program references (the rest of {@link #maps} are inner map templates). */
    private final int programMaps;
    /** For each of the program's maps: the index of its inner map template, -1 when it has none. */
    private final int[] innerMapIdx;
    private final VerifierOptions opts;
    /** The lddw whose imm is a raw map fd (see {@link #verify(Program, ProgramType, List, VerifierOptions, List, java.util.Set)}). */
    private java.util.Set<Integer> rawFdInsns = java.util.Set.of();
    private final StringBuilder log = new StringBuilder();
    private final int level;

    private int[] subprogStarts = {0};
    private int[] stackDepth;
    /** bpf_fastcall: spill/fill instructions of a pattern, how many pairs a call's removal drops, per instruction. */
    private boolean[] fastcallPattern;
    private int[] fastcallSpills;
    /** bpf_fastcall, per subprogram: where the patterns' region ends (fastcall_stack_off), and keep_fastcall_stack. */
    private int[] fastcallStackOff;
    private boolean[] keepFastcallStack;
    private boolean[] prunePoint;
    private boolean[] forceCheckpoint;
    /** Calls of helpers that call a callback synchronously: the callback loops back to them (calls_callback). */
    private boolean[] callsCallback;
    /** Instructions reached non-linearly (jump targets, returns from calls): recorded in the path history. */
    private boolean[] jmpPoint;
    private int[] liveIn;
    /** Stack slots of the executing frame that may be read at or after each instruction (bit spi). */
    private long[] liveSlotsIn;
    private Precision precision;
    private final Map<Integer, VerifierResult.CtxAccess> ctxAccesses = new TreeMap<>();
    /** func_info of the program by first instruction; empty without BTF. */
    private final Map<Integer, BtfFunc> btfFuncs = new java.util.HashMap<>();
    /** The subprogram being verified as a root: 0 for the main program, else a global function. */
    private int rootSubprog;
    private boolean[] globalCalled, globalVerified;
    /** Subprograms registered as timer callbacks (is_async_cb): they run on a stack of their own. */
    private boolean[] asyncCallbacks;
    /** Subprograms called as callbacks of a helper (is_cb), which may not use LD_ABS. */
    private boolean[] callbacks;
    private int[] auxPtrType;
    /** Instructions some path reached (insn_aux_data.seen). */
    private boolean[] seen;

    private static final class Explored {
        final VState st;
        final long hash;
        int hit, miss;

        Explored(VState st, long hash) {
            this.st = st;
            this.hash = hash;
        }
    }

    /** A hash of the current frame's registers: identical registers have identical hashes. */
    private static long regsHash(VState s) {
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

    private List<Explored>[] explored;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    private record Pending(VState st, int insn, int prev) {}

    private VState cur;
    private int insnIdx;
    private int prevInsnIdx = -1;
    private int idGen;
    int insnProcessed;
    private int jmpsProcessed, prevJmpsProcessed, prevInsnProcessed;
    private int totalStates, curStates, peakStates, maxStatesPerInsn;
    // log bookkeeping
    private int scratchedRegs;
    private long scratchedSlots;
    private int lastInsnLineEnd = -1, lastInsnLineLen;

    private Verifier(Program program, ProgramType type, List<MapInfo> maps, VerifierOptions opts) {
        this.insns = program.insns().toArray(new Insn[0]);
        this.n = insns.length;
        this.ptype = type;
        this.programMaps = maps.size();
        this.innerMapIdx = new int[maps.size()];
        List<MapInfo> all = new ArrayList<>(maps);
        for (int i = 0; i < maps.size(); i++) {
            MapInfo inner = maps.get(i).isMapOfMaps() ? maps.get(i).inner() : null;
            innerMapIdx[i] = inner == null ? -1 : all.size();
            // the kernel's inner map meta (bpf_map_meta_alloc) has no name: the log shows none
            if (inner != null) all.add(new MapInfo(inner.type(), inner.keySize(), inner.valueSize(), inner.maxEntries(),
                    inner.flags(), "", false, null, inner.fields(), inner.inner()));
        }
        this.maps = List.copyOf(all);
        this.opts = opts;
        this.level = opts.logLevel();
    }

    // ---- log ----------------------------------------------------------------------------------------

    private void logln(String s) {
        if (level > 0) log.append(s).append('\n');
    }

    /** The kernel keeps the tail of a log that outgrows its buffer; bpf4j keeps at most 16 MiB too. */
    private static final int LOG_MAX = 16 << 20;

    private void trimLog() {
        if (log.length() > LOG_MAX) {
            int cut = log.indexOf("\n", log.length() - LOG_MAX / 2);
            log.delete(0, cut < 0 ? log.length() - LOG_MAX / 2 : cut + 1);
            lastInsnLineEnd = -1;
        }
    }

    private void logStats() {
        logln(String.format("processed %d insns (limit %d) max_states_per_insn %d total_states %d peak_states %d mark_read %d",
                insnProcessed, opts.insnLimit(), maxStatesPerInsn, totalStates, peakStates, 0));
    }

    private String regStr(Reg r, int frameno) {
        return LogFormat.regToString(r, frameno, maps);
    }

    private String stateStr(Frame f, boolean all) {
        StringBuilder sb = new StringBuilder();
        if (f.frameno != 0) sb.append(" frame").append(f.frameno).append(':');
        for (int i = 0; i < 11; i++) {
            Reg r = f.regs[i];
            if (r.type == NOT_INIT) continue;
            if (!all && (scratchedRegs & (1 << i)) == 0) continue;
            sb.append(" R").append(i).append('=').append(regStr(r, f.frameno));
        }
        for (int spi = 0; spi < f.spill.length; spi++) {
            if (!all && (spi >= 64 || (scratchedSlots & (1L << spi)) == 0)) continue;
            boolean valid = false;
            char[] buf = new char[8];
            for (int j = 0; j < 8; j++) {
                byte t = f.slot(spi, j);
                if (t != STACK_INVALID) valid = true;
                buf[j] = switch (t) {
                    case STACK_SPILL -> 'r';
                    case STACK_MISC -> 'm';
                    case STACK_ZERO -> '0';
                    default -> '?';
                };
            }
            if (!valid) continue;
            sb.append(" fp").append((-spi - 1) * 8).append('=');
            if (f.slot(spi, 7) == STACK_SPILL) {
                int j = 0;
                while (j < 8 && f.slot(spi, j) != STACK_SPILL) j++;
                sb.append(buf, 0, j).append(regStr(f.spill[spi], f.frameno));
            } else {
                sb.append(buf);
            }
        }
        if (cur != null && cur.refIds.length > 0 && f == cur.cur()) {
            sb.append(" refs=");
            for (int i = 0; i < cur.refIds.length; i++) sb.append(i == 0 ? "" : ",").append(cur.refIds[i]);
        }
        return sb.toString();
    }

    /** print_insn_state: appended to the instruction's line when nothing came between, else its own line. */
    private void printInsnState() {
        if (level == 0) return;
        if (scratchedRegs == 0 && scratchedSlots == 0) return;
        String st = stateStr(cur.cur(), false);
        if (lastInsnLineEnd >= 0 && lastInsnLineEnd == log.length()) {
            log.setLength(log.length() - 1);
            int pos = lastInsnLineLen + 1;
            int width = ((Math.max(pos + 4, 40) + 7) & ~7) - pos - 1;
            log.append(" ".repeat(Math.max(width, 1))).append(';');
        } else {
            log.append(insnIdx).append(':');
        }
        log.append(st).append('\n');
        scratchedRegs = 0;
        scratchedSlots = 0;
        lastInsnLineEnd = -1;
    }

    private String insnText(int idx) {
        Insn in = insns[idx];
        return LogFormat.insn(in, isLdImm64(idx) && idx + 1 < n
                ? ((long) insns[idx + 1].imm() << 32) | (in.imm() & 0xffffffffL) : in.imm());
    }

    private void scratchAll() {
        scratchedRegs = 0x7ff;
        scratchedSlots = -1L;
    }

    // ---- passes ----------------------------------------------------------------------------------------

    private VerifierResult run() {
        if (n == 0) throw fail("program is empty");
        if (n > 1_000_000) throw fail("BPF program is too large. Processed %d insn", n);
        auxPtrType = new int[n];
        seen = new boolean[n];
        Arrays.fill(auxPtrType, -1);
        checkSleepable();
        resolveLdImm64();
        addSubprogs();
        checkSubprogs();
        checkAbnormalReturn();
        checkCfg();
        markFastcallPatterns();
        computeLiveRegs();
        if (level >= 2) logLiveRegs();
        computeLiveSlots();
        precision = new Precision(insns, new Precision.Env() {
            @Override public String insnText(int idx) { return Verifier.this.insnText(idx); }
            @Override public String frameState(Frame f) { return stateStr(f, true); }
            @Override public boolean callsGlobal(int idx) {
                BtfFunc g = btfFuncs.get(idx + insns[idx].imm() + 1);
                return g != null && g.global();
            }
        }, log, level, opts.privileged());
        stackDepth = new int[subprogStarts.length];
        globalCalled = new boolean[subprogStarts.length];
        globalVerified = new boolean[subprogStarts.length];
        asyncCallbacks = new boolean[subprogStarts.length];
        callbacks = new boolean[subprogStarts.length];
        doCheck(initialState(), 0);
        checkGlobalSubprogs();
        removeFastcallSpillsFills();
        checkMaxStackDepth();
        checkRemovedCallbacks();
        logStats();
        List<Integer> depths = new ArrayList<>();
        for (int d : stackDepth) depths.add(d);
        return new VerifierResult.Accepted(insnProcessed, level > 0 ? log.toString() : "", Map.copyOf(ctxAccesses),
                List.copyOf(depths), maxStatesPerInsn, totalStates, peakStates);
    }

    private boolean isLdImm64(int pc) {
        return insns[pc].opcode() == LDDW;
    }

    private void resolveLdImm64() {
        for (int i = 0; i < n; i++) {
            insnIdx = i;
            Insn in = insns[i];
            int cls = insnClass(in.opcode());
            if (cls == CLASS_LDX && ((mode(in.opcode()) != MODE_MEM && mode(in.opcode()) != MODE_MEMSX) || in.imm() != 0)) {
                throw fail("BPF_LDX uses reserved fields");
            }
            if (cls == CLASS_STX && (mode(in.opcode()) != MODE_MEM && mode(in.opcode()) != MODE_ATOMIC)) {
                throw fail("BPF_STX uses reserved fields");
            }
            if (in.opcode() != LDDW) continue;
            if (i == n - 1 || insns[i + 1].opcode() != 0 || insns[i + 1].dst() != 0 || insns[i + 1].src() != 0
                    || insns[i + 1].off() != 0) {
                throw fail("invalid bpf_ld_imm64 insn");
            }
            int src = in.src();
            if (src == PSEUDO_IMM64) { i++; continue; }
            if (in.dst() > 10) { i++; continue; }
            if (src == PSEUDO_BTF_ID) throw unsupported("ldimm64 of a BTF id (ksym) is not modelled");
            if (src == PSEUDO_FUNC) { i++; continue; }
            if (src == PSEUDO_MAP_FD || src == PSEUDO_MAP_IDX || src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
                if (rawFdInsns.contains(i) || in.imm() < 0 || in.imm() >= programMaps) {
                    if (src == PSEUDO_MAP_IDX || src == PSEUDO_MAP_IDX_VALUE) {
                        throw fail("unknown map index %d", in.imm());
                    }
                    throw fail("fd %d is not pointing to valid bpf_map", in.imm());
                }
                checkMapProgCompatibility(maps.get(in.imm()));
                if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
                    MapInfo m = maps.get(in.imm());
                    long off = insns[i + 1].imm() & 0xffffffffL;
                    if (m.type() != MapType.ARRAY || m.maxEntries() != 1) {
                        throw unsupported("direct value access to a map of type " + m.type().id() + " is not modelled");
                    }
                    if (off >= m.valueSize()) {
                        throw fail("invalid access to map value pointer, value_size=%d off=%d", m.valueSize(), off);
                    }
                }
                i++;
                continue;
            }
            throw fail("unrecognized bpf_ld_imm64 insn");
        }
    }

    /**
     * prog->sleepable: from BPF_F_SLEEPABLE. Syscall programs are always sleepable (the kernel refuses them
     * otherwise, and libbpf always loads them so), also when a caller of {@link #verify} gives no flags.
     */
    private boolean sleepable() {
        return opts.sleepable() || ptype == ProgramType.SYSCALL;
    }

    /** check_attach_btf_id: which program types may be sleepable. */
    private void checkSleepable() {
        if (!opts.sleepable() || ptype == ProgramType.SYSCALL) return;
        boolean can = switch (ptype) {
            case KPROBE -> true; // uprobes only; the kernel checks that at attach time
            case TRACING -> opts.expectedAttachType() == AttachType.TRACE_FENTRY
                    || opts.expectedAttachType() == AttachType.TRACE_FEXIT
                    || opts.expectedAttachType() == AttachType.MODIFY_RETURN
                    || opts.expectedAttachType() == AttachType.TRACE_ITER;
            case LSM -> opts.expectedAttachType() != AttachType.LSM_CGROUP;
            case STRUCT_OPS -> true;
            default -> false;
        };
        if (!can) throw fail("Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable");
    }

    /** check_map_prog_compatibility: spin locks and timers are not for every program type yet. */
    private void checkMapProgCompatibility(MapInfo m) {
        boolean tracing = VerifierOps.isTracing(ptype);
        if (m.fields().spinLockOff() >= 0) {
            if (ptype == ProgramType.SOCKET_FILTER) throw fail("socket filter progs cannot use bpf_spin_lock yet");
            if (tracing) throw fail("tracing progs cannot use bpf_spin_lock yet");
        }
        if (m.fields().timerOff() >= 0 && tracing) throw fail("tracing progs cannot use bpf_timer yet");
        if (sleepable() && !MapFuncCompatibility.sleepableMayUse(m.type())) {
            throw fail("Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps");
        }
    }

    private void addSubprogs() {
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>();
        starts.add(0);
        for (int i = 0; i < n; i++) {
            insnIdx = i;
            Insn in = insns[i];
            if (in.opcode() == CALL && in.src() == CALL_PSEUDO) {
                long t = (long) i + in.imm() + 1;
                if (t < 0 || t >= n) throw fail("call to invalid destination");
                starts.add((int) t);
            } else if (in.opcode() == CALL && in.src() == CALL_KFUNC) {
                throw unsupported("kfunc calls are not modelled");
            } else if (in.opcode() == LDDW && in.src() == PSEUDO_FUNC) {
                long t = (long) i + in.imm() + 1;
                if (t < 0 || t >= n) throw fail("call to invalid destination");
                starts.add((int) t);
            }
            if (in.opcode() == LDDW) i++;
        }
        if (starts.size() > 256) throw fail("too many subprograms");
        subprogStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    private int subprogOf(int pc) {
        int idx = Arrays.binarySearch(subprogStarts, pc);
        return idx >= 0 ? idx : -idx - 2;
    }

    private int subprogEnd(int sp) {
        return sp + 1 < subprogStarts.length ? subprogStarts[sp + 1] : n;
    }

    private void checkSubprogs() {
        int sp = 0;
        int start = 0, end = subprogEnd(0);
        for (int i = 0; i < n; i++) {
            insnIdx = i;
            int code = insns[i].opcode();
            int cls = insnClass(code);
            if ((cls == CLASS_JMP || cls == CLASS_JMP32) && jmpOp(code) != JMP_EXIT && jmpOp(code) != JMP_CALL) {
                long off = code == JA32 ? (long) i + insns[i].imm() + 1 : (long) i + insns[i].off() + 1;
                if (off < start || off >= end) throw fail("jump out of range from insn %d to %d", i, off);
            }
            if (i == end - 1) {
                if (code != EXIT && code != JA32 && code != JA) throw fail("last insn is not an exit or jmp");
                start = end;
                sp++;
                if (sp < subprogStarts.length) end = subprogEnd(sp);
            }
        }
    }

    /**
     * A subprogram with LD_ABS/LD_IND or a tail call may end the program early: without BTF only the main
     * program may (check_abnormal_return), with BTF only a function that returns an int (check_btf_func).
     */
    private void checkAbnormalReturn() {
        for (int sp = 1; sp < subprogStarts.length; sp++) {
            boolean ldAbs = false, tailCall = false;
            for (int i = subprogStarts[sp]; i < subprogEnd(sp); i++) {
                ldAbs |= isLdAbs(i);
                tailCall |= insns[i].opcode() == CALL && insns[i].src() == CALL_HELPER && insns[i].imm() == KernelHelper.TAIL_CALL.id();
            }
            if (!ldAbs && !tailCall) continue;
            insnIdx = -1;
            if (btfFuncs.isEmpty()) {
                throw fail(ldAbs ? "LD_ABS is not allowed in subprogs without BTF" : "tail_call is not allowed in subprogs without BTF");
            }
            BtfFunc f = btfFuncs.get(subprogStarts[sp]);
            if (f != null && !f.scalarReturn()) {
                throw fail(ldAbs ? "LD_ABS is only allowed in functions that return 'int'."
                        : "tail_call is only allowed in functions that return 'int'.");
            }
        }
    }

    private boolean isLdAbs(int i) {
        int code = insns[i].opcode();
        return insnClass(code) == CLASS_LD && (mode(code) == MODE_ABS || mode(code) == MODE_IND);
    }

    private void checkCfg() {
        prunePoint = new boolean[n];
        forceCheckpoint = new boolean[n];
        callsCallback = new boolean[n];
        jmpPoint = new boolean[n];
        byte[] state = new byte[n]; // 0 new, 1 discovered, 2 explored
        int[] stack = new int[n + 1];
        int[] edge = new int[n]; // next edge to visit per insn
        int sp = 0;
        stack[sp++] = 0;
        state[0] = 1;
        while (sp > 0) {
            int t = stack[sp - 1];
            insnIdx = t;
            int[] succ = successors(t);
            if (edge[t] < succ.length) {
                int w = succ[edge[t]++];
                if (w < 0 || w >= n) throw fail("jump out of range from insn %d to %d", t, w);
                if (state[w] == 0) {
                    state[w] = 1;
                    stack[sp++] = w;
                } else if (state[w] == 1) {
                    if (!opts.privileged()) throw fail("back-edge from insn %d to %d", t, w);
                }
            } else {
                state[t] = 2;
                sp--;
            }
        }
        for (int i = 0; i < n; i++) {
            insnIdx = i;
            if (state[i] != 2) throw fail("unreachable insn %d", i);
            if (isLdImm64(i)) {
                if (i + 1 < n && state[i + 1] != 0) throw fail("jump into the middle of ldimm64 insn %d", i);
                i++;
            }
        }
    }

    /**
     * A target reached by a jump or call (push_insn's BRANCH edge, or after a call): a prune point, and a
     * jump point whose arrival the path history records.
     */
    private void markJumpTarget(int w) {
        if (w >= 0 && w < n) {
            prunePoint[w] = true;
            jmpPoint[w] = true;
        }
    }

    /** Successors in the control-flow graph (also marks prune and jump points as visit_insn does). */
    private int[] successors(int t) {
        Insn in = insns[t];
        int code = in.opcode();
        int cls = insnClass(code);
        if (code == LDDW && in.src() == PSEUDO_FUNC) {
            // visit_func_call_insn: a function whose address is taken (a callback) is reachable from here
            prunePoint[t] = true;
            markJumpTarget(Math.min(t + 2, n - 1));
            markJumpTarget(t + in.imm() + 1);
            return new int[] {t + 2, t + in.imm() + 1};
        }
        if (cls != CLASS_JMP && cls != CLASS_JMP32) {
            return new int[] {t + (code == LDDW ? 2 : 1)};
        }
        int op = jmpOp(code);
        if (op == JMP_EXIT) return new int[0];
        if (op == JMP_CALL) {
            markJumpTarget(Math.min(t + 1, n - 1));
            if (in.src() == CALL_HELPER && opts.helpers().callsCallback(in.imm())) {
                callsCallback[t] = true;
                forceCheckpoint[t] = true;
                prunePoint[t] = true;
                jmpPoint[t] = true;
            } else if (in.src() == CALL_HELPER && opts.helpers().registersCallback(in.imm())) {
                prunePoint[t] = true;
            }
            if (in.src() == CALL_PSEUDO) {
                prunePoint[t] = true;
                markJumpTarget(t + in.imm() + 1);
                return new int[] {t + 1, t + in.imm() + 1};
            }
            return new int[] {t + 1};
        }
        if (op == JMP_JA) {
            int w = code == JA32 ? t + in.imm() + 1 : t + in.off() + 1;
            markJumpTarget(w);
            return new int[] {w};
        }
        prunePoint[t] = true;
        if (code == MAY_GOTO) forceCheckpoint[t] = true;
        markJumpTarget(t + in.off() + 1);
        return new int[] {t + 1, t + in.off() + 1};
    }

    // ---- static register liveness --------------------------------------------------------------------

    /**
     * The argument registers a call reads: a helper's from the prototype this program type gets, r1-r5
     * otherwise (also for a helper the type may not call: the kernel's liveness falls back the same way).
     */
    private int callArgRegs(Insn call) {
        if (call.src() == CALL_HELPER) {
            int id = call.imm();
            HelperProto proto = HelperProto.of(opts.helpers(), id, ptype);
            if (proto != null && HelperAvailability.verdict(opts.helpers(), id, ptype, opts.expectedAttachType()) != HelperAvailability.Verdict.UNAVAILABLE) {
                return ((1 << (proto.args().length + 1)) - 1) & ~1;
            }
        }
        return 0x3e;
    }

    /** The level-2 header of compute_live_regs: subprogram starts, then r0-r9 live before each instruction. */
    private void logLiveRegs() {
        for (int i = 0; i < subprogStarts.length; i++) logln("func#" + i + " @" + subprogStarts[i]);
        logln("Live regs before insn:");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
            line.setLength(0);
            line.append(String.format("%7d: ", i));
            for (int r = 0; r < 10; r++) line.append((liveIn[i] & (1 << r)) != 0 ? (char) ('0' + r) : '.');
            Insn in = insns[i];
            long imm = isLdImm64(i) && i + 1 < n ? ((long) insns[i + 1].imm() << 32) | (in.imm() & 0xffffffffL) : in.imm();
            line.append(' ').append(LogFormat.insn(in, imm));
            logln(line.toString());
            if (isLdImm64(i)) i++;
        }
    }

    private void computeLiveRegs() {
        int[] use = new int[n], def = new int[n];
        for (int i = 0; i < n; i++) {
            Insn in = insns[i];
            int code = in.opcode(), cls = insnClass(code);
            int d = 1 << in.dst(), s = 1 << in.src();
            switch (cls) {
                case CLASS_ALU, CLASS_ALU64 -> {
                    int op = aluOp(code);
                    if (op == ALU_MOV) { use[i] = source(code) == SRC_X ? s : 0; def[i] = d; }
                    else { use[i] = d | (source(code) == SRC_X && op != ALU_END && op != ALU_NEG ? s : 0); def[i] = d; }
                }
                case CLASS_LDX -> { use[i] = s; def[i] = d; }
                case CLASS_ST -> use[i] = d;
                case CLASS_STX -> {
                    use[i] = d | s;
                    if (mode(code) == MODE_ATOMIC) {
                        if (in.imm() == ATOMIC_CMPXCHG) { use[i] |= 1; def[i] = 1; }
                        else if (in.imm() == ATOMIC_LOAD_ACQ) { use[i] = s; def[i] = d; }
                        else if ((in.imm() & ATOMIC_FETCH) != 0) def[i] = s;
                    }
                }
                case CLASS_LD -> {
                    if (code == LDDW) def[i] = d;
                    else { use[i] = 0x3ff; def[i] = 0x3f; } // LD_ABS/IND: the kernel's liveness keeps r0-r9 live before them
                }
                default -> {
                    int op = jmpOp(code);
                    if (op == JMP_CALL) { use[i] = callArgRegs(in); def[i] = 0x3f; }
                    else if (op == JMP_EXIT) use[i] = 1;
                    else if (op == JMP_JA || code == MAY_GOTO) use[i] = 0;
                    else use[i] = d | (source(code) == SRC_X ? s : 0);
                }
            }
            use[i] &= 0x7ff;
            def[i] &= 0x7ff;
        }
        liveIn = new int[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                if (i > 0 && isLdImm64(i - 1)) continue;
                int out = 0;
                Insn in = insns[i];
                int code = in.opcode(), cls = insnClass(code);
                if (cls == CLASS_JMP || cls == CLASS_JMP32) {
                    int op = jmpOp(code);
                    if (op == JMP_EXIT) out = 0;
                    else if (op == JMP_CALL) {
                        out = i + 1 < n ? liveIn[i + 1] : 0;
                        if (in.src() == CALL_PSEUDO) {
                            int t = i + in.imm() + 1;
                            if (t >= 0 && t < n) out |= liveIn[t] & 0x3e;
                        }
                    } else if (op == JMP_JA) {
                        int w = code == JA32 ? i + in.imm() + 1 : i + in.off() + 1;
                        out = w >= 0 && w < n ? liveIn[w] : 0;
                    } else {
                        int w = i + in.off() + 1;
                        out = (i + 1 < n ? liveIn[i + 1] : 0) | (w >= 0 && w < n ? liveIn[w] : 0);
                    }
                } else {
                    int next = i + (code == LDDW ? 2 : 1);
                    out = next < n ? liveIn[next] : 0;
                }
                int v = use[i] | (out & ~def[i]);
                if (v != liveIn[i]) { liveIn[i] = v; changed = true; }
            }
        }
    }

    /**
     * Static stack-slot liveness for the frame executing each instruction, as the kernel's (liveness.c)
     * lets explored states ignore slots no continuation reads: a fixed-offset load from r10 reads its
     * slots, a full-slot store to r10 overwrites one; a load or atomic through a register that may point
     * into the frame (see {@link #stackPointerRegs}), or any call, may read anything, so every slot is live
     * before it. A sound over-approximation of the kernel's.
     */
    private void computeLiveSlots() {
        long[] use = new long[n], def = new long[n];
        int[][] succ = new int[n][];
        for (int i = 0; i < n; i++) {
            if (i > 0 && isLdImm64(i - 1)) continue;
            succ[i] = successors(i);
        }
        int[] stackPtrs = stackPointerRegs(succ);
        for (int i = 0; i < n; i++) {
            if (succ[i] == null) continue;
            Insn in = insns[i];
            int code = in.opcode(), cls = insnClass(code);
            boolean atomic = cls == CLASS_STX && mode(code) == MODE_ATOMIC;
            if (cls == CLASS_LDX || atomic) {
                int base = cls == CLASS_LDX ? in.src() : in.dst();
                if (base == 10) use[i] = slotsOf(in.off(), sizeBytes(code));
                else if ((stackPtrs[i] & (1 << base)) != 0) use[i] = -1L;
            } else if ((cls == CLASS_STX || cls == CLASS_ST) && in.dst() == 10
                    && sizeBytes(code) == 8 && in.off() % 8 == 0 && in.off() < 0 && in.off() >= -MAX_BPF_STACK) {
                def[i] = 1L << ((-in.off() - 1) / 8);
            } else if ((cls == CLASS_JMP || cls == CLASS_JMP32) && jmpOp(code) == JMP_CALL) {
                use[i] = helperStackReads(i, stackPtrs[i]);
            }
        }
        liveSlotsIn = new long[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = n - 1; i >= 0; i--) {
                if (succ[i] == null) continue;
                long out = 0;
                for (int w : succ[i]) if (w >= 0 && w < n) out |= liveSlotsIn[w];
                long v = use[i] | (out & ~def[i]);
                if (v != liveSlotsIn[i]) { liveSlotsIn[i] = v; changed = true; }
            }
        }
    }

    /**
     * The registers that may point into the executing frame's stack before each instruction (a forward
     * may-analysis): r10 at every function's entry, copies of such registers and arithmetic on them, and
     * loads of spills once such a register may have been stored. Calls return none: helpers return no
     * stack pointers and functions may not return one. A frame's own code is the only way into its slots:
     * a function may not store a stack pointer into its caller's frame (the verifier refuses it).
     */
    private int[] stackPointerRegs(int[][] succ) {
        int[] in = new int[n];
        boolean[] seen = new boolean[n];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        for (int start : subprogStarts) {
            in[start] = 1 << 10;
            seen[start] = true;
            work.add(start);
        }
        boolean spilled = false; // some register that may point into the stack was stored somewhere
        while (!work.isEmpty()) {
            int i = work.poll();
            Insn insn = insns[i];
            int code = insn.opcode(), cls = insnClass(code), m = in[i];
            int d = 1 << insn.dst(), sBit = 1 << insn.src();
            int out = m;
            switch (cls) {
                case CLASS_ALU, CLASS_ALU64 -> {
                    if (aluOp(code) == ALU_MOV) {
                        boolean copy = cls == CLASS_ALU64 && source(code) == SRC_X && insn.off() == 0;
                        out = copy && (m & sBit) != 0 ? m | d : m & ~d;
                    } else if (source(code) == SRC_X && (m & sBit) != 0) {
                        out = m | d;
                    }
                }
                case CLASS_LDX -> out = spilled ? m | d : m & ~d;
                case CLASS_STX -> {
                    if ((m & sBit) != 0 && !spilled) {
                        spilled = true;
                        for (int k = 0; k < n; k++) if (seen[k]) work.add(k); // loads may now yield pointers
                    }
                    if (mode(code) == MODE_ATOMIC) {
                        int loaded = insn.imm() == ATOMIC_CMPXCHG ? 1 : (insn.imm() & ATOMIC_FETCH) != 0 ? sBit : 0;
                        out = spilled ? m | loaded : m & ~loaded;
                    }
                }
                case CLASS_LD -> out = code == LDDW ? m & ~d : m & ~0x3f;
                case CLASS_JMP, CLASS_JMP32 -> {
                    if (jmpOp(code) == JMP_CALL) out = m & ~0x3f;
                }
                default -> { }
            }
            if (succ[i] == null) continue;
            for (int w : succ[i]) {
                if (w < 0 || w >= n) continue;
                // the callee of a call starts from its own entry state
                if (cls == CLASS_JMP && jmpOp(code) == JMP_CALL && insn.src() == CALL_PSEUDO && w != i + 1) continue;
                if (code == LDDW && insn.src() == PSEUDO_FUNC && w != i + 2) continue;
                if (!seen[w] || (in[w] | out) != in[w]) {
                    in[w] |= out;
                    seen[w] = true;
                    work.add(w);
                }
            }
        }
        return in;
    }

    /**
     * The slots of the executing frame the call at {@code i} may read: for a helper, what its memory
     * arguments that may point into the frame cover, when the basic block shows where they point
     * ({@code rX = r10; rX += K}) and how much is read (the map's key or value size, a constant size
     * argument); every slot otherwise, and for any other call.
     */
    private long helperStackReads(int i, int stackPtrs) {
        Insn call = insns[i];
        HelperProto fn = call.src() == CALL_HELPER ? HelperProto.get(opts.helpers(), call.imm()) : null;
        if (fn == null) return -1L;
        int[] args = fn.args();
        long reads = 0;
        for (int a = 0; a < args.length && a < 5; a++) {
            int regno = a + 1, base = args[a] & HelperProto.ARG_BASE_MASK;
            if ((stackPtrs & (1 << regno)) == 0 || base == HelperProto.ARG_ANYTHING) continue;
            if (base == HelperProto.ARG_PTR_TO_MEM && (args[a] & HelperProto.A_UNINIT) != 0) continue; // written only
            long size = -1;
            if (base == HelperProto.ARG_PTR_TO_MAP_KEY || base == HelperProto.ARG_PTR_TO_MAP_VALUE) {
                long mapIdx = valueInBlock(i, 1, false);
                if (mapIdx >= 0 && mapIdx < maps.size()) {
                    MapInfo m = maps.get((int) mapIdx);
                    size = base == HelperProto.ARG_PTR_TO_MAP_KEY ? m.keySize() : m.valueSize();
                }
            } else if (base == HelperProto.ARG_PTR_TO_MEM && a + 1 < args.length) {
                int sizeArg = args[a + 1] & HelperProto.ARG_BASE_MASK;
                if (sizeArg == HelperProto.ARG_CONST_SIZE || sizeArg == HelperProto.ARG_CONST_SIZE_OR_ZERO) {
                    size = valueInBlock(i, regno + 1, false);
                }
            }
            long off = valueInBlock(i, regno, true);
            if (size < 0 || size > MAX_BPF_STACK || off == Long.MIN_VALUE) return -1L;
            if (size > 0) reads |= slotsOf((int) off, (int) size);
        }
        return reads;
    }

    /**
     * What register {@code regno} holds before instruction {@code i}, from the instructions of its basic
     * block: with {@code fromFp}, its offset from r10 when it is {@code r10 + K} (else Long.MIN_VALUE);
     * otherwise the constant it was set to, or the map index an ld_imm64 loaded (else -1).
     */
    private long valueInBlock(int i, int regno, boolean fromFp) {
        long unknown = fromFp ? Long.MIN_VALUE : -1, added = 0;
        int reg = regno;
        for (int p = i; p > 0 && !jmpPoint[p] && Arrays.binarySearch(subprogStarts, p) < 0; ) {
            int j = p - 1;
            if (j > 0 && isLdImm64(j - 1)) j--;
            Insn in = insns[j];
            int code = in.opcode(), cls = insnClass(code);
            p = j;
            boolean defines = in.dst() == reg && (cls == CLASS_ALU || cls == CLASS_ALU64 || cls == CLASS_LDX || code == LDDW);
            if (!defines) {
                // stores leave registers alone; anything else (jumps, calls, atomics, ld_abs) ends the search
                boolean plainStore = cls == CLASS_ST || (cls == CLASS_STX && mode(code) != MODE_ATOMIC);
                if (plainStore || cls == CLASS_ALU || cls == CLASS_ALU64 || cls == CLASS_LDX || code == LDDW) continue;
                return unknown;
            }
            int op = aluOp(code);
            if (cls == CLASS_ALU64 && op == ALU_MOV && source(code) == SRC_X && in.off() == 0) {
                if (fromFp && in.src() == 10) return added;
                reg = in.src();
            } else if (fromFp && cls == CLASS_ALU64 && source(code) == SRC_K && (op == ALU_ADD || op == ALU_SUB)) {
                added += op == ALU_ADD ? in.imm() : -(long) in.imm();
            } else if (!fromFp && cls == CLASS_ALU64 && op == ALU_MOV && source(code) == SRC_K) {
                return in.imm() < 0 ? unknown : in.imm();
            } else if (!fromFp && code == LDDW && in.src() == PSEUDO_MAP_FD) {
                return in.imm();
            } else {
                return unknown;
            }
        }
        return unknown;
    }

    /** The slots bytes [off, off + size) of the stack occupy; all of them when outside the stack. */
    private static long slotsOf(int off, int size) {
        if (off < -MAX_BPF_STACK || off + size > 0 || size <= 0) return -1L;
        long m = 0;
        for (int b = off; b < off + size; b++) m |= 1L << ((-b - 1) / 8);
        return m;
    }

    // ---- exploration -------------------------------------------------------------------------------------

    private VState initialState() {
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

    /**
     * do_check_subprogs: every global function a verified path called is verified on its own, from its
     * prototype, until no new one is called (global functions called only from dead code are not).
     */
    private void checkGlobalSubprogs() {
        boolean again = true;
        while (again) {
            again = false;
            for (int sp = 1; sp < subprogStarts.length; sp++) {
                if (!globalCalled[sp] || globalVerified[sp]) continue;
                BtfFunc g = btfFuncs.get(subprogStarts[sp]);
                logln("Validating " + g.name() + "() func#" + sp + "...");
                rootSubprog = sp;
                doCheck(globalInitialState(g, sp), subprogStarts[sp]);
                logln("Func#" + sp + " ('" + g.name() + "') is safe for any args that match its prototype");
                globalVerified[sp] = true;
                again = true;
            }
        }
        rootSubprog = 0;
    }

    private VState globalInitialState(BtfFunc g, int sp) {
        VState s = initialState();
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
                    r.id = ++idGen;
                }
                default -> r.markUnknown();
            }
        }
        return s;
    }

    private void doCheck(VState initial, int start) {
        explored = newExploredArray(n);
        pending.clear();
        cur = initial;
        cur.firstInsnIdx = start;
        insnIdx = start;
        prevInsnIdx = -1;
        boolean doPrintState = false;
        scratchAll();
        if (level > 0) {
            log.append(start).append(':').append(stateStr(cur.cur(), true)).append('\n');
            scratchedRegs = 0;
            scratchedSlots = 0;
        }
        for (;;) {
            if (insnIdx < 0 || insnIdx >= n) throw fail("invalid insn idx %d insn_cnt %d", insnIdx, n);
            Insn in = insns[insnIdx];
            int cls = insnClass(in.opcode());
            if (++insnProcessed > opts.insnLimit()) {
                throw fail("BPF program is too large. Processed %d insn", insnProcessed);
            }
            boolean exitPath = false;
            precision.beginInsn(prevInsnIdx);
            cur.lastInsnIdx = prevInsnIdx;
            if (prunePoint[insnIdx]) {
                if (isStateVisited(insnIdx)) {
                    if (level > 0) {
                        if (doPrintState) log.append("\nfrom ").append(prevInsnIdx).append(" to ").append(insnIdx).append(": safe\n");
                        else log.append(insnIdx).append(": safe\n");
                    }
                    exitPath = true;
                }
            }
            if (!exitPath) {
                if (jmpPoint[insnIdx] || reachedByJump()) precision.pushHistory(cur, insnIdx, 0, null);
                if (level >= 2 && doPrintState) {
                    log.append("\nfrom ").append(prevInsnIdx).append(" to ").append(insnIdx).append(':')
                            .append(stateStr(cur.cur(), true)).append('\n');
                    doPrintState = false;
                }
                if (level > 0) {
                    printInsnState();
                    String line = insnIdx + ": " + insnText(insnIdx);
                    log.append(line).append('\n');
                    trimLog();
                    lastInsnLineEnd = log.length();
                    lastInsnLineLen = line.length();
                }
                prevInsnIdx = insnIdx;
                cur.insnIdx = insnIdx;
                seen[insnIdx] = true;
                int r = step(in, cls);
                if (r == STEP_NEXT) {
                    if (level > 0) printInsnState();
                    continue;
                }
                if (r == STEP_FRAME_EXIT) {
                    doPrintState = true;
                    continue;
                }
            }
            // process_bpf_exit: this path is done
            scratchAll();
            updateBranchCounts(cur);
            Pending p = pending.pollLast();
            if (p == null) break;
            cur = p.st;
            insnIdx = p.insn;
            prevInsnIdx = p.prev;
            doPrintState = true;
        }
    }

    /**
     * Whether the current instruction was reached other than by falling through from the previous one
     * (or by re-running it, as a forked path does). Every such edge leads to a jump point, as in the
     * kernel; this keeps the history complete, and backtracking sound, should one be missed.
     */
    private boolean reachedByJump() {
        int p = prevInsnIdx;
        return p >= 0 && insnIdx != p && insnIdx != p + 1 && !(insnIdx == p + 2 && isLdImm64(p));
    }

    @SuppressWarnings("unchecked")
    private static List<Explored>[] newExploredArray(int n) {
        return (List<Explored>[]) new List<?>[n];
    }

    private static final int STEP_NEXT = 0, STEP_PATH_DONE = 1, STEP_FRAME_EXIT = 2;

    private void updateBranchCounts(VState st) {
        while (st != null) {
            int br = --st.branches;
            // a finished state that was part of a loop puts its parent in the loop too (update_branch_counts)
            if (br == 0 && st.parent != null && st.loopEntry != null) updateLoopEntry(st.parent, st.loopEntry);
            if (br > 0) break;
            st = st.parent;
        }
    }

    private VState pushStack(int insn, int prev) {
        VState copy = cur.copy();
        if (copy.parent != null) copy.parent.branches++;
        pending.addLast(new Pending(copy, insn, prev));
        if (pending.size() > COMPLEXITY_LIMIT_JMP_SEQ) {
            throw fail("The sequence of %d jumps is too complex.", pending.size());
        }
        return copy;
    }

    /** The outermost loop header {@code st} belongs to, with the chain shortened on the way (get_loop_entry). */
    private static VState loopEntry(VState st) {
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
    private static void updateLoopEntry(VState cur, VState hdr) {
        VState cur1 = loopEntry(cur), hdr1 = loopEntry(hdr);
        if (cur1 == null) cur1 = cur;
        if (hdr1 == null) hdr1 = hdr;
        if (hdr1.branches > 0 && hdr1.dfsDepth <= cur1.dfsDepth) cur.loopEntry = hdr;
    }

    private boolean isStateVisited(int idx) {
        // a long history since the last checkpoint makes one too (the kernel's bound of 40 entries)
        boolean forceNew = opts.testStateFreq() || forceCheckpoint[idx] || InsnHistory.count(cur.histStart, cur.hist) > 40;
        boolean addNew = forceNew || (jmpsProcessed - prevJmpsProcessed >= 2 && insnProcessed - prevInsnProcessed >= 8);
        List<Explored> list = explored[idx];
        long curHash = list == null ? 0 : regsHash(cur);
        int statesCnt = 0;
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                Explored sl = list.get(i);
                statesCnt++;
                if (sl.st.branches > 0) {
                    // may_goto: another iteration within the ranges of an earlier one converges, the
                    // counter bounds the loop at run time (is_state_visited)
                    if (isMayGoto(idx) && sl.st.mayGotoDepth != cur.mayGotoDepth
                            && statesEqual(sl.st, cur, Exactness.RANGE_WITHIN, idx)) {
                        updateLoopEntry(cur, sl.st);
                        return hit(sl, idx);
                    }
                    if (callsCallback[idx]) {
                        // a callback returned to its call: a state within an earlier one ends the iteration
                        if (statesEqual(sl.st, cur, Exactness.RANGE_WITHIN, idx)) {
                            sl.hit++;
                            return true;
                        }
                    } else if (sl.hash == curHash && statesMaybeLooping(sl.st, cur) && statesEqual(sl.st, cur, Exactness.EXACT, idx)
                            && sl.st.mayGotoDepth == cur.mayGotoDepth
                            && sl.st.callbackUnrollDepth == cur.callbackUnrollDepth) {
                        List<String> lines = new ArrayList<>();
                        lines.add("infinite loop detected at insn " + idx);
                        lines.add("cur state:" + stateStr(cur.cur(), true));
                        lines.add("old state:" + stateStr(sl.st.frames[cur.curframe], true));
                        throw new Reject(idx, lines);
                    }
                    if (!forceNew && jmpsProcessed - prevJmpsProcessed < 20 && insnProcessed - prevInsnProcessed < 100) {
                        addNew = false;
                    }
                } else {
                    // a state of a loop still being explored may lack precision marks: compare by ranges
                    VState entry = loopEntry(sl.st);
                    boolean forceExact = entry != null && entry.branches > 0;
                    if (statesEqual(sl.st, cur, forceExact ? Exactness.RANGE_WITHIN : Exactness.NOT_EXACT, idx)) {
                        if (forceExact) updateLoopEntry(cur, entry);
                        return hit(sl, idx);
                    }
                }
                // miss: a state that keeps missing is evicted (the kernel's heuristic)
                if (addNew) sl.miss++;
                int nfac = forceNew && sl.st.branches > 0 ? 64 : 3;
                if (sl.miss > sl.hit * nfac + nfac) {
                    list.remove(i);
                    i--;
                    if (sl.st.branches == 0) curStates--;
                }
            }
        }
        if (statesCnt > maxStatesPerInsn) maxStatesPerInsn = statesCnt;
        if (!addNew) return false;
        totalStates++;
        curStates++;
        if (curStates > peakStates) peakStates = curStates;
        prevJmpsProcessed = jmpsProcessed;
        prevInsnProcessed = insnProcessed;
        Precision.markAllScalarsImprecise(cur);
        VState nw = cur.copy();
        nw.insnIdx = idx;
        cur.parent = nw;
        cur.branches = 1;
        cur.firstInsnIdx = idx;
        cur.dfsDepth = nw.dfsDepth + 1;
        cur.histStart = cur.hist;
        if (list == null) explored[idx] = list = new ArrayList<>();
        list.addFirst(new Explored(nw, regsHash(nw))); // newest first, as the kernel links them
        return false;
    }

    /** cur is pruned by the explored state {@code sl}. */
    private boolean hit(Explored sl, int idx) {
        sl.hit++;
        // what the explored continuation needed precise is needed on this path too
        if (jmpPoint[idx]) precision.pushHistory(cur, idx, 0, null);
        precision.propagate(sl.st, cur, idx, liveRegsOf(sl.st, idx), liveSlotsIn[idx]);
        return true;
    }

    private boolean isMayGoto(int idx) {
        return insns[idx].opcode() == MAY_GOTO;
    }

    private static boolean regsIdentical(Reg a, Reg b) {
        return a.type == b.type && a.off == b.off && a.tv == b.tv && a.tm == b.tm && a.smin == b.smin && a.smax == b.smax
                && a.umin == b.umin && a.umax == b.umax && a.s32min == b.s32min && a.s32max == b.s32max
                && a.u32min == b.u32min && a.u32max == b.u32max && a.id == b.id && a.refObjId == b.refObjId
                && a.range == b.range && a.mapIdx == b.mapIdx && a.memSize == b.memSize && a.subprog == b.subprog;
    }

    private static boolean statesMaybeLooping(VState old, VState c) {
        if (old.curframe != c.curframe) return false;
        Frame fo = old.cur(), fc = c.cur();
        for (int i = 0; i < 11; i++) if (!regsIdentical(fo.regs[i], fc.regs[i])) return false;
        return true;
    }

    /** The id map of check_ids: old id -> cur id and back. */
    private static final class IdMap {
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
    private enum Exactness { NOT_EXACT, RANGE_WITHIN, EXACT }

    private boolean statesEqual(VState old, VState c, Exactness exact, int idx) {
        if (old.curframe != c.curframe) return false;
        IdMap idmap = new IdMap();
        if (old.lockMap != c.lockMap || (old.lockId == 0) != (c.lockId == 0)) return false;
        if (old.lockId != 0 && !idmap.check(old.lockId, c.lockId)) return false;
        for (int i = 0; i <= old.curframe; i++) {
            if (old.frames[i].callsite != c.frames[i].callsite) return false;
            // the stack of a calling frame may be read through pointers by its callees: all of it is live
            long slots = i == old.curframe ? liveSlotsIn[idx] : -1L;
            if (!funcStatesEqual(old.frames[i], c.frames[i], idmap, exact, liveRegsAt(old, idx, i), slots)) return false;
        }
        if (old.refIds.length != c.refIds.length) return false;
        for (int i = 0; i < old.refIds.length; i++) if (!idmap.check(old.refIds[i], c.refIds[i])) return false;
        return true;
    }

    /** The registers live in {@code frame} of {@code st} at {@code idx}: callers keep r6-r9 (and r10) for after the call. */
    private int liveRegsAt(VState st, int idx, int frame) {
        if (frame == st.curframe) return liveIn[idx];
        int ret = st.frames[frame + 1].callsite + 1;
        return (ret < n ? (liveIn[ret] & 0x7c0) : 0) | 1 << 10;
    }

    /** {@link #liveRegsAt} for every frame of {@code st}. */
    private int[] liveRegsOf(VState st, int idx) {
        int[] live = new int[st.curframe + 1];
        for (int i = 0; i <= st.curframe; i++) live[i] = liveRegsAt(st, idx, i);
        return live;
    }

    private boolean funcStatesEqual(Frame old, Frame c, IdMap idmap, Exactness exact, int live, long liveSlots) {
        if (old.callbackDepth > c.callbackDepth) return false;
        for (int i = 0; i < 11; i++) {
            if (exact != Exactness.EXACT && (live & (1 << i)) == 0) continue;
            if (!regsafe(old.regs[i], c.regs[i], idmap, exact)) return false;
        }
        return stacksafe(old, c, idmap, exact, liveSlots);
    }

    private static boolean rangeWithin(Reg o, Reg c) {
        return Reg.ule(o.umin, c.umin) && Reg.ule(c.umax, o.umax) && o.smin <= c.smin && c.smax <= o.smax
                && o.u32min <= c.u32min && c.u32max <= o.u32max && o.s32min <= c.s32min && c.s32max <= o.s32max;
    }

    private static boolean tnumIn(Reg o, Reg c) {
        return new Tnum(o.tv, o.tm).includes(new Tnum(c.tv, c.tm));
    }

    private static boolean regsExact(Reg o, Reg c, IdMap idmap) {
        return o.type == c.type && o.off == c.off && o.tv == c.tv && o.tm == c.tm && o.smin == c.smin && o.smax == c.smax
                && o.umin == c.umin && o.umax == c.umax && o.s32min == c.s32min && o.s32max == c.s32max
                && o.u32min == c.u32min && o.u32max == c.u32max && o.range == c.range && o.mapIdx == c.mapIdx
                && o.memSize == c.memSize && o.subprog == c.subprog && o.frameno == c.frameno
                && idmap.check(o.id, c.id) && idmap.check(o.refObjId, c.refObjId);
    }

    private boolean regsafe(Reg o, Reg c, IdMap idmap, Exactness exact) {
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
                if (!o.precise && opts.privileged() && exact == Exactness.NOT_EXACT) return true;
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

    private static final Reg UNKNOWN_SCALAR = unknownScalar();

    private static Reg unknownScalar() {
        Reg r = new Reg();
        r.markUnknown();
        return r;
    }

    private static Reg scalarRegForStack(Frame f, int spi) {
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

    private boolean stacksafe(Frame old, Frame c, IdMap idmap, Exactness exact, long liveSlots) {
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
                if (!regsafe(oreg, creg, idmap, exact)) return false;
                i += 7 - j;
                continue;
            }
            byte ct = c.slot(spi, j);
            if (ot != ct) return false;
            if (j != 7) continue;
            if (ot == STACK_SPILL && !regsafe(old.spill[spi], c.spill[spi], idmap, exact)) return false;
        }
        return true;
    }

    // ---- instructions -------------------------------------------------------------------------------

    private Reg reg(int r) { return cur.cur().regs[r]; }

    private void scratchReg(int r) { scratchedRegs |= 1 << r; }

    private static final int SRC_OP = 0, DST_OP = 1, DST_OP_NO_MARK = 2;

    private void checkRegArg(int regno, int t) {
        if (regno >= 11) throw fail("R%d is invalid", regno);
        scratchReg(regno);
        Reg r = reg(regno);
        if (t == SRC_OP) {
            if (r.type == NOT_INIT) throw fail("R%d !read_ok", regno);
            return;
        }
        if (regno == 10) throw fail("frame pointer is read only");
        if (t == DST_OP) r.markUnknown();
    }

    private int step(Insn in, int cls) {
        int code = in.opcode();
        switch (cls) {
            case CLASS_ALU, CLASS_ALU64 -> checkAluOp(in);
            case CLASS_LDX -> {
                checkRegArg(in.src(), SRC_OP);
                checkRegArg(in.dst(), DST_OP_NO_MARK);
                int srcType = reg(in.src()).type;
                checkMemAccess(in.src(), in.off(), sizeBytes(code), false, in.dst(), false, mode(code) == MODE_MEMSX);
                saveAuxPtrType(srcType);
                reg(in.dst()).sanityCheck();
            }
            case CLASS_STX -> {
                if (mode(code) == MODE_ATOMIC) {
                    checkAtomic(in);
                } else {
                    if (mode(code) != MODE_MEM || in.imm() != 0) throw fail("BPF_STX uses reserved fields");
                    checkRegArg(in.src(), SRC_OP);
                    checkRegArg(in.dst(), SRC_OP);
                    int dstType = reg(in.dst()).type;
                    checkMemAccess(in.dst(), in.off(), sizeBytes(code), true, in.src(), false, false);
                    saveAuxPtrType(dstType);
                }
            }
            case CLASS_ST -> {
                if (mode(code) != MODE_MEM || in.src() != 0) throw fail("BPF_ST uses reserved fields");
                checkRegArg(in.dst(), SRC_OP);
                int dstType = reg(in.dst()).type;
                stImm = in.imm();
                try {
                    checkMemAccess(in.dst(), in.off(), sizeBytes(code), true, -1, false, false);
                } finally {
                    stImm = null;
                }
                saveAuxPtrType(dstType);
            }
            case CLASS_JMP, CLASS_JMP32 -> {
                int op = jmpOp(code);
                jmpsProcessed++;
                if (op == JMP_CALL) {
                    if (source(code) != SRC_K || (in.src() != CALL_KFUNC && in.off() != 0)
                            || (in.src() != CALL_HELPER && in.src() != CALL_PSEUDO && in.src() != CALL_KFUNC)
                            || in.dst() != 0 || cls == CLASS_JMP32) {
                        throw fail("BPF_CALL uses reserved fields");
                    }
                    if (cur.lockMap >= 0 && in.src() == CALL_HELPER && in.imm() != KernelHelper.SPIN_UNLOCK.id()) {
                        throw fail("function calls are not allowed while holding a lock");
                    }
                    if (in.src() == CALL_PSEUDO) {
                        checkFuncCall(in);
                        return STEP_NEXT;
                    }
                    if (in.src() == CALL_KFUNC) throw unsupported("kfunc calls are not modelled");
                    return checkHelperCall(in);
                } else if (op == JMP_JA) {
                    if (source(code) != SRC_K || in.src() != 0 || in.dst() != 0
                            || (cls == CLASS_JMP && in.imm() != 0) || (cls == CLASS_JMP32 && in.off() != 0)) {
                        throw fail("BPF_JA uses reserved fields");
                    }
                    insnIdx += (cls == CLASS_JMP ? in.off() : in.imm()) + 1;
                    return STEP_NEXT;
                } else if (op == JMP_EXIT) {
                    if (source(code) != SRC_K || in.imm() != 0 || in.src() != 0 || in.dst() != 0 || cls == CLASS_JMP32) {
                        throw fail("BPF_EXIT uses reserved fields");
                    }
                    return processExit();
                } else {
                    checkCondJmp(in, cls == CLASS_JMP32);
                    return STEP_NEXT;
                }
            }
            default -> { // CLASS_LD
                int m = mode(code);
                if (m == MODE_ABS || m == MODE_IND) {
                    int r = checkLdAbs(in);
                    if (r != STEP_NEXT) return r;
                } else if (m == MODE_IMM) {
                    checkLdImm(in);
                    insnIdx++;
                } else {
                    throw fail("invalid BPF_LD mode");
                }
            }
        }
        insnIdx++;
        return STEP_NEXT;
    }

    private Integer stImm;

    private void saveAuxPtrType(int type) {
        int prev = auxPtrType[insnIdx];
        if (prev == -1) {
            auxPtrType[insnIdx] = type;
        } else if (prev != type) {
            boolean prevCtx = prev == PTR_TO_CTX, curCtx = type == PTR_TO_CTX;
            if (prevCtx || curCtx) throw fail("same insn cannot be used with different pointers");
        }
    }

    // ---- ALU ------------------------------------------------------------------------------------------

    private void checkAluOp(Insn in) {
        int code = in.opcode();
        int op = aluOp(code);
        boolean alu64 = insnClass(code) == CLASS_ALU64;
        boolean srcX = source(code) == SRC_X;
        Frame f = cur.cur();
        if (op == ALU_END || op == ALU_NEG) {
            if (op == ALU_NEG) {
                if (srcX || in.src() != 0 || in.off() != 0 || in.imm() != 0) throw fail("BPF_NEG uses reserved fields");
            } else if (in.src() != 0 || in.off() != 0 || (in.imm() != 16 && in.imm() != 32 && in.imm() != 64)
                    || (alu64 && srcX)) {
                throw fail("BPF_END uses reserved fields");
            }
            checkRegArg(in.dst(), SRC_OP);
            if (!opts.privileged() && reg(in.dst()).isPointer()) throw fail("R%d pointer arithmetic prohibited", in.dst());
            if (reg(in.dst()).type == SCALAR_VALUE) {
                // Linux 6.18 tracks both through adjust_scalar_min_max_vals: NEG as 0 - x, END as a byte
                // swap of the tnum (scalar_byte_swap) with truncation for 16/32
                checkRegArg(in.dst(), DST_OP_NO_MARK);
                Reg d = reg(in.dst());
                if (op == ALU_NEG) ScalarAlu.neg(d, !alu64);
                else ScalarAlu.byteSwap(d, alu64, srcX, in.imm());
            } else {
                checkRegArg(in.dst(), DST_OP);
            }
        } else if (op == ALU_MOV) {
            if (srcX) {
                if (!alu64) {
                    if ((in.off() != 0 && in.off() != 8 && in.off() != 16) || in.imm() != 0) throw fail("BPF_MOV uses reserved fields");
                } else if (in.off() == OFF_ADDR_SPACE_CAST) {
                    if (in.imm() != 1 && in.imm() != 1 << 16) throw fail("addr_space_cast insn can only convert between address space 1 and 0");
                    throw fail("addr_space_cast insn can only be used in a program that has an associated arena");
                } else if ((in.off() != 0 && in.off() != 8 && in.off() != 16 && in.off() != 32) || in.imm() != 0) {
                    throw fail("BPF_MOV uses reserved fields");
                }
                checkRegArg(in.src(), SRC_OP);
            } else if (in.src() != 0 || in.off() != 0) {
                throw fail("BPF_MOV uses reserved fields");
            }
            checkRegArg(in.dst(), DST_OP_NO_MARK);
            Reg dst = reg(in.dst());
            if (srcX) {
                Reg src = reg(in.src());
                if (alu64) {
                    if (in.off() == 0) {
                        assignScalarIdBeforeMov(src);
                        dst.set(src);
                    } else if (src.type == SCALAR_VALUE) {
                        boolean noSext = Long.compareUnsigned(src.umax, 1L << (in.off() - 1)) < 0;
                        if (noSext) assignScalarIdBeforeMov(src);
                        dst.set(src);
                        if (!noSext) { dst.id = 0; dst.off = 0; }
                        dst.coerceToSizeSx(in.off() >> 3);
                    } else {
                        if (!opts.privileged()) throw fail("R%d sign-extension part of pointer", in.src());
                        dst.markUnknown();
                    }
                } else {
                    if (src.type == SCALAR_VALUE) {
                        if (in.off() == 0) {
                            boolean u32 = src.width() <= 32;
                            if (u32) assignScalarIdBeforeMov(src);
                            dst.set(src);
                            if (!u32) { dst.id = 0; dst.off = 0; }
                        } else {
                            boolean noSext = Long.compareUnsigned(src.umax, 1L << (in.off() - 1)) < 0;
                            if (noSext) assignScalarIdBeforeMov(src);
                            dst.set(src);
                            if (!noSext) { dst.id = 0; dst.off = 0; }
                            dst.coerceSubregToSizeSx(in.off() >> 3);
                        }
                    } else {
                        if (!opts.privileged()) throw fail("R%d partial copy of pointer", in.src());
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
            throw fail("invalid BPF_ALU opcode %x", op);
        } else {
            if (srcX) {
                if (in.imm() != 0 || (in.off() != 0 && in.off() != 1) || (in.off() == 1 && op != ALU_MOD && op != ALU_DIV)) {
                    throw fail("BPF_ALU uses reserved fields");
                }
                checkRegArg(in.src(), SRC_OP);
            } else if (in.src() != 0 || (in.off() != 0 && in.off() != 1) || (in.off() == 1 && op != ALU_MOD && op != ALU_DIV)) {
                throw fail("BPF_ALU uses reserved fields");
            }
            checkRegArg(in.dst(), SRC_OP);
            if ((op == ALU_MOD || op == ALU_DIV) && !srcX && in.imm() == 0) throw fail("div by zero");
            if ((op == ALU_LSH || op == ALU_RSH || op == ALU_ARSH) && !srcX) {
                int size = alu64 ? 64 : 32;
                if (in.imm() < 0 || in.imm() >= size) throw fail("invalid shift %d", in.imm());
            }
            checkRegArg(in.dst(), DST_OP_NO_MARK);
            adjustRegMinMaxVals(in);
        }
        reg(in.dst()).sanityCheck();
        if (f != cur.cur()) throw new IllegalStateException("frame changed");
    }

    /** mark_chain_precision for register {@code regno} of the current frame, at the current instruction. */
    private void markPrecise(int regno) {
        precision.markReg(cur, insnIdx, regno);
    }

    private void assignScalarIdBeforeMov(Reg src) {
        if (src.type != SCALAR_VALUE) return;
        if ((src.id & Reg.ADD_CONST) != 0) { // rX = rY + k is linked once: a copy of it starts afresh
            src.id = 0;
            src.off = 0;
        }
        if (src.id == 0 && src.tm != 0) src.id = ++idGen;
    }

    private void adjustRegMinMaxVals(Insn in) {
        int code = in.opcode();
        int op = aluOp(code);
        boolean alu32 = insnClass(code) != CLASS_ALU64;
        Reg dst = reg(in.dst());
        Reg ptrReg = dst.type != SCALAR_VALUE ? dst : null;
        Reg src;
        if (source(code) == SRC_X) {
            src = reg(in.src());
            if (src.type != SCALAR_VALUE) {
                if (dst.type != SCALAR_VALUE) {
                    if (op == ALU_SUB && opts.privileged()) {
                        dst.markUnknown();
                        return;
                    }
                    throw fail("R%d pointer %s pointer prohibited", in.dst(), Operators.alu(op));
                }
                markPrecise(in.dst()); // scalar += pointer: the offset's value matters
                Reg off = dst.copy();
                adjustPtrMinMaxVals(in, src, off);
                return;
            } else if (ptrReg != null) {
                markPrecise(in.src()); // pointer += scalar
                adjustPtrMinMaxVals(in, dst, src.copy());
                return;
            } else if (dst.precise) {
                markPrecise(in.src()); // a precise result needs a precise operand
            }
        } else {
            src = new Reg();
            src.markKnown(in.imm());
            src.type = SCALAR_VALUE;
            if (ptrReg != null) {
                adjustPtrMinMaxVals(in, ptrReg, src);
                return;
            }
        }
        Reg srcCopy = src.copy();
        if (!ScalarAlu.safeToCompute(op, alu32, srcCopy)) {
            dst.markUnknown();
            return;
        }
        if ((op == ALU_AND || op == ALU_OR) && srcCopy.isConst()) {
            maybeForkScalars(in, dst);
        }
        ScalarAlu.apply(op, alu32, dst, srcCopy);
        // rX = rY; rX += k keeps rX linked to rY, k in off, so that a bound learnt on one moves to the other
        if (opts.privileged() && op == ALU_ADD && !alu32 && dst.id != 0 && src.isConst()
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

    private void maybeForkScalars(Insn in, Reg dst) {
        boolean alu32;
        if (dst.smin == -1 && dst.smax == 0) alu32 = false;
        else if (dst.s32min == -1 && dst.s32max == 0) alu32 = true;
        else return;
        VState branch = pushStack(insnIdx, insnIdx);
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

    private void adjustPtrMinMaxVals(Insn in, Reg ptr, Reg off) {
        int code = in.opcode();
        int op = aluOp(code);
        int dstno = in.dst();
        Reg dst = reg(dstno);
        boolean known = off.isConst();
        long sminVal = off.smin, smaxVal = off.smax, uminVal = off.umin, umaxVal = off.umax;
        long sminPtr = ptr.smin, smaxPtr = ptr.smax, uminPtr = ptr.umin, umaxPtr = ptr.umax;
        if ((known && (sminVal != smaxVal || uminVal != umaxVal)) || sminVal > smaxVal || Reg.ult(umaxVal, uminVal)) {
            dst.markUnknown();
            return;
        }
        if (insnClass(code) != CLASS_ALU64) {
            if (op == ALU_SUB && opts.privileged()) {
                dst.markUnknown();
                return;
            }
            throw fail("R%d 32-bit pointer arithmetic prohibited", dstno);
        }
        if (mayBeNull(ptr.type)) {
            throw fail("R%d pointer arithmetic on %s prohibited, null-check it first", dstno, RegType.str(ptr.type));
        }
        switch (base(ptr.type)) {
            case PTR_TO_CTX, PTR_TO_MAP_VALUE, PTR_TO_MAP_KEY, PTR_TO_STACK, PTR_TO_PACKET_META, PTR_TO_PACKET,
                 PTR_TO_TP_BUFFER, PTR_TO_BTF_ID, PTR_TO_MEM, PTR_TO_BUF, PTR_TO_FUNC, CONST_PTR_TO_DYNPTR -> { }
            case PTR_TO_FLOW_KEYS -> {
                if (!known) throw fail("R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
            }
            case CONST_PTR_TO_MAP -> {
                if (!(known && sminVal == 0 && op == ALU_ADD)) {
                    throw fail("R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
                }
            }
            default -> throw fail("R%d pointer arithmetic on %s prohibited", dstno, RegType.str(ptr.type));
        }
        int ptrType = ptr.type;
        checkRegSaneOffset(off, ptrType);
        checkRegSaneOffset(ptr, ptrType);
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
                    dst.id = ++idGen;
                    dst.range = 0;
                }
            }
            case ALU_SUB -> {
                if (dst != ptr) {
                    // dst was the scalar: subtracting a pointer from a scalar
                    throw fail("R%d tried to subtract pointer from scalar", dstno);
                }
                if (p.type == PTR_TO_STACK) throw fail("R%d subtraction from stack pointer prohibited", dstno);
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
                    dst.id = ++idGen;
                    if (sminVal < 0) dst.range = 0;
                }
            }
            case ALU_AND, ALU_OR, ALU_XOR -> throw fail("R%d bitwise operator %s on pointer prohibited", dstno, Operators.alu(op));
            default -> throw fail("R%d pointer arithmetic with %s operator prohibited", dstno, Operators.alu(op));
        }
        checkRegSaneOffset(dst, ptrType);
        dst.sync();
    }

    private void checkRegSaneOffset(Reg r, int type) {
        boolean known = r.isConst();
        long val = r.tv;
        long smin = r.smin;
        if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) {
            throw fail("math between %s pointer and %d is not allowed", RegType.str(type), val);
        }
        if (r.off >= BPF_MAX_VAR_OFF || r.off <= -BPF_MAX_VAR_OFF) {
            throw fail("%s pointer offset %d is not allowed", RegType.str(type), r.off);
        }
        if (smin == Long.MIN_VALUE) {
            throw fail("math between %s pointer and register with unbounded min value is not allowed", RegType.str(type));
        }
        if (smin >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) {
            throw fail("value %d makes %s pointer be out of bounds", smin, RegType.str(type));
        }
    }

    // ---- conditional jumps ------------------------------------------------------------------------------

    private void checkCondJmp(Insn in, boolean jmp32) {
        int code = in.opcode();
        int op = jmpOp(code);
        if (op == JMP_JA || op > JMP_JCOND) throw fail("invalid BPF_JMP/JMP32 opcode %x", op);
        if (op == JMP_JCOND) {
            if (code != MAY_GOTO || in.src() != JCOND_MAY_GOTO || in.dst() != 0 || in.imm() != 0 || in.off() == 0) {
                throw fail("invalid may_goto off %d imm %d", in.off(), in.imm());
            }
            VState prev = findPrevEntry(cur.parent, insnIdx);
            VState q = pushStack(insnIdx + 1, insnIdx);
            q.mayGotoDepth++;
            // the next iteration forgets the imprecise scalars that changed since the previous one, so
            // that iterations converge (check_cond_jmp_op)
            if (prev != null) widenImpreciseScalars(prev, q, slot -> false);
            insnIdx += in.off() + 1;
            return;
        }
        checkRegArg(in.dst(), SRC_OP);
        Reg dst = reg(in.dst());
        Reg src;
        boolean srcX = source(code) == SRC_X;
        int histFlags = dst.type == PTR_TO_STACK ? InsnHistory.DST_REG_STACK : 0;
        if (srcX) {
            if (in.imm() != 0) throw fail("BPF_JMP/JMP32 uses reserved fields");
            checkRegArg(in.src(), SRC_OP);
            src = reg(in.src());
            if (!opts.privileged() && !(isPktPointerAny(dst.type) && isPktPointerAny(src.type)) && src.isPointer()) {
                throw fail("R%d pointer comparison prohibited", in.src());
            }
            if (src.type == PTR_TO_STACK) histFlags |= InsnHistory.SRC_REG_STACK;
        } else {
            if (in.src() != 0) throw fail("BPF_JMP/JMP32 uses reserved fields");
            src = new Reg();
            src.markKnown(in.imm());
            src.type = SCALAR_VALUE;
        }
        if (histFlags != 0) precision.pushHistory(cur, insnIdx, histFlags, null);
        int pred = Branches.isBranchTaken(dst, src, op, jmp32);
        if (pred >= 0) {
            // the branch is decided by the scalars' values: those must be precise
            if (dst.type == SCALAR_VALUE) markPrecise(in.dst());
            if (srcX && src.type == SCALAR_VALUE) markPrecise(in.src());
        }
        if (pred == 1) {
            if (level > 0) printInsnState();
            insnIdx += in.off() + 1;
            return;
        } else if (pred == 0) {
            if (level > 0) printInsnState();
            insnIdx++;
            return;
        }
        // scalars sharing an id with the operands get the same bounds; the history records them, before
        // the other branch is copied so that both share the entry, to make them precise together
        LinkedRegs linked = new LinkedRegs();
        if (srcX && src.type == SCALAR_VALUE && src.id != 0) linked.collect(cur, src.id);
        if (dst.type == SCALAR_VALUE && dst.id != 0) linked.collect(cur, dst.id);
        if (linked.cnt > 1) precision.pushHistory(cur, insnIdx, 0, linked.entries());
        VState other = pushStack(insnIdx + in.off() + 1, insnIdx);
        Frame of = other.cur();
        Reg oDst = of.regs[in.dst()];
        if (srcX) {
            Reg oSrc = of.regs[in.src()];
            Branches.regSetMinMax(oDst, oSrc, dst, src, op, jmp32);
            if (src.type == SCALAR_VALUE && src.id != 0) {
                linked.sync(cur, src);
                linked.sync(other, oSrc);
            }
        } else {
            Reg k1 = src, k2 = src.copy();
            Branches.regSetMinMax(oDst, k1, dst, k2, op, jmp32);
        }
        if (dst.type == SCALAR_VALUE && dst.id != 0) {
            linked.sync(cur, dst);
            linked.sync(other, oDst);
        }
        if (!jmp32 && srcX && dst.isPointer() && src.isPointer()) {
            Frame eq = null;
            if (op == JMP_JEQ) eq = of;
            else if (op == JMP_JNE) eq = cur.cur();
            if (eq != null) {
                if (Branches.regNotNull(dst) && mayBeNull(src.type)) markPtrNotNull(eq.regs[in.src()]);
                if (Branches.regNotNull(src) && mayBeNull(dst.type)) markPtrNotNull(eq.regs[in.dst()]);
            }
        }
        if (!jmp32 && !srcX && in.imm() == 0 && (op == JMP_JEQ || op == JMP_JNE) && mayBeNull(dst.type)) {
            int id = dst.id, refObj = dst.refObjId;
            markPtrOrNullRegs(cur, id, refObj, op == JMP_JNE);
            markPtrOrNullRegs(other, id, refObj, op == JMP_JEQ);
        } else if (!tryMatchPktPointers(in, jmp32, dst, srcX ? src : null, cur, other) && !opts.privileged() && dst.isPointer()) {
            throw fail("R%d pointer comparison prohibited", in.dst());
        }
        if (level > 0) printInsnState();
        insnIdx++;
    }

    /**
     * The scalars (registers and spilled slots, in any frame) sharing an id at a conditional jump
     * (collect_linked_regs): at most six, as the kernel's history entry holds; the others lose the id.
     */
    private static final class LinkedRegs {
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
    private void markPtrNotNull(Reg r) {
        if (base(r.type) == PTR_TO_MAP_VALUE && r.mapIdx >= 0 && r.mapIdx < programMaps) {
            MapInfo m = maps.get(r.mapIdx);
            if (m.type() == MapType.SOCKMAP || m.type() == MapType.SOCKHASH || m.type() == MapType.XSKMAP) {
                r.type = m.type() == MapType.XSKMAP ? PTR_TO_XDP_SOCK : PTR_TO_SOCKET;
                r.mapIdx = -1;
                return;
            }
        }
        r.type &= ~PTR_MAYBE_NULL;
    }

    private void markPtrOrNullRegs(VState st, int id, int refObjId, boolean isNull) {
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
                markPtrNotNull(r);
                // a pointer to a value with a spin lock keeps its id: it tells the value's lock from others'
                if (!(r.type == PTR_TO_MAP_VALUE && maps.get(r.mapIdx).fields().spinLockOff() >= 0)) r.id = 0;
            }
        });
    }

    private boolean tryMatchPktPointers(Insn in, boolean jmp32, Reg dst, Reg src, VState thisBr, VState otherBr) {
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

    private static void findGoodPktPointers(VState st, Reg dstReg, int type, boolean rangeRightOpen) {
        if (dstReg.off < 0 || (dstReg.off == 0 && rangeRightOpen)) return;
        if (Long.compareUnsigned(dstReg.umax, MAX_PACKET_OFF) > 0 || dstReg.umax + dstReg.off > MAX_PACKET_OFF) return;
        int newRange = dstReg.off + (rangeRightOpen ? 1 : 0);
        int id = dstReg.id;
        st.forEachReg(r -> {
            if (r.type == type && r.id == id) r.range = Math.max(r.range, newRange);
        });
    }

    private static void markPktEnd(VState st, int regno, boolean rangeOpen) {
        Reg r = st.cur().regs[regno];
        if (r.type != PTR_TO_PACKET) return;
        r.range = rangeOpen ? BEYOND_PKT_END : AT_PKT_END;
    }

    // ---- exit and calls ------------------------------------------------------------------------------

    private int processExit() {
        if (cur.curframe == 0) {
            updateStackDepth(cur.cur());
            checkResourceLeak("BPF_EXIT instruction in main prog");
            Frame f = cur.cur();
            if (f.inAsyncCallback) {
                checkRegArg(0, SRC_OP);
                if (!opts.privileged() && reg(0).isPointer()) throw fail("R0 leaks addr as return value");
                enforceRetval("At async callback return", f.callbackRetMin, f.callbackRetMax);
                return STEP_PATH_DONE;
            }
            if (rootSubprog != 0) {
                // a global function returns a scalar (check_return_code for a subprogram)
                checkRegArg(0, SRC_OP);
                Reg r0 = reg(0);
                if (!opts.privileged() && r0.isPointer()) throw fail("R0 leaks addr as return value");
                if (r0.type != SCALAR_VALUE) {
                    throw fail("At subprogram exit the register R0 is not a scalar value (%s)", RegType.str(r0.type));
                }
                return STEP_PATH_DONE;
            }
            checkReturnCode();
            return STEP_PATH_DONE;
        }
        // prepare_func_exit: R0 need not be set (the caller gets it uninitialized)
        Frame callee = cur.cur();
        Reg r0 = callee.regs[0];
        if (r0.type == PTR_TO_STACK) throw fail("cannot return stack pointer to the caller");
        Frame caller = cur.frames[cur.curframe - 1];
        if (callee.inCallback) {
            if (r0.type != SCALAR_VALUE) throw fail("R0 not a scalar value");
            markPrecise(0); // prepare_func_exit: the range check relies on its bounds, also in pruned paths
            if (r0.smin < callee.callbackRetMin || r0.smax > callee.callbackRetMax) {
                throw invalidScalar("At callback return", r0, callee.callbackRetMin, callee.callbackRetMax);
            }
        } else {
            caller.regs[0].set(r0);
        }
        updateStackDepth(callee);
        cur.frames[cur.curframe] = null;
        cur.curframe--;
        // a callback returns to the helper call, which calls it again until the states converge
        insnIdx = callee.inCallback ? callee.callsite : callee.callsite + 1;
        if (callee.inCallback) widenImpreciseScalars(insnIdx);
        scratchAll();
        return STEP_FRAME_EXIT;
    }

    /** The context bytes each callback keeps precise, by subprogram and calling helper (CallbackPrecision). */
    private final Map<Long, CallbackPrecision.Result> callbackPrecision = new java.util.HashMap<>();

    /**
     * widen_imprecise_scalars: at a callback's return, the scalars that differ from the ones of the previous
     * visit of the call on this path become unknown, so that iterations converge. Scalars marked precise keep
     * their values: bpf4j does not track precision yet, so it keeps the context slots CallbackPrecision finds
     * the kernel may keep precise, and widens the rest.
     */
    private void widenImpreciseScalars(int callsite) {
        List<Explored> list = explored[callsite];
        VState prev = null;
        for (int i = list == null ? -1 : list.size() - 1; i >= 0 && prev == null; i--) {
            VState st = list.get(i).st;
            if (st.branches > 0 && sameCallsites(st, cur)) prev = st;
        }
        if (prev == null) return;
        // the callback's context: the caller's R3 at the call (bpf_loop, for_each_map_elem, user_ringbuf_drain)
        Reg fn = cur.cur().regs[2], ctx = cur.cur().regs[3];
        if (fn.type != PTR_TO_FUNC || (ctx.type == PTR_TO_STACK && !ctx.isConst())) return;
        int helper = insns[callsite].imm();
        int sp = fn.subprog;
        CallbackPrecision.Result keep = callbackPrecision.computeIfAbsent((long) sp << 16 | helper,
                k -> CallbackPrecision.analyze(opts.helpers(), insns, subprogStarts, subprogStarts[sp], subprogEnd(sp), helper));
        widenImpreciseScalars(prev, cur, slot -> slot.frame() == (ctx.type == PTR_TO_STACK ? ctx.frameno : -1)
                && preciseSlot(keep, slot.spi(), ctx.off + ctx.tv));
    }

    /** A stack slot of a frame. */
    private record StackSlot(int frame, int spi) {}

    /**
     * widen_imprecise_scalars: the scalars of {@code c} that differ from those of the earlier visit {@code prev}
     * and are not precise become unknown, but for the stack slots {@code kept} names.
     */
    private static void widenImpreciseScalars(VState prev, VState c, java.util.function.Predicate<StackSlot> kept) {
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
    private VState findPrevEntry(VState st, int idx) {
        if (st == null || explored[idx] == null) return null;
        for (Explored sl : explored[idx]) {
            VState old = sl.st;
            if (old.insnIdx == idx && old.branches > 0 && sameCallsites(old, st) && old.dfsDepth < st.dfsDepth) return old;
        }
        return null;
    }

    /** Whether a byte of stack slot {@code spi} is a precise byte of a context at frame offset {@code ctxBase}. */
    private static boolean preciseSlot(CallbackPrecision.Result keep, int spi, long ctxBase) {
        for (int b = 0; b < 8; b++) {
            long o = -(spi + 1) * 8L + b - ctxBase;
            if (o == (int) o && keep.precise((int) o)) return true;
        }
        return false;
    }

    private static boolean sameCallsites(VState a, VState b) {
        if (a.curframe != b.curframe) return false;
        for (int fr = a.curframe; fr >= 0; fr--) if (a.frames[fr].callsite != b.frames[fr].callsite) return false;
        return true;
    }

    private static void maybeWidenReg(Reg old, Reg c, IdMap idmap) {
        if (old.type != SCALAR_VALUE || c.type != SCALAR_VALUE) return;
        if (old.precise || c.precise || regsExact(old, c, idmap)) return;
        c.markUnknown();
    }

    /**
     * check_resource_leak: before an instruction that ends the program (exit of the main program, a tail call,
     * an LD_ABS/IND that may abort it) no lock may be held, and in the main program's frame no reference
     * (check_reference_leak: a subprogram's references are its caller's to release).
     */
    private void checkResourceLeak(String what) {
        if (cur.lockMap >= 0) throw fail("%s cannot be used inside bpf_spin_lock-ed region", what);
        if (cur.curframe == 0 && cur.refIds.length > 0) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < cur.refIds.length; i++) {
                lines.add("Unreleased reference id=" + cur.refIds[i] + " alloc_insn=" + cur.refInsns[i]);
            }
            lines.add(what + " would lead to reference leak");
            throw new Reject(insnIdx, lines);
        }
    }

    private void checkReturnCode() {
        checkRegArg(0, SRC_OP);
        Reg r0 = reg(0);
        if (!opts.privileged() && r0.isPointer()) throw fail("R0 leaks addr as return value");
        VerifierOps.RetvalRange range = VerifierOps.returnRange(ptype, opts.expectedAttachType());
        if (range != null) enforceRetval("At program exit", range.min(), range.max());
    }

    /** R0 must be a scalar within [min, max] (64-bit) at this exit. */
    private void enforceRetval(String where, long min, long max) {
        Reg r0 = reg(0);
        if (r0.type != SCALAR_VALUE) throw fail("%s the register R0 is not a known value (%s)", where, RegType.str(r0.type));
        markPrecise(0); // the range check relies on its bounds
        if (r0.smin < min || r0.smax > max) throw invalidScalar(where, r0, min, max);
    }

    /** verbose_invalid_scalar. */
    private Reject invalidScalar(String where, Reg r, long min, long max) {
        StringBuilder sb = new StringBuilder(where).append(" the register R0 has");
        boolean unknown = true;
        if (r.smin > Long.MIN_VALUE) { sb.append(" smin=").append(r.smin); unknown = false; }
        if (r.smax < Long.MAX_VALUE) { sb.append(" smax=").append(r.smax); unknown = false; }
        if (unknown) sb.append(" unknown scalar value");
        sb.append(" should have been in [").append(min).append(", ").append(max).append(']');
        return new Reject(insnIdx, List.of(sb.toString()));
    }

    // ---- bpf_fastcall spill/fill patterns ------------------------------------------------------------

    /**
     * mark_fastcall_patterns: in each subprogram, the spill/fill pairs around a helper call that saves the
     * registers the helper leaves alone, at the lowest stack offsets the subprogram spills to. Pairs around a
     * helper the kernel inlines are removed after verification (remove_fastcall_spills_fills), and with
     * them their stack slots, which then do not count towards the 512 bytes.
     */
    private void markFastcallPatterns() {
        fastcallPattern = new boolean[n];
        fastcallSpills = new int[n];
        fastcallStackOff = new int[subprogStarts.length];
        keepFastcallStack = new boolean[subprogStarts.length];
        boolean[] jumpTarget = jumpTargets();
        for (int s = 0; s < subprogStarts.length; s++) {
            int end = s + 1 < subprogStarts.length ? subprogStarts[s + 1] : n;
            int lowestOff = 0;
            for (int i = subprogStarts[s]; i < end; i++) {
                Insn in = insns[i];
                if (in.opcode() == (CLASS_STX | MODE_MEM | SIZE_DW) && in.dst() == 10) lowestOff = Math.min(lowestOff, in.off());
            }
            for (int i = subprogStarts[s]; i < end; i++) {
                if (insns[i].opcode() == (CLASS_JMP | JMP_CALL)) {
                    markFastcallPatternForCall(s, i, lowestOff, jumpTarget);
                }
            }
        }
    }

    /** The instructions a jump, a call or a callback's address leads to (push_insn's BRANCH edges, mark_jump_target). */
    private boolean[] jumpTargets() {
        boolean[] t = new boolean[n];
        for (int i = 0; i < n; i++) {
            Insn in = insns[i];
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
            if (w >= 0 && w < n) t[w] = true;
        }
        return t;
    }

    /** mark_fastcall_pattern_for_call: the pairs {@code *(u64 *)(r10 + off) = rX ... call ... rX = *(u64 *)(r10 + off)}. */
    private void markFastcallPatternForCall(int subprog, int call, int lowestOff, boolean[] jumpTarget) {
        Insn c = insns[call];
        if (c.src() != CALL_HELPER) return; // subprogram calls clobber everything; kfuncs are not modelled
        HelperProto fn = HelperProto.of(opts.helpers(), c.imm(), ptype);
        if (fn == null || fn.unmodelled() != null) return;
        int clobbered = fn.ret() != HelperProto.RET_VOID ? 1 : 0; // helper_fastcall_clobber_mask
        for (int a = 0; a < fn.args().length; a++) if (fn.args()[a] != HelperProto.ARG_DONTCARE) clobbered |= 1 << (a + 1);
        int expected = ~clobbered & 0x3f;
        int i = 1, off = lowestOff;
        for (; i <= 5; i++, off += 8) {
            if (call - i < 0 || call + i >= n) break;
            if (jumpTarget[call - i + 1] || jumpTarget[call + i]) break; // a jump to the first spill is fine
            Insn stx = insns[call - i], ldx = insns[call + i];
            if (stx.opcode() != (CLASS_STX | MODE_MEM | SIZE_DW) || ldx.opcode() != (CLASS_LDX | MODE_MEM | SIZE_DW)
                    || stx.dst() != 10 || ldx.src() != 10) break;
            if (stx.src() != ldx.dst() || (expected & (1 << stx.src())) == 0) break;
            if (stx.off() != off || ldx.off() != off) break;
            expected &= ~(1 << stx.src());
            fastcallPattern[call - i] = true;
            fastcallPattern[call + i] = true;
        }
        if (i == 1) return;
        // a pattern around a helper this kernel does not inline is kept, and so is its stack; the one
        // allow_fastcall helper, bpf_get_smp_processor_id, is inlined on x86-64 with the JIT on
        // (verifier_inlines_helper_call, bpf_jit_inlines_helper_call)
        if (fn.allowFastcall()) fastcallSpills[call] = i - 1;
        else keepFastcallStack[subprog] = true;
        fastcallStackOff[subprog] = Math.min(fastcallStackOff[subprog], off);
    }

    /**
     * check_fastcall_stack_contract: an access below the fastcall region by an instruction outside the
     * patterns means the region is not the patterns' alone: none of the subprogram's patterns is removed.
     */
    private void checkFastcallStackContract(Frame f, long off) {
        int sp = f.subprog;
        if (fastcallStackOff[sp] <= off || fastcallPattern[insnIdx]) return;
        fastcallStackOff[sp] = Short.MIN_VALUE;
        int end = sp + 1 < subprogStarts.length ? subprogStarts[sp + 1] : n;
        for (int i = subprogStarts[sp]; i < end; i++) {
            fastcallSpills[i] = 0;
            fastcallPattern[i] = false;
        }
    }

    /**
     * remove_fastcall_spills_fills, for the stack depth only: bpf4j runs the program as written, but a
     * subprogram whose patterns the kernel removes needs only the stack above them.
     */
    private void removeFastcallSpillsFills() {
        for (int s = 0; s < subprogStarts.length; s++) {
            int end = s + 1 < subprogStarts.length ? subprogStarts[s + 1] : n;
            boolean modified = false;
            for (int i = subprogStarts[s]; i < end; i++) modified |= fastcallSpills[i] > 0;
            if (modified && !keepFastcallStack[s]) stackDepth[s] = -fastcallStackOff[s];
        }
    }

    private void updateStackDepth(Frame f) {
        int sp = f.subprog;
        stackDepth[sp] = Math.max(stackDepth[sp], f.allocated());
    }

    private void checkFuncCall(Insn in) {
        if (cur.curframe + 1 >= MAX_FRAMES) {
            throw fail("the call stack of %d frames is too deep", cur.curframe + 2);
        }
        int target = insnIdx + in.imm() + 1;
        int sp = Arrays.binarySearch(subprogStarts, target);
        if (sp < 0) throw fail("verifier bug. No program starts at insn %d", target);
        BtfFunc g = btfFuncs.get(target);
        if (g != null && g.global()) {
            callGlobal(g, sp);
            return;
        }
        Frame caller = cur.cur();
        Frame callee = Callbacks.newFrame(insnIdx, cur.curframe + 1, sp);
        for (int i = 1; i <= 5; i++) callee.regs[i].set(caller.regs[i]);
        for (int i = 0; i <= 5; i++) {
            caller.regs[i].markNotInit();
        }
        updateStackDepth(caller);
        cur.curframe++;
        cur.frames[cur.curframe] = callee;
        scratchAll();
        insnIdx = target;
    }

    /**
     * A call of a global function (check_func_call): the arguments are checked against its prototype
     * (btf_check_func_arg_match), the callee is assumed valid and verified later on its own; R0 becomes an
     * unknown scalar.
     */
    private void callGlobal(BtfFunc g, int sp) {
        if (cur.lockMap >= 0) {
            throw fail2("global function calls are not allowed while holding a lock,", "use static function instead");
        }
        if (g.problem() != null) throw unsupported("global function " + g.name() + "(): " + g.problem());
        Frame caller = cur.cur();
        try {
            for (int i = 0; i < g.args().size(); i++) {
                BtfFunc.Arg a = g.args().get(i);
                int regno = i + 1;
                Reg r = reg(regno);
                scratchReg(regno);
                switch (a.kind()) {
                    case BtfFunc.ARG_SCALAR -> {
                        if (r.type != SCALAR_VALUE) throw fail("R%d is not a scalar", regno);
                    }
                    case BtfFunc.ARG_CTX -> {
                        if (r.type == PTR_TO_CTX) checkPtrOffReg(r, regno, false);
                        else throw fail("arg#%d expects pointer to ctx", i);
                    }
                    default -> {
                        checkMemReg(regno, (int) a.memSize());
                        if (!a.nullable() && mayBeNull(r.type)) throw fail("arg#%d is expected to be non-NULL", i);
                    }
                }
            }
        } catch (Reject e) {
            List<String> lines = new ArrayList<>(e.lines);
            lines.add(String.format("Caller passes invalid args into func#%d ('%s')", sp, g.name()));
            throw new Reject(e.insn, lines);
        }
        logln(String.format("Func#%d ('%s') is global and assumed valid.", sp, g.name()));
        if (subprogChangesPktData(sp)) clearAllPktPointers();
        globalCalled[sp] = true;
        for (int i = 0; i <= 5; i++) {
            caller.regs[i].markNotInit();
            scratchReg(i);
        }
        caller.regs[0].markUnknown();
        insnIdx++;
    }

    /** check_mem_reg: a (maybe NULL) pointer to memory of {@code size} bytes, read and written. */
    private void checkMemReg(int regno, int size) {
        Reg r = reg(regno);
        if (r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) return;
        Reg saved = null;
        if (mayBeNull(r.type)) {
            saved = r.copy();
            r.type &= ~PTR_MAYBE_NULL;
        }
        try {
            checkHelperMemAccess(regno, size, false, true, null);
            checkHelperMemAccess(regno, size, true, true, null);
        } finally {
            if (saved != null) r.set(saved);
        }
    }

    private boolean[] changesPkt;

    /** Whether a subprogram, or one it calls, calls a helper that changes packet data (changes_pkt_data). */
    private boolean subprogChangesPktData(int sp) {
        if (changesPkt == null) {
            int cnt = subprogStarts.length;
            changesPkt = new boolean[cnt];
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int s = 0; s < cnt; s++) {
                    if (changesPkt[s]) continue;
                    for (int i = subprogStarts[s]; i < subprogEnd(s) && !changesPkt[s]; i++) {
                        Insn in = insns[i];
                        if (in.opcode() != CALL) continue;
                        if (in.src() == CALL_HELPER && opts.helpers().changesPktData(in.imm())) changesPkt[s] = true;
                        if (in.src() == CALL_PSEUDO) {
                            int t = Arrays.binarySearch(subprogStarts, i + in.imm() + 1);
                            if (t >= 0 && changesPkt[t]) changesPkt[s] = true;
                        }
                    }
                    if (changesPkt[s]) changed = true;
                }
            }
        }
        return changesPkt[sp];
    }

    /**
     * After verification the kernel removes what no path reached (opt_remove_dead_code, privileged loads), whole
     * subprograms included, then splits the program for the JIT: a callback never called that was the last
     * subprogram leaves its address pointing past the end, and the kernel refuses the program. It names the
     * instruction of the rewritten program (helpers inlined), which is not the one bpf4j names.
     */
    private void checkRemovedCallbacks() {
        if (!opts.privileged()) return;
        int lastKept = -1, kept = 0;
        for (int sp = 0; sp < subprogStarts.length; sp++) {
            boolean any = false;
            for (int i = subprogStarts[sp]; i < subprogEnd(sp) && !any; i++) any = seen[i];
            if (any) {
                kept++;
                lastKept = sp;
            }
        }
        if (kept <= 1) return;
        int tail = subprogEnd(lastKept);
        for (int i = 0; i < tail; i++) {
            if (seen[i] && insns[i].opcode() == LDDW && insns[i].src() == PSEUDO_FUNC && i + insns[i].imm() + 1 >= tail) {
                insnIdx = i;
                throw fail("verifier bug: No program to jit at insn %d (subprog < 0)", i);
            }
        }
    }

    private boolean hasLdAbs(int sp) {
        for (int i = subprogStarts[sp]; i < subprogEnd(sp); i++) if (isLdAbs(i)) return true;
        return false;
    }

    private void checkMaxStackDepth() {
        for (int sp = 0; sp < subprogStarts.length; sp++) {
            if (sp == 0 || asyncCallbacks[sp]) checkMaxStackDepthFrom(sp); // a timer callback runs on a stack of its own
        }
    }

    /** round_up_stack_depth with the JIT requested: each frame rounded up to 16 bytes. */
    private int roundedStackDepth(int sp) {
        return (stackDepth[sp] + 15) & ~15;
    }

    /**
     * check_max_stack_depth_subprog: walks every chain of calls from {@code root} in the kernel's order,
     * a callback whose address a function takes counting as called from there (timer callbacks excepted):
     * the first chain of more than 8 frames or more than 512 bytes of stack is refused.
     */
    private void checkMaxStackDepthFrom(int root) {
        int[] retInsn = new int[MAX_FRAMES], retProg = new int[MAX_FRAMES];
        int depth = 0, frame = 0, idx = root, i = subprogStarts[root];
        boolean entered = true;
        for (;;) {
            if (entered) {
                depth += roundedStackDepth(idx);
                if (depth > MAX_BPF_STACK) {
                    insnIdx = -1;
                    throw fail("combined stack size of %d calls is %d. Too large", frame + 1, depth);
                }
            }
            if (entered && hasLdAbs(idx)) {
                boolean inCb = callbacks[idx];
                for (int j = 0; j < frame && !inCb; j++) inCb = callbacks[retProg[j]];
                if (inCb) {
                    insnIdx = -1;
                    throw fail("cannot use BPF_LD_[ABS|IND] within callback");
                }
            }
            entered = false;
            for (; i < subprogEnd(idx) && !entered; i++) {
                Insn in = insns[i];
                boolean call = in.opcode() == CALL && in.src() == CALL_PSEUDO;
                boolean callback = in.opcode() == LDDW && in.src() == PSEUDO_FUNC;
                if (!call && !callback) continue;
                int callee = Arrays.binarySearch(subprogStarts, i + in.imm() + 1);
                if (callee < 0 || (callback && asyncCallbacks[callee])) continue;
                retInsn[frame] = i + 1;
                retProg[frame] = idx;
                frame++;
                if (frame >= MAX_FRAMES) {
                    insnIdx = -1;
                    throw fail("the call stack of %d frames is too deep !", frame);
                }
                idx = callee;
                entered = true;
            }
            if (entered) {
                i = subprogStarts[idx];
                continue;
            }
            if (frame == 0) return;
            depth -= roundedStackDepth(idx);
            frame--;
            i = retInsn[frame];
            idx = retProg[frame];
        }
    }

    // ---- memory ----------------------------------------------------------------------------------------

    private Frame funcOf(Reg r) {
        return cur.frames[r.frameno];
    }

    /** check_ptr_alignment: strict under BPF_F_STRICT_ALIGNMENT, for stack accesses, or when the caller asks. */
    private void checkPtrAlignment(Reg r, int off, int size, boolean strictOnce) {
        boolean strict = strictOnce || opts.strictAlignment();
        String desc = "";
        switch (r.type) {
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> {
                if (!strict || size == 1) return;
                Tnum t = new Tnum(r.tv, r.tm).add(Tnum.constant(2L + r.off + off));
                if (!t.isAligned(size)) {
                    throw fail("misaligned packet access off %d+%s+%d+%d size %d", 2, LogFormat.tnumStr(r.tv, r.tm), r.off, off, size);
                }
                return;
            }
            case PTR_TO_FLOW_KEYS -> desc = "flow keys ";
            case PTR_TO_SOCKET -> desc = "sock ";
            case PTR_TO_SOCK_COMMON -> desc = "sock_common ";
            case PTR_TO_TCP_SOCK -> desc = "tcp_sock ";
            case PTR_TO_XDP_SOCK -> desc = "xdp_sock ";
            case PTR_TO_MAP_KEY -> desc = "key ";
            case PTR_TO_MAP_VALUE -> desc = "value ";
            case PTR_TO_CTX -> desc = "context ";
            case PTR_TO_STACK -> { desc = "stack "; strict = true; }
            case PTR_TO_ARENA -> { return; }
            default -> { }
        }
        if (!strict || size == 1) return;
        Tnum t = new Tnum(r.tv, r.tm).add(Tnum.constant((long) r.off + off));
        if (!t.isAligned(size)) {
            throw fail("misaligned %saccess off %s+%d+%d size %d", desc, LogFormat.tnumStr(r.tv, r.tm), r.off, off, size);
        }
    }

    private void checkMemAccess(int regno, int off, int size, boolean write, int valueRegno, boolean strictOnce, boolean ldsx) {
        Reg r = reg(regno);
        checkPtrAlignment(r, off, size, strictOnce);
        off += r.off;
        int t = r.type;
        if (t == PTR_TO_MAP_KEY) {
            if (write) throw fail("write to change key R%d not allowed", regno);
            checkMemRegionAccess(regno, off, size, maps.get(r.mapIdx).keySize(), false);
            if (valueRegno >= 0) reg(valueRegno).markUnknown();
        } else if (t == PTR_TO_MAP_VALUE) {
            if (write && valueRegno >= 0 && !opts.privileged() && reg(valueRegno).isPointer()) {
                throw fail("R%d leaks addr into map", valueRegno);
            }
            MapInfo m = maps.get(r.mapIdx);
            checkMapAccessType(m, off, size, write);
            checkMemRegionAccess(regno, off, size, m.valueSize(), false);
            checkMapValueFields(r, m, off, size);
            if (!write && valueRegno >= 0) {
                if (r.isConst() && m.readOnlyForProgram() && m.frozen() && m.data() != null) {
                    int mapOff = (int) (off + r.tv);
                    long val = 0;
                    byte[] d = m.data();
                    if (mapOff + size > d.length) throw fail("invalid access to map value, value_size=%d off=%d size=%d", m.valueSize(), mapOff, size);
                    for (int i = size - 1; i >= 0; i--) val = (val << 8) | (d[mapOff + i] & 0xff);
                    if (ldsx) val = size == 1 ? (byte) val : size == 2 ? (short) val : size == 4 ? (int) val : val;
                    Reg v = reg(valueRegno);
                    v.markUnknown();
                    v.markKnown(val);
                } else {
                    reg(valueRegno).markUnknown();
                }
            }
        } else if (base(t) == PTR_TO_MEM) {
            boolean rdonly = (t & MEM_RDONLY) != 0;
            if (mayBeNull(t)) throw fail("R%d invalid mem access '%s'", regno, RegType.str(t));
            if (write && rdonly) throw fail("R%d cannot write into %s", regno, RegType.str(t));
            checkMemRegionAccess(regno, off, size, r.memSize, false);
            if (valueRegno >= 0 && (!write || rdonly)) reg(valueRegno).markUnknown();
        } else if (t == PTR_TO_CTX) {
            if (write && valueRegno >= 0 && !opts.privileged() && reg(valueRegno).isPointer()) {
                throw fail("R%d leaks addr into ctx", valueRegno);
            }
            if (ptype == ProgramType.SYSCALL && (r.tm != 0 || r.tv != 0)) {
                throw unsupported("variable-offset accesses to a syscall program's context are not modelled");
            }
            checkPtrOffReg(r, regno, false);
            int res = VerifierOps.ctxAccess(ptype, off, size, write, ldsx, opts.expectedAttachType());
            if (res == VerifierOps.UNSUPPORTED) {
                throw unsupported("context access off=" + off + " size=" + size + " of " + ptype + " loads "
                        + VerifierOps.unsupportedCtxField(ptype) + ": not modelled");
            }
            if (res == VerifierOps.INVALID) throw fail("invalid bpf_context access off=%d size=%d", off, size);
            ctxAccesses.put(insnIdx, new VerifierResult.CtxAccess(insnIdx, off, size, write, res));
            if (!write && valueRegno >= 0) {
                Reg v = reg(valueRegno);
                if (res == SCALAR_VALUE) {
                    v.markUnknown();
                } else {
                    v.markKnownZeroPtr(res);
                    v.type = res;
                    if (mayBeNull(res)) v.id = ++idGen; // a socket that may be NULL, null-checked by id
                }
            }
        } else if (t == PTR_TO_STACK) {
            checkStackAccessWithinBounds(regno, off, size, write);
            Frame f = funcOf(r);
            checkFastcallStackContract(f, (r.isConst() ? r.tv : r.smin) + off);
            if (!write) checkStackRead(f, regno, off, size, valueRegno);
            else checkStackWrite(f, regno, off, size, valueRegno);
        } else if (isPktPointer(t)) {
            if (write && !VerifierOps.directPacketAccess(ptype, true)) throw fail("cannot write into packet");
            if (write && valueRegno >= 0 && !opts.privileged() && reg(valueRegno).isPointer()) {
                throw fail("R%d leaks addr into packet", valueRegno);
            }
            checkPacketAccess(regno, off, size, false);
            if (!write && valueRegno >= 0) reg(valueRegno).markUnknown();
        } else if (SocketRules.isSocketPointer(t)) {
            if (write) throw fail("R%d cannot write into %s", regno, RegType.str(t));
            String refusal = SocketRules.refusal(regno, t, off, size);
            if (refusal != null) throw fail("%s", refusal);
            if (valueRegno >= 0) reg(valueRegno).markUnknown();
        } else if (t == CONST_PTR_TO_MAP) {
            checkPtrToMapAccess(regno, off, write);
        } else {
            throw fail("R%d invalid mem access '%s'", regno, RegType.str(t));
        }
        if (size < 8 && valueRegno >= 0 && !write && reg(valueRegno).type == SCALAR_VALUE) {
            if (!ldsx) reg(valueRegno).coerceToSize(size);
            else reg(valueRegno).coerceToSizeSx(size);
        }
    }

    /** check_map_access: no load, store or helper may touch the value's spin lock or timer. */
    private void checkMapValueFields(Reg r, MapInfo m, int off, int size) {
        MapValueFields fields = m.fields();
        if (!fields.hasSpecialFields()) return;
        if (fields.unmodelled() != null) throw unsupported("map value with " + fields.unmodelled());
        String field = fields.overlapped(r.smin + off, r.umax + off + size);
        if (field != null) throw fail("%s cannot be accessed directly by load/store", field);
    }

    /**
     * check_ptr_to_map_access: a map pointer reads the kernel's struct of the map (its type named by
     * vmlinux BTF); bpf4j refuses what the kernel refuses and does not model the reads themselves.
     */
    private void checkPtrToMapAccess(int regno, int off, boolean write) {
        String struct = switch (maps.get(reg(regno).mapIdx).type()) {
            case MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.PROG_ARRAY, MapType.PERF_EVENT_ARRAY, MapType.CGROUP_ARRAY,
                 MapType.ARRAY_OF_MAPS -> "bpf_array";
            case MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH, MapType.HASH_OF_MAPS -> "bpf_htab";
            default -> null;
        };
        if (struct == null) throw unsupported("reads of struct bpf_map fields are not modelled");
        if (off < 0) throw fail("R%d is %s invalid negative access: off=%d", regno, struct, off);
        if (write) throw fail("only read from %s is supported", struct);
        throw unsupported("reads of struct " + struct + " fields are not modelled");
    }

    private void checkPtrOffReg(Reg r, int regno, boolean fixedOffOk) {
        if (r.off < 0) {
            throw fail("negative offset %s ptr R%d off=%d disallowed", RegType.str(r.type), regno, r.off);
        }
        if (!fixedOffOk && r.off != 0) {
            throw fail("dereference of modified %s ptr R%d off=%d disallowed", RegType.str(r.type), regno, r.off);
        }
        if (r.tm != 0 || r.tv != 0) {
            throw fail("variable %s access var_off=%s disallowed", RegType.str(r.type), LogFormat.tnumStr(r.tv, r.tm));
        }
    }

    private void checkMapAccessType(MapInfo m, int off, int size, boolean write) {
        if (write && m.readOnlyForProgram()) {
            throw fail("write into map forbidden, value_size=%d off=%d size=%d", m.valueSize(), off, size);
        }
        if (!write && m.writeOnlyForProgram()) {
            throw fail("read from map forbidden, value_size=%d off=%d size=%d", m.valueSize(), off, size);
        }
    }

    private String memAccessError(int regno, long off, int size, long memSize) {
        Reg r = reg(regno);
        return switch (r.type) {
            case PTR_TO_MAP_KEY -> String.format("invalid access to map key, key_size=%d off=%d size=%d", memSize, off, size);
            case PTR_TO_MAP_VALUE -> String.format("invalid access to map value, value_size=%d off=%d size=%d", memSize, off, size);
            case PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_PACKET_END ->
                    String.format("invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)", off, size, regno, r.id, off, memSize);
            default -> String.format("invalid access to memory, mem_size=%d off=%d size=%d", memSize & 0xffffffffL, off, size);
        };
    }

    private boolean memOk(long off, int size, long memSize, boolean zeroSizeAllowed) {
        boolean sizeOk = size > 0 || (size == 0 && zeroSizeAllowed);
        return off >= 0 && sizeOk && off + size <= memSize;
    }

    private void checkMemRegionAccess(int regno, int off, int size, long memSize, boolean zeroSizeAllowed) {
        Reg r = reg(regno);
        if (r.smin < 0 && (r.smin == Long.MIN_VALUE || (off + r.smin != (int) (off + r.smin)) || r.smin + off < 0)) {
            throw fail("R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
        }
        long lo = (int) (r.smin + off);
        if (!memOk(lo, size, memSize, zeroSizeAllowed)) {
            throw fail2(memAccessError(regno, lo, size, memSize), "R" + regno + " min value is outside of the allowed memory range");
        }
        if (Long.compareUnsigned(r.umax, BPF_MAX_VAR_OFF) >= 0) {
            throw fail("R%d unbounded memory access, make sure to bounds check any such access", regno);
        }
        long hi = (int) (r.umax + off);
        if (!memOk(hi, size, memSize, zeroSizeAllowed)) {
            throw fail2(memAccessError(regno, hi, size, memSize), "R" + regno + " max value is outside of the allowed memory range");
        }
    }

    private void checkPacketAccess(int regno, int off, int size, boolean zeroSizeAllowed) {
        Reg r = reg(regno);
        if (r.smin < 0) {
            throw fail("R%d min value is negative, either use unsigned index or do a if (index >=0) check.", regno);
        }
        if (r.range < 0 || !memOk(off, size, r.range, zeroSizeAllowed)) {
            if (r.range < 0) throw fail("R%d offset is outside of the packet", regno);
            throw fail2(memAccessError(regno, off, size, r.range), "R" + regno + " offset is outside of the packet");
        }
    }

    private void checkStackAccessWithinBounds(int regno, int off, int size, boolean write) {
        Reg r = reg(regno);
        String extra = write ? " write to" : " read from";
        long minOff, maxOff;
        if (r.isConst()) {
            minOff = r.tv + off;
            maxOff = minOff + size;
        } else {
            if (r.smax >= BPF_MAX_VAR_OFF || r.smin <= -BPF_MAX_VAR_OFF) {
                throw fail("invalid unbounded variable-offset%s stack R%d", extra, regno);
            }
            minOff = r.smin + off;
            maxOff = r.smax + off + size;
        }
        boolean bad = minOff < -MAX_BPF_STACK || maxOff > 0 || size < 0;
        if (bad) {
            if (r.isConst()) throw fail("invalid%s stack R%d off=%d size=%d", extra, regno, off, size);
            throw fail("invalid variable-offset%s stack R%d var_off=%s off=%d size=%d", extra, regno,
                    LogFormat.tnumStr(r.tv, r.tm), off, size);
        }
        funcOf(r).grow((int) -minOff);
    }

    private void scratchSlot(Frame f, int spi) {
        if (f == cur.cur() && spi < 64) scratchedSlots |= 1L << spi;
    }

    private void checkStackWrite(Frame f, int regno, int off, int size, int valueRegno) {
        Reg ptr = reg(regno);
        if (ptr.isConst()) {
            checkStackWriteFixedOff(f, (int) (off + ptr.tv), size, valueRegno);
        } else {
            checkStackWriteVarOff(f, ptr, off, size, valueRegno);
        }
    }

    private void saveRegisterState(Frame f, int spi, Reg r, int size) {
        f.spill[spi].set(r);
        int i;
        for (i = 8; i > 8 - size; i--) f.setSlot(spi, i - 1, STACK_SPILL);
        for (; i > 0; i--) { // mark_stack_slot_misc
            byte t = f.slot(spi, i - 1);
            if (t == STACK_ZERO || (t == STACK_INVALID && opts.privileged())) continue;
            f.setSlot(spi, i - 1, STACK_MISC);
        }
    }

    /**
     * A regular (non-spill) write into a slot: the spilled register is gone and, when the slot held a
     * spill (is_stack_slot_special), every initialized byte of it becomes misc (scrub_spilled_slot), so a
     * later narrow read is a misc read, not a fill of a dead register.
     */
    private void scrubSpecialSlot(Frame f, int spi) {
        if (f.isSpilled(spi)) {
            for (int j = 0; j < 8; j++) if (f.slot(spi, j) != STACK_INVALID) f.setSlot(spi, j, STACK_MISC);
        }
        f.spill[spi].markNotInit();
    }

    private void checkStackWriteFixedOff(Frame f, int off, int size, int valueRegno) {
        int slot = -off - 1, spi = slot / 8;
        Reg r = valueRegno >= 0 ? reg(valueRegno) : null;
        scratchSlot(f, spi);
        // a spilled pointer overwritten in part loses its meaning
        if (!opts.privileged() && f.isSpilled(spi) && !f.isSpilledScalar(spi) && size != 8) {
            throw fail("attempt to corrupt spilled pointer on stack");
        }
        // scalar spills are tracked for bpf_capable loaders only
        if (r != null && off % 8 == 0 && r.type == SCALAR_VALUE && opts.privileged()) {
            boolean fits = r.width() <= 8 * size;
            if (fits) assignScalarIdBeforeMov(r);
            saveRegisterState(f, spi, r, size);
            if (!fits) f.spill[spi].id = 0;
        } else if (r == null && off % 8 == 0 && stImm != null && opts.privileged()) {
            Reg tmp = new Reg();
            tmp.markKnown(stImm);
            tmp.type = SCALAR_VALUE;
            saveRegisterState(f, spi, tmp, size);
        } else if (r != null && r.isPointer()) {
            if (size != 8) throw fail("invalid size of register spill");
            if (f != cur.cur() && r.type == PTR_TO_STACK) {
                throw fail("cannot spill pointers to stack into stack frame of the caller");
            }
            saveRegisterState(f, spi, r, size);
        } else {
            byte type = STACK_MISC;
            scrubSpecialSlot(f, spi);
            if ((r != null && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) || (r == null && stImm != null && stImm == 0)) {
                // the slot is known zero only because the register is: it must be precise
                if (r != null) markPrecise(valueRegno);
                type = STACK_ZERO;
            }
            for (int i = 0; i < size; i++) f.setSlot(spi, (slot - i) % 8, type);
            return; // not a spill: nothing for backtracking to follow
        }
        recordStackAccess(f, spi);
    }

    /** A spill or fill of slot {@code spi} of frame {@code f}: backtracking follows scalars through it. */
    private void recordStackAccess(Frame f, int spi) {
        precision.pushHistory(cur, insnIdx, InsnHistory.stackAccess(f.frameno, spi), null);
    }

    private void checkStackWriteVarOff(Frame f, Reg ptr, int off, int size, int valueRegno) {
        int minOff = (int) (ptr.smin + off), maxOff = (int) (ptr.smax + off + size);
        Reg v = valueRegno >= 0 ? reg(valueRegno) : null;
        boolean writingZero = (v != null && v.type == SCALAR_VALUE && v.tm == 0 && v.tv == 0)
                || (v == null && stImm != null && stImm == 0);
        boolean zeroUsed = false;
        for (int i = minOff; i < maxOff; i++) {
            int slot = -i - 1, spi = slot / 8;
            int j = slot % 8;
            byte st = f.slot(spi, j);
            scratchSlot(f, spi);
            if (!opts.privileged() && st != STACK_MISC && st != STACK_ZERO) {
                throw fail("spilled ptr in range of var-offset stack write; insn %d, ptr off: %d", insnIdx, i);
            }
            if (writingZero && st == STACK_SPILL && f.isSpilledScalar(spi)) {
                Reg sp = f.spill[spi];
                if (sp.tm == 0 && sp.tv == 0) {
                    zeroUsed = true;
                    continue;
                }
            }
            f.spill[spi].markNotInit();
            byte nt = STACK_MISC;
            if (writingZero && st == STACK_ZERO) {
                nt = STACK_ZERO;
                zeroUsed = true;
            }
            f.setSlot(spi, j, nt);
        }
        // zeroes kept on the stack are zero only because the written register is
        if (zeroUsed && valueRegno >= 0) markPrecise(valueRegno);
    }

    private void checkStackRead(Frame f, int regno, int off, int size, int dstRegno) {
        Reg ptr = reg(regno);
        if (ptr.isConst()) {
            checkStackReadFixedOff(f, (int) (off + ptr.tv), size, dstRegno);
        } else {
            int minOff = (int) (ptr.smin + off), maxOff = (int) (ptr.smax + off);
            checkStackRangeInitialized(regno, off, size, false, false, false);
            markRegStackRead(f, minOff, maxOff + size, dstRegno);
        }
    }

    private void markRegStackRead(Frame f, int minOff, int maxOff, int dstRegno) {
        int zeros = 0;
        for (int i = minOff; i < maxOff; i++) {
            int slot = -i - 1, spi = slot / 8;
            if (f.slot(spi, slot % 8) != STACK_ZERO) break;
            zeros++;
        }
        Reg d = reg(dstRegno);
        if (zeros == maxOff - minOff) d.markConstZero();
        else d.markUnknown();
    }

    private void checkStackReadFixedOff(Frame f, int off, int size, int dstRegno) {
        int slot = -off - 1, spi = slot / 8;
        Reg spilled = f.spill[spi];
        scratchSlot(f, spi);
        if (f.isSpilled(spi)) {
            int spillSize = 1;
            for (int i = 7; i > 0 && f.slot(spi, i - 1) == STACK_SPILL; i--) spillSize++;
            if (size != 8 || spillSize != 8) {
                if (spilled.type != SCALAR_VALUE) throw fail("invalid size of register fill");
                if (dstRegno < 0) return;
                Reg d = reg(dstRegno);
                if (size <= spillSize && off % 8 == 0) {
                    d.set(spilled);
                    if (spilled.width() > size * 8) { d.id = 0; d.off = 0; }
                    recordStackAccess(f, spi);
                } else {
                    int spillCnt = 0, zeroCnt = 0;
                    for (int i = 0; i < size; i++) {
                        byte t = f.slot(spi, (slot - i) % 8);
                        if (t == STACK_SPILL) { spillCnt++; continue; }
                        if (t == STACK_MISC) continue;
                        if (t == STACK_ZERO) { zeroCnt++; continue; }
                        if (t == STACK_INVALID && opts.privileged()) continue;
                        throw fail("invalid read from stack off %d+%d size %d", off, i, size);
                    }
                    if (spillCnt == size && spilled.tm == 0 && spilled.tv == 0) {
                        d.markConstZero();
                        recordStackAccess(f, spi); // a fill of the spilled zero
                    } else if (zeroCnt == size) {
                        d.markConstZero();
                    } else {
                        d.markUnknown();
                    }
                }
            } else {
                if (dstRegno >= 0) reg(dstRegno).set(spilled);
                else if (!opts.privileged() && spilled.isPointer()) throw fail("leaking pointer from stack off %d", off);
                recordStackAccess(f, spi);
            }
        } else {
            for (int i = 0; i < size; i++) {
                byte t = f.slot(spi, (slot - i) % 8);
                if (t == STACK_MISC || t == STACK_ZERO) continue;
                if (t == STACK_INVALID && opts.privileged()) continue;
                throw fail("invalid read from stack off %d+%d size %d", off, i, size);
            }
            if (dstRegno >= 0) markRegStackRead(f, off, off + size, dstRegno);
        }
    }

    /**
     * check_stack_range_initialized for helper and variable-offset accesses: bounds, then every byte must be
     * readable (for privileged programs uninitialized bytes are); a write clobbers zero slots and spilled
     * scalars.
     */
    private void checkStackRangeInitialized(int regno, int off, int accessSize, boolean zeroSizeAllowed,
                                            boolean helper, boolean write) {
        Reg r = reg(regno);
        Frame f = funcOf(r);
        if (accessSize == 0 && !zeroSizeAllowed) throw fail("invalid zero-sized read");
        checkStackAccessWithinBounds(regno, off, accessSize, write);
        int minOff, maxOff;
        if (r.isConst()) {
            minOff = maxOff = (int) (r.tv + off);
        } else {
            if (!opts.privileged()) {
                throw fail("R%d%s variable offset stack access prohibited for !root, var_off=%s", regno,
                        helper ? " indirect" : "", LogFormat.tnumStr(r.tv, r.tm));
            }
            minOff = (int) (r.smin + off);
            maxOff = (int) (r.smax + off);
        }
        for (int i = minOff; i < maxOff + accessSize; i++) {
            int slot = -i - 1, spi = slot / 8, j = slot % 8;
            byte t = f.slot(spi, j);
            scratchSlot(f, spi);
            if (t == STACK_MISC) continue;
            if (t == STACK_ZERO || (t == STACK_INVALID && opts.privileged())) {
                if (write) f.setSlot(spi, j, STACK_MISC);
                continue;
            }
            if (f.isSpilled(spi) && (f.spill[spi].type == SCALAR_VALUE || opts.privileged())) {
                if (write) {
                    f.spill[spi].markUnknown();
                    for (int k = 0; k < 8; k++) if (f.slot(spi, k) != STACK_INVALID) f.setSlot(spi, k, STACK_MISC);
                }
                continue;
            }
            String extra = helper ? (write ? " write to" : " read from") : " read from";
            if (r.isConst()) throw fail("invalid%s stack R%d off %d+%d size %d", extra.replace(" to", "").replace(" from", " from"), regno, minOff, i - minOff, accessSize);
            throw fail("invalid%s stack R%d var_off %s+%d size %d", extra, regno, LogFormat.tnumStr(r.tv, r.tm), i - minOff, accessSize);
        }
    }

    // ---- atomics, ld_abs, ld_imm --------------------------------------------------------------------------

    private void checkAtomic(Insn in) {
        int code = in.opcode();
        int imm = in.imm();
        if (imm == ATOMIC_LOAD_ACQ) {
            checkRegArg(in.src(), SRC_OP);
            checkRegArg(in.dst(), DST_OP_NO_MARK);
            int t = reg(in.src()).type;
            checkMemAccess(in.src(), in.off(), sizeBytes(code), false, in.dst(), true, false);
            saveAuxPtrType(t);
            return;
        }
        if (imm == ATOMIC_STORE_REL) {
            checkRegArg(in.src(), SRC_OP);
            checkRegArg(in.dst(), SRC_OP);
            int t = reg(in.dst()).type;
            checkMemAccess(in.dst(), in.off(), sizeBytes(code), true, in.src(), true, false);
            saveAuxPtrType(t);
            return;
        }
        switch (imm) {
            case ATOMIC_ADD, ATOMIC_ADD | ATOMIC_FETCH, ATOMIC_AND, ATOMIC_AND | ATOMIC_FETCH, ATOMIC_OR,
                 ATOMIC_OR | ATOMIC_FETCH, ATOMIC_XOR, ATOMIC_XOR | ATOMIC_FETCH, ATOMIC_XCHG, ATOMIC_CMPXCHG -> { }
            default -> throw fail("BPF_ATOMIC uses invalid atomic opcode %02x", imm);
        }
        if (size(code) != SIZE_W && size(code) != SIZE_DW) throw fail("invalid atomic operand size");
        checkRegArg(in.src(), SRC_OP);
        checkRegArg(in.dst(), SRC_OP);
        int loadReg = -1;
        if (imm == ATOMIC_CMPXCHG) {
            checkRegArg(0, SRC_OP);
            loadReg = 0;
        } else if ((imm & ATOMIC_FETCH) != 0) {
            loadReg = in.src();
        }
        if (!opts.privileged() && reg(in.src()).isPointer()) throw fail("R%d leaks addr into mem", in.src());
        Reg d = reg(in.dst());
        int dt = base(d.type);
        if (dt == PTR_TO_CTX || isPktPointer(d.type) || dt == PTR_TO_FLOW_KEYS || dt == PTR_TO_SOCKET
                || dt == PTR_TO_SOCK_COMMON || dt == PTR_TO_TCP_SOCK || dt == PTR_TO_XDP_SOCK) {
            throw fail("BPF_ATOMIC stores into R%d %s is not allowed", in.dst(), RegType.str(d.type));
        }
        int t = d.type;
        if (loadReg >= 0) {
            checkMemAccess(in.dst(), in.off(), sizeBytes(code), false, loadReg, true, false);
        } else {
            checkMemAccess(in.dst(), in.off(), sizeBytes(code), false, -1, true, false);
        }
        checkMemAccess(in.dst(), in.off(), sizeBytes(code), true, -1, true, false);
        saveAuxPtrType(t);
    }

    private int checkLdAbs(Insn in) {
        int code = in.opcode();
        if (ptype != ProgramType.SOCKET_FILTER && ptype != ProgramType.SCHED_CLS
                && ptype != ProgramType.SCHED_ACT) {
            throw fail("BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        if (in.dst() != 0 || in.off() != 0 || size(code) == SIZE_DW
                || (mode(code) == MODE_ABS && in.src() != 0)) {
            throw fail("BPF_LD_[ABS|IND] uses reserved fields");
        }
        checkRegArg(6, SRC_OP);
        checkResourceLeak("BPF_LD_[ABS|IND]");
        if (mode(code) == MODE_IND) checkRegArg(in.src(), SRC_OP);
        if (reg(6).type != PTR_TO_CTX) throw fail("at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        for (int i = 1; i <= 5; i++) {
            reg(i).markNotInit();
        }
        reg(0).markUnknown();
        scratchReg(0);
        // a failed load ends the program with r0 = 0 (bpf_gen_ld_abs): in a subprogram that is a return to
        // the caller, explored too, while the load that succeeds goes on (check_ld_abs)
        if (cur.curframe == 0) return STEP_NEXT;
        pushStack(insnIdx + 1, insnIdx);
        reg(0).markKnown(0);
        reg(0).type = SCALAR_VALUE;
        return processExit();
    }

    private void checkLdImm(Insn in) {
        if (size(in.opcode()) != SIZE_DW) throw fail("invalid BPF_LD_IMM insn");
        if (in.off() != 0) throw fail("BPF_LD_[ABS|IND] uses reserved fields");
        checkRegArg(in.dst(), DST_OP);
        Reg d = reg(in.dst());
        long imm = ((long) insns[insnIdx + 1].imm() << 32) | (in.imm() & 0xffffffffL);
        int src = in.src();
        if (src == PSEUDO_IMM64) {
            d.markKnown(imm);
            d.type = SCALAR_VALUE;
            return;
        }
        d.markKnownZeroPtr(PTR_TO_STACK);
        if (src == PSEUDO_FUNC) {
            int t = insnIdx + in.imm() + 1;
            if (btfFuncs.isEmpty()) throw fail("missing btf func_info");
            BtfFunc f = btfFuncs.get(t);
            if (f != null && f.global()) throw fail("callback function not static");
            d.type = PTR_TO_FUNC;
            d.subprog = Math.max(0, Arrays.binarySearch(subprogStarts, t));
            return;
        }
        d.mapIdx = in.imm();
        if (src == PSEUDO_MAP_VALUE || src == PSEUDO_MAP_IDX_VALUE) {
            d.type = PTR_TO_MAP_VALUE;
            d.off = insns[insnIdx + 1].imm();
        } else {
            d.type = CONST_PTR_TO_MAP;
        }
    }

    // ---- helper calls ---------------------------------------------------------------------------------

    /**
     * do_refine_retval_range: the stack and string helpers return a negative errno or at most the size they
     * were given, so {@code if (r0 > 0)} makes r0 a usable size.
     */
    private static void refineRetvalRange(Reg r0, int funcId, ArgMeta meta) {
        switch (funcId) {
            case 67, 141, 45, 115, 114 -> { // get_stack, get_task_stack, probe_read_{,kernel_,user_}str
                r0.smax = meta.msizeMax;
                r0.s32max = (int) meta.msizeMax;
                r0.smin = -MAX_ERRNO;
                r0.s32min = -MAX_ERRNO;
                r0.sync();
            }
            default -> { }
        }
    }

    private static final class ArgMeta {
        int mapIdx = -1;
        int refObjId;
        int releaseRegno;
        boolean rawMode;
        int rawRegno = -1;
        int rawSize;
        long memSize = -1;
        boolean pktAccess;
        String funcName;
        int funcId;
        int callbackSubprog = -1;
        long constKey = -1;
        /** The largest size a size argument allows (msize_max_value): what string and stack helpers return at most. */
        long msizeMax;
    }

    /**
     * get_constant_map_key (Linux 6.14+): the constant key a stack pointer points to (zeroed bytes, or a
     * constant scalar spilled with exactly the key's size), or -1.
     */
    private long constantStackKey(Reg r, int keySize) {
        if (!opts.privileged() || r.type != PTR_TO_STACK || !r.isConst()) return -1;
        Frame f = funcOf(r);
        int stackOff = (int) (r.off + r.tv);
        int slot = -stackOff - 1, spi = slot / 8, off = slot % 8;
        if (slot < 0 || spi >= f.spill.length) return -1;
        int zeroSize = 0;
        for (int i = off; i >= 0 && f.slot(spi, i) == STACK_ZERO; i--) zeroSize++;
        if (zeroSize >= keySize) return 0;
        if (!f.isSpilledScalar(spi)) return -1;
        int spillSize = 0;
        for (int i = off; i >= 0 && f.slot(spi, i) == STACK_SPILL; i--) spillSize++;
        if (spillSize != keySize) return -1;
        Reg v = f.spill[spi];
        if (!v.isConst()) return -1;
        precision.markSlot(cur, insnIdx, f.frameno, spi); // the lookup's result relies on the key's value
        return v.tv < 0 ? -1 : v.tv;
    }


    private int checkHelperCall(Insn in) {
        int id = in.imm();
        String name = opts.helpers().name(id);
        if (opts.helpers().spec(id).isEmpty()) {
            throw fail("invalid func %s#%d", name, id);
        }
        AttachType attach = opts.expectedAttachType();
        HelperAvailability.Verdict availability = HelperAvailability.verdict(opts.helpers(), id, ptype, attach, opts.target());
        if (availability == HelperAvailability.Verdict.INVALID) throw fail("invalid func unknown#%d", id);
        if (availability == HelperAvailability.Verdict.UNAVAILABLE) {
            throw fail("program of this type cannot use helper %s#%d", name, id);
        }
        if (!opts.gplCompatible() && HelperAvailability.gplOnly(opts.helpers(), id, ptype, attach)) {
            throw fail("cannot call GPL-restricted function from non-GPL compatible program");
        }
        if (availability == HelperAvailability.Verdict.NOT_ALLOWED) throw fail("helper call is not allowed in probe");
        if (availability == HelperAvailability.Verdict.MIGHT_SLEEP && !sleepable()) {
            throw fail("helper call might sleep in a non-sleepable prog");
        }
        HelperProto fn = HelperProto.of(opts.helpers(), id, ptype);
        if (fn.unmodelled() != null) throw unsupported("helper " + name + "#" + id + " is not modelled: " + fn.unmodelled());
        ArgMeta meta = new ArgMeta();
        meta.pktAccess = fn.pktAccess();
        meta.funcName = name;
        meta.funcId = id;
        int[] args = fn.args();
        for (int i = 0; i < 5; i++) {
            int at = i < args.length ? args[i] : HelperProto.ARG_DONTCARE;
            checkFuncArg(i, at, fn, meta, args);
        }
        if ((meta.releaseRegno > 0 || fn.ret() == HelperProto.RET_RINGBUF_MEM_OR_NULL) && inCallback()) {
            throw unsupported("references acquired or released inside a callback are not modelled");
        }
        if (id == KernelHelper.GET_FUNC_IP.id() && ptype != ProgramType.KPROBE) { // check_get_func_ip: kprobes and tracing only
            throw fail("func %s#%d not supported for program type %d", name, id, ptype.id());
        }
        if (id == KernelHelper.GET_LOCAL_STORAGE.id() && !(reg(2).type == SCALAR_VALUE && reg(2).isConst() && reg(2).tv == 0)) {
            throw fail("get_local_storage() doesn't support non-zero flags");
        }
        if (meta.rawMode && meta.rawRegno >= 0) {
            for (int i = 0; i < meta.rawSize; i++) {
                checkMemAccess(meta.rawRegno, i, 1, true, -1, false, false);
            }
        }
        if (meta.releaseRegno > 0) {
            boolean ok;
            if (meta.refObjId != 0) {
                ok = releaseReference(meta.refObjId);
            } else {
                Reg rr = reg(meta.releaseRegno);
                ok = rr.type == SCALAR_VALUE && rr.tm == 0 && rr.tv == 0;
            }
            if (!ok) throw fail("func %s#%d reference has not been acquired before", name, id);
        }
        if (id == KernelHelper.TAIL_CALL.id() && inCallback()) throw unsupported("tail calls inside callbacks are not modelled");
        if (id == KernelHelper.TAIL_CALL.id()) {
            checkResourceLeak("tail_call"); // the tail-called program cannot release what this one holds
            // record_func_key: a constant in-range index selects the target, so it must be precise
            Reg key = reg(3);
            if (meta.mapIdx >= 0 && key.type == SCALAR_VALUE && key.isConst()
                    && Long.compareUnsigned(key.tv, maps.get(meta.mapIdx).maxEntries()) < 0) {
                markPrecise(3);
            }
        }
        if (opts.helpers().callsCallback(id) || opts.helpers().registersCallback(id)) pushCallbackCall(id, meta);
        // reset caller-saved registers
        Frame f = cur.cur();
        for (int i = 0; i <= 5; i++) {
            f.regs[i].markNotInit();
            scratchReg(i);
        }
        Reg r0 = f.regs[0];
        switch (fn.ret()) {
            case HelperProto.RET_INTEGER -> {
                r0.markUnknown();
                refineRetvalRange(r0, id, meta);
            }
            case HelperProto.RET_VOID -> r0.markNotInit();
            case HelperProto.RET_MAP_VALUE_OR_NULL -> {
                if (meta.mapIdx < 0) throw fail("kernel subsystem misconfigured verifier");
                MapInfo m = maps.get(meta.mapIdx);
                if (m.isMapOfMaps() && innerMapIdx[meta.mapIdx] < 0) {
                    throw unsupported("a lookup in map of maps " + m.name() + " without its inner map template");
                }
                if (m.isMapOfMaps()) {
                    // Linux 6.18 stable: a lookup in a map of maps returns the inner map or NULL at once
                    // (map_ptr_or_null), not a map value that becomes the inner map at the NULL check
                    r0.markKnownZeroPtr(CONST_PTR_TO_MAP | PTR_MAYBE_NULL);
                    r0.mapIdx = innerMapIdx[meta.mapIdx];
                    r0.id = ++idGen;
                } else if (id == KernelHelper.MAP_LOOKUP_ELEM.id() && meta.constKey >= 0 && meta.constKey < m.maxEntries()
                        && (m.type() == MapType.ARRAY || m.type() == MapType.PERCPU_ARRAY)) {
                    // Linux 6.14+: an array lookup with a constant in-range key cannot return NULL; a value
                    // with a spin lock keeps an id to tell its lock from others'
                    r0.markKnownZeroPtr(PTR_TO_MAP_VALUE);
                    r0.mapIdx = meta.mapIdx;
                    if (m.fields().spinLockOff() >= 0) r0.id = ++idGen;
                } else {
                    r0.markKnownZeroPtr(PTR_TO_MAP_VALUE | PTR_MAYBE_NULL);
                    r0.mapIdx = meta.mapIdx;
                    r0.id = ++idGen;
                    if (id == KernelHelper.MAP_LOOKUP_ELEM.id() && (m.type() == MapType.SOCKMAP || m.type() == MapType.SOCKHASH)) {
                        // is_acquire_function: the socket found holds a reference until bpf_sk_release
                        int rid = ++idGen;
                        cur.addRef(rid, insnIdx);
                        r0.id = rid;
                        r0.refObjId = rid;
                    }
                }
            }
            case HelperProto.RET_MAP_VALUE -> { // bpf_get_local_storage: the attached cgroup's storage
                r0.markKnownZeroPtr(PTR_TO_MAP_VALUE);
                r0.mapIdx = meta.mapIdx;
            }
            case HelperProto.RET_SOCKET_OR_NULL, HelperProto.RET_TCP_SOCK_OR_NULL, HelperProto.RET_SOCK_COMMON_OR_NULL -> {
                int socket = switch (fn.ret()) {
                    case HelperProto.RET_SOCKET_OR_NULL -> PTR_TO_SOCKET;
                    case HelperProto.RET_TCP_SOCK_OR_NULL -> PTR_TO_TCP_SOCK;
                    default -> PTR_TO_SOCK_COMMON;
                };
                r0.markKnownZeroPtr(socket | PTR_MAYBE_NULL);
                r0.id = ++idGen;
                if (opts.helpers().acquiresSocket(id)) { // the reference's id is the NULL check's, as for ringbuf memory
                    int rid = ++idGen;
                    cur.addRef(rid, insnIdx);
                    r0.id = rid;
                    r0.refObjId = rid;
                } else if (opts.helpers().castsSocket(id)) {
                    r0.refObjId = meta.refObjId;
                }
            }
            case HelperProto.RET_RINGBUF_MEM_OR_NULL -> {
                r0.markKnownZeroPtr(PTR_TO_MEM | MEM_RINGBUF | PTR_MAYBE_NULL);
                r0.memSize = (int) meta.memSize;
                ++idGen; // the maybe-null id, replaced by the reference's own id as the kernel does
                int rid = ++idGen;
                cur.addRef(rid, insnIdx);
                r0.id = rid;
                r0.refObjId = rid;
            }
            default -> throw unsupported("return type not modelled");
        }
        checkMapFuncCompatibility(meta.mapIdx, id, name);
        if (opts.helpers().changesPktData(id)) clearAllPktPointers();
        scratchReg(0);
        insnIdx++;
        return STEP_NEXT;
    }

    private boolean releaseReference(int refObjId) {
        if (!cur.releaseRef(refObjId)) return false;
        cur.forEachReg(r -> {
            if (r.refObjId == refObjId) {
                if (opts.privileged()) r.markUnknown();
                else r.markNotInit();
            }
        });
        return true;
    }

    private void clearAllPktPointers() {
        cur.forEachReg(r -> {
            if (isPktPointerAny(r.type)) {
                if (opts.privileged()) r.markUnknown();
                else r.markNotInit();
            }
        });
    }

    private static final int[] MEM_TYPES = {PTR_TO_STACK, PTR_TO_PACKET, PTR_TO_PACKET_META, PTR_TO_MAP_KEY,
        PTR_TO_MAP_VALUE, PTR_TO_MEM, PTR_TO_MEM | MEM_RINGBUF, PTR_TO_BUF};
    private static final String MEM_TYPES_STR = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

    private void checkFuncArg(int arg, int argType, HelperProto fn, ArgMeta meta, int[] args) {
        int regno = arg + 1;
        int base = argType & HelperProto.ARG_BASE_MASK;
        if (base == HelperProto.ARG_DONTCARE) return;
        checkRegArg(regno, SRC_OP);
        Reg r = reg(regno);
        if (base == HelperProto.ARG_ANYTHING) {
            if (!opts.privileged() && r.isPointer()) throw fail("R%d leaks addr into helper function", regno);
            return;
        }
        if (isPktPointer(r.type) && !VerifierOps.packetArgumentAllowed(ptype, meta.pktAccess)) {
            throw fail("helper access to the packet is not allowed");
        }
        if (base == HelperProto.ARG_PTR_TO_MAP_VALUE) { // resolve_map_arg_type
            if (meta.mapIdx < 0) throw fail("invalid map_ptr to access map->type");
            MapType mt = maps.get(meta.mapIdx).type();
            if (mt == MapType.SOCKMAP || mt == MapType.SOCKHASH) {
                // the value stored in a sockmap is a socket
                if (argType != HelperProto.ARG_PTR_TO_MAP_VALUE) throw fail("invalid arg_type for sockmap/sockhash");
                argType = base = HelperProto.ARG_PTR_TO_BTF_ID_SOCK_COMMON;
            } else if (mt == MapType.BLOOM_FILTER && meta.funcId == 89) {
                argType = HelperProto.ARG_PTR_TO_MAP_VALUE; // bpf_map_peek_elem reads the value it tests
            }
        }
        boolean maybeNullArg = (argType & HelperProto.A_MAYBE_NULL) != 0;
        boolean skipType = maybeNullArg && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0;
        if (skipType) markPrecise(regno); // accepted as NULL because it is zero
        else checkRegType(regno, argType, base, meta);
        // check_func_arg_reg_off
        if (!skipType && r.isPointer()) {
            int b = base(r.type);
            if ((argType & HelperProto.A_RELEASE) != 0) {
                if (r.off != 0 || r.tm != 0 || r.tv != 0) {
                    throw fail("R%d must have zero offset when passed to release func or trusted arg to kfunc", regno);
                }
            } else if (b == PTR_TO_CTX) {
                checkPtrOffReg(r, regno, false);
            } else if (b == PTR_TO_STACK || isPktPointer(b) || b == PTR_TO_MAP_KEY || b == PTR_TO_MAP_VALUE || b == PTR_TO_MEM) {
                // fixed offsets are allowed for memory arguments
            } else if (b == CONST_PTR_TO_MAP || b == PTR_TO_FUNC) {
                checkPtrOffReg(r, regno, false);
            }
        }
        if ((argType & HelperProto.A_RELEASE) != 0) {
            if (r.refObjId == 0 && !(r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0)) {
                throw fail("R%d must be referenced when passed to release function", regno);
            }
            meta.releaseRegno = regno;
        }
        if (r.refObjId != 0) {
            meta.refObjId = r.refObjId;
        }
        switch (base) {
            case HelperProto.ARG_CONST_MAP_PTR -> {
                if (meta.mapIdx >= 0 && meta.mapIdx != r.mapIdx) {
                    throw fail("timer pointer in R1 map_uid=%d doesn't match map pointer in R2 map_uid=%d", 0, 0);
                }
                meta.mapIdx = r.mapIdx;
            }
            case HelperProto.ARG_PTR_TO_MAP_KEY -> {
                if (meta.mapIdx < 0) throw fail("invalid map_ptr to access map->key");
                checkHelperMemAccess(regno, maps.get(meta.mapIdx).keySize(), false, false, meta);
                MapType mt = maps.get(meta.mapIdx).type();
                if (mt == MapType.ARRAY || mt == MapType.PERCPU_ARRAY) { // can_elide_value_nullness
                    meta.constKey = constantStackKey(r, maps.get(meta.mapIdx).keySize());
                }
            }
            case HelperProto.ARG_PTR_TO_MAP_VALUE -> {
                if (skipType) return;
                if (meta.mapIdx < 0) throw fail("invalid map_ptr to access map->value");
                meta.rawMode = (argType & HelperProto.A_UNINIT) != 0; // map_pop_elem/map_peek_elem write the value
                checkHelperMemAccess(regno, maps.get(meta.mapIdx).valueSize(), meta.rawMode, false, meta);
            }
            case HelperProto.ARG_PTR_TO_MEM -> {
                meta.rawMode = (argType & HelperProto.A_UNINIT) != 0;
                if ((argType & HelperProto.A_FIXED_SIZE) != 0) { // no size argument follows: the prototype's size
                    if (skipType) return;
                    int size = HelperProto.fixedSize(argType);
                    checkHelperMemAccess(regno, size, (argType & (HelperProto.A_UNINIT | HelperProto.A_WRITE)) != 0, false, meta);
                    if ((argType & HelperProto.A_ALIGNED) != 0) checkPtrAlignment(r, 0, size, true);
                }
            }
            case HelperProto.ARG_CONST_SIZE, HelperProto.ARG_CONST_SIZE_OR_ZERO -> {
                boolean zeroOk = base == HelperProto.ARG_CONST_SIZE_OR_ZERO;
                int memArgType = args[arg - 1];
                boolean write = (memArgType & (HelperProto.A_UNINIT | HelperProto.A_WRITE)) != 0;
                checkMemSizeReg(r, regno, zeroOk, write, meta, memArgType);
            }
            case HelperProto.ARG_CONST_ALLOC_SIZE_OR_ZERO -> {
                if (!r.isConst()) throw fail("R%d is not a known constant'", regno);
                meta.memSize = r.tv;
                markPrecise(regno);
            }
            case HelperProto.ARG_PTR_TO_CONST_STR -> checkRegConstStr(r, regno);
            case HelperProto.ARG_PTR_TO_FUNC -> meta.callbackSubprog = r.subprog;
            case HelperProto.ARG_PTR_TO_SPIN_LOCK -> processSpinLock(regno, meta.funcId == KernelHelper.SPIN_LOCK.id());
            case HelperProto.ARG_PTR_TO_TIMER -> processTimerFunc(regno, meta);
            default -> { }
        }
    }


    /** The name the kernel gives a map (BPF_OBJ_NAME_LEN: 15 characters). */
    private static String kernelMapName(MapInfo m) {
        return m.name().length() > 15 ? m.name().substring(0, 15) : m.name();
    }

    /**
     * What process_spin_lock and process_timer_func check first: the argument points, at a constant offset, at
     * the struct {@code field} ({@code bpf_spin_lock}, {@code bpf_timer}) of a map value whose BTF places it.
     */
    private void checkFieldArg(int regno, String field, java.util.function.ToIntFunction<MapValueFields> offsetOf) {
        Reg r = reg(regno);
        if (!r.isConst()) {
            throw fail("R%d doesn't have constant offset. %s has to be at the constant offset", regno, field);
        }
        MapInfo m = maps.get(r.mapIdx);
        MapValueFields fields = m.fields();
        if (!fields.btf()) throw fail("map '%s' has to have BTF in order to use %s", kernelMapName(m), field);
        if (fields.unmodelled() != null) throw unsupported("map value with " + fields.unmodelled());
        int fieldOff = offsetOf.applyAsInt(fields);
        if (fieldOff < 0) throw fail("map '%s' has no valid %s", kernelMapName(m), field);
        long off = r.tv + r.off;
        if (off != fieldOff) throw fail("off %d doesn't point to 'struct %s' that is at %d", off, field, fieldOff);
    }

    /**
     * process_spin_lock: one lock is held at a time, and it is released through a pointer to the same value
     * (same map, same id).
     */
    private void processSpinLock(int regno, boolean lock) {
        checkFieldArg(regno, "bpf_spin_lock", MapValueFields::spinLockOff);
        Reg r = reg(regno);
        if (lock) {
            if (cur.lockMap >= 0) throw fail("Locking two bpf_spin_locks are not allowed");
            cur.lockMap = r.mapIdx;
            cur.lockId = r.id;
        } else {
            if (cur.lockMap < 0) throw fail("bpf_spin_unlock without taking a lock");
            if (cur.lockMap != r.mapIdx || cur.lockId != r.id) throw fail("bpf_spin_unlock of different lock");
            cur.lockMap = -1;
            cur.lockId = 0;
        }
    }

    /** process_timer_func: the helper's map is the one whose value holds the timer. */
    private void processTimerFunc(int regno, ArgMeta meta) {
        checkFieldArg(regno, "bpf_timer", MapValueFields::timerOff);
        Reg r = reg(regno);
        // each inner map has its own map_uid, which bpf4j does not track
        if (r.mapIdx >= programMaps) throw unsupported("timers in inner maps are not modelled");
        meta.mapIdx = r.mapIdx;
    }

    /** Whether the current path runs inside a callback (in_callback_fn or in_async_callback_fn of any frame). */
    private boolean inCallback() {
        for (int i = 0; i <= cur.curframe; i++) {
            if (cur.frames[i].inCallback || cur.frames[i].inAsyncCallback) return true;
        }
        return false;
    }

    /**
     * push_callback_call: the callback's body is explored from a copy of the state at the call, in a new frame
     * whose exit returns to the call (so that the call repeats until the states converge); the current path
     * goes on past the call. A timer's callback runs later: it is explored from a fresh state of its own.
     */
    private void pushCallbackCall(int id, ArgMeta meta) {
        int sp = meta.callbackSubprog;
        callbacks[sp] = true;
        if (id == Callbacks.LOOP && Long.compareUnsigned(cur.cur().callbackDepth, reg(1).umax) >= 0) {
            cur.cur().callbackDepth = 0;
            if (level >= 2) logln("frame" + cur.curframe + " bpf_loop iteration limit reached");
            return;
        }
        if (opts.helpers().registersCallback(id)) {
            VState st = new VState();
            Frame callee = Callbacks.newFrame(-1, 0, sp);
            Callbacks.setCalleeState(id, cur.cur(), callee, 0);
            st.frames[0] = callee;
            asyncCallbacks[sp] = true;
            pending.addLast(new Pending(st, subprogStarts[sp], insnIdx));
            if (pending.size() > COMPLEXITY_LIMIT_JMP_SEQ) {
                throw fail("The sequence of %d jumps is too complex for async cb.", pending.size());
            }
            return;
        }
        VState st = pushStack(subprogStarts[sp], insnIdx);
        if (st.curframe + 1 >= MAX_FRAMES) throw fail("the call stack of %d frames is too deep", st.curframe + 2);
        if (id == Callbacks.FOR_EACH_MAP_ELEM && !Callbacks.iterable(maps.get(meta.mapIdx).type())) {
            throw fail("callback function not allowed for map");
        }
        Frame caller = st.cur();
        Frame callee = Callbacks.newFrame(insnIdx, st.curframe + 1, sp);
        Callbacks.setCalleeState(id, caller, callee, id == Callbacks.USER_RINGBUF_DRAIN ? ++idGen : 0);
        st.curframe++;
        st.frames[st.curframe] = callee;
        st.callbackUnrollDepth++;
        caller.callbackDepth++;
        cur.cur().callbackDepth = 0;
    }

    private void checkRegType(int regno, int argType, int base, ArgMeta meta) {
        Reg r = reg(regno);
        int type = r.type;
        if ((argType & HelperProto.A_RDONLY) != 0) type &= ~MEM_RDONLY;
        if ((argType & HelperProto.A_MAYBE_NULL) != 0) type &= ~PTR_MAYBE_NULL;
        int[] compatible;
        String expected;
        switch (base) {
            case HelperProto.ARG_PTR_TO_MAP_KEY, HelperProto.ARG_PTR_TO_MAP_VALUE, HelperProto.ARG_PTR_TO_MEM -> {
                compatible = MEM_TYPES;
                expected = MEM_TYPES_STR;
            }
            case HelperProto.ARG_CONST_SIZE, HelperProto.ARG_CONST_SIZE_OR_ZERO, HelperProto.ARG_CONST_ALLOC_SIZE_OR_ZERO -> {
                compatible = new int[] {SCALAR_VALUE};
                expected = "scalar";
            }
            case HelperProto.ARG_CONST_MAP_PTR -> { compatible = new int[] {CONST_PTR_TO_MAP}; expected = "map_ptr"; }
            case HelperProto.ARG_PTR_TO_CTX -> { compatible = new int[] {PTR_TO_CTX}; expected = "ctx"; }
            case HelperProto.ARG_PTR_TO_RINGBUF_MEM -> { compatible = new int[] {PTR_TO_MEM | MEM_RINGBUF}; expected = "ringbuf_mem"; }
            case HelperProto.ARG_PTR_TO_FUNC -> { compatible = new int[] {PTR_TO_FUNC}; expected = "func"; }
            case HelperProto.ARG_PTR_TO_STACK -> { compatible = new int[] {PTR_TO_STACK}; expected = "fp"; }
            case HelperProto.ARG_PTR_TO_CONST_STR, HelperProto.ARG_PTR_TO_TIMER -> {
                compatible = new int[] {PTR_TO_MAP_VALUE};
                expected = "map_value";
            }
            case HelperProto.ARG_PTR_TO_SPIN_LOCK -> { compatible = new int[] {PTR_TO_MAP_VALUE}; expected = "map_value, ptr_"; }
            case HelperProto.ARG_PTR_TO_SOCK_COMMON -> {
                compatible = new int[] {PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK};
                expected = "sock_common, sock, tcp_sock, xdp_sock";
            }
            case HelperProto.ARG_PTR_TO_BTF_ID_SOCK_COMMON -> { // bpf4j has no BTF-typed sockets: only these four
                compatible = new int[] {PTR_TO_SOCK_COMMON, PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK};
                expected = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
            }
            case HelperProto.ARG_PTR_TO_SOCKET -> { compatible = new int[] {PTR_TO_SOCKET}; expected = "sock"; }
            default -> throw unsupported("argument type " + base + " not modelled");
        }
        for (int c : compatible) if (c == type) return;
        throw fail("R%d type=%s expected=%s", regno, RegType.str(r.type), expected);
    }

    private void checkMemSizeReg(Reg r, int regno, boolean zeroOk, boolean write, ArgMeta meta, int memArgType) {
        boolean constSize = r.isConst();
        meta.msizeMax = r.umax;
        if (r.smin < 0) throw fail("R%d min value is negative, either use unsigned or 'var &= const'", regno);
        if (r.umin == 0 && !zeroOk) {
            throw fail("R%d invalid zero-sized read: u64=[%d,%d]", regno, r.umin, r.umax);
        }
        if (Long.compareUnsigned(r.umax, BPF_MAX_VAR_SIZ) >= 0) {
            throw fail("R%d unbounded memory access, use 'var &= const' or 'if (var < const)'", regno);
        }
        int size = (int) r.umax;
        boolean raw = meta.rawMode && constSize;
        checkHelperMemAccess(regno - 1, size, write, zeroOk, raw ? meta : null);
        if (!raw) meta.rawMode = false;
        markPrecise(regno); // the access was checked with the size's bounds
    }

    private void checkHelperMemAccess(int regno, int accessSize, boolean write, boolean zeroOk, ArgMeta meta) {
        Reg r = reg(regno);
        switch (base(r.type)) {
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> checkPacketAccess(regno, r.off, accessSize, zeroOk);
            case PTR_TO_MAP_KEY -> {
                if (write) throw fail("R%d cannot write into %s", regno, RegType.str(r.type));
                checkMemRegionAccess(regno, r.off, accessSize, maps.get(r.mapIdx).keySize(), false);
            }
            case PTR_TO_MAP_VALUE -> {
                MapInfo m = maps.get(r.mapIdx);
                checkMapAccessType(m, r.off, accessSize, write);
                checkMemRegionAccess(regno, r.off, accessSize, m.valueSize(), zeroOk);
                checkMapValueFields(r, m, r.off, accessSize);
            }
            case PTR_TO_MEM -> {
                if ((r.type & MEM_RDONLY) != 0 && write) throw fail("R%d cannot write into %s", regno, RegType.str(r.type));
                checkMemRegionAccess(regno, r.off, accessSize, r.memSize, zeroOk);
            }
            case PTR_TO_STACK -> {
                if (meta != null && meta.rawMode) {
                    if (accessSize == 0 && !zeroOk) throw fail("invalid zero-sized read");
                    checkStackAccessWithinBounds(regno, r.off, accessSize, true);
                    if (r.isConst()) {
                        meta.rawRegno = regno;
                        meta.rawSize = accessSize;
                        return;
                    }
                }
                checkStackRangeInitialized(regno, r.off, accessSize, zeroOk, true, write);
            }
            case PTR_TO_CTX -> {
                if (ptype == ProgramType.SYSCALL) {
                    throw unsupported("a syscall program's context as helper memory is not modelled");
                }
                throw fail("R%d type=%s expected=%s", regno, RegType.str(r.type), "fp");
            }
            default -> {
                if (zeroOk && accessSize == 0 && r.type == SCALAR_VALUE && r.tm == 0 && r.tv == 0) return;
                throw fail("R%d type=%s expected=%s", regno, RegType.str(r.type), "fp");
            }
        }
    }

    private void checkRegConstStr(Reg r, int regno) {
        MapInfo m = maps.get(r.mapIdx);
        if (!m.readOnlyForProgram() || !m.frozen()) throw fail("R%d does not point to a readonly map'", regno);
        if (!r.isConst()) throw fail("R%d is not a constant address'", regno);
        int off = (int) (r.tv + r.off);
        byte[] d = m.data();
        if (d == null) throw unsupported("constant string in a map without data");
        if (off < 0 || off >= m.valueSize()) throw fail("R%d invalid access to map value, value_size=%d off=%d size=1", regno, m.valueSize(), off);
        for (int i = off; i < d.length && i < m.valueSize(); i++) if (d[i] == 0) return;
        throw fail("string is not zero-terminated");
    }

    private void checkMapFuncCompatibility(int mapIdx, int funcId, String name) {
        if (mapIdx < 0) return;
        List<String> error = MapFuncCompatibility.check(maps.get(mapIdx).type(), funcId, name, ptype);
        if (!error.isEmpty()) throw new Reject(insnIdx, error);
    }
}

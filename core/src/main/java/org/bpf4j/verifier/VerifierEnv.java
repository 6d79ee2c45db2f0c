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
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;

/**
 * The verifier's environment, the kernel's {@code struct bpf_verifier_env} (include/linux/bpf_verifier.h):
 * the program and its per-instruction aux data, the maps, the program type and options, the log, the id
 * generator, subprogram info, the current state and the explored states. Every function of the verifier
 * takes it, as the kernel's do; it also holds the errors ({@code verbose} then {@code -EACCES}) and the
 * log's state printing (print_verifier_state, print_insn_state).
 */
final class VerifierEnv {
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

    /** verbose() then -EACCES: the rejection, at instruction {@code insn} (-1: of the program as a whole). */
    Reject fail(int insn, String fmt, Object... args) {
        return new Reject(insn, List.of(String.format(fmt, args)));
    }

    Reject fail2(int insn, String first, String second) {
        return new Reject(insn, List.of(first, second));
    }

    Unsupp unsupported(int insn, String msg) {
        return new Unsupp(insn, msg);
    }

    VerifierResult rejected(Reject r) {
        for (String l : r.lines) logln(l);
        logStats();
        return new VerifierResult.Rejected(r.lines.getFirst(), r.lines, r.insn, insnProcessed,
                opts.logLevel() > 0 ? log.toString() : "");
    }


    static final int MAX_BPF_STACK = 512;
    static final long BPF_MAX_VAR_OFF = 1L << 29;
    static final long BPF_MAX_VAR_SIZ = 1L << 29;
    /** The largest errno a helper returns negated (include/linux/err.h). */
    static final int MAX_ERRNO = 4095;
    static final int MAX_PACKET_OFF = 0xffff;
    static final int AT_PKT_END = -1, BEYOND_PKT_END = -2;
    static final int COMPLEXITY_LIMIT_JMP_SEQ = 8192;

    final Insn[] insns;
    final int n;
    final ProgramType ptype;
    /** The program's maps, then the inner map template of each map of maps. */
    final List<MapInfo> maps;
    /** How many maps the program references (the rest of {@link #maps} are inner map templates). */
    final int programMaps;
    /** For each of the program's maps: the index of its inner map template, -1 when it has none. */
    final int[] innerMapIdx;
    final VerifierOptions opts;
    /** The lddw whose imm is a raw map fd (see {@link Verifier#verify(Program, ProgramType, List, VerifierOptions, List, java.util.Set)}). */
    java.util.Set<Integer> rawFdInsns = java.util.Set.of();
    /** The program's BTF line info, by instruction (the kernel's prog->aux->linfo), and the index of the last one printed. */
    List<org.bpf4j.btf.BtfExt.LineInfo> lineInfos = List.of();
    int prevLinfo = -1;

    /**
     * verbose_linfo: the source line of {@code insn} ("; LINE @ FILE:N"), unless it is the one printed last or
     * names the same file and line (records that differ only in their column).
     */
    void verboseLinfo(int insn, String prefix) {
        int l = findLinfo(insn);
        if (l < 0 || l == prevLinfo) return;
        var linfo = lineInfos.get(l);
        if (prevLinfo >= 0) {
            var prev = lineInfos.get(prevLinfo);
            if (prev.fileName().equals(linfo.fileName()) && prev.lineNumber() == linfo.lineNumber()) return;
        }
        String file = linfo.fileName().substring(linfo.fileName().lastIndexOf('/') + 1); // kbasename
        log.append(prefix).append(linfo.line().stripLeading()).append(" @ ").append(file).append(':').append(linfo.lineNumber()).append('\n');
        prevLinfo = l;
    }

    /** find_linfo: the last line info at or before {@code insn} (they are sorted by instruction), or -1. */
    private int findLinfo(int insn) {
        if (lineInfos.isEmpty() || insn >= n) return -1;
        int l = 0, r = lineInfos.size();
        while (l < r - 1) {
            int m = l + (r - l) / 2;
            if (lineInfos.get(m).insn() <= insn) l = m;
            else r = m;
        }
        return l;
    }
    final StringBuilder log = new StringBuilder();
    final int level;

    int[] subprogStarts = {0};
    int[] stackDepth;
    /** bpf_fastcall: spill/fill instructions of a pattern, how many pairs a call's removal drops, per instruction. */
    boolean[] fastcallPattern;
    int[] fastcallSpills;
    /** bpf_fastcall, per subprogram: where the patterns' region ends (fastcall_stack_off), and keep_fastcall_stack. */
    int[] fastcallStackOff;
    boolean[] keepFastcallStack;
    boolean[] prunePoint;
    boolean[] forceCheckpoint;
    /** Calls of helpers that call a callback synchronously: the callback loops back to them (calls_callback). */
    boolean[] callsCallback;
    /** Instructions reached non-linearly (jump targets, returns from calls): recorded in the path history. */
    boolean[] jmpPoint;
    int[] liveIn;
    /** Stack slots of the executing frame that may be read at or after each instruction (bit spi). */
    long[] liveSlotsIn;
    Precision precision;
    final Map<Integer, VerifierResult.CtxAccess> ctxAccesses = new TreeMap<>();
    /** func_info of the program by first instruction; empty without BTF. */
    final Map<Integer, BtfFunc> btfFuncs = new java.util.HashMap<>();
    /** The subprogram being verified as a root: 0 for the main program, else a global function. */
    int rootSubprog;
    boolean[] globalCalled, globalVerified;
    /** Subprograms registered as timer callbacks (is_async_cb): they run on a stack of their own. */
    boolean[] asyncCallbacks;
    /** Subprograms called as callbacks of a helper (is_cb), which may not use LD_ABS. */
    boolean[] callbacks;
    int[] auxPtrType;
    /** Instructions some path reached (insn_aux_data.seen). */
    boolean[] seen;

    List<StatePruning.Explored>[] explored;
    final ArrayDeque<Verifier.Pending> pending = new ArrayDeque<>();

    VState cur;
    int insnIdx;
    int prevInsnIdx = -1;
    int idGen;
    int insnProcessed;
    int jmpsProcessed, prevJmpsProcessed, prevInsnProcessed;
    int totalStates, curStates, peakStates, maxStatesPerInsn;
    // log bookkeeping
    int scratchedRegs;
    long scratchedSlots;
    int lastInsnLineEnd = -1, lastInsnLineLen;

    VerifierEnv(Program program, ProgramType type, List<MapInfo> maps, VerifierOptions opts) {
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


    void logln(String s) {
        if (level > 0) log.append(s).append('\n');
    }

    /** The kernel keeps the tail of a log that outgrows its buffer; bpf4j keeps at most 16 MiB too. */
    static final int LOG_MAX = 16 << 20;

    void trimLog() {
        if (log.length() > LOG_MAX) {
            int cut = log.indexOf("\n", log.length() - LOG_MAX / 2);
            log.delete(0, cut < 0 ? log.length() - LOG_MAX / 2 : cut + 1);
            lastInsnLineEnd = -1;
        }
    }

    void logStats() {
        logln(String.format("processed %d insns (limit %d) max_states_per_insn %d total_states %d peak_states %d mark_read %d",
                insnProcessed, opts.insnLimit(), maxStatesPerInsn, totalStates, peakStates, 0));
    }

    String regStr(Reg r, int frameno) {
        return LogFormat.regToString(r, frameno, maps);
    }

    String stateStr(Frame f, boolean all) {
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
    void printInsnState() {
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

    String insnText(int idx) {
        Insn in = insns[idx];
        return LogFormat.insn(in, isLdImm64(idx) && idx + 1 < n
                ? ((long) insns[idx + 1].imm() << 32) | (in.imm() & 0xffffffffL) : in.imm());
    }

    void scratchAll() {
        scratchedRegs = 0x7ff;
        scratchedSlots = -1L;
    }

    boolean isLdImm64(int pc) {
        return insns[pc].opcode() == LDDW;
    }

    int subprogOf(int pc) {
        int idx = Arrays.binarySearch(subprogStarts, pc);
        return idx >= 0 ? idx : -idx - 2;
    }

    int subprogEnd(int sp) {
        return sp + 1 < subprogStarts.length ? subprogStarts[sp + 1] : n;
    }


    Reg reg(int r) { return cur.cur().regs[r]; }

    void scratchReg(int r) { scratchedRegs |= 1 << r; }


    /** mark_chain_precision for register {@code regno} of the current frame, at the current instruction. */
    void markPrecise(int regno) {
        precision.markReg(cur, insnIdx, regno);
    }

    /** The context bytes each callback keeps precise, by subprogram and calling helper (CallbackPrecision). */
    final Map<Long, CallbackPrecision.Result> callbackPrecision = new java.util.HashMap<>();

    boolean[] changesPkt;

    /** Whether the current path runs inside a callback (in_callback_fn or in_async_callback_fn of any frame). */
    boolean inCallback() {
        for (int i = 0; i <= cur.curframe; i++) {
            if (cur.frames[i].inCallback || cur.frames[i].inAsyncCallback) return true;
        }
        return false;
    }
}

package org.bpf4j.jit;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.helpers.TailCall;
import org.bpf4j.interp.ResolvedProgram;
import org.bpf4j.isa.Flow;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * What the code generator needs to know about a program: its functions (the instructions reachable
 * from each entry without following calls), basic blocks, and register liveness across calls, so that
 * registers cross a JVM call only when the other side reads them.
 *
 * <p>A function is what the interpreter executes between entering a frame and leaving it; code reachable
 * from two entries is compiled into both (raw programs may share code between functions, the verifier
 * would refuse it).
 */
final class Analysis {
    static final int R0 = 1, ARGS = 0b111110, CALLEE_SAVED = 0b1111000000, R10 = 1 << 10;
    /** Registers a callee may read of its caller's beyond the arguments: r0 and r6-r9. */
    static final int TRANSFER_IN = R0 | CALLEE_SAVED;

    final ResolvedProgram resolved;
    final Program program;
    final int n;
    final boolean[] secondSlot;
    /** Function entries by pc. */
    final TreeMap<Integer, Function> functions = new TreeMap<>();
    final boolean hasCallx;
    /** Some {@code lddw} loads a function pointer: helpers may call back into the program. */
    final boolean hasFunctionPointers;

    static final class Function {
        final int entry;
        final int[] pcs; // reachable instructions, ascending
        final BitSet member = new BitSet();
        final int[] liveIn; // per pc (valid for members): registers live before the instruction
        int entryLive;      // registers live at entry, of TRANSFER_IN: the caller hands them over
        boolean returnsArgs; // some caller reads r1-r5 after calling this function
        boolean hasMayGoto;

        Function(int entry, int[] pcs, int n) {
            this.entry = entry;
            this.pcs = pcs;
            for (int pc : pcs) member.set(pc);
            this.liveIn = new int[n];
        }

        boolean contains(int pc) { return member.get(pc); }
    }

    Analysis(ResolvedProgram resolved) {
        this.resolved = resolved;
        this.program = resolved.program();
        this.n = program.size();
        this.secondSlot = new boolean[n];
        boolean callx = false;
        boolean pointers = false;
        TreeSet<Integer> entries = new TreeSet<>();
        entries.add(0);
        for (int pc = 0; pc < n; pc++) {
            if (secondSlot[pc]) continue;
            Insn insn = program.get(pc);
            if (insn.opcode() == LDDW) {
                secondSlot[pc + 1] = true;
                if (insn.src() == PSEUDO_FUNC) {
                    entries.add(pc + insn.imm() + 1);
                    pointers = true;
                }
            } else if (resolved.isLocalCall(pc)) {
                entries.add(pc + insn.imm() + 1);
            } else if (insn.opcode() == CALLX) {
                callx = true;
            }
        }
        this.hasCallx = callx;
        this.hasFunctionPointers = pointers;
        for (int e : entries) functions.put(e, new Function(e, reachable(e), n));
        for (Function f : functions.values()) {
            for (int pc : f.pcs) if (program.get(pc).opcode() == MAY_GOTO) f.hasMayGoto = true;
        }
        liveness();
    }

    Insn insn(int pc) { return program.get(pc); }

    /** Whether {@code pc} calls {@code bpf_tail_call}, which the engines compile themselves. */
    boolean isTailCall(int pc) {
        HelperTable.Entry e = resolved.helperAt(pc);
        return e != null && e.helper() instanceof TailCall;
    }

    /** The slot after {@code pc}'s instruction. */
    int next(int pc) { return Flow.next(program.get(pc), pc); }

    /** Where a jump at {@code pc} goes when taken (ja, ja32, conditional, may_goto), else {@link Flow#NO_TARGET}. */
    int jumpTarget(int pc) { return Flow.branchTarget(program.get(pc), pc); }

    /** Whether execution may continue with the next slot. */
    boolean fallsThrough(int pc) { return Flow.fallsThrough(program.get(pc)); }

    /** Control ends or branches here, so the next instruction starts a basic block. */
    boolean endsBlock(int pc) {
        int op = program.get(pc).opcode();
        return op == EXIT || op == JA || op == JA32 || op == MAY_GOTO || Flow.isConditional(op)
                || resolved.isLocalCall(pc) || op == CALLX || isTailCall(pc);
    }

    private int[] reachable(int entry) {
        BitSet seen = new BitSet();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(entry);
        while (!work.isEmpty()) {
            int pc = work.pop();
            if (pc >= n || seen.get(pc)) continue;
            seen.set(pc);
            if (fallsThrough(pc)) work.push(next(pc));
            int t = jumpTarget(pc);
            if (t != Flow.NO_TARGET) work.push(t);
        }
        return seen.stream().toArray();
    }

    // ---- liveness ----

    /** Registers an instruction reads (calls: with what the callee reads of the caller's). */
    int uses(Function f, int pc) {
        Insn insn = program.get(pc);
        int op = insn.opcode();
        if (op == EXIT) return R0 | (f.returnsArgs ? ARGS : 0);
        if (op == CALL) {
            // A tail call hands the target every register (r1 = ctx) and leaves r0 alone when it fails.
            if (isTailCall(pc)) return ARGS | TRANSFER_IN;
            if (!resolved.isLocalCall(pc)) return ARGS;
            return ARGS | functions.get(Flow.callTarget(insn, pc)).entryLive;
        }
        if (op == CALLX) return Flow.regsRead(insn) | ARGS | pointerEntryLive();
        return Flow.regsRead(insn); // LD_ABS/IND: bpf4j's engines take the packet from the context, not r6
    }

    /** Registers an instruction always writes. */
    int defs(int pc) {
        Insn insn = program.get(pc);
        int op = insn.opcode();
        if (op == CALL) return resolved.isLocalCall(pc) ? R0 | ARGS : isTailCall(pc) ? 0 : R0;
        if (op == CALLX) return R0; // a helper leaves r1-r5 as they are
        if (Flow.hasConventionalRegs(insn)) return R0; // LD_ABS/IND
        return Flow.regsWritten(insn);
    }

    /** What any function reachable through a function pointer reads of its caller's registers. */
    int pointerEntryLive() {
        int live = 0;
        for (Function g : functions.values()) live |= g.entryLive;
        return live;
    }

    /** Live registers after the instruction at {@code pc} (a call: what the caller reads once it returns). */
    int liveOut(Function f, int pc) {
        int out = 0;
        if (fallsThrough(pc)) {
            int nx = next(pc);
            if (nx < n) out |= f.liveIn[nx];
        }
        int t = jumpTarget(pc);
        if (t != Flow.NO_TARGET) out |= f.liveIn[t];
        return out;
    }

    /** Iterates liveness in every function, and what crosses calls between them, to a fixed point. */
    private void liveness() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Function f : functions.values()) {
                boolean local = true;
                while (local) {
                    local = false;
                    for (int i = f.pcs.length - 1; i >= 0; i--) {
                        int pc = f.pcs[i];
                        int in = uses(f, pc) | (liveOut(f, pc) & ~defs(pc));
                        if (in != f.liveIn[pc]) {
                            f.liveIn[pc] = in;
                            local = true;
                        }
                    }
                }
                int entryLive = f.liveIn[f.entry] & TRANSFER_IN;
                if (entryLive != f.entryLive) {
                    f.entryLive = entryLive;
                    changed = true;
                }
            }
            for (Function f : functions.values()) {
                for (int pc : f.pcs) {
                    int op = program.get(pc).opcode();
                    boolean local = resolved.isLocalCall(pc);
                    if (!local && op != CALLX) continue;
                    if ((liveOut(f, pc) & ARGS) == 0) continue;
                    List<Function> callees = local
                            ? List.of(functions.get(pc + program.get(pc).imm() + 1))
                            : new ArrayList<>(functions.values());
                    for (Function g : callees) {
                        if (!g.returnsArgs) {
                            g.returnsArgs = true;
                            changed = true;
                        }
                    }
                }
            }
        }
    }
}

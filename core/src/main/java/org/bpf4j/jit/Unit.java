package org.bpf4j.jit;

import static org.bpf4j.jit.CodeGen.*;

import static java.lang.constant.ConstantDescs.*;
import static org.bpf4j.isa.Opcodes.*;

import java.lang.classfile.ClassBuilder;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.RunState;
import org.bpf4j.isa.Insn;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;

/**
 * The instructions of a whole function, or of one region of a split function, as one JVM method: the
 * emitter of every instruction, with the method's labels, blocks and registers held as ints. {@link CodeGen}
 * plans the class (functions, regions, dispatchers) and makes one unit per method.
 *
 * <p>Over 800 lines on purpose: every instruction's code reads and changes the same per-method state (the
 * labels and exit stubs, which registers are held as ints, the budget and may_goto locals), which a split
 * by instruction family would have to hand around on every call.
 */
final class Unit {
    private final CodeGen gen;
    private final Analysis a;
    private final AddressSpace space;
    private final boolean checked;
    private final boolean budgeted;
    final CodeBuilder cb;
    final Analysis.Function f;
    final int[] pcs;
    final int region; // -1: the whole function
    final int[] regionOf;
    final BitSet member = new BitSet();
    final BitSet leader = new BitSet();
    final int[] blockLength;
    final Map<Integer, Label> labels = new LinkedHashMap<>();
    final Map<Integer, Label> exitStubs = new LinkedHashMap<>();
    final List<Runnable> outOfLine = new ArrayList<>();
    final int depthSlot;
    final boolean mayGoto;
    Label exitBlock;
    int writes;

    Unit(CodeGen gen, CodeBuilder cb, Analysis.Function f, int[] pcs, int region) {
        this(gen, cb, f, pcs, region, null);
    }

    Unit(CodeGen gen, CodeBuilder cb, Analysis.Function f, int[] pcs, int region, int[] regionOf) {
        this.gen = gen;
        this.a = gen.a;
        this.space = gen.space;
        this.checked = gen.checked;
        this.budgeted = gen.budgeted;
        this.cb = cb;
        this.f = f;
        this.pcs = pcs;
        this.region = region;
        this.regionOf = regionOf;
        this.depthSlot = region < 0 ? FUNCTION_DEPTH : REGION_DEPTH;
        boolean mg = false;
        for (int pc : pcs) {
            member.set(pc);
            if (a.insn(pc).opcode() == MAY_GOTO) mg = true;
        }
        this.mayGoto = mg;
        this.blockLength = new int[a.n];
        findBlocks();
        this.intAtStart = intsAtBlockStarts();
    }

    /** Registers held as ints at the start of each instruction's block (see intRegs). */
    final int[] intAtStart;

    /**
     * Forward over the unit: a register is an int at a block's start when every path into it ends
     * with the register written by a writesInt instruction. Calls end that (the callee, a tail call
     * or callx may write any register as a long), as do entries: the function's, a region's.
     */
    private int[] intsAtBlockStarts() {
        int all = (1 << 11) - 1;
        int[] in = new int[a.n];
        for (int pc : pcs) in[pc] = all;
        in[pcs[0]] = 0;
        if (member.get(f.entry)) in[f.entry] = 0;
        if (region >= 0) for (int pc : pcs) if (leader.get(pc)) in[pc] = 0;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int pc : pcs) {
                Insn insn = a.insn(pc);
                int out = in[pc] & ~a.defs(pc);
                if (writesInt(insn)) out |= 1 << insn.dst();
                int op = insn.opcode();
                if (op == CALL || op == CALLX) out = 0;
                int t = a.jumpTarget(pc);
                for (int succ : new int[] {a.fallsThrough(pc) ? a.next(pc) : -1, t}) {
                    if (succ < 0 || succ >= a.n || !member.get(succ)) continue;
                    int merged = in[succ] & out;
                    if (merged != in[succ]) {
                        in[succ] = merged;
                        changed = true;
                    }
                }
            }
        }
        return in;
    }

    private void findBlocks() {
        leader.set(f.entry);
        leader.set(pcs[0]);
        // Leaders are the same for every region of a function (plus each region's first
        // instruction), so that a block never spans two methods.
        for (int pc : f.pcs) {
            int t = a.jumpTarget(pc);
            if (t >= 0) leader.set(t);
            if (a.endsBlock(pc)) leader.set(a.next(pc));
        }
        if (regionOf != null) {
            for (int i = 0; i < f.pcs.length; i++) {
                if (i == 0 || regionOf[f.pcs[i]] != regionOf[f.pcs[i - 1]]) leader.set(f.pcs[i]);
            }
        }
        int current = -1;
        int prevNext = -1;
        for (int pc : pcs) {
            if (leader.get(pc) || pc != prevNext) {
                leader.set(pc);
                current = pc;
            }
            blockLength[current]++;
            prevNext = a.next(pc);
        }
    }

    Label label(int pc) {
        return labels.computeIfAbsent(pc, p -> cb.newLabel());
    }

    /** Where a jump to {@code pc} goes: the instruction, or a stub that leaves the region. */
    Label target(int pc) {
        if (member.get(pc)) return label(pc);
        return exitStubs.computeIfAbsent(pc, p -> cb.newLabel());
    }

    int reg(int i) { return REG + 2 * i; }

    // A register is held either as a long (its 64-bit value in slot reg(i)) or, after an instruction that
    // writes a zero-extended 32-bit value (writesInt), as that value in int slot INT_REG + i. An int
    // needs no widening where the code only looks at 32 bits, and above all not for the state of
    // C2's uncommon traps: a byte loaded and compared in a loop (strcmp) kept a movsxd per iteration
    // while the state held it as a long. Which registers are ints at a block's start is decided
    // ahead (intAtStart); an edge whose source holds more as ints widens them first.
    int intRegs;

    void ld(int i) {
        if ((intRegs & (1 << i)) == 0) {
            cb.lload(reg(i));
        } else {
            cb.iload(INT_REG + i);
            zext32();
        }
    }

    /** Pushes the low 32 bits of register i. */
    void ldInt(int i) {
        if ((intRegs & (1 << i)) == 0) {
            cb.lload(reg(i));
            cb.l2i();
        } else {
            cb.iload(INT_REG + i);
        }
    }

    void st(int i) {
        cb.lstore(reg(i));
        intRegs &= ~(1 << i);
        forget(i);
    }

    /** Stores the int on the stack as register i's zero-extended 32-bit value. */
    void stInt(int i) {
        cb.istore(INT_REG + i);
        intRegs |= 1 << i;
        forget(i);
    }

    /** Widens the registers of {@code mask} held as ints back to longs. */
    void widen(int mask) {
        emitWiden(mask & intRegs);
        intRegs &= ~mask;
    }

    /** The code that copies the int slots of {@code mask} into their registers' long slots. */
    void emitWiden(int mask) {
        for (int r : bits(mask)) {
            cb.iload(INT_REG + r);
            zext32();
            cb.lstore(reg(r));
        }
    }

    /**
     * The label a jump from the current state to {@code pc} goes to: the target itself when the
     * registers held as ints agree (or those that do not are dead there), else a stub that widens the
     * others first. A stub on a loop's back edge kept C2 from seeing a counted loop (copy).
     */
    Label edge(int pc) {
        int wanted = member.get(pc) ? intAtStart[pc] : 0;
        if ((wanted & ~intRegs) != 0) {
            throw new IllegalStateException("insn " + pc + ": registers held as ints disagree with the block's start");
        }
        int widen = intRegs & ~wanted & (member.get(pc) ? f.liveIn[pc] : -1);
        Label direct = target(pc);
        if (widen == 0) return direct;
        Label stub = cb.newLabel();
        outOfLine.add(() -> {
            cb.labelBinding(stub);
            emitWiden(widen);
            cb.goto_(direct);
        });
        return stub;
    }

    // Within a block, what the code knows of a register: "holds constant c plus register x" (x = -1:
    // just c), from ld_imm64, mov and add. An unchecked access through it is addressed from x
    // (offset()): for global data indexed by a bounded register, C2 then proves the masked offset
    // equal to x + (c - base) and drops the mask, which it cannot do from the register's value in
    // an aligned space (it reduces (c + x - base) & mask to (c + x) & mask).
    static final int UNKNOWN = -2;
    final long[] knownConst = new long[11];
    final int[] knownBase = unknownRegisters();

    static int[] unknownRegisters() {
        int[] r = new int[11];
        Arrays.fill(r, UNKNOWN);
        return r;
    }

    void forget(int r) {
        knownBase[r] = UNKNOWN;
        for (int j = 0; j < knownBase.length; j++) if (knownBase[j] == r) knownBase[j] = UNKNOWN;
    }

    /** After {@code d} was written: {@code d == c + x} ({@code x} -1 for no register). */
    void know(int d, long c, int x) {
        if (x == d || x == UNKNOWN) return;
        knownBase[d] = x;
        knownConst[d] = c;
    }

    void emit() {
        prologue();
        for (int i = 0; i < pcs.length; i++) {
            int pc = pcs[i];
            if (leader.get(pc)) {
                widen(intRegs & ~intAtStart[pc] & f.liveIn[pc]); // falling through from the previous block
                intRegs = intAtStart[pc];
                Arrays.fill(knownBase, UNKNOWN);
            }
            cb.labelBinding(label(pc));
            if (budgeted && leader.get(pc)) budgetCheck(pc);
            instruction(pc);
            if (a.fallsThrough(pc)) {
                int nx = a.next(pc);
                if (nx >= a.n) {
                    cb.loadConstant(a.n - 1);
                    cb.invokestatic(CD_RUN, "ranOffTheEnd", MethodTypeDesc.of(CD_FAULT, CD_int));
                    cb.athrow();
                } else if (!member.get(nx)) {
                    leaveRegion(nx);
                } else if (i + 1 >= pcs.length || pcs[i + 1] != nx) {
                    cb.goto_(edge(nx));
                }
            }
        }
        intRegs = 0; // stubs, out-of-line code and the exit block are reached with every register a long
        exitStubs.forEach((pc, l) -> {
            cb.labelBinding(l);
            leaveRegion(pc);
        });
        for (int i = 0; i < outOfLine.size(); i++) outOfLine.get(i).run();
        if (exitBlock != null) {
            cb.labelBinding(exitBlock);
            for (int r : bits(writes)) {
                cb.aload(FRAME);
                cb.loadConstant(r);
                ld(r);
                cb.lastore();
            }
            if (mayGoto) {
                cb.aload(FRAME);
                cb.loadConstant(11);
                cb.lload(MAY_GOTO_COUNT);
                cb.lastore();
            }
            storeBudget();
            cb.iload(REGION_PC);
            cb.ireturn();
        }
    }

    void prologue() {
        intRegs = 0; // an int slot is read only where every path into it wrote it (intsAtBlockStarts)
        if (region < 0) {
            for (int i = 1; i <= 5; i++) {
                cb.lload(1 + 2 * (i - 1));
                st(i);
            }
            frameTop(cb, FUNCTION_DEPTH);
            st(10);
            for (int i : new int[] {0, 6, 7, 8, 9}) {
                if ((f.entryLive & (1 << i)) != 0) {
                    cb.aload(RUN);
                    cb.getfield(CD_RUN, "x" + i, CD_long);
                } else {
                    cb.lconst_0();
                }
                st(i);
            }
            if (mayGoto) {
                cb.loadConstant(MAY_GOTO_BUDGET);
                cb.lstore(MAY_GOTO_COUNT);
            }
        } else {
            int reads = 0;
            for (int pc : pcs) {
                reads |= a.uses(f, pc);
                writes |= a.defs(pc);
                // callx through a function pointer takes back the r1-r5 its callee left, where read.
                if (a.insn(pc).opcode() == CALLX) writes |= a.liveOut(f, pc) & Analysis.ARGS;
                // A tail call that jumps leaves the region with the target's r0.
                if (a.isTailCall(pc)) writes |= Analysis.R0;
            }
            writes &= ~Analysis.R10;
            int load = reads | writes; // a register written on one path only must keep its value on the others
            for (int i = 0; i <= 10; i++) {
                if ((load & (1 << i)) != 0) {
                    cb.aload(FRAME);
                    cb.loadConstant(i);
                    cb.laload();
                } else {
                    cb.lconst_0();
                }
                st(i);
            }
            if (mayGoto) {
                cb.aload(FRAME);
                cb.loadConstant(11);
                cb.laload();
                cb.lstore(MAY_GOTO_COUNT);
            }
            exitBlock = cb.newLabel();
        }
        cb.lconst_0();
        cb.lstore(TMP);
        if (budgeted) {
            cb.aload(RUN);
            cb.getfield(CD_RUN, "budget", CD_long);
            cb.lstore(BUDGET);
        }
        if (region < 0) {
            if (f.entry != pcs[0]) cb.goto_(label(f.entry));
        } else {
            // Entered where control came from another region (or the function's entry).
            TreeSet<Integer> entries = new TreeSet<>();
            if (member.get(f.entry)) entries.add(f.entry);
            entries.add(pcs[0]);
            for (int pc : f.pcs) {
                if (member.get(pc)) continue;
                if (a.fallsThrough(pc) && member.get(a.next(pc))) entries.add(a.next(pc));
                int t = a.jumpTarget(pc);
                if (t >= 0 && member.get(t)) entries.add(t);
            }
            Label bad = cb.newLabel();
            List<SwitchCase> cases = new ArrayList<>();
            for (int e : entries) cases.add(SwitchCase.of(e, label(e)));
            cb.iload(REGION_PC);
            cb.lookupswitch(bad, cases);
            outOfLine.add(() -> {
                cb.labelBinding(bad);
                cb.iload(REGION_PC);
                cb.invokestatic(CD_RUN, "badRegionEntry", MethodTypeDesc.of(CD_ISE, CD_int));
                cb.athrow();
            });
        }
    }

    void storeBudget() {
        if (!budgeted) return;
        cb.aload(RUN);
        cb.lload(BUDGET);
        cb.putfield(CD_RUN, "budget", CD_long);
    }

    void reloadBudget() {
        if (!budgeted) return;
        cb.aload(RUN);
        cb.getfield(CD_RUN, "budget", CD_long);
        cb.lstore(BUDGET);
    }

    /** Continue at {@code pc} in another region (or -1: the function returns). */
    void leaveRegion(int pc) {
        widen(intRegs);
        cb.loadConstant(pc);
        cb.istore(REGION_PC);
        cb.goto_(exitBlock);
    }

    /** Charges the block starting at {@code pc}; the interpreter counts the same instructions one by one. */
    void budgetCheck(int pc) {
        int len = blockLength[pc];
        Label slow = cb.newLabel();
        cb.lload(BUDGET);
        cb.loadConstant((long) len);
        cb.lsub();
        cb.lstore(BUDGET);
        cb.lload(BUDGET);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(slow);
        outOfLine.add(() -> {
            cb.labelBinding(slow);
            cb.aload(RUN);
            cb.loadConstant(pc);
            cb.lload(BUDGET);
            cb.loadConstant((long) len);
            cb.ladd();
            cb.invokevirtual(CD_RUN, "budgetExhausted", MethodTypeDesc.of(CD_FAULT, CD_int, CD_long));
            cb.athrow();
        });
    }

    /** Faults raised by the code {@code body} emits (memory, helpers) become the fault of {@code pc}. */
    void protect(int pc, Runnable body) {
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        cb.labelBinding(start);
        body.run();
        cb.labelBinding(end);
        cb.exceptionCatch(start, end, handler, CD_RUNTIME_EXCEPTION);
        outOfLine.add(() -> {
            cb.labelBinding(handler);
            cb.loadConstant(pc);
            cb.invokestatic(CD_RUN, "fault", MethodTypeDesc.of(CD_RUNTIME_EXCEPTION, CD_RUNTIME_EXCEPTION, CD_int));
            cb.athrow();
        });
    }

    // ---- instructions ----

    void instruction(int pc) {
        Insn insn = a.insn(pc);
        int op = insn.opcode();
        switch (insnClass(op)) {
            case CLASS_ALU64 -> alu64(insn);
            case CLASS_ALU -> alu32(insn);
            case CLASS_JMP, CLASS_JMP32 -> jump(pc, insn);
            case CLASS_LDX -> protect(pc, () -> load(insn));
            case CLASS_ST, CLASS_STX -> {
                if (mode(op) == MODE_ATOMIC) protect(pc, () -> atomic(insn));
                else protect(pc, () -> store(insn));
            }
            default -> {
                if (op == LDDW) {
                    cb.loadConstant(a.resolved.imm64(pc));
                    st(insn.dst());
                    know(insn.dst(), a.resolved.imm64(pc), -1);
                } else {
                    legacyLoad(pc, insn);
                }
            }
        }
    }

    void zext32() {
        cb.i2l();
        cb.loadConstant(0xffffffffL);
        cb.land();
    }

    void operand64(Insn insn) {
        if (source(insn.opcode()) == SRC_X) ld(insn.src());
        else cb.loadConstant((long) insn.imm());
    }

    void operand32(Insn insn) {
        if (source(insn.opcode()) == SRC_X) {
            ldInt(insn.src());
        } else {
            cb.loadConstant(insn.imm());
        }
    }

    void alu64(Insn insn) {
        int op = insn.opcode();
        int d = insn.dst(), s = insn.src(), k = insn.imm();
        boolean reg = source(op) == SRC_X;
        int dBase = knownBase[d], sBase = reg ? knownBase[s] : -1;
        long dConst = knownConst[d], sConst = reg ? knownConst[s] : k;
        switch (aluOp(op)) {
            case ALU_ADD -> {
                ld(d); operand64(insn); cb.ladd(); st(d);
                if (dBase == -1 && sBase == UNKNOWN && s != d) know(d, dConst, s);
                else if (dBase == -1) know(d, dConst + sConst, sBase);
                else if (dBase != UNKNOWN && sBase == -1) know(d, dConst + sConst, dBase);
            }
            case ALU_SUB -> {
                ld(d); operand64(insn); cb.lsub(); st(d);
                if (dBase != UNKNOWN && sBase == -1) know(d, dConst - sConst, dBase);
            }
            case ALU_MUL -> { ld(d); operand64(insn); cb.lmul(); st(d); }
            case ALU_OR -> { ld(d); operand64(insn); cb.lor(); st(d); }
            case ALU_AND -> { ld(d); operand64(insn); cb.land(); st(d); }
            case ALU_XOR -> { ld(d); operand64(insn); cb.lxor(); st(d); }
            case ALU_LSH -> { ld(d); operand32(insn); cb.lshl(); st(d); }
            case ALU_RSH -> { ld(d); operand32(insn); cb.lushr(); st(d); }
            case ALU_ARSH -> { ld(d); operand32(insn); cb.lshr(); st(d); }
            case ALU_NEG -> { ld(d); cb.lneg(); st(d); }
            case ALU_END -> { ld(d); byteSwap(k); st(d); }
            case ALU_MOV -> {
                if (!reg) {
                    cb.loadConstant((long) k);
                } else {
                    ld(s);
                    switch (insn.off()) {
                        case 0 -> { }
                        case 8 -> { cb.l2i(); cb.i2b(); cb.i2l(); }
                        case 16 -> { cb.l2i(); cb.i2s(); cb.i2l(); }
                        case 32 -> { cb.l2i(); cb.i2l(); }
                        default -> { cb.loadConstant(0xffffffffL); cb.land(); } // addr_space_cast
                    }
                }
                st(d);
                if (!reg) know(d, k, -1);
                else if (insn.off() == 0) know(d, sConst, sBase);
            }
            case ALU_DIV, ALU_MOD -> divMod64(insn);
            default -> throw new IllegalStateException("unexpected ALU64 opcode " + op);
        }
    }

    void divMod64(Insn insn) {
        int op = insn.opcode();
        int d = insn.dst(), s = insn.src(), k = insn.imm();
        widen(1 << d); // written on one path, read on the other (modulo by zero)
        boolean div = aluOp(op) == ALU_DIV;
        boolean signed = insn.off() == 1;
        Runnable apply = () -> {
            if (signed) {
                if (div) cb.ldiv();
                else cb.lrem();
            } else {
                cb.invokestatic(CD_LONG, div ? "divideUnsigned" : "remainderUnsigned", MethodTypeDesc.of(CD_long, CD_long, CD_long));
            }
        };
        if (source(op) == SRC_K) {
            if (k == 0) {
                if (div) { cb.lconst_0(); st(d); } // x / 0 = 0; x % 0 = x
                return;
            }
            ld(d);
            cb.loadConstant((long) k);
            apply.run();
            st(d);
            return;
        }
        Label zero = cb.newLabel();
        Label end = cb.newLabel();
        ld(s);
        cb.lconst_0();
        cb.lcmp();
        cb.ifeq(zero);
        ld(d);
        ld(s);
        apply.run();
        st(d);
        if (div) {
            cb.goto_(end);
            cb.labelBinding(zero);
            cb.lconst_0();
            st(d);
            cb.labelBinding(end);
        } else {
            cb.labelBinding(zero);
        }
    }

    void alu32(Insn insn) {
        int op = insn.opcode();
        int d = insn.dst(), s = insn.src(), k = insn.imm();
        boolean reg = source(op) == SRC_X;
        switch (aluOp(op)) {
            case ALU_ADD -> { ldInt(d); operand32(insn); cb.iadd(); stInt(d); }
            case ALU_SUB -> { ldInt(d); operand32(insn); cb.isub(); stInt(d); }
            case ALU_MUL -> { ldInt(d); operand32(insn); cb.imul(); stInt(d); }
            case ALU_OR -> { ldInt(d); operand32(insn); cb.ior(); stInt(d); }
            case ALU_AND -> { ldInt(d); operand32(insn); cb.iand(); stInt(d); }
            case ALU_XOR -> { ldInt(d); operand32(insn); cb.ixor(); stInt(d); }
            case ALU_LSH -> { ldInt(d); operand32(insn); cb.ishl(); stInt(d); }
            case ALU_RSH -> { ldInt(d); operand32(insn); cb.iushr(); stInt(d); }
            case ALU_ARSH -> { ldInt(d); operand32(insn); cb.ishr(); stInt(d); }
            case ALU_NEG -> { ldInt(d); cb.ineg(); stInt(d); }
            case ALU_END -> {
                ld(d);
                if (source(op) == END_TO_BE) {
                    byteSwap(k);
                } else if (k == 16) {
                    cb.loadConstant(0xffffL);
                    cb.land();
                } else if (k == 32) {
                    cb.loadConstant(0xffffffffL);
                    cb.land();
                }
                st(d);
            }
            case ALU_MOV -> {
                if (!reg) {
                    cb.loadConstant(k);
                } else {
                    ldInt(s);
                    if (insn.off() == 8) cb.i2b();
                    else if (insn.off() == 16) cb.i2s();
                }
                stInt(d);
            }
            case ALU_DIV, ALU_MOD -> divMod32(insn);
            default -> throw new IllegalStateException("unexpected ALU opcode " + op);
        }
    }

    void divMod32(Insn insn) {
        int op = insn.opcode();
        int d = insn.dst(), s = insn.src(), k = insn.imm();
        widen(1 << d); // written on one path, read on the other (modulo by zero)
        boolean div = aluOp(op) == ALU_DIV;
        boolean signed = insn.off() == 1;
        Runnable apply = () -> {
            if (signed) {
                if (div) cb.idiv();
                else cb.irem();
            } else {
                cb.invokestatic(CD_INTEGER, div ? "divideUnsigned" : "remainderUnsigned", MethodTypeDesc.of(CD_int, CD_int, CD_int));
            }
        };
        // By zero: division gives 0, modulo the dividend's low half, zero-extended.
        Runnable byZero = () -> {
            if (div) {
                cb.lconst_0();
            } else {
                ld(d);
                cb.loadConstant(0xffffffffL);
                cb.land();
            }
            st(d);
        };
        if (source(op) == SRC_K) {
            if (k == 0) {
                byZero.run();
                return;
            }
            ld(d);
            cb.l2i();
            cb.loadConstant(k);
            apply.run();
            zext32();
            st(d);
            return;
        }
        Label zero = cb.newLabel();
        Label end = cb.newLabel();
        ld(s);
        cb.l2i();
        cb.ifeq(zero);
        ld(d);
        cb.l2i();
        ld(s);
        cb.l2i();
        apply.run();
        zext32();
        st(d);
        cb.goto_(end);
        cb.labelBinding(zero);
        byZero.run();
        cb.labelBinding(end);
    }

    /** to_be / bswap: reverse the low {@code bits} and zero-extend. */
    void byteSwap(int bits) {
        switch (bits) {
            case 16 -> {
                cb.l2i();
                cb.i2s();
                cb.invokestatic(CD_SHORT, "reverseBytes", MethodTypeDesc.of(CD_short, CD_short));
                cb.i2l();
                cb.loadConstant(0xffffL);
                cb.land();
            }
            case 32 -> {
                cb.l2i();
                cb.invokestatic(CD_INTEGER, "reverseBytes", MethodTypeDesc.of(CD_int, CD_int));
                zext32();
            }
            default -> cb.invokestatic(CD_LONG, "reverseBytes", MethodTypeDesc.of(CD_long, CD_long));
        }
    }

    void jump(int pc, Insn insn) {
        int op = insn.opcode();
        if (op == JA || op == JA32) {
            int t = a.jumpTarget(pc);
            if (member.get(t)) cb.goto_(edge(t));
            else leaveRegion(t);
            return;
        }
        if (op == EXIT) {
            exit();
            return;
        }
        if (op == CALL || op == CALLX) widen(intRegs); // calls read and write registers on several paths
        if (op == CALL) {
            if (a.resolved.isLocalCall(pc)) localCall(pc, insn);
            else if (a.isTailCall(pc)) tailCall(pc);
            else helperCall(pc);
            return;
        }
        if (op == CALLX) {
            callx(pc, insn);
            return;
        }
        if (op == MAY_GOTO) {
            // Fall through while the frame's budget lasts, then take the jump.
            cb.lload(MAY_GOTO_COUNT);
            cb.lconst_0();
            cb.lcmp();
            cb.ifeq(edge(a.jumpTarget(pc)));
            cb.lload(MAY_GOTO_COUNT);
            cb.lconst_1();
            cb.lsub();
            cb.lstore(MAY_GOTO_COUNT);
            return;
        }
        Label t = edge(a.jumpTarget(pc));
        int code = jmpOp(op);
        boolean unsigned = code == JMP_JGT || code == JMP_JGE || code == JMP_JLT || code == JMP_JLE;
        if (insnClass(op) == CLASS_JMP) {
            // Unsigned: both sides with the sign bit flipped, compared signed (C2 makes it an unsigned cmp;
            // Long.compareUnsigned's three-way result cost more).
            ld(insn.dst());
            if (unsigned) flipSign64();
            if (source(op) == SRC_X) {
                ld(insn.src());
                if (unsigned) flipSign64();
            } else {
                cb.loadConstant(unsigned ? insn.imm() + Long.MIN_VALUE : (long) insn.imm());
            }
            if (code == JMP_JSET) {
                cb.land();
                cb.lconst_0();
            }
            cb.lcmp();
            switch (code) {
                case JMP_JEQ -> cb.ifeq(t);
                case JMP_JNE, JMP_JSET -> cb.ifne(t);
                case JMP_JGT, JMP_JSGT -> cb.ifgt(t);
                case JMP_JGE, JMP_JSGE -> cb.ifge(t);
                case JMP_JLT, JMP_JSLT -> cb.iflt(t);
                case JMP_JLE, JMP_JSLE -> cb.ifle(t);
                default -> throw new IllegalStateException("unexpected jump opcode " + op);
            }
            return;
        }
        if (unsigned) {
            // Both sides with the sign bit flipped, compared signed as ints: C2 makes it one unsigned cmp.
            // Not through lcmp or Integer.compareUnsigned: where C2 turns a branch that was never taken
            // into an uncommon trap, it keeps their three-way result for the trap's state, computed on
            // every iteration.
            ldInt(insn.dst());
            flipSign32();
            if (source(op) == SRC_X) {
                ldInt(insn.src());
                flipSign32();
            } else {
                cb.loadConstant(insn.imm() + Integer.MIN_VALUE);
            }
            switch (code) {
                case JMP_JGT -> cb.if_icmpgt(t);
                case JMP_JGE -> cb.if_icmpge(t);
                case JMP_JLT -> cb.if_icmplt(t);
                default -> cb.if_icmple(t);
            }
            return;
        }
        ldInt(insn.dst());
        operand32(insn);
        if (code == JMP_JSET) {
            cb.iand();
            cb.ifne(t);
            return;
        }
        switch (code) {
            case JMP_JEQ -> cb.if_icmpeq(t);
            case JMP_JNE -> cb.if_icmpne(t);
            case JMP_JSGT -> cb.if_icmpgt(t);
            case JMP_JSGE -> cb.if_icmpge(t);
            case JMP_JSLT -> cb.if_icmplt(t);
            case JMP_JSLE -> cb.if_icmple(t);
            default -> throw new IllegalStateException("unexpected jump opcode " + op);
        }
    }

    /** Adds the sign bit: C2 turns a signed compare of two such sums (or of one and a constant) into an unsigned one. */
    void flipSign64() {
        cb.loadConstant(Long.MIN_VALUE);
        cb.ladd();
    }

    void flipSign32() {
        cb.loadConstant(Integer.MIN_VALUE);
        cb.iadd();
    }

    void exit() {
        if (region >= 0) {
            leaveRegion(-1);
            return;
        }
        if (f.returnsArgs) {
            for (int i = 1; i <= 5; i++) {
                cb.aload(RUN);
                ld(i);
                cb.putfield(CD_RUN, "x" + i, CD_long);
            }
        }
        storeBudget();
        ld(0);
        cb.lreturn();
    }

    void depthCheck(int pc) {
        Label ok = cb.newLabel();
        cb.iload(depthSlot);
        cb.loadConstant(ExecutionStack.MAX_FRAMES - 1);
        cb.if_icmplt(ok);
        cb.loadConstant(pc);
        cb.invokestatic(CD_RUN, "callStackOverflow", MethodTypeDesc.of(CD_FAULT, CD_int));
        cb.athrow();
        cb.labelBinding(ok);
    }

    /** Hands the callee the registers it reads beyond r1-r5. */
    void transferIn(int live) {
        for (int i : bits(live)) {
            cb.aload(RUN);
            ld(i);
            cb.putfield(CD_RUN, "x" + i, CD_long);
        }
    }

    /** Takes back the r1-r5 the callee left, where the caller reads them. */
    void transferOut(int pc) {
        for (int i : bits(a.liveOut(f, pc) & Analysis.ARGS)) {
            cb.aload(RUN);
            cb.getfield(CD_RUN, "x" + i, CD_long);
            st(i);
        }
    }

    void pushArgs() {
        cb.aload(RUN);
        for (int i = 1; i <= 5; i++) ld(i);
    }

    void localCall(int pc, Insn insn) {
        Analysis.Function callee = a.functions.get(pc + insn.imm() + 1);
        depthCheck(pc);
        transferIn(callee.entryLive);
        storeBudget();
        pushArgs();
        cb.iload(depthSlot);
        cb.iconst_1();
        cb.iadd();
        cb.invokestatic(CD_THIS, functionName(callee.entry), MTD_FUNCTION);
        st(0);
        reloadBudget();
        transferOut(pc);
    }

    void terminatedCheck() {
        Label ok = cb.newLabel();
        cb.aload(RUN);
        cb.invokevirtual(CD_RUN, "terminated", MethodTypeDesc.of(CD_boolean));
        cb.ifeq(ok);
        cb.getstatic(CD_RUN, "TERMINATED", CD_TERMINATED);
        cb.athrow();
        cb.labelBinding(ok);
    }

    void helperCall(int pc) {
        HelperTable.Entry e = a.resolved.helperAt(pc);
        int index = constant(e.helper());
        beforeHelper();
        protect(pc, () -> {
            cb.ldc(classDataAt(index, CD_HELPER));
            pushArgs();
            cb.invokeinterface(CD_HELPER, "call", MTD_HELPER_CALL);
            st(0);
        });
        afterHelper();
        terminatedCheck();
    }

    /**
     * A helper may run a callback (HelperContext.callFunction) only when the program has function
     * pointers: then the run learns the calling frame's depth, and the budget crosses through it.
     */
    void beforeHelper() {
        if (!a.hasFunctionPointers) return;
        cb.aload(RUN);
        cb.iload(depthSlot);
        cb.putfield(CD_RUN, "depth", CD_int);
        storeBudget();
    }

    void afterHelper() {
        if (a.hasFunctionPointers) reloadBudget();
    }

    /**
     * bpf_tail_call: when the run finds a target, it runs in this frame (r1 = ctx, the other registers
     * handed over as the interpreter's shared register file has them) and this function returns its
     * r0; otherwise execution goes on with r0 unchanged.
     */
    void tailCall(int pc) {
        int index = constant(a.resolved.helperAt(pc).helper());
        Label failed = cb.newLabel();
        transferIn(Analysis.TRANSFER_IN);
        storeBudget();
        cb.aload(RUN);
        cb.ldc(classDataAt(index, CD_TAIL_CALL));
        for (int i = 1; i <= 5; i++) ld(i);
        cb.iload(depthSlot);
        cb.loadConstant(pc);
        cb.invokevirtual(CD_RUN, "tailCall", MethodTypeDesc.of(CD_long, CD_TAIL_CALL, CD_long, CD_long, CD_long, CD_long,
                CD_long, CD_int, CD_int));
        cb.lstore(TMP);
        reloadBudget();
        cb.aload(RUN);
        cb.getfield(CD_RUN, "tailCalled", CD_boolean);
        cb.ifeq(failed);
        cb.lload(TMP);
        st(0);
        exit();
        cb.labelBinding(failed);
    }

    void callx(int pc, Insn insn) {
        Label helper = cb.newLabel();
        Label end = cb.newLabel();
        ld(insn.dst());
        cb.lstore(TMP);
        cb.lload(TMP);
        cb.loadConstant(RunState.FUNCTION_POINTER_MASK);
        cb.land();
        cb.loadConstant(RunState.FUNCTION_POINTER_TAG);
        cb.lcmp();
        cb.ifne(helper);
        depthCheck(pc);
        transferIn(a.pointerEntryLive());
        storeBudget();
        cb.aload(RUN);
        cb.lload(TMP);
        cb.l2i();
        for (int i = 1; i <= 5; i++) ld(i);
        cb.iload(depthSlot);
        cb.iconst_1();
        cb.iadd();
        cb.loadConstant(pc);
        cb.invokestatic(CD_THIS, "callPointer", MTD_POINTER);
        st(0);
        reloadBudget();
        transferOut(pc);
        cb.goto_(end);
        cb.labelBinding(helper);
        beforeHelper();
        protect(pc, () -> {
            cb.aload(RUN);
            cb.ldc(classDataAt(1, CD_HELPER_TABLE));
            cb.lload(TMP);
            for (int i = 1; i <= 5; i++) ld(i);
            cb.loadConstant(pc);
            cb.invokevirtual(CD_RUN, "callHelperById", MethodTypeDesc.of(CD_long, CD_HELPER_TABLE,
                    CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int));
            st(0);
        });
        afterHelper();
        terminatedCheck();
        cb.labelBinding(end);
    }

    void legacyLoad(int pc, Insn insn) {
        Label ok = cb.newLabel();
        protect(pc, () -> {
            cb.aload(RUN);
            cb.loadConstant(insn.opcode());
            if (mode(insn.opcode()) == MODE_IND) ld(insn.src());
            else cb.lconst_0();
            cb.loadConstant(insn.imm());
            cb.invokevirtual(CD_RUN, "legacyPacketLoad", MethodTypeDesc.of(CD_long, CD_int, CD_long, CD_int));
            cb.lstore(TMP);
        });
        cb.lload(TMP);
        cb.lconst_0();
        cb.lcmp();
        cb.ifge(ok);
        // Outside the packet: the kernel ends the program with r0 = 0.
        cb.aload(RUN);
        cb.invokevirtual(CD_RUN, "endWithZero", MethodTypeDesc.of(CD_TERMINATED));
        cb.athrow();
        cb.labelBinding(ok);
        cb.lload(TMP);
        st(0);
    }

    /** Pushes the offset of {@code [reg + off, +size)} into the segment, checked as the options say. */
    void offset(int reg, int off, int size, boolean write) {
        if (checked) {
            cb.aload(RUN);
            ld(reg);
            cb.loadConstant((long) off);
            cb.ladd();
            cb.loadConstant(size);
            cb.loadConstant(write ? 1 : 0);
            cb.invokevirtual(CD_RUN, "checkRegion", MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_boolean));
        } else {
            // Into the sandbox, reduced modulo the space's size (AddressSpace): C2 proves every such
            // offset inside and drops the bounds check, and computes `reg & mask` once for all
            // accesses through one register value.
            int x = knownBase[reg];
            long c = x == UNKNOWN ? 0 : knownConst[reg];
            if (x == -1) {
                cb.loadConstant(((c - space.base()) & space.offsetMask()) + off + AddressSpace.MARGIN);
                return;
            }
            ld(x == UNKNOWN ? reg : x);
            if (x != UNKNOWN || !space.aligned()) {
                cb.loadConstant(c - space.base());
                cb.ladd();
            }
            cb.loadConstant(space.offsetMask());
            cb.land();
            cb.loadConstant(off + AddressSpace.MARGIN);
            cb.ladd();
        }
    }

    void segment() {
        cb.ldc(classDataAt(0, CD_SEGMENT));
    }

    /** Pushes the layout for a size; returns the JVM type of its values. */
    ClassDesc layout(int size) {
        record L(String field, ClassDesc layout, ClassDesc value) {}
        L l = switch (size) {
            case 1 -> new L("JAVA_BYTE", CD_VALUE_LAYOUT.nested("OfByte"), CD_byte);
            case 2 -> new L("JAVA_SHORT_UNALIGNED", CD_VALUE_LAYOUT.nested("OfShort"), CD_short);
            case 4 -> new L("JAVA_INT_UNALIGNED", CD_VALUE_LAYOUT.nested("OfInt"), CD_int);
            default -> new L("JAVA_LONG_UNALIGNED", CD_VALUE_LAYOUT.nested("OfLong"), CD_long);
        };
        cb.getstatic(CD_VALUE_LAYOUT, l.field(), l.layout());
        lastLayout = l.layout();
        return l.value();
    }

    ClassDesc lastLayout;

    void load(Insn insn) {
        int op = insn.opcode();
        int size = sizeBytes(op);
        segment();
        ClassDesc value = layout(size);
        ClassDesc layoutType = lastLayout;
        offset(insn.src(), insn.off(), size, false);
        cb.invokeinterface(CD_SEGMENT, "get", MethodTypeDesc.of(value, layoutType, CD_long));
        if (writesInt(insn)) {
            if (size == 1) { cb.loadConstant(0xff); cb.iand(); }
            else if (size == 2) { cb.loadConstant(0xffff); cb.iand(); }
            stInt(insn.dst());
            return;
        }
        if (size < 8) cb.i2l(); // sign-extending
        st(insn.dst());
    }

    void store(Insn insn) {
        int op = insn.opcode();
        int size = sizeBytes(op);
        boolean imm = insnClass(op) == CLASS_ST;
        segment();
        ClassDesc value = layout(size);
        ClassDesc layoutType = lastLayout;
        offset(insn.dst(), insn.off(), size, true);
        if (size == 8) {
            if (imm) cb.loadConstant((long) insn.imm());
            else ld(insn.src());
        } else {
            if (imm) {
                int k = insn.imm();
                cb.loadConstant(size == 1 ? (byte) k : size == 2 ? (short) k : k);
            } else {
                ldInt(insn.src());
                if (size == 1) cb.i2b();
                else if (size == 2) cb.i2s();
            }
        }
        cb.invokeinterface(CD_SEGMENT, "set", MethodTypeDesc.of(CD_void, layoutType, CD_long, value));
    }

    void atomic(Insn insn) {
        int op = insn.imm();
        int size = sizeBytes(insn.opcode());
        cb.aload(RUN);
        cb.loadConstant(op);
        cb.loadConstant(size);
        ld(op == ATOMIC_LOAD_ACQ ? insn.src() : insn.dst());
        cb.loadConstant((long) insn.off());
        cb.ladd();
        ld(insn.src());
        ld(0);
        cb.invokevirtual(CD_RUN, "atomic", MethodTypeDesc.of(CD_long, CD_int, CD_int, CD_long, CD_long, CD_long));
        int target = RunState.atomicResultRegister(op, insn.dst());
        if (target == -2) st(insn.src());
        else if (target >= 0) st(target);
        else cb.pop2();
    }

    private int constant(Object value) {
        return gen.constant(value);
    }
}

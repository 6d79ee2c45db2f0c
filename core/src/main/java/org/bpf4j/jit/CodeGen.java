package org.bpf4j.jit;

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
 * Generates the class of one program. Each BPF function becomes a static method
 * {@code f<entry>(JitRun, r1..r5, depth) -> r0} whose BPF registers are JVM {@code long} locals; a
 * function too large for one method (HotSpot compiles none over 8000 bytes of bytecode) becomes a
 * dispatcher over region methods {@code f<entry>_<k>(JitRun, long[] frame, pc, depth) -> next pc},
 * each a run of consecutive instructions that keeps registers in locals and exchanges them with the
 * frame array only where it is entered and left.
 */
final class CodeGen {
    static final ClassDesc CD_THIS = ClassDesc.of("org.bpf4j.jit.BpfProgram");
    static final ClassDesc CD_RUN = ClassDesc.of("org.bpf4j.jit.JitRun");
    static final ClassDesc CD_TERMINATED = ClassDesc.of("org.bpf4j.jit.JitRun$Terminated");
    static final ClassDesc CD_CODE = ClassDesc.of("org.bpf4j.jit.CompiledCode");
    static final ClassDesc CD_FAULT = ClassDesc.of("org.bpf4j.engine.ProgramFault");
    static final ClassDesc CD_HELPER = ClassDesc.of("org.bpf4j.helpers.Helper");
    static final ClassDesc CD_HELPER_CONTEXT = ClassDesc.of("org.bpf4j.helpers.HelperContext");
    static final ClassDesc CD_HELPER_TABLE = ClassDesc.of("org.bpf4j.helpers.HelperTable");
    static final ClassDesc CD_TAIL_CALL = ClassDesc.of("org.bpf4j.helpers.TailCall");
    static final ClassDesc CD_SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    static final ClassDesc CD_VALUE_LAYOUT = ClassDesc.of("java.lang.foreign.ValueLayout");
    static final ClassDesc CD_RUNTIME_EXCEPTION = ClassDesc.of("java.lang.RuntimeException");
    static final ClassDesc CD_ISE = ClassDesc.of("java.lang.IllegalStateException");
    static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");
    static final ClassDesc CD_INTEGER = ClassDesc.of("java.lang.Integer");
    static final ClassDesc CD_SHORT = ClassDesc.of("java.lang.Short");

    static final MethodTypeDesc MTD_FUNCTION = MethodTypeDesc.of(CD_long, CD_RUN, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc MTD_REGION = MethodTypeDesc.of(CD_int, CD_RUN, CD_long.arrayType(), CD_int, CD_int);
    static final MethodTypeDesc MTD_POINTER = MethodTypeDesc.of(CD_long, CD_RUN, CD_int, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int, CD_int);
    static final MethodTypeDesc MTD_HELPER_CALL = MethodTypeDesc.of(CD_long, CD_HELPER_CONTEXT, CD_long, CD_long, CD_long, CD_long, CD_long);

    // Local variable slots. Function methods: run 0, r1..r5 params 1..10, depth 11. Region methods:
    // run 0, frame 1, pc 2, depth 3. Both: BPF register i in REG + 2i, then the budget, may_goto, a temp.
    static final int RUN = 0, REG = 12, BUDGET = REG + 22, MAY_GOTO_COUNT = BUDGET + 2, TMP = MAY_GOTO_COUNT + 2;
    /** Register i's 32-bit value, while it is held as an int (see Unit.intRegs): slot INT_REG + i. */
    static final int INT_REG = TMP + 2;
    static final int FRAME = 1, REGION_PC = 2, REGION_DEPTH = 3, FUNCTION_DEPTH = 11;
    static final int DISPATCH_FRAME = 12, DISPATCH_PC = 13;
    static final int FRAME_SLOTS = 12; // r0..r10, may_goto counter

    final Analysis a;
    final AddressSpace space;
    final boolean checked;
    final boolean budgeted;
    private final int regionEstimateLimit;
    private final int singleEstimateLimit;
    private final List<Object> classData = new ArrayList<>();
    private final IdentityHashMap<Object, Integer> dataIndex = new IdentityHashMap<>();
    /** Regions of each split function, by entry: instruction slices in ascending order. */
    private final Map<Integer, List<int[]>> regionsOf = new LinkedHashMap<>();

    CodeGen(Analysis analysis, AddressSpace space, ExecutionOptions options, int regionEstimateLimit) {
        this.a = analysis;
        this.space = space;
        this.checked = options.checked();
        this.budgeted = options.instructionBudget() != Long.MAX_VALUE;
        this.regionEstimateLimit = regionEstimateLimit;
        this.singleEstimateLimit = regionEstimateLimit + regionEstimateLimit / 4;
        constant(checked ? space.segment() : space.sandbox());
        constant(a.resolved.helpers());
    }

    List<Object> classData() { return classData; }

    int constant(Object value) {
        return dataIndex.computeIfAbsent(value, v -> {
            classData.add(v);
            return classData.size() - 1;
        });
    }

    static DynamicConstantDesc<Object> classDataAt(int index, ClassDesc type) {
        return DynamicConstantDesc.ofNamed(BSM_CLASS_DATA_AT, DEFAULT_NAME, type, index);
    }

    /** The largest function's size estimate (an upper bound on its bytecode when not split). */
    int largestFunctionEstimate() {
        int largest = 0;
        for (Analysis.Function f : a.functions.values()) {
            BitSet leaders = leaders(f);
            int total = 0;
            for (int pc : f.pcs) total += estimate(f, leaders, pc);
            largest = Math.max(largest, total);
        }
        return largest;
    }

    byte[] generate(ClassFile cf) {
        for (Analysis.Function f : a.functions.values()) {
            BitSet leaders = leaders(f);
            int total = 0;
            int accesses = 0;
            for (int pc : f.pcs) {
                total += estimate(f, leaders, pc);
                if (inlinesAccess(pc)) accesses++;
            }
            if (total > singleEstimateLimit || accesses > C1_ACCESS_LIMIT) regionsOf.put(f.entry, split(f, leaders));
        }
        return cf.build(CD_THIS, clb -> {
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withInterfaceSymbols(CD_CODE);
            clb.withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, cb -> {
                cb.aload(0);
                cb.invokespecial(CD_Object, INIT_NAME, MTD_void);
                cb.return_();
            });
            clb.withMethodBody("run", MethodTypeDesc.of(CD_long, CD_RUN, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int),
                    ClassFile.ACC_PUBLIC, cb -> {
                        cb.aload(1);
                        for (int i = 0; i < 5; i++) cb.lload(2 + 2 * i);
                        cb.iload(12);
                        cb.invokestatic(CD_THIS, functionName(0), MTD_FUNCTION);
                        cb.lreturn();
                    });
            // Helpers' callbacks (JitRun.callFunction) enter functions through the pointer dispatch.
            clb.withMethodBody("call", MethodTypeDesc.of(CD_long, CD_RUN, CD_int, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int),
                    ClassFile.ACC_PUBLIC, cb -> {
                        cb.aload(1);
                        cb.iload(2);
                        for (int i = 0; i < 5; i++) cb.lload(3 + 2 * i);
                        cb.iload(13);
                        cb.iconst_m1();
                        cb.invokestatic(CD_THIS, "callPointer", MTD_POINTER);
                        cb.lreturn();
                    });
            for (Analysis.Function f : a.functions.values()) {
                List<int[]> regions = regionsOf.get(f.entry);
                if (regions == null) {
                    clb.withMethodBody(functionName(f.entry), MTD_FUNCTION, ClassFile.ACC_STATIC,
                            cb -> new Unit(this, cb, f, f.pcs, -1).emit());
                } else {
                    emitSplit(clb, f, regions);
                }
            }
            emitPointerDispatch(clb);
        });
    }

    static String functionName(int entry) { return "f" + entry; }

    // ---- size estimates (upper bounds, in bytecode bytes) ----

    /** Function-level block leaders: jump targets and what follows a jump, call or exit. */
    private BitSet leaders(Analysis.Function f) {
        BitSet leaders = new BitSet();
        leaders.set(f.entry);
        for (int pc : f.pcs) {
            int t = a.jumpTarget(pc);
            if (t >= 0) leaders.set(t);
            if (a.endsBlock(pc)) leaders.set(a.next(pc));
        }
        return leaders;
    }

    /**
     * An upper bound on the bytecode one instruction becomes, with its out-of-line stubs (exception
     * handler, budget slow path, region exit) and, where it starts a block, the budget check and a
     * region entry. Measured on the generated code, with a margin; the compiler still checks the real
     * sizes and splits finer if a method ends up too large.
     */
    int estimate(Analysis.Function f, BitSet leaders, int pc) {
        Insn insn = a.insn(pc);
        int op = insn.opcode();
        int size = switch (insnClass(op)) {
            case CLASS_ALU, CLASS_ALU64 -> aluOp(op) == ALU_DIV || aluOp(op) == ALU_MOD ? 40 : 20;
            case CLASS_LDX, CLASS_ST, CLASS_STX -> mode(op) == MODE_ATOMIC ? 45 : checked ? 45 : 35;
            case CLASS_LD -> op == LDDW ? 12 : 55;
            default -> {
                if (op == CALL) yield a.resolved.isLocalCall(pc) ? 150 : a.isTailCall(pc) ? 200 : a.hasFunctionPointers ? 75 : 55;
                if (op == CALLX) yield 300;
                if (op == EXIT) yield 70;
                yield 30; // jumps, with a stub leaving the region
            }
        };
        if (leaders.get(pc)) size += (budgeted ? 32 : 0) + 8;
        return size;
    }

    /**
     * Memory instructions, legacy loads and helper calls per method. C1 inlines the whole
     * {@code MemorySegment} access chain (about 30 {@code @ForceInline} methods) at each access, and at
     * tier 3 a method with 45 of them ran out of C1's virtual registers: HotSpot then marks it not
     * compilable at tier 3, and a method that had reached tier 2 (where a busy C2 queue sends methods)
     * stays there, never profiled, never compiled by C2. Functions with more are split into regions of at
     * most this many.
     */
    static final int C1_ACCESS_LIMIT = 30;

    /** Whether C1 inlines a memory access (or a helper's body) at {@code pc}. */
    private boolean inlinesAccess(int pc) {
        int op = a.insn(pc).opcode();
        return switch (insnClass(op)) {
            case CLASS_LDX, CLASS_ST, CLASS_STX -> true;
            case CLASS_LD -> op != LDDW;
            case CLASS_JMP -> op == CALL && !a.resolved.isLocalCall(pc) || op == CALLX;
            default -> false;
        };
    }

    private List<int[]> split(Analysis.Function f, BitSet leaders) {
        List<int[]> regions = new ArrayList<>();
        int start = 0;
        int size = 0;
        int accesses = 0;
        int fixed = 300; // prologue, exit block, entry switch header
        for (int i = 0; i < f.pcs.length; i++) {
            int e = estimate(f, leaders, f.pcs[i]);
            boolean access = inlinesAccess(f.pcs[i]);
            if (i > start && (fixed + size + e > regionEstimateLimit || access && accesses == C1_ACCESS_LIMIT)) {
                regions.add(java.util.Arrays.copyOfRange(f.pcs, start, i));
                start = i;
                size = 0;
                accesses = 0;
            }
            size += e;
            if (access) accesses++;
        }
        regions.add(java.util.Arrays.copyOfRange(f.pcs, start, f.pcs.length));
        return regions;
    }

    // ---- split functions: a dispatcher over regions ----

    private void emitSplit(ClassBuilder clb, Analysis.Function f, List<int[]> regions) {
        int[] regionOf = new int[a.n];
        java.util.Arrays.fill(regionOf, -1);
        for (int k = 0; k < regions.size(); k++) for (int pc : regions.get(k)) regionOf[pc] = k;
        int tableIndex = constant(regionOf);
        clb.withMethodBody(functionName(f.entry), MTD_FUNCTION, ClassFile.ACC_STATIC, cb -> {
            cb.loadConstant(FRAME_SLOTS);
            cb.newarray(TypeKind.LONG);
            cb.astore(DISPATCH_FRAME);
            for (int i = 1; i <= 5; i++) {
                cb.aload(DISPATCH_FRAME);
                cb.loadConstant(i);
                cb.lload(1 + 2 * (i - 1));
                cb.lastore();
            }
            cb.aload(DISPATCH_FRAME);
            cb.loadConstant(10);
            frameTop(cb, FUNCTION_DEPTH);
            cb.lastore();
            for (int i : bits(f.entryLive)) {
                cb.aload(DISPATCH_FRAME);
                cb.loadConstant(i);
                cb.aload(RUN);
                cb.getfield(CD_RUN, "x" + i, CD_long);
                cb.lastore();
            }
            cb.aload(DISPATCH_FRAME);
            cb.loadConstant(11);
            cb.loadConstant(MAY_GOTO_BUDGET);
            cb.lastore();
            cb.loadConstant(f.entry);
            cb.istore(DISPATCH_PC);
            Label loop = cb.newLabel();
            Label done = cb.newLabel();
            Label bad = cb.newLabel();
            cb.labelBinding(loop);
            cb.iload(DISPATCH_PC);
            cb.iflt(done);
            cb.ldc(classDataAt(tableIndex, CD_int.arrayType()));
            cb.iload(DISPATCH_PC);
            cb.iaload();
            List<SwitchCase> cases = new ArrayList<>();
            List<Label> labels = new ArrayList<>();
            for (int k = 0; k < regions.size(); k++) {
                Label l = cb.newLabel();
                labels.add(l);
                cases.add(SwitchCase.of(k, l));
            }
            cb.tableswitch(0, regions.size() - 1, bad, cases);
            for (int k = 0; k < regions.size(); k++) {
                cb.labelBinding(labels.get(k));
                cb.aload(RUN);
                cb.aload(DISPATCH_FRAME);
                cb.iload(DISPATCH_PC);
                cb.iload(FUNCTION_DEPTH);
                cb.invokestatic(CD_THIS, functionName(f.entry) + "_" + k, MTD_REGION);
                cb.istore(DISPATCH_PC);
                cb.goto_(loop);
            }
            cb.labelBinding(bad);
            cb.iload(DISPATCH_PC);
            cb.invokestatic(CD_RUN, "badRegionEntry", MethodTypeDesc.of(CD_ISE, CD_int));
            cb.athrow();
            cb.labelBinding(done);
            if (f.returnsArgs) {
                for (int i = 1; i <= 5; i++) {
                    cb.aload(RUN);
                    cb.aload(DISPATCH_FRAME);
                    cb.loadConstant(i);
                    cb.laload();
                    cb.putfield(CD_RUN, "x" + i, CD_long);
                }
            }
            cb.aload(DISPATCH_FRAME);
            cb.iconst_0();
            cb.laload();
            cb.lreturn();
        });
        for (int k = 0; k < regions.size(); k++) {
            int index = k;
            clb.withMethodBody(functionName(f.entry) + "_" + k, MTD_REGION, ClassFile.ACC_STATIC,
                    cb -> new Unit(this, cb, f, regions.get(index), index, regionOf).emit());
        }
    }

    /** r10 of the frame at the depth in {@code depthSlot}: read from the stack where a function starts. */
    static void frameTop(CodeBuilder cb, int depthSlot) {
        cb.aload(RUN);
        cb.iload(depthSlot);
        cb.invokevirtual(CD_RUN, "frameTop", MethodTypeDesc.of(CD_long, CD_int));
    }

    /** Whether the JIT leaves the instruction's destination as a zero-extended 32-bit int (Unit.intRegs). */
    static boolean writesInt(Insn insn) {
        int op = insn.opcode();
        return switch (insnClass(op)) {
            case CLASS_ALU -> aluOp(op) != ALU_END && aluOp(op) != ALU_DIV && aluOp(op) != ALU_MOD;
            case CLASS_LDX -> mode(op) == MODE_MEM && sizeBytes(op) < 8;
            default -> false;
        };
    }

    static int[] bits(int mask) {
        return BitSet.valueOf(new long[] {mask & 0xffffffffL}).stream().toArray();
    }

    // ---- callx through a function pointer ----

    private void emitPointerDispatch(ClassBuilder clb) {
        clb.withMethodBody("callPointer", MTD_POINTER, ClassFile.ACC_STATIC, cb -> {
            // run 0, target 1, r1..r5 2..11, depth 12, pc 13
            Label bad = cb.newLabel();
            List<SwitchCase> cases = new ArrayList<>();
            Map<Integer, Label> labels = new LinkedHashMap<>();
            for (int entry : a.functions.keySet()) {
                Label l = cb.newLabel();
                labels.put(entry, l);
                cases.add(SwitchCase.of(entry, l));
            }
            cb.iload(1);
            cb.lookupswitch(bad, cases);
            labels.forEach((entry, l) -> {
                cb.labelBinding(l);
                cb.aload(0);
                for (int i = 0; i < 5; i++) cb.lload(2 + 2 * i);
                cb.iload(12);
                cb.invokestatic(CD_THIS, functionName(entry), MTD_FUNCTION);
                cb.lreturn();
            });
            cb.labelBinding(bad);
            cb.aload(0);
            cb.iload(13);
            cb.iload(1);
            cb.invokevirtual(CD_RUN, "notAFunction", MethodTypeDesc.of(CD_FAULT, CD_int, CD_int));
            cb.athrow();
        });
    }
}

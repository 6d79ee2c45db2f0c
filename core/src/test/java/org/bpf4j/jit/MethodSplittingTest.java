package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.MethodModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.Parity.Outcome;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Programs far larger than one JVM method may be (HotSpot compiles no method over 8000 bytecode bytes):
 * every generated method stays under the limit, read back from the class file, and the results are the
 * interpreter's.
 */
class MethodSplittingTest {
    private static AddressSpace space;
    private static ExecutionStack stack;

    @BeforeAll
    static void setUp() {
        space = AddressSpace.reserve(1 << 20);
        stack = new ExecutionStack(space);
    }

    @AfterAll
    static void tearDown() {
        stack.close();
        space.close();
    }

    /** ALU and stack traffic on r0-r9 without jumps: {@code n} instructions. */
    private static void straightLine(List<Insn> out, Random rnd, int n) {
        int[] ops = {ALU_ADD, ALU_SUB, ALU_MUL, ALU_XOR, ALU_OR, ALU_AND, ALU_LSH, ALU_RSH, ALU_ARSH, ALU_DIV, ALU_MOD};
        for (int i = 0; i < n; i++) {
            int d = rnd.nextInt(10);
            int s = rnd.nextInt(10);
            switch (rnd.nextInt(6)) {
                case 0 -> out.add(Insn.store(SIZE_DW, 10, s, -8 * (1 + rnd.nextInt(64))));
                case 1 -> out.add(Insn.load(SIZE_DW, d, 10, -8 * (1 + rnd.nextInt(64))));
                case 2 -> out.add(Insn.alu32Reg(ops[rnd.nextInt(ops.length)], d, s));
                case 3 -> out.add(Insn.alu64Imm(ops[rnd.nextInt(ops.length)], d, rnd.nextInt(64) - 8));
                default -> out.add(Insn.alu64Reg(ops[rnd.nextInt(ops.length)], d, s));
            }
        }
    }

    private static void assertAllMethodsCompilable(CompiledProgram p, int minRegions) {
        // Read the sizes back from the class file itself, independently of the compiler's own check.
        int regions = 0;
        for (MethodModel m : ClassFile.of().parse(p.classBytes()).methods()) {
            int length = m.findAttribute(Attributes.code()).orElseThrow().codeLength();
            assertThat(length).as(m.methodName().stringValue()).isLessThan(JvmCompiler.HUGE_METHOD_LIMIT);
            if (m.methodName().stringValue().contains("_")) regions++;
        }
        assertThat(regions).as("region methods").isGreaterThanOrEqualTo(minRegions);
        assertThat(p.methodSizes().values()).allMatch(size -> size < JvmCompiler.HUGE_METHOD_LIMIT);
    }

    private static Outcome compare(Program program, ExecutionOptions options, int minRegions) {
        CompiledProgram jit = JvmCompiler.compile(program, HelperTable.empty(), space, options);
        assertAllMethodsCompilable(jit, minRegions);
        Interpreter interp = Interpreter.load(program, HelperTable.empty(), space, options);
        clearStack();
        Outcome interpreted = Outcome.of(() -> interp.run(stack, 3, 5, 7, 11, 13));
        clearStack(); // the programs read stack slots before they write them
        return Parity.same(interpreted, Outcome.of(() -> jit.run(stack, 3, 5, 7, 11, 13)));
    }

    private static void clearStack() {
        for (int f = 0; f < ExecutionStack.MAX_FRAMES; f++) space.slice(stack.frame(f)).fill((byte) 0);
    }

    @Test
    void straightLineProgramOf5000Instructions() {
        List<Insn> code = new ArrayList<>();
        for (int r = 0; r < 10; r++) code.add(Insn.mov64Imm(r, r * 977 + 1));
        straightLine(code, new Random(1), 5000);
        for (int r = 1; r < 10; r++) code.add(Insn.alu64Reg(ALU_XOR, 0, r));
        code.add(Insn.exit());
        Program p = new Program(code);
        assertThat(p.size()).isGreaterThan(5000);
        Outcome o = compare(p, ExecutionOptions.raw(), 4);
        assertThat(o.text()).startsWith("r0=");
        compare(p, ExecutionOptions.verified(), 4);
    }

    @Test
    void loopsAndLongJumpsAcrossRegionsIn5000Instructions() {
        Random rnd = new Random(2);
        List<Insn> code = new ArrayList<>();
        for (int r = 0; r < 9; r++) code.add(Insn.mov64Imm(r, r + 1));
        code.add(Insn.mov64Imm(9, 0)); // outer loop counter
        int outerTop = code.size();
        for (int chunk = 0; chunk < 21; chunk++) {
            // A small inner loop: r8 counts down from 5.
            code.add(Insn.mov64Imm(8, 5));
            int innerTop = code.size();
            straightLine(code, rnd, 60);
            code.add(Insn.mov64Imm(8, 0)); // straightLine may have clobbered r8: keep the loop finite
            code.add(Insn.jumpImm(JMP_JSGT, 8, 0, innerTop - code.size() - 1));
            // A long forward jump over the next chunk of straight-line code, taken half the time.
            int skip = code.size();
            code.add(null);
            straightLine(code, rnd, 180);
            code.set(skip, Insn.jumpImm(JMP_JSET, 0, 1, code.size() - skip - 1));
            code.add(Insn.mov64Imm(9, 0)); // r9 is the outer counter: straightLine must not keep it
        }
        // Outer loop: three times round the whole program (the counter lives on the stack).
        code.add(Insn.load(SIZE_DW, 9, 10, -512));
        code.add(Insn.alu64Imm(ALU_ADD, 9, 1));
        code.add(Insn.store(SIZE_DW, 10, 9, -512));
        code.add(Insn.jumpImm(JMP_JLT, 9, 3, outerTop - code.size() - 1));
        code.add(Insn.exit());
        // straightLine's stack traffic stays above -512, which holds the outer counter.
        Program p = new Program(code);
        assertThat(p.size()).isGreaterThan(5000);
        assertThat(compare(p, ExecutionOptions.raw(), 4).text()).startsWith("r0=");
        // The same program with budgets that run out in many places: the same instruction is named.
        for (long budget : new long[] {1, 100, 1234, 4999, 5000, 5001, 7777, 12345}) {
            compare(p, ExecutionOptions.raw().withBudget(budget), 4);
        }
    }

    @Test
    void largeSubprogramsWithCallsAndMayGotoAreSplitToo() {
        Random rnd = new Random(3);
        List<Insn> code = new ArrayList<>();
        code.add(Insn.mov64Imm(6, 0));
        code.add(Insn.mov64Imm(1, 40));
        code.add(null); // call the big function
        code.add(Insn.alu64Reg(ALU_ADD, 6, 0));
        code.add(Insn.mov64Imm(1, 2));
        code.add(null); // and again
        code.add(Insn.alu64Reg(ALU_ADD, 0, 6));
        code.add(Insn.exit());
        int big = code.size();
        code.set(2, Insn.callLocal(big - 3));
        code.set(5, Insn.callLocal(big - 6));
        // The big function: a may_goto-bounded loop around 4000 instructions that also calls a small function.
        code.add(Insn.mov64Reg(7, 1));
        int top = code.size();
        code.add(new Insn(MAY_GOTO, 0, 0, 0, 0));
        int mayGoto = top;
        straightLine(code, rnd, 2000);
        int call = code.size();
        code.add(null);
        straightLine(code, rnd, 2000);
        code.add(Insn.alu64Imm(ALU_SUB, 7, 1)); // straightLine clobbers r7 too: may_goto and the budget bound the loop
        code.add(Insn.ja(top - code.size() - 1));
        code.set(mayGoto, new Insn(MAY_GOTO, 0, 0, code.size() - mayGoto - 1, 0));
        code.add(Insn.exit());
        int small = code.size();
        code.set(call, Insn.callLocal(small - call - 1));
        code.add(Insn.alu64Imm(ALU_ADD, 0, 1));
        code.add(Insn.exit());
        Program p = new Program(code);
        assertThat(p.size()).isGreaterThan(4000);
        // may_goto ends the loop only after 8M rounds: the budget ends it first, in both engines alike.
        Outcome o = compare(p, ExecutionOptions.raw().withBudget(200_000), 3);
        assertThat(o.budget()).isTrue();
        compare(p, ExecutionOptions.raw().withBudget(40_000), 3);
    }

    @Test
    void aFunctionWhoseDispatcherWouldExceedTheClassFileLimitIsRefusedByName() {
        // 6,000 one-instruction regions: the dispatcher's 6,000 cases alone pass the class file's 64 KiB.
        List<Insn> code = new ArrayList<>();
        code.add(Insn.mov64Imm(0, 0));
        for (int i = 0; i < 6000; i++) code.add(Insn.alu64Imm(ALU_ADD, 0, 1));
        code.add(Insn.exit());
        Program p = Program.of(code.toArray(new Insn[0]));
        assertThatThrownBy(() -> JvmCompiler.compile(p, HelperTable.empty(), space, ExecutionOptions.verified(), 1))
                .isInstanceOf(TooLargeForJitException.class)
                .hasMessageStartingWith("too large for the JIT: Code length ")
                .hasMessageContaining("f0(");
    }
}

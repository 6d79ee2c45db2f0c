package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.jit.Parity.flat;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.Parity.Outcome;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JIT, feature by feature, against the interpreter's results and messages. */
class JvmCompilerTest {
    private AddressSpace space;
    private ExecutionStack stack;

    @BeforeEach
    void setUp() {
        space = AddressSpace.reserve(1 << 20);
        stack = new ExecutionStack(space);
    }

    @AfterEach
    void tearDown() {
        stack.close();
        space.close();
    }

    private Outcome both(HelperTable helpers, ExecutionOptions options, long r1, long r2, Insn... insns) {
        Program p = Program.of(insns);
        Executable i = Interpreter.load(p, helpers, space, options);
        Executable j = JvmCompiler.compile(p, helpers, space, options);
        return Parity.same(Outcome.of(() -> i.run(stack, r1, r2, 0, 0, 0)), Outcome.of(() -> j.run(stack, r1, r2, 0, 0, 0)));
    }

    private Outcome both(Insn... insns) {
        return both(HelperTable.empty(), ExecutionOptions.raw(), 0, 0, insns);
    }

    private CompiledProgram jit(HelperTable helpers, ExecutionOptions options, Insn... insns) {
        return JvmCompiler.compile(Program.of(insns), helpers, space, options);
    }

    @Test
    void arithmeticAndBranchesCompute() {
        // sum of 1..100 in a loop
        assertThat(both(Insn.mov64Imm(0, 0), Insn.mov64Imm(1, 1),
                Insn.alu64Reg(ALU_ADD, 0, 1), Insn.alu64Imm(ALU_ADD, 1, 1), Insn.jumpImm(JMP_JLE, 1, 100, -3),
                Insn.exit()).text()).isEqualTo("r0=0x13ba");
    }

    @Test
    void stackIsPerFrameAndR10PointsAtItsTop() {
        assertThat(both(Insn.storeImm(SIZE_DW, 10, -8, 77), Insn.callLocal(2), Insn.load(SIZE_DW, 0, 10, -8), Insn.exit(),
                Insn.storeImm(SIZE_DW, 10, -8, 99), Insn.exit()).text()).isEqualTo("r0=0x4d");
    }

    @Test
    void calleeSavedRegistersSurviveCallsAndCalleeCanUseCallerStackPointer() {
        assertThat(both(Insn.mov64Imm(6, 6), Insn.mov64Reg(1, 10), Insn.alu64Imm(ALU_ADD, 1, -16), Insn.callLocal(4),
                Insn.load(SIZE_DW, 0, 10, -16), Insn.alu64Reg(ALU_ADD, 0, 6), Insn.exit(), Insn.exit(),
                Insn.mov64Imm(6, 1000), Insn.storeImm(SIZE_DW, 1, 0, 36), Insn.exit()).text()).isEqualTo("r0=0x2a");
    }

    @Test
    void registersCrossCallsAsInTheInterpreter() {
        // The callee reads the caller's r0 and r7 (raw programs may); the caller reads the r3 the callee left.
        assertThat(both(Insn.mov64Imm(0, 5), Insn.mov64Imm(7, 7), Insn.mov64Imm(3, 1), Insn.callLocal(2),
                Insn.alu64Reg(ALU_ADD, 0, 3), Insn.exit(),
                Insn.alu64Reg(ALU_ADD, 0, 7), Insn.mov64Imm(3, 100), Insn.exit()).text()).isEqualTo("r0=0x70");
    }

    @Test
    void moreThanEightFramesIsAFault() {
        assertThat(both(Insn.callLocal(-1), Insn.exit()).text()).isEqualTo("fault: insn 0: call stack overflow: more than 8 frames");
    }

    @Test
    void endlessLoopEndsWithBudgetError() {
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw().withBudget(1000), 0, 0, Insn.ja(-1), Insn.exit()).text())
                .isEqualTo("fault: insn 0: instruction budget of 1000 exhausted: the program does not terminate within its budget");
    }

    @Test
    void budgetNamesTheSameInstructionAsTheInterpreterWhateverTheBudget() {
        // A loop with a call and an lddw inside: every budget from 1 up to completion.
        Insn[] program = flat(
                Insn.mov64Imm(6, 0),
                Insn.lddw(7, PSEUDO_IMM64, 3),
                Insn.alu64Imm(ALU_ADD, 6, 1),
                Insn.callLocal(4),
                Insn.jumpReg(JMP_JLT, 6, 7, -3),
                Insn.mov64Reg(0, 6),
                Insn.exit(),
                Insn.mov64Imm(0, 1),
                Insn.lddw(1, PSEUDO_IMM64, 9),
                Insn.exit());
        int completed = 0;
        for (long budget = 1; budget <= 40; budget++) {
            Outcome o = both(HelperTable.empty(), ExecutionOptions.raw().withBudget(budget), 0, 0, program);
            if (!o.budget()) completed++;
        }
        assertThat(completed).isPositive();
    }

    @Test
    void runningOffTheEndIsAFault() {
        assertThat(both(Insn.mov64Imm(0, 1), Insn.mov64Imm(0, 2)).text())
                .isEqualTo("fault: insn 1: ran off the end of the program: the last instruction is not exit or a jump");
    }

    @Test
    void wildAccessesAreFaultsNamingInstructionAndAddress() {
        assertThat(both(flat(Insn.lddw(1, PSEUDO_IMM64, 0x1000), Insn.load(SIZE_W, 0, 1, 4), Insn.exit())).text())
                .isEqualTo("fault: insn 2: invalid read of 4 bytes at 0x1004: not inside any live region");
        assertThat(both(Insn.storeImm(SIZE_DW, 10, 0, 1), Insn.exit()).text()).startsWith("fault: insn 0: invalid write of 8 bytes at 0x");
        assertThat(both(Insn.load(SIZE_DW, 0, 10, -516), Insn.exit()).text()).contains("invalid read of 8 bytes");
    }

    @Test
    void uncheckedModeStillCannotLeaveTheAddressSpace() {
        // A wild address (a verifier miss) wraps modulo the space's size, a power of two here: it writes and
        // reads inside the reservation, never outside it.
        Region target = space.allocate(8, "target", true);
        assertThat(both(HelperTable.empty(), ExecutionOptions.verified(), target.address() + 5 * space.size(), 0,
                Insn.storeImm(SIZE_DW, 1, 0, 42), Insn.load(SIZE_DW, 0, 1, 0), Insn.exit()).text()).isEqualTo("r0=0x2a");
        assertThat(space.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, target.address() - space.base())).isEqualTo(42);
        // Whatever the register and the 16-bit offset, the access stays inside the space and its margins.
        java.util.Random random = new java.util.Random(17);
        for (int i = 0; i < 200; i++) {
            long r1 = random.nextLong();
            short off = (short) random.nextInt();
            Outcome o = Outcome.of(() -> jit(HelperTable.empty(), ExecutionOptions.verified(),
                    Insn.storeImm(SIZE_DW, 1, off, 42), Insn.load(SIZE_DW, 0, 1, off), Insn.exit()).run(stack, r1, 0, 0, 0, 0));
            assertThat(o.text()).as("r1=0x%x off=%d", r1, off).isEqualTo("r0=0x2a");
        }
        // ... and computes as checked mode does.
        assertThat(both(HelperTable.empty(), ExecutionOptions.verified(), 0, 0,
                Insn.storeImm(SIZE_W, 10, -4, -7), Insn.load(SIZE_W, 0, 10, -4), Insn.exit()).text()).isEqualTo("r0=0xfffffff9");
    }

    @Test
    void inACommittedSpaceUnalignedAccessesComputeTheSame() {
        // Where mmap is missing the space is (all but always) not aligned to its size and the JIT subtracts
        // the base before masking; the same programs must land in the same places.
        stack.close();
        space.close();
        space = AddressSpace.allocateCommitted(1 << 20);
        stack = new ExecutionStack(space);
        uncheckedAccessesThroughARegisterOutsideTheRegionReachIt();
        uncheckedModeStillCannotLeaveTheAddressSpace();
    }

    @Test
    void uncheckedAccessesThroughARegisterOutsideTheRegionReachIt() {
        // The verifier lets a register point up to 32 KiB away from the byte it accesses; reduced modulo the
        // space's size, such a register must not wrap: no region lies within MARGIN of the space's ends.
        Region first = space.allocate(8, "first", true);
        assertThat(first.address() - space.base()).isGreaterThanOrEqualTo(AddressSpace.MARGIN);
        space.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, first.address() - space.base(), 0x1122334455667788L);
        assertThat(both(HelperTable.empty(), ExecutionOptions.verified(), first.address() - 32767, 0,
                Insn.load(SIZE_DW, 0, 1, 32767), Insn.exit()).text()).isEqualTo("r0=0x1122334455667788");
        assertThat(both(HelperTable.empty(), ExecutionOptions.verified(), first.address() + 32768, 0,
                Insn.load(SIZE_DW, 0, 1, -32768), Insn.exit()).text()).isEqualTo("r0=0x1122334455667788");
    }

    @Test
    void accessesThroughAConstantPlusARegisterUseTheRegistersValueAtTheAccess() {
        // The JIT addresses [r4 + off] with r4 = C + r2 from r2 (CodeGen's known registers): each case
        // changes one of them between the add and the access, which must drop that knowledge.
        Region data = space.allocate(64, "global", true);
        for (int i = 0; i < 8; i++) space.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, data.address() - space.base() + 8 * i, 100 + i);
        Insn[] c = Insn.lddw(4, 0, data.address());
        ExecutionOptions verified = ExecutionOptions.verified();
        // r4 = C + r2, loaded at +8: element r2/8 + 1
        assertThat(both(HelperTable.empty(), verified, 16, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Reg(ALU_ADD, 4, 2),
                Insn.load(SIZE_DW, 0, 4, 8), Insn.exit())).text()).isEqualTo("r0=0x67");
        // r2 changes after the add: r4 keeps the old sum
        assertThat(both(HelperTable.empty(), verified, 16, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Reg(ALU_ADD, 4, 2),
                Insn.mov64Imm(2, 0), Insn.load(SIZE_DW, 0, 4, 0), Insn.exit())).text()).isEqualTo("r0=0x66");
        // the constant part moves with adds and subtracts of immediates, and through a mov
        assertThat(both(HelperTable.empty(), verified, 8, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Imm(ALU_ADD, 4, 24),
                Insn.alu64Reg(ALU_ADD, 4, 2), Insn.alu64Imm(ALU_SUB, 4, 8), Insn.mov64Reg(5, 4), Insn.load(SIZE_DW, 0, 5, 0),
                Insn.exit())).text()).isEqualTo("r0=0x67");
        // r4 = C + r2 where r2 = r2 + r4 afterwards (r2 written): the access must use r4's own value
        assertThat(both(HelperTable.empty(), verified, 8, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Reg(ALU_ADD, 4, 2),
                Insn.alu64Reg(ALU_ADD, 2, 2), Insn.load(SIZE_DW, 0, 4, 0), Insn.store(SIZE_DW, 4, 2, 8),
                Insn.load(SIZE_DW, 3, 4, 8), Insn.alu64Reg(ALU_ADD, 0, 3), Insn.exit())).text()).isEqualTo("r0=0x75");
        // a store through the known register lands where the interpreter's does
        assertThat(both(HelperTable.empty(), verified, 40, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Reg(ALU_ADD, 4, 2),
                Insn.storeImm(SIZE_DW, 4, 0, 7), Insn.mov64Imm(4, 0), c, Insn.load(SIZE_DW, 0, 4, 40), Insn.exit())).text())
                .isEqualTo("r0=0x7");
        // knowledge ends at a block boundary: the add below joins r4 = C + r2 (jump taken) and r4 = C
        for (int i = 0; i < 8; i++) space.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, data.address() - space.base() + 8 * i, 100 + i);
        for (long r1 : new long[] {8, 0}) {
            assertThat(both(HelperTable.empty(), verified, r1, 0, flat(Insn.mov64Reg(2, 1), c, Insn.alu64Reg(ALU_ADD, 4, 2),
                    Insn.jumpImm(JMP_JEQ, 2, 8, 2), c, Insn.alu64Imm(ALU_ADD, 4, 16), Insn.load(SIZE_DW, 0, 4, 0), Insn.exit())).text())
                    .isEqualTo(r1 == 8 ? "r0=0x67" : "r0=0x66");
        }
    }

    @Test
    void registersHeldAsIntsAreWidenedWhereverTheyMeetLongs() {
        // CodeGen keeps 32-bit results in int slots; every join, call and conditional write widens them.
        ExecutionOptions verified = ExecutionOptions.verified();
        Insn w1 = Insn.alu32Imm(ALU_MOV, 1, -5); // 0xfffffffb, zero-extended
        for (long r2 : new long[] {0, 1}) {
            // joined with a 64-bit write on one path
            assertThat(both(HelperTable.empty(), verified, 0, r2, w1, Insn.jumpImm(JMP_JEQ, 2, 0, 1), Insn.mov64Imm(1, -1),
                    Insn.mov64Reg(0, 1), Insn.exit()).text()).isEqualTo(r2 == 0 ? "r0=0xfffffffb" : "r0=0xffffffffffffffff");
            // joined with another 32-bit write, then used as 64 bits
            assertThat(both(HelperTable.empty(), verified, 0, r2, w1, Insn.jumpImm(JMP_JEQ, 2, 0, 1), Insn.alu32Imm(ALU_ADD, 1, 7),
                    Insn.mov64Reg(0, 1), Insn.alu64Imm(ALU_ADD, 0, 1), Insn.exit()).text()).isEqualTo(r2 == 0 ? "r0=0xfffffffc" : "r0=0x3");
        }
        // modulo by zero leaves the dividend, held as an int
        assertThat(both(HelperTable.empty(), verified, 0, 0, Insn.alu32Imm(ALU_MOV, 3, 7), Insn.alu32Imm(ALU_MOV, 4, 0),
                Insn.alu32Reg(ALU_MOD, 3, 4), Insn.mov64Reg(0, 3), Insn.exit()).text()).isEqualTo("r0=0x7");
        assertThat(both(HelperTable.empty(), verified, 0, 0, Insn.alu32Imm(ALU_MOV, 3, -7), Insn.mov64Imm(4, 0),
                Insn.alu64Reg(ALU_MOD, 3, 4), Insn.mov64Reg(0, 3), Insn.exit()).text()).isEqualTo("r0=0xfffffff9");
        // across a helper call and a bpf-to-bpf call
        HelperTable helpers = HelperTable.builder().add(7, "add", (ctx, a, b, c, d, e) -> a + b).build();
        assertThat(both(helpers, verified, 0, 0, Insn.alu32Imm(ALU_MOV, 6, -9), Insn.mov64Imm(1, 1), Insn.mov64Imm(2, 2),
                Insn.call(7), Insn.alu64Reg(ALU_ADD, 0, 6), Insn.exit()).text()).isEqualTo("r0=0xfffffffa");
        assertThat(both(HelperTable.empty(), verified, 0, 0, Insn.alu32Imm(ALU_MOV, 6, -9), Insn.callLocal(2),
                Insn.alu64Reg(ALU_ADD, 0, 6), Insn.exit(), Insn.alu32Imm(ALU_MOV, 0, 3), Insn.exit()).text()).isEqualTo("r0=0xfffffffa");
        // a byte load compared as 32 bits in a loop, then used as 64 bits after it
        Region bytes = space.allocate(16, "bytes", true);
        space.segment().set(ValueLayout.JAVA_BYTE, bytes.address() - space.base() + 5, (byte) 0x80);
        assertThat(both(HelperTable.empty(), verified, bytes.address(), 0, Insn.load(SIZE_B, 0, 1, 0),
                Insn.alu64Imm(ALU_ADD, 1, 1), new Insn(CLASS_JMP32 | JMP_JEQ | SRC_K, 0, 0, -3, 0), Insn.alu64Imm(ALU_LSH, 0, 32), Insn.exit()).text())
                .isEqualTo("r0=0x8000000000");
    }

    @Test
    void storeToReadOnlyRegionIsAFault() {
        Region ro = space.allocate(8, ".rodata", false);
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), ro.address(), 8, Insn.storeImm(SIZE_B, 1, 0, 1), Insn.exit()).text())
                .endsWith(".rodata is read-only");
    }

    @Test
    void helpersAreDirectCallsAndUnknownOnesAreRefusedAtLoad() {
        HelperTable helpers = HelperTable.builder().add(7, "add", (ctx, a, b, c, d, e) -> a + b + c + d + e).build();
        assertThat(both(helpers, ExecutionOptions.raw(), 0, 0, Insn.mov64Imm(1, 1), Insn.mov64Imm(2, 2), Insn.mov64Imm(3, 3),
                Insn.mov64Imm(4, 4), Insn.mov64Imm(5, 5), Insn.call(7), Insn.alu64Reg(ALU_ADD, 0, 5), Insn.exit()).text())
                .isEqualTo("r0=0x14");
        assertThatThrownBy(() -> jit(helpers, ExecutionOptions.raw(), Insn.call(8), Insn.exit()))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 0: call to unknown helper 8");
    }

    @Test
    void aFaultInsideAHelperNamesTheCall() {
        assertThat(both(org.bpf4j.conformance.ConformanceHelpers.table(), ExecutionOptions.raw(), 0, 0,
                Insn.mov64Imm(0, 0), Insn.mov64Imm(1, 64), Insn.mov64Imm(2, 4), Insn.call(1), Insn.exit()).text())
                .isEqualTo("fault: insn 3: invalid read of 4 bytes at 0x40: not inside any live region");
    }

    @Test
    void callxCallsHelperByIdOrFunctionPointer() {
        HelperTable helpers = HelperTable.builder().add(3, "three", (ctx, a, b, c, d, e) -> 3).build();
        assertThat(both(helpers, ExecutionOptions.raw(), 0, 0, Insn.mov64Imm(2, 3), new Insn(CALLX, 2, 0, 0, 0), Insn.exit()).text())
                .isEqualTo("r0=0x3");
        assertThat(both(helpers, ExecutionOptions.raw(), 0, 0, flat(Insn.lddw(2, PSEUDO_FUNC, 3), new Insn(CALLX, 2, 0, 0, 0),
                Insn.exit(), Insn.mov64Imm(0, 9), Insn.exit())).text()).isEqualTo("r0=0x9");
        assertThat(both(helpers, ExecutionOptions.raw(), 0, 0, Insn.mov64Imm(2, 4), new Insn(CALLX, 2, 0, 0, 0), Insn.exit()).text())
                .isEqualTo("fault: insn 1: callx to unknown helper 4");
    }

    @Test
    void helperCanTerminateTheRunFromANestedFrame() {
        HelperTable helpers = HelperTable.builder().add(5, "unwind", (ctx, a, b, c, d, e) -> {
            if (a == 0) ctx.terminate(0);
            return a;
        }).build();
        assertThat(both(helpers, ExecutionOptions.raw(), 0, 0, Insn.mov64Imm(0, 7), Insn.callLocal(2), Insn.mov64Imm(0, 2), Insn.exit(),
                Insn.mov64Imm(1, 0), Insn.call(5), Insn.mov64Imm(0, 3), Insn.exit()).text()).isEqualTo("r0=0x0");
    }

    @Test
    void atomicsFollowTheKernelIncludingFetchAndCmpxchg() {
        Region cell = space.allocate(16, "cell", true);
        var seg = space.slice(cell);
        seg.set(ValueLayout.JAVA_LONG, 0, 10);
        seg.set(ValueLayout.JAVA_INT, 8, -1);
        CompiledProgram p = jit(HelperTable.empty(), ExecutionOptions.raw(),
                Insn.mov64Imm(2, 5),
                new Insn(0xdb, 1, 2, 0, ATOMIC_ADD | ATOMIC_FETCH),
                Insn.mov64Imm(0, 15),
                Insn.mov64Imm(3, 100),
                new Insn(0xdb, 1, 3, 0, ATOMIC_CMPXCHG),
                Insn.mov64Imm(4, 7),
                new Insn(0xc3, 1, 4, 8, ATOMIC_XCHG),
                Insn.alu64Reg(ALU_ADD, 0, 2),
                Insn.alu64Reg(ALU_ADD, 0, 4),
                Insn.exit());
        assertThat(p.run(stack, cell.address(), 0, 0, 0, 0)).isEqualTo(15 + 10 + 0xffffffffL);
        assertThat(seg.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(100);
        assertThat(seg.get(ValueLayout.JAVA_INT, 8)).isEqualTo(7);
    }

    @Test
    void misalignedAtomicIsAFaultAndAcquireReleaseZeroExtend() {
        Region cell = space.allocate(16, "cell", true);
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 0, new Insn(0xdb, 1, 2, 4, ATOMIC_ADD), Insn.exit()).text())
                .startsWith("fault: insn 0: misaligned atomic access of 8 bytes at 0x");
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 0, Insn.mov64Imm(2, -1),
                new Insn(0xcb, 1, 2, 2, ATOMIC_STORE_REL), new Insn(0xcb, 0, 1, 2, ATOMIC_LOAD_ACQ), Insn.exit()).text())
                .isEqualTo("r0=0xffff");
    }

    @Test
    void mayGotoHasABudgetPerFrame() {
        assertThat(both(Insn.mov64Imm(0, 0), new Insn(MAY_GOTO, 0, 0, 2, 0), Insn.alu64Imm(ALU_ADD, 0, 1), Insn.ja(-3), Insn.exit()).text())
                .isEqualTo("r0=0x" + Long.toHexString(MAY_GOTO_BUDGET));
        // Each call gets a fresh counter: two calls of a function that loops on may_goto, plus the caller's own.
        assertThat(both(Insn.mov64Imm(6, 0), Insn.callLocal(5), Insn.alu64Reg(ALU_ADD, 6, 0), Insn.callLocal(3),
                Insn.alu64Reg(ALU_ADD, 6, 0), Insn.mov64Reg(0, 6), Insn.exit(),
                Insn.mov64Imm(0, 0), new Insn(MAY_GOTO, 0, 0, 2, 0), Insn.alu64Imm(ALU_ADD, 0, 1), Insn.ja(-3), Insn.exit()).text())
                .isEqualTo("r0=0x" + Long.toHexString(2 * MAY_GOTO_BUDGET));
    }

    @Test
    void signExtendingAndLegacyPacketLoads() {
        Region cell = space.allocate(8, "cell", true);
        space.slice(cell).set(ValueLayout.JAVA_LONG, 0, 0x80_8000_8000_0080L);
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 8, new Insn(0x91, 0, 1, 0, 0), new Insn(0x89, 2, 1, 2, 0),
                new Insn(0x81, 3, 1, 4, 0), Insn.alu64Reg(ALU_ADD, 0, 2), Insn.alu64Reg(ALU_ADD, 0, 3), Insn.exit()).text())
                .isEqualTo("r0=0x" + Long.toHexString(-0x80L - 0x8000L + 0x00808000L));
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 8, new Insn(0x28, 0, 0, 0, 3), Insn.exit()).text())
                .isEqualTo("r0=0x8000");
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 4, Insn.mov64Imm(7, 1), new Insn(0x40, 0, 7, 0, -1),
                Insn.exit()).text()).isEqualTo("r0=0x80000080");
        assertThat(both(HelperTable.empty(), ExecutionOptions.raw(), cell.address(), 4, Insn.callLocal(1), Insn.exit(),
                new Insn(0x30, 0, 0, 0, 4), Insn.mov64Imm(0, 9), Insn.exit()).text()).isEqualTo("r0=0x0");
    }

    @Test
    void refusesWhatTheInterpreterRefuses() {
        assertThatThrownBy(() -> jit(HelperTable.empty(), ExecutionOptions.raw(), flat(Insn.lddw(1, PSEUDO_MAP_FD, 3), Insn.exit())))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessageStartingWith("insn 0: lddw with pseudo source 1 refers to a map");
        assertThatThrownBy(() -> jit(HelperTable.empty(), ExecutionOptions.raw(), new Insn(CALL, 0, CALL_KFUNC, 0, 1234), Insn.exit()))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 0: kfunc call (kfunc id 1234): kfuncs are not supported");
        assertThatThrownBy(() -> jit(HelperTable.empty(), ExecutionOptions.raw(), Insn.mov64Imm(10, 1), Insn.exit()))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 0: frame pointer r10 is read-only");
    }

    @Test
    void stackFromAnotherAddressSpaceIsRefused() {
        CompiledProgram p = jit(HelperTable.empty(), ExecutionOptions.raw(), Insn.exit());
        try (AddressSpace other = AddressSpace.reserve(1 << 20); ExecutionStack foreign = new ExecutionStack(other)) {
            assertThatThrownBy(() -> p.run(foreign, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void runsConcurrentlyOnSeparateStacks() throws Exception {
        CompiledProgram p = jit(HelperTable.empty(), ExecutionOptions.raw(),
                Insn.mov64Imm(0, 0), Insn.storeImm(SIZE_DW, 10, -8, 0), Insn.jumpReg(JMP_JGE, 0, 1, 5),
                Insn.load(SIZE_DW, 2, 10, -8), Insn.alu64Reg(ALU_ADD, 2, 0), Insn.store(SIZE_DW, 10, 2, -8),
                Insn.alu64Imm(ALU_ADD, 0, 1), Insn.ja(-6), Insn.load(SIZE_DW, 0, 10, -8), Insn.exit());
        long[] results = new long[4];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < results.length; t++) {
            int index = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try (ExecutionStack own = new ExecutionStack(space)) {
                    long acc = 0;
                    for (int i = 0; i < 2000; i++) acc += p.run(own, 10 + index, 0, 0, 0, 0);
                    results[index] = acc;
                }
            }));
        }
        for (Thread t : threads) t.join();
        for (int t = 0; t < results.length; t++) {
            long n = 10 + t;
            assertThat(results[t]).isEqualTo(2000L * n * (n - 1) / 2);
        }
    }

    @Test
    void bothEnginesAreExecutables() {
        Executable.Loader[] loaders = {Interpreter::load, JvmCompiler::compile};
        for (Executable.Loader loader : loaders) {
            Executable e = loader.load(Program.of(Insn.mov64Imm(0, 4), Insn.exit()), HelperTable.empty(), space, ExecutionOptions.raw());
            assertThat(e.run(stack, 0, 0, 0, 0, 0)).isEqualTo(4);
        }
        assertThatThrownBy(() -> { throw new ProgramFault(1, "x"); }).hasMessage("insn 1: x");
    }
}

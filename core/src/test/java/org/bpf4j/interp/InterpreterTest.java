package org.bpf4j.interp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InterpreterTest {
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

    private Interpreter load(HelperTable helpers, ExecutionOptions options, Insn... insns) {
        return Interpreter.load(Program.of(insns), helpers, space, options);
    }

    private long run(Insn... insns) {
        return load(HelperTable.empty(), ExecutionOptions.raw(), insns).run(stack, 0, 0, 0, 0, 0);
    }

    private static Insn[] flat(Object... parts) {
        List<Insn> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Insn i) out.add(i);
            else out.addAll(List.of((Insn[]) p));
        }
        return out.toArray(new Insn[0]);
    }

    @Test
    void stackIsPerFrameAndR10PointsAtItsTop() {
        // Store through r10, call a subprogram that writes its own frame, read ours back.
        long r0 = run(
                Insn.storeImm(SIZE_DW, 10, -8, 77),
                Insn.callLocal(2),
                Insn.load(SIZE_DW, 0, 10, -8),
                Insn.exit(),
                Insn.storeImm(SIZE_DW, 10, -8, 99), // callee frame
                Insn.exit());
        assertThat(r0).isEqualTo(77);
    }

    @Test
    void calleeSavedRegistersSurviveCallsAndCalleeCanUseCallerStackPointer() {
        long r0 = run(
                Insn.mov64Imm(6, 6),
                Insn.mov64Reg(1, 10),
                Insn.alu64Imm(ALU_ADD, 1, -16),
                Insn.callLocal(4),
                Insn.load(SIZE_DW, 0, 10, -16),
                Insn.alu64Reg(ALU_ADD, 0, 6),
                Insn.exit(),
                Insn.exit(), // unreachable padding
                Insn.mov64Imm(6, 1000),
                Insn.storeImm(SIZE_DW, 1, 0, 36), // writes the caller's frame through r1
                Insn.exit());
        assertThat(r0).isEqualTo(42);
    }

    @Test
    void moreThanEightFramesIsAFault() {
        // Recursion without end: each frame calls itself.
        assertThatThrownBy(() -> run(Insn.callLocal(-1), Insn.exit()))
                .isInstanceOf(ProgramFault.class)
                .hasMessage("insn 0: call stack overflow: more than 8 frames");
    }

    @Test
    void endlessLoopEndsWithBudgetError() {
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw().withBudget(1000), Insn.ja(-1), Insn.exit());
        assertThatThrownBy(() -> interp.run(stack, 0, 0, 0, 0, 0))
                .isInstanceOf(ProgramFault.class)
                .hasMessage("insn 0: instruction budget of 1000 exhausted: the program does not terminate within its budget");
    }

    @Test
    void runningOffTheEndIsAFault() {
        assertThatThrownBy(() -> run(Insn.mov64Imm(0, 1), Insn.mov64Imm(0, 2)))
                .isInstanceOf(ProgramFault.class)
                .hasMessage("insn 1: ran off the end of the program: the last instruction is not exit or a jump");
    }

    @Test
    void wildAccessInCheckedModeNamesInstructionAndAddress() {
        Insn[] lddw = Insn.lddw(1, PSEUDO_IMM64, 0x1000);
        assertThatThrownBy(() -> run(flat(lddw, Insn.load(SIZE_W, 0, 1, 4), Insn.exit())))
                .isInstanceOf(ProgramFault.class)
                .hasMessage("insn 2: invalid read of 4 bytes at 0x1004: not inside any live region");
        assertThatThrownBy(() -> run(Insn.storeImm(SIZE_DW, 10, 0, 1), Insn.exit()))
                .isInstanceOf(ProgramFault.class)
                .hasMessageStartingWith("insn 0: invalid write of 8 bytes at 0x");
    }

    @Test
    void accessCrossingFromOneFrameIntoTheNextIsAFault() {
        // 8 bytes starting 4 below the frame's bottom straddle two regions.
        assertThatThrownBy(() -> run(Insn.load(SIZE_DW, 0, 10, -516), Insn.exit()))
                .isInstanceOf(ProgramFault.class)
                .hasMessageContaining("invalid read of 8 bytes");
    }

    @Test
    void storeToReadOnlyRegionIsAFault() {
        Region ro = space.allocate(8, ".rodata", false);
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(), Insn.storeImm(SIZE_B, 1, 0, 1), Insn.exit());
        assertThatThrownBy(() -> interp.run(stack, ro.address(), 8, 0, 0, 0))
                .isInstanceOf(ProgramFault.class)
                .hasMessageEndingWith(".rodata is read-only");
    }

    @Test
    void helpersAreCalledByIdAndUnknownOnesAreRefusedAtLoad() {
        HelperTable helpers = HelperTable.builder().add(7, "add", (ctx, a, b, c, d, e) -> a + b + c + d + e).build();
        Interpreter interp = load(helpers, ExecutionOptions.raw(),
                Insn.mov64Imm(1, 1), Insn.mov64Imm(2, 2), Insn.mov64Imm(3, 3), Insn.mov64Imm(4, 4), Insn.mov64Imm(5, 5),
                Insn.call(7), Insn.exit());
        assertThat(interp.run(stack, 0, 0, 0, 0, 0)).isEqualTo(15);
        assertThatThrownBy(() -> load(helpers, ExecutionOptions.raw(), Insn.call(8), Insn.exit()))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 0: call to unknown helper 8");
    }

    @Test
    void callxCallsHelperByIdOrFunctionPointer() {
        HelperTable helpers = HelperTable.builder().add(3, "three", (ctx, a, b, c, d, e) -> 3).build();
        Interpreter byId = load(helpers, ExecutionOptions.raw(), Insn.mov64Imm(2, 3), new Insn(CALLX, 2, 0, 0, 0), Insn.exit());
        assertThat(byId.run(stack, 0, 0, 0, 0, 0)).isEqualTo(3);
        // slots: 0-1 lddw, 2 callx, 3 exit, 4 r0 = 9, 5 exit; the pointer's target is 0 + imm + 1 = 4
        Insn[] fn = Insn.lddw(2, PSEUDO_FUNC, 3);
        Interpreter byPointer = load(helpers, ExecutionOptions.raw(), flat(fn, new Insn(CALLX, 2, 0, 0, 0), Insn.exit(), Insn.mov64Imm(0, 9), Insn.exit()));
        assertThat(byPointer.run(stack, 0, 0, 0, 0, 0)).isEqualTo(9);
        Interpreter unknown = load(helpers, ExecutionOptions.raw(), Insn.mov64Imm(2, 4), new Insn(CALLX, 2, 0, 0, 0), Insn.exit());
        assertThatThrownBy(() -> unknown.run(stack, 0, 0, 0, 0, 0)).hasMessage("insn 1: callx to unknown helper 4");
    }

    @Test
    void helperCanTerminateTheRun() {
        HelperTable helpers = HelperTable.builder().add(5, "unwind", (ctx, a, b, c, d, e) -> {
            if (a == 0) ctx.terminate(0);
            return a;
        }).build();
        Insn[] body = {Insn.mov64Imm(1, 0), Insn.call(5), Insn.mov64Imm(0, 2), Insn.exit()};
        assertThat(load(helpers, ExecutionOptions.raw(), body).run(stack, 0, 0, 0, 0, 0)).isZero();
    }

    @Test
    void atomicsFollowTheKernelIncludingFetchAndCmpxchg() {
        Region cell = space.allocate(16, "cell", true);
        var seg = space.slice(cell);
        seg.set(ValueLayout.JAVA_LONG, 0, 10);
        seg.set(ValueLayout.JAVA_INT, 8, -1);
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(),
                Insn.mov64Imm(2, 5),
                new Insn(0xdb, 1, 2, 0, ATOMIC_ADD | ATOMIC_FETCH), // r2 = fetch_add(cell, 5) -> 10, cell 15
                Insn.mov64Imm(0, 15),
                Insn.mov64Imm(3, 100),
                new Insn(0xdb, 1, 3, 0, ATOMIC_CMPXCHG), // cell == r0 -> cell = 100, r0 = 15
                Insn.mov64Imm(4, 7),
                new Insn(0xc3, 1, 4, 8, ATOMIC_XCHG), // r4 = xchg32(cell+8, 7): zero-extended 0xffffffff
                Insn.alu64Reg(ALU_ADD, 0, 2),
                Insn.alu64Reg(ALU_ADD, 0, 4),
                Insn.exit());
        assertThat(interp.run(stack, cell.address(), 0, 0, 0, 0)).isEqualTo(15 + 10 + 0xffffffffL);
        assertThat(seg.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(100);
        assertThat(seg.get(ValueLayout.JAVA_INT, 8)).isEqualTo(7);
    }

    @Test
    void misalignedAtomicIsAFault() {
        Region cell = space.allocate(16, "cell", true);
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(), new Insn(0xdb, 1, 2, 4, ATOMIC_ADD), Insn.exit());
        assertThatThrownBy(() -> interp.run(stack, cell.address(), 0, 0, 0, 0))
                .hasMessageStartingWith("insn 0: misaligned atomic access of 8 bytes at 0x");
    }

    @Test
    void loadAcquireAndStoreReleaseMoveValuesZeroExtended() {
        Region cell = space.allocate(8, "cell", true);
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(),
                Insn.mov64Imm(2, -1),
                new Insn(0xcb, 1, 2, 2, ATOMIC_STORE_REL), // 16-bit store-release at +2
                new Insn(0xcb, 0, 1, 2, ATOMIC_LOAD_ACQ), // r0 = load_acquire u16
                Insn.exit());
        assertThat(interp.run(stack, cell.address(), 0, 0, 0, 0)).isEqualTo(0xffff);
    }

    @Test
    void mayGotoFallsThroughUntilTheFrameBudgetIsSpentThenJumps() {
        // r0 counts iterations of: may_goto +2; r0 += 1; goto -3; exit
        long r0 = run(Insn.mov64Imm(0, 0), new Insn(MAY_GOTO, 0, 0, 2, 0), Insn.alu64Imm(ALU_ADD, 0, 1), Insn.ja(-3), Insn.exit());
        assertThat(r0).isEqualTo(MAY_GOTO_BUDGET);
    }

    @Test
    void ja32JumpsByItsImmediate() {
        assertThat(run(Insn.mov64Imm(0, 1), new Insn(JA32, 0, 0, 0, 1), Insn.exit(), Insn.mov64Imm(0, 2), Insn.exit())).isEqualTo(2);
    }

    @Test
    void signExtendingLoads() {
        Region cell = space.allocate(8, "cell", true);
        space.slice(cell).set(ValueLayout.JAVA_LONG, 0, 0x80_8000_8000_0080L);
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(),
                new Insn(0x91, 0, 1, 0, 0), // s8 at 0: 0x80
                new Insn(0x89, 2, 1, 2, 0), // s16 at 2: 0x8000
                new Insn(0x81, 3, 1, 4, 0), // s32 at 4: 0x00808000 -> positive
                Insn.alu64Reg(ALU_ADD, 0, 2),
                Insn.alu64Reg(ALU_ADD, 0, 3),
                Insn.exit());
        assertThat(interp.run(stack, cell.address(), 0, 0, 0, 0)).isEqualTo(-0x80L - 0x8000L + 0x00808000L);
    }

    @Test
    void legacyPacketLoadsAreBigEndianAndEndTheProgramOutOfBounds() {
        Region packet = space.allocate(4, "packet", true);
        space.slice(packet).copyFrom(java.lang.foreign.MemorySegment.ofArray(new byte[] {0x12, 0x34, 0x56, 0x78}));
        Interpreter abs = load(HelperTable.empty(), ExecutionOptions.raw(), new Insn(0x28, 0, 0, 0, 1), Insn.exit());
        assertThat(abs.run(stack, packet.address(), 4, 0, 0, 0)).isEqualTo(0x3456);
        Interpreter ind = load(HelperTable.empty(), ExecutionOptions.raw(), Insn.mov64Imm(7, 1), new Insn(0x40, 0, 7, 0, -1), Insn.exit());
        assertThat(ind.run(stack, packet.address(), 4, 0, 0, 0)).isEqualTo(0x12345678);
        Interpreter outside = load(HelperTable.empty(), ExecutionOptions.raw(), Insn.mov64Imm(0, 5), new Insn(0x30, 0, 0, 0, 4), Insn.mov64Imm(0, 9), Insn.exit());
        assertThat(outside.run(stack, packet.address(), 4, 0, 0, 0)).isZero();
    }

    @Test
    void lddwOfMapsNeedsTheLoaderAndKfuncsAreRefused() {
        assertThatThrownBy(() -> run(flat(Insn.lddw(1, PSEUDO_MAP_FD, 3), Insn.exit())))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessageStartingWith("insn 0: lddw with pseudo source 1 refers to a map");
        assertThatThrownBy(() -> run(new Insn(CALL, 0, CALL_KFUNC, 0, 1234), Insn.exit()))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 0: kfunc call (kfunc id 1234): kfuncs are not supported");
    }

    @Test
    void runsConcurrentlyOnSeparateStacks() throws Exception {
        // sum of 0..n-1 kept in a stack slot; many threads share one Interpreter, each with its own stack.
        Interpreter interp = load(HelperTable.empty(), ExecutionOptions.raw(),
                Insn.mov64Imm(0, 0),
                Insn.storeImm(SIZE_DW, 10, -8, 0),
                Insn.jumpReg(JMP_JGE, 0, 1, 5),
                Insn.load(SIZE_DW, 2, 10, -8),
                Insn.alu64Reg(ALU_ADD, 2, 0),
                Insn.store(SIZE_DW, 10, 2, -8),
                Insn.alu64Imm(ALU_ADD, 0, 1),
                Insn.ja(-6),
                Insn.load(SIZE_DW, 0, 10, -8),
                Insn.exit());
        long[] results = new long[4];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < results.length; t++) {
            int index = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try (ExecutionStack own = new ExecutionStack(space)) {
                    long acc = 0;
                    for (int i = 0; i < 2000; i++) acc += interp.run(own, 10 + index, 0, 0, 0, 0);
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
}

package org.bpf4j.helpers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.asm.Assembler;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.engine.RunContext;
import org.bpf4j.engine.TailCallTarget;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.JitTestAccess;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.maps.ArrayMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.BpfMaps;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bpf_loop, bpf_for_each_map_elem, bpf_spin_lock/unlock and bpf_tail_call with the kernel's semantics:
 * every test runs the same program and the same assertions on the interpreter and on the JIT, with
 * checked memory and a budget ("raw") and unchecked without one ("verified").
 */
class CallbackHelpersTest {
    private static final int CPUS = 2;

    private AddressSpace space;
    private MapContext maps;
    private ExecutionStack stack;
    private CallbackHelpers.State state;
    private HelperTable helpers;
    private final List<BpfMap> created = new ArrayList<>();

    @BeforeEach
    void setUp() {
        space = AddressSpace.reserve(64 << 20);
        maps = MapContext.of(space, CPUS, System::nanoTime, 7);
        stack = new ExecutionStack(space);
        state = new CallbackHelpers.State(space, CPUS);
        HelperTable.Builder table = HelperTable.builder();
        BaseHelpers.register(table);
        MapHelpers.register(table, maps, List.of());
        CallbackHelpers.register(table, maps, state);
        TailCall.register(table, maps);
        helpers = table.build();
    }

    @AfterEach
    void tearDown() {
        for (BpfMap m : created) m.close();
        state.close();
        stack.close();
        space.close();
    }

    private record Target(String name, Executable executable) implements TailCallTarget {}

    private Executable load(String engine, String text) {
        Program p = Assembler.assemble(text);
        boolean raw = !engine.endsWith("-verified");
        ExecutionOptions options = raw ? ExecutionOptions.raw() : ExecutionOptions.verified();
        if (engine.startsWith("jit-split")) return JitTestAccess.compileSplit(p, helpers, space, options);
        return engine.startsWith("jit") ? JvmCompiler.compile(p, helpers, space, options) : Interpreter.load(p, helpers, space, options);
    }

    private long run(String engine, String text) {
        return run(load(engine, text), 0);
    }

    private long run(Executable e, int cpu) {
        return e.run(new RunContext(stack, cpu, HostEnvironment.system(CPUS, line -> { })), 0, 0, 0, 0, 0, 0, 0);
    }

    private <T extends BpfMap> T map(MapType type, int keySize, int valueSize, int maxEntries) {
        BpfMap m = BpfMaps.create(MapSpec.of("m" + created.size(), type, keySize, valueSize, maxEntries), maps);
        created.add(m);
        @SuppressWarnings("unchecked") T t = (T) m;
        return t;
    }

    private static String h(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    private static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    private static long u64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    private String fault(String engine, String text) {
        Executable e = load(engine, text);
        try {
            return "r0=" + run(e, 0);
        } catch (ProgramFault f) {
            return f.getMessage();
        }
    }

    // ---- bpf_loop ----

    /** Sums i over the iterations into a u64 on the caller's stack; returns (loop result << 32) | sum. */
    private static final String LOOP_SUM = """
            *(u64 *)(r10 - 8) = 0
            r1 = %s
            r2 = func(cb) ll
            r3 = r10
            r3 += -8
            r4 = %s
            call bpf_loop#181
            r0 <<= 32
            r1 = *(u64 *)(r10 - 8)
            r0 |= r1
            exit
            cb:
            r3 = *(u64 *)(r2 + 0)
            r3 += r1
            *(u64 *)(r2 + 0) = r3
            r0 = 0
            if r1 == %d goto stop
            exit
            stop:
            r0 = 1
            exit
            """;

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void loopRunsTheCallbackWithIndexAndContext(String engine) {
        assertThat(run(engine, LOOP_SUM.formatted("10", "0", -1))).isEqualTo((10L << 32) | 45);
        assertThat(run(engine, LOOP_SUM.formatted("0", "0", -1))).isZero();
        // nr_loops is a u32: the upper half is ignored.
        assertThat(run(engine, LOOP_SUM.formatted("0x100000003 ll", "0", -1))).isEqualTo((3L << 32) | 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void loopStopsWhenTheCallbackReturnsOne(String engine) {
        // The stopping iteration counts: i = 3 returns 1, so 4 iterations, sum 0+1+2+3.
        assertThat(run(engine, LOOP_SUM.formatted("100", "0", 3))).isEqualTo((4L << 32) | 6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void loopRefusesFlagsAndTooManyIterations(String engine) {
        assertThat(run(engine, LOOP_SUM.formatted("10", "1", -1)) >> 32).isEqualTo(-22);
        assertThat(run(engine, LOOP_SUM.formatted(String.valueOf((1 << 23) + 1), "0", -1)) >> 32).isEqualTo(-7);
        // With flags 0 the kernel's inlined bpf_loop returns -E2BIG zero-extended from 32 bits.
        String raw = "r1 = 0x800001\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop#181\nexit\ncb:\nr0 = 0\nexit\n";
        assertThat(run(engine, raw)).isEqualTo(0xfffffff9L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void callbacksLeaveTheCallersRegistersAndMayNest(String engine) {
        // Outer loop of 3, each running an inner loop of 4 that counts into the outer's context; r6-r9
        // of every frame survive the callbacks, which clobber theirs.
        String text = """
                *(u64 *)(r10 - 8) = 0
                r6 = 0x66
                r7 = 0x77
                r1 = 3
                r2 = func(outer) ll
                r3 = r10
                r3 += -8
                r4 = 0
                call bpf_loop#181
                if r6 != 0x66 goto bad
                if r7 != 0x77 goto bad
                r0 = *(u64 *)(r10 - 8)
                exit
                bad:
                r0 = -1
                exit
                outer:
                r6 = r2
                r7 = 0x1234
                r1 = 4
                r2 = func(inner) ll
                r3 = r6
                r4 = 0
                call bpf_loop#181
                if r7 != 0x1234 goto outerbad
                r0 = 0
                exit
                outerbad:
                r0 = 1
                *(u64 *)(r6 + 0) = 1000
                exit
                inner:
                r6 = 0
                r7 = 0
                r3 = *(u64 *)(r2 + 0)
                r3 += 1
                *(u64 *)(r2 + 0) = r3
                r0 = 0
                exit
                """;
        assertThat(run(engine, text)).isEqualTo(12);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void callbacksCountAgainstTheFrameLimit(String engine) {
        // The callback runs bpf_loop on itself: frame 0 calls, callbacks run in frames 1..7, and the one in
        // frame 7 cannot start another (the ninth frame): a fault at its helper call.
        String text = """
                *(u64 *)(r10 - 8) = 0
                r1 = 1
                r2 = func(cb) ll
                r3 = r10
                r3 += -8
                r4 = 0
                call bpf_loop#181
                r0 = *(u64 *)(r10 - 8)
                exit
                cb:
                r3 = *(u64 *)(r2 + 0)
                r3 += 1
                *(u64 *)(r2 + 0) = r3
                r1 = 1
                r3 = r2
                r2 = func(cb) ll
                r4 = 0
                call bpf_loop#181
                r0 = 0
                exit
                """;
        assertThat(fault(engine, text)).isEqualTo("insn 18: call stack overflow: more than 8 frames");
        // A bpf-to-bpf call frame counts as well: from frame 1 the limit comes one callback earlier.
        String viaSub = """
                call sub
                exit
                sub:
                *(u64 *)(r10 - 8) = 0
                r1 = 1
                r2 = func(cb) ll
                r3 = r10
                r3 += -8
                r4 = 0
                call bpf_loop#181
                r0 = *(u64 *)(r10 - 8)
                exit
                cb:
                r3 = *(u64 *)(r2 + 0)
                r3 += 1
                *(u64 *)(r2 + 0) = r3
                if r3 == 6 goto done
                r1 = 1
                r3 = r2
                r2 = func(cb) ll
                r4 = 0
                call bpf_loop#181
                done:
                r0 = 0
                exit
                """;
        assertThat(fault(engine, viaSub)).isEqualTo("r0=6");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void aCallbackMustBeAFunctionPointer(String engine) {
        String text = """
                r1 = 1
                r2 = 12
                r3 = 0
                r4 = 0
                call bpf_loop#181
                exit
                """;
        assertThat(fault(engine, text)).isEqualTo("insn 4: callback 0xc is not a function pointer");
    }

    // ---- bpf_for_each_map_elem ----

    /** Calls for_each on the map; the callback adds key * 1000 + value to the context and stops at key {@code stop}. */
    private static final String FOR_EACH = """
            *(u64 *)(r10 - 8) = 0
            r1 = %s ll
            r2 = func(cb) ll
            r3 = r10
            r3 += -8
            r4 = %d
            call bpf_for_each_map_elem#164
            r0 <<= 32
            r1 = *(u64 *)(r10 - 8)
            r0 += r1
            exit
            cb:
            r6 = *(u32 *)(r2 + 0)
            r0 = r6
            r0 *= 1000
            r5 = *(u64 *)(r3 + 0)
            r0 += r5
            r5 = *(u64 *)(r4 + 0)
            r5 += r0
            *(u64 *)(r4 + 0) = r5
            r0 = 0
            if r6 != %d goto out
            r0 = 1
            out:
            exit
            """;

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void forEachWalksAnArrayByIndex(String engine) {
        ArrayMap array = map(MapType.ARRAY, 4, 8, 5);
        for (int i = 0; i < 5; i++) array.update(u32(i), u64(i + 1));
        String all = FOR_EACH.formatted(h(array.handle()), 0, -1);
        assertThat(run(engine, all)).isEqualTo((5L << 32) | (1000 * 10 + 15));
        String stop = FOR_EACH.formatted(h(array.handle()), 0, 2);
        assertThat(run(engine, stop)).isEqualTo((3L << 32) | (1000 * 3 + 6));
        assertThat(run(engine, FOR_EACH.formatted(h(array.handle()), 1, -1)) >> 32).isEqualTo(-22);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void forEachGivesPerCpuMapsTheRunningCpusValue(String engine) {
        BpfMap array = map(MapType.PERCPU_ARRAY, 4, 8, 3);
        BpfMap hash = map(MapType.PERCPU_HASH, 4, 8, 8);
        for (int i = 0; i < 3; i++) {
            array.updatePerCpu(u32(i), List.of(u64(i), u64(10 * i)), 0);
            hash.updatePerCpu(u32(i), List.of(u64(i), u64(10 * i)), 0);
        }
        for (BpfMap m : List.of(array, hash)) {
            Executable e = load(engine, FOR_EACH.formatted(h(m.ops().handle()), 0, -1));
            assertThat(run(e, 0)).as(m.type() + " on CPU 0").isEqualTo((3L << 32) | (3000 + 3));
            assertThat(run(e, 1)).as(m.type() + " on CPU 1").isEqualTo((3L << 32) | (3000 + 30));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void forEachWalksHashMapsAndMayDeleteTheCurrentElement(String engine) {
        for (MapType type : List.of(MapType.HASH, MapType.LRU_HASH)) {
            BpfMap hash = map(type, 4, 8, 64);
            for (int i = 1; i <= 20; i++) hash.update(u32(i), u64(i));
            assertThat(run(engine, FOR_EACH.formatted(h(hash.ops().handle()), 0, -1))).as(type.name())
                    .isEqualTo((20L << 32) | (1000 * 210 + 210));
            // Stopping at key 7 visits some prefix of the walk that ends with key 7.
            long stopped = run(engine, FOR_EACH.formatted(h(hash.ops().handle()), 0, 7));
            assertThat(stopped >> 32).isBetween(1L, 20L);
            // A callback deleting every element it is given: all 20 visited, none left.
            String delete = """
                    r1 = %s ll
                    r2 = func(cb) ll
                    r3 = 0
                    r4 = 0
                    call bpf_for_each_map_elem#164
                    exit
                    cb:
                    call bpf_map_delete_elem#3
                    r0 = 0
                    exit
                    """.formatted(h(hash.ops().handle()));
            assertThat(run(engine, delete)).isEqualTo(20);
            assertThat(hash.keys()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void anArrayCallbacksKeyIsReadOnly(String engine) {
        ArrayMap array = map(MapType.ARRAY, 4, 8, 2);
        String text = """
                r1 = %s ll
                r2 = func(cb) ll
                r3 = 0
                r4 = 0
                call bpf_for_each_map_elem#164
                exit
                cb:
                *(u32 *)(r2 + 0) = 1
                r0 = 0
                exit
                """.formatted(h(array.handle()));
        assertThat(fault(engine, text)).startsWith("insn 8: invalid write of 4 bytes").contains("read-only");
    }

    // ---- spin locks ----

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void spinLockHoldsTheLockWordBetweenLockAndUnlock(String engine) {
        ArrayMap array = map(MapType.ARRAY, 4, 16, 1);
        long value = array.valueAddress(0);
        String text = """
                r6 = %s ll
                r1 = r6
                call bpf_spin_lock#93
                r7 = *(u32 *)(r6 + 0)
                r1 = *(u64 *)(r6 + 8)
                r1 += 5
                *(u64 *)(r6 + 8) = r1
                r1 = r6
                call bpf_spin_unlock#94
                r0 = *(u32 *)(r6 + 0)
                r0 <<= 8
                r0 |= r7
                exit
                """.formatted(h(value));
        assertThat(run(engine, text)).isEqualTo(1); // held (1) inside, free (0) after
        assertThat(run(engine, text)).isEqualTo(1);
        assertThat(u64(array.lookup(u32(0)).orElseThrow()) >>> 0).isZero(); // lock word and padding
        assertThat(array.lookup(u32(0)).orElseThrow()[8]).isEqualTo((byte) 10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void spinLockMisuseIsAFaultNotAHang(String engine) {
        ArrayMap array = map(MapType.ARRAY, 4, 16, 1);
        long value = array.valueAddress(0);
        String twice = """
                r6 = %s ll
                r1 = r6
                call bpf_spin_lock#93
                r1 = r6
                call bpf_spin_lock#93
                exit
                """.formatted(h(value));
        assertThat(fault(engine, twice)).startsWith("insn 5: bpf_spin_lock of 0x").contains("already holds the lock");
        array.update(u32(0), new byte[16]); // frees the lock word (a host update rewrites the value)
        state.close();
        state = new CallbackHelpers.State(space, CPUS);
        setUpWithState();
        String unlockFree = """
                r1 = %s ll
                call bpf_spin_unlock#94
                exit
                """.formatted(h(value));
        assertThat(fault(engine, unlockFree)).startsWith("insn 2: bpf_spin_unlock of 0x").endsWith("which this run does not hold");
        String misaligned = """
                r1 = %s ll
                call bpf_spin_lock#93
                exit
                """.formatted(h(value + 2));
        assertThat(fault(engine, misaligned)).startsWith("insn 2: misaligned bpf_spin_lock");
    }

    private void setUpWithState() {
        HelperTable.Builder table = HelperTable.builder();
        BaseHelpers.register(table);
        MapHelpers.register(table, maps, List.of());
        CallbackHelpers.register(table, maps, state);
        TailCall.register(table, maps);
        helpers = table.build();
    }

    // ---- tail calls ----

    /** Counts its runs in value 0 of {@code counter}, then tail-calls slot {@code slot} of {@code progs}; r0 = 77 when that fails. */
    private static final String SELF_TAIL_CALL = """
            r6 = r1
            r7 = %s ll
            r1 = *(u64 *)(r7 + 0)
            r1 += 1
            *(u64 *)(r7 + 0) = r1
            %s
            r0 = 77
            r1 = r6
            r2 = %s ll
            r3 = %s
            call bpf_tail_call#12
            r0 += 1000
            exit
            """;

    private ProgArrayMap progArray(int maxEntries) {
        return map(MapType.PROG_ARRAY, 4, 4, maxEntries);
    }

    private long counter(ArrayMap counter) {
        return u64(counter.lookup(u32(0)).orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void tailCallsStopAfterThirtyThreeAndLeaveR0(String engine) {
        ArrayMap count = map(MapType.ARRAY, 4, 8, 1);
        ProgArrayMap progs = progArray(4);
        // Failed tail calls to an empty slot and past the end do not count against the 33.
        String noise = """
                r1 = r6
                r2 = %s ll
                r3 = 1
                call bpf_tail_call#12
                r1 = r6
                r2 = %s ll
                r3 = 4
                call bpf_tail_call#12
                """.formatted(h(progs.handle()), h(progs.handle()));
        Executable self = load(engine, SELF_TAIL_CALL.formatted(h(count.valueAddress(0)), noise, h(progs.handle()), "0"));
        progs.set(0, new Target("self", self));
        assertThat(run(self, 0)).isEqualTo(1077); // the 34th tail call failed: r0 is what the program left
        assertThat(counter(count)).isEqualTo(34);
        // The count is per run.
        assertThat(run(self, 0)).isEqualTo(1077);
        assertThat(counter(count)).isEqualTo(68);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void tailCallIndexIsAU32(String engine) {
        ArrayMap count = map(MapType.ARRAY, 4, 8, 1);
        ProgArrayMap progs = progArray(1);
        Executable target = load(engine, "r0 = 5\nexit\n");
        progs.set(0, new Target("five", target));
        String text = """
                r6 = r1
                r0 = 9
                r1 = r6
                r2 = %s ll
                r3 = %s
                call bpf_tail_call#12
                exit
                """;
        assertThat(run(load(engine, text.formatted(h(progs.handle()), "0x100000000 ll")), 0)).isEqualTo(5);
        assertThat(run(load(engine, text.formatted(h(progs.handle()), "1")), 0)).isEqualTo(9);
        assertThat(run(load(engine, text.formatted(h(progs.handle()), "-1")), 0)).isEqualTo(9);
        progs.clear(0);
        assertThat(run(load(engine, text.formatted(h(progs.handle()), "0")), 0)).isEqualTo(9);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "interp-verified", "jit-verified", "jit-split"})
    void aTailCallFromASubprogramReturnsToItsCaller(String engine) {
        ProgArrayMap progs = progArray(2);
        // The target reports its r10 and ctx: it runs in the subprogram's frame (frame 1) with r1 = ctx.
        Executable target = load(engine, """
                r0 = r10
                r2 = %s ll
                r0 -= r2
                r0 <<= 8
                r0 += r1
                exit
                """.formatted(h(stack.frameTop(1))));
        progs.set(1, new Target("target", target));
        String main = """
                r1 = 3
                r6 = 0x600
                call sub
                r0 += r6
                exit
                sub:
                r6 = r1
                r2 = %s ll
                r3 = 1
                call bpf_tail_call#12
                r0 = 0x55555
                exit
                """.formatted(h(progs.handle()));
        assertThat(run(load(engine, main), 0)).isEqualTo(0x603);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void aTailCallKeepsTheCallersFrameAndCount(String engine) {
        // main -> sub -> tail call A (count 1) -> A returns to main; main tail-calls B, which tail-calls
        // itself until the run's count (shared by all) reaches 33.
        ArrayMap count = map(MapType.ARRAY, 4, 8, 1);
        ProgArrayMap progs = progArray(2);
        Executable a = load(engine, "r0 = 1\nexit\n");
        Executable b = load(engine, SELF_TAIL_CALL.formatted(h(count.valueAddress(0)), "", h(progs.handle()), "1"));
        progs.set(0, new Target("a", a));
        progs.set(1, new Target("b", b));
        String main = """
                r6 = r1
                call sub
                r1 = r6
                r2 = %s ll
                r3 = 1
                call bpf_tail_call#12
                r0 = -1
                exit
                sub:
                r2 = %s ll
                r3 = 0
                call bpf_tail_call#12
                exit
                """.formatted(h(progs.handle()), h(progs.handle()));
        assertThat(run(load(engine, main), 0)).isEqualTo(1077);
        assertThat(counter(count)).isEqualTo(32); // 33 tail calls: one to A, then B entered 32 times
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void tailCallsFromCallbacksAndIntoProgramsWithCallbacks(String engine) {
        // A target with its own bpf_loop callback: callFunction must run the target's code, not the caller's.
        ProgArrayMap progs = progArray(1);
        Executable target = load(engine, LOOP_SUM.formatted("4", "0", -1));
        progs.set(0, new Target("loop", target));
        String main = """
                r6 = r1
                r1 = 2
                r2 = func(cb) ll
                r3 = r6
                r4 = 0
                call bpf_loop#181
                r0 = -1
                exit
                cb:
                r1 = r2
                r2 = %s ll
                r3 = 0
                call bpf_tail_call#12
                r0 = 1
                exit
                """.formatted(h(progs.handle()));
        // The callback tail-calls the target, whose r0 ((4 << 32) | 6) the callback returns: non-zero, so
        // bpf_loop stops after one iteration.
        String after = main.replace("r0 = -1\nexit\ncb:", "exit\ncb:");
        assertThat(run(load(engine, after), 0)).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void tailCallsStayWithinOneEngine(String engine) {
        ProgArrayMap progs = progArray(1);
        String other = engine.startsWith("jit") ? "interp" : "jit";
        if (engine.equals("jit-split")) return;
        progs.set(0, new Target("foreign", load(other, "r0 = 1\nexit\n")));
        String text = """
                r2 = %s ll
                r3 = 0
                call bpf_tail_call#12
                exit
                """.formatted(h(progs.handle()));
        assertThat(fault(engine, text)).isEqualTo("insn 3: bpf_tail_call into program foreign, which another engine or runtime prepared");
        progs.set(0, "not a program");
        assertThatThrownBy(() -> run(load(engine, text), 0)).isInstanceOf(ProgramFault.class)
                .hasMessageContaining("not a prepared program");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split", "interp-verified", "jit-verified"})
    void tailCallsStayWithinOneMode(String engine) {
        // A checked target would run without its budget in an unchecked run, so neither direction jumps.
        ProgArrayMap progs = progArray(1);
        String other = engine.endsWith("-verified") ? engine.replace("-verified", "") : engine.replace("-split", "") + "-verified";
        progs.set(0, new Target("other", load(other, "r0 = 1\nexit\n")));
        String text = """
                r2 = %s ll
                r3 = 0
                call bpf_tail_call#12
                exit
                """.formatted(h(progs.handle()));
        String budget = "with a budget of " + ExecutionOptions.DEFAULT_RAW_BUDGET;
        String caller = engine.endsWith("-verified") ? "unchecked without a budget" : "checked " + budget;
        String target = engine.endsWith("-verified") ? "checked " + budget : "unchecked without a budget";
        assertThat(fault(engine, text)).isEqualTo("insn 3: bpf_tail_call into program other, which runs " + target
                + " while the caller runs " + caller);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit", "jit-split"})
    void theTerminateHelperEndsTheRunFromInsideACallback(String engine) {
        HelperTable.Builder table = HelperTable.builder();
        CallbackHelpers.register(table, maps, state);
        table.add(999, "unwind", (c, r1, r2, r3, r4, r5) -> {
            c.terminate(r1);
            return 0;
        });
        helpers = table.build();
        String text = """
                r1 = 5
                r2 = func(cb) ll
                r3 = 0
                r4 = 0
                call bpf_loop#181
                r0 = 3
                exit
                cb:
                if r1 != 2 goto out
                r1 = 42
                call 999
                out:
                r0 = 0
                exit
                """;
        assertThat(run(engine, text)).isEqualTo(42);
    }
}

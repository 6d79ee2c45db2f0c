package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.junit.jupiter.api.Test;

/**
 * The perf event array reader against the kernel: a tracepoint program outputs a 40-byte sample per
 * getppid() call of this process into one-page rings, so that records wrap the ring's end; every sample
 * arrives once, in order per CPU, and a full ring's drops come back as a lost count.
 */
class PerfBufferTest {
    private static BpfObject object() throws IOException {
        try (InputStream in = PerfBufferTest.class.getResourceAsStream("/bpf/perf.bpf.o")) {
            return BpfObject.parse("perf.bpf.o", in.readAllBytes());
        }
    }

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
    @SuppressWarnings("restricted")
    private static final MethodHandle SCHED_SETAFFINITY = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("sched_setaffinity").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));

    private static void getppid(int times) throws Throwable {
        for (int i = 0; i < times; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
    }

    /** Pins the calling thread to {@code cpus} (a bit mask), so that its samples all go to known rings. */
    private static void pin(long cpus) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(128);
            mask.set(ValueLayout.JAVA_LONG, 0, cpus);
            assertThat((int) SCHED_SETAFFINITY.invokeExact(0, 128L, mask)).isZero();
        }
    }

    private static void assumeTracepoint() {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
    }

    private record Sample(int cpu, long seq, long tgid, int sampleCpu, String tag, int length) {}

    private static Sample decode(int cpu, MemorySegment s, long off, int len) {
        byte[] tag = s.asSlice(off + 20, 20).toArray(ValueLayout.JAVA_BYTE);
        int end = 0;
        while (end < tag.length && tag[end] != 0) end++;
        return new Sample(cpu, s.get(ValueLayout.JAVA_LONG_UNALIGNED, off), s.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 8),
                s.get(ValueLayout.JAVA_INT_UNALIGNED, off + 16), new String(tag, 0, end, StandardCharsets.US_ASCII), len);
    }

    @Test
    void everySampleArrivesOnceAcrossManyWrapsOfOnePageRings() throws Throwable {
        assumeTracepoint();
        long pid = ProcessHandle.current().pid();
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            k.maps().get("config").put(Kernel.le32(0), Kernel.le64(pid));
            try (KernelPerfBuffer perf = k.maps().get("samples").perfBuffer(1, 1);
                 Link link = k.program("perf_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                assertThat(perf.cpus()).isNotEmpty();
                List<Sample> got = new ArrayList<>();
                // 56 bytes a record in a 4096-byte ring: 40 rounds of 50 wrap each ring's end many times
                for (int round = 0; round < 40; round++) {
                    getppid(50);
                    int want = (round + 1) * 50;
                    for (int i = 0; i < 100 && got.size() < want; i++) {
                        perf.poll(Duration.ofMillis(100), (cpu, s, off, len) -> got.add(decode(cpu, s, off, len)));
                    }
                    assertThat(got).as("samples after round " + round).hasSize(want);
                }
                BitSet seen = new BitSet();
                long[] lastPerCpu = new long[KernelMap.possibleCpus()];
                java.util.Arrays.fill(lastPerCpu, -1);
                for (Sample s : got) {
                    assertThat(s.length()).as("raw size: 40 bytes padded with the u32 size to 8").isEqualTo(44);
                    assertThat(s.tgid()).isEqualTo(pid);
                    assertThat(s.tag()).isEqualTo("bpf4j perf sample");
                    assertThat(s.sampleCpu()).as("the ring is the CPU's that output it").isEqualTo(s.cpu());
                    assertThat(s.seq()).as("in order within a CPU's ring").isGreaterThan(lastPerCpu[s.cpu()]);
                    lastPerCpu[s.cpu()] = s.seq();
                    assertThat(seen.get((int) s.seq())).as("sample " + s.seq() + " twice").isFalse();
                    seen.set((int) s.seq());
                }
                assertThat(seen.cardinality()).isEqualTo(2000);
                assertThat(perf.lost()).isZero();
            }
        }
    }

    @Test
    void aFullRingDropsSamplesAndCountsThemAsLost() throws Throwable {
        assumeTracepoint();
        long pid = ProcessHandle.current().pid();
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            k.maps().get("config").put(Kernel.le32(0), Kernel.le64(pid));
            try (KernelPerfBuffer perf = k.maps().get("samples").perfBuffer(1, 1);
                 Link link = k.program("perf_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                int[] got = {0};
                pin(1L << perf.cpus().getFirst());
                try {
                    getppid(200); // 200 x 56 bytes into 4096: most are dropped
                    perf.consume((cpu, s, off, len) -> got[0]++);
                    assertThat(got[0]).isBetween(1, 4096 / 56);
                    getppid(1); // the kernel writes the LOST record when the next sample finds room
                    perf.consume((cpu, s, off, len) -> got[0]++);
                } finally {
                    pin(-1L);
                }
                assertThat(got[0] + perf.lost()).as("every output either arrived or was counted lost").isEqualTo(201);
                assertThat(perf.lost()).isPositive();
            }
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotSeeTheSameSampleTwice() throws Throwable {
        assumeTracepoint();
        long pid = ProcessHandle.current().pid();
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            k.maps().get("config").put(Kernel.le32(0), Kernel.le64(pid));
            try (KernelPerfBuffer perf = k.maps().get("samples").perfBuffer(2, 1);
                 Link link = k.program("perf_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                getppid(1);
                assertThatThrownBy(() -> perf.consume((cpu, s, off, len) -> { throw new IllegalStateException("user callback"); }))
                        .hasMessage("user callback");
                assertThat(perf.consume((cpu, s, off, len) -> {})).isZero();
            }
        }
    }

    /** Each sample a reader hands out, as hex of the bytes it hands out (its length included). */
    private static List<String> drain(org.bpf4j.maps.PerfReader reader) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 50 && got.size() < 3; i++) {
            reader.poll(Duration.ofMillis(100), (cpu, s, off, len) ->
                    got.add(java.util.HexFormat.of().formatHex(s.asSlice(off, len).toArray(ValueLayout.JAVA_BYTE))));
        }
        return got;
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"interp", "jit"})
    void bpf4jsPerfReaderHandsOutWhatTheKernelsDoes(String engine) throws Throwable {
        Kernel.assumeAvailable();
        byte[] frame = new byte[64];
        for (int i = 0; i < frame.length; i++) frame[i] = (byte) (0xa0 + i);
        List<String> ours;
        org.bpf4j.engine.Executable.Loader loader = engine.equals("jit") ? org.bpf4j.engine.Engine.JIT : org.bpf4j.engine.Engine.INTERPRETER;
        try (org.bpf4j.runtime.BpfRuntime runtime = org.bpf4j.runtime.BpfRuntime.create(
                org.bpf4j.runtime.RuntimeOptions.defaults().withCpus(2).withEngine(loader).withMemory(64L << 20))) {
            org.bpf4j.runtime.LoadedObject loaded = runtime.load(object());
            org.bpf4j.maps.PerfEventArrayMap samples = (org.bpf4j.maps.PerfEventArrayMap) loaded.map("samples").orElseThrow();
            samples.openAll(4096);
            try (org.bpf4j.maps.PerfReader reader = samples.reader()) {
                loaded.program("perf_xdp").orElseThrow().testRun(org.bpf4j.runtime.TestRun.of(frame));
                ours = drain(reader);
            }
        }
        List<String> theirs;
        try (KernelObject k = KernelObject.load(object(), Optional.of("perf_xdp"));
             KernelPerfBuffer reader = k.maps().get("samples").perfBuffer(1, 1)) {
            k.program("perf_xdp").orElseThrow().testRun(org.bpf4j.runtime.TestRun.of(frame));
            theirs = drain(reader);
        }
        // 5 bytes -> 12 (padded with the u32 size to 8), 16 -> 20, 8 + 4 packet bytes -> 12
        assertThat(theirs).containsExactly("010203040500000000000000", "8877665544332211" + "2a00000000000000" + "00000000",
                "edfe000000000000a0a1a2a3");
        assertThat(ours).isEqualTo(theirs);
    }

    @Test
    void closingEmptiesTheMapsSlotsAndBadSizesAreRefused() throws Throwable {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            KernelMap samples = k.maps().get("samples");
            assertThatThrownBy(() -> samples.perfBuffer(3, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("pages per CPU must be a power of two, not 3");
            assertThatThrownBy(() -> samples.perfBuffer(1, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("wakeup_events must be positive, not 0");
            assertThatThrownBy(() -> k.maps().get("config").perfBuffer(1, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a perf event array");
            KernelPerfBuffer perf = samples.perfBuffer(1, 1);
            int cpu = perf.cpus().getFirst();
            perf.close();
            perf.close();
            // an fd array's keys are all its indexes and its values unreadable: an empty slot is one delete refuses
            assertThatThrownBy(() -> samples.delete(Kernel.le32(cpu))).as("emptied on close").hasMessageContaining("ENOENT");
        }
    }
}

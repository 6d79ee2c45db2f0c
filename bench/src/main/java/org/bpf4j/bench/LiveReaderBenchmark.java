package org.bpf4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelPerfBuffer;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.KernelRingBuffer;
import org.bpf4j.linux.Link;
import org.bpf4j.maps.RecordHandler;
import org.bpf4j.maps.RingBufferReader;
import org.bpf4j.runtime.TestRun;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The live readers against the kernel, next to libbpf's (bench/native/live.c, the same object and protocol):
 * before each invocation BPF_PROG_TEST_RUN fills the ring buffer or the perf buffer with {@link #RECORDS}
 * 32-byte records (live.bpf.c's XDP producers); the invocation consumes them all through the zero-copy
 * {@link RecordHandler} path, reading each record's sequence number as libbpf's callback does. Scores are
 * per record. {@link #attachDetach} is one tracepoint attach (perf event + BPF link) and its detach.
 *
 * <p>Needs the kernel (root or CAP_BPF): without it the setup fails with the reason, as in {@link KernelMapBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class LiveReaderBenchmark {
    /** live.bpf.c's RECORDS_PER_RUN times the test runs of one fill: live.c's numbers. */
    public static final int RECORDS_PER_RUN = 64, REPEAT = 512, RECORDS = RECORDS_PER_RUN * REPEAT;
    /** Perf ring data pages per CPU: a fill (32,768 records of 48 bytes on one CPU) fits. */
    public static final int PERF_PAGES = 512;

    static KernelObject load() {
        KernelMapBenchmark.unavailable().ifPresent(reason -> {
            throw new IllegalStateException("LiveReaderBenchmark skipped, the kernel is unreachable: " + reason);
        });
        try (InputStream in = LiveReaderBenchmark.class.getResourceAsStream("/bpf/live.bpf.o")) {
            return KernelObject.load(BpfObject.parse("live.bpf.o", in.readAllBytes()), Optional.empty());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sums the records' sequence numbers, as live.c's callbacks do, so that every record is read. */
    public static final class Sum implements RecordHandler {
        public long sum, seen;

        @Override
        public void onRecord(int cpu, java.lang.foreign.MemorySegment segment, long offset, int length) {
            sum += segment.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            seen++;
        }
    }

    private static void fill(KernelProgram producer) {
        producer.testRun(TestRun.of(new byte[64]).withRepeat(REPEAT));
    }

    @State(Scope.Thread)
    public static class Ring {
        KernelObject object;
        KernelRingBuffer ring;
        RingBufferReader reader;
        KernelProgram producer;
        final Sum sum = new Sum();

        @Setup(Level.Trial)
        public void open() {
            object = load();
            ring = object.map("ring").orElseThrow().ringBuffer();
            reader = new RingBufferReader(ring);
            producer = object.program("ring_produce").orElseThrow();
        }

        @Setup(Level.Invocation)
        public void fill() {
            LiveReaderBenchmark.fill(producer);
        }

        @TearDown(Level.Trial)
        public void close() {
            if (ring != null) ring.close();
            if (object != null) object.close();
        }
    }

    @State(Scope.Thread)
    public static class Perf {
        KernelObject object;
        KernelPerfBuffer perf;
        KernelProgram producer;
        final Sum sum = new Sum();

        @Setup(Level.Trial)
        public void open() {
            object = load();
            perf = object.map("perf").orElseThrow().perfBuffer(PERF_PAGES, 1);
            producer = object.program("perf_produce").orElseThrow();
        }

        @Setup(Level.Invocation)
        public void fill() {
            LiveReaderBenchmark.fill(producer);
        }

        @TearDown(Level.Trial)
        public void close() {
            if (perf != null) perf.close();
            if (object != null) object.close();
        }
    }

    @State(Scope.Thread)
    public static class Attach {
        KernelObject object;
        KernelProgram program;

        @Setup(Level.Trial)
        public void open() {
            object = load();
            program = object.program("attach_target").orElseThrow();
        }

        @TearDown(Level.Trial)
        public void close() {
            if (object != null) object.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int ringConsume(Ring s) {
        return s.reader.consume(s.sum);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int perfConsume(Perf s) {
        return s.perf.consume(s.sum);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void attachDetach(Attach s) {
        try (Link link = s.program.attachTracepoint("syscalls", "sys_enter_getppid")) {
            // attached: closing detaches
        }
    }
}

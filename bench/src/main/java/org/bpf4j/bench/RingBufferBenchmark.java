package org.bpf4j.bench;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.maps.BpfMaps;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.maps.RingBufferReader;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.Region;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code BPF_MAP_TYPE_RINGBUF} throughput with {@value #RECORD}-byte records, drained by the host's
 * {@link RingBufferReader#poll()} (which copies each record into a new {@code byte[]}).
 *
 * <ul>
 *   <li>{@link #reserveSubmitPoll}: one record per operation, produced and consumed in the same thread:
 *       {@code reserve}, eight 8-byte stores into the record (what a program writing its event does),
 *       {@code submit}, then {@code poll}. ns/op is ns per record end to end.
 *   <li>{@link #outputPoll}: the same with {@code bpf_ringbuf_output} ({@code output}: reserve, copy
 *       64 bytes from BPF memory, submit) instead.
 *   <li>{@code spsc}: a producer thread (reserve + stores + submit) and a consumer thread (poll) on one
 *       {@value #RING_SIZE}-byte ring, neither ever blocking; the {@code submitted}/{@code polled}
 *       counters are records per second, {@code full}/{@code empty} the attempts that found the ring
 *       full or empty.
 * </ul>
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class RingBufferBenchmark {
    public static final int RECORD = 64;
    public static final int RING_SIZE = 256 << 10;

    /** One ring, its reader and 64 source bytes for {@code output}. */
    public static class Ring {
        AddressSpace space;
        public RingBufMap ring;
        public RingBufferReader reader;
        MemorySegment seg;
        long base;
        long source;

        void open() {
            space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
            ring = (RingBufMap) BpfMaps.create(MapSpec.of("events", MapType.RINGBUF, 0, 0, RING_SIZE), MapContext.of(space, 1));
            reader = ring.reader();
            seg = space.segment();
            base = space.base();
            Region src = space.allocate(RECORD, "output source", false);
            MemorySegment s = space.slice(src);
            for (int i = 0; i < RECORD; i++) s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
            source = src.address();
        }

        /** Fills a reserved record as a program would: eight u64 stores, the first one {@code seq}. */
        public void fill(long record, long seq) {
            long off = record - base;
            seg.set(MapFixtures.U64, off, seq);
            for (int i = 8; i < RECORD; i += 8) seg.set(MapFixtures.U64, off + i, seq + i);
        }

        void close() {
            ring.close();
            space.close();
        }
    }

    @State(Scope.Thread)
    public static class SameThread extends Ring {
        long seq;

        @Setup(Level.Trial)
        public void setUp() { open(); }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    @State(Scope.Group)
    public static class Shared extends Ring {
        @Setup(Level.Trial)
        public void setUp() { open(); }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class ProducerCounts {
        public long submitted;
        public long full;

        @Setup(Level.Iteration)
        public void reset() {
            submitted = 0;
            full = 0;
        }
    }

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class ConsumerCounts {
        public long polled;
        public long empty;

        @Setup(Level.Iteration)
        public void reset() {
            polled = 0;
            empty = 0;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public byte[] reserveSubmitPoll(SameThread s) {
        long rec = s.ring.reserve(RECORD, 0);
        if (rec == 0) throw new IllegalStateException("ring full although drained after every record");
        s.fill(rec, s.seq++);
        s.ring.submit(rec, 0);
        return s.reader.poll().orElseThrow();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public byte[] outputPoll(SameThread s) {
        int rc = s.ring.output(s.source, RECORD, 0);
        if (rc != 0) throw new IllegalStateException("bpf_ringbuf_output: " + rc);
        return s.reader.poll().orElseThrow();
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long produce(Shared s, ProducerCounts c) {
        long rec = s.ring.reserve(RECORD, 0);
        if (rec == 0) {
            c.full++;
            return 0;
        }
        s.fill(rec, c.submitted);
        s.ring.submit(rec, 0);
        c.submitted++;
        return rec;
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Optional<byte[]> consume(Shared s, ConsumerCounts c) {
        Optional<byte[]> r = s.reader.poll();
        if (r.isPresent()) c.polled++;
        else c.empty++;
        return r;
    }
}

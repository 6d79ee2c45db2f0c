package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.maps.MapFixture.u32;
import static org.bpf4j.maps.MapFixture.u64;
import static org.bpf4j.maps.MapFlags.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Many Java threads, each owning a CPU slot, running "programs" against shared maps. */
@Timeout(60)
class ConcurrencyTest {
    private static final int CPUS = 4;
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.varHandle();

    interface Run {
        void run(int cpu, Random r) throws Exception;
    }

    /** Runs {@code body} on one thread per CPU slot, {@code runs} times each inside an epoch. */
    private static void onAllCpus(MapFixture f, int runs, Run body) throws Exception {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CPUS; c++) {
            int cpu = c;
            threads.add(Thread.ofPlatform().start(() -> {
                Random r = new Random(cpu * 7919L);
                try {
                    start.await();
                    for (int i = 0; i < runs; i++) {
                        f.ctx.epochs().enter(cpu);
                        try {
                            body.run(cpu, r);
                        } finally {
                            f.ctx.epochs().exit(cpu);
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
        if (!errors.isEmpty()) throw new AssertionError(errors.peek());
    }

    @Test
    void perCpuCountersSumToEveryIncrement() throws Exception {
        try (MapFixture f = new MapFixture(CPUS)) {
            BpfMap m = f.create(MapSpec.of("counters", MapType.PERCPU_ARRAY, 4, 8, 4));
            long[] key = new long[CPUS];
            for (int c = 0; c < CPUS; c++) key[c] = f.put(u32(2));
            MemorySegment seg = f.space.segment();
            onAllCpus(f, 50_000, (cpu, r) -> {
                long v = m.ops().lookup(key[cpu], cpu) - f.space.base();
                seg.set(ValueLayout.JAVA_LONG, v, seg.get(ValueLayout.JAVA_LONG, v) + 1); // no atomics: the slot is ours
            });
            long sum = m.lookupPerCpu(u32(2)).orElseThrow().stream().mapToLong(MapFixture::asLong).sum();
            assertThat(sum).isEqualTo(50_000L * CPUS);
        }
    }

    @Test
    void hashWithSharedAtomicCountersAndPrivateChurn() throws Exception {
        try (MapFixture f = new MapFixture(CPUS)) {
            int privateKeys = 64;
            BpfMap m = f.create(MapSpec.of("h", MapType.HASH, 8, 16, CPUS * privateKeys + 8));
            MemorySegment seg = f.space.segment();
            long base = f.space.base();
            List<Map<Long, Long>> models = new ArrayList<>();
            long[][] scratch = new long[CPUS][4];
            for (int c = 0; c < CPUS; c++) {
                models.add(new HashMap<>());
                for (int i = 0; i < 4; i++) scratch[c][i] = f.buffer(16);
            }
            AtomicBoolean hostDone = new AtomicBoolean();
            AtomicLong hostReads = new AtomicLong();
            Thread host = Thread.ofPlatform().start(() -> {
                while (!hostDone.get()) {
                    for (byte[] k : m.keys()) {
                        m.lookup(k).ifPresent(v -> hostReads.incrementAndGet());
                    }
                }
            });
            onAllCpus(f, 20_000, (cpu, r) -> {
                long k = scratch[cpu][0];
                long v = scratch[cpu][1];
                // A shared counter: insert once, then only atomic adds through the value pointer.
                long shared = 1_000_000 + r.nextInt(8);
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, k - base, shared);
                long a = m.ops().lookup(k, cpu);
                if (a == 0) {
                    seg.set(ValueLayout.JAVA_LONG_UNALIGNED, v - base, 0L);
                    int rc = m.ops().update(k, v, BPF_NOEXIST, cpu);
                    assertThat(rc == 0 || rc == -17).isTrue();
                    a = m.ops().lookup(k, cpu);
                }
                long unused = (long) ATOMIC_LONG.getAndAdd(seg, a - base, 1L);
                // Private keys: this CPU's model must hold exactly.
                Map<Long, Long> model = models.get(cpu);
                long pk = cpu * 1000L + r.nextInt(privateKeys);
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, k - base, pk);
                switch (r.nextInt(3)) {
                    case 0 -> {
                        long val = r.nextLong();
                        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, v - base, val);
                        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, v - base + 8, pk);
                        assertThat(m.ops().update(k, v, BPF_ANY, cpu)).isZero();
                        model.put(pk, val);
                    }
                    case 1 -> assertThat(m.ops().delete(k)).isEqualTo(model.remove(pk) != null ? 0 : -2);
                    default -> {
                        long p = m.ops().lookup(k, cpu);
                        Long want = model.get(pk);
                        if (want == null) {
                            assertThat(p).isZero();
                        } else {
                            assertThat(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base)).isEqualTo(want);
                            assertThat(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base + 8)).isEqualTo(pk);
                        }
                    }
                }
                if (unused < 0) throw new AssertionError();
            });
            hostDone.set(true);
            host.join();
            long total = 0;
            for (int i = 0; i < 8; i++) {
                total += m.lookup(u64(1_000_000 + i)).map(b -> MapFixture.asLong(java.util.Arrays.copyOf(b, 8))).orElse(0L);
            }
            assertThat(total).isEqualTo(20_000L * CPUS);
            for (int c = 0; c < CPUS; c++) {
                for (var e : models.get(c).entrySet()) {
                    assertThat(MapFixture.asLong(java.util.Arrays.copyOf(m.lookup(u64(e.getKey())).orElseThrow(), 8))).isEqualTo(e.getValue());
                }
            }
            assertThat(m.keys()).hasSize(8 + models.stream().mapToInt(Map::size).sum());
            assertThat(hostReads.get()).isPositive();
        }
    }

    @Test
    void aValueAProgramHoldsNeverChangesUnderItWhileOthersReplaceAndDelete() throws Exception {
        try (MapFixture f = new MapFixture(CPUS)) {
            BpfMap m = f.create(MapSpec.of("h", MapType.HASH, 8, 16, 16));
            MemorySegment seg = f.space.segment();
            long base = f.space.base();
            long[][] scratch = new long[CPUS][2];
            for (int c = 0; c < CPUS; c++) {
                scratch[c][0] = f.buffer(8);
                scratch[c][1] = f.buffer(16);
            }
            onAllCpus(f, 20_000, (cpu, r) -> {
                long k = scratch[cpu][0];
                long v = scratch[cpu][1];
                long key = r.nextInt(12);
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, k - base, key);
                if (cpu % 2 == 0) {
                    // Writer: replace or delete; the value names its key.
                    if (r.nextInt(3) == 0) {
                        m.ops().delete(k);
                    } else {
                        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, v - base, key);
                        seg.set(ValueLayout.JAVA_LONG_UNALIGNED, v - base + 8, r.nextLong());
                        int rc = m.ops().update(k, v, BPF_ANY, cpu);
                        assertThat(rc == 0 || rc == -7).isTrue();
                    }
                } else {
                    // Reader: the element it found must stay intact for the whole run.
                    long p = m.ops().lookup(k, cpu);
                    if (p == 0) return;
                    long k1 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base);
                    long s1 = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base + 8);
                    for (int spin = 0; spin < 50; spin++) Thread.onSpinWait();
                    assertThat(k1).isEqualTo(key);
                    assertThat(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base)).isEqualTo(k1);
                    assertThat(seg.get(ValueLayout.JAVA_LONG_UNALIGNED, p - base + 8)).isEqualTo(s1);
                }
            });
            // Preempted runs (4 threads on fewer cores) hold back reclamation, so the pool may have grown;
            // once no run is active, churn recycles elements instead of growing further.
            int grown = ((HashEngine) m).poolStats()[0];
            for (int i = 0; i < 10_000; i++) {
                m.update(u64(i % 12), new byte[16], BPF_ANY);
                if (i % 3 == 0) m.delete(u64(i % 12));
            }
            assertThat(((HashEngine) m).poolStats()[0]).isEqualTo(grown);
            assertThat(((HashEngine) m).poolStats()[2]).as("retired elements waiting").isLessThanOrEqualTo(grown);
        }
    }

    @Test
    void lruNeverExceedsMaxEntriesUnderConcurrentInserts() throws Exception {
        try (MapFixture f = new MapFixture(CPUS)) {
            BpfMap m = f.create(MapSpec.of("lru", MapType.LRU_HASH, 4, 8, 32));
            long[][] scratch = new long[CPUS][2];
            for (int c = 0; c < CPUS; c++) {
                scratch[c][0] = f.buffer(4);
                scratch[c][1] = f.buffer(8);
            }
            MemorySegment seg = f.space.segment();
            onAllCpus(f, 20_000, (cpu, r) -> {
                long k = scratch[cpu][0];
                seg.set(ValueLayout.JAVA_INT_UNALIGNED, k - f.space.base(), r.nextInt(200));
                if (r.nextInt(4) == 0) {
                    m.ops().lookup(k, cpu);
                } else if (r.nextInt(10) == 0) {
                    m.ops().delete(k);
                } else {
                    assertThat(m.ops().update(k, scratch[cpu][1], BPF_ANY, cpu)).isZero();
                }
            });
            assertThat(m.keys().size()).isLessThanOrEqualTo(32);
            assertThat(((HashEngine) m).size()).isEqualTo(m.keys().size());
        }
    }

    @Test
    void ringBufferWithManyProducersKeepsEachProducersOrder() throws Exception {
        try (MapFixture f = new MapFixture(CPUS)) {
            RingBufMap rb = (RingBufMap) f.create(MapSpec.of("events", MapType.RINGBUF, 0, 0, 4096));
            RingBufferReader reader = rb.reader();
            int perCpu = 5_000;
            long[] rec = new long[CPUS];
            for (int c = 0; c < CPUS; c++) rec[c] = f.buffer(16);
            long[] last = new long[CPUS];
            java.util.Arrays.fill(last, -1);
            AtomicLong received = new AtomicLong();
            Thread consumer = Thread.ofPlatform().start(() -> {
                try {
                    while (received.get() < (long) CPUS * perCpu) {
                        var r = reader.take(Duration.ofMillis(200));
                        if (r.isEmpty()) continue;
                        long cpu = MapFixture.asLong(java.util.Arrays.copyOf(r.get(), 8));
                        long seq = MapFixture.asLong(java.util.Arrays.copyOfRange(r.get(), 8, 16));
                        if (seq != last[(int) cpu] + 1) throw new AssertionError("CPU " + cpu + " seq " + seq + " after " + last[(int) cpu]);
                        last[(int) cpu] = seq;
                        received.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            onAllCpus(f, 1, (cpu, r) -> {
                for (long seq = 0; seq < perCpu; seq++) {
                    f.writeLong(rec[cpu], cpu);
                    f.writeLong(rec[cpu] + 8, seq);
                    if (r.nextBoolean()) {
                        while (rb.output(rec[cpu], 16, 0) != 0) Thread.onSpinWait();
                    } else {
                        long a;
                        while ((a = rb.reserve(16, 0)) == 0) Thread.onSpinWait();
                        f.write(a, f.read(rec[cpu], 16));
                        rb.submit(a, 0);
                    }
                }
            });
            consumer.join(30_000);
            assertThat(received.get()).isEqualTo((long) CPUS * perCpu);
            for (long l : last) assertThat(l).isEqualTo(perCpu - 1);
        }
    }
}

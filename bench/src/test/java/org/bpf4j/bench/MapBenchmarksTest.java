package org.bpf4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.mem.AddressSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the map benchmarks honest: each state is set up as JMH sets it up, each benchmark method runs
 * on it, and what it did is checked against the map's contents — so a benchmark cannot be measuring a
 * miss, an error return or an empty loop.
 */
class MapBenchmarksTest {
    private static final long SUM = (long) ProgramMapBenchmark.KEYS * (ProgramMapBenchmark.KEYS - 1) / 2;

    private static ProgramMapBenchmark programState(String engine, String op) {
        ProgramMapBenchmark s = new ProgramMapBenchmark();
        s.engine = engine;
        s.op = op;
        s.setUp();
        return s;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"interp, loop", "jit, loop", "interp, hashLookup", "jit, hashLookup", "interp, arrayLookup", "jit, arrayLookup"})
    void programLoopReadsEveryKeyOnce(String engine, String op) {
        ProgramMapBenchmark s = programState(engine, op);
        try {
            assertThat(s.run()).isEqualTo(SUM);
            assertThat(s.run()).as("lookups change nothing").isEqualTo(SUM);
            assertValues(s.map, ProgramMapBenchmark.KEYS, 0);
        } finally {
            s.tearDown();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void programLoopUpdatesEveryKeyOnce(String engine) {
        ProgramMapBenchmark s = programState(engine, "hashLookupUpdate");
        try {
            assertThat(s.run()).isEqualTo(SUM);
            assertValues(s.map, ProgramMapBenchmark.KEYS, 1);
            assertThat(s.run()).isEqualTo(SUM + ProgramMapBenchmark.KEYS);
            assertValues(s.map, ProgramMapBenchmark.KEYS, 2);
            for (int i = 0; i < 50; i++) s.run(); // replaced elements are recycled once no run can reach them
            assertValues(s.map, ProgramMapBenchmark.KEYS, 52);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void programKeysArePermutation() {
        Set<Integer> keys = new HashSet<>();
        for (int i = 0; i < ProgramMapBenchmark.KEYS; i++) keys.add(MapPrograms.keyAt(i, ProgramMapBenchmark.KEYS));
        assertThat(keys).hasSize(ProgramMapBenchmark.KEYS).allMatch(k -> k >= 0 && k < ProgramMapBenchmark.KEYS);
    }

    /** Every key k of the map holds k + delta. */
    private static void assertValues(BpfMap map, int entries, long delta) {
        for (int k = 0; k < entries; k++) {
            Optional<byte[]> v = map.lookup(MapFixtures.u32(k));
            assertThat(v).as("key %d", k).isPresent();
            assertThat(MapFixtures.u64(v.get(), 0)).as("key %d", k).isEqualTo(k + delta);
        }
    }

    private static long valueAt(AddressSpace space, long address) {
        return space.segment().get(MapFixtures.U64, address - space.base());
    }

    @ParameterizedTest(name = "entries {0}")
    @ValueSource(ints = {1024, 65536})
    void hashBenchmarksHitAndUpdate(int entries) {
        MapBenchmark b = new MapBenchmark();
        MapBenchmark.Hash s = new MapBenchmark.Hash();
        s.entries = entries;
        s.setUp();
        try {
            int[] seq = MapFixtures.keySequence(entries);
            for (int i = 0; i < MapFixtures.KEYS; i += 2) { // each call takes the next key of the sequence
                long v = b.hashProgLookup(s);
                assertThat(v).isNotZero();
                assertThat(valueAt(s.space, v)).isEqualTo(seq[i]);
                assertThat(MapFixtures.u64(b.hashHostLookup(s).orElseThrow(), 0)).isEqualTo(seq[i + 1]);
            }
            for (int i = 0; i < 3 * MapFixtures.KEYS; i++) assertThat(b.hashProgUpdate(s)).isZero();
            for (int i = 0; i < 3 * MapFixtures.KEYS; i++) b.hashHostUpdate(s);
            assertThat(MapFixtures.u64(s.map.lookup(MapFixtures.u32(seq[0])).orElseThrow(), 0)).isEqualTo(0x5eed_0000_0000_0002L);
            assertThat(s.map.keys()).hasSize(entries);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void arrayBenchmarksHitAndUpdate() {
        MapBenchmark b = new MapBenchmark();
        MapBenchmark.Array s = new MapBenchmark.Array();
        s.entries = 1024;
        s.setUp();
        try {
            int[] seq = MapFixtures.keySequence(1024);
            for (int i = 0; i < MapFixtures.KEYS; i += 2) {
                assertThat(valueAt(s.space, b.arrayProgLookup(s))).isEqualTo(seq[i]);
                assertThat(MapFixtures.u64(b.arrayHostLookup(s).orElseThrow(), 0)).isEqualTo(seq[i + 1]);
            }
            assertThat(b.arrayProgUpdate(s)).isZero();
            assertThat(MapFixtures.u64(s.map.lookup(MapFixtures.u32(seq[0])).orElseThrow(), 0)).isEqualTo(0x5eed_0000_0000_0001L);
            b.arrayHostUpdate(s);
            assertThat(MapFixtures.u64(s.map.lookup(MapFixtures.u32(seq[1])).orElseThrow(), 0)).isEqualTo(0x5eed_0000_0000_0002L);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void perCpuLookupReturnsEveryCpusValue() {
        MapBenchmark.PerCpuArray s = new MapBenchmark.PerCpuArray();
        s.setUp();
        try {
            int k = MapFixtures.keySequence(1024)[0];
            byte[] all = new MapBenchmark().perCpuArrayHostLookup(s).orElseThrow();
            assertThat(all).hasSize(8 * MapBenchmark.PerCpuArray.CPUS);
            for (int c = 0; c < MapBenchmark.PerCpuArray.CPUS; c++) {
                assertThat(MapFixtures.u64(all, 8 * c)).isEqualTo((long) k * MapBenchmark.PerCpuArray.CPUS + c);
            }
        } finally {
            s.tearDown();
        }
    }

    @Test
    void lruUpdatesEvictAndStayFull() {
        MapBenchmark b = new MapBenchmark();
        MapBenchmark.Lru s = new MapBenchmark.Lru();
        s.setUp();
        try {
            for (int i = 0; i < 5 * 1024; i++) assertThat(b.lruHashProgUpdateEvicting(s)).isZero();
            assertThat(s.map.keys()).hasSize(1024);
            assertThat(s.map.lookup(MapFixtures.u32(s.fresh - 1))).as("newest key").isPresent();
            assertThat(s.map.lookup(MapFixtures.u32(0))).as("a prefilled key, long evicted").isEmpty();
        } finally {
            s.tearDown();
        }
    }

    @Test
    void lpmLookupsFindTheLongestPrefix() {
        MapBenchmark b = new MapBenchmark();
        MapBenchmark.Lpm s = new MapBenchmark.Lpm();
        s.setUp();
        try {
            assertThat(s.map.keys()).hasSize(MapBenchmark.Lpm.PREFIXES);
            for (int i = 0; i < MapFixtures.KEYS; i++) {
                long v = b.lpmTrieProgLookup(s);
                assertThat(v).as("address %d matches", i).isNotZero();
                assertThat(valueAt(s.space, v)).as("address %d", i).isEqualTo(longestMatch(s.prefixes, s.addresses[i]));
            }
        } finally {
            s.tearDown();
        }
    }

    /** Brute force: the index of the longest stored prefix containing {@code addr}. */
    private static long longestMatch(int[][] prefixes, int addr) {
        int best = -1;
        for (int i = 0; i < prefixes.length; i++) {
            int m = MapBenchmark.Lpm.mask(prefixes[i][0]);
            if ((addr & m) == prefixes[i][1] && (best < 0 || prefixes[i][0] > prefixes[best][0])) best = i;
        }
        return best;
    }

    @Test
    void ringRecordsComeBackAsWritten() {
        RingBufferBenchmark b = new RingBufferBenchmark();
        RingBufferBenchmark.SameThread s = new RingBufferBenchmark.SameThread();
        s.setUp();
        try {
            // Enough records to wrap the ring several times.
            for (int i = 0; i < 4 * RingBufferBenchmark.RING_SIZE / (RingBufferBenchmark.RECORD + 8); i++) {
                byte[] r = b.reserveSubmitPoll(s);
                assertThat(r).hasSize(RingBufferBenchmark.RECORD);
                assertThat(MapFixtures.u64(r, 0)).isEqualTo(i);
                assertThat(MapFixtures.u64(r, 56)).isEqualTo(i + 56);
                byte[] o = b.outputPoll(s);
                assertThat(o).hasSize(RingBufferBenchmark.RECORD);
                assertThat(o[0]).isEqualTo((byte) 0);
                assertThat(o[63]).isEqualTo((byte) 63);
            }
            assertThat(s.reader.available()).isZero();
        } finally {
            s.tearDown();
        }
    }

    @Test
    void ringProducerAndConsumerAgree() {
        RingBufferBenchmark b = new RingBufferBenchmark();
        RingBufferBenchmark.Shared s = new RingBufferBenchmark.Shared();
        s.setUp();
        RingBufferBenchmark.ProducerCounts p = new RingBufferBenchmark.ProducerCounts();
        RingBufferBenchmark.ConsumerCounts c = new RingBufferBenchmark.ConsumerCounts();
        try {
            int n = 2 * RingBufferBenchmark.RING_SIZE / (RingBufferBenchmark.RECORD + 8);
            for (int i = 0; i < n; i++) b.produce(s, p);
            assertThat(p.full).as("a full ring refuses records").isPositive();
            long seq = 0;
            while (true) {
                Optional<byte[]> r = b.consume(s, c);
                if (r.isEmpty()) break;
                assertThat(MapFixtures.u64(r.get(), 0)).isEqualTo(seq++);
            }
            assertThat(c.polled).isEqualTo(p.submitted).isEqualTo(seq);
            assertThat(p.submitted + p.full).isEqualTo(n);
            assertThat(b.produce(s, p)).as("room again after draining").isNotZero();
        } finally {
            s.tearDown();
        }
    }

    @Test
    void kernelMapsHoldTheSameValues() {
        Optional<String> why = KernelMapBenchmark.unavailable();
        assumeTrue(why.isEmpty(), () -> "kernel unreachable: " + why.orElse(""));
        KernelMapBenchmark s = new KernelMapBenchmark();
        s.entries = 1024;
        s.setUp();
        try {
            int[] seq = MapFixtures.keySequence(1024);
            for (int i = 0; i < 64; i++) {
                assertThat(MapFixtures.u64(s.hashLookup().orElseThrow(), 0)).isEqualTo(seq[2 * i]);
                assertThat(MapFixtures.u64(s.arrayLookup().orElseThrow(), 0)).isEqualTo(seq[2 * i + 1]);
            }
            s.hashUpdate();
            s.arrayUpdate();
            assertThat(s.hash.lookup(MapFixtures.u32(seq[128])).map(v -> MapFixtures.u64(v, 0))).contains(0x5eed_0000_0000_0002L);
            assertThat(s.array.lookup(MapFixtures.u32(seq[129])).map(v -> MapFixtures.u64(v, 0))).contains(0x5eed_0000_0000_0002L);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void batchDumpsAndElementWalksSeeEveryEntry() {
        Optional<String> why = KernelMapBenchmark.unavailable();
        assumeTrue(why.isEmpty(), () -> "kernel unreachable: " + why.orElse(""));
        for (org.bpf4j.maps.MapType type : java.util.List.of(org.bpf4j.maps.MapType.HASH, org.bpf4j.maps.MapType.ARRAY)) {
            KernelMapBatchBenchmark s = new KernelMapBatchBenchmark();
            s.entries = 5000;
            s.batch = 64;
            s.type = type;
            s.setUp();
            try {
                assertThat(s.batchDump()).as("%s by batches", type).isEqualTo(5000);
                assertThat(s.elementWalk()).as("%s element by element", type).isEqualTo(5000);
                assertThat(s.map.lookup(MapFixtures.u32(4321)).map(v -> MapFixtures.u64(v, 0))).contains(4321L);
            } finally {
                s.tearDown();
            }
        }
    }
}

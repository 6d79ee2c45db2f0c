package org.bpf4j.bench;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.api.MapEntry;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelMapSpec;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dumping a kernel map of a million {@code u32 -> u64} entries from Java: with {@code BPF_MAP_LOOKUP_BATCH}
 * ({@code MapHandle.lookupAll}, {@code batch} entries a call, as {@code bpftool map dump} does with batches) and
 * with the element walk ({@code BPF_MAP_GET_NEXT_KEY} and {@code BPF_MAP_LOOKUP_ELEM} per entry, two calls
 * each). One dump per operation. Needs the kernel, as {@link KernelMapBenchmark}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class KernelMapBatchBenchmark {

    @Param({"1000000"})
    public int entries;

    @Param({"4096"})
    public int batch;

    @Param({"HASH", "ARRAY"})
    public MapType type;

    public KernelMap map;

    @Setup(Level.Trial)
    public void setUp() {
        KernelMapBenchmark.unavailable().ifPresent(reason -> {
            throw new IllegalStateException("KernelMapBatchBenchmark skipped, the kernel is unreachable: " + reason);
        });
        map = KernelMap.create(KernelMapSpec.of(type, MapFixtures.KEY_SIZE, MapFixtures.VALUE_SIZE, entries)
                .withName("bench_batch"));
        int chunk = 65536;
        for (int from = 0; from < entries; from += chunk) {
            List<byte[]> keys = new java.util.ArrayList<>();
            List<byte[]> values = new java.util.ArrayList<>();
            for (int k = from; k < Math.min(entries, from + chunk); k++) {
                keys.add(MapFixtures.u32(k));
                values.add(MapFixtures.u64(k));
            }
            map.updateBatch(keys, values, MapFlags.BPF_ANY);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (map != null) map.close();
    }

    @Benchmark
    public int batchDump() {
        List<MapEntry> all = map.lookupAll(batch);
        if (all.size() != entries) throw new IllegalStateException(all.size() + " entries, not " + entries);
        return all.size();
    }

    @Benchmark
    public int elementWalk() {
        int n = 0;
        for (Optional<byte[]> k = map.nextKey(null); k.isPresent(); k = map.nextKey(k.get())) {
            if (map.lookup(k.get()).isPresent()) n++;
        }
        if (n != entries) throw new IllegalStateException(n + " entries, not " + entries);
        return n;
    }
}

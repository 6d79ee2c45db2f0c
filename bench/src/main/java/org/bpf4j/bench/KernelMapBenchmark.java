package org.bpf4j.bench;

import static org.bpf4j.bench.MapFixtures.KEYS;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelMapSpec;
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
import org.bpf4j.maps.MapFlags;

/**
 * The kernel's own HASH and ARRAY maps, looked up and updated from user space through {@code bpf(2)}
 * ({@link KernelMap}, FFM): the reference point for {@link MapBenchmark}'s host-side numbers. Same maps
 * ({@code u32 -> u64}, {@code value(k) = k}) and the same key sequence as {@link MapBenchmark}.
 *
 * <p>Needs the kernel (root or CAP_BPF): when {@link KernelAvailability} says it is unreachable, the
 * state's setup fails with the reason and JMH goes on with the next benchmark.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class KernelMapBenchmark {

    @Param({"1024"})
    public int entries;

    public KernelMap hash;
    public KernelMap array;
    byte[][] hostKeys;
    byte[] hostValue;
    int next;

    /** Why the kernel cannot be used here, or empty. */
    public static Optional<String> unavailable() {
        KernelAvailability a = KernelAvailability.check();
        return a.available() ? Optional.empty() : Optional.of(a.reason());
    }

    @Setup(Level.Trial)
    public void setUp() {
        unavailable().ifPresent(reason -> {
            throw new IllegalStateException("KernelMapBenchmark skipped, the kernel is unreachable: " + reason);
        });
        hash = prefilled(MapType.HASH);
        array = prefilled(MapType.ARRAY);
        hostKeys = MapFixtures.hostKeys(MapFixtures.keySequence(entries));
        hostValue = MapFixtures.u64(0x5eed_0000_0000_0002L);
    }

    private KernelMap prefilled(MapType type) {
        KernelMap m = KernelMap.create(KernelMapSpec.of(type, MapFixtures.KEY_SIZE, MapFixtures.VALUE_SIZE, entries)
                .withName("bench_" + type.name().toLowerCase()));
        for (int k = 0; k < entries; k++) m.update(MapFixtures.u32(k), MapFixtures.u64(k), MapFlags.BPF_ANY);
        return m;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (hash != null) hash.close();
        if (array != null) array.close();
    }

    public byte[] hostKey() {
        return hostKeys[next++ & (KEYS - 1)];
    }

    @Benchmark
    public Optional<byte[]> hashLookup() {
        return hash.lookup(hostKey());
    }

    @Benchmark
    public Optional<byte[]> arrayLookup() {
        return array.lookup(hostKey());
    }

    @Benchmark
    public void hashUpdate() {
        hash.update(hostKey(), hostValue, MapFlags.BPF_ANY);
    }

    @Benchmark
    public void arrayUpdate() {
        array.update(hostKey(), hostValue, MapFlags.BPF_ANY);
    }
}

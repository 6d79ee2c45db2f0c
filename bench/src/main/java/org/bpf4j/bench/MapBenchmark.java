package org.bpf4j.bench;

import static org.bpf4j.bench.MapFixtures.KEYS;
import static org.bpf4j.bench.MapFixtures.U32;

import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.BpfMaps;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.MapType;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.Region;
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
 * Single map operations on bpf4j's maps, one per benchmark operation, in one thread with no program
 * running (so nothing is inside an {@link org.bpf4j.maps.Epochs epoch} and retired elements are
 * reclaimed as soon as the pool needs them).
 *
 * <ul>
 *   <li>{@code *Prog*}: the program-side API, {@code lookup(keyAddr, cpu)} / {@code update(keyAddr,
 *       valueAddr, flags, cpu)} with the key already in BPF memory — exactly what the map helpers call
 *       after checking the pointers. It must not allocate ({@code -prof gc}).
 *   <li>{@code *Host*}: the host (Java) API on byte arrays, {@code Optional<byte[]> lookup(byte[])} and
 *       {@code update(byte[], byte[], flags)} — what the kernel's {@code bpf(2)} syscall is the analogue of
 *       ({@link KernelMapBenchmark}).
 * </ul>
 *
 * HASH and ARRAY maps are {@code u32 -> u64} with every key present ({@code value(k) = k}); keys come in
 * a fixed pseudo-random order of {@value MapFixtures#KEYS} keys drawn from {@code [0, entries)}. Updates
 * overwrite existing keys (for HASH: a new element replaces the old one, which is retired).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class MapBenchmark {

    /** A prefilled {@code u32 -> u64} map of one type with the key sequence in BPF memory and on the heap. */
    abstract static class KeyedMap {
        AddressSpace space;
        MapContext ctx;
        public BpfMap map;
        long keys;
        byte[][] hostKeys;
        long value;
        byte[] hostValue;
        int next;

        final void open(MapType type, int entries) {
            space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
            ctx = MapContext.of(space, 1);
            map = MapFixtures.prefilled(ctx, type, entries);
            int[] seq = MapFixtures.keySequence(entries);
            keys = MapFixtures.keysInBpfMemory(space, seq).address();
            hostKeys = MapFixtures.hostKeys(seq);
            Region v = MapFixtures.scratch(space, 8, "update value");
            space.slice(v).set(MapFixtures.U64, 0, 0x5eed_0000_0000_0001L);
            value = v.address();
            hostValue = MapFixtures.u64(0x5eed_0000_0000_0002L);
        }

        /** The next key's BPF address. */
        public final long key() {
            return keys + 4L * (next++ & (KEYS - 1));
        }

        /** The next key as a byte array. */
        public final byte[] hostKey() {
            return hostKeys[next++ & (KEYS - 1)];
        }

        final void close() {
            map.close();
            space.close();
        }
    }

    @State(Scope.Thread)
    public static class Hash extends KeyedMap {
        @Param({"1024", "65536"})
        public int entries;

        @Setup(Level.Trial)
        public void setUp() { open(MapType.HASH, entries); }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    @State(Scope.Thread)
    public static class Array extends KeyedMap {
        @Param({"1024"})
        public int entries;

        @Setup(Level.Trial)
        public void setUp() { open(MapType.ARRAY, entries); }

        @TearDown(Level.Trial)
        public void tearDown() { close(); }
    }

    /** PERCPU_ARRAY of 1024 u64 values on {@link #CPUS} CPU slots; the host lookup returns all slots' values. */
    @State(Scope.Thread)
    public static class PerCpuArray {
        /** As many slots as the machine has processors (the kernel: as many as possible CPUs). */
        public static final int CPUS = Runtime.getRuntime().availableProcessors();
        static final int ENTRIES = 1024;
        AddressSpace space;
        public BpfMap map;
        byte[][] hostKeys;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
            MapContext ctx = MapContext.of(space, CPUS);
            map = BpfMaps.create(MapSpec.of("percpu", MapType.PERCPU_ARRAY, 4, 8, ENTRIES), ctx);
            for (int k = 0; k < ENTRIES; k++) {
                byte[] all = new byte[8 * CPUS];
                for (int c = 0; c < CPUS; c++) MemorySegment.ofArray(all).set(MapFixtures.U64, 8L * c, (long) k * CPUS + c);
                map.update(MapFixtures.u32(k), all);
            }
            hostKeys = MapFixtures.hostKeys(MapFixtures.keySequence(ENTRIES));
        }

        public byte[] hostKey() {
            return hostKeys[next++ & (KEYS - 1)];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            map.close();
            space.close();
        }
    }

    /**
     * LRU_HASH of 1024 entries, full; every update inserts a key never seen before, so every update
     * evicts the least recently used element (the key is written into the one BPF key slot first).
     */
    @State(Scope.Thread)
    public static class Lru {
        static final int ENTRIES = 1024;
        AddressSpace space;
        public BpfMap map;
        MemorySegment keySlot;
        long key;
        long value;
        public int fresh = ENTRIES;

        @Setup(Level.Trial)
        public void setUp() {
            space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
            map = MapFixtures.prefilled(MapContext.of(space, 1), MapType.LRU_HASH, ENTRIES);
            Region k = MapFixtures.scratch(space, 4, "lru key");
            keySlot = space.slice(k);
            key = k.address();
            Region v = MapFixtures.scratch(space, 8, "lru value");
            space.slice(v).set(MapFixtures.U64, 0, 42);
            value = v.address();
        }

        /** Writes the next never-seen key into the key slot and returns its address. */
        public long freshKey() {
            keySlot.set(U32, 0, fresh++);
            return key;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            map.close();
            space.close();
        }
    }

    /**
     * LPM_TRIE over IPv4 ({@code {u32 prefixlen; u8 addr[4]}} keys, u64 values): {@link #PREFIXES}
     * distinct random prefixes of lengths uniform in /8../32, value = the prefix's index. Lookups are /32
     * addresses inside a random stored prefix with random host bits, so every lookup matches — the
     * longest match is often a longer prefix than the one the address was drawn from.
     */
    @State(Scope.Thread)
    public static class Lpm {
        public static final int PREFIXES = 1024;
        AddressSpace space;
        public BpfMap map;
        /** The stored prefixes: {@code [i] = {prefixlen, network (host order int)}}. */
        public int[][] prefixes;
        /** The lookup addresses (host order ints), in sequence order. */
        public int[] addresses;
        long keys;
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
            map = BpfMaps.create(MapSpec.of("lpm", MapType.LPM_TRIE, 8, 8, PREFIXES).withFlags(MapFlags.BPF_F_NO_PREALLOC),
                    MapContext.of(space, 1));
            Random rnd = new Random(BenchPrograms.DEFAULT_SEED);
            Set<Long> seen = new HashSet<>();
            prefixes = new int[PREFIXES][];
            for (int i = 0; i < PREFIXES; ) {
                int len = 8 + rnd.nextInt(25);
                int net = rnd.nextInt() & mask(len);
                if (!seen.add(((long) len << 32) | Integer.toUnsignedLong(net))) continue;
                prefixes[i] = new int[] {len, net};
                map.update(lpmKey(len, net), MapFixtures.u64(i));
                i++;
            }
            addresses = new int[KEYS];
            Region r = space.allocate(8L * KEYS, "lpm lookup keys", false);
            MemorySegment s = space.slice(r);
            for (int i = 0; i < KEYS; i++) {
                int[] p = prefixes[rnd.nextInt(PREFIXES)];
                addresses[i] = p[1] | (rnd.nextInt() & ~mask(p[0]));
                MemorySegment.copy(MemorySegment.ofArray(lpmKey(32, addresses[i])), 0, s, 8L * i, 8);
            }
            keys = r.address();
        }

        public long key() {
            return keys + 8L * (next++ & (KEYS - 1));
        }

        /** Network-order key bytes: prefixlen (u32, little-endian) then the address, most significant byte first. */
        public static byte[] lpmKey(int prefixLen, int addr) {
            byte[] k = new byte[8];
            MemorySegment.ofArray(k).set(U32, 0, prefixLen);
            k[4] = (byte) (addr >>> 24);
            k[5] = (byte) (addr >>> 16);
            k[6] = (byte) (addr >>> 8);
            k[7] = (byte) addr;
            return k;
        }

        public static int mask(int len) {
            return len == 0 ? 0 : -1 << (32 - len);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            map.close();
            space.close();
        }
    }

    // ---- HASH ----

    @Benchmark
    public long hashProgLookup(Hash s) {
        return s.map.ops().lookup(s.key(), 0);
    }

    @Benchmark
    public int hashProgUpdate(Hash s) {
        return s.map.ops().update(s.key(), s.value, MapFlags.BPF_ANY, 0);
    }

    @Benchmark
    public Optional<byte[]> hashHostLookup(Hash s) {
        return s.map.lookup(s.hostKey());
    }

    @Benchmark
    public void hashHostUpdate(Hash s) {
        s.map.update(s.hostKey(), s.hostValue, MapFlags.BPF_ANY);
    }

    // ---- ARRAY ----

    @Benchmark
    public long arrayProgLookup(Array s) {
        return s.map.ops().lookup(s.key(), 0);
    }

    @Benchmark
    public int arrayProgUpdate(Array s) {
        return s.map.ops().update(s.key(), s.value, MapFlags.BPF_ANY, 0);
    }

    @Benchmark
    public Optional<byte[]> arrayHostLookup(Array s) {
        return s.map.lookup(s.hostKey());
    }

    @Benchmark
    public void arrayHostUpdate(Array s) {
        s.map.update(s.hostKey(), s.hostValue, MapFlags.BPF_ANY);
    }

    // ---- others ----

    @Benchmark
    public Optional<byte[]> perCpuArrayHostLookup(PerCpuArray s) {
        return s.map.lookup(s.hostKey());
    }

    @Benchmark
    public int lruHashProgUpdateEvicting(Lru s) {
        return s.map.ops().update(s.freshKey(), s.value, MapFlags.BPF_ANY, 0);
    }

    @Benchmark
    public long lpmTrieProgLookup(Lpm s) {
        return s.map.ops().lookup(s.key(), 0);
    }
}

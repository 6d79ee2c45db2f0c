package org.bpf4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.BpfMaps;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.MapType;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.Region;

/**
 * What the map benchmarks share: one address space and map context per state, maps of {@code u32 key ->
 * u64 value} prefilled with {@code value(k) = k}, and a fixed pseudo-random sequence of keys — both as
 * little-endian u32s in BPF memory (what a program passes to a helper) and as byte arrays (what the
 * host API takes) — so that every benchmark, bpf4j or kernel, host or program side, looks up the same
 * keys in the same order.
 */
final class MapFixtures {
    private MapFixtures() {}

    /** Keys in one benchmark's sequence; a power of two, cycled through with {@code i & (KEYS - 1)}. */
    static final int KEYS = 4096;
    /** The u32 keys and u64 values of the hash and array maps. */
    static final int KEY_SIZE = 4, VALUE_SIZE = 8;
    /** Address space of one state: the largest map (65536 hash elements, ~1.3 MB) fits many times. */
    static final long SPACE_SIZE = 64L << 20;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static byte[] u32(int v) {
        byte[] b = new byte[4];
        MemorySegment.ofArray(b).set(U32, 0, v);
        return b;
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        MemorySegment.ofArray(b).set(U64, 0, v);
        return b;
    }

    static long u64(byte[] b, int offset) {
        return MemorySegment.ofArray(b).get(U64, offset);
    }

    /** {@link #KEYS} keys drawn uniformly from {@code [0, bound)}, from {@link BenchPrograms#DEFAULT_SEED}. */
    static int[] keySequence(int bound) {
        Random rnd = new Random(BenchPrograms.DEFAULT_SEED ^ bound);
        int[] keys = new int[KEYS];
        for (int i = 0; i < KEYS; i++) keys[i] = rnd.nextInt(bound);
        return keys;
    }

    /** A read-only region holding {@code keys} as little-endian u32s. */
    static Region keysInBpfMemory(AddressSpace space, int[] keys) {
        Region r = space.allocate(4L * keys.length, "benchmark keys", false);
        MemorySegment s = space.slice(r);
        for (int i = 0; i < keys.length; i++) s.set(U32, 4L * i, keys[i]);
        return r;
    }

    static byte[][] hostKeys(int[] keys) {
        byte[][] out = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) out[i] = u32(keys[i]);
        return out;
    }

    /** A writable region of {@code size} bytes, zeroed. */
    static Region scratch(AddressSpace space, long size, String name) {
        return space.allocate(size, name, true);
    }

    /** A {@code u32 -> u64} map with every key {@code 0..entries-1} set to {@code value(k) = k}. */
    static BpfMap prefilled(MapContext ctx, MapType type, int entries) {
        BpfMap map = BpfMaps.create(MapSpec.of(type.name().toLowerCase(), type, KEY_SIZE, VALUE_SIZE, entries), ctx);
        for (int k = 0; k < entries; k++) map.update(u32(k), u64(k));
        return map;
    }
}

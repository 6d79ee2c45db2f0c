package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_BLOOM_FILTER}: push adds a value, peek answers "maybe present" (0) or "certainly
 * absent" (-ENOENT): false positives are possible, false negatives are not. The bit array is sized as
 * bloom_filter.c sizes it: {@code max_entries * nr_hashes * 7 / 5} bits rounded up to a power of two (at
 * least 64; 2^32 bits when that overflows), with map_extra's low 4 bits the number of hash functions
 * (0 = 5). The bits live in a Java long array (programs never address them); hashes are bpf4j's own,
 * seeded from the context (0 with BPF_F_ZERO_SEED), one seed per hash function as the kernel adds i.
 */
public final class BloomFilterMap extends MapBase implements BpfMap {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final int hashes;
    private final long bitMask;
    private final long[] bits;
    private final int seed;

    BloomFilterMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        int k = (int) (spec.mapExtra() & 0xf);
        this.hashes = k == 0 ? 5 : k;
        long nrBits = Integer.toUnsignedLong(maxEntries) * hashes;
        long mask;
        if (nrBits > 0xffffffffL || (nrBits / 5) * 7 > (1L << 31)) {
            mask = 0xffffffffL;
        } else {
            nrBits = (nrBits / 5) * 7;
            nrBits = nrBits <= 64 ? 64 : Long.highestOneBit(nrBits - 1) << 1;
            mask = nrBits - 1;
        }
        if ((mask + 1) / 64 > Integer.MAX_VALUE - 8) {
            throw BpfMapException.of(Errno.ENOMEM, spec, "bit array of " + (mask + 1) + " bits is too large");
        }
        this.bitMask = mask;
        this.bits = new long[(int) ((mask + 1 + 63) / 64)];
        this.seed = spec.hasFlag(MapFlags.BPF_F_ZERO_SEED) ? 0 : ctx.randomInt();
    }

    /** Number of hash functions. */
    public int hashFunctions() { return hashes; }

    /** Size of the bit array. */
    public long bitCount() { return bitMask + 1; }

    private long bit(MemorySegment s, long off, int i) {
        return Integer.toUnsignedLong(Mem.hash(s, off, valueSize, seed + i)) & bitMask;
    }

    @Override
    public int push(long valueAddr, long flags) {
        return doPush(seg, valueAddr - base, flags);
    }

    @Override
    public int peek(long valueAddr) {
        return doPeek(seg, valueAddr - base);
    }

    private int doPush(MemorySegment s, long off, long flags) {
        if (flags != MapFlags.BPF_ANY) return Errno.EINVAL.negative();
        for (int i = 0; i < hashes; i++) {
            long b = bit(s, off, i);
            long m = 1L << (b & 63);
            int w = (int) (b >>> 6);
            if (((long) LONGS.getAcquire(bits, w) & m) == 0) LONGS.getAndBitwiseOr(bits, w, m);
        }
        return 0;
    }

    private int doPeek(MemorySegment s, long off) {
        for (int i = 0; i < hashes; i++) {
            long b = bit(s, off, i);
            if (((long) LONGS.getAcquire(bits, (int) (b >>> 6)) & (1L << (b & 63))) == 0) return Errno.ENOENT.negative();
        }
        return 0;
    }

    /** Host push (BPF_MAP_UPDATE_ELEM with a NULL key). */
    public void add(byte[] value) {
        update(new byte[0], value, MapFlags.BPF_ANY);
    }

    /** Host peek (BPF_MAP_LOOKUP_ELEM with the value to test): false means certainly absent. */
    public boolean mightContain(byte[] value) {
        ensureOpen();
        checkValue(value, "lookup");
        return doPeek(Mem.heap(value), 0) == 0;
    }

    @Override
    public long lookup(long keyAddr, int cpu) { return 0; }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EINVAL.negative(); }

    @Override
    public int delete(long keyAddr) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    public int pop(long valueAddr) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    public Optional<byte[]> lookup(byte[] key, long flags) {
        throw BpfMapException.of(Errno.EINVAL, spec, "lookup: a bloom filter is tested with mightContain(value)");
    }

    @Override
    byte[] hostLookup(byte[] key) { return null; }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        return doPush(Mem.heap(value), 0, flags);
    }

    @Override
    int hostDelete(byte[] key) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    byte[] hostNextKey(byte[] key) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "get_next_key: a bloom filter has no keys");
    }

    @Override
    void checkKey(byte[] key, String op) {
        if (key != null && key.length != 0) super.checkKey(key, op);
    }
}

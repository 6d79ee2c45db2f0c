package org.bpf4j.maps;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code BPF_MAP_TYPE_STACK_TRACE}: stack id (u32) to an array of u64 instruction pointers (value_size
 * / 8 of them, zero-padded). Minimal: objects declaring one load; {@link #getStackId} is what
 * bpf_get_stackid will call with the frames bpf4j can see. As stackmap.c: ids are hash buckets
 * ({@code roundup_pow_of_two(max_entries)} of them); a different stack already in the bucket is EEXIST
 * unless BPF_F_REUSE_STACKID; the host can look up, delete and iterate but not update (EINVAL).
 * BPF_F_STACK_BUILD_ID values are accepted at creation but stored as plain IPs.
 */
public final class StackTraceMap extends MapBase implements BpfMap {
    private final AtomicReferenceArray<long[]> buckets;
    private final int bucketMask;
    private final int maxDepth;

    StackTraceMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        int n = maxEntries <= 1 ? 1 : Integer.highestOneBit(maxEntries - 1) << 1;
        this.buckets = new AtomicReferenceArray<>(n);
        this.bucketMask = n - 1;
        this.maxDepth = valueSize / 8;
    }

    /**
     * bpf_get_stackid over {@code ips[0..count)} (innermost first): the stack id, or -errno. Allocates
     * the stored copy when a new stack is recorded.
     */
    public int getStackId(long[] ips, int count, long flags) {
        long known = MapFlags.BPF_F_SKIP_FIELD_MASK | MapFlags.BPF_F_USER_STACK | MapFlags.BPF_F_FAST_STACK_CMP
                | MapFlags.BPF_F_REUSE_STACKID;
        if ((flags & ~known) != 0) return Errno.EINVAL.negative();
        int skip = (int) (flags & MapFlags.BPF_F_SKIP_FIELD_MASK);
        int n = Math.min(count - skip, maxDepth);
        if (n <= 0) return Errno.EFAULT.negative();
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            h = (h ^ ips[skip + i]) * 0xff51afd7ed558ccdL;
            h ^= h >>> 29;
        }
        int id = (int) (h ^ (h >>> 32)) & bucketMask;
        long[] old = buckets.get(id);
        if (old != null && old.length == n && java.util.Arrays.equals(old, 0, n, ips, skip, skip + n)) return id;
        if (old != null && (flags & MapFlags.BPF_F_REUSE_STACKID) == 0) return Errno.EEXIST.negative();
        buckets.set(id, java.util.Arrays.copyOfRange(ips, skip, skip + n));
        return id;
    }

    @Override
    public long lookup(long keyAddr, int cpu) { return 0; }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EINVAL.negative(); }

    @Override
    public int delete(long keyAddr) { return Errno.EOPNOTSUPP.negative(); }

    @Override
    byte[] hostLookup(byte[] key) {
        long id = Integer.toUnsignedLong(Mem.u32(key));
        if (id > bucketMask) return null;
        long[] ips = buckets.get((int) id);
        if (ips == null) return null;
        byte[] out = new byte[valueSize];
        for (int i = 0; i < ips.length; i++) {
            for (int b = 0; b < 8; b++) out[i * 8 + b] = (byte) (ips[i] >>> (8 * b));
        }
        return out;
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) { return Errno.EINVAL.negative(); }

    @Override
    int hostDelete(byte[] key) {
        long id = Integer.toUnsignedLong(Mem.u32(key));
        if (id > bucketMask) return Errno.EINVAL.negative();
        return buckets.getAndSet((int) id, null) == null ? Errno.ENOENT.negative() : 0;
    }

    @Override
    byte[] hostNextKey(byte[] key) {
        long id;
        if (key == null) {
            id = 0;
        } else {
            id = Integer.toUnsignedLong(Mem.u32(key));
            id = id > bucketMask || buckets.get((int) id) == null ? 0 : id + 1;
        }
        while (id <= bucketMask && buckets.get((int) id) == null) id++;
        return id > bucketMask ? null : Mem.le32((int) id);
    }
}

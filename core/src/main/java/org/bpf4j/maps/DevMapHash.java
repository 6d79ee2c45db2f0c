package org.bpf4j.maps;

/**
 * {@code BPF_MAP_TYPE_DEVMAP_HASH}: a hash (see {@link HashEngine}) from u32 keys to
 * {@code struct bpf_devmap_val}, read-only for programs. As devmap.c: BPF_NOEXIST on an existing key is
 * EEXIST, but BPF_EXIST on a missing key inserts (the kernel does not check it); ifindex 0 is EINVAL
 * (no such device); a full map is E2BIG.
 */
public final class DevMapHash extends HashEngine implements BpfMap {

    DevMapHash(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, false, false, spec.valueSize(), false);
    }

    @Override
    int checkFlags(boolean exists, long flags) {
        return exists && flags == MapFlags.BPF_NOEXIST ? Errno.EEXIST.negative() : 0;
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        if (Mem.u32(value) == 0) return Errno.EINVAL.negative();
        return super.hostUpdate(key, value, flags);
    }

    /** Hot path (bpf_redirect_map): the ifindex stored under {@code key}, or -1. */
    public long target(long keyAddr) {
        long v = super.lookup(keyAddr, 0);
        return v == 0 ? -1 : Integer.toUnsignedLong(seg.get(Mem.INT, v - base));
    }
}

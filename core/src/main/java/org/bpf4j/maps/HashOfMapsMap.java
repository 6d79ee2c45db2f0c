package org.bpf4j.maps;

import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_HASH_OF_MAPS}: a hash map (see {@link HashEngine}) whose elements store an inner
 * map's 8-byte handle. A program's lookup returns the handle (the kernel returns the inner map pointer),
 * or 0; programs cannot update or delete (the verifier allows only lookups). The host API's value is
 * the inner map's id, as for {@link ArrayOfMapsMap}.
 */
public final class HashOfMapsMap extends HashEngine implements BpfMap {

    HashOfMapsMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, false, false, 8, false);
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        long v = super.lookup(keyAddr, cpu);
        return v == 0 ? 0 : seg.get(Mem.LONG, v - base);
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EOPNOTSUPP.negative();
    }

    public void set(byte[] key, BpfMap inner, long flags) {
        ensureOpen();
        checkKey(key, "update");
        InnerMaps.check(this, inner);
        int rc = doUpdate(Mem.heap(key), 0, Mem.heap(Mem.le64(inner.ops().handle())), 0, flags, 0, true);
        if (rc != 0) throw fail(rc, "update", flags);
    }

    public Optional<BpfMap> get(byte[] key) {
        return lookup(key).map(id -> ctx.mapById(Mem.u32(id)).orElse(null));
    }

    @Override
    byte[] hostLookup(byte[] key) {
        byte[] stored = super.hostLookup(key);
        return stored == null ? null : hostValue(stored);
    }

    @Override
    byte[] hostValue(byte[] stored) {
        return Mem.le32((int) Mem.u64(stored));
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        BpfMap inner = InnerMaps.resolve(this, Mem.u32(value));
        return doUpdate(Mem.heap(key), 0, Mem.heap(Mem.le64(inner.ops().handle())), 0, flags, 0, true);
    }
}

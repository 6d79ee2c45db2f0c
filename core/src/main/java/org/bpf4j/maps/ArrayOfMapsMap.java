package org.bpf4j.maps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_ARRAY_OF_MAPS}: slots hold inner maps compatible with the template
 * ({@link MapSpec#innerMap()}). A program's lookup returns the inner map's handle (what the kernel's
 * returns: a map pointer to pass to further map helpers), or 0. The host API's value is the inner map's
 * id (4 bytes) where the kernel takes an fd on update and reports an id on lookup; {@link #set} and
 * {@link #get} take and give maps.
 */
public final class ArrayOfMapsMap extends FdArrayBase implements BpfMap {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private final long[] handles;

    ArrayOfMapsMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.handles = new long[maxEntries];
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        int index = seg.get(Mem.INT, keyAddr - base);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return 0;
        return (long) LONGS.getAcquire(handles, index);
    }

    @Override
    void replaced(int index, Object old, Object now) {
        LONGS.setRelease(handles, index, now == null ? 0L : ((BpfMap) now).ops().handle());
    }

    public void set(int index, BpfMap inner) {
        ensureOpen();
        InnerMaps.check(this, inner);
        check(setSlot(index, inner, MapFlags.BPF_ANY), "update");
    }

    public Optional<BpfMap> get(int index) {
        return Optional.ofNullable((BpfMap) slot(Integer.toUnsignedLong(index)));
    }

    @Override
    byte[] hostLookup(byte[] key) {
        BpfMap m = (BpfMap) slot(Integer.toUnsignedLong(Mem.u32(key)));
        return m == null ? null : Mem.le32(m.id());
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        if (flags != MapFlags.BPF_ANY) return Errno.EINVAL.negative();
        return setSlot(Mem.u32(key), InnerMaps.resolve(this, Mem.u32(value)), flags);
    }

    @Override
    void onClose() {
        super.onClose();
        for (int i = 0; i < handles.length; i++) LONGS.setRelease(handles, i, 0L);
    }
}

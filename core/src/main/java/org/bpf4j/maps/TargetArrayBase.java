package org.bpf4j.maps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.bpf4j.mem.Region;

/**
 * The redirect targets indexed by u32 keys (DEVMAP, CPUMAP, XSKMAP): each slot stores the entry's value
 * ({@code struct bpf_devmap_val}, {@code struct bpf_cpumap_val}, an XDP socket id) in a BPF region that
 * programs may read but not write (the kernel makes these maps BPF_F_RDONLY_PROG), with a presence flag.
 * A value of 4 or 8 bytes is published with one atomic store, so a concurrent program lookup never sees
 * half an entry. There are no net devices, CPUs' kthreads or sockets behind the entries yet: bpf4j stores
 * the numbers (ifindex, qsize, socket id) that {@code bpf_redirect_map} will resolve.
 */
abstract class TargetArrayBase extends MapBase {
    private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);
    private final long stride;
    final long valuesAddr;
    private final long valuesOff;
    private final byte[] present;

    TargetArrayBase(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.stride = round8(valueSize);
        Region r = allocate(stride * maxEntries, "entries", false);
        this.valuesAddr = r.address();
        this.valuesOff = valuesAddr - base;
        this.present = new byte[maxEntries];
    }

    /** Hot path: whether slot {@code index} holds an entry. */
    public final boolean has(long index) {
        return index >= 0 && index < maxEntries && (byte) BYTES.getAcquire(present, (int) index) != 0;
    }

    /** Hot path (bpf_redirect_map): the first u32 of the entry (ifindex, qsize, socket id), or -1 if empty. */
    public final long target(long index) {
        if (!has(index)) return -1;
        return Integer.toUnsignedLong(seg.get(Mem.INT, valuesOff + index * stride));
    }

    final long entryAddress(long index) {
        return has(index) ? valuesAddr + index * stride : 0;
    }

    final void store(int index, byte[] value) {
        long off = valuesOff + Integer.toUnsignedLong(index) * stride;
        if (valueSize == 8) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_LONG, off, Mem.u64(value)); // 8-aligned: one store
        } else if (valueSize == 4) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_INT, off, Mem.u32(value));
        } else {
            Mem.copy(Mem.heap(value), 0, seg, off, valueSize);
        }
        BYTES.setRelease(present, index, (byte) 1);
    }

    final void clear(int index) {
        BYTES.setRelease(present, index, (byte) 0);
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        return entryAddress(Integer.toUnsignedLong(seg.get(Mem.INT, keyAddr - base)));
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return Errno.EOPNOTSUPP.negative(); // the verifier allows programs only lookups and redirects
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    byte[] hostLookup(byte[] key) {
        int index = Mem.u32(key);
        if (!has(Integer.toUnsignedLong(index))) return null;
        byte[] out = new byte[valueSize];
        Mem.copy(seg, valuesOff + Integer.toUnsignedLong(index) * stride, Mem.heap(out), 0, valueSize);
        return out;
    }

    @Override
    int hostDelete(byte[] key) {
        int index = Mem.u32(key);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.EINVAL.negative();
        clear(index);
        return 0;
    }

    @Override
    byte[] hostNextKey(byte[] key) {
        return ArrayKeys.next(key, maxEntries);
    }
}

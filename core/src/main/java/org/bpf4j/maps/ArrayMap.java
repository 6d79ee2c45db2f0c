package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import org.bpf4j.mem.Region;

/**
 * {@code BPF_MAP_TYPE_ARRAY}: max_entries values, each rounded up to 8 bytes, contiguous in one BPF
 * region ({@code value(i) = valuesAddress + i * round_up(value_size, 8)}), zero-initialised, never
 * moving. Keys are u32 indices; delete is EINVAL and BPF_NOEXIST is EEXIST, as in the kernel. Updates
 * copy in place (not atomic against concurrent readers, as in the kernel) around the value's spin lock
 * and timer ({@link ValueFields}), and BPF_F_LOCK copies under the lock; host lookups see those fields
 * zeroed. Global data sections
 * ({@code .data}, {@code .bss}, {@code .rodata}) are single-entry arrays: {@link #valueAddress(int)}
 * is what a program's direct value access points at.
 */
public final class ArrayMap extends MapBase implements BpfMap {
    private final long stride;
    private final long valuesAddr;
    private final long valuesOff;
    private final ValueFields fields;

    ArrayMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.stride = round8(valueSize);
        Region r = allocate(stride * Integer.toUnsignedLong(maxEntries), "values", progWritable());
        this.valuesAddr = r.address();
        this.valuesOff = valuesAddr - base;
        this.fields = ValueFields.of(spec);
    }

    /** Address of value {@code index} (stable for the life of the map). */
    public long valueAddress(int index) {
        if (Integer.compareUnsigned(index, maxEntries) >= 0) throw new IndexOutOfBoundsException(index);
        return valuesAddr + index * stride;
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        int index = seg.get(Mem.INT, keyAddr - base);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return 0;
        return valuesAddr + Integer.toUnsignedLong(index) * stride;
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return doUpdate(seg.get(Mem.INT, keyAddr - base), seg, valueAddr - base, flags);
    }

    private int doUpdate(int index, MemorySegment vs, long voff, long flags) {
        if ((flags & ~MapFlags.BPF_F_LOCK) > MapFlags.BPF_EXIST) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        if ((flags & MapFlags.BPF_NOEXIST) != 0) return Errno.EEXIST.negative();
        boolean locked = (flags & MapFlags.BPF_F_LOCK) != 0;
        if (locked && !fields.hasSpinLock()) return Errno.EINVAL.negative();
        long dst = valuesOff + Integer.toUnsignedLong(index) * stride;
        // array_map_update_elem: copy_map_value(_locked), then bpf_obj_free_fields, which leaves a freed timer zero
        if (locked) fields.copyLocked(vs, voff, seg, dst, valueSize);
        else fields.copy(vs, voff, seg, dst, valueSize);
        return 0;
    }

    @Override
    public long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return ArrayKeys.forEach(seg, base, keyScratch, maxEntries, valuesAddr, stride, visitor);
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EINVAL.negative();
    }

    @Override
    byte[] hostLookup(byte[] key) { return hostLookup(key, false); }

    @Override
    byte[] hostLookup(byte[] key, boolean locked) {
        int index = Mem.u32(key);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return null;
        return fields.copyOut(seg, valuesOff + Integer.toUnsignedLong(index) * stride, valueSize, locked);
    }

    @Override
    boolean hasSpinLock() { return fields.hasSpinLock(); }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        return doUpdate(Mem.u32(key), Mem.heap(value), 0, flags);
    }

    @Override
    int hostDelete(byte[] key) {
        return Errno.EINVAL.negative();
    }

    @Override
    byte[] hostNextKey(byte[] key) {
        return ArrayKeys.next(key, maxEntries);
    }
}

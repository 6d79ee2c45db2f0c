package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import org.bpf4j.mem.Region;

/**
 * {@code BPF_MAP_TYPE_PERCPU_ARRAY}: one region holding, for each CPU slot, the whole array of that CPU's
 * values ({@code value(i, cpu) = valuesAddress + cpu * cpuStride + i * round_up(value_size, 8)}, the
 * CPU stride rounded to 64 bytes so that CPUs never share a cache line). A program's lookup and update
 * touch the calling CPU's value; the host API reads and writes all CPUs' values, each rounded to 8 bytes.
 */
public final class PerCpuArrayMap extends MapBase implements BpfMap {
    private final long stride;
    private final long cpuStride;
    private final long valuesAddr;
    private final long valuesOff;

    PerCpuArrayMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.stride = round8(valueSize);
        this.cpuStride = (stride * Integer.toUnsignedLong(maxEntries) + 63) & ~63L;
        Region r = allocate(cpuStride * cpus, "per-CPU values", progWritable());
        this.valuesAddr = r.address();
        this.valuesOff = valuesAddr - base;
    }

    /** Address of value {@code index} on {@code cpu}. */
    public long valueAddress(int index, int cpu) {
        if (Integer.compareUnsigned(index, maxEntries) >= 0) throw new IndexOutOfBoundsException(index);
        if (Integer.compareUnsigned(cpu, cpus) >= 0) throw new IndexOutOfBoundsException("CPU " + cpu);
        return valuesAddr + cpu * cpuStride + index * stride;
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        int index = seg.get(Mem.INT, keyAddr - base);
        if (Integer.compareUnsigned(index, maxEntries) >= 0 || Integer.compareUnsigned(cpu, cpus) >= 0) return 0;
        return valuesAddr + cpu * cpuStride + Integer.toUnsignedLong(index) * stride;
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        int rc = check(seg.get(Mem.INT, keyAddr - base), flags);
        if (rc != 0) return rc;
        long index = Integer.toUnsignedLong(seg.get(Mem.INT, keyAddr - base));
        Mem.copy(seg, valueAddr - base, seg, valuesOff + cpu * cpuStride + index * stride, valueSize);
        return 0;
    }

    private int check(int index, long flags) {
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        if ((flags & MapFlags.BPF_NOEXIST) != 0) return Errno.EEXIST.negative();
        return 0;
    }

    @Override
    public long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        if (Integer.compareUnsigned(cpu, cpus) >= 0) return Errno.EINVAL.negative();
        return ArrayKeys.forEach(seg, base, keyScratch, maxEntries, valuesAddr + cpu * cpuStride, stride, visitor);
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EINVAL.negative();
    }

    @Override
    byte[] hostLookup(byte[] key) {
        int index = Mem.u32(key);
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return null;
        byte[] out = new byte[(int) stride * cpus];
        MemorySegment o = Mem.heap(out);
        for (int c = 0; c < cpus; c++) {
            Mem.copy(seg, valuesOff + c * cpuStride + Integer.toUnsignedLong(index) * stride, o, c * stride, valueSize);
        }
        return out;
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        int index = Mem.u32(key);
        int rc = check(index, flags);
        if (rc != 0) return rc;
        MemorySegment v = Mem.heap(value);
        for (int c = 0; c < cpus; c++) {
            Mem.copy(v, c * stride, seg, valuesOff + c * cpuStride + Integer.toUnsignedLong(index) * stride, valueSize);
        }
        return 0;
    }

    @Override
    int hostDelete(byte[] key) {
        return Errno.EINVAL.negative();
    }

    @Override
    byte[] hostNextKey(byte[] key) {
        return ArrayKeys.next(key, maxEntries);
    }

    @Override
    public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        return lookup(key).map(this::splitPerCpu);
    }

    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        update(key, joinPerCpu(values, "update"), flags);
    }
}

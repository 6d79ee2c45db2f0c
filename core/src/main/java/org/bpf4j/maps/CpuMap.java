package org.bpf4j.maps;

/**
 * {@code BPF_MAP_TYPE_CPUMAP}: u32 CPU index to {@code struct bpf_cpumap_val} ({@code u32 qsize}, and
 * with an 8-byte value {@code int bpf_prog.fd}). As cpumap.c: BPF_NOEXIST is EEXIST, an index past the
 * end E2BIG, a qsize over 16384 EOVERFLOW, a CPU the context does not have ENODEV, qsize 0 empties the
 * slot. Programs cannot look entries up (only redirect): {@link #target} gives the qsize.
 */
public final class CpuMap extends TargetArrayBase implements BpfMap {
    /** cpumap.c's sanity limit on qsize. */
    public static final int MAX_QSIZE = 16384;

    CpuMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        return 0;
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        int index = Mem.u32(key);
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        if (flags == MapFlags.BPF_NOEXIST) return Errno.EEXIST.negative();
        int qsize = Mem.u32(value);
        if (Integer.compareUnsigned(qsize, MAX_QSIZE) > 0) return Errno.EOVERFLOW.negative();
        if (Integer.compareUnsigned(index, cpus) >= 0) return Errno.ENODEV.negative();
        if (qsize == 0) {
            clear(index);
            return 0;
        }
        store(index, value);
        return 0;
    }
}

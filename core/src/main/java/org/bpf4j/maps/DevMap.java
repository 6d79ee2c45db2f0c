package org.bpf4j.maps;

/**
 * {@code BPF_MAP_TYPE_DEVMAP}: u32 index to {@code struct bpf_devmap_val} ({@code u32 ifindex}, and with
 * an 8-byte value {@code int bpf_prog.fd}). As devmap.c: BPF_NOEXIST is EEXIST, an index past the end
 * E2BIG; ifindex 0 empties the slot (EINVAL if it also names a program); delete always succeeds inside
 * the array. A program's lookup returns the address of the read-only entry, or 0. A program fd in the
 * value is stored, not resolved (no per-entry programs yet).
 */
public final class DevMap extends TargetArrayBase implements BpfMap {

    DevMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        int index = Mem.u32(key);
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        if (flags == MapFlags.BPF_NOEXIST) return Errno.EEXIST.negative();
        int ifindex = Mem.u32(value);
        if (ifindex == 0) {
            if (valueSize == 8 && Mem.u32(java.util.Arrays.copyOfRange(value, 4, 8)) > 0) return Errno.EINVAL.negative();
            clear(index);
            return 0;
        }
        store(index, value);
        return 0;
    }
}

package org.bpf4j.maps;

/**
 * {@code BPF_MAP_TYPE_XSKMAP}: u32 index to an AF_XDP socket. The kernel's value is a socket fd; bpf4j
 * stores the u32 as the socket's id. As xskmap.c: flags beyond BPF_EXIST are EINVAL, an index past the
 * end E2BIG, BPF_NOEXIST on a filled slot EEXIST, BPF_EXIST on an empty one ENOENT; the host cannot look
 * entries up (EOPNOTSUPP). A program's lookup returns the address of the read-only entry, or 0.
 */
public final class XskMap extends TargetArrayBase implements BpfMap {

    XskMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    @Override
    byte[] hostLookup(byte[] key) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "lookup: XSKMAP entries cannot be read from user space");
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        int index = Mem.u32(key);
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        boolean exists = has(index);
        if (exists && flags == MapFlags.BPF_NOEXIST) return Errno.EEXIST.negative();
        if (!exists && flags == MapFlags.BPF_EXIST) return Errno.ENOENT.negative();
        store(index, value);
        return 0;
    }
}

package org.bpf4j.maps;

import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_CGROUP_ARRAY}: slots hold cgroup references as opaque objects, for
 * bpf_skb_under_cgroup / bpf_current_task_under_cgroup. Minimal: objects declaring one load, the host
 * may fill it with {@link #set}; there are no cgroups in bpf4j yet.
 */
public final class CgroupArrayMap extends FdArrayBase implements BpfMap {

    CgroupArrayMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    /** Hot path: the cgroup object in slot {@code index}, or null. */
    public Object cgroup(long index) {
        return slot(index);
    }

    public void set(int index, Object cgroup) {
        ensureOpen();
        check(setSlot(index, java.util.Objects.requireNonNull(cgroup, "cgroup"), MapFlags.BPF_ANY), "update");
    }

    public Optional<Object> get(int index) {
        return Optional.ofNullable(slot(Integer.toUnsignedLong(index)));
    }

    @Override
    byte[] hostLookup(byte[] key) {
        throw BpfMapException.of(Errno.ENOTSUPP, spec, "lookup: not supported for cgroup arrays (as in the kernel)");
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "update: cgroup slots are set with set(index, cgroup)");
    }
}

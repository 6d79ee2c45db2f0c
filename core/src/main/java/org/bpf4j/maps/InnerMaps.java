package org.bpf4j.maps;

/** map_in_map.c: which maps may be inner maps, and when an inner map fits the outer map's template. */
final class InnerMaps {
    private InnerMaps() {}

    /** bpf_map_meta_alloc's checks on the template: 0 or -errno. */
    static int checkTemplate(MapSpec inner) {
        if (inner.type().mapInMap()) return Errno.EINVAL.negative(); // no more than one level
        return switch (inner.type()) {
            case PROG_ARRAY, CGROUP_STORAGE, PERCPU_CGROUP_STORAGE, STRUCT_OPS, SK_STORAGE, INODE_STORAGE,
                 TASK_STORAGE, CGRP_STORAGE -> Errno.ENOTSUPP.negative(); // no map_meta_equal
            default -> 0;
        };
    }

    /** bpf_map_meta_equal (array_map_meta_equal for arrays): type, sizes, flags, spin lock; max_entries for arrays without BPF_F_INNER_MAP. */
    static boolean compatible(MapSpec template, MapSpec inner) {
        boolean equal = template.type() == inner.type()
                && template.keySize() == inner.keySize()
                && template.valueSize() == inner.valueSize()
                && template.flags() == inner.flags()
                && template.spinLockOffset() == inner.spinLockOffset() && template.timerOffset() == inner.timerOffset();
        if (!equal) return false;
        if (template.type() == MapType.ARRAY && !template.hasFlag(MapFlags.BPF_F_INNER_MAP)) {
            return template.maxEntries() == inner.maxEntries();
        }
        return true;
    }

    /** The map with this id, if it fits the template: the map, or throws with EBADF / EINVAL. */
    static BpfMap resolve(MapBase outer, int mapId) {
        BpfMap inner = outer.ctx.mapById(mapId).orElseThrow(() ->
                BpfMapException.of(Errno.EBADF, outer.spec, "update: no map with id " + Integer.toUnsignedString(mapId)));
        check(outer, inner);
        return inner;
    }

    static void check(MapBase outer, BpfMap inner) {
        MapSpec template = outer.spec.innerMap().orElseThrow();
        if (!compatible(template, inner.spec())) {
            throw BpfMapException.of(Errno.EINVAL, outer.spec, "update: inner map '" + inner.name()
                    + "' does not match the inner map template (" + inner.spec() + " vs " + template + ")");
        }
    }
}

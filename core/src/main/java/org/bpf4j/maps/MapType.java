package org.bpf4j.maps;

import java.util.Optional;

/**
 * Every value of the kernel's {@code enum bpf_map_type} as of Linux 6.18, with its number. The constant
 * name is the kernel's without the {@code BPF_MAP_TYPE_} prefix. bpf4j implements a subset
 * ({@link #supported()}); creating any other type fails with {@code EOPNOTSUPP}.
 */
public enum MapType {
    UNSPEC(0),
    HASH(1),
    ARRAY(2),
    PROG_ARRAY(3),
    PERF_EVENT_ARRAY(4),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    STACK_TRACE(7),
    CGROUP_ARRAY(8),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    LPM_TRIE(11),
    ARRAY_OF_MAPS(12),
    HASH_OF_MAPS(13),
    DEVMAP(14),
    SOCKMAP(15),
    CPUMAP(16),
    XSKMAP(17),
    SOCKHASH(18),
    /**
     * Since 6.2 the kernel's enumerator is {@code BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED}, with
     * {@code BPF_MAP_TYPE_CGROUP_STORAGE} an alias of the same value; objects use the alias.
     */
    CGROUP_STORAGE(19),
    REUSEPORT_SOCKARRAY(20),
    PERCPU_CGROUP_STORAGE(21),
    QUEUE(22),
    STACK(23),
    SK_STORAGE(24),
    DEVMAP_HASH(25),
    STRUCT_OPS(26),
    RINGBUF(27),
    INODE_STORAGE(28),
    TASK_STORAGE(29),
    BLOOM_FILTER(30),
    USER_RINGBUF(31),
    CGRP_STORAGE(32),
    ARENA(33);

    private static final MapType[] BY_ID = values();

    private final int id;

    MapType(int id) {
        this.id = id;
    }

    /** The kernel's number for this type. */
    public int id() { return id; }

    /** {@code BPF_MAP_TYPE_HASH}. */
    public String kernelName() { return "BPF_MAP_TYPE_" + name(); }

    /** The type with this kernel id, or empty when this build does not know the id. */
    public static Optional<MapType> byId(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[(int) id]) : Optional.empty();
    }

    /** Maps whose values are other maps: their spec carries an inner map. */
    public boolean isMapOfMaps() { return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS; }

    /** By kernel name, with or without the prefix ({@code "hash"}, {@code "BPF_MAP_TYPE_HASH"}). */
    public static Optional<MapType> byName(String name) {
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (n.startsWith("BPF_MAP_TYPE_")) n = n.substring("BPF_MAP_TYPE_".length());
        if (n.equals("CGROUP_STORAGE_DEPRECATED")) return Optional.of(CGROUP_STORAGE);
        for (MapType t : BY_ID) {
            if (t.name().equals(n)) return Optional.of(t);
        }
        return Optional.empty();
    }

    /** Whether values are per CPU (one value per CPU slot). */
    public boolean perCpu() {
        return this == PERCPU_ARRAY || this == PERCPU_HASH || this == LRU_PERCPU_HASH || this == PERCPU_CGROUP_STORAGE;
    }

    /** Whether values are other maps. */
    public boolean mapInMap() {
        return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS;
    }

    /** Whether bpf4j can create maps of this type. */
    public boolean supported() {
        return switch (this) {
            case HASH, ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, PERCPU_HASH, PERCPU_ARRAY, STACK_TRACE, CGROUP_ARRAY,
                 LRU_HASH, LRU_PERCPU_HASH, LPM_TRIE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, CPUMAP, XSKMAP, QUEUE,
                 STACK, DEVMAP_HASH, RINGBUF, BLOOM_FILTER -> true;
            default -> false;
        };
    }
}

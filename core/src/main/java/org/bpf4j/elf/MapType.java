package org.bpf4j.elf;

import java.util.Optional;

/**
 * The kernel's map types ({@code enum bpf_map_type}) with their numeric ids, as of Linux 6.18. The
 * constant name drops the {@code BPF_MAP_TYPE_} prefix.
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

    MapType(int id) { this.id = id; }

    /** The kernel's numeric value. */
    public int id() { return id; }

    /** The constant with this kernel id, or empty when this build does not know the id. */
    public static Optional<MapType> ofId(long id) {
        // Ids are dense from 0: the ordinal is the id.
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[(int) id]) : Optional.empty();
    }

    /** Maps whose values are other maps: their spec carries an inner map. */
    public boolean isMapOfMaps() { return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS; }
}

package org.bpf4j.verifier;

/**
 * What the verifier needs to know of a map a program references (by index: {@code lddw} with
 * {@code src=PSEUDO_MAP_FD/IDX} carries the index into the list handed to the verifier in its imm).
 *
 * @param type the kernel's {@code enum bpf_map_type} value
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries maximum entries
 * @param flags map flags ({@link #F_RDONLY_PROG}, {@link #F_WRONLY_PROG}, ...)
 * @param name the map's name for the log (may be empty)
 * @param frozen whether the map is frozen: with {@link #F_RDONLY_PROG}, loads of constant offsets read
 *     {@code data}
 * @param data the value of the single element of a frozen read-only array (or null)
 * @param fields where the value's spin lock and timer sit (from its BTF)
 * @param inner for maps of maps: the inner map template every inner map matches, else null
 */
public record MapInfo(int type, int keySize, int valueSize, int maxEntries, int flags, String name,
                      boolean frozen, byte[] data, MapValueFields fields, MapInfo inner) {

    public static final int HASH = 1, ARRAY = 2, PROG_ARRAY = 3, PERF_EVENT_ARRAY = 4, PERCPU_HASH = 5,
            PERCPU_ARRAY = 6, STACK_TRACE = 7, CGROUP_ARRAY = 8, LRU_HASH = 9, LRU_PERCPU_HASH = 10,
            LPM_TRIE = 11, ARRAY_OF_MAPS = 12, HASH_OF_MAPS = 13, DEVMAP = 14, SOCKMAP = 15, CPUMAP = 16,
            XSKMAP = 17, SOCKHASH = 18, CGROUP_STORAGE = 19, REUSEPORT_SOCKARRAY = 20,
            PERCPU_CGROUP_STORAGE = 21, QUEUE = 22, STACK = 23, SK_STORAGE = 24, DEVMAP_HASH = 25,
            STRUCT_OPS = 26, RINGBUF = 27, INODE_STORAGE = 28, TASK_STORAGE = 29, BLOOM_FILTER = 30,
            USER_RINGBUF = 31, CGRP_STORAGE = 32, ARENA = 33;

    public static final int F_RDONLY_PROG = 1 << 7;
    public static final int F_WRONLY_PROG = 1 << 8;

    public MapInfo {
        name = name == null ? "" : name;
        fields = fields == null ? MapValueFields.NONE : fields;
    }

    /** A map without BTF of its value and without inner map. */
    public MapInfo(int type, int keySize, int valueSize, int maxEntries, int flags, String name, boolean frozen, byte[] data) {
        this(type, keySize, valueSize, maxEntries, flags, name, frozen, data, MapValueFields.NONE, null);
    }

    public static MapInfo of(int type, int keySize, int valueSize, int maxEntries) {
        return new MapInfo(type, keySize, valueSize, maxEntries, 0, "", false, null);
    }

    public MapInfo withFields(MapValueFields f) {
        return new MapInfo(type, keySize, valueSize, maxEntries, flags, name, frozen, data, f, inner);
    }

    public MapInfo withInner(MapInfo m) {
        return new MapInfo(type, keySize, valueSize, maxEntries, flags, name, frozen, data, fields, m);
    }

    public boolean isMapOfMaps() { return type == ARRAY_OF_MAPS || type == HASH_OF_MAPS; }

    public boolean readOnlyForProgram() { return (flags & F_RDONLY_PROG) != 0; }

    public boolean writeOnlyForProgram() { return (flags & F_WRONLY_PROG) != 0; }
}

package org.bpf4j.maps;

import static org.bpf4j.maps.MapFlags.*;

import java.util.Optional;

/**
 * Creates maps from specs, with the kernel's create-time checks and errors (Linux 6.18:
 * {@code map_create} in syscall.c, then the type's {@code map_alloc_check}/{@code map_alloc}). A
 * failure throws a {@link BpfMapException} with the kernel's errno and a message naming the map.
 */
public final class BpfMaps {
    private BpfMaps() {}

    /** The kernel's KMALLOC_MAX_SIZE on x86-64 (SLUB: 2^(MAX_PAGE_ORDER + PAGE_SHIFT) = 4 MiB). */
    public static final long KMALLOC_MAX_SIZE = 1L << 22;
    /** PCPU_MIN_UNIT_SIZE: the largest per-CPU value. */
    public static final long PCPU_MIN_UNIT_SIZE = 32 << 10;
    /** sizeof(struct htab_elem) on 64-bit. */
    static final long HTAB_ELEM_SIZE = 48;
    /** sizeof(struct lpm_trie_node) in 6.18. */
    static final long LPM_TRIE_NODE_SIZE = 24;
    /** CONFIG_NR_CPUS of common distribution kernels: the CPUMAP max_entries limit. */
    public static final int NR_CPUS = 8192;
    /** sysctl kernel.perf_event_max_stack default. */
    public static final int PERF_EVENT_MAX_STACK = 127;
    /** bpf4j's own limit on max_entries of maps whose slots are Java arrays (ENOMEM beyond). */
    public static final long JAVA_SLOTS_LIMIT = 1L << 26;
    static final long PAGE_SIZE = 4096;

    /** The map type with this kernel number; EINVAL (as the kernel) when there is none. */
    public static MapType type(int id) {
        return MapType.byId(id).filter(t -> t != MapType.UNSPEC).orElseThrow(() ->
                new BpfMapException(Errno.EINVAL, "", "unknown map type " + id + " (BPF_MAP_CREATE: EINVAL)"));
    }

    /** Creates a map in {@code ctx} after the kernel's checks; the map is registered under a new id. */
    public static BpfMap create(MapSpec spec, MapContext ctx) {
        check(spec, ctx);
        int id = ctx.reserveId();
        BpfMap map = switch (spec.type()) {
            case ARRAY -> new ArrayMap(spec, ctx, id);
            case PERCPU_ARRAY -> new PerCpuArrayMap(spec, ctx, id);
            case HASH, LRU_HASH -> new HashTableMap(spec, ctx, id);
            case PERCPU_HASH, LRU_PERCPU_HASH -> new PerCpuHashMap(spec, ctx, id);
            case LPM_TRIE -> new LpmTrieMap(spec, ctx, id);
            case RINGBUF -> new RingBufMap(spec, ctx, id);
            case PERF_EVENT_ARRAY -> new PerfEventArrayMap(spec, ctx, id);
            case PROG_ARRAY -> new ProgArrayMap(spec, ctx, id);
            case CGROUP_ARRAY -> new CgroupArrayMap(spec, ctx, id);
            case ARRAY_OF_MAPS -> new ArrayOfMapsMap(spec, ctx, id);
            case HASH_OF_MAPS -> new HashOfMapsMap(spec, ctx, id);
            case QUEUE -> new QueueMap(spec, ctx, id);
            case STACK -> new StackMap(spec, ctx, id);
            case BLOOM_FILTER -> new BloomFilterMap(spec, ctx, id);
            case DEVMAP -> new DevMap(spec, ctx, id);
            case DEVMAP_HASH -> new DevMapHash(spec, ctx, id);
            case CPUMAP -> new CpuMap(spec, ctx, id);
            case XSKMAP -> new XskMap(spec, ctx, id);
            case STACK_TRACE -> new StackTraceMap(spec, ctx, id);
            default -> throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "map type " + spec.type().kernelName() + " is not supported by bpf4j");
        };
        ctx.publish(id, map);
        return map;
    }

    /** Runs the kernel's create-time checks only (throws as {@link #create} would). */
    public static void check(MapSpec spec, MapContext ctx) {
        int rc = checkCode(spec, ctx.cpus());
        if (rc != 0) throw BpfMapException.of(Errno.of(rc).orElse(Errno.EINVAL), spec, why(spec, rc));
    }

    /** 0 or the kernel's -errno for creating this map. */
    static int checkCode(MapSpec s, int cpus) {
        MapType t = s.type();
        if (t == MapType.UNSPEC) return einval();
        if (s.mapExtra() != 0 && t != MapType.BLOOM_FILTER && t != MapType.ARENA) return einval();
        if (s.hasFlag(BPF_F_RDONLY) && s.hasFlag(BPF_F_WRONLY)) return einval();
        if (!t.supported()) return Errno.EOPNOTSUPP.negative();
        int rc = typeCheck(s, cpus);
        if (rc != 0) return rc;
        if (s.spinLockOffset() >= 0) {
            if (t != MapType.HASH && t != MapType.ARRAY) return Errno.EOPNOTSUPP.negative();
            if ((s.spinLockOffset() & 3) != 0 || s.spinLockOffset() + 4L > s.valueSizeU32()) return einval();
        }
        if (s.timerOffset() >= 0) { // map_check_btf: timers in hashes and arrays only
            if (t != MapType.HASH && t != MapType.LRU_HASH && t != MapType.ARRAY) return Errno.EOPNOTSUPP.negative();
            if ((s.timerOffset() & 7) != 0 || s.timerOffset() + (long) ValueFields.TIMER_SIZE > s.valueSizeU32()) return einval();
        }
        if (t.mapInMap()) {
            if (s.innerMap().isEmpty()) return Errno.EBADF.negative();
            MapSpec inner = s.innerMap().get();
            rc = InnerMaps.checkTemplate(inner);
            if (rc != 0) return rc;
            rc = checkCode(inner, cpus);
            if (rc != 0) return rc;
        }
        return 0;
    }

    private static int typeCheck(MapSpec s, int cpus) {
        int f = s.flags();
        long key = s.keySizeU32();
        long value = s.valueSizeU32();
        long max = s.maxEntriesU32();
        MapType t = s.type();
        boolean accessOk = !(s.hasFlag(BPF_F_RDONLY_PROG) && s.hasFlag(BPF_F_WRONLY_PROG));
        switch (t) {
            case ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS -> {
                boolean fd = t != MapType.ARRAY && t != MapType.PERCPU_ARRAY;
                if (fd && (value != 4 || (f & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != 0)) return einval();
                boolean percpu = t == MapType.PERCPU_ARRAY;
                int mask = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
                if (max == 0 || key != 4 || value == 0 || (f & ~mask) != 0 || !accessOk
                        || (percpu && s.hasFlag(BPF_F_NUMA_NODE))) return einval();
                if (t != MapType.ARRAY && (f & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) != 0) return einval();
                if (t != MapType.PERF_EVENT_ARRAY && s.hasFlag(BPF_F_PRESERVE_ELEMS)) return einval();
                if (value > Integer.MAX_VALUE) return e2big();
                if (percpu && MapBase.round8(value) > PCPU_MIN_UNIT_SIZE) return e2big();
                if (fd && max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                if (max > Integer.MAX_VALUE) return Errno.ENOMEM.negative();
                return 0;
            }
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS -> {
                if (t == MapType.HASH_OF_MAPS && value != 4) return einval();
                boolean percpu = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
                boolean lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
                boolean prealloc = !s.hasFlag(BPF_F_NO_PREALLOC);
                boolean percpuLru = s.hasFlag(BPF_F_NO_COMMON_LRU);
                int mask = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;
                if ((f & ~mask) != 0 || !accessOk) return einval();
                if (!lru && percpuLru) return einval();
                if (lru && !prealloc) return Errno.ENOTSUPP.negative();
                if (s.hasFlag(BPF_F_NUMA_NODE) && (percpu || percpuLru)) return einval();
                if (max == 0 || key == 0 || value == 0) return einval();
                if (key + value >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) return e2big();
                if (percpu && MapBase.round8(value) > PCPU_MIN_UNIT_SIZE) return e2big();
                if (max > (1L << 31)) return e2big();
                if (roundupPow2(max) > 0xffffffffL / 16) return e2big(); // n_buckets * sizeof(struct bucket)
                if (max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                return 0;
            }
            case LPM_TRIE -> {
                int mask = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;
                if (max == 0 || !s.hasFlag(BPF_F_NO_PREALLOC) || (f & ~mask) != 0 || !accessOk
                        || key < 4 + 1 || key > 4 + 256
                        || value < 1 || value > KMALLOC_MAX_SIZE - 256 - LPM_TRIE_NODE_SIZE) return einval();
                if (max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                return 0;
            }
            case RINGBUF -> {
                if ((f & ~BPF_F_NUMA_NODE) != 0) return einval();
                if (key != 0 || value != 0 || Long.bitCount(max) != 1 || (max & (PAGE_SIZE - 1)) != 0) return einval();
                return 0;
            }
            case QUEUE, STACK -> {
                if (max == 0 || key != 0 || value == 0 || (f & ~(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK)) != 0 || !accessOk) return einval();
                if (value > KMALLOC_MAX_SIZE) return e2big();
                if ((max + 1) * value > Integer.MAX_VALUE) return Errno.ENOMEM.negative();
                return 0;
            }
            case BLOOM_FILTER -> {
                if (key != 0 || value == 0 || max == 0 || (f & ~(BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK)) != 0
                        || !accessOk || (s.mapExtra() & ~0xfL) != 0) return einval();
                if (value > KMALLOC_MAX_SIZE) return e2big();
                return 0;
            }
            case DEVMAP, DEVMAP_HASH -> {
                if (max == 0 || key != 4 || (value != 4 && value != 8) || (f & ~(BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK)) != 0) return einval();
                if (t == MapType.DEVMAP_HASH && max > (1L << 31)) return einval();
                if (max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                return 0;
            }
            case CPUMAP -> {
                if (max == 0 || key != 4 || (value != 4 && value != 8) || (f & ~BPF_F_NUMA_NODE) != 0) return einval();
                if (max > NR_CPUS) return e2big();
                return 0;
            }
            case XSKMAP -> {
                if (max == 0 || key != 4 || value != 4 || (f & ~(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)) != 0) return einval();
                if (max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                return 0;
            }
            case STACK_TRACE -> {
                if ((f & ~(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)) != 0) return einval();
                if (max == 0 || key != 4 || value < 8 || value % 8 != 0) return einval();
                if (s.hasFlag(BPF_F_STACK_BUILD_ID)) {
                    if (value % 32 != 0) return einval();
                } else if (value / 8 > PERF_EVENT_MAX_STACK) {
                    return einval();
                }
                if (max > (1L << 31)) return e2big();
                if (max > JAVA_SLOTS_LIMIT) return Errno.ENOMEM.negative();
                return 0;
            }
            default -> {
                return Errno.EOPNOTSUPP.negative();
            }
        }
    }

    private static long roundupPow2(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }

    private static int einval() { return Errno.EINVAL.negative(); }

    private static int e2big() { return Errno.E2BIG.negative(); }

    /** A one-line reason for a create failure, naming what the kernel checked. */
    private static String why(MapSpec s, int rc) {
        Errno e = Errno.of(rc).orElse(Errno.EINVAL);
        String attrs = String.format("key_size %d, value_size %d, max_entries %d, map_flags 0x%x%s", s.keySizeU32(),
                s.valueSizeU32(), s.maxEntriesU32(), s.flags(), s.mapExtra() != 0 ? ", map_extra " + s.mapExtra() : "");
        String what = switch (e) {
            case EOPNOTSUPP -> (s.spinLockOffset() >= 0 || s.timerOffset() >= 0) && s.type().supported()
                    ? (s.spinLockOffset() >= 0 && s.type() != MapType.HASH && s.type() != MapType.ARRAY ? "bpf_spin_lock" : "bpf_timer")
                        + " is not allowed in " + s.type().kernelName() + " values"
                    : "map type " + s.type().kernelName() + " is not supported by bpf4j";
            case EBADF -> "a map of maps needs an inner map spec";
            case ENOTSUPP -> s.type().mapInMap() ? "inner map type not allowed in a map of maps"
                    : "LRU maps cannot be BPF_F_NO_PREALLOC";
            case ENOMEM -> "too large to allocate";
            case E2BIG -> "key, value or max_entries too large";
            default -> "invalid attributes";
        };
        return "create: " + what + " (" + attrs + ")";
    }

    /** Convenience: the map with this handle in the context, as a specific class. */
    public static <T extends BpfMap> Optional<T> byHandle(MapContext ctx, long handle, Class<T> type) {
        MapOps m = ctx.mapByHandle(handle);
        return type.isInstance(m) ? Optional.of(type.cast(m)) : Optional.empty();
    }
}

package org.bpf4j.maps;

import java.util.List;
import java.util.Optional;

/**
 * A BPF map: the kernel's semantics, its values in BPF memory.
 *
 * <p><b>Program side</b> (what helpers call; allocation-free): pointers are BPF addresses, results are
 * the kernel's — a value address or 0, 0 or {@code -errno}. The key (and value) memory is read where the
 * address points; the caller (a helper in checked mode, or the verifier for typed programs) has made sure
 * it lies inside live BPF memory. A value address returned by {@link #lookup(long, int)} stays valid for
 * the rest of the calling run, as long as the run is inside {@link Epochs#enter}/{@link Epochs#exit}.
 *
 * <p><b>Host side</b> (Java API; may allocate): byte arrays in the kernel's syscall layout — per-CPU
 * values are all CPUs' values, each rounded up to 8 bytes, concatenated — and failures throw a
 * {@link BpfMapException} with the kernel's errno.
 */
public sealed interface BpfMap extends AutoCloseable
        permits ArrayMap, PerCpuArrayMap, HashTableMap, PerCpuHashMap, LpmTrieMap,
                RingBufMap, PerfEventArrayMap, ProgArrayMap, QueueMap, StackMap, BloomFilterMap, ArrayOfMapsMap,
                HashOfMapsMap, DevMap, DevMapHash, CpuMap, XskMap, StackTraceMap, CgroupArrayMap {

    MapSpec spec();

    default String name() { return spec().name(); }

    default MapType type() { return spec().type(); }

    /** The map's id in its {@link MapContext} (what the kernel's syscall API reports for a map). */
    int id();

    /** What a program register holds for this map ({@link MapContext#mapByHandle}). */
    long handle();

    // ---- program side: zero allocation ----

    /** bpf_map_lookup_elem: the value's address for {@code cpu}, or 0. */
    long lookup(long keyAddr, int cpu);

    /** bpf_map_update_elem from a program: 0 or -errno. */
    int update(long keyAddr, long valueAddr, long flags, int cpu);

    /** bpf_map_delete_elem: 0 or -errno. */
    int delete(long keyAddr);

    /** bpf_map_push_elem (queue, stack, bloom filter): 0 or -errno. */
    default int push(long valueAddr, long flags) { return Errno.EINVAL.negative(); }

    /** bpf_map_pop_elem (queue, stack): copies the value to {@code valueAddr}; 0 or -errno. */
    default int pop(long valueAddr) { return Errno.EINVAL.negative(); }

    /** bpf_map_peek_elem (queue, stack, bloom filter): 0 or -errno. */
    default int peek(long valueAddr) { return Errno.EINVAL.negative(); }

    /**
     * What {@link #forEachElement} calls for each element: the key's and the value's addresses, both valid
     * BPF memory for the duration of the call; a non-zero result stops the walk.
     */
    @FunctionalInterface
    interface ElementVisitor {
        long visit(long keyAddr, long valueAddr);
    }

    /**
     * bpf_for_each_map_elem: visits the elements in the kernel's order (arrays by index; hash maps bucket
     * by bucket, each chain newest first), per-CPU maps with {@code cpu}'s value, until {@code visitor}
     * returns non-zero. Array keys are written to {@code keyScratch} (4 bytes of BPF memory the caller
     * owns) since an array stores none. Returns the number of elements visited (the stopping one
     * included), or -EOPNOTSUPP for map types the kernel has no walk for (the verifier refuses those).
     */
    default long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return Errno.EOPNOTSUPP.negative();
    }

    // ---- host side ----

    /** BPF_MAP_LOOKUP_ELEM: the value (all CPUs' values for a per-CPU map), or empty for ENOENT. */
    Optional<byte[]> lookup(byte[] key);

    /**
     * BPF_MAP_LOOKUP_ELEM with flags: {@code BPF_F_LOCK} copies the value under its spin lock (EINVAL when
     * the value has none); any other flag is EINVAL.
     */
    Optional<byte[]> lookup(byte[] key, long flags);

    /** BPF_MAP_UPDATE_ELEM with {@link MapFlags#BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}, {@code BPF_F_LOCK}. */
    void update(byte[] key, byte[] value, long flags);

    default void update(byte[] key, byte[] value) { update(key, value, MapFlags.BPF_ANY); }

    /** BPF_MAP_DELETE_ELEM; throws ENOENT when there is no such key (as the kernel does). */
    void delete(byte[] key);

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: pop for queue/stack; for hash maps lookup then delete. */
    default Optional<byte[]> lookupAndDelete(byte[] key) {
        throw BpfMapException.of(Errno.ENOTSUPP, spec(), "lookup_and_delete is not supported by this map type");
    }

    /** BPF_MAP_GET_NEXT_KEY: the key after {@code key} (the first key when {@code key} is null or absent). */
    Optional<byte[]> nextKey(byte[] key);

    /** All keys, in {@link #nextKey} order. */
    default List<byte[]> keys() {
        List<byte[]> out = new java.util.ArrayList<>();
        byte[] k = null;
        while (true) {
            Optional<byte[]> next = nextKey(k);
            if (next.isEmpty()) return out;
            k = next.get();
            out.add(k);
        }
    }

    /** Per-CPU maps: one value (of value_size bytes) per CPU slot, or empty for ENOENT. */
    default Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        throw BpfMapException.of(Errno.EINVAL, spec(), "not a per-CPU map");
    }

    /** Per-CPU maps: sets every CPU slot's value (each value_size bytes). */
    default void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        throw BpfMapException.of(Errno.EINVAL, spec(), "not a per-CPU map");
    }

    /** Bytes of a value in the host API: value_size, or round_up(value_size, 8) * CPUs for per-CPU maps. */
    int hostValueSize();

    /**
     * Releases the map: it leaves its context's registry now; its BPF memory is freed once every run
     * that might still reach it has ended.
     */
    @Override
    void close();

    /** BPF_MAP_FREEZE: no more updates from the host side (programs still write unless BPF_F_RDONLY_PROG). */
    void freeze();
}

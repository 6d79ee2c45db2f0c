package org.bpf4j.maps;

import java.util.List;
import java.util.Optional;
import org.bpf4j.api.Batch;
import org.bpf4j.api.BatchCursor;
import org.bpf4j.api.MapHandle;
import org.bpf4j.api.RingReader;
import org.bpf4j.btf.MapBtf;

/**
 * A BPF map as a Java program uses it (the kernel's {@code bpf(2)} map commands): the kernel's semantics,
 * its values in BPF memory. Keys and values are byte arrays in the kernel's syscall layout — per-CPU
 * values are all CPUs' values, each rounded up to 8 bytes, concatenated — and failures throw a
 * {@link BpfMapException} with the kernel's errno. What programs and helpers do to the map on BPF
 * addresses is {@link #ops()}. As a {@link MapHandle} it is interchangeable with the kernel backend's maps.
 */
public sealed interface BpfMap extends MapHandle
        permits ArrayMap, PerCpuArrayMap, HashTableMap, PerCpuHashMap, LpmTrieMap,
                RingBufMap, PerfEventArrayMap, ProgArrayMap, QueueMap, StackMap, BloomFilterMap, ArrayOfMapsMap,
                HashOfMapsMap, DevMap, DevMapHash, CpuMap, XskMap, StackTraceMap, CgroupArrayMap {

    MapSpec spec();

    default String name() { return spec().name(); }

    default MapType type() { return spec().type(); }

    default int keySize() { return spec().keySize(); }

    default int valueSize() { return spec().valueSize(); }

    default int maxEntries() { return spec().maxEntries(); }

    /** The key's and value's BTF types the loader found for the map ({@link MapSpec#btf()}). */
    default Optional<MapBtf> btf() { return spec().btf(); }

    /** The map's id in its {@link MapContext} (what the kernel's syscall API reports for a map). */
    int id();

    /** The map as programs use it: raw BPF addresses, kernel return codes, no allocation. */
    default MapOps ops() { return (MapOps) this; }

    /** BPF_MAP_LOOKUP_ELEM: the value (all CPUs' values for a per-CPU map), or empty for ENOENT. */
    @Override
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

    @Override
    default Batch lookupBatch(Optional<BatchCursor> from, int count, long elemFlags) {
        return MapBatches.lookup(this, from, count, elemFlags, false);
    }

    @Override
    default Batch lookupAndDeleteBatch(Optional<BatchCursor> from, int count, long elemFlags) {
        return MapBatches.lookup(this, from, count, elemFlags, true);
    }

    @Override
    default int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags) {
        return MapBatches.update(this, keys, values, elemFlags);
    }

    @Override
    default int deleteBatch(List<byte[]> keys, long elemFlags) {
        return MapBatches.delete(this, keys, elemFlags);
    }

    /** A reader of this ring buffer's records; closing it releases nothing (the ring is the map's memory). */
    @Override
    default RingReader openRingBuffer() {
        if (!(this instanceof RingBufMap ring)) throw new IllegalArgumentException("map " + name() + " is a " + type() + " map, not a ring buffer");
        return new RingReader(ring.reader(), () -> { }); // the ring's own reader: one consumer, as the kernel's ring has
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

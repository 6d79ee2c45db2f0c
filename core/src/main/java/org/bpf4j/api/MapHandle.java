package org.bpf4j.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.MapBtf;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;

/**
 * A BPF map as user space sees it through {@code bpf(2)}, in either backend: bpf4j's own maps
 * ({@code org.bpf4j.maps.BpfMap}) and the kernel's ({@code org.bpf4j.linux.KernelMap}) implement it with the
 * kernel's semantics, so code written against it runs unchanged on both (cilium/ebpf's {@code ebpf.Map}).
 *
 * <p>Keys and values are byte arrays in the kernel's syscall layout: a per-CPU map's value is every possible
 * CPU's value, each rounded up to 8 bytes, one after the other ({@link #hostValueSize()} bytes;
 * {@link #lookupPerCpu} splits it). Failures the kernel reports with an errno throw an {@link ErrnoException}
 * carrying it; {@link #typed} reads and writes keys and values as Java records through the map's BTF types.
 */
public interface MapHandle extends AutoCloseable {

    String name();

    MapType type();

    int keySize();

    /** value_size: one CPU's value for a per-CPU map. */
    int valueSize();

    int maxEntries();

    /** Bytes of a value in this API: value_size, or round_up(value_size, 8) * possible CPUs for per-CPU maps. */
    int hostValueSize();

    /** {@code BPF_MAP_LOOKUP_ELEM}: the value, or empty for {@code ENOENT}. */
    default Optional<byte[]> lookup(byte[] key) { return lookup(key, 0); }

    /** {@code BPF_MAP_LOOKUP_ELEM} with flags ({@link MapFlags#BPF_F_LOCK}: copied under the value's spin lock). */
    Optional<byte[]> lookup(byte[] key, long flags);

    /** {@code BPF_MAP_UPDATE_ELEM} with {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST} and {@code BPF_F_LOCK}. */
    void update(byte[] key, byte[] value, long flags);

    default void update(byte[] key, byte[] value) { update(key, value, MapFlags.BPF_ANY); }

    /** {@code BPF_MAP_DELETE_ELEM}; {@code ENOENT} when there is no such key, {@code EINVAL} on an array. */
    void delete(byte[] key);

    /** {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM}: pop for a queue or stack ({@code key} null), take for a hash. */
    Optional<byte[]> lookupAndDelete(byte[] key);

    /** {@code BPF_MAP_GET_NEXT_KEY}: the key after {@code key}, the first key when {@code key} is null. */
    Optional<byte[]> nextKey(byte[] key);

    /** All keys, in {@link #nextKey} order. */
    List<byte[]> keys();

    /** Every entry, in {@link #nextKey} order; a key deleted between the walk and its lookup is left out. */
    default List<MapEntry> entries() {
        List<MapEntry> out = new ArrayList<>();
        for (byte[] key : keys()) lookup(key).ifPresent(v -> out.add(new MapEntry(key, v)));
        return out;
    }

    /** A per-CPU map's value: one value of value_size bytes per possible CPU, or empty for {@code ENOENT}. */
    Optional<List<byte[]>> lookupPerCpu(byte[] key);

    /** Sets a per-CPU map's value on every possible CPU (one value_size array each). */
    void updatePerCpu(byte[] key, List<byte[]> values, long flags);

    /**
     * {@code BPF_MAP_LOOKUP_BATCH}: up to {@code count} entries from {@code from} (the start when empty), as the
     * kernel's generic_map_lookup_batch (arrays, LPM tries) and htab_map_lookup_batch (hash maps, whole
     * buckets: {@code ENOSPC} when the first bucket holds more than {@code count}) hand them out. The result's
     * {@link Batch#next() next} cursor continues the walk; it is empty once the kernel said {@code ENOENT}
     * (the end), which may come with the last entries. {@code elemFlags}: 0 or {@link MapFlags#BPF_F_LOCK}.
     *
     * @throws ErrnoException {@code ENOTSUPP} for map types without batch operations
     */
    Batch lookupBatch(Optional<BatchCursor> from, int count, long elemFlags);

    /** {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}: as {@link #lookupBatch}, deleting what it returns (hash maps only). */
    Batch lookupAndDeleteBatch(Optional<BatchCursor> from, int count, long elemFlags);

    /**
     * {@code BPF_MAP_UPDATE_BATCH}: {@code keys.get(i)} set to {@code values.get(i)} in order, as the kernel's
     * generic_map_update_batch: {@code elemFlags} 0 ({@code BPF_ANY}) or {@link MapFlags#BPF_F_LOCK}; the first
     * failure stops the batch and throws, its message saying how many elements were written.
     *
     * @return the number of elements written: all of them
     */
    int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags);

    /** {@code BPF_MAP_DELETE_BATCH}: the keys deleted in order; the first failure stops and throws (hash maps, LPM tries). */
    int deleteBatch(List<byte[]> keys, long elemFlags);

    /**
     * Every entry, read with {@link #lookupBatch} {@code count} at a time (what {@code bpftool map dump} does with
     * batches). The walk stops at max_entries entries: a hash map changed meanwhile may hand a key out twice.
     * A kernel hash bucket holding more than {@code count} entries fails a batch with {@code ENOSPC}
     * (htab_map_lookup_batch, before it hands anything out): the batch is then read again from the same place,
     * twice as large, as a caller of the syscall must.
     */
    default List<MapEntry> lookupAll(int count) {
        List<MapEntry> out = new ArrayList<>();
        Optional<BatchCursor> cursor = Optional.empty();
        int size = count;
        while (true) {
            Batch b;
            try {
                b = lookupBatch(cursor, size, 0);
            } catch (ErrnoException e) {
                if (!e.is(org.bpf4j.maps.Errno.ENOSPC) || Integer.toUnsignedLong(size) >= Integer.toUnsignedLong(maxEntries())) throw e;
                size = (int) Math.min(Math.min(2L * size, Integer.toUnsignedLong(maxEntries())), Integer.MAX_VALUE);
                continue;
            }
            for (int i = 0; i < b.keys().size(); i++) out.add(new MapEntry(b.keys().get(i), b.values().get(i)));
            cursor = b.next();
            if (cursor.isEmpty() || Integer.toUnsignedLong(out.size()) >= Integer.toUnsignedLong(maxEntries())) return out;
        }
    }

    /** {@code BPF_MAP_FREEZE}: the syscall side may no longer write. */
    void freeze();

    /** The BTF types of the map's key and value, from the object it was loaded from (maps declared with BTF). */
    Optional<MapBtf> btf();

    /**
     * This map with keys and values as Java values encoded through its BTF types: records whose components
     * name the struct's members, numbers, {@code byte[]} or {@code String} for {@code char} arrays, arrays,
     * nested records, or {@code Map<String, Object>} ({@code Map.class}) of field names.
     *
     * @throws IllegalArgumentException when the map has no BTF types, or a class does not match its type (which
     *     component, which size)
     */
    default <K, V> TypedMap<K, V> typed(Class<K> keyType, Class<V> valueType) {
        MapBtf types = btf().orElseThrow(() -> new IllegalArgumentException("map " + name()
                + " has no BTF key and value types (a map declared without __type(key, ...) and __type(value, ...))"));
        return new TypedMap<>(this, types, keyType, valueType);
    }

    /**
     * This ring buffer ({@code BPF_MAP_TYPE_RINGBUF}) opened for reading; close the reader when done (it
     * unmaps the kernel's ring), the map stays open.
     *
     * @throws IllegalArgumentException when the map is not a ring buffer
     */
    RingReader openRingBuffer();

    /** Releases the map: the kernel's fd is closed; bpf4j's memory is freed once no run can reach it. */
    @Override
    void close();
}

package org.bpf4j.maps;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.api.Batch;
import org.bpf4j.api.BatchCursor;

/**
 * The batch commands on bpf4j's maps, with the kernel's semantics (kernel/bpf/syscall.c): which map types have
 * which batch operation (their {@code bpf_map_ops}; the others fail with {@code ENOTSUPP}), {@code elem_flags}
 * 0 or {@code BPF_F_LOCK}, lookups as generic_map_lookup_batch walks (get_next_key from the cursor, the last
 * key handed out as the next cursor, {@code ENOENT} at the end), updates and deletes element by element until
 * the first failure (generic_map_update_batch, generic_map_delete_batch). bpf4j's hash maps have no kernel
 * buckets: they hand out exactly {@code count} entries a batch where the kernel hands out whole buckets, so a
 * batch never fails with the kernel's {@code ENOSPC} for a bucket larger than {@code count}.
 */
final class MapBatches {
    private MapBatches() {}

    private static final Set<MapType> HASHES = EnumSet.of(MapType.HASH, MapType.LRU_HASH, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH);
    private static final Set<MapType> LOOKUP = EnumSet.of(MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.ARRAY_OF_MAPS, MapType.LPM_TRIE,
            MapType.HASH, MapType.LRU_HASH, MapType.PERCPU_HASH, MapType.LRU_PERCPU_HASH);
    private static final Set<MapType> UPDATE = LOOKUP;
    private static final Set<MapType> DELETE = EnumSet.of(MapType.LPM_TRIE, MapType.HASH, MapType.LRU_HASH, MapType.PERCPU_HASH,
            MapType.LRU_PERCPU_HASH);

    private static void check(BpfMap m, Set<MapType> types, String op, long elemFlags, int count) {
        if (!types.contains(m.type())) throw BpfMapException.of(Errno.ENOTSUPP, m.spec(), op + ": the map type has no batch " + op);
        if ((elemFlags & ~MapFlags.BPF_F_LOCK) != 0 || elemFlags != 0 && m.spec().spinLockOffset() < 0) {
            throw BpfMapException.of(Errno.EINVAL, m.spec(), op + ": elem_flags 0x" + Long.toHexString(elemFlags)
                    + (elemFlags == MapFlags.BPF_F_LOCK ? " and the value has no bpf_spin_lock" : ": only BPF_F_LOCK is allowed"));
        }
        if (count <= 0) throw new IllegalArgumentException("map " + m.name() + ": " + op + ": count " + count + " (at least 1)");
    }

    /** BPF_MAP_LOOKUP_BATCH, or BPF_MAP_LOOKUP_AND_DELETE_BATCH with {@code delete}. */
    static Batch lookup(BpfMap m, Optional<BatchCursor> from, int count, long elemFlags, boolean delete) {
        check(m, delete ? HASHES : LOOKUP, delete ? "lookup_and_delete_batch" : "lookup_batch", elemFlags, count);
        byte[] prev = from.map(BatchCursor::token).orElse(null);
        if (prev != null && prev.length != m.spec().keySize()) {
            throw BpfMapException.of(Errno.EINVAL, m.spec(), "lookup_batch: a cursor of " + prev.length + " bytes, key_size is "
                    + m.spec().keySize() + " (a cursor of another map?)");
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        boolean end = false;
        while (keys.size() < count) {
            Optional<byte[]> next = m.nextKey(prev);
            if (next.isEmpty()) {
                end = true;
                break;
            }
            byte[] key = next.get();
            Optional<byte[]> value = m.lookup(key, elemFlags);
            if (value.isPresent()) { // a key deleted since get_next_key is skipped, as the kernel skips it
                if (delete) m.delete(key);
                keys.add(key);
                values.add(value.get());
            }
            prev = key;
        }
        return new Batch(keys, values, end ? Optional.empty() : Optional.of(new BatchCursor(prev)));
    }

    static int update(BpfMap m, List<byte[]> keys, List<byte[]> values, long elemFlags) {
        check(m, UPDATE, "update_batch", elemFlags, Math.max(1, keys.size()));
        if (keys.size() != values.size()) throw new IllegalArgumentException("map " + m.name() + ": update_batch: " + keys.size()
                + " keys, " + values.size() + " values");
        for (int i = 0; i < keys.size(); i++) {
            try {
                m.update(keys.get(i), values.get(i), elemFlags);
            } catch (BpfMapException e) {
                throw new BpfMapException(e.errno(), m.name(), e.getMessage() + " (update_batch: element " + i + "; " + i + " of "
                        + keys.size() + " written)");
            }
        }
        return keys.size();
    }

    static int delete(BpfMap m, List<byte[]> keys, long elemFlags) {
        check(m, DELETE, "delete_batch", elemFlags, Math.max(1, keys.size()));
        for (int i = 0; i < keys.size(); i++) {
            try {
                m.delete(keys.get(i));
            } catch (BpfMapException e) {
                throw new BpfMapException(e.errno(), m.name(), e.getMessage() + " (delete_batch: element " + i + "; " + i + " of "
                        + keys.size() + " deleted)");
            }
        }
        return keys.size();
    }
}

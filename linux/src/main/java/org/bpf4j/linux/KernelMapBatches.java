package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.api.Batch;
import org.bpf4j.api.BatchCursor;
import org.bpf4j.maps.Errno;

/**
 * The {@code BPF_MAP_*_BATCH} commands on a {@link KernelMap}: one {@code bpf(2)} call each, keys and values
 * packed back to back as the kernel reads them (per-CPU values: round_up(value_size, 8) per possible CPU), the
 * cursor {@code max(key_size, 4)} bytes (a key for arrays and LPM tries, a bucket index for hash maps: the
 * uapi's "large enough to hold a key, except for hash maps"). What the kernel answers is passed on: the count
 * it wrote back, {@code ENOENT} at the end of a lookup, {@code ENOSPC} for a hash bucket larger than the
 * count, {@code ENOTSUPP} for map types without the command.
 */
final class KernelMapBatches {
    private KernelMapBatches() {}

    private static int cursorSize(KernelMap map) { return Math.max(map.keySize(), 4); }

    private static void requireCount(KernelMap map, int count) {
        if (count <= 0) throw new IllegalArgumentException("map " + map.name() + ": batch count " + count + " (at least 1)");
    }

    static Batch lookup(KernelMap map, int fd, Optional<BatchCursor> from, int count, long elemFlags, boolean delete) {
        requireCount(map, count);
        BpfCommand cmd = delete ? BpfCommand.BPF_MAP_LOOKUP_AND_DELETE_BATCH : BpfCommand.BPF_MAP_LOOKUP_BATCH;
        int keySize = map.keySize();
        int valueSize = map.hostValueSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = null;
            if (from.isPresent()) {
                byte[] token = from.get().token();
                if (token.length != cursorSize(map)) {
                    throw new IllegalArgumentException("map " + map.name() + ": a batch cursor of " + token.length + " bytes, this map's are "
                            + cursorSize(map) + " (a cursor of another map?)");
                }
                in = a.allocateFrom(ValueLayout.JAVA_BYTE, token);
            }
            MemorySegment out = a.allocate(cursorSize(map), 8);
            MemorySegment keys = a.allocate((long) keySize * count, 8);
            MemorySegment values = a.allocate((long) valueSize * count, 8);
            MemorySegment attr = Attr.allocate(a);
            Attr.putPtr(attr, Attr.Batch.IN_BATCH, in);
            Attr.putPtr(attr, Attr.Batch.OUT_BATCH, out);
            Attr.putPtr(attr, Attr.Batch.KEYS, keys);
            Attr.putPtr(attr, Attr.Batch.VALUES, values);
            Attr.putU32(attr, Attr.Batch.COUNT, count);
            Attr.putU32(attr, Attr.Batch.MAP_FD, fd);
            Attr.putU64(attr, Attr.Batch.ELEM_FLAGS, elemFlags);
            long r = Sys.bpf(a, cmd, attr, Attr.Batch.END);
            boolean end = r == -Errno.ENOENT.number();
            if (r < 0 && !end) throw BpfException.of(cmd, (int) -r, KernelMap.describe(map.spec()));
            int n = Attr.getU32(attr, Attr.Batch.COUNT);
            List<byte[]> k = new ArrayList<>(n);
            List<byte[]> v = new ArrayList<>(n);
            byte[] allKeys = keys.asSlice(0, (long) n * keySize).toArray(ValueLayout.JAVA_BYTE); // one copy out of native memory
            byte[] allValues = values.asSlice(0, (long) n * valueSize).toArray(ValueLayout.JAVA_BYTE);
            for (int i = 0; i < n; i++) {
                k.add(Arrays.copyOfRange(allKeys, i * keySize, (i + 1) * keySize));
                v.add(Arrays.copyOfRange(allValues, i * valueSize, (i + 1) * valueSize));
            }
            return new Batch(k, v, end ? Optional.empty() : Optional.of(new BatchCursor(out.toArray(ValueLayout.JAVA_BYTE))));
        }
    }

    /** BPF_MAP_UPDATE_BATCH ({@code values} non-null) or BPF_MAP_DELETE_BATCH. */
    static int write(KernelMap map, int fd, List<byte[]> keys, List<byte[]> values, long elemFlags) {
        BpfCommand cmd = values == null ? BpfCommand.BPF_MAP_DELETE_BATCH : BpfCommand.BPF_MAP_UPDATE_BATCH;
        if (values != null && keys.size() != values.size()) {
            throw new IllegalArgumentException("map " + map.name() + ": update_batch: " + keys.size() + " keys, " + values.size() + " values");
        }
        int keySize = map.keySize();
        int valueSize = map.hostValueSize();
        int count = keys.size();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment k = a.allocate(Math.max(1L, (long) keySize * count), 8);
            MemorySegment v = values == null ? null : a.allocate(Math.max(1L, (long) valueSize * count), 8);
            for (int i = 0; i < count; i++) {
                byte[] key = Objects.requireNonNull(keys.get(i), "key");
                if (key.length != keySize) throw new IllegalArgumentException("key " + i + " is " + key.length + " bytes, "
                        + KernelMap.describe(map.spec()) + " has " + keySize);
                MemorySegment.copy(key, 0, k, ValueLayout.JAVA_BYTE, (long) i * keySize, keySize);
                if (v != null) {
                    byte[] value = Objects.requireNonNull(values.get(i), "value");
                    if (value.length != valueSize) throw new IllegalArgumentException("value " + i + " is " + value.length + " bytes, "
                            + KernelMap.describe(map.spec()) + " takes " + valueSize);
                    MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, (long) i * valueSize, valueSize);
                }
            }
            MemorySegment attr = Attr.allocate(a);
            Attr.putPtr(attr, Attr.Batch.KEYS, k);
            Attr.putPtr(attr, Attr.Batch.VALUES, v);
            Attr.putU32(attr, Attr.Batch.COUNT, count);
            Attr.putU32(attr, Attr.Batch.MAP_FD, fd);
            Attr.putU64(attr, Attr.Batch.ELEM_FLAGS, elemFlags);
            long r = Sys.bpf(a, cmd, attr, Attr.Batch.END);
            int done = Attr.getU32(attr, Attr.Batch.COUNT);
            if (r < 0) {
                // a refusal before the first element leaves count as given; a failing element stops it short
                throw BpfException.of(cmd, (int) -r, KernelMap.describe(map.spec()) + (done >= count ? ""
                        : " (element " + done + "; " + done + " of " + count + (values == null ? " deleted)" : " written)")));
            }
            return done;
        }
    }
}

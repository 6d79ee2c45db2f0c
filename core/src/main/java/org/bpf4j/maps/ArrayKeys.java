package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;

/** array_map_get_next_key: index order; a missing or out-of-range key restarts at 0; the last has no next. */
final class ArrayKeys {
    private ArrayKeys() {}

    static byte[] next(byte[] key, int maxEntries) {
        long max = Integer.toUnsignedLong(maxEntries);
        long index = key == null ? max : Integer.toUnsignedLong(Mem.u32(key));
        if (index >= max) return max == 0 ? null : Mem.le32(0);
        if (index == max - 1) return null;
        return Mem.le32((int) (index + 1));
    }

    /**
     * bpf_for_each_map_elem over an array's values starting at {@code values}: the index is written to
     * the key scratch, the visitor gets key and value addresses; returns the elements visited.
     */
    static long forEach(MemorySegment seg, long base, long keyScratch, int maxEntries, long values, long stride,
                        MapOps.ElementVisitor visitor) {
        long n = 0;
        for (int i = 0; i < maxEntries; i++) {
            n++;
            seg.set(Mem.INT, keyScratch - base, i);
            if (visitor.visit(keyScratch, values + Integer.toUnsignedLong(i) * stride) != 0) break;
        }
        return n;
    }
}

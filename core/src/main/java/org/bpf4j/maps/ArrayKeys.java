package org.bpf4j.maps;

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
}

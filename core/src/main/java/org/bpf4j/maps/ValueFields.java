package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;

/**
 * The special fields of a map value that the map itself manages, from the value's BTF as the kernel's
 * {@code map->record} (btf_parse_fields at map creation): a {@code struct bpf_spin_lock} (4 bytes) and a
 * {@code struct bpf_timer} (16 bytes). Every copy of a value goes around them, as the kernel's
 * {@code copy_map_value} and {@code copy_map_value_locked} (include/linux/bpf.h) do: an update never
 * overwrites the lock word or the timer, and a copy handed out has them zeroed ({@code check_and_init_map_value}).
 */
final class ValueFields {
    static final int SPIN_LOCK_SIZE = 4, TIMER_SIZE = 16;

    /** Field offsets and sizes, by increasing offset. */
    private final int[] offsets, sizes;
    private final int lockOff;

    private ValueFields(int[] offsets, int[] sizes, int lockOff) {
        this.offsets = offsets;
        this.sizes = sizes;
        this.lockOff = lockOff;
    }

    static ValueFields of(MapSpec spec) {
        int lock = spec.spinLockOffset(), timer = spec.timerOffset();
        if (lock < 0 && timer < 0) return new ValueFields(new int[0], new int[0], -1);
        if (lock < 0) return new ValueFields(new int[] {timer}, new int[] {TIMER_SIZE}, -1);
        if (timer < 0) return new ValueFields(new int[] {lock}, new int[] {SPIN_LOCK_SIZE}, lock);
        return lock < timer ? new ValueFields(new int[] {lock, timer}, new int[] {SPIN_LOCK_SIZE, TIMER_SIZE}, lock)
                : new ValueFields(new int[] {timer, lock}, new int[] {TIMER_SIZE, SPIN_LOCK_SIZE}, lock);
    }

    /** Whether the value has a spin lock: what makes BPF_F_LOCK legal. */
    boolean hasSpinLock() { return lockOff >= 0; }

    /** copy_map_value: {@code size} bytes from {@code src} to {@code dst}, except the special fields. */
    void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, int size) {
        long at = 0;
        for (int i = 0; i < offsets.length; i++) {
            Mem.copy(src, srcOff + at, dst, dstOff + at, offsets[i] - at);
            at = offsets[i] + sizes[i];
        }
        Mem.copy(src, srcOff + at, dst, dstOff + at, size - at);
    }

    /** bpf_obj_init: zeroes the special fields of the value at {@code off}. */
    void zero(MemorySegment seg, long off) {
        for (int i = 0; i < offsets.length; i++) seg.asSlice(off + offsets[i], sizes[i]).fill((byte) 0);
    }

    /** copy_map_value_locked into the map: the copy made under the spin lock of the destination value. */
    void copyLocked(MemorySegment src, long srcOff, MemorySegment seg, long dstOff, int size) {
        Mem.spinLock(seg, dstOff + lockOff);
        try {
            copy(src, srcOff, seg, dstOff, size);
        } finally {
            Mem.spinUnlock(seg, dstOff + lockOff);
        }
    }

    /**
     * The host's copy of a value (bpf_map_copy_value): under the value's spin lock with {@code locked}
     * (BPF_F_LOCK lookups, copy_map_value_locked), the special fields zeroed either way.
     */
    byte[] copyOut(MemorySegment seg, long srcOff, int size, boolean locked) {
        byte[] out = new byte[size];
        MemorySegment o = Mem.heap(out);
        if (locked) {
            Mem.spinLock(seg, srcOff + lockOff);
            try {
                copy(seg, srcOff, o, 0, size);
            } finally {
                Mem.spinUnlock(seg, srcOff + lockOff);
            }
        } else {
            copy(seg, srcOff, o, 0, size);
        }
        return out;
    }
}

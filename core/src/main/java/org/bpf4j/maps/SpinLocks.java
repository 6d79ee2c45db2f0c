package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * {@code struct bpf_spin_lock}: a 4-byte word, 0 when free, 1 when held, taken with a compare-and-set
 * spin. One protocol for everything that takes such a lock: the {@code bpf_spin_lock} and
 * {@code bpf_spin_unlock} helpers and the maps' {@code BPF_F_LOCK} updates and lookups, so that a
 * program's critical section and a host update exclude each other as in the kernel.
 */
public final class SpinLocks {
    private SpinLocks() {}

    private static final VarHandle ATOMIC_INT = ValueLayout.JAVA_INT.varHandle();

    /** Spins until the lock word at {@code offset} of {@code segment} goes from 0 to 1 (aligned to 4). */
    public static void lock(MemorySegment segment, long offset) {
        while (!ATOMIC_INT.compareAndSet(segment, offset, 0, 1)) {
            Thread.onSpinWait();
        }
    }

    /** Releases the lock word at {@code offset} (a release store of 0). */
    public static void unlock(MemorySegment segment, long offset) {
        ATOMIC_INT.setRelease(segment, offset, 0);
    }
}

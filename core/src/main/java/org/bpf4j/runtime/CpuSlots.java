package org.bpf4j.runtime;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The runtime's CPU slots. A program run owns one slot from start to end, as the kernel disables
 * migration for a BPF program, so per-CPU maps and {@code bpf_get_smp_processor_id} mean what they mean
 * in Linux however many Java threads run programs. Acquiring and releasing a slot allocates nothing:
 * a thread first tries the slot its id hashes to, then scans, then waits briefly.
 *
 * @param <S> what each slot holds (its stack and run context)
 */
public final class CpuSlots<S> {
    private final Object[] slots;
    private final AtomicIntegerArray busy;

    public CpuSlots(int count, IntFunction<S> factory) {
        if (count <= 0) throw new IllegalArgumentException("a runtime needs at least one CPU slot, not " + count);
        this.slots = new Object[count];
        this.busy = new AtomicIntegerArray(count);
        for (int i = 0; i < count; i++) slots[i] = factory.apply(i);
    }

    public int count() {
        return slots.length;
    }

    /** The slot with the given id, without owning it (setup and inspection only). */
    @SuppressWarnings("unchecked")
    public S slot(int id) {
        return (S) slots[id];
    }

    /** Takes a free slot, waiting while every slot is in use; returns its id. */
    public int acquire() {
        int n = slots.length;
        int start = (int) (Thread.currentThread().threadId() % n);
        for (int spins = 0; ; spins++) {
            for (int i = 0; i < n; i++) {
                int id = start + i < n ? start + i : start + i - n;
                if (busy.get(id) == 0 && busy.compareAndSet(id, 0, 1)) return id;
            }
            if (spins < 64) Thread.onSpinWait();
            else LockSupport.parkNanos(10_000);
        }
    }

    /** Takes the given slot, waiting while it is in use (a test run pinned to one CPU). */
    public void acquire(int id) {
        for (int spins = 0; !busy.compareAndSet(id, 0, 1); spins++) {
            if (spins < 64) Thread.onSpinWait();
            else LockSupport.parkNanos(10_000);
        }
    }

    public void release(int id) {
        if (!busy.compareAndSet(id, 1, 0)) throw new IllegalStateException("CPU slot " + id + " released twice");
    }

    /** Closes every slot's contents (after all runs have ended). */
    public void forEach(java.util.function.Consumer<S> action) {
        for (Object s : slots) {
            @SuppressWarnings("unchecked")
            S typed = (S) s;
            action.accept(typed);
        }
    }
}

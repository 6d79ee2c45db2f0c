package org.bpf4j.maps;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The kernel's fd arrays (PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS): u32 index keys,
 * slots holding references to objects owned elsewhere. The syscall API passes file descriptors; bpf4j
 * has none, so the host sets slots with objects ({@code set}), or — for maps of maps — with map ids.
 * Update flags must be BPF_ANY (EINVAL), an index past the end is E2BIG, deleting an empty slot ENOENT.
 */
abstract class FdArrayBase extends MapBase {
    final AtomicReferenceArray<Object> slots;

    FdArrayBase(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.slots = new AtomicReferenceArray<>(maxEntries);
    }

    /** Hot path: the object in slot {@code index}, or null. */
    final Object slot(long index) {
        return index >= 0 && index < maxEntries ? slots.getAcquire((int) index) : null;
    }

    final int setSlot(int index, Object value, long flags) {
        if (flags != MapFlags.BPF_ANY) return Errno.EINVAL.negative();
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        Object old = slots.getAndSet(index, value);
        replaced(index, old, value);
        return 0;
    }

    final int clearSlot(int index) {
        if (Integer.compareUnsigned(index, maxEntries) >= 0) return Errno.E2BIG.negative();
        Object old = slots.getAndSet(index, null);
        if (old == null) return Errno.ENOENT.negative();
        replaced(index, old, null);
        return 0;
    }

    /** Hook after a slot changed. */
    void replaced(int index, Object old, Object now) {}

    final void check(int rc, String op) {
        if (rc != 0) throw fail(rc, op, 0);
    }

    @Override
    public long lookup(long keyAddr, int cpu) {
        return 0; // programs do not look these up (the verifier allows only the type's own helpers)
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    public int delete(long keyAddr) {
        return Errno.EOPNOTSUPP.negative();
    }

    @Override
    int hostDelete(byte[] key) {
        return clearSlot(Mem.u32(key));
    }

    @Override
    byte[] hostNextKey(byte[] key) {
        return ArrayKeys.next(key, maxEntries);
    }

    @Override
    void onClose() {
        for (int i = 0; i < slots.length(); i++) slots.set(i, null);
    }
}

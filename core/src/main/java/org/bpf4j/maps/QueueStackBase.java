package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.bpf4j.mem.Region;

/**
 * queue_stack_maps.c: a circular buffer of {@code max_entries + 1} values of value_size bytes in one BPF
 * region, under one lock. Push with BPF_EXIST overwrites the oldest value when full, otherwise a full
 * map is E2BIG; BPF_NOEXIST or unknown flags are EINVAL; pop and peek of an empty map are ENOENT and zero the value.
 * The host API: update(empty key, value, flags) pushes, lookup(empty key) peeks, lookupAndDelete pops.
 */
abstract class QueueStackBase extends MapBase {
    private final long dataOff;
    private final int slots;
    private int head; // next slot to write, guarded by this
    private int tail; // oldest value, guarded by this

    QueueStackBase(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.slots = maxEntries + 1;
        Region r = allocate((long) slots * valueSize, "values", false);
        this.dataOff = r.address() - base;
    }

    abstract boolean lifo();

    @Override
    public int push(long valueAddr, long flags) {
        return doPush(seg, valueAddr - base, flags);
    }

    @Override
    public int pop(long valueAddr) {
        return take(seg, valueAddr - base, true);
    }

    @Override
    public int peek(long valueAddr) {
        return take(seg, valueAddr - base, false);
    }

    final synchronized int doPush(MemorySegment vs, long voff, long flags) {
        if ((flags & MapFlags.BPF_NOEXIST) != 0 || flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        int next = head + 1 == slots ? 0 : head + 1;
        if (next == tail) {
            if (flags != MapFlags.BPF_EXIST) return Errno.E2BIG.negative();
            tail = tail + 1 == slots ? 0 : tail + 1; // overwrite the oldest
        }
        Mem.copy(vs, voff, seg, dataOff + (long) head * valueSize, valueSize);
        head = next;
        return 0;
    }

    final synchronized int take(MemorySegment dst, long doff, boolean remove) {
        if (head == tail) {
            dst.asSlice(doff, valueSize).fill((byte) 0); // __queue_map_get / __stack_map_get zero the value
            return Errno.ENOENT.negative();
        }
        int index;
        if (lifo()) {
            index = head == 0 ? slots - 1 : head - 1;
            if (remove) head = index;
        } else {
            index = tail;
            if (remove) tail = tail + 1 == slots ? 0 : tail + 1;
        }
        Mem.copy(seg, dataOff + (long) index * valueSize, dst, doff, valueSize);
        return 0;
    }

    /** Values currently held. */
    public synchronized int size() {
        return head >= tail ? head - tail : head + slots - tail;
    }

    @Override
    public long lookup(long keyAddr, int cpu) { return 0; }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.EINVAL.negative(); }

    @Override
    public int delete(long keyAddr) { return Errno.EINVAL.negative(); }

    @Override
    byte[] hostLookup(byte[] key) {
        byte[] out = new byte[valueSize];
        return take(Mem.heap(out), 0, false) == 0 ? out : null;
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        return doPush(Mem.heap(value), 0, flags);
    }

    @Override
    int hostDelete(byte[] key) { return Errno.EINVAL.negative(); }

    @Override
    byte[] hostNextKey(byte[] key) {
        throw BpfMapException.of(Errno.EINVAL, spec, "get_next_key: queue and stack maps have no keys");
    }

    @Override
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        ensureOpen();
        byte[] out = new byte[valueSize];
        return take(Mem.heap(out), 0, true) == 0 ? Optional.of(out) : Optional.empty();
    }

    @Override
    void checkKey(byte[] key, String op) {
        if (key != null && key.length != 0) super.checkKey(key, op);
    }

    /** Host push. */
    public void push(byte[] value, long flags) {
        update(new byte[0], value, flags);
    }

    /** Host pop: the next value, or empty. */
    public Optional<byte[]> pop() {
        return lookupAndDelete(new byte[0]);
    }

    /** Host peek. */
    public Optional<byte[]> peek() {
        return lookup(new byte[0]);
    }
}

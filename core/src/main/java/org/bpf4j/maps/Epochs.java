package org.bpf4j.maps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Epoch-based reclamation: bpf4j's user-space RCU. Memory that running programs may still reach (a
 * deleted or replaced hash element, an LRU victim, an LPM trie node, a closed map) is reused only after
 * every program run that started before it was unlinked has ended.
 *
 * <p>There is one global epoch counter. A program run owns one CPU slot from start to end and brackets
 * itself with {@link #enter(int)} / {@link #exit(int)}: {@code enter} publishes, in the slot, the global
 * epoch it saw (nested enters on the same slot are counted, only the outermost one publishes);
 * {@code exit} clears the slot. Unlinking memory takes a stamp with {@link #retireStamp()}, which returns
 * the current epoch and advances it. A run whose slot holds an epoch greater than the stamp read the
 * global epoch after the unlink, so it cannot reach the memory; memory is therefore safe to reuse once
 * {@code stamp < }{@link #minActive()}, the oldest epoch any slot still holds. The slot store and every
 * read of a map's link structure are volatile accesses, so a reclaimer that sees a slot idle orders the
 * unlink before whatever the run reads after entering.
 *
 * <p>Reclamation is pulled, not pushed: pools reclaim when they run out of free elements, and deferred
 * actions ({@link #defer}) run from {@link #exit} or {@link #poll()} once safe. Host (Java API) map
 * operations do not enter epochs: they take the map's locks instead.
 *
 * <p>Hot paths allocate nothing: two volatile stores per run and an owner-only depth counter.
 */
public final class Epochs {
    private static final int PAD = 16; // longs per slot: 128 bytes, no false sharing between CPUs
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final int cpus;
    private final long[] slots; // [cpu * PAD] = epoch entered (>= 1), 0 when idle; [cpu * PAD + 1] = depth
    private final AtomicLong global = new AtomicLong(1);
    private final ArrayDeque<Deferred> deferred = new ArrayDeque<>(); // guarded by itself
    private volatile int deferredCount;

    private record Deferred(long stamp, Runnable action) {}

    public Epochs(int cpus) {
        if (cpus <= 0) throw new IllegalArgumentException("need at least one CPU slot: " + cpus);
        this.cpus = cpus;
        this.slots = new long[(cpus + 1) * PAD];
    }

    public int cpus() { return cpus; }

    /** Starts (or nests) a run on {@code cpu}: from now on nothing it can reach is reused. */
    public void enter(int cpu) {
        int i = index(cpu);
        long depth = slots[i + 1];
        if (depth == 0) SLOT.setVolatile(slots, i, global.get());
        slots[i + 1] = depth + 1;
    }

    /** Ends (or un-nests) the run on {@code cpu}. */
    public void exit(int cpu) {
        int i = index(cpu);
        long depth = slots[i + 1];
        if (depth <= 0) throw new IllegalStateException("epoch exit without enter on CPU " + cpu);
        slots[i + 1] = depth - 1;
        if (depth == 1) {
            SLOT.setRelease(slots, i, 0L);
            if (deferredCount != 0) poll();
        }
    }

    /** Whether a run is inside an epoch on {@code cpu} (for assertions). */
    public boolean active(int cpu) {
        return (long) SLOT.getVolatile(slots, index(cpu)) != 0;
    }

    /** The current global epoch. */
    public long current() { return global.get(); }

    /** Stamp for memory just unlinked: safe to reuse once {@code stamp < minActive()}. */
    public long retireStamp() { return global.getAndIncrement(); }

    /** The oldest epoch a running program entered, or {@link Long#MAX_VALUE} when none is running. */
    public long minActive() {
        long min = Long.MAX_VALUE;
        for (int c = 0; c < cpus; c++) {
            long e = (long) SLOT.getVolatile(slots, c * PAD);
            if (e != 0 && e < min) min = e;
        }
        return min;
    }

    /** Whether memory retired with {@code stamp} can no longer be reached by any run. */
    public boolean safe(long stamp) {
        return stamp < minActive();
    }

    /** Runs {@code action} once every run that started before this call has ended (maybe now). */
    public void defer(Runnable action) {
        long stamp = retireStamp();
        synchronized (deferred) {
            deferred.add(new Deferred(stamp, action));
            deferredCount = deferred.size();
        }
        poll();
    }

    /** Runs the deferred actions that have become safe. */
    public void poll() {
        long min = minActive();
        while (true) {
            Deferred d;
            synchronized (deferred) {
                d = deferred.peek();
                if (d == null || d.stamp >= min) {
                    deferredCount = deferred.size();
                    return;
                }
                deferred.poll();
                deferredCount = deferred.size();
            }
            d.action.run();
        }
    }

    /** Deferred actions still waiting (diagnostics, tests). */
    public int pendingDeferred() { return deferredCount; }

    private int index(int cpu) {
        if (cpu < 0 || cpu >= cpus) throw new IllegalArgumentException("CPU slot " + cpu + " out of range 0.." + (cpus - 1));
        return cpu * PAD;
    }
}

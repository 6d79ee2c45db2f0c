package org.bpf4j.maps;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.bpf4j.mem.Region;

/**
 * A pool of fixed-size elements in BPF memory, the kernel's pre-allocated element pool: every element
 * keeps its address for the life of the map, so a value pointer a program got from a lookup stays valid.
 *
 * <p>Elements are numbered; per-element metadata (chain links, hashes, LRU links and reference bits)
 * lives in Java arrays chunked by {@value #CHUNK} elements, so growing the pool never moves an element
 * or loses a concurrent write to an inner array. An element that was reachable by programs is never
 * handed out again directly: {@link #retire} stamps it with the {@link Epochs} and {@link #take}
 * recycles it only once every run that started before the retire has ended. When the free list is empty
 * and nothing retired is reclaimable yet (programs still running), the pool grows by a new BPF region
 * instead of waiting: this is the only path that allocates, and only while retirements are pending.
 */
final class ElementPool {
    static final int SHIFT = 10;
    static final int CHUNK = 1 << SHIFT;
    static final int MASK = CHUNK - 1;
    static final int NONE = -1;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final MapBase owner;
    private final Epochs epochs;
    final int elemSize;
    private final boolean writable;
    private final boolean lru;
    private final String what;
    private final int growBy;

    // Metadata: outer arrays are replaced (volatile) on growth; inner arrays never move.
    private volatile long[][] addr = new long[0][];
    private volatile int[][] next = new int[0][];
    private volatile int[][] hashes = new int[0][];
    private volatile int[][] aux = new int[0][];
    private volatile byte[][] ref = new byte[0][];
    private volatile int[][] lruPrev = new int[0][];
    private volatile int[][] lruNext = new int[0][];

    // Guarded by this.
    private int capacity;
    private int[] free = new int[16];
    private int freeTop;
    private int[] retired = new int[16];
    private long[] stamps = new long[16];
    private int retiredHead;
    private int retiredCount;

    ElementPool(MapBase owner, int elemSize, int initial, int growBy, boolean writable, boolean lru, String what) {
        if (elemSize <= 0 || (elemSize & 7) != 0) throw new IllegalArgumentException("element size must be a positive multiple of 8: " + elemSize);
        this.owner = owner;
        this.epochs = owner.ctx.epochs();
        this.elemSize = elemSize;
        this.writable = writable;
        this.lru = lru;
        this.what = what;
        this.growBy = Math.max(1, growBy);
        synchronized (this) {
            grow(Math.max(1, initial));
        }
    }

    // ---- element access (lock-free) ----

    long addr(int e) {
        return addr[e >>> SHIFT][e & MASK];
    }

    int next(int e) {
        return (int) INTS.getVolatile(next[e >>> SHIFT], e & MASK);
    }

    void setNext(int e, int n) {
        INTS.setVolatile(next[e >>> SHIFT], e & MASK, n);
    }

    /** A second link (the LPM trie's right child). */
    int aux(int e) {
        return (int) INTS.getVolatile(aux[e >>> SHIFT], e & MASK);
    }

    void setAux(int e, int v) {
        INTS.setVolatile(aux[e >>> SHIFT], e & MASK, v);
    }

    int hash(int e) {
        return hashes[e >>> SHIFT][e & MASK];
    }

    void setHash(int e, int h) {
        hashes[e >>> SHIFT][e & MASK] = h;
    }

    /** LRU reference bit: set by lookups, without dirtying the line when already set (as the kernel does). */
    void touch(int e) {
        byte[] r = ref[e >>> SHIFT];
        if (r[e & MASK] == 0) r[e & MASK] = 1;
    }

    boolean referenced(int e) {
        return ref[e >>> SHIFT][e & MASK] != 0;
    }

    void clearRef(int e) {
        ref[e >>> SHIFT][e & MASK] = 0;
    }

    int lruPrev(int e) { return lruPrev[e >>> SHIFT][e & MASK]; }

    int lruNext(int e) { return lruNext[e >>> SHIFT][e & MASK]; }

    void setLruPrev(int e, int v) { lruPrev[e >>> SHIFT][e & MASK] = v; }

    void setLruNext(int e, int v) { lruNext[e >>> SHIFT][e & MASK] = v; }

    // ---- allocation ----

    /** A free element (recycled only once safe; grows the pool when nothing is). */
    synchronized int take() {
        if (freeTop == 0) {
            reclaim();
            if (freeTop == 0) grow(Math.max(growBy, capacity / 4)); // geometric: few regions even under long waits
        }
        int e = free[--freeTop];
        if (lru) {
            clearRef(e);
            setLruPrev(e, NONE);
            setLruNext(e, NONE);
        }
        return e;
    }

    /** Returns an element that was taken but never published: it can be reused at once. */
    synchronized void giveBack(int e) {
        pushFree(e);
    }

    /** An element just unlinked: reused once every run that might have reached it has ended. */
    synchronized void retire(int e) {
        if (retiredCount == retired.length) {
            int n = retired.length * 2;
            int[] r = new int[n];
            long[] s = new long[n];
            for (int i = 0; i < retiredCount; i++) {
                int j = (retiredHead + i) % retired.length;
                r[i] = retired[j];
                s[i] = stamps[j];
            }
            retired = r;
            stamps = s;
            retiredHead = 0;
        }
        int j = (retiredHead + retiredCount) % retired.length;
        retired[j] = e;
        stamps[j] = epochs.retireStamp();
        retiredCount++;
    }

    /** Moves every retired element no run can reach any more to the free list. */
    synchronized void reclaim() {
        if (retiredCount == 0) return;
        long min = epochs.minActive();
        while (retiredCount > 0 && stamps[retiredHead] < min) {
            pushFree(retired[retiredHead]);
            retiredHead = (retiredHead + 1) % retired.length;
            retiredCount--;
        }
    }

    synchronized int capacity() { return capacity; }

    synchronized int pendingRetired() { return retiredCount; }

    synchronized int freeCount() { return freeTop; }

    private void pushFree(int e) {
        if (freeTop == free.length) free = java.util.Arrays.copyOf(free, free.length * 2);
        free[freeTop++] = e;
    }

    private void grow(int n) {
        Region r = owner.allocate((long) n * elemSize, what, writable);
        int first = capacity;
        int last = capacity + n; // exclusive
        int chunks = (last + MASK) >>> SHIFT;
        if (chunks > addr.length) {
            long[][] a = java.util.Arrays.copyOf(addr, chunks);
            int[][] nx = java.util.Arrays.copyOf(next, chunks);
            int[][] hs = java.util.Arrays.copyOf(hashes, chunks);
            int[][] ax = java.util.Arrays.copyOf(aux, chunks);
            byte[][] rf = java.util.Arrays.copyOf(ref, chunks);
            int[][] lp = java.util.Arrays.copyOf(lruPrev, chunks);
            int[][] ln = java.util.Arrays.copyOf(lruNext, chunks);
            for (int c = addr.length; c < chunks; c++) {
                a[c] = new long[CHUNK];
                nx[c] = new int[CHUNK];
                hs[c] = new int[CHUNK];
                ax[c] = new int[CHUNK];
                rf[c] = new byte[CHUNK];
                if (lru) {
                    lp[c] = new int[CHUNK];
                    ln[c] = new int[CHUNK];
                }
            }
            // Publish the inner arrays before any index that needs them escapes (volatile stores).
            hashes = hs;
            aux = ax;
            ref = rf;
            lruPrev = lp;
            lruNext = ln;
            next = nx;
            addr = a;
        }
        long[][] a = addr;
        for (int e = first; e < last; e++) {
            a[e >>> SHIFT][e & MASK] = r.address() + (long) (e - first) * elemSize;
        }
        capacity = last;
        // Hand out low indices first (stack order).
        for (int e = last - 1; e >= first; e--) pushFree(e);
    }
}

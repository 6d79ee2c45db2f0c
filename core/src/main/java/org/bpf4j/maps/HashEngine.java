package org.bpf4j.maps;

import static org.bpf4j.maps.ElementPool.NONE;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel's htab, for HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS and DEVMAP_HASH.
 *
 * <p><b>Layout.</b> Each element is one slot of an {@link ElementPool} in BPF memory:
 * {@code [key, rounded up to 8][value, rounded up to 8]} — for per-CPU maps the value part is one
 * rounded value per CPU slot, CPU 0 first. A lookup returns the address of the value (of the calling
 * CPU's value). Buckets ({@code roundup_pow_of_two(max_entries)} of them) and chain links are Java int
 * arrays indexed by element number; the hash is seeded from the context's random source (0 with
 * {@code BPF_F_ZERO_SEED}).
 *
 * <p><b>Concurrency.</b> Lookups are lock-free: volatile reads of bucket heads and chain links, like the
 * kernel's RCU walks. Writers lock one bucket stripe. An update of an existing key in a non-per-CPU map
 * links a new element in place of the old one (readers see the old or the new value, never a mix) and
 * retires the old one; per-CPU maps update in place, as the kernel does. Unlinked elements are retired
 * through {@link Epochs}, so a program still holding a value pointer never sees it reused.
 *
 * <p><b>LRU.</b> A map-wide list, most recent first, of every element; lookups only set a reference
 * bit. When full, an insert evicts from the tail, giving referenced elements a second chance (moved to
 * the head, bit cleared) — an approximation of the kernel's active/inactive lists with the same promise:
 * recently looked-up elements survive, the map never exceeds max_entries and a fresh insert succeeds.
 * {@code BPF_F_NO_COMMON_LRU} is accepted and treated like the common LRU (the kernel keeps per-CPU lists
 * and rounds max_entries to a multiple of the CPU count; bpf4j does neither).
 */
abstract class HashEngine extends MapBase {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final int EVICT_ATTEMPTS = 1 << 20;

    final boolean percpu;
    final boolean lru;
    final int keyStride;
    final int valueStride;
    /** Bytes of the value as stored (HASH_OF_MAPS stores an 8-byte handle where the API has a 4-byte id). */
    final int storedValueSize;
    /** The value's spin lock and timer, which copies go around (only in HASH and LRU_HASH values). */
    final ValueFields fields;
    final int seed;
    private final int[] buckets;
    private final int bucketMask;
    private final Object[] locks;
    private final int lockMask;
    final ElementPool pool;
    private final AtomicInteger count = new AtomicInteger();
    private final Object lruLock = new Object();
    private int lruHead = NONE; // guarded by lruLock
    private int lruTail = NONE; // guarded by lruLock

    HashEngine(MapSpec spec, MapContext ctx, int id, boolean percpu, boolean lru, int storedValueSize, boolean progWritable) {
        super(spec, ctx, id);
        this.percpu = percpu;
        this.lru = lru;
        this.storedValueSize = storedValueSize;
        this.keyStride = (int) round8(keySize);
        this.valueStride = (int) round8(storedValueSize);
        this.fields = ValueFields.of(spec);
        this.seed = spec.hasFlag(MapFlags.BPF_F_ZERO_SEED) ? 0 : ctx.randomInt();
        int nBuckets = maxEntries <= 1 ? 1 : Integer.highestOneBit(maxEntries - 1) << 1;
        this.buckets = new int[nBuckets];
        Arrays.fill(buckets, NONE);
        this.bucketMask = nBuckets - 1;
        int nLocks = Math.min(nBuckets, Integer.highestOneBit(Math.max(16, cpus * 16)));
        this.locks = new Object[nLocks];
        for (int i = 0; i < nLocks; i++) locks[i] = new Object();
        this.lockMask = nLocks - 1;
        long elemSize = keyStride + (long) valueStride * (percpu ? cpus : 1);
        if (elemSize > Integer.MAX_VALUE / 2) throw BpfMapException.of(Errno.E2BIG, spec, "element of " + elemSize + " bytes is too large");
        boolean prealloc = !spec.hasFlag(MapFlags.BPF_F_NO_PREALLOC);
        int slack = cpus + Math.min(maxEntries, 16 * cpus);
        int initial = prealloc ? maxEntries + slack : Math.min(maxEntries, 256) + cpus;
        int growBy = Math.max(16, Math.min(maxEntries, 4096) / 4);
        this.pool = new ElementPool(this, (int) elemSize, initial, growBy, progWritable, lru, "elements");
    }

    // ---- program side ----

    public long lookup(long keyAddr, int cpu) {
        if (percpu && Integer.compareUnsigned(cpu, cpus) >= 0) return 0; // bpf_map_lookup_percpu_elem
        long koff = keyAddr - base;
        int e = find(seg, koff, Mem.hash(seg, koff, keySize, seed));
        if (e == NONE) return 0;
        if (lru) pool.touch(e);
        return valueAddr(e, cpu);
    }

    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return doUpdate(seg, keyAddr - base, seg, valueAddr - base, flags, cpu, false);
    }

    public int delete(long keyAddr) {
        return doDelete(seg, keyAddr - base);
    }

    /**
     * htab's for_each walk: bucket by bucket, each chain from its head, the next link read before the
     * visit so that the callback may delete the element it is given (as the kernel's _safe walk).
     */
    final long forEachImpl(int cpu, MapOps.ElementVisitor visitor) {
        if (percpu && Integer.compareUnsigned(cpu, cpus) >= 0) return Errno.EINVAL.negative();
        long n = 0;
        for (int b = 0; b < buckets.length; b++) {
            int e = (int) INTS.getVolatile(buckets, b);
            while (e != NONE) {
                int next = pool.next(e);
                n++;
                if (visitor.visit(pool.addr(e), valueAddr(e, cpu)) != 0) return n;
                e = next;
            }
        }
        return n;
    }

    final long valueAddr(int e, int cpu) {
        return pool.addr(e) + keyStride + (percpu ? (long) cpu * valueStride : 0);
    }

    /** Lock-free search of the chain for the key; safe under the bucket lock too. */
    final int find(MemorySegment ks, long koff, int h) {
        int e = (int) INTS.getVolatile(buckets, h & bucketMask);
        while (e != NONE) {
            if (pool.hash(e) == h && Mem.equal(seg, pool.addr(e) - base, ks, koff, keySize)) return e;
            e = pool.next(e);
        }
        return NONE;
    }

    /** The kernel's check_flags for an element that does or does not exist. */
    int checkFlags(boolean exists, long flags) {
        long f = flags & ~MapFlags.BPF_F_LOCK;
        if (exists && f == MapFlags.BPF_NOEXIST) return Errno.EEXIST.negative();
        if (!exists && f == MapFlags.BPF_EXIST) return Errno.ENOENT.negative();
        return 0;
    }

    /**
     * Update from a program ({@code allCpus} false: per-CPU maps write the calling CPU's value) or from
     * the host ({@code allCpus} true: the source holds every CPU's value, each rounded up to 8 bytes).
     */
    final int doUpdate(MemorySegment ks, long koff, MemorySegment vs, long voff, long flags, int cpu, boolean allCpus) {
        if ((flags & ~MapFlags.BPF_F_LOCK) > MapFlags.BPF_EXIST) return Errno.EINVAL.negative();
        boolean locked = (flags & MapFlags.BPF_F_LOCK) != 0;
        if (locked && (!fields.hasSpinLock() || percpu)) return Errno.EINVAL.negative();
        int h = Mem.hash(ks, koff, keySize, seed);
        if (locked) {
            // As the kernel: find without the bucket lock; an existing element is updated in place.
            int e = find(ks, koff, h);
            int rc = checkFlags(e != NONE, flags);
            if (rc != 0) return rc;
            if (e != NONE) {
                fields.copyLocked(vs, voff, seg, valueAddr(e, 0) - base, storedValueSize);
                return 0;
            }
        }
        if (percpu) return updatePerCpu(ks, koff, h, vs, voff, flags, cpu, allCpus);
        if (lru) return updateLru(ks, koff, h, vs, voff, flags, locked);
        int b = h & bucketMask;
        int old;
        synchronized (locks[b & lockMask]) {
            old = find(ks, koff, h);
            int rc = checkFlags(old != NONE, flags);
            if (rc != 0) return rc;
            if (locked && old != NONE) {
                fields.copyLocked(vs, voff, seg, valueAddr(old, 0) - base, storedValueSize);
                return 0;
            }
            if (old == NONE && !reserve()) return Errno.E2BIG.negative();
            int n = pool.take();
            initElement(n, ks, koff, h);
            writeValue(n, vs, voff);
            if (old != NONE) replace(b, old, n);
            else pushHead(b, n);
        }
        if (old != NONE) pool.retire(old);
        return 0;
    }

    private int updatePerCpu(MemorySegment ks, long koff, int h, MemorySegment vs, long voff, long flags, int cpu, boolean allCpus) {
        int b = h & bucketMask;
        synchronized (locks[b & lockMask]) {
            int old = find(ks, koff, h);
            int rc = checkFlags(old != NONE, flags);
            if (rc != 0) return rc;
            if (old != NONE) {
                writePerCpu(old, vs, voff, cpu, allCpus, false);
                if (lru) pool.touch(old);
                return 0;
            }
            if (!lru) {
                if (!reserve()) return Errno.E2BIG.negative();
                int n = pool.take();
                initElement(n, ks, koff, h);
                writePerCpu(n, vs, voff, cpu, allCpus, true);
                pushHead(b, n);
                return 0;
            }
        }
        // LRU: allocate (maybe evicting) without holding a bucket lock, then check again.
        int n = lruAllocate();
        if (n == NONE) return Errno.ENOMEM.negative();
        initElement(n, ks, koff, h);
        writePerCpu(n, vs, voff, cpu, allCpus, true);
        synchronized (locks[b & lockMask]) {
            int old = find(ks, koff, h);
            int rc = checkFlags(old != NONE, flags);
            if (rc == 0 && old != NONE) writePerCpu(old, vs, voff, cpu, allCpus, false);
            if (rc != 0 || old != NONE) {
                pool.giveBack(n);
                count.decrementAndGet();
                return rc;
            }
            pushHead(b, n);
            synchronized (lruLock) {
                lruAddHead(n);
            }
        }
        return 0;
    }

    private int updateLru(MemorySegment ks, long koff, int h, MemorySegment vs, long voff, long flags, boolean locked) {
        int n = lruAllocate();
        if (n == NONE) return Errno.ENOMEM.negative();
        initElement(n, ks, koff, h);
        writeValue(n, vs, voff);
        int b = h & bucketMask;
        int old;
        synchronized (locks[b & lockMask]) {
            old = find(ks, koff, h);
            int rc = checkFlags(old != NONE, flags);
            if (rc == 0 && locked && old != NONE) {
                fields.copyLocked(vs, voff, seg, valueAddr(old, 0) - base, storedValueSize);
            }
            if (rc != 0 || (locked && old != NONE)) {
                pool.giveBack(n);
                count.decrementAndGet();
                return rc;
            }
            if (old != NONE) replace(b, old, n);
            else pushHead(b, n);
            synchronized (lruLock) {
                lruAddHead(n);
                if (old != NONE) lruRemove(old);
            }
            if (old != NONE) count.decrementAndGet();
        }
        if (old != NONE) pool.retire(old);
        return 0;
    }

    final int doDelete(MemorySegment ks, long koff) {
        int h = Mem.hash(ks, koff, keySize, seed);
        int b = h & bucketMask;
        int e;
        synchronized (locks[b & lockMask]) {
            e = find(ks, koff, h);
            if (e == NONE) return Errno.ENOENT.negative();
            unlink(b, e);
            if (lru) {
                synchronized (lruLock) {
                    lruRemove(e);
                }
            }
            count.decrementAndGet();
        }
        pool.retire(e);
        return 0;
    }

    // ---- element writes ----

    private void initElement(int n, MemorySegment ks, long koff, int h) {
        Mem.copy(ks, koff, seg, pool.addr(n) - base, keySize);
        pool.setHash(n, h);
    }

    /**
     * Writes a new element's value (alloc_htab_elem): copy_map_value into an element whose spin lock and timer
     * are zero, as the kernel's freed elements leave them (bpf_obj_free_fields).
     */
    private void writeValue(int n, MemorySegment vs, long voff) {
        long dst = valueAddr(n, 0) - base;
        fields.zero(seg, dst);
        fields.copy(vs, voff, seg, dst, storedValueSize);
    }

    private void writePerCpu(int e, MemorySegment vs, long voff, int cpu, boolean allCpus, boolean fresh) {
        if (allCpus) {
            for (int c = 0; c < cpus; c++) {
                Mem.copy(vs, voff + (long) c * valueStride, seg, valueAddr(e, c) - base, storedValueSize);
            }
        } else {
            Mem.copy(vs, voff, seg, valueAddr(e, cpu) - base, storedValueSize);
            if (fresh) {
                // pcpu_init_value: a program's insert zeroes the other CPUs' values.
                for (int c = 0; c < cpus; c++) {
                    if (c != cpu) Mem.zero(seg, valueAddr(e, c) - base, valueStride);
                }
            }
        }
    }

    // ---- chains (callers hold the bucket lock) ----

    private void pushHead(int b, int n) {
        pool.setNext(n, (int) INTS.getVolatile(buckets, b));
        INTS.setVolatile(buckets, b, n);
    }

    private void replace(int b, int old, int n) {
        pool.setNext(n, pool.next(old));
        int e = (int) INTS.getVolatile(buckets, b);
        if (e == old) {
            INTS.setVolatile(buckets, b, n);
            return;
        }
        while (e != NONE) {
            int nx = pool.next(e);
            if (nx == old) {
                pool.setNext(e, n);
                return;
            }
            e = nx;
        }
        throw new IllegalStateException("element not in its bucket");
    }

    /** Unlinks {@code e} from bucket {@code b}; false if it is not there. Its own link stays for readers on it. */
    private boolean unlink(int b, int e) {
        int cur = (int) INTS.getVolatile(buckets, b);
        if (cur == e) {
            INTS.setVolatile(buckets, b, pool.next(e));
            return true;
        }
        while (cur != NONE) {
            int nx = pool.next(cur);
            if (nx == e) {
                pool.setNext(cur, pool.next(e));
                return true;
            }
            cur = nx;
        }
        return false;
    }

    // ---- capacity and LRU ----

    private boolean reserve() {
        while (true) {
            int c = count.get();
            if (c >= maxEntries) return false;
            if (count.compareAndSet(c, c + 1)) return true;
        }
    }

    /** Reserves room for one element (evicting while full) and takes it from the pool; NONE if stuck. */
    private int lruAllocate() {
        for (int attempt = 0; attempt < EVICT_ATTEMPTS; attempt++) {
            if (reserve()) return pool.take();
            if (!evictOne()) Thread.onSpinWait(); // every element is in flight in other threads' inserts
        }
        return NONE;
    }

    /** Evicts the least recently used element (second chance for referenced ones); false if none listed. */
    private boolean evictOne() {
        int v;
        int h;
        synchronized (lruLock) {
            int budget = count.get() + 1;
            while (true) {
                v = lruTail;
                if (v == NONE) return false;
                if (pool.referenced(v) && budget-- > 0) {
                    pool.clearRef(v);
                    lruRemove(v);
                    lruAddHead(v);
                    continue;
                }
                break;
            }
            h = pool.hash(v);
        }
        int b = h & bucketMask;
        boolean removed = false;
        synchronized (locks[b & lockMask]) {
            if (unlink(b, v)) {
                synchronized (lruLock) {
                    lruRemove(v);
                }
                count.decrementAndGet();
                removed = true;
            }
        }
        if (removed) pool.retire(v);
        return true;
    }

    private void lruAddHead(int e) {
        pool.setLruPrev(e, NONE);
        pool.setLruNext(e, lruHead);
        if (lruHead != NONE) pool.setLruPrev(lruHead, e);
        lruHead = e;
        if (lruTail == NONE) lruTail = e;
    }

    private void lruRemove(int e) {
        int p = pool.lruPrev(e);
        int n = pool.lruNext(e);
        if (p == NONE && n == NONE && lruHead != e) return; // not listed
        if (p != NONE) pool.setLruNext(p, n);
        else lruHead = n;
        if (n != NONE) pool.setLruPrev(n, p);
        else lruTail = p;
        pool.setLruPrev(e, NONE);
        pool.setLruNext(e, NONE);
    }

    // ---- host side ----

    /** Live elements (approximate while writers run). */
    public int size() { return count.get(); }

    @Override
    byte[] hostLookup(byte[] key) { return hostLookup(key, false); }

    @Override
    boolean hasSpinLock() { return fields.hasSpinLock(); }

    @Override
    byte[] hostLookup(byte[] key, boolean locked) {
        MemorySegment ks = Mem.heap(key);
        int h = Mem.hash(ks, 0, keySize, seed);
        int b = h & bucketMask;
        synchronized (locks[b & lockMask]) {
            int e = find(ks, 0, h);
            if (e == NONE) return null;
            return locked ? fields.copyOut(seg, valueAddr(e, 0) - base, storedValueSize, true) : readValue(e);
        }
    }

    /**
     * The stored value bytes as the host API reports them (per-CPU: all CPUs, rounded to 8 each), the spin lock
     * and timer zeroed (check_and_init_map_value).
     */
    byte[] readValue(int e) {
        if (!percpu) return fields.copyOut(seg, valueAddr(e, 0) - base, storedValueSize, false);
        byte[] out = new byte[valueStride * cpus];
        MemorySegment o = Mem.heap(out);
        for (int c = 0; c < cpus; c++) {
            Mem.copy(seg, valueAddr(e, c) - base, o, (long) c * valueStride, storedValueSize);
        }
        return out;
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        return doUpdate(Mem.heap(key), 0, Mem.heap(value), 0, flags, 0, true);
    }

    @Override
    int hostDelete(byte[] key) {
        return doDelete(Mem.heap(key), 0);
    }

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM for hash maps (supported by the kernel since 5.14). */
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        ensureOpen();
        checkKey(key, "lookup_and_delete");
        MemorySegment ks = Mem.heap(key);
        int h = Mem.hash(ks, 0, keySize, seed);
        int b = h & bucketMask;
        int e;
        byte[] value;
        synchronized (locks[b & lockMask]) {
            e = find(ks, 0, h);
            if (e == NONE) return Optional.empty();
            value = readValue(e);
            unlink(b, e);
            if (lru) {
                synchronized (lruLock) {
                    lruRemove(e);
                }
            }
            count.decrementAndGet();
        }
        pool.retire(e);
        return Optional.of(hostValue(value));
    }

    /** Converts stored value bytes to the host API's (HASH_OF_MAPS: handle to id). */
    byte[] hostValue(byte[] stored) {
        return stored;
    }

    /**
     * BPF_MAP_GET_NEXT_KEY as htab_map_get_next_key: the next element in the key's chain, else the first
     * element of the following buckets; a missing (or null) key starts from the first bucket.
     */
    @Override
    byte[] hostNextKey(byte[] key) {
        int start = 0;
        if (key != null) {
            MemorySegment ks = Mem.heap(key);
            int h = Mem.hash(ks, 0, keySize, seed);
            int b = h & bucketMask;
            synchronized (locks[b & lockMask]) {
                int e = find(ks, 0, h);
                if (e != NONE) {
                    int n = pool.next(e);
                    if (n != NONE) return keyOf(n);
                    start = b + 1;
                }
            }
        }
        for (int b = start; b < buckets.length; b++) {
            if ((int) INTS.getVolatile(buckets, b) == NONE) continue;
            synchronized (locks[b & lockMask]) {
                int e = (int) INTS.getVolatile(buckets, b);
                if (e != NONE) return keyOf(e);
            }
        }
        return null;
    }

    private byte[] keyOf(int e) {
        byte[] k = new byte[keySize];
        Mem.copy(seg, pool.addr(e) - base, Mem.heap(k), 0, keySize);
        return k;
    }

    // ---- per-CPU host API (used by the per-CPU subclasses) ----

    Optional<List<byte[]>> lookupPerCpuImpl(byte[] key) {
        return lookup(key).map(this::splitPerCpu);
    }

    void updatePerCpuImpl(byte[] key, List<byte[]> values, long flags) {
        update(key, joinPerCpu(values, "update"), flags);
    }

    /** Diagnostics for tests: pool capacity, free, pending retired. */
    int[] poolStats() {
        return new int[] {pool.capacity(), pool.freeCount(), pool.pendingRetired()};
    }

    List<Long> valueAddresses() {
        List<Long> out = new ArrayList<>();
        for (int b = 0; b < buckets.length; b++) {
            for (int e = (int) INTS.getVolatile(buckets, b); e != NONE; e = pool.next(e)) out.add(valueAddr(e, 0));
        }
        return out;
    }
}

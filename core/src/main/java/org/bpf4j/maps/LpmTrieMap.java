package org.bpf4j.maps;

import static org.bpf4j.maps.ElementPool.NONE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code BPF_MAP_TYPE_LPM_TRIE}: longest-prefix match over keys {@code {u32 prefixlen; u8 data[]}}
 * (data in network order, bit 0 the most significant bit of data[0]), the kernel's path-compressed
 * binary trie with intermediate nodes.
 *
 * <p><b>Layout.</b> Every trie node is an {@link ElementPool} element in BPF memory:
 * {@code [prefixlen u32, data, rounded up to 8][value, rounded up to 8]}; a lookup returns the address of
 * the value of the longest matching node. Children are the pool's two link arrays, the intermediate
 * flag is kept in the pool's per-element int. As in lpm_trie.c, nodes are immutable once published
 * except for their child links (and the intermediate flag a delete sets): an update publishes a new node
 * with one volatile store, a replaced or deleted node is retired through {@link Epochs}. Lookups are
 * lock-free; updates and deletes take the trie's lock. The pool grows on demand, as the kernel's
 * BPF_F_NO_PREALLOC (mandatory here too) allocates nodes on demand.
 *
 * <p>Semantics as Linux 6.18: BPF_EXIST on a missing prefix is ENOENT, BPF_NOEXIST on an existing one
 * EEXIST, a new prefix in a full trie ENOSPC (replacing an existing one is allowed), a prefixlen beyond
 * the data is EINVAL; get_next_key walks in post-order, more specific prefixes first.
 */
public final class LpmTrieMap extends MapBase implements BpfMap {
    private static final int FLAG_IM = 1;

    private final int dataSize;
    private final int maxPrefix;
    private final int keyStride;
    private final ElementPool pool;
    private final Object lock = new Object();
    private volatile int root = NONE;
    private int entries; // guarded by lock

    LpmTrieMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.dataSize = keySize - 4;
        this.maxPrefix = dataSize * 8;
        this.keyStride = (int) round8(keySize);
        int elem = keyStride + (int) round8(valueSize);
        int initial = Math.min(maxEntries, 128) * 2 + cpus;
        this.pool = new ElementPool(this, elem, initial, Math.max(16, Math.min(maxEntries, 4096) / 2),
                progWritable(), false, "trie nodes");
    }

    /** Prefixes stored. */
    public int size() {
        synchronized (lock) {
            return entries;
        }
    }

    // ---- node fields ----

    private long nodeOff(int n) { return pool.addr(n) - base; }

    private int prefixLen(int n) { return seg.get(Mem.INT, nodeOff(n)); }

    private boolean im(int n) { return (pool.hash(n) & FLAG_IM) != 0; }

    private int child(int n, int bit) { return bit == 0 ? pool.next(n) : pool.aux(n); }

    private void setChild(int n, int bit, int c) {
        if (bit == 0) pool.setNext(n, c);
        else pool.setAux(n, c);
    }

    private void setSlot(int parent, int bit, int c) {
        if (parent == NONE) root = c;
        else setChild(parent, bit, c);
    }

    private static int bit(MemorySegment s, long dataOff, int index) {
        return (s.get(ValueLayout.JAVA_BYTE, dataOff + (index >>> 3)) >>> (7 - (index & 7))) & 1;
    }

    /** Bits node {@code n} and the key have in common, up to the shorter of the two prefixes. */
    private int longestPrefixMatch(int n, MemorySegment ks, long koff, int keyPrefix) {
        int limit = Math.min(prefixLen(n), keyPrefix);
        long nd = nodeOff(n) + 4;
        long kd = koff + 4;
        int matched = 0;
        int i = 0;
        while (matched < limit) {
            if (i + 8 <= dataSize && matched + 64 <= limit) {
                long x = Long.reverseBytes(seg.get(Mem.LONG, nd + i)) ^ Long.reverseBytes(ks.get(Mem.LONG, kd + i));
                if (x != 0) return Math.min(limit, matched + Long.numberOfLeadingZeros(x));
                matched += 64;
                i += 8;
                continue;
            }
            int x = (seg.get(ValueLayout.JAVA_BYTE, nd + i) ^ ks.get(ValueLayout.JAVA_BYTE, kd + i)) & 0xff;
            if (x != 0) return Math.min(limit, matched + Integer.numberOfLeadingZeros(x) - 24);
            matched += 8;
            i++;
        }
        return limit;
    }

    // ---- program side ----

    @Override
    public long lookup(long keyAddr, int cpu) {
        int n = find(seg, keyAddr - base);
        return n == NONE ? 0 : pool.addr(n) + keyStride;
    }

    /** trie_lookup_elem: the longest matching non-intermediate node, lock-free. */
    private int find(MemorySegment ks, long koff) {
        int keyPrefix = ks.get(Mem.INT, koff);
        if (Integer.compareUnsigned(keyPrefix, maxPrefix) > 0) return NONE;
        int found = NONE;
        int n = root;
        while (n != NONE) {
            int matchlen = longestPrefixMatch(n, ks, koff, keyPrefix);
            if (matchlen == maxPrefix) {
                found = n;
                break;
            }
            int plen = prefixLen(n);
            if (matchlen < plen) break;
            if (!im(n)) found = n;
            n = child(n, bit(ks, koff + 4, plen));
        }
        return found;
    }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) {
        return doUpdate(seg, keyAddr - base, seg, valueAddr - base, flags);
    }

    @Override
    public int delete(long keyAddr) {
        return doDelete(seg, keyAddr - base);
    }

    private int newNode(MemorySegment ks, long koff, int prefix, MemorySegment vs, long voff) {
        int n = pool.take();
        long off = nodeOff(n);
        seg.set(Mem.INT, off, prefix);
        Mem.copy(ks, koff + 4, seg, off + 4, dataSize);
        if (vs != null) Mem.copy(vs, voff, seg, off + keyStride, valueSize);
        pool.setHash(n, vs == null ? FLAG_IM : 0);
        pool.setNext(n, NONE);
        pool.setAux(n, NONE);
        return n;
    }

    private int checkAdd(long flags) {
        if (flags == MapFlags.BPF_EXIST) return Errno.ENOENT.negative();
        if (entries == maxEntries) return Errno.ENOSPC.negative();
        entries++;
        return 0;
    }

    private int doUpdate(MemorySegment ks, long koff, MemorySegment vs, long voff, long flags) {
        if (flags > MapFlags.BPF_EXIST || flags < 0) return Errno.EINVAL.negative();
        int keyPrefix = ks.get(Mem.INT, koff);
        if (Integer.compareUnsigned(keyPrefix, maxPrefix) > 0) return Errno.EINVAL.negative();
        int retired = NONE;
        synchronized (lock) {
            int parent = NONE;
            int dir = 0;
            int n = root;
            int matchlen = 0;
            while (n != NONE) {
                matchlen = longestPrefixMatch(n, ks, koff, keyPrefix);
                int plen = prefixLen(n);
                if (plen != matchlen || plen == keyPrefix || plen == maxPrefix) break;
                parent = n;
                dir = bit(ks, koff + 4, plen);
                n = child(n, dir);
            }
            if (n == NONE) {
                int rc = checkAdd(flags);
                if (rc != 0) return rc;
                setSlot(parent, dir, newNode(ks, koff, keyPrefix, vs, voff));
                return 0;
            }
            if (prefixLen(n) == matchlen) {
                if (!im(n)) {
                    if (flags == MapFlags.BPF_NOEXIST) return Errno.EEXIST.negative();
                } else {
                    int rc = checkAdd(flags);
                    if (rc != 0) return rc;
                }
                int fresh = newNode(ks, koff, keyPrefix, vs, voff);
                pool.setNext(fresh, child(n, 0));
                pool.setAux(fresh, child(n, 1));
                setSlot(parent, dir, fresh);
                retired = n;
            } else {
                int rc = checkAdd(flags);
                if (rc != 0) return rc;
                int fresh = newNode(ks, koff, keyPrefix, vs, voff);
                if (matchlen == keyPrefix) {
                    setChild(fresh, bit(seg, nodeOff(n) + 4, matchlen), n);
                    setSlot(parent, dir, fresh);
                } else {
                    int im = newNode(seg, nodeOff(n), matchlen, null, 0);
                    if (bit(ks, koff + 4, matchlen) == 1) {
                        setChild(im, 0, n);
                        setChild(im, 1, fresh);
                    } else {
                        setChild(im, 0, fresh);
                        setChild(im, 1, n);
                    }
                    setSlot(parent, dir, im);
                }
            }
        }
        if (retired != NONE) pool.retire(retired);
        return 0;
    }

    private int doDelete(MemorySegment ks, long koff) {
        int keyPrefix = ks.get(Mem.INT, koff);
        if (Integer.compareUnsigned(keyPrefix, maxPrefix) > 0) return Errno.EINVAL.negative();
        int retiredA = NONE;
        int retiredB = NONE;
        synchronized (lock) {
            int trimParent = NONE, trimDir = 0;   // slot holding node
            int trim2Parent = NONE, trim2Dir = 0; // slot holding parent
            int parent = NONE;
            int n = root;
            int matchlen = 0;
            while (n != NONE) {
                matchlen = longestPrefixMatch(n, ks, koff, keyPrefix);
                int plen = prefixLen(n);
                if (plen != matchlen || plen == keyPrefix) break;
                parent = n;
                trim2Parent = trimParent;
                trim2Dir = trimDir;
                trimParent = n;
                trimDir = bit(ks, koff + 4, plen);
                n = child(n, trimDir);
            }
            if (n == NONE || prefixLen(n) != keyPrefix || prefixLen(n) != matchlen || im(n)) {
                return Errno.ENOENT.negative();
            }
            entries--;
            int c0 = child(n, 0);
            int c1 = child(n, 1);
            if (c0 != NONE && c1 != NONE) {
                pool.setHash(n, FLAG_IM); // stays as an intermediate node; its value memory stays valid
                return 0;
            }
            if (parent != NONE && im(parent) && c0 == NONE && c1 == NONE) {
                setSlot(trim2Parent, trim2Dir, child(parent, 0) == n ? child(parent, 1) : child(parent, 0));
                retiredA = parent;
                retiredB = n;
            } else {
                setSlot(trimParent, trimDir, c0 != NONE ? c0 : c1);
                retiredB = n;
            }
        }
        if (retiredA != NONE) pool.retire(retiredA);
        pool.retire(retiredB);
        return 0;
    }

    // ---- host side ----

    @Override
    byte[] hostLookup(byte[] key) {
        synchronized (lock) {
            int n = find(Mem.heap(key), 0);
            if (n == NONE) return null;
            byte[] out = new byte[valueSize];
            Mem.copy(seg, nodeOff(n) + keyStride, Mem.heap(out), 0, valueSize);
            return out;
        }
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        return doUpdate(Mem.heap(key), 0, Mem.heap(value), 0, flags);
    }

    @Override
    int hostDelete(byte[] key) {
        return doDelete(Mem.heap(key), 0);
    }

    private byte[] keyOf(int n) {
        byte[] k = new byte[keySize];
        Mem.copy(seg, nodeOff(n), Mem.heap(k), 0, keySize);
        return k;
    }

    /** trie_get_next_key: post-order, so more specific prefixes come before less specific ones. */
    @Override
    byte[] hostNextKey(byte[] key) {
        synchronized (lock) {
            int searchRoot = root;
            if (searchRoot == NONE) return null;
            int next = NONE;
            MemorySegment ks = key == null ? null : Mem.heap(key);
            int keyPrefix = key == null ? 0 : ks.get(Mem.INT, 0);
            findExact:
            if (key != null && Integer.compareUnsigned(keyPrefix, maxPrefix) <= 0) {
                int[] stack = new int[maxPrefix + 2];
                int sp = -1;
                int n = searchRoot;
                while (n != NONE) {
                    stack[++sp] = n;
                    int matchlen = longestPrefixMatch(n, ks, 0, keyPrefix);
                    int plen = prefixLen(n);
                    if (plen != matchlen || plen == keyPrefix) break;
                    n = child(n, bit(ks, 4, plen));
                }
                if (n == NONE || prefixLen(n) != keyPrefix || im(n)) break findExact;
                n = stack[sp];
                while (sp > 0) {
                    int p = stack[sp - 1];
                    if (child(p, 0) == n) {
                        int right = child(p, 1);
                        if (right != NONE) return keyOf(leftmost(right));
                    }
                    if (!im(p)) return keyOf(p);
                    n = p;
                    sp--;
                }
                return null;
            }
            next = leftmost(searchRoot);
            return keyOf(next);
        }
    }

    /** The first node in post-order under {@code n}: the leftmost non-intermediate node. */
    private int leftmost(int n) {
        int next = NONE;
        while (n != NONE) {
            if (im(n)) {
                n = child(n, 0);
            } else {
                next = n;
                int c = child(n, 0);
                n = c != NONE ? c : child(next, 1);
            }
        }
        return next;
    }

    /** Diagnostics: pool capacity, free, pending retired. */
    int[] poolStats() {
        return new int[] {pool.capacity(), pool.freeCount(), pool.pendingRetired()};
    }
}

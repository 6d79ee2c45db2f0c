package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.mem.OutOfBpfMemoryException;
import org.bpf4j.mem.Region;

/**
 * What every map shares: its spec and context, its id and handle, the BPF memory it owns, and the host
 * API's argument checks and error translation. Subclasses implement the {@code host*} primitives with
 * kernel return codes.
 */
abstract non-sealed class MapBase implements MapOps {
    final MapSpec spec;
    final MapContext ctx;
    final int id;
    final long handle;
    final MemorySegment seg;
    final long base;
    final int cpus;
    final int keySize;
    final int valueSize;
    final int maxEntries;
    private final List<Region> regions = new ArrayList<>();
    private volatile boolean closed;
    private volatile boolean frozen;

    MapBase(MapSpec spec, MapContext ctx, int id) {
        this.spec = spec;
        this.ctx = ctx;
        this.id = id;
        this.handle = MapContext.handleOf(id);
        this.seg = ctx.space().segment();
        this.base = ctx.space().base();
        this.cpus = ctx.cpus();
        this.keySize = spec.keySize();
        this.valueSize = spec.valueSize();
        this.maxEntries = spec.maxEntries();
    }

    public MapSpec spec() { return spec; }

    public int id() { return id; }

    public long handle() { return handle; }

    /** Whether programs may store into the map's values (not BPF_F_RDONLY_PROG). */
    boolean progWritable() {
        return !spec.hasFlag(MapFlags.BPF_F_RDONLY_PROG);
    }

    /** Allocates BPF memory owned by this map (freed after close, once no run can reach it). */
    final Region allocate(long bytes, String what, boolean writable) {
        try {
            Region r = ctx.space().allocate(Math.max(bytes, 8), 64, "map '" + spec.name() + "' " + what, writable);
            synchronized (regions) {
                regions.add(r);
            }
            return r;
        } catch (OutOfBpfMemoryException e) {
            throw BpfMapException.of(Errno.ENOMEM, spec, "cannot allocate " + bytes + " bytes of BPF memory for " + what);
        }
    }

    // ---- program side (see BpfMap) ----

    public abstract long lookup(long keyAddr, int cpu);

    public abstract int update(long keyAddr, long valueAddr, long flags, int cpu);

    public abstract int delete(long keyAddr);

    public int push(long valueAddr, long flags) { return Errno.EINVAL.negative(); }

    public int pop(long valueAddr) { return Errno.EINVAL.negative(); }

    public int peek(long valueAddr) { return Errno.EINVAL.negative(); }

    // ---- host API ----

    public Optional<byte[]> lookupAndDelete(byte[] key) {
        throw BpfMapException.of(Errno.ENOTSUPP, spec, "lookup_and_delete is not supported by this map type");
    }

    public Optional<byte[]> lookup(byte[] key) {
        return lookup(key, 0);
    }

    /** As map_lookup_elem: flags first, then permissions, then BPF_F_LOCK needs a spin lock in the value. */
    public Optional<byte[]> lookup(byte[] key, long flags) {
        ensureOpen();
        if ((flags & ~MapFlags.BPF_F_LOCK) != 0) throw fail(Errno.EINVAL.negative(), "lookup", flags);
        if (spec.hasFlag(MapFlags.BPF_F_WRONLY)) throw BpfMapException.of(Errno.EPERM, spec, "lookup: map is write-only (BPF_F_WRONLY)");
        boolean locked = flags != 0;
        if (locked && !hasSpinLock()) throw BpfMapException.of(Errno.EINVAL, spec, "lookup: BPF_F_LOCK and the value has no bpf_spin_lock");
        checkKey(key, "lookup");
        return Optional.ofNullable(hostLookup(key, locked));
    }

    /** Whether the value holds a {@code struct bpf_spin_lock} (only arrays and hashes may). */
    boolean hasSpinLock() { return false; }

    /** A value for the host, under its spin lock with {@code locked}: only maps with a spin lock take it. */
    byte[] hostLookup(byte[] key, boolean locked) { return hostLookup(key); }

    /**
     * BPF_MAP_FREEZE: from now on the host API can no longer change the map (EPERM); programs still can
     * unless the map is BPF_F_RDONLY_PROG. libbpf freezes {@code .rodata} after filling it.
     */
    public void freeze() {
        ensureOpen();
        frozen = true;
    }

    public boolean frozen() { return frozen; }

    public void update(byte[] key, byte[] value, long flags) {
        ensureOpen();
        if (frozen) throw BpfMapException.of(Errno.EPERM, spec, "update: map is frozen");
        if (spec.hasFlag(MapFlags.BPF_F_RDONLY)) throw BpfMapException.of(Errno.EPERM, spec, "update: map is read-only (BPF_F_RDONLY)");
        checkKey(key, "update");
        checkValue(value, "update");
        int rc = hostUpdate(key, value, flags);
        if (rc != 0) throw fail(rc, "update", flags);
    }

    public void delete(byte[] key) {
        ensureOpen();
        if (frozen) throw BpfMapException.of(Errno.EPERM, spec, "delete: map is frozen");
        if (spec.hasFlag(MapFlags.BPF_F_RDONLY)) throw BpfMapException.of(Errno.EPERM, spec, "delete: map is read-only (BPF_F_RDONLY)");
        checkKey(key, "delete");
        int rc = hostDelete(key);
        if (rc != 0) throw fail(rc, "delete", 0);
    }

    public Optional<byte[]> nextKey(byte[] key) {
        ensureOpen();
        if (spec.hasFlag(MapFlags.BPF_F_WRONLY)) throw BpfMapException.of(Errno.EPERM, spec, "get_next_key: map is write-only (BPF_F_WRONLY)");
        if (key != null) checkKey(key, "get_next_key");
        return Optional.ofNullable(hostNextKey(key));
    }

    public int hostValueSize() {
        return spec.type().perCpu() ? Math.toIntExact(round8(valueSize) * cpus) : valueSize;
    }

    abstract byte[] hostLookup(byte[] key);

    abstract int hostUpdate(byte[] key, byte[] value, long flags);

    abstract int hostDelete(byte[] key);

    /** The next key, or null for ENOENT; other errors throw. */
    abstract byte[] hostNextKey(byte[] key);

    public void close() {
        if (closed) return;
        closed = true;
        ctx.unregister(id);
        onClose();
        List<Region> owned;
        synchronized (regions) {
            owned = List.copyOf(regions);
            regions.clear();
        }
        if (!owned.isEmpty()) {
            ctx.epochs().defer(() -> owned.forEach(r -> ctx.space().free(r)));
        }
    }

    /** Hook for maps holding references (inner maps, programs) or waiting consumers. */
    void onClose() {}

    final void ensureOpen() {
        if (closed) throw BpfMapException.of(Errno.EBADF, spec, "map is closed");
    }

    final boolean closed() { return closed; }

    void checkKey(byte[] key, String op) {
        if (key == null || key.length != keySize) {
            throw BpfMapException.of(Errno.EINVAL, spec, op + ": key is " + (key == null ? "null" : key.length + " bytes")
                    + ", key_size is " + spec.keySizeU32());
        }
    }

    void checkValue(byte[] value, String op) {
        int want = hostValueSize();
        if (value == null || value.length != want) {
            throw BpfMapException.of(Errno.EINVAL, spec, op + ": value is " + (value == null ? "null" : value.length + " bytes")
                    + ", expected " + want + (spec.type().perCpu() ? " (round_up(value_size, 8) * " + cpus + " CPUs)" : ""));
        }
    }

    BpfMapException fail(int rc, String op, long flags) {
        String detail = switch (Errno.of(rc).orElse(Errno.EINVAL)) {
            case ENOENT -> "no such key" + (op.equals("update") ? " (BPF_EXIST)" : "");
            case EEXIST -> "key exists" + ((flags & 3) == MapFlags.BPF_NOEXIST ? " (BPF_NOEXIST)" : "");
            case E2BIG -> "map is full or index out of range (max_entries " + spec.maxEntriesU32() + ")";
            case ENOSPC -> "map is full (max_entries " + spec.maxEntriesU32() + ")";
            case EINVAL -> "invalid argument (flags 0x" + Long.toHexString(flags) + ")";
            default -> null;
        };
        return BpfMapException.of(rc, spec, op, detail);
    }

    // ---- per-CPU host helpers ----

    /** Splits a host per-CPU buffer (values rounded to 8 bytes) into value_size arrays. */
    List<byte[]> splitPerCpu(byte[] all) {
        int stride = (int) round8(valueSize);
        List<byte[]> out = new ArrayList<>(cpus);
        for (int c = 0; c < cpus; c++) {
            out.add(java.util.Arrays.copyOfRange(all, c * stride, c * stride + valueSize));
        }
        return out;
    }

    byte[] joinPerCpu(List<byte[]> values, String op) {
        if (values.size() != cpus) {
            throw BpfMapException.of(Errno.EINVAL, spec, op + ": " + values.size() + " values for " + cpus + " CPUs");
        }
        int stride = (int) round8(valueSize);
        byte[] all = new byte[stride * cpus];
        for (int c = 0; c < cpus; c++) {
            byte[] v = values.get(c);
            if (v.length != valueSize) {
                throw BpfMapException.of(Errno.EINVAL, spec, op + ": CPU " + c + " value is " + v.length + " bytes, value_size is " + valueSize);
            }
            System.arraycopy(v, 0, all, c * stride, valueSize);
        }
        return all;
    }

    static long round8(long n) {
        return (n + 7) & ~7L;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + spec + ", id " + id + "]";
    }
}

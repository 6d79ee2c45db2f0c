package org.bpf4j.linux;

import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.maps.Errno;

/**
 * A map in the kernel, owned through its file descriptor. Keys and values are byte arrays in the
 * kernel's layout (little-endian on x86-64); their sizes are checked against the spec before the call.
 *
 * <p>Not safe for a {@link #close()} concurrent with other calls; concurrent element operations are
 * as safe as the kernel makes them.
 */
public final class KernelMap implements org.bpf4j.api.MapHandle {

    private final FdHandle handle;
    private final KernelMapSpec spec;
    /** The map's name in its object (the kernel keeps 15 characters) and BTF types, when an object declared it. */
    private volatile String objectName;
    private volatile Optional<org.bpf4j.btf.MapBtf> btf = Optional.empty();

    private KernelMap(FdHandle handle, KernelMapSpec spec) {
        this.handle = handle;
        this.spec = spec;
    }

    /** {@code BPF_MAP_CREATE}. */
    public static KernelMap create(KernelMapSpec spec) {
        Objects.requireNonNull(spec, "spec");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            Attr.putU32(attr, Attr.MapCreate.MAP_TYPE, spec.type().id());
            Attr.putU32(attr, Attr.MapCreate.KEY_SIZE, spec.keySize());
            Attr.putU32(attr, Attr.MapCreate.VALUE_SIZE, spec.valueSize());
            Attr.putU32(attr, Attr.MapCreate.MAX_ENTRIES, spec.maxEntries());
            Attr.putU32(attr, Attr.MapCreate.MAP_FLAGS, spec.flags());
            Attr.putU32(attr, Attr.MapCreate.INNER_MAP_FD, spec.innerMapFd());
            Attr.putName(attr, Attr.MapCreate.MAP_NAME, spec.name());
            Attr.putU32(attr, Attr.MapCreate.BTF_FD, spec.btfFd());
            Attr.putU32(attr, Attr.MapCreate.BTF_KEY_TYPE_ID, spec.btfKeyTypeId());
            Attr.putU32(attr, Attr.MapCreate.BTF_VALUE_TYPE_ID, spec.btfValueTypeId());
            Attr.putU64(attr, Attr.MapCreate.MAP_EXTRA, spec.mapExtra());
            int fd = (int) Sys.bpfOrThrow(a, BpfCommand.BPF_MAP_CREATE, attr, Attr.MapCreate.END, describe(spec));
            return new KernelMap(new FdHandle(fd, describe(spec)), spec);
        }
    }

    /**
     * {@code BPF_OBJ_GET}: opens a map pinned in bpffs; its spec is read back from the kernel
     * ({@code BPF_OBJ_GET_INFO_BY_FD}).
     *
     * @throws IllegalArgumentException when the pinned object is not a map
     */
    public static KernelMap openPinned(Path path) {
        int fd = Pins.get(path);
        FdHandle h = new FdHandle(fd, "pinned map " + path);
        try {
            if (!Pins.fdinfo(fd).contains("map_type:")) {
                throw new IllegalArgumentException(path + " is not a pinned map");
            }
            return new KernelMap(h, readSpec(h));
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /**
     * {@code BPF_MAP_GET_FD_BY_ID}: the map with kernel id {@code id} (as {@code bpftool map show} lists it),
     * its spec read back from the kernel.
     *
     * @throws KernelObjects.NotFoundException when no map has that id
     */
    public static KernelMap open(int id) {
        FdHandle h = KernelObjects.open(KernelObjects.Kind.MAP, id);
        try {
            return new KernelMap(h, readSpec(h));
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** The number of value slots a per-CPU map has: the possible CPUs. */
    public static int possibleCpus() { return PossibleCpus.count(); }

    public KernelMapSpec spec() { return spec; }

    @Override
    public MapType type() { return spec.type(); }

    /** The map's name in the object it was loaded from, or the kernel's (at most 15 characters). */
    @Override
    public String name() { return objectName != null ? objectName : spec.name(); }

    @Override
    public int keySize() { return spec.keySize(); }

    @Override
    public int valueSize() { return spec.valueSize(); }

    @Override
    public int maxEntries() { return spec.maxEntries(); }

    @Override
    public int hostValueSize() { return spec.type().perCpu() ? stride() * possibleCpus() : spec.valueSize(); }

    @Override
    public Optional<org.bpf4j.btf.MapBtf> btf() { return btf; }

    /** Records what the object that declared this map calls it and its BTF key and value types. */
    void declaredAs(String name, Optional<org.bpf4j.btf.MapBtf> types) {
        this.objectName = name;
        this.btf = types;
    }

    /** The descriptor, valid until {@link #close()}; e.g. for {@code lddw} map references. */
    public int fd() { return handle.fd(); }

    /** The kernel-wide map id (as {@code bpftool map show} prints it). */
    public int id() {
        try (Arena a = Arena.ofConfined()) {
            return info(a, handle).get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.ID);
        }
    }

    // ---- element operations -------------------------------------------------------------------

    /**
     * {@code BPF_MAP_LOOKUP_ELEM}; on a queue or stack ({@code key == null}) this peeks.
     *
     * @return the value, or empty on {@code ENOENT}
     */
    public Optional<byte[]> lookup(byte[] key) { return lookup(key, 0); }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM} with {@code flags} ({@link MapFlags#BPF_F_LOCK}: copied under the value's spin lock);
     * a per-CPU map's value is every possible CPU's, each rounded up to 8 bytes ({@link #lookupPerCpu} splits it).
     */
    @Override
    public Optional<byte[]> lookup(byte[] key, long flags) {
        return readValue(BpfCommand.BPF_MAP_LOOKUP_ELEM, key, flags);
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM} on a per-CPU map: one value per possible CPU, in CPU order (the kernel
     * hands them out 8-byte aligned; the padding is dropped).
     */
    @Override
    public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        requirePerCpu(BpfCommand.BPF_MAP_LOOKUP_ELEM);
        int ncpu = possibleCpus();
        int stride = stride();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate((long) stride * ncpu, 8);
            long r = elem(a, BpfCommand.BPF_MAP_LOOKUP_ELEM, keySegment(a, key), v, 0);
            if (r == -Errno.ENOENT.number()) return Optional.empty();
            check(BpfCommand.BPF_MAP_LOOKUP_ELEM, r);
            List<byte[]> out = new ArrayList<>(ncpu);
            for (int cpu = 0; cpu < ncpu; cpu++) {
                out.add(v.asSlice((long) cpu * stride, spec.valueSize()).toArray(ValueLayout.JAVA_BYTE));
            }
            return Optional.of(List.copyOf(out));
        }
    }

    /** {@code BPF_MAP_UPDATE_ELEM} with {@code flags} ({@link MapFlags}: {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST}, {@code BPF_F_LOCK}). */
    @Override
    public void update(byte[] key, byte[] value, long flags) {
        requireSize("value", value, hostValueSize());
        SegmentAllocator a = scratch(value.length);
        long r = elem(a, BpfCommand.BPF_MAP_UPDATE_ELEM, keySegment(a, key), bytes(a, value), flags);
        check(BpfCommand.BPF_MAP_UPDATE_ELEM, r);
    }

    /** {@link #update} with {@link MapFlags#BPF_ANY}: insert or replace. */
    public void put(byte[] key, byte[] value) { update(key, value, MapFlags.BPF_ANY); }

    /** {@code BPF_MAP_UPDATE_ELEM} on a per-CPU map: exactly one value per possible CPU. */
    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        requirePerCpu(BpfCommand.BPF_MAP_UPDATE_ELEM);
        int ncpu = possibleCpus();
        if (values.size() != ncpu) {
            throw new IllegalArgumentException("per-CPU update needs " + ncpu + " values (possible CPUs), got " + values.size());
        }
        int stride = stride();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate((long) stride * ncpu, 8);
            for (int cpu = 0; cpu < ncpu; cpu++) {
                byte[] b = values.get(cpu);
                requireSize("value for cpu " + cpu, b, spec.valueSize());
                MemorySegment.copy(b, 0, v, ValueLayout.JAVA_BYTE, (long) cpu * stride, b.length);
            }
            long r = elem(a, BpfCommand.BPF_MAP_UPDATE_ELEM, keySegment(a, key), v, flags);
            check(BpfCommand.BPF_MAP_UPDATE_ELEM, r);
        }
    }

    /**
     * {@code BPF_MAP_DELETE_ELEM}.
     *
     * @throws BpfException {@code ENOENT} when the key is absent, {@code EINVAL} on an array
     */
    @Override
    public void delete(byte[] key) {
        SegmentAllocator a = scratch(0);
        long r = elem(a, BpfCommand.BPF_MAP_DELETE_ELEM, keySegment(a, key), null, 0);
        check(BpfCommand.BPF_MAP_DELETE_ELEM, r);
    }

    /**
     * {@code BPF_MAP_GET_NEXT_KEY}: the key after {@code key}, or the first key when {@code key} is
     * null. What follows a key that is not in the map is the map type's business (a hash map restarts
     * at its first key; an array returns index 0 for an out-of-range index).
     *
     * @return the next key, or empty on {@code ENOENT} (the end)
     */
    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        SegmentAllocator a = scratch(spec.keySize());
        MemorySegment next = a.allocate(Math.max(1, spec.keySize()));
        long r = elem(a, BpfCommand.BPF_MAP_GET_NEXT_KEY, key == null ? null : keySegment(a, key), next, 0);
        if (r == -Errno.ENOENT.number()) return Optional.empty();
        check(BpfCommand.BPF_MAP_GET_NEXT_KEY, r);
        return Optional.of(next.asSlice(0, spec.keySize()).toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * All keys, by walking {@link #nextKey}. The walk is bounded by {@code max_entries}: a hash map
     * modified concurrently may restart, and the kernel promises no more than that.
     */
    @Override
    public List<byte[]> keys() {
        List<byte[]> out = new ArrayList<>();
        byte[] k = null;
        while (out.size() < Math.max(1, spec.maxEntries())) {
            Optional<byte[]> n = nextKey(k);
            if (n.isEmpty()) break;
            k = n.get();
            out.add(k);
        }
        return out;
    }

    /**
     * {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM}: for a queue or stack ({@code key == null}) this pops;
     * hash maps support it since Linux 5.14.
     */
    @Override
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        return readValue(BpfCommand.BPF_MAP_LOOKUP_AND_DELETE_ELEM, key, 0);
    }

    @Override
    public org.bpf4j.api.Batch lookupBatch(Optional<org.bpf4j.api.BatchCursor> from, int count, long elemFlags) {
        try {
            return KernelMapBatches.lookup(this, handle.fd(), from, count, elemFlags, false);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    @Override
    public org.bpf4j.api.Batch lookupAndDeleteBatch(Optional<org.bpf4j.api.BatchCursor> from, int count, long elemFlags) {
        try {
            return KernelMapBatches.lookup(this, handle.fd(), from, count, elemFlags, true);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    @Override
    public int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags) {
        Objects.requireNonNull(values, "values");
        try {
            return KernelMapBatches.write(this, handle.fd(), keys, values, elemFlags);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    @Override
    public int deleteBatch(List<byte[]> keys, long elemFlags) {
        try {
            return KernelMapBatches.write(this, handle.fd(), keys, null, elemFlags);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    /** Queue/stack push: with {@link MapFlags#BPF_EXIST} a full queue drops its oldest element instead of failing with E2BIG. */
    public void push(byte[] value, long flags) { update(null, value, flags); }

    /** Queue/stack peek. */
    public Optional<byte[]> peek() { return lookup(null); }

    /** Queue/stack pop. */
    public Optional<byte[]> pop() { return lookupAndDelete(null); }

    /**
     * This ring buffer mapped into the JVM, to read with {@link org.bpf4j.maps.RingBufferReader}.
     *
     * @throws IllegalArgumentException when this map is not a ring buffer
     */
    public KernelRingBuffer ringBuffer() {
        return KernelRingBuffer.of(this);
    }

    /** This ring buffer mapped and read with the reader bpf4j's own ring buffers have; closing the reader unmaps it. */
    @Override
    public org.bpf4j.api.RingReader openRingBuffer() {
        KernelRingBuffer ring = ringBuffer();
        return new org.bpf4j.api.RingReader(ring, ring);
    }

    /**
     * A reader of this perf event array: a ring of {@code pagesPerCpu} data pages (a power of two) on every
     * online CPU, woken every {@code wakeupEvents} samples (libbpf's perf_buffer__new).
     *
     * @throws IllegalArgumentException when this map is not a perf event array, or the sizes are not
     */
    public KernelPerfBuffer perfBuffer(int pagesPerCpu, int wakeupEvents) {
        return KernelPerfBuffer.of(this, pagesPerCpu, wakeupEvents);
    }

    /** {@code BPF_MAP_FREEZE}: from now on the syscall side may not write (programs still may). */
    @Override
    public void freeze() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            Attr.putU32(attr, Attr.MapElem.MAP_FD, handle.fd());
            try {
                check(BpfCommand.BPF_MAP_FREEZE, Sys.bpf(a, BpfCommand.BPF_MAP_FREEZE, attr, Attr.MapElem.FREEZE_END));
            } finally {
                Reference.reachabilityFence(handle);
            }
        }
    }

    /** {@code BPF_OBJ_PIN}: pins the map at {@code path} in a bpffs; remove the pin by deleting the file. */
    public void pin(Path path) {
        try {
            Pins.pin(handle.fd(), path);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    @Override
    public void close() { handle.close(); }

    @Override
    public String toString() {
        return describe(spec) + (handle.isClosed() ? " (closed)" : " fd " + handle.fd());
    }

    // ---- internals ---------------------------------------------------------------------------

    /** LOOKUP_ELEM or LOOKUP_AND_DELETE_ELEM: the value (all CPUs' for a per-CPU map), or empty for ENOENT. */
    private Optional<byte[]> readValue(BpfCommand cmd, byte[] key, long flags) {
        int size = hostValueSize();
        SegmentAllocator a = scratch(size);
        MemorySegment v = a.allocate(Math.max(1, size), 8);
        long r = elem(a, cmd, keySegment(a, key), v, flags);
        if (r == -Errno.ENOENT.number()) return Optional.empty();
        check(cmd, r);
        return Optional.of(v.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * This thread's scratch memory for one element command: the attr, the errno capture, the key (twice for
     * GET_NEXT_KEY) and {@code valueBytes}, each with room to align.
     */
    private SegmentAllocator scratch(long valueBytes) {
        return Scratch.forCall(Attr.ALLOC + 64 + 2L * spec.keySize() + valueBytes + 64);
    }

    private long elem(SegmentAllocator a, BpfCommand cmd, MemorySegment key, MemorySegment valueOrNext, long flags) {
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.MapElem.MAP_FD, handle.fd());
        Attr.putPtr(attr, Attr.MapElem.KEY, key);
        Attr.putPtr(attr, Attr.MapElem.VALUE, valueOrNext);
        Attr.putU64(attr, Attr.MapElem.FLAGS, flags);
        try {
            return Sys.bpf(a, cmd, attr, Attr.MapElem.END);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    private void check(BpfCommand cmd, long r) {
        if (r < 0) throw BpfException.of(cmd, (int) -r, describe(spec));
    }

    /** The key in native memory, or null for keyless maps (and for a null key). */
    private MemorySegment keySegment(SegmentAllocator a, byte[] key) {
        if (key == null) {
            return null;
        }
        requireSize("key", key, spec.keySize());
        return bytes(a, key);
    }

    private static MemorySegment bytes(SegmentAllocator a, byte[] b) {
        if (b.length == 0) return null;
        return a.allocateFrom(ValueLayout.JAVA_BYTE, b);
    }

    private void requireSize(String what, byte[] b, int size) {
        Objects.requireNonNull(b, what);
        if (b.length != size) {
            throw new IllegalArgumentException(what + " is " + b.length + " bytes, " + describe(spec) + " has " + size);
        }
    }

    private int stride() { return (spec.valueSize() + 7) & ~7; }

    /** As bpf4j's maps refuse it: EINVAL, the per-CPU layout asked of a map that has one value per key. */
    private void requirePerCpu(BpfCommand cmd) {
        if (!spec.type().perCpu()) throw BpfException.of(cmd, Errno.EINVAL.number(), describe(spec) + ": not a per-CPU map");
    }

    static String describe(KernelMapSpec spec) {
        return spec.type() + " map" + (spec.name().isEmpty() ? "" : " '" + spec.name() + "'");
    }

    private static MemorySegment info(Arena a, FdHandle h) {
        MemorySegment info = a.allocate(Attr.MapInfo.SIZE, 8);
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.Info.BPF_FD, h.fd());
        Attr.putU32(attr, Attr.Info.INFO_LEN, (int) Attr.MapInfo.SIZE);
        Attr.putPtr(attr, Attr.Info.INFO, info);
        try {
            Sys.bpfOrThrow(a, BpfCommand.BPF_OBJ_GET_INFO_BY_FD, attr, Attr.Info.END, "map info");
        } finally {
            Reference.reachabilityFence(h);
        }
        return info;
    }

    private static KernelMapSpec readSpec(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = info(a, h);
            int typeId = i.get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.TYPE);
            MapType type = MapType.byId(typeId).orElseThrow(() -> new IllegalStateException("unknown map type " + typeId));
            byte[] nameBytes = i.asSlice(Attr.MapInfo.NAME, Attr.OBJ_NAME_LEN).toArray(ValueLayout.JAVA_BYTE);
            int len = 0;
            while (len < nameBytes.length && nameBytes[len] != 0) len++;
            return KernelMapSpec.of(type,
                            i.get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.KEY_SIZE),
                            i.get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.VALUE_SIZE),
                            i.get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.MAX_ENTRIES))
                    .withFlags(i.get(ValueLayout.JAVA_INT_UNALIGNED, Attr.MapInfo.MAP_FLAGS))
                    .withName(new String(nameBytes, 0, len, StandardCharsets.US_ASCII))
                    .withMapExtra(i.get(ValueLayout.JAVA_LONG_UNALIGNED, Attr.MapInfo.MAP_EXTRA));
        }
    }

    /** BPF_OBJ_PIN / BPF_OBJ_GET and fdinfo, shared with programs. */
    static final class Pins {
        private Pins() {}

        static void pin(int fd, Path path) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment attr = Attr.allocate(a);
                Attr.putPtr(attr, Attr.Obj.PATHNAME, a.allocateFrom(path.toString()));
                Attr.putU32(attr, Attr.Obj.BPF_FD, fd);
                Sys.bpfOrThrow(a, BpfCommand.BPF_OBJ_PIN, attr, Attr.Obj.END, path.toString());
            }
        }

        static int get(Path path) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment attr = Attr.allocate(a);
                Attr.putPtr(attr, Attr.Obj.PATHNAME, a.allocateFrom(path.toString()));
                return (int) Sys.bpfOrThrow(a, BpfCommand.BPF_OBJ_GET, attr, Attr.Obj.END, path.toString());
            }
        }

        static String fdinfo(int fd) {
            try {
                return Files.readString(Path.of("/proc/self/fdinfo/" + fd));
            } catch (IOException e) {
                return "";
            }
        }
    }
}

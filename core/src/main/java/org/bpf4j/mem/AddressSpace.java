package org.bpf4j.mem;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One BPF address space: a single reserved range of virtual memory inside which every region a
 * program may touch is allocated. A BPF pointer is a real address in this range; engines access memory
 * through {@link #segment()}, whose bounds check is the last line of defence: even a verifier bug can
 * only reach BPF data, never the JVM's own memory.
 *
 * <p>The space's size is a power of two, and verified code addresses it through {@link #sandbox()}: the
 * space plus {@link #MARGIN} bytes on each side, with the offset {@code ((reg - base) & (size - 1)) + off
 * + MARGIN} for an access {@code [reg + off]}. That offset lies inside the sandbox for every register
 * value and every 16-bit {@code off}, so C2 proves it and drops the bounds check; a legitimate access
 * keeps its address because no region comes within {@code MARGIN} of the space's ends (a register
 * points at most 32 KiB before or after the byte it accesses). On Linux the space is aligned to its
 * size ({@link #aligned()}), which reduces {@code (reg - base) & mask} to {@code reg & mask}: one
 * instruction per register value, shared by all its offsets; and when the size is at most 2 GiB, C2
 * folds the rest into x86's {@code [constant + index]} addressing.
 *
 * <p>On Linux the range is {@code mmap}ed with {@code MAP_NORESERVE}, so untouched pages cost nothing;
 * elsewhere a smaller zeroed segment is allocated. Closing the space goes through a shared
 * {@link Arena}, so a use after close raises an exception instead of touching unmapped memory.
 *
 * <p>Allocation is first-fit over a free list; it happens when maps, stacks and buffers are created, not
 * on the hot path. Lookups of live regions (checked mode) read an immutable snapshot without locking.
 */
public final class AddressSpace implements AutoCloseable {
    /**
     * The default size: on Linux the largest whose accesses keep x86's shortest addressing (see the class
     * comment), reserved lazily; elsewhere committed up front, so smaller.
     */
    public static final long DEFAULT_SIZE = NativeReservation.available() ? 2L << 30 : 256L << 20;
    /** The smallest space: sizes are rounded up to a power of two and at least this. */
    public static final long MIN_SIZE = 1L << 20;
    /**
     * Bytes kept free of regions at each end of the space, and added around it in the sandbox: more than
     * any 16-bit instruction offset plus an 8-byte access.
     */
    public static final long MARGIN = 64L << 10;
    private static final long ALIGN = 16;
    /**
     * Unallocated bytes after every region, so that checked mode catches a small overrun (a store just
     * past a stack frame or a map value) instead of letting it land in the neighbouring region.
     */
    private static final long GUARD = 64;

    private final Arena arena;
    private final MemorySegment sandbox;
    private final MemorySegment segment;
    private final long base;
    private final long size;

    // Allocator state, guarded by this.
    private long bump = MARGIN;
    private long highWater; // memory at and above this offset was never handed out: still zero
    private final TreeMap<Long, Long> free = new TreeMap<>(); // offset -> length
    private final TreeMap<Long, Region> live = new TreeMap<>(); // address -> region

    private final CheckedMemory checked;

    /** Immutable, sorted snapshot of live regions for lock-free lookups. */
    private volatile Region[] snapshot = new Region[0];

    private AddressSpace(Arena arena, MemorySegment sandbox) {
        this.arena = arena;
        this.sandbox = sandbox;
        this.size = sandbox.byteSize() - 2 * MARGIN;
        this.segment = sandbox.asSlice(MARGIN, size);
        this.base = segment.address();
        this.checked = new CheckedMemory(this);
    }

    /**
     * Reserves a space of {@code size} bytes rounded up to a power of two (at least {@link #MIN_SIZE});
     * {@code 2 * MARGIN} of them are never allocated. On Linux lazily and aligned to its size, elsewhere
     * as {@link #allocateCommitted}.
     */
    public static AddressSpace reserve(long size) {
        return create(size, NativeReservation.available());
    }

    /**
     * A space in memory allocated and zeroed up front, at no particular alignment: what platforms
     * without {@code mmap} get from {@link #reserve}.
     */
    public static AddressSpace allocateCommitted(long size) {
        return create(size, false);
    }

    private static AddressSpace create(long size, boolean lazy) {
        if (size <= 0) throw new IllegalArgumentException("address space size must be positive: " + size);
        if (size > 1L << 40) throw new IllegalArgumentException("address space size over 1 TiB: " + size);
        long rounded = Math.max(MIN_SIZE, Long.highestOneBit(size - 1) << 1);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment sandbox = lazy
                    ? NativeReservation.mapAligned(rounded, MARGIN, arena)
                    : arena.allocate(rounded + 2 * MARGIN, 4096);
            return new AddressSpace(arena, sandbox);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Checked host access to this space (one instance: it holds no state of its own). */
    public CheckedMemory checked() { return checked; }

    /** The whole space; offset 0 is {@link #base()}. */
    public MemorySegment segment() { return segment; }

    /** The space and {@link #MARGIN} bytes on each side: what verified code accesses (class comment). */
    public MemorySegment sandbox() { return sandbox; }

    public long base() { return base; }

    /** A power of two. */
    public long size() { return size; }

    /** Reduces an offset into the space modulo its size. */
    public long offsetMask() { return size - 1; }

    /** Whether {@link #base()} is a multiple of {@link #size()}, so that {@code (a - base) & mask == a & mask}. */
    public boolean aligned() { return (base & (size - 1)) == 0; }

    /** Allocates a zeroed region aligned to 16 bytes. */
    public Region allocate(long bytes, String name, boolean writable) {
        return allocate(bytes, ALIGN, name, writable);
    }

    /** Allocates a zeroed region aligned to {@code align} (a power of two). */
    public synchronized Region allocate(long bytes, long align, String name, boolean writable) {
        if (bytes <= 0) throw new IllegalArgumentException("region size must be positive: " + bytes);
        if (Long.bitCount(align) != 1) throw new IllegalArgumentException("alignment must be a power of two: " + align);
        align = Math.max(align, ALIGN);
        long length = ((bytes + ALIGN - 1) & -ALIGN) + GUARD;
        long offset = takeFree(length, align);
        if (offset < 0) {
            long start = (bump + align - 1) & -align;
            if (start > size - MARGIN - length || length > size) {
                throw new OutOfBpfMemoryException("BPF address space exhausted: cannot allocate " + bytes
                        + " bytes for " + name + " (" + (size >> 20) + " MiB reserved)");
            }
            if (start > bump) release(bump, start - bump);
            bump = start + length;
            offset = start;
        }
        if (offset < highWater) {
            segment.asSlice(offset, Math.min(length, highWater - offset)).fill((byte) 0);
        }
        highWater = Math.max(highWater, offset + length);
        Region region = new Region(base + offset, bytes, name, writable);
        live.put(region.address(), region);
        publish();
        return region;
    }

    /** Returns a region's memory to the allocator. The caller guarantees no program can still reach it. */
    public synchronized void free(Region region) {
        Region removed = live.remove(region.address());
        if (removed == null || !removed.equals(region)) {
            throw new IllegalArgumentException("not a live region of this address space: " + region);
        }
        publish();
        release(region.address() - base, ((region.size() + ALIGN - 1) & -ALIGN) + GUARD);
    }

    /** The live region holding all of {@code [address, address + len)}, if any. */
    public Optional<Region> find(long address, long len) {
        Region r = lookup(address, len);
        return Optional.ofNullable(r);
    }

    /** The live region holding all of {@code [address, address + len)}, or null: for engines' hot paths. */
    public Region lookup(long address, long len) {
        Region[] regions = snapshot;
        int lo = 0;
        int hi = regions.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Region r = regions[mid];
            if (Long.compareUnsigned(r.address(), address) > 0) {
                hi = mid - 1;
            } else if (r.contains(address, len)) {
                return r;
            } else {
                lo = mid + 1;
            }
        }
        return null;
    }

    /** Segment over one region, for host code (helpers, map APIs) to read and write it. */
    public MemorySegment slice(Region region) {
        return segment.asSlice(region.address() - base, region.size());
    }

    @Override
    public void close() {
        arena.close();
    }

    private void publish() {
        snapshot = live.values().toArray(new Region[0]);
    }

    private long takeFree(long length, long align) {
        for (Map.Entry<Long, Long> e : free.entrySet()) {
            long start = e.getKey();
            long blockEnd = start + e.getValue();
            long aligned = (start + align - 1) & -align;
            if (aligned + length <= blockEnd) {
                free.remove(start);
                if (aligned > start) free.put(start, aligned - start);
                if (aligned + length < blockEnd) free.put(aligned + length, blockEnd - aligned - length);
                return aligned;
            }
        }
        return -1;
    }

    private void release(long offset, long length) {
        long start = offset;
        long end = offset + length;
        Map.Entry<Long, Long> before = free.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start) {
            start = before.getKey();
            free.remove(before.getKey());
        }
        Long afterLen = free.get(end);
        if (afterLen != null) {
            free.remove(end);
            end += afterLen;
        }
        if (end == bump) {
            bump = start; // give the tail back to the bump pointer
        } else {
            free.put(start, end - start);
        }
    }

    /** Live regions, in address order (diagnostics, tests). */
    public java.util.List<Region> regions() {
        return java.util.List.of(snapshot);
    }

    /** Lazy reservation through mmap(MAP_NORESERVE), where the platform has it. */
    private static final class NativeReservation {
        private static final int PROT_NONE = 0;
        private static final int PROT_READ_WRITE = 0x1 | 0x2;
        private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;
        private static final int MAP_FIXED = 0x10;
        private static final MethodHandle MMAP;
        private static final MethodHandle MUNMAP;

        static {
            MethodHandle mmap = null;
            MethodHandle munmap = null;
            String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
            if (os.contains("linux")) {
                try {
                    Linker linker = Linker.nativeLinker();
                    var lookup = linker.defaultLookup();
                    mmap = lookup.find("mmap").map(addr -> linker.downcallHandle(addr, FunctionDescriptor.of(
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
                    munmap = lookup.find("munmap").map(addr -> linker.downcallHandle(addr, FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG))).orElse(null);
                } catch (RuntimeException e) {
                    mmap = null; // native access not permitted: fall back to a committed segment
                    munmap = null;
                }
            }
            MMAP = mmap;
            MUNMAP = munmap;
        }

        static boolean available() {
            return MMAP != null && MUNMAP != null;
        }

        /**
         * Maps {@code [start, start + size + 2 * margin)} with {@code start + margin} a multiple of
         * {@code size}: reserves inaccessible address space large enough to hold such a range, maps the
         * range over it and returns the rest.
         */
        static MemorySegment mapAligned(long size, long margin, Arena arena) {
            long length = size + 2 * margin;
            long probe = mmap(0, length + size, PROT_NONE, MAP_PRIVATE_ANONYMOUS_NORESERVE);
            long start = ((probe + margin + size - 1) & -size) - margin;
            try {
                if (mmap(start, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS_NORESERVE | MAP_FIXED) != start) {
                    throw new IllegalStateException("mmap(MAP_FIXED) placed the mapping elsewhere");
                }
            } catch (RuntimeException | Error e) {
                unmap(probe, length + size);
                throw e;
            }
            if (start > probe) unmap(probe, start - probe);
            long end = start + length;
            if (probe + length + size > end) unmap(end, probe + length + size - end);
            return MemorySegment.ofAddress(start).reinterpret(length, arena, ignored -> unmap(start, length));
        }

        private static long mmap(long address, long length, int prot, int flags) {
            MemorySegment raw;
            try {
                raw = (MemorySegment) MMAP.invokeExact(MemorySegment.ofAddress(address), length, prot, flags, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            if (raw.address() == -1L || raw.address() == 0L) {
                throw new OutOfBpfMemoryException("cannot reserve " + (length >> 20) + " MiB of address space for BPF memory (mmap failed)");
            }
            return raw.address();
        }

        private static void unmap(long address, long size) {
            try {
                int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
                assert rc == 0;
            } catch (Throwable t) {
                throw new IllegalStateException("munmap failed", t);
            }
        }
    }

    @Override
    public String toString() {
        return String.format("AddressSpace[0x%x..0x%x, %d regions]", base, base + size, snapshot.length);
    }
}

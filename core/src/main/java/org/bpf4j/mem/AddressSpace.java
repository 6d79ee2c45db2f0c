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
 * <p>On Linux the range is {@code mmap}ed with {@code MAP_NORESERVE}, so untouched pages cost nothing;
 * elsewhere a smaller zeroed segment is allocated. Closing the space goes through a shared
 * {@link Arena}, so a use after close raises an exception instead of touching unmapped memory.
 *
 * <p>Allocation is first-fit over a free list; it happens when maps, stacks and buffers are created, not
 * on the hot path. Lookups of live regions (checked mode) read an immutable snapshot without locking.
 */
public final class AddressSpace implements AutoCloseable {
    /** Default reservation on Linux: virtual only, pages are committed when first touched. */
    public static final long DEFAULT_LINUX_SIZE = 16L << 30;
    /** Default where no lazy reservation is available: committed up front. */
    public static final long DEFAULT_PORTABLE_SIZE = 256L << 20;
    private static final long ALIGN = 16;
    /**
     * Unallocated bytes after every region, so that checked mode catches a small overrun (a store just
     * past a stack frame or a map value) instead of letting it land in the neighbouring region.
     */
    private static final long GUARD = 64;

    private final Arena arena;
    private final MemorySegment segment;
    private final long base;
    private final long size;

    // Allocator state, guarded by this.
    private long bump;
    private long highWater; // memory at and above this offset was never handed out: still zero
    private final TreeMap<Long, Long> free = new TreeMap<>(); // offset -> length
    private final TreeMap<Long, Region> live = new TreeMap<>(); // address -> region

    private final CheckedMemory checked;

    /** Immutable, sorted snapshot of live regions for lock-free lookups. */
    private volatile Region[] snapshot = new Region[0];

    private AddressSpace(Arena arena, MemorySegment segment) {
        this.arena = arena;
        this.segment = segment;
        this.base = segment.address();
        this.size = segment.byteSize();
        this.checked = new CheckedMemory(this);
    }

    /** Reserves the default size for this platform. */
    public static AddressSpace reserve() {
        return NativeReservation.available() ? reserve(DEFAULT_LINUX_SIZE) : reserve(DEFAULT_PORTABLE_SIZE);
    }

    /** Reserves {@code size} bytes (rounded up to 64 KiB). */
    public static AddressSpace reserve(long size) {
        if (size <= 0) throw new IllegalArgumentException("address space size must be positive: " + size);
        long rounded = (size + 0xffff) & ~0xffffL;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = NativeReservation.available()
                    ? NativeReservation.map(rounded, arena)
                    : arena.allocate(rounded, 4096);
            return new AddressSpace(arena, seg);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Checked host access to this space (one instance: it holds no state of its own). */
    public CheckedMemory checked() { return checked; }

    /** The whole space; offset 0 is {@link #base()}. */
    public MemorySegment segment() { return segment; }

    public long base() { return base; }

    public long size() { return size; }

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
            if (start > size - length || length > size) {
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
        private static final int PROT_READ_WRITE = 0x1 | 0x2;
        private static final int MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000;
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

        static MemorySegment map(long size, Arena arena) {
            MemorySegment raw;
            try {
                raw = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS_NORESERVE, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            if (raw.address() == -1L || raw.address() == 0L) {
                throw new OutOfBpfMemoryException("cannot reserve " + (size >> 20) + " MiB of address space for BPF memory (mmap failed)");
            }
            long address = raw.address();
            return raw.reinterpret(size, arena, ignored -> unmap(address, size));
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

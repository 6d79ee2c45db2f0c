package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * Native memory a thread reuses for the arguments of one syscall at a time (a bpf_attr, a key, a value, the
 * errno capture), so that a map lookup from Java allocates and frees nothing native: a confined arena per call
 * cost about as much as the bpf(2) call itself. Not for memory the kernel keeps, nor across nested calls.
 */
final class Scratch {
    private Scratch() {}

    private static final long INITIAL = 4096;
    private static final ThreadLocal<MemorySegment[]> SEGMENT = ThreadLocal.withInitial(() -> new MemorySegment[] {
            Arena.ofAuto().allocate(INITIAL, 16)});

    /**
     * An allocator over this thread's scratch memory for one call needing at most {@code bytes} (alignment padding
     * included); what it hands out is not zeroed and is valid until the thread's next call of this method.
     */
    static SegmentAllocator forCall(long bytes) {
        MemorySegment[] holder = SEGMENT.get();
        if (holder[0].byteSize() < bytes) {
            // the auto arena frees the old segment once nothing refers to it
            holder[0] = Arena.ofAuto().allocate(Long.highestOneBit(bytes - 1) << 1, 16);
        }
        return SegmentAllocator.slicingAllocator(holder[0]);
    }
}

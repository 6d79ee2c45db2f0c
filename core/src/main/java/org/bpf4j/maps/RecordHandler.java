package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;

/**
 * Receives one ring buffer record or perf sample in place: {@code length} bytes of {@code segment} from
 * {@code offset}, valid only during the call (the memory is the ring's own, or a reused buffer for a record
 * that wraps), so that a reader hands out records without allocating. Copy what must outlive the call.
 */
@FunctionalInterface
public interface RecordHandler {
    /** One record; {@code cpu} is the CPU whose perf ring held it, -1 for a ring buffer (one ring for all CPUs). */
    void onRecord(int cpu, MemorySegment segment, long offset, int length);
}

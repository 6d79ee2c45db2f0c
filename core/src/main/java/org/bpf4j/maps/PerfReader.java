package org.bpf4j.maps;

import java.time.Duration;

/**
 * The reader of a perf event array's per-CPU buffers, the same for bpf4j's {@link PerfEventArrayMap} and
 * the kernel's (linux {@code KernelPerfBuffer}), as libbpf's perf_buffer: samples handed in place to a
 * {@link RecordHandler} with the CPU whose buffer held them, drops counted.
 */
public interface PerfReader extends AutoCloseable {
    /** Hands every sample now buffered to {@code handler}, CPU by CPU; returns how many (perf_buffer__consume). */
    int consume(RecordHandler handler);

    /** Waits up to {@code timeout} for a sample, then consumes them all (perf_buffer__poll); 0 when none came. */
    int poll(Duration timeout, RecordHandler handler) throws InterruptedException;

    /** Samples dropped because a CPU's buffer was full (perf's PERF_RECORD_LOST), as read so far. */
    long lost();

    @Override
    void close();
}

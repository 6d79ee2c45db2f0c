package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct perf_event_attr} (include/uapi/linux/perf_event.h) as perf_event_open(2) reads it: the
 * constants and field offsets that attaching programs to perf events (tracepoints, probes, CPU-clock
 * sampling) and reading perf event arrays both need.
 */
final class PerfEventAttr {
    private PerfEventAttr() {}

    /** {@code PERF_TYPE_SOFTWARE}, {@code PERF_TYPE_TRACEPOINT}. */
    static final int TYPE_SOFTWARE = 1, TYPE_TRACEPOINT = 2;
    /** {@code PERF_COUNT_SW_CPU_CLOCK}, {@code PERF_COUNT_SW_BPF_OUTPUT}. */
    static final long COUNT_SW_CPU_CLOCK = 0, COUNT_SW_BPF_OUTPUT = 10;
    /** perf_event_open's {@code PERF_FLAG_FD_CLOEXEC}. */
    static final long FLAG_FD_CLOEXEC = 8;
    /** {@code PERF_SAMPLE_RAW}, a sample_type bit. */
    static final long SAMPLE_RAW = 1L << 10;
    /** The {@code freq} bit of the flags word: sample_period is a frequency. */
    static final long FLAG_FREQ = 1L << 10;
    /** {@code sizeof(struct perf_event_attr)} as of PERF_ATTR_SIZE_VER8: the kernel takes any size it knows. */
    static final int SIZE = 136;
    /** Offsets: sample_period (or sample_freq), sample_type, the flags bitfield word, wakeup_events, config1, config2. */
    static final long SAMPLE_PERIOD = 16, SAMPLE_TYPE = 24, FLAGS = 40, WAKEUP_EVENTS = 48, CONFIG1 = 56, CONFIG2 = 64;

    /** A zeroed attr of {@link #SIZE} bytes with its type, size and config set. */
    static MemorySegment allocate(Arena a, int type, long config) {
        MemorySegment attr = a.allocate(SIZE);
        attr.set(ValueLayout.JAVA_INT_UNALIGNED, 0, type);
        attr.set(ValueLayout.JAVA_INT_UNALIGNED, 4, SIZE);
        attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, config);
        return attr;
    }

    /**
     * perf_event_open(2) of {@code attr} for {@code pid} (-1: every task) on {@code cpu} (-1: any), close-on-exec:
     * the event, or empty for an offline CPU (ENODEV, which libbpf skips too).
     *
     * @throws IllegalStateException with the errno for any other failure, naming {@code what}
     */
    static java.util.Optional<FdHandle> open(Arena a, MemorySegment attr, int pid, int cpu, String what) {
        long fd = Sys.perfEventOpen(a, attr, pid, cpu, -1, FLAG_FD_CLOEXEC);
        if (fd == -org.bpf4j.maps.Errno.ENODEV.number()) return java.util.Optional.empty();
        if (fd < 0) {
            int errno = (int) -fd;
            throw new IllegalStateException("perf_event_open for " + what + ": " + org.bpf4j.maps.Errno.nameOf(errno)
                    + org.bpf4j.maps.Errno.of(errno).map(e -> " (" + e.description() + ")").orElse(""));
        }
        return java.util.Optional.of(new FdHandle((int) fd, "perf event of " + what));
    }
}

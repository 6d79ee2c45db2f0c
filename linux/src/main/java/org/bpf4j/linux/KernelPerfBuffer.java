package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.RecordHandler;

/**
 * The reader of a kernel {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}, as libbpf's perf_buffer: on every CPU a
 * {@code PERF_COUNT_SW_BPF_OUTPUT} software event sampling {@code PERF_SAMPLE_RAW}, its ring mmapped (the
 * metadata page, then 2^n data pages), its fd stored in the map at the CPU's index, where
 * bpf_perf_event_output finds it; one epoll instance over all of them. {@link #consume} hands each sample's
 * raw bytes to a {@link RecordHandler} in place (a record that wraps the ring's end is copied into a reused
 * buffer first) and counts {@code PERF_RECORD_LOST} records; nothing is allocated per record.
 *
 * <p>A raw sample's length is the kernel's {@code raw->size}: the bytes the program output plus padding to
 * 8-byte alignment with the u32 size before them (libbpf and cilium/ebpf hand out the same length).
 * Closing removes the fds from the map, unmaps the rings and closes the events.
 */
public final class KernelPerfBuffer implements org.bpf4j.maps.PerfReader {
    /** {@code PERF_RECORD_LOST}, {@code PERF_RECORD_SAMPLE} (include/uapi/linux/perf_event.h). */
    private static final int PERF_RECORD_LOST = 2, PERF_RECORD_SAMPLE = 9;
    /** struct perf_event_mmap_page: data_head, data_tail, data_offset, data_size. */
    private static final long DATA_HEAD = 1024, DATA_TAIL = 1032, DATA_OFFSET = 1040, DATA_SIZE = 1048;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** A perf_event_header: u32 type, u16 misc, u16 size. */
    private static final int HEADER = 8;

    /** One CPU's event and ring. */
    private static final class Ring {
        final int cpu;
        final FdHandle event;
        final MemorySegment mapping; // the metadata page, then the data pages
        final long dataOffset, mask;
        // for records that wrap the ring's end, grown on demand; native like the ring, so that a handler's
        // accesses see one kind of segment
        MemorySegment scratch = MemorySegment.NULL;
        long lost;

        Ring(int cpu, FdHandle event, MemorySegment mapping, long dataOffset, long dataSize) {
            this.cpu = cpu;
            this.event = event;
            this.mapping = mapping;
            this.dataOffset = dataOffset;
            this.mask = dataSize - 1;
        }
    }

    private final KernelMap map;
    private final List<Ring> rings;
    private final int epoll;
    private volatile boolean closed;

    private KernelPerfBuffer(KernelMap map, List<Ring> rings, int epoll) {
        this.map = map;
        this.rings = rings;
        this.epoll = epoll;
    }

    /**
     * Opens a ring of {@code pagesPerCpu} data pages (a power of two) on every online CPU below the map's
     * max_entries, waking the reader every {@code wakeupEvents} samples (libbpf's default: 1).
     */
    static KernelPerfBuffer of(KernelMap map, int pagesPerCpu, int wakeupEvents) {
        if (map.type() != MapType.PERF_EVENT_ARRAY) throw new IllegalArgumentException(map + " is a " + map.type() + " map, not a perf event array");
        if (pagesPerCpu <= 0 || Integer.bitCount(pagesPerCpu) != 1) {
            throw new IllegalArgumentException("pages per CPU must be a power of two, not " + pagesPerCpu);
        }
        if (wakeupEvents <= 0) throw new IllegalArgumentException("wakeup_events must be positive, not " + wakeupEvents);
        long page = Sys.pageSize();
        int cpus = Math.min(PossibleCpus.count(), map.spec().maxEntries());
        String what = "perf buffer " + map;
        List<Ring> rings = new ArrayList<>();
        int epoll = Sys.epollCreate(what);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = PerfEventAttr.allocate(a, PerfEventAttr.TYPE_SOFTWARE, PerfEventAttr.COUNT_SW_BPF_OUTPUT);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.SAMPLE_PERIOD, 1); // every output
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.SAMPLE_TYPE, PerfEventAttr.SAMPLE_RAW);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, PerfEventAttr.WAKEUP_EVENTS, wakeupEvents);
            for (int cpu = 0; cpu < cpus; cpu++) {
                Optional<FdHandle> opened = PerfEventAttr.open(a, attr, -1, cpu, what + " on CPU " + cpu);
                if (opened.isEmpty()) continue; // an offline CPU, as libbpf skips it
                FdHandle event = opened.get();
                MemorySegment mapping;
                try {
                    mapping = Sys.mmapShared(event.fd(), page * (1 + pagesPerCpu), Sys.PROT_READ | Sys.PROT_WRITE, 0, what);
                } catch (RuntimeException e) {
                    event.close();
                    throw e;
                }
                long dataOffset = mapping.get(ValueLayout.JAVA_LONG, DATA_OFFSET), dataSize = mapping.get(ValueLayout.JAVA_LONG, DATA_SIZE);
                // kernels before 4.1 leave data_offset and data_size zero: the data pages follow the first
                Ring ring = dataSize == 0 ? new Ring(cpu, event, mapping, page, page * pagesPerCpu)
                        : new Ring(cpu, event, mapping, dataOffset, dataSize);
                rings.add(ring);
                Sys.epollAdd(epoll, event.fd(), what + " on CPU " + cpu);
                map.update(le32(cpu), le32(event.fd()), org.bpf4j.maps.MapFlags.BPF_ANY);
            }
            if (rings.isEmpty()) throw new IllegalStateException(what + ": no online CPU below max_entries " + map.spec().maxEntries());
        } catch (RuntimeException e) {
            release(map, rings);
            Sys.close(epoll);
            throw e;
        }
        return new KernelPerfBuffer(map, List.copyOf(rings), epoll);
    }

    /**
     * Hands every sample now in the rings to {@code handler} (its CPU, its raw bytes in place) and counts
     * lost-sample records, as libbpf's perf_buffer__consume; returns the number of samples. The tail moves
     * past what was read even when the handler throws, so that a record is never handed out twice.
     */
    @Override
    public synchronized int consume(RecordHandler handler) {
        if (closed) return 0;
        int n = 0;
        for (Ring r : rings) n += consume(r, handler);
        return n;
    }

    /** perf_event_read_simple: the records between data_tail and data_head (acquire), then data_tail (release). */
    private static int consume(Ring r, RecordHandler handler) {
        MemorySegment m = r.mapping;
        long head = (long) LONG.getAcquire(m, DATA_HEAD);
        long tail = m.get(ValueLayout.JAVA_LONG, DATA_TAIL); // ours alone to write
        long mask = r.mask, base = r.dataOffset;
        int n = 0;
        try {
            while (tail < head) {
                long at = base + (tail & mask);
                long header = m.get(ValueLayout.JAVA_LONG, at); // records are 8-byte aligned: a header never wraps
                int type = (int) header, size = (int) (header >>> 48);
                if (size < HEADER) break; // never written by a sane kernel: stop rather than spin
                MemorySegment rec = m;
                long off = at;
                if ((tail & mask) + size > mask + 1) { // wraps the ring's end: copy it whole
                    if (r.scratch.byteSize() < size) r.scratch = Arena.ofAuto().allocate(Math.max(size, 256), 8);
                    long first = mask + 1 - (tail & mask);
                    MemorySegment.copy(m, at, r.scratch, 0, first);
                    MemorySegment.copy(m, base, r.scratch, first, size - first);
                    rec = r.scratch;
                    off = 0;
                }
                tail += size;
                if (type == PERF_RECORD_SAMPLE && size >= HEADER + 4) {
                    int raw = Math.min(rec.get(ValueLayout.JAVA_INT, off + HEADER), size - HEADER - 4);
                    n++;
                    handler.onRecord(r.cpu, rec, off + HEADER + 4, raw);
                } else if (type == PERF_RECORD_LOST && size >= HEADER + 16) {
                    r.lost += rec.get(ValueLayout.JAVA_LONG, off + HEADER + 8); // after u64 id
                }
            }
        } finally {
            LONG.setRelease(m, DATA_TAIL, tail);
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for a ring's wakeup (epoll), then {@link #consume consumes} every ring, as
     * perf_buffer__poll; returns the number of samples, 0 when the time ran out or the buffer is closed.
     */
    @Override
    public int poll(Duration timeout, RecordHandler handler) {
        int n = consume(handler);
        if (n > 0 || closed) return n;
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (timeout.toNanos() + 999_999) / 1_000_000));
        Sys.epollWait(epoll, millis);
        return consume(handler);
    }

    /** Samples the kernel dropped because a ring was full (the sum of PERF_RECORD_LOST counts read so far). */
    @Override
    public synchronized long lost() {
        long sum = 0;
        for (Ring r : rings) sum += r.lost;
        return sum;
    }

    /** The CPUs with a ring, in order. */
    public List<Integer> cpus() {
        return rings.stream().map(r -> r.cpu).toList();
    }

    /** The map this buffer reads. */
    public KernelMap map() { return map; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Sys.close(epoll);
        release(map, rings);
    }

    /** perf_buffer__free: each CPU's slot emptied (while the map is open), its ring unmapped, its event closed. */
    private static void release(KernelMap map, List<Ring> rings) {
        for (Ring r : rings) {
            try {
                map.delete(le32(r.cpu));
            } catch (RuntimeException alreadyGoneOrClosed) {
                // the map closed first, or the slot was never filled: closing the event empties it anyway
            }
            Sys.munmap(r.mapping);
            r.event.close();
        }
    }

    @Override
    public String toString() {
        return "perf buffer " + map.spec().name() + " on " + rings.size() + " CPUs";
    }

    /** A little-endian u32: the map's keys (CPU indexes) and values (event fds). */
    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}

package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: one slot per CPU index, each holding the per-CPU queue a
 * perf event would be (the kernel's slots hold perf event fds that user space opened with
 * {@code perf_event_open} and mmapped). The host opens a slot with {@link #open(int, int)} (libbpf's
 * perf_buffer does this for every CPU), then reads it with {@link Buffer#poll()}.
 *
 * <p>bpf_perf_event_output: the index is {@code flags & BPF_F_INDEX_MASK}, {@code BPF_F_CURRENT_CPU}
 * for the calling CPU; other flag bits are EINVAL, an index past the end E2BIG, an unopened slot
 * ENOENT, a slot opened for another CPU EOPNOTSUPP (the kernel's {@code event->oncpu != cpu}), a full
 * buffer ENOSPC with the record counted as lost. Records are copied into a Java byte ring: no allocation.
 */
public final class PerfEventArrayMap extends FdArrayBase implements BpfMap {
    /** Default per-CPU buffer: 64 KiB, like 16 pages of perf ring. */
    public static final int DEFAULT_BUFFER_BYTES = 64 << 10;

    PerfEventArrayMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    /** bpf_perf_event_output: 0 or -errno. */
    public int output(long flags, long dataAddr, long size, int cpu) {
        if ((flags & ~MapFlags.BPF_F_INDEX_MASK) != 0) return Errno.EINVAL.negative();
        return output(flags, dataAddr, size, cpu, 0, 0);
    }

    /**
     * __bpf_perf_event_output with {@code ctxSize} bytes at {@code ctxAddr} appended to the record (what the
     * packet programs' variants copy from the packet); {@code flags} is the event index, checked by the caller.
     */
    public int output(long flags, long dataAddr, long size, int cpu, long ctxAddr, long ctxSize) {
        long index = flags & MapFlags.BPF_F_INDEX_MASK;
        if (index == MapFlags.BPF_F_CURRENT_CPU) index = cpu;
        if (index >= Integer.toUnsignedLong(maxEntries)) return Errno.E2BIG.negative();
        Buffer b = (Buffer) slot(index);
        if (b == null) return Errno.ENOENT.negative();
        if (b.cpu != cpu) return Errno.EOPNOTSUPP.negative();
        if (ctxSize == 0) return b.write(seg, dataAddr - base, size);
        byte[] record = new byte[Math.toIntExact(size + ctxSize)];
        Mem.copy(seg, dataAddr - base, Mem.heap(record), 0, size);
        Mem.copy(seg, ctxAddr - base, Mem.heap(record), size, ctxSize);
        return b.write(Mem.heap(record), 0, record.length);
    }

    /** Opens slot {@code index} as the event of CPU {@code index} with a buffer of {@code bytes}. */
    public Buffer open(int index, int bytes) {
        ensureOpen();
        Buffer b = new Buffer(index, bytes);
        check(setSlot(index, b, MapFlags.BPF_ANY), "update");
        return b;
    }

    /** Opens one buffer per CPU slot (those below max_entries). */
    public void openAll(int bytes) {
        for (int c = 0; c < Math.min(cpus, maxEntries); c++) open(c, bytes);
    }

    /**
     * A reader over the buffers open now (after {@link #openAll}), as the kernel backend's perf buffer reads
     * its rings: the same {@link PerfReader}. Closing it leaves the buffers open.
     */
    public PerfReader reader() {
        java.util.List<Buffer> open = new java.util.ArrayList<>();
        for (int i = 0; i < maxEntries; i++) buffer(i).ifPresent(open::add);
        if (open.isEmpty()) throw new IllegalStateException(spec.name() + ": no buffer open (open(index, bytes) or openAll(bytes) first)");
        java.util.List<Buffer> buffers = java.util.List.copyOf(open);
        return new PerfReader() {
            @Override
            public int consume(RecordHandler handler) {
                int n = 0;
                for (Buffer b : buffers) n += b.consume(handler);
                return n;
            }

            @Override
            public int poll(Duration timeout, RecordHandler handler) throws InterruptedException {
                int n = consume(handler);
                if (n > 0) return n;
                // bpf4j's buffers notify their own monitor: wait on the first, look at all of them again
                long deadline = System.nanoTime() + timeout.toNanos();
                while ((n = consume(handler)) == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return 0;
                    Buffer first = buffers.getFirst();
                    synchronized (first) {
                        if (first.head == first.tail) first.wait(Math.max(1, Math.min(10, left / 1_000_000)));
                    }
                }
                return n;
            }

            @Override
            public long lost() {
                long sum = 0;
                for (Buffer b : buffers) sum += b.lost();
                return sum;
            }

            @Override
            public void close() {}
        };
    }

    /** The buffer open in slot {@code index}, if any. */
    public Optional<Buffer> buffer(int index) {
        return Optional.ofNullable((Buffer) slot(Integer.toUnsignedLong(index)));
    }

    @Override
    byte[] hostLookup(byte[] key) {
        throw BpfMapException.of(Errno.ENOTSUPP, spec, "lookup: not supported for perf event arrays (as in the kernel)");
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "update: open slots with open(index, bytes)");
    }

    /**
     * One CPU's output queue: records {@code [u32 length][bytes][zeros]} in a byte ring, each taking the room a
     * kernel raw sample takes. {@link #poll()} returns the bytes output; {@link #consume} the padded sample.
     */
    public static final class Buffer {
        private final int cpu;
        private final byte[] ring;
        private final MemorySegment view;
        private byte[] scratch = new byte[0];
        private long head; // next write position, guarded by this
        private long tail; // next read position, guarded by this
        private long lost; // guarded by this

        Buffer(int cpu, int bytes) {
            if (bytes < 8) throw new IllegalArgumentException("perf buffer too small: " + bytes);
            this.cpu = cpu;
            this.ring = new byte[bytes];
            this.view = MemorySegment.ofArray(ring);
        }

        public int cpu() { return cpu; }

        synchronized int write(MemorySegment src, long off, long size) {
            if (size < 0 || size > Integer.MAX_VALUE - 16 || 4 + padded((int) size) > ring.length - (head - tail)) {
                lost++;
                return Errno.ENOSPC.negative();
            }
            int n = (int) size, padded = padded(n);
            putByte(head, (byte) n);
            putByte(head + 1, (byte) (n >>> 8));
            putByte(head + 2, (byte) (n >>> 16));
            putByte(head + 3, (byte) (n >>> 24));
            long at = head + 4;
            int start = (int) (at % ring.length);
            int first = Math.min(n, ring.length - start);
            MemorySegment.copy(src, java.lang.foreign.ValueLayout.JAVA_BYTE, off, ring, start, first);
            if (first < n) MemorySegment.copy(src, java.lang.foreign.ValueLayout.JAVA_BYTE, off + first, ring, 0, n - first);
            for (int i = n; i < padded; i++) putByte(at + i, (byte) 0);
            head = at + padded;
            notifyAll();
            return 0;
        }

        /**
         * The kernel's raw sample size for {@code n} bytes: with its u32 size, rounded up to 8
         * (perf_prepare_sample_raw), the padding zeroed. A record takes that much room here too.
         */
        static int padded(int n) {
            return ((n + 4 + 7) & ~7) - 4;
        }

        private void putByte(long pos, byte b) {
            ring[(int) (pos % ring.length)] = b;
        }

        private byte getByte(long pos) {
            return ring[(int) (pos % ring.length)];
        }

        /**
         * Hands every buffered record to {@code handler} in place ({@code cpu}, the ring's bytes), copying only
         * a record that wraps the ring's end into a reused buffer; returns how many. The length handed out is
         * the kernel's raw sample size ({@link #padded}), as the kernel's perf buffer reader hands it out.
         */
        public synchronized int consume(RecordHandler handler) {
            int n = 0;
            while (head != tail) {
                int len = padded((getByte(tail) & 0xff) | (getByte(tail + 1) & 0xff) << 8 | (getByte(tail + 2) & 0xff) << 16
                        | (getByte(tail + 3) & 0xff) << 24);
                int start = (int) ((tail + 4) % ring.length);
                tail += 4 + len;
                n++;
                if (start + len <= ring.length) {
                    handler.onRecord(cpu, view, start, len);
                } else {
                    if (scratch.length < len) scratch = new byte[len];
                    int first = ring.length - start;
                    System.arraycopy(ring, start, scratch, 0, first);
                    System.arraycopy(ring, 0, scratch, first, len - first);
                    handler.onRecord(cpu, MemorySegment.ofArray(scratch), 0, len);
                }
            }
            return n;
        }

        /** The oldest record, or empty. */
        public synchronized Optional<byte[]> poll() {
            if (head == tail) return Optional.empty();
            int n = (getByte(tail) & 0xff) | (getByte(tail + 1) & 0xff) << 8 | (getByte(tail + 2) & 0xff) << 16
                    | (getByte(tail + 3) & 0xff) << 24;
            byte[] out = new byte[n];
            for (int i = 0; i < n; i++) out[i] = getByte(tail + 4 + i);
            tail += 4 + padded(n);
            return Optional.of(out);
        }

        /** The oldest record, waiting up to {@code timeout} for one. */
        public synchronized Optional<byte[]> take(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (head == tail) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return Optional.empty();
                wait(Math.max(1, left / 1_000_000));
            }
            return poll();
        }

        /** Records dropped because the buffer was full (perf's PERF_RECORD_LOST). */
        public synchronized long lost() { return lost; }
    }
}

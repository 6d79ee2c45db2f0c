package org.bpf4j.maps;

import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_BUSY_BIT;
import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_DISCARD_BIT;
import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_HDR_SZ;

import java.time.Duration;
import java.util.Optional;

/**
 * The consumer of a ring buffer ({@link RingBufferMemory}: bpf4j's {@link RingBufMap}, or the kernel's
 * mapped into the JVM), as libbpf's ring_buffer reads the kernel's: records in production order, stopping at
 * the first one still being written (BUSY), skipping discarded ones, advancing the consumer position past
 * each record it returns. One consumer per ring; the methods are synchronized so that several Java threads
 * may share it.
 */
public final class RingBufferReader {
    private final RingBufferMemory ring;

    public RingBufferReader(RingBufferMemory ring) {
        this.ring = ring;
    }

    /** The next committed record, or empty when none is ready (non-blocking). */
    public synchronized Optional<byte[]> poll() {
        while (true) {
            long cons = ring.consumer();
            long prod = ring.producerAcquire();
            if (cons >= prod) return Optional.empty();
            int hdr = ring.headerAcquire(cons);
            if ((hdr & BPF_RINGBUF_BUSY_BIT) != 0) return Optional.empty();
            int len = hdr & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
            boolean discarded = (hdr & BPF_RINGBUF_DISCARD_BIT) != 0;
            byte[] out = discarded ? null : ring.copyOut(cons + BPF_RINGBUF_HDR_SZ, len);
            ring.setConsumer(cons + ((len + BPF_RINGBUF_HDR_SZ + 7L) & ~7L));
            if (!discarded) return Optional.of(out);
        }
    }

    /**
     * Where the record that {@link #poll()} returns next starts in the ring's position space (the producer
     * counter's), or -1 when none is ready; discarded records before it are consumed, as poll would.
     */
    public synchronized long nextRecordPosition() {
        while (true) {
            long cons = ring.consumer();
            if (cons >= ring.producerAcquire()) return -1;
            int hdr = ring.headerAcquire(cons);
            if ((hdr & BPF_RINGBUF_BUSY_BIT) != 0) return -1;
            if ((hdr & BPF_RINGBUF_DISCARD_BIT) == 0) return cons;
            int len = hdr & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
            ring.setConsumer(cons + ((len + BPF_RINGBUF_HDR_SZ + 7L) & ~7L));
        }
    }

    /**
     * Hands every committed record to {@code handler} in place, without allocating (see {@link RecordHandler}),
     * advancing the consumer position past each after the handler returns, as libbpf's ringbuf_process_ring
     * does; stops at the first record still being written. Returns how many records it handed out.
     */
    public synchronized int consume(RecordHandler handler) {
        int n = 0;
        while (true) {
            long cons = ring.consumer();
            long prod = ring.producerAcquire();
            if (cons >= prod) return n;
            int hdr = ring.headerAcquire(cons);
            if ((hdr & BPF_RINGBUF_BUSY_BIT) != 0) return n;
            int len = hdr & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
            if ((hdr & BPF_RINGBUF_DISCARD_BIT) == 0) {
                try {
                    ring.read(cons + BPF_RINGBUF_HDR_SZ, len, handler);
                    n++;
                } finally { // a handler that throws has still seen the record: it is not handed out twice
                    ring.setConsumer(cons + ((len + BPF_RINGBUF_HDR_SZ + 7L) & ~7L));
                }
            } else {
                ring.setConsumer(cons + ((len + BPF_RINGBUF_HDR_SZ + 7L) & ~7L));
            }
        }
    }

    /**
     * Waits up to {@code timeout} for a producer's wakeup, then {@link #consume consumes} what is there (as
     * libbpf's ring_buffer__poll): the number of records handed out, 0 when the time ran out.
     */
    public int poll(java.time.Duration timeout, RecordHandler handler) throws InterruptedException {
        int n = consume(handler);
        if (n > 0) return n;
        return ring.await(timeout.toNanos()) ? consume(handler) : 0;
    }

    /**
     * The next record, waiting up to {@code timeout} for a producer to wake this reader (a record
     * submitted with BPF_RB_NO_WAKEUP is seen at the next wakeup or when the timeout expires).
     */
    public Optional<byte[]> take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<byte[]> r = poll();
            if (r.isPresent()) return r;
            long left = deadline - System.nanoTime();
            if (left <= 0 || !ring.await(left)) return poll();
        }
    }

    /** Bytes produced and not yet consumed (BPF_RB_AVAIL_DATA). */
    public long available() {
        return ring.producerAcquire() - ring.consumer();
    }

    public RingBufferMemory ring() { return ring; }
}

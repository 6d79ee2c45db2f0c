package org.bpf4j.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.RingBufferMemory;

/**
 * A kernel {@code BPF_MAP_TYPE_RINGBUF} mapped into the JVM as libbpf maps it: the consumer page read-write,
 * the producer page and the data area read-only, the data area mapped twice in a row so that a record that
 * wraps reads as one piece; an epoll instance on the map wakes the reader. Read it with
 * {@link org.bpf4j.maps.RingBufferReader}, the same reader as bpf4j's own ring buffers. Closing unmaps it;
 * the map itself stays the caller's.
 */
public final class KernelRingBuffer implements RingBufferMemory, AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final KernelMap map;
    private final MemorySegment consumerPage;
    private final MemorySegment producer; // producer page, then the data area twice
    private final long page;
    private final long mask;
    private final int epoll;
    private volatile boolean closed;

    private KernelRingBuffer(KernelMap map, MemorySegment consumerPage, MemorySegment producer, long page, long size, int epoll) {
        this.map = map;
        this.consumerPage = consumerPage;
        this.producer = producer;
        this.page = page;
        this.mask = size - 1;
        this.epoll = epoll;
    }

    /** Maps {@code map}, which must be a ring buffer. */
    static KernelRingBuffer of(KernelMap map) {
        if (map.type() != MapType.RINGBUF) throw new IllegalArgumentException(map + " is a " + map.type() + " map, not a ring buffer");
        long page = Sys.pageSize();
        long size = map.spec().maxEntries();
        String what = "ring buffer " + map;
        int fd = map.fd();
        MemorySegment consumer = Sys.mmapShared(fd, page, Sys.PROT_READ | Sys.PROT_WRITE, 0, what);
        MemorySegment producer;
        try {
            producer = Sys.mmapShared(fd, page + 2 * size, Sys.PROT_READ, page, what);
        } catch (RuntimeException e) {
            Sys.munmap(consumer);
            throw e;
        }
        int epoll;
        try {
            epoll = Sys.epollFor(fd, what);
        } catch (RuntimeException e) {
            Sys.munmap(consumer);
            Sys.munmap(producer);
            throw e;
        }
        return new KernelRingBuffer(map, consumer, producer, page, size, epoll);
    }

    @Override
    public long consumer() { return (long) LONG.getAcquire(consumerPage, 0L); }

    @Override
    public void setConsumer(long position) { LONG.setRelease(consumerPage, 0L, position); }

    @Override
    public long producerAcquire() { return (long) LONG.getAcquire(producer, 0L); }

    @Override
    public int headerAcquire(long position) { return (int) INT.getAcquire(producer, page + (position & mask)); }

    @Override
    public byte[] copyOut(long position, int length) {
        // the data area follows itself: a record that wraps is contiguous here
        return producer.asSlice(page + (position & mask), length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** In place: the data area follows itself, so every record is contiguous. */
    @Override
    public void read(long position, int length, org.bpf4j.maps.RecordHandler handler) {
        handler.onRecord(-1, producer, page + (position & mask), length);
    }

    /** Waits on the map's epoll instance, which the kernel signals as bpf_ringbuf_submit decides. */
    @Override
    public boolean await(long nanos) {
        if (closed) return false;
        long cons = consumer();
        if (producerAcquire() > cons && (headerAcquire(cons) & MapFlags.BPF_RINGBUF_BUSY_BIT) == 0) return true;
        int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (nanos + 999_999) / 1_000_000));
        return Sys.epollWait(epoll, millis) && !closed;
    }

    /** The map this ring buffer is. */
    public KernelMap map() { return map; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Sys.close(epoll);
        Sys.munmap(consumerPage);
        Sys.munmap(producer);
    }
}

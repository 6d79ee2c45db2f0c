package org.bpf4j.api;

import java.time.Duration;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bpf4j.maps.RingBufferMemory;
import org.bpf4j.maps.RingBufferReader;

/**
 * A ring buffer map's records as they are committed, in either backend: bpf4j's ring buffers and the kernel's
 * (mapped into the JVM) are read by the same {@link RingBufferReader}; this adds a callback and a
 * {@link Stream}, and owns the kernel mapping ({@link #close()} unmaps it).
 */
public final class RingReader implements AutoCloseable {
    private final RingBufferReader reader;
    private final AutoCloseable mapping;

    /** A reader of {@code ring}; {@code mapping} is released on close (the kernel's mmap, or nothing). */
    public RingReader(RingBufferMemory ring, AutoCloseable mapping) {
        this(new RingBufferReader(ring), mapping);
    }

    /** {@code reader} with a callback and a stream; {@code mapping} is released on close. */
    public RingReader(RingBufferReader reader, AutoCloseable mapping) {
        this.reader = reader;
        this.mapping = mapping;
    }

    /** The next committed record, or empty when none is ready (non-blocking). */
    public Optional<byte[]> poll() { return reader.poll(); }

    /** The next record, waiting up to {@code timeout} for the producer to wake the reader. */
    public Optional<byte[]> take(Duration timeout) throws InterruptedException { return reader.take(timeout); }

    /** Hands every record ready now to {@code callback}, as libbpf's {@code ring_buffer__consume}; returns how many. */
    public int consume(Consumer<byte[]> callback) {
        int n = 0;
        for (Optional<byte[]> r = reader.poll(); r.isPresent(); r = reader.poll()) {
            callback.accept(r.get());
            n++;
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for records, then hands every record ready to {@code callback}, as libbpf's
     * {@code ring_buffer__poll}; returns how many (0 when the timeout passed with none).
     */
    public int poll(Consumer<byte[]> callback, Duration timeout) throws InterruptedException {
        Optional<byte[]> first = reader.take(timeout);
        if (first.isEmpty()) return 0;
        callback.accept(first.get());
        return 1 + consume(callback);
    }

    /**
     * The records as a sequential stream that ends once none has come for {@code idle} (or the reader is
     * closed); an interrupt ends it too, with the thread's interrupt status set again.
     */
    public Stream<byte[]> stream(Duration idle) {
        return StreamSupport.stream(new Spliterators.AbstractSpliterator<byte[]>(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL) {
            @Override
            public boolean tryAdvance(Consumer<? super byte[]> action) {
                try {
                    Optional<byte[]> r = reader.take(idle);
                    r.ifPresent(action);
                    return r.isPresent();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }, false);
    }

    /** Bytes produced and not yet consumed. */
    public long available() { return reader.available(); }

    @Override
    public void close() {
        try {
            mapping.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the ring buffer: " + e.getMessage(), e);
        }
    }
}

package org.bpf4j.maps;

/**
 * A BPF ring buffer's memory in the kernel's layout ({@code kernel/bpf/ringbuf.c}): a consumer position the
 * reader owns, a producer position, and records of an 8-byte header (length, BUSY and DISCARD bits) in a
 * power-of-two data area. Both bpf4j's {@link RingBufMap} and a kernel ring buffer mapped into the JVM are
 * one, so that one {@link RingBufferReader} reads either.
 */
public interface RingBufferMemory {
    /** The consumer position (acquire). */
    long consumer();

    /** Advances the consumer position (release): the producer may reuse what lies before it. */
    void setConsumer(long position);

    /** The producer position (acquire): records before it are reserved, committed or discarded. */
    long producerAcquire();

    /** The header of the record at {@code position} (acquire). */
    int headerAcquire(long position);

    /** {@code length} bytes of record data from {@code position}, across the data area's wrap. */
    byte[] copyOut(long position, int length);

    /**
     * Hands {@code length} bytes of record data from {@code position} to {@code handler} in place where
     * they are contiguous; this default copies them first, the implementations here do not.
     */
    default void read(long position, int length, RecordHandler handler) {
        handler.onRecord(-1, java.lang.foreign.MemorySegment.ofArray(copyOut(position, length)), 0, length);
    }

    /**
     * Waits up to {@code nanos} for the producer to wake the consumer; returns at once when a record is
     * already there. False when the time ran out or the ring is closed.
     */
    boolean await(long nanos) throws InterruptedException;
}

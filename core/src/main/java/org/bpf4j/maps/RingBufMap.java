package org.bpf4j.maps;

import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_BUSY_BIT;
import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_DISCARD_BIT;
import static org.bpf4j.maps.MapFlags.BPF_RINGBUF_HDR_SZ;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.bpf4j.mem.Region;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: the kernel's multi-producer, single-consumer ring of variable-length
 * records.
 *
 * <p><b>Layout.</b> One BPF region of {@code 2 * max_entries} bytes: the ring's data area, then a shadow
 * area of the same size. Every record starts with the kernel's 8-byte header {@code {u32 len; u32
 * pg_off}} — {@code len} with {@link MapFlags#BPF_RINGBUF_BUSY_BIT} while reserved and
 * {@link MapFlags#BPF_RINGBUF_DISCARD_BIT} when discarded, {@code pg_off} the page offset of the header
 * from the kernel's {@code struct bpf_ringbuf} (3 pages of header and position pages, then the data) —
 * and occupies {@code round_up(len + 8, 8)} bytes. The kernel maps the data pages twice so that a record
 * wrapping past the end is contiguous; bpf4j cannot map memory twice inside its address space, so a
 * wrapping record's tail is written by the program into the shadow area (contiguous with the data
 * area's end) and copied to the start of the ring when the record is submitted, before its BUSY bit is
 * cleared. The consumer and producer positions are Java fields (the host reads them through
 * {@link RingBufferReader}, programs through {@link #query}).
 *
 * <p><b>Semantics</b> as ringbuf.c: reserve fails (returns 0) when the record would take the producer
 * more than {@code size - 1} bytes ahead of the consumer or of the oldest record still being written;
 * output returns -EAGAIN then. Submits wake a waiting reader when the consumer had caught up with the
 * record, always with BPF_RB_FORCE_WAKEUP, never with BPF_RB_NO_WAKEUP.
 */
public final class RingBufMap extends MapBase implements BpfMap, RingBufferMemory {
    static final long MAX_RECORD = 0xffffffffL / 4;
    private static final long PGOFF_BASE = 3; // struct bpf_ringbuf: header page, consumer page, producer page
    private static final VarHandle PRODUCER;
    private static final VarHandle CONSUMER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PRODUCER = l.findVarHandle(RingBufMap.class, "producerPos", long.class);
            CONSUMER = l.findVarHandle(RingBufMap.class, "consumerPos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long size;
    private final long mask;
    private final long dataAddr;
    private final long dataOff;
    private final Object producerLock = new Object();
    @SuppressWarnings("unused") private volatile long producerPos;
    @SuppressWarnings("unused") private volatile long consumerPos;
    private long pendingPos; // guarded by producerLock
    volatile Thread waiter;
    private RingBufferReader reader;

    RingBufMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
        this.size = Integer.toUnsignedLong(maxEntries);
        this.mask = size - 1;
        Region r = allocate(2 * size, "ring data", true);
        this.dataAddr = r.address();
        this.dataOff = dataAddr - base;
    }

    /** The ring's data size (max_entries). */
    public long ringSize() { return size; }

    /** Address of the data area (record headers live at {@code dataAddress + (pos & (size - 1))}). */
    public long dataAddress() { return dataAddr; }

    // ---- program side ----

    /** bpf_ringbuf_reserve: the address of {@code size} writable bytes, or 0. */
    public long reserve(long sampleSize, long flags) {
        if (flags != 0) return 0;
        if (Long.compareUnsigned(sampleSize, MAX_RECORD) > 0) return 0;
        long len = round8(sampleSize + BPF_RINGBUF_HDR_SZ);
        if (len > size) return 0;
        long prod;
        synchronized (producerLock) {
            long cons = (long) CONSUMER.getAcquire(this);
            prod = producerPos;
            long pend = pendingPos;
            while (pend < prod) {
                int hdrLen = Mem.getIntVolatile(seg, dataOff + (pend & mask));
                if ((hdrLen & BPF_RINGBUF_BUSY_BIT) != 0) break;
                pend += round8((hdrLen & ~BPF_RINGBUF_DISCARD_BIT) + (long) BPF_RINGBUF_HDR_SZ);
            }
            pendingPos = pend;
            long newProd = prod + len;
            if (newProd - cons > mask || newProd - pend > mask) return 0;
            long hdr = dataOff + (prod & mask);
            seg.set(Mem.INT, hdr, (int) sampleSize | BPF_RINGBUF_BUSY_BIT);
            seg.set(Mem.INT, hdr + 4, (int) (PGOFF_BASE + ((prod & mask) >>> 12)));
            PRODUCER.setRelease(this, newProd);
        }
        return dataAddr + (prod & mask) + BPF_RINGBUF_HDR_SZ;
    }

    /** bpf_ringbuf_submit. */
    public void submit(long sampleAddr, long flags) {
        commit(sampleAddr, flags, false);
    }

    /** bpf_ringbuf_discard. */
    public void discard(long sampleAddr, long flags) {
        commit(sampleAddr, flags, true);
    }

    /** bpf_ringbuf_output: copies {@code size} bytes at {@code dataAddr} into a new record; 0 or -errno. */
    public int output(long srcAddr, long sampleSize, long flags) {
        if ((flags & ~(MapFlags.BPF_RB_NO_WAKEUP | MapFlags.BPF_RB_FORCE_WAKEUP)) != 0) return Errno.EINVAL.negative();
        long rec = reserve(sampleSize, 0);
        if (rec == 0) return Errno.EAGAIN.negative();
        Mem.copy(seg, srcAddr - base, seg, rec - base, sampleSize);
        commit(rec, flags, false);
        return 0;
    }

    /** bpf_ringbuf_query. */
    public long query(long flags) {
        if (flags == MapFlags.BPF_RB_AVAIL_DATA) return (long) PRODUCER.getAcquire(this) - (long) CONSUMER.getAcquire(this);
        if (flags == MapFlags.BPF_RB_RING_SIZE) return size;
        if (flags == MapFlags.BPF_RB_CONS_POS) return (long) CONSUMER.getAcquire(this);
        if (flags == MapFlags.BPF_RB_PROD_POS) return (long) PRODUCER.getAcquire(this);
        return 0;
    }

    private void commit(long sampleAddr, long flags, boolean discard) {
        long hdr = sampleAddr - BPF_RINGBUF_HDR_SZ - base;
        long recPos = hdr - dataOff;
        int len = seg.get(Mem.INT, hdr) & ~BPF_RINGBUF_BUSY_BIT;
        if (!discard) {
            long end = recPos + BPF_RINGBUF_HDR_SZ + len;
            if (end > size) Mem.copy(seg, dataOff + size, seg, dataOff, end - size); // wrapped tail
        }
        Mem.getAndSetInt(seg, hdr, discard ? len | BPF_RINGBUF_DISCARD_BIT : len);
        Thread w = waiter;
        if (w != null) {
            long cons = (long) CONSUMER.getAcquire(this) & mask;
            if ((flags & MapFlags.BPF_RB_FORCE_WAKEUP) != 0
                    || (cons == recPos && (flags & MapFlags.BPF_RB_NO_WAKEUP) == 0)) {
                LockSupport.unpark(w);
            }
        }
    }

    // ---- consumer side (RingBufferReader) ----

    @Override
    public long producerAcquire() { return (long) PRODUCER.getAcquire(this); }

    @Override
    public long consumer() { return (long) CONSUMER.getAcquire(this); }

    @Override
    public void setConsumer(long pos) { CONSUMER.setRelease(this, pos); }

    @Override
    public int headerAcquire(long pos) { return Mem.getIntVolatile(seg, dataOff + (pos & mask)); }

    /** Parks until a producer's commit wakes this consumer (see {@link #submit}'s wakeup rules). */
    @Override
    public boolean await(long nanos) throws InterruptedException {
        waiter = Thread.currentThread();
        try {
            // a record committed before the waiter was registered woke nobody: look again first
            long cons = consumer();
            if (producerAcquire() > cons && (headerAcquire(cons) & MapFlags.BPF_RINGBUF_BUSY_BIT) == 0) return true;
            if (closed()) return false;
            LockSupport.parkNanos(this, nanos);
            if (Thread.interrupted()) throw new InterruptedException();
            return !closed();
        } finally {
            waiter = null;
        }
    }

    @Override
    public byte[] copyOut(long pos, int len) {
        byte[] out = new byte[len];
        long start = pos & mask;
        long first = Math.min(len, size - start);
        Mem.copy(seg, dataOff + start, Mem.heap(out), 0, first);
        if (first < len) Mem.copy(seg, dataOff, Mem.heap(out), first, len - first);
        return out;
    }

    /**
     * In place, a wrapping record too: its tail is still in the shadow area after the data area's end, which
     * no other record can reach before the consumer passes this one (the producer stays within one ring).
     */
    @Override
    public void read(long pos, int len, RecordHandler handler) {
        handler.onRecord(-1, seg, dataOff + (pos & mask), len);
    }

    /** The consumer and producer positions at one moment (see {@link #rewind}). */
    public record Positions(long consumer, long producer) {}

    /** The current positions, taken while no program runs. */
    public Positions positions() {
        synchronized (producerLock) {
            return new Positions((long) CONSUMER.getAcquire(this), producerPos);
        }
    }

    /**
     * Host side, while no program runs: puts both positions back to {@code p}, forgetting every record
     * produced since (a warm-up's). The records between the two positions are intact: a producer never
     * writes over what the consumer has not read. The kernel has no such operation; it lets a warmed-up
     * run see the ring as a cold one would, positions included (bpf_ringbuf_query).
     */
    public void rewind(Positions p) {
        synchronized (producerLock) {
            if (p.consumer() > p.producer() || p.producer() > producerPos) throw new IllegalArgumentException("not an earlier state of this ring: " + p);
            pendingPos = p.producer();
            PRODUCER.setRelease(this, p.producer());
            CONSUMER.setRelease(this, p.consumer());
        }
    }

    /** The consumer of this ring (one per map, as the kernel has one consumer position). */
    public synchronized RingBufferReader reader() {
        if (reader == null) reader = new RingBufferReader(this);
        return reader;
    }

    // ---- the generic map operations: ENOTSUPP, as ringbuf_map_* ----

    @Override
    public long lookup(long keyAddr, int cpu) { return 0; }

    @Override
    public int update(long keyAddr, long valueAddr, long flags, int cpu) { return Errno.ENOTSUPP.negative(); }

    @Override
    public int delete(long keyAddr) { return Errno.ENOTSUPP.negative(); }

    @Override
    public Optional<byte[]> lookup(byte[] key, long flags) {
        throw BpfMapException.of(Errno.ENOTSUPP, spec, "lookup: ring buffers are read with reader()");
    }

    @Override
    byte[] hostLookup(byte[] key) { throw BpfMapException.of(Errno.ENOTSUPP, spec, "lookup: ring buffers are read with reader()"); }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) { return Errno.ENOTSUPP.negative(); }

    @Override
    int hostDelete(byte[] key) { return Errno.ENOTSUPP.negative(); }

    @Override
    byte[] hostNextKey(byte[] key) { throw BpfMapException.of(Errno.ENOTSUPP, spec, "get_next_key: not supported by ring buffers"); }

    @Override
    void checkKey(byte[] key, String op) {}

    @Override
    void checkValue(byte[] value, String op) {}

    @Override
    void onClose() {
        Thread w = waiter;
        if (w != null) LockSupport.unpark(w);
    }
}

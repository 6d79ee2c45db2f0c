package org.bpf4j.maps;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.Region;

/** An address space, a deterministic context and scratch BPF memory to call program-side operations with. */
final class MapFixture implements AutoCloseable {
    final AddressSpace space;
    final MapContext ctx;
    final AtomicLong clock = new AtomicLong();
    private final Region scratch;
    private long next;

    MapFixture(int cpus) {
        this(cpus, 42);
    }

    MapFixture(int cpus, long seed) {
        space = AddressSpace.reserve(1L << 30);
        ctx = MapContext.of(space, cpus, clock::get, seed);
        scratch = space.allocate(1 << 20, "test scratch", true);
        next = scratch.address();
    }

    BpfMap create(MapSpec spec) {
        return BpfMaps.create(spec, ctx);
    }

    /** Copies bytes into scratch memory (a fresh 8-aligned slot each time) and returns the address. */
    long put(byte[] bytes) {
        if (next + bytes.length + 8 > scratch.end()) next = scratch.address();
        long a = next;
        next = (next + Math.max(bytes.length, 1) + 7) & ~7L;
        write(a, bytes);
        return a;
    }

    /** A zeroed scratch buffer of {@code n} bytes. */
    long buffer(int n) {
        return put(new byte[n]);
    }

    void write(long addr, byte[] bytes) {
        java.lang.foreign.MemorySegment.copy(bytes, 0, space.segment(), ValueLayout.JAVA_BYTE, addr - space.base(), bytes.length);
    }

    byte[] read(long addr, int n) {
        byte[] out = new byte[n];
        java.lang.foreign.MemorySegment.copy(space.segment(), ValueLayout.JAVA_BYTE, addr - space.base(), out, 0, n);
        return out;
    }

    long readLong(long addr) {
        return space.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, addr - space.base());
    }

    void writeLong(long addr, long v) {
        space.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, addr - space.base(), v);
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static long asLong(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static int asInt(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Override
    public void close() {
        space.close();
    }
}

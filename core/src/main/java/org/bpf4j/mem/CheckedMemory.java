package org.bpf4j.mem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Host-side access to BPF memory that is always checked against the live regions, as kernel helpers
 * validate the pointers they are given. Helpers and the map API use this; engines have their own
 * inlined fast paths.
 */
public final class CheckedMemory {
    private final AddressSpace space;
    private final MemorySegment segment;

    public CheckedMemory(AddressSpace space) {
        this.space = space;
        this.segment = space.segment();
    }

    public AddressSpace space() { return space; }

    /** The region containing {@code [address, address + len)}; throws a fault naming the access otherwise. */
    public Region require(long address, long len, boolean write) {
        Region r = space.lookup(address, len);
        if (r == null) throw MemoryFault.outside(write ? "write" : "read", address, len);
        if (write && !r.writable()) {
            throw new MemoryFault(address, String.format("invalid write of %d bytes at 0x%x: %s is read-only", len, address, r.name()));
        }
        return r;
    }

    public byte[] read(long address, int len) {
        if (len == 0) return new byte[0];
        require(address, len, false);
        return segment.asSlice(address - space.base(), len).toArray(ValueLayout.JAVA_BYTE);
    }

    public void write(long address, byte[] bytes) {
        if (bytes.length == 0) return;
        require(address, bytes.length, true);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, address - space.base(), bytes.length);
    }

    /** Zeroes {@code [address, address + len)}, which must be writable BPF memory; allocates nothing. */
    public void zero(long address, long len) {
        if (len == 0) return;
        require(address, len, true);
        segment.asSlice(address - space.base(), len).fill((byte) 0);
    }

    public int loadU8(long address) {
        require(address, 1, false);
        return segment.get(ValueLayout.JAVA_BYTE, address - space.base()) & 0xff;
    }

    public void storeU8(long address, int value) {
        require(address, 1, true);
        segment.set(ValueLayout.JAVA_BYTE, address - space.base(), (byte) value);
    }

    public long loadU64(long address) {
        require(address, 8, false);
        return segment.get(ValueLayout.JAVA_LONG_UNALIGNED, address - space.base());
    }

    public void storeU64(long address, long value) {
        require(address, 8, true);
        segment.set(ValueLayout.JAVA_LONG_UNALIGNED, address - space.base(), value);
    }

    /**
     * The NUL-terminated string at {@code address}, reading at most {@code max} bytes and never past the
     * end of its region (an unterminated string is a fault, as reading on would leave BPF memory).
     */
    public byte[] cString(long address, int max) {
        Region r = require(address, 1, false);
        long limit = Math.min(max, r.end() - address);
        long off = address - space.base();
        for (long i = 0; i < limit; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, off + i) == 0) {
                return segment.asSlice(off, i).toArray(ValueLayout.JAVA_BYTE);
            }
        }
        if (limit < max) {
            throw new MemoryFault(address, String.format("unterminated string at 0x%x runs past the end of %s", address, r.name()));
        }
        return segment.asSlice(off, limit).toArray(ValueLayout.JAVA_BYTE);
    }
}

package org.bpf4j.mem;

/** An access outside live BPF memory, or of the wrong kind (a store to read-only memory, a misaligned atomic). */
public final class MemoryFault extends RuntimeException {
    private final long address;

    public MemoryFault(long address, String message) {
        super(message);
        this.address = address;
    }

    public long address() { return address; }

    static MemoryFault outside(String what, long address, long size) {
        return new MemoryFault(address, String.format("invalid %s of %d bytes at 0x%x: not inside any live region", what, size, address));
    }
}

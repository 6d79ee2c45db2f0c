package org.bpf4j.mem;

/**
 * A live range of BPF memory: {@code [address, address + size)} inside one {@link AddressSpace}.
 * Checked mode allows an access only when it lies wholly inside one live region.
 *
 * @param address first byte, a real virtual address inside the space
 * @param size length in bytes
 * @param name what the region is, for error messages ("stack frame 0", "map counters value")
 * @param writable whether programs may store into it
 */
public record Region(long address, long size, String name, boolean writable) {

    public long end() { return address + size; }

    /** Whether {@code [addr, addr + len)} lies inside this region (overflow-safe). */
    public boolean contains(long addr, long len) {
        return addr - address >= 0 && len <= size && addr - address <= size - len;
    }
}

package org.bpf4j.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where a function of an executable or shared library lies in its file, as a uprobe needs it: the symbol
 * from {@code .symtab} or {@code .dynsym}, its address turned into a file offset through the section that
 * holds it (what libbpf's {@code elf_find_func_offset} does). 64-bit little-endian ELF only.
 */
final class ElfSymbols {
    private ElfSymbols() {}

    private static final int SHT_SYMTAB = 2, SHT_DYNSYM = 11, STT_FUNC = 2, STT_GNU_IFUNC = 10, SHN_UNDEF = 0;
    /** Section indexes from here up are special (SHN_ABS, SHN_COMMON, ...): no section to place the symbol in the file. */
    private static final int SHN_LORESERVE = 0xff00;

    /**
     * The file offset of function {@code symbol} in {@code binary}.
     *
     * @throws IllegalArgumentException when the file is not a 64-bit little-endian ELF file or has no such function
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    static long functionOffset(Path binary, String symbol) {
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + binary + ": " + e.getMessage(), e);
        }
        try {
            if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                throw new IllegalArgumentException(binary + " is not a 64-bit little-endian ELF file");
            }
            long shoff = elf.getLong(0x28);
            int shentsize = Short.toUnsignedInt(elf.getShort(0x3a)), shnum = Short.toUnsignedInt(elf.getShort(0x3c));
            for (int pass = 0; pass < 2; pass++) { // .symtab first (every function), then .dynsym (exported ones)
                int wanted = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;
                for (int i = 0; i < shnum; i++) {
                    int sh = Math.toIntExact(shoff + (long) i * shentsize);
                    if (elf.getInt(sh + 4) != wanted) continue;
                    long off = elf.getLong(sh + 0x18), size = elf.getLong(sh + 0x20), entsize = elf.getLong(sh + 0x38);
                    int strtab = Math.toIntExact(shoff + (long) elf.getInt(sh + 0x28) * shentsize);
                    long strOff = elf.getLong(strtab + 0x18);
                    for (long s = off; entsize > 0 && s + entsize <= off + size; s += entsize) {
                        int sym = Math.toIntExact(s);
                        int type = elf.get(sym + 4) & 0xf;
                        int shndx = Short.toUnsignedInt(elf.getShort(sym + 6));
                        long value = elf.getLong(sym + 8);
                        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || value == 0) continue;
                        if (!name(elf, strOff + Integer.toUnsignedLong(elf.getInt(sym))).equals(symbol)) continue;
                        int section = Math.toIntExact(shoff + (long) shndx * shentsize);
                        return value - elf.getLong(section + 0x10) + elf.getLong(section + 0x18); // - sh_addr + sh_offset
                    }
                }
            }
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException(binary + " is a malformed ELF file: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no function " + symbol + " in " + binary);
    }

    /** The functions of a file by where they lie in it: sorted file offsets, sizes and names. */
    record Functions(long[] starts, long[] sizes, String[] names) {
        /** The function whose bytes hold file offset {@code offset} (a zero-size symbol: the nearest before it). */
        java.util.Optional<String> at(long offset) {
            int i = java.util.Arrays.binarySearch(starts, offset);
            if (i < 0) i = -i - 2;
            // several symbols may share a start (aliases): any of them names the function
            if (i < 0 || (sizes[i] != 0 && offset >= starts[i] + sizes[i])) return java.util.Optional.empty();
            return java.util.Optional.of(names[i]);
        }
    }

    /**
     * Every function symbol of {@code binary} ({@code .symtab} and {@code .dynsym}) by file offset, as a
     * profiler symbolizes a sampled address: its offset in the mapped file is {@code address - start + pgoff}.
     *
     * @throws IllegalArgumentException when the file is not a 64-bit little-endian ELF file or is malformed
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    static Functions functions(Path binary) {
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + binary + ": " + e.getMessage(), e);
        }
        java.util.TreeMap<Long, long[]> bySize = new java.util.TreeMap<>();
        java.util.Map<Long, String> names = new java.util.HashMap<>();
        try {
            if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                throw new IllegalArgumentException(binary + " is not a 64-bit little-endian ELF file");
            }
            long shoff = elf.getLong(0x28);
            int shentsize = Short.toUnsignedInt(elf.getShort(0x3a)), shnum = Short.toUnsignedInt(elf.getShort(0x3c));
            for (int i = 0; i < shnum; i++) {
                int sh = Math.toIntExact(shoff + (long) i * shentsize);
                int shType = elf.getInt(sh + 4);
                if (shType != SHT_SYMTAB && shType != SHT_DYNSYM) continue;
                long off = elf.getLong(sh + 0x18), size = elf.getLong(sh + 0x20), entsize = elf.getLong(sh + 0x38);
                int strtab = Math.toIntExact(shoff + (long) elf.getInt(sh + 0x28) * shentsize);
                long strOff = elf.getLong(strtab + 0x18);
                for (long s = off; entsize > 0 && s + entsize <= off + size; s += entsize) {
                    int sym = Math.toIntExact(s);
                    int type = elf.get(sym + 4) & 0xf;
                    int shndx = Short.toUnsignedInt(elf.getShort(sym + 6));
                    long value = elf.getLong(sym + 8), symSize = elf.getLong(sym + 16);
                    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || value == 0) continue;
                    int section = Math.toIntExact(shoff + (long) shndx * shentsize);
                    long start = value - elf.getLong(section + 0x10) + elf.getLong(section + 0x18);
                    if (names.putIfAbsent(start, name(elf, strOff + Integer.toUnsignedLong(elf.getInt(sym)))) == null) {
                        bySize.put(start, new long[] {symSize});
                    }
                }
            }
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException(binary + " is a malformed ELF file: " + e.getMessage(), e);
        }
        long[] starts = new long[bySize.size()], sizes = new long[bySize.size()];
        String[] ns = new String[bySize.size()];
        int k = 0;
        for (java.util.Map.Entry<Long, long[]> e : bySize.entrySet()) {
            starts[k] = e.getKey();
            sizes[k] = e.getValue()[0];
            ns[k++] = names.get(e.getKey());
        }
        return new Functions(starts, sizes, ns);
    }

    private static String name(ByteBuffer elf, long at) {
        int start = Math.toIntExact(at), end = start;
        while (elf.get(end) != 0) end++;
        byte[] b = new byte[end - start];
        elf.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}

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
     * @throws IllegalArgumentException when the file does not exist (then naming the closest files beside it), is
     *     not a 64-bit little-endian ELF file, or has no such function (then naming its closest functions)
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    static long functionOffset(Path binary, String symbol) {
        java.util.Map<String, Long> functions = functionsByName(binary);
        Long offset = functions.get(symbol);
        if (offset == null) {
            throw new IllegalArgumentException("no function " + symbol + " in " + binary + Names.suggest(symbol, functions.keySet()));
        }
        return offset;
    }

    /**
     * The functions of {@code binary} whose names the glob {@code pattern} matches, with their file offsets, in the
     * file's order (as libbpf's {@code elf_resolve_pattern_offsets} for uprobe.multi).
     *
     * @throws IllegalArgumentException as {@link #functionOffset}, and when nothing matches
     */
    static java.util.Map<String, Long> matching(Path binary, String pattern) {
        java.util.Map<String, Long> functions = functionsByName(binary), matched = new java.util.LinkedHashMap<>();
        functions.forEach((name, offset) -> {
            if (KernelSymbols.globMatch(name, pattern)) matched.put(name, offset);
        });
        if (matched.isEmpty()) {
            throw new IllegalArgumentException("no function matches " + pattern + " in " + binary
                    + Names.suggest(pattern.replaceAll("[*?]", ""), functions.keySet()));
        }
        return matched;
    }

    /** Every defined function of {@code binary} and its file offset: {@code .symtab}'s, then {@code .dynsym}'s others. */
    static java.util.Map<String, Long> functionsByName(Path binary) {
        java.util.Map<String, Long> functions = new java.util.LinkedHashMap<>();
        for (Symbol f : symbols(binary)) functions.putIfAbsent(f.name(), f.start()); // the first definition wins
        return functions;
    }

    /** A function symbol: its name, where its code starts in the file, and its size (0 when the symbol says none). */
    private record Symbol(String name, long start, long size) {}

    /**
     * The function symbols of {@code binary}, {@code .symtab}'s (every function) before {@code .dynsym}'s (the
     * exported ones), each at its file offset: {@code st_value - sh_addr + sh_offset} of its section.
     */
    private static java.util.List<Symbol> symbols(Path binary) {
        ByteBuffer elf;
        try (FileChannel ch = FileChannel.open(binary, StandardOpenOption.READ)) {
            elf = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("no file " + binary + Names.suggest(binary.toString(), siblings(binary)), e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + binary + ": " + e.getMessage(), e);
        }
        java.util.List<Symbol> symbols = new java.util.ArrayList<>();
        try {
            if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                throw new IllegalArgumentException(binary + " is not a 64-bit little-endian ELF file");
            }
            long shoff = elf.getLong(0x28);
            int shentsize = Short.toUnsignedInt(elf.getShort(0x3a)), shnum = Short.toUnsignedInt(elf.getShort(0x3c));
            for (int pass = 0; pass < 2; pass++) {
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
                        long value = elf.getLong(sym + 8), symSize = elf.getLong(sym + 16);
                        if ((type != STT_FUNC && type != STT_GNU_IFUNC) || shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || value == 0) continue;
                        int section = Math.toIntExact(shoff + (long) shndx * shentsize);
                        symbols.add(new Symbol(name(elf, strOff + Integer.toUnsignedLong(elf.getInt(sym))),
                                value - elf.getLong(section + 0x10) + elf.getLong(section + 0x18), symSize));
                    }
                }
            }
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException(binary + " is a malformed ELF file: " + e.getMessage(), e);
        }
        return symbols;
    }

    /** The files beside {@code path} (in its directory, if that exists), as paths to offer instead. */
    private static java.util.List<String> siblings(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null || !java.nio.file.Files.isDirectory(dir)) return java.util.List.of();
        try (var files = java.nio.file.Files.list(dir)) {
            return files.map(Path::toString).sorted().toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
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
     * @throws IllegalArgumentException when the file does not exist, is not a 64-bit little-endian ELF file or is malformed
     * @throws java.io.UncheckedIOException when it cannot be read
     */
    static Functions functions(Path binary) {
        java.util.TreeMap<Long, Symbol> byStart = new java.util.TreeMap<>();
        for (Symbol f : symbols(binary)) byStart.putIfAbsent(f.start(), f); // aliases: the first name found
        long[] starts = new long[byStart.size()], sizes = new long[byStart.size()];
        String[] names = new String[byStart.size()];
        int k = 0;
        for (Symbol f : byStart.values()) {
            starts[k] = f.start();
            sizes[k] = f.size();
            names[k++] = f.name();
        }
        return new Functions(starts, sizes, names);
    }

    private static String name(ByteBuffer elf, long at) {
        int start = Math.toIntExact(at), end = start;
        while (elf.get(end) != 0) end++;
        byte[] b = new byte[end - start];
        elf.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}

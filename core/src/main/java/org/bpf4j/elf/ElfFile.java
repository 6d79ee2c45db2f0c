package org.bpf4j.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A strict ELF64 little-endian relocatable-object reader: section headers, the symbol table, string
 * tables and {@code SHT_REL} relocations. Every offset, size and index read from the file is checked
 * against the file before use, so malformed input ends in {@link ObjectFormatException} naming the
 * object and the section, never in an index error or an allocation larger than the file.
 */
final class ElfFile {

    static final int SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_NOBITS = 8,
            SHT_REL = 9, SHT_DYNSYM = 11;
    static final long SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
    static final int STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
    static final int STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    static final int SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;
    static final int EM_NONE = 0, EM_BPF = 247;

    /** A section header, with its name resolved. {@code index} is its position in the header table. */
    record Section(int index, String name, int type, long flags, long offset, long size, int link, int info,
                   long addralign, long entsize) {
        boolean executable() { return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0; }
    }

    /** A symbol table entry, with its name resolved; {@code shndx} is the section it is defined in. */
    record Symbol(int index, String name, int type, int bind, int shndx, long value, long size) {}

    /** One {@code Elf64_Rel}: the byte offset in the target section, the symbol index and the type. */
    record Rel(long offset, int symbol, int type) {}

    final String objectName;
    final byte[] data;
    /** {@code e_machine}: {@link #EM_BPF}, or {@link #EM_NONE} from old clang. */
    final int machine;
    final List<Section> sections;
    final List<Symbol> symbols;

    private ElfFile(String objectName, byte[] data, List<Section> sections, List<Symbol> symbols) {
        this.objectName = objectName;
        this.data = data;
        this.machine = data.length >= 20 ? u16(18) : EM_NONE;
        this.sections = sections;
        this.symbols = symbols;
    }

    ObjectFormatException error(String what) {
        return new ObjectFormatException(objectName + ": " + what);
    }

    ObjectFormatException error(Section s, String what) {
        return new ObjectFormatException(objectName + ": section '" + s.name + "': " + what);
    }

    int u8(long off) { return data[(int) off] & 0xff; }

    int u16(long off) { return (data[(int) off] & 0xff) | (data[(int) off + 1] & 0xff) << 8; }

    int i32(long off) {
        int o = (int) off;
        return (data[o] & 0xff) | (data[o + 1] & 0xff) << 8 | (data[o + 2] & 0xff) << 16 | (data[o + 3] & 0xff) << 24;
    }

    long u32(long off) { return i32(off) & 0xffffffffL; }

    long i64(long off) { return u32(off) | (u32(off + 4) << 32); }

    static ElfFile parse(String objectName, byte[] data) {
        ElfFile header = new ElfFile(objectName, data, List.of(), List.of());
        return header.readAll();
    }

    private ElfFile readAll() {
        if (data.length < 64) throw error("file is " + data.length + " bytes, too short for an ELF header");
        if (data[0] != 0x7f || data[1] != 'E' || data[2] != 'L' || data[3] != 'F') throw error("not an ELF file (bad magic)");
        if (data[4] != 2) throw error("not a 64-bit ELF file (class " + (data[4] & 0xff) + ")");
        if (data[5] == 2) throw error("not a little-endian ELF file (big-endian BPF objects are not supported)");
        if (data[5] != 1) throw error("invalid ELF data encoding " + (data[5] & 0xff) + " (1 is little-endian, 2 big-endian)");
        if (data[6] != 1) throw error("unsupported ELF version " + (data[6] & 0xff));
        int type = u16(16);
        int machine = u16(18);
        // Old clang wrote EM_NONE; iproute2 (bpf_elf_check_ehdr) accepts it, the loader checks the code looks like BPF.
        if (machine != EM_BPF && machine != EM_NONE) throw error("not a BPF object (ELF machine " + machine + ", expected " + EM_BPF + ")");
        if (type != 1) throw error("not a relocatable object (ELF type " + type + ")");
        long shoff = i64(0x28);
        int shentsize = u16(0x3a);
        long shnum = u16(0x3c);
        long shstrndx = u16(0x3e);
        if (shoff == 0) throw error("no section header table");
        if (shentsize != 64) throw error("bad section header entry size " + shentsize);
        checkRange(shoff, 64, "section header table");
        if (shnum == 0) shnum = i64(shoff + 0x20); // extended numbering: the count lives in section 0's sh_size
        if (shstrndx == SHN_XINDEX) shstrndx = u32(shoff + 0x28);
        if (shnum <= 0 || shnum > data.length / 64) throw error("bad section count " + shnum);
        checkRange(shoff, shnum * 64, "section header table");

        long[][] raw = new long[(int) shnum][];
        for (int i = 0; i < shnum; i++) {
            long h = shoff + 64L * i;
            raw[i] = new long[] {u32(h), u32(h + 4), i64(h + 8), i64(h + 0x18), i64(h + 0x20), u32(h + 0x28), u32(h + 0x2c),
                    i64(h + 0x30), i64(h + 0x38)};
        }
        if (shstrndx <= 0 || shstrndx >= shnum) throw error("section name table index " + shstrndx + " is out of range");
        long[] strHdr = raw[(int) shstrndx];
        if (strHdr[1] != SHT_STRTAB) throw error("section name table (section " + shstrndx + ") is not a string table");
        checkRange(strHdr[3], strHdr[4], "section name table");

        List<Section> secs = new ArrayList<>((int) shnum);
        for (int i = 0; i < shnum; i++) {
            long[] r = raw[i];
            String name = i == 0 ? "" : string(strHdr[3], strHdr[4], r[0], "section " + i + " name");
            Section s = new Section(i, name, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7], r[8]);
            if (s.size < 0 || s.offset < 0) throw error(s, "has a negative offset or size");
            if (i > 0 && s.type != SHT_NOBITS) {
                if (s.offset < 0 || s.size < 0 || s.offset + s.size > data.length || s.offset + s.size < 0) {
                    throw error(s, "extends past the end of the file (offset " + s.offset + ", size " + s.size + ", file " + data.length + " bytes)");
                }
            }
            secs.add(s);
        }
        checkOverlaps(secs, shoff, shnum * 64);
        List<Section> sectionList = List.copyOf(secs);
        ElfFile withSections = new ElfFile(objectName, data, sectionList, List.of());
        return new ElfFile(objectName, data, sectionList, withSections.readSymbols());
    }

    private void checkRange(long off, long len, String what) {
        if (off < 0 || len < 0 || off + len > data.length || off + len < 0) {
            throw error(what + " is outside the file (offset " + off + ", size " + len + ", file " + data.length + " bytes)");
        }
    }

    /** Overlapping sections mean a corrupt (or crafted) file: refuse rather than read the same bytes twice. */
    private void checkOverlaps(List<Section> secs, long shoff, long shsize) {
        List<Section> present = new ArrayList<>();
        for (Section s : secs) {
            if (s.index > 0 && s.type != SHT_NOBITS && s.size > 0) present.add(s);
        }
        present.sort(Comparator.comparingLong(Section::offset));
        for (int i = 1; i < present.size(); i++) {
            Section a = present.get(i - 1), b = present.get(i);
            if (a.offset + a.size > b.offset) throw error(b, "overlaps section '" + a.name + "'");
        }
        for (Section s : present) {
            if (s.offset < shoff + shsize && shoff < s.offset + s.size) throw error(s, "overlaps the section header table");
        }
    }

    /** A NUL-terminated string at {@code off} of the string table at {@code [base, base+size)}. */
    private String string(long base, long size, long off, String what) {
        if (off < 0 || off >= size) throw error(what + ": string offset " + off + " is outside its string table (" + size + " bytes)");
        int start = (int) (base + off);
        int end = start;
        int limit = (int) (base + size);
        while (end < limit && data[end] != 0) end++;
        if (end == limit) throw error(what + ": string at offset " + off + " is not NUL-terminated");
        return new String(data, start, end - start, StandardCharsets.UTF_8);
    }

    private List<Symbol> readSymbols() {
        Section symtab = null;
        for (Section s : sections) {
            if (s.type == SHT_SYMTAB) {
                if (symtab != null) throw error(s, "a second symbol table");
                symtab = s;
            }
        }
        if (symtab == null) return List.of();
        if (symtab.entsize != 24) throw error(symtab, "bad symbol entry size " + symtab.entsize);
        if (symtab.size % 24 != 0) throw error(symtab, "size " + symtab.size + " is not a multiple of the symbol entry size");
        if (symtab.link <= 0 || symtab.link >= sections.size()) throw error(symtab, "string table index " + symtab.link + " is out of range");
        Section strtab = sections.get(symtab.link);
        if (strtab.type != SHT_STRTAB) throw error(symtab, "linked section '" + strtab.name + "' is not a string table");
        int n = (int) (symtab.size / 24);
        List<Symbol> syms = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long p = symtab.offset + 24L * i;
            long nameOff = u32(p);
            int info = u8(p + 4);
            int shndx = u16(p + 6);
            long value = i64(p + 8);
            long size = i64(p + 16);
            String name = nameOff == 0 ? "" : string(strtab.offset, strtab.size, nameOff, "symbol " + i);
            if (shndx == SHN_XINDEX) throw error(symtab, "symbol " + i + " ('" + name + "') uses extended section indexes, which are not supported");
            if (shndx != SHN_UNDEF && shndx < SHN_LORESERVE && shndx >= sections.size()) {
                throw error(symtab, "symbol " + i + " ('" + name + "') is in section " + shndx + ", which does not exist");
            }
            int type = info & 0xf;
            if (type == STT_SECTION && name.isEmpty() && shndx > 0 && shndx < sections.size()) name = sections.get(shndx).name;
            syms.add(new Symbol(i, name, type, info >>> 4, shndx, value, size));
        }
        return List.copyOf(syms);
    }

    /** The bytes of a section (a fresh copy: callers may keep it); NOBITS sections read as zeros. */
    byte[] bytes(Section s) {
        if (s.type == SHT_NOBITS) {
            // .bss occupies no file bytes, so its size is not bounded by the file: cap it before allocating.
            if (s.size < 0 || s.size > MAX_NOBITS) throw error(s, "size " + s.size + " is too large");
            return new byte[(int) s.size];
        }
        return Arrays.copyOfRange(data, (int) s.offset, (int) (s.offset + s.size));
    }

    /** The largest zero-filled section accepted (the kernel caps a map value at KMALLOC_MAX_SIZE-ish sizes too). */
    static final long MAX_NOBITS = 1L << 26;

    Symbol symbol(Section relSection, int index) {
        if (index < 0 || index >= symbols.size()) throw error(relSection, "relocation refers to symbol " + index + ", which does not exist (" + symbols.size() + " symbols)");
        return symbols.get(index);
    }

    /** The relocations of a REL section, checked to lie inside {@code target} with 8-byte room. */
    List<Rel> rels(Section rel, Section target) {
        if (rel.type == SHT_RELA) throw error(rel, "RELA relocations are not supported in BPF objects");
        if (rel.entsize != 16 && rel.entsize != 0) throw error(rel, "bad relocation entry size " + rel.entsize);
        if (rel.size % 16 != 0) throw error(rel, "size " + rel.size + " is not a multiple of the relocation entry size");
        int n = (int) (rel.size / 16);
        List<Rel> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long p = rel.offset + 16L * i;
            long off = i64(p);
            long info = i64(p + 8);
            long sym = info >>> 32;
            int type = (int) info;
            if (off < 0 || off >= target.size) throw error(rel, "relocation " + i + " is at offset " + off + ", outside section '" + target.name + "' (" + target.size + " bytes)");
            if (sym >= symbols.size()) throw error(rel, "relocation " + i + " refers to symbol " + sym + ", which does not exist (" + symbols.size() + " symbols)");
            out.add(new Rel(off, (int) sym, type));
        }
        return out;
    }

    Section section(int index) {
        return sections.get(index);
    }
}

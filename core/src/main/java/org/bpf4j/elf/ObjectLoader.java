package org.bpf4j.elf;

import org.bpf4j.maps.MapType;
import static org.bpf4j.elf.ElfFile.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt;
import org.bpf4j.btf.BtfFormatException;
import org.bpf4j.btf.BtfType;
import org.bpf4j.elf.ElfFile.Rel;
import org.bpf4j.elf.ElfFile.Section;
import org.bpf4j.elf.ElfFile.Symbol;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.maps.MapFlags;

/**
 * Turns an {@link ElfFile} into a {@link BpfObject} with libbpf's conventions: which sections hold
 * programs, maps and global data; how relocations bind instructions to maps; how subprograms are
 * appended to the programs that call them. One instance per parse, not thread-safe, not reused.
 *
 * <p>A little over 800 lines: it is libbpf's {@code bpf_object__open} in one pass (sections, symbols, maps,
 * programs, relocations, subprogram linking), each step reading what the previous ones collected.
 */
final class ObjectLoader {

    static final int R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3, R_BPF_64_NODYLD32 = 4,
            R_BPF_64_32 = 10;

    /** The kernel's limit on one program's instructions (BPF_COMPLEXITY_LIMIT_INSNS). */
    static final int MAX_PROGRAM_INSNS = 1_000_000;
    /** All programs of one object together: caps the work and memory a crafted object can cause. */
    static final long MAX_TOTAL_INSNS = 4_000_000;

    private final String name;
    private final byte[] data;
    private final OpenOptions options;
    /** What the object gets accepted with despite libbpf refusing it, for {@link BpfObject#warnings()}. */
    private final List<String> warnings = new ArrayList<>();
    private ElfFile elf;
    private Optional<Btf> btf = Optional.empty();
    private BtfExt ext = BtfExt.empty();

    /** Code sections by section index. */
    private final Map<Integer, CodeSection> code = new LinkedHashMap<>();
    /** Maps by name, in declaration order. */
    private final Map<String, MapDefinition> maps = new LinkedHashMap<>();
    /** (section index, symbol offset) -> map name, for BTF and legacy map sections. */
    private final Map<Integer, TreeMap<Long, String>> mapsByOffset = new HashMap<>();
    /** Global-data section index -> map name. */
    private final Map<Integer, String> dataMaps = new HashMap<>();
    private long totalInsns;
    /** Symbols by the section they are defined in, sorted by value: looked up per section, so computed once. */
    private final Map<Integer, List<Symbol>> symbolsBySection = new HashMap<>();
    /** Extern variable name -> the BTF data section declaring it, built on first use. */
    private Map<String, String> externSections;

    ObjectLoader(String name, byte[] data, OpenOptions options) {
        this.name = name;
        this.data = data;
        this.options = options;
    }

    /** A function: a range of instructions of a code section. */
    private record Fn(CodeSection sec, String name, int start, int end, boolean global) {}

    /** An executable section: its instructions, relocations by instruction and functions. */
    private static final class CodeSection {
        final Section section;
        final Insn[] insns;
        final Map<Integer, Rel> rels = new HashMap<>();
        final List<Fn> fns = new ArrayList<>();

        CodeSection(Section section, Insn[] insns) {
            this.section = section;
            this.insns = insns;
        }

        /** The function containing {@code insn}, or null; binary search, as crafted objects may hold many. */
        Fn fnAt(int insn) {
            int lo = 0, hi = fns.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                Fn f = fns.get(mid);
                if (insn < f.start) hi = mid - 1;
                else if (insn >= f.end) lo = mid + 1;
                else return f;
            }
            return null;
        }
    }

    private ObjectFormatException error(Section s, String what) {
        return elf.error(s, what);
    }

    BpfObject load() {
        elf = ElfFile.parse(name, data);
        for (Symbol sym : elf.symbols) symbolsBySection.computeIfAbsent(sym.shndx(), k -> new ArrayList<>()).add(sym);
        for (List<Symbol> l : symbolsBySection.values()) l.sort(Comparator.comparingLong(Symbol::value));
        readBtf();
        String license = "";
        int version = 0;
        for (Section s : elf.sections) {
            if (s.name().equals("license") && s.type() != SHT_NOBITS) license = cString(elf.bytes(s));
            if (s.name().equals("version")) {
                if (s.size() != 4 || s.type() == SHT_NOBITS) throw error(s, "must be 4 bytes, is " + s.size());
                version = elf.i32(s.offset());
            }
        }
        readCode();
        if (elf.machine == EM_NONE) checkBpfCode();
        readLegacyMaps();
        readBtfMaps();
        readDataMaps();
        List<ProgramSpec> programs = linkPrograms();
        return new BpfObject(name, license, version, programs, new ArrayList<>(maps.values()), btf, warnings);
    }

    /**
     * An {@code EM_NONE} object (old clang) is taken for BPF, as iproute2 takes it, when its code reads
     * as BPF: whole instructions, and registers 0..10 in every one (x86 or arm code fails that at once).
     */
    private void checkBpfCode() {
        if (code.isEmpty()) throw elf.error("not a BPF object (ELF machine 0 and no code sections)");
        for (CodeSection cs : code.values()) {
            for (int i = 0; i < cs.insns.length; i++) {
                Insn insn = cs.insns[i];
                if (insn.dst() > 10 || insn.src() > 10) {
                    throw error(cs.section, "not BPF code (ELF machine 0, and instruction " + i + " uses register "
                            + Math.max(insn.dst(), insn.src()) + ")");
                }
            }
        }
        warnings.add(name + ": ELF machine 0 (EM_NONE, old clang), not EM_BPF: read as BPF since its code is BPF");
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- BTF

    private void readBtf() {
        Section btfSec = sectionNamed(".BTF");
        Section extSec = sectionNamed(".BTF.ext");
        if (btfSec != null) {
            try {
                btf = Optional.of(Btf.parse(elf.bytes(btfSec)));
            } catch (BtfFormatException e) {
                throw new ObjectFormatException(name + ": section '.BTF': " + e.getMessage(), e);
            }
        }
        if (extSec != null) {
            if (btf.isEmpty()) throw error(extSec, "present without a .BTF section");
            try {
                ext = BtfExt.parse(elf.bytes(extSec), btf.get());
            } catch (BtfFormatException e) {
                throw new ObjectFormatException(name + ": section '.BTF.ext': " + e.getMessage(), e);
            }
        }
    }

    private Section sectionNamed(String n) {
        Section found = null;
        for (Section s : elf.sections) {
            if (s.name().equals(n) && s.type() != SHT_NULL) {
                if (found != null) throw error(s, "appears twice");
                found = s;
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- code

    private void readCode() {
        for (Section s : elf.sections) {
            if (!s.executable() || s.size() == 0) continue;
            if (s.size() % Insn.SIZE != 0) throw error(s, "size " + s.size() + " is not a multiple of 8 (a truncated instruction)");
            byte[] bytes = elf.bytes(s);
            Insn[] insns = Program.fromBytes(bytes).insns().toArray(new Insn[0]);
            code.put(s.index(), new CodeSection(s, insns));
        }
        for (Section rel : elf.sections) {
            if (rel.type() != SHT_REL && rel.type() != SHT_RELA) continue;
            if (rel.info() <= 0 || rel.info() >= elf.sections.size()) {
                if (rel.type() == SHT_RELA) throw error(rel, "RELA relocations are not supported in BPF objects");
                throw error(rel, "applies to section " + Integer.toUnsignedString(rel.info()) + ", which does not exist");
            }
            CodeSection target = code.get(rel.info());
            if (target == null) continue; // debug info and .maps relocations are read where they matter
            for (Rel r : elf.rels(rel, target.section)) {
                if (r.offset() % Insn.SIZE != 0) throw error(rel, "relocation at byte " + r.offset() + " is not on an instruction boundary");
                if (r.type() == R_BPF_NONE) continue;
                if (target.rels.put((int) (r.offset() / Insn.SIZE), r) != null) {
                    throw error(rel, "two relocations for instruction " + r.offset() / Insn.SIZE);
                }
            }
        }
        for (CodeSection cs : code.values()) findFunctions(cs);
    }

    /**
     * Function symbols split a section into functions. Old clang marked program entry points as
     * {@code STT_NOTYPE} globals without a size, so those count too, and a size of 0 means "up to the
     * next function".
     */
    private void findFunctions(CodeSection cs) {
        TreeMap<Long, Symbol> starts = new TreeMap<>();
        for (Symbol sym : symbolsBySection.getOrDefault(cs.section.index(), List.of())) {
            boolean fn = sym.type() == STT_FUNC || (sym.type() == STT_NOTYPE && (sym.bind() == STB_GLOBAL || sym.bind() == STB_WEAK));
            if (!fn || sym.name().isEmpty()) continue;
            if (sym.value() < 0 || sym.value() >= cs.section.size() || sym.value() % Insn.SIZE != 0) {
                throw error(cs.section, "function '" + sym.name() + "' starts at byte " + sym.value() + ", not an instruction in the section");
            }
            Symbol prev = starts.get(sym.value());
            if (prev == null || (prev.type() != STT_FUNC && sym.type() == STT_FUNC)) starts.put(sym.value(), sym);
        }
        int n = cs.insns.length;
        if (starts.isEmpty()) {
            cs.fns.add(new Fn(cs, cs.section.name(), 0, n, true));
            return;
        }
        List<Symbol> list = new ArrayList<>(starts.values());
        for (int i = 0; i < list.size(); i++) {
            Symbol sym = list.get(i);
            int start = (int) (sym.value() / Insn.SIZE);
            int next = i + 1 < list.size() ? (int) (list.get(i + 1).value() / Insn.SIZE) : n;
            int end = next;
            if (sym.size() > 0) {
                if (sym.size() % Insn.SIZE != 0 || sym.size() > cs.section.size() - sym.value()) {
                    throw error(cs.section, "function '" + sym.name() + "' has size " + sym.size() + ", which does not fit the section");
                }
                end = start + (int) (sym.size() / Insn.SIZE);
                if (end > next) throw error(cs.section, "function '" + sym.name() + "' overlaps the next function");
            }
            cs.fns.add(new Fn(cs, sym.name(), start, end, sym.bind() != STB_LOCAL));
        }
    }

    // ---------------------------------------------------------------- maps

    private static boolean isLegacyMapSection(Section s) {
        return (s.name().equals("maps") || s.name().startsWith("maps/")) && !s.executable() && s.type() != SHT_NULL;
    }

    private List<Symbol> symbolsIn(Section s) {
        List<Symbol> out = new ArrayList<>();
        for (Symbol sym : symbolsBySection.getOrDefault(s.index(), List.of())) {
            if (sym.type() != STT_SECTION && sym.type() != STT_FILE && !sym.name().isEmpty()) out.add(sym);
        }
        out.sort(Comparator.comparingLong(Symbol::value));
        return out;
    }

    private void addMap(Section s, MapDefinition spec) {
        if (maps.putIfAbsent(spec.name(), spec) != null) throw error(s, "map '" + spec.name() + "' is defined twice");
    }

    /**
     * {@code struct bpf_map_def} arrays: type, key_size, value_size, max_entries, map_flags, then in
     * samples/bpf's variant inner_map_idx and numa_node. The symbol size (or the section size divided
     * by the number of symbols) gives the stride. A stride of 32 or 36 bytes is iproute2's {@code
     * struct bpf_elf_map} (include/bpf_elf.h): map_flags, then id, pinning, inner_id, inner_idx.
     */
    private void readLegacyMaps() {
        List<Object[]> inner = new ArrayList<>(); // {MapDefinition outer, Integer innerIndex, Section}
        List<String> order = new ArrayList<>();
        List<ElfMap> elfMaps = new ArrayList<>();
        for (Section s : elf.sections) {
            if (!isLegacyMapSection(s)) continue;
            List<Symbol> syms = symbolsIn(s);
            if (syms.isEmpty()) {
                if (s.size() == 0) continue;
                throw error(s, "legacy map section has no symbols naming its maps");
            }
            if (s.type() == SHT_NOBITS) throw error(s, "legacy map definitions cannot be in a NOBITS section");
            for (Symbol sym : syms) {
                long stride = sym.size() > 0 ? sym.size() : s.size() / syms.size();
                if (stride < 16 || stride > 256) throw error(s, "map '" + sym.name() + "' definition is " + stride + " bytes, not a struct bpf_map_def");
                if (sym.value() < 0 || sym.value() > s.size() - stride) throw error(s, "map '" + sym.name() + "' definition lies outside the section");
                long p = s.offset() + sym.value();
                long typeId = elf.u32(p);
                MapType type = MapType.byId(typeId).orElseThrow(() -> error(s, "map '" + sym.name() + "' has unknown type " + typeId));
                int flags = stride >= 20 ? elf.i32(p + 16) : 0;
                boolean iproute2 = stride >= ELF_MAP_MIN;
                int innerIdx = stride >= 24 && !iproute2 ? elf.i32(p + 20) : 0;
                int numa = stride >= 28 && !iproute2 ? elf.i32(p + 24) : 0;
                int valueSize = elf.i32(p + 8);
                // samples/bpf's loader created maps of maps with a 4-byte value (an fd) whatever the definition said.
                if (type.isMapOfMaps() && valueSize == 0) valueSize = 4;
                // iproute2's PIN_GLOBAL_NS (2) pins by name under tc/globals; PIN_OBJECT_NS and custom ones are not supported
                MapDefinition.Pinning pinning = iproute2 && elf.i32(p + 24) == 2 ? MapDefinition.Pinning.GLOBAL_NS : MapDefinition.Pinning.NONE;
                MapDefinition spec = new MapDefinition(sym.name(), type, elf.i32(p + 4), valueSize, elf.i32(p + 12), flags, numa,
                        pinning, 0, 0, 0, Optional.empty(), List.of(), MapDefinition.Definition.LEGACY, new byte[0], false);
                addMap(s, spec);
                order.add(sym.name());
                mapsByOffset.computeIfAbsent(s.index(), k -> new TreeMap<>()).put(sym.value(), sym.name());
                if (iproute2) {
                    // struct bpf_elf_map; a shorter one (no inner_idx) reads as zeros past its end, as bpf_fetch_maps_end fixes it up
                    ElfMap em = new ElfMap(sym.name(), type, elf.i32(p + 20), elf.i32(p + 24), elf.i32(p + 28),
                            stride >= 36 ? elf.i32(p + 32) : 0, s);
                    elfMaps.add(em);
                    if (em.pinning != 0 && em.pinning != 2) {
                        warnings.add(name + ": map '" + sym.name() + "': iproute2 pinning " + Integer.toUnsignedString(em.pinning)
                                + " (" + iproute2Pinning(em.pinning) + ") is not supported, loaded unpinned");
                    }
                } else if (type.isMapOfMaps()) {
                    inner.add(new Object[] {spec, innerIdx, s});
                }
            }
        }
        bindElfMapsOfMaps(elfMaps);
        // samples/bpf's loader: inner_map_idx is the index of the inner map's definition among all map definitions.
        for (Object[] o : inner) {
            MapDefinition outer = (MapDefinition) o[0];
            int idx = (Integer) o[1];
            if (idx < 0 || idx >= order.size() || order.get(idx).equals(outer.name())) {
                throw error((Section) o[2], "map of maps '" + outer.name() + "' names inner map index " + idx + ", which is not another map");
            }
            MapDefinition in = maps.get(order.get(idx));
            maps.put(outer.name(), withInner(outer, in, outer.initialSlots()));
        }
    }

    /** The smallest stride read as iproute2's {@code struct bpf_elf_map}: samples/bpf's bpf_map_def is 28 bytes at most. */
    private static final int ELF_MAP_MIN = 32;

    /** iproute2's extra {@code struct bpf_elf_map} fields of one map. */
    private record ElfMap(String name, MapType type, int id, int pinning, int innerId, int innerIdx, Section section) {}

    private static String iproute2Pinning(int pinning) {
        return switch (pinning) {
            case 1 -> "PIN_OBJECT_NS";
            default -> "custom, from /etc/iproute2/bpf_pinning";
        };
    }

    /**
     * iproute2's maps of maps (bpf_map_attach and bpf_maps_attach_all in lib/bpf_legacy.c): an outer
     * map's {@code inner_id} names the map whose {@code id} equals it, the template it is created with;
     * each map with an {@code id}, no {@code inner_id} and an {@code inner_idx} other than -1 is then put
     * at slot {@code inner_idx} of every outer map whose {@code inner_id} is its {@code id}.
     */
    private void bindElfMapsOfMaps(List<ElfMap> elfMaps) {
        for (ElfMap outer : elfMaps) {
            if (!outer.type.isMapOfMaps()) continue;
            if (outer.innerId == 0) throw error(outer.section, "map of maps '" + outer.name + "' has no inner_id naming its inner map");
            ElfMap template = null;
            for (ElfMap m : elfMaps) {
                if (m.id == outer.innerId) {
                    template = m;
                    break;
                }
            }
            if (template == null || template.type.isMapOfMaps()) {
                throw error(outer.section, "map of maps '" + outer.name + "' has inner_id " + Integer.toUnsignedString(outer.innerId)
                        + ", and no map that is not itself a map of maps has that id");
            }
            List<MapDefinition.Slot> slots = new ArrayList<>();
            for (ElfMap m : elfMaps) {
                if (m.id == 0 || m.innerId != 0 || m.innerIdx == -1 || m.id != outer.innerId) continue;
                if (Integer.toUnsignedLong(m.innerIdx) >= Integer.toUnsignedLong(maps.get(outer.name).maxEntries())) {
                    throw error(outer.section, "map '" + m.name + "' has inner_idx " + Integer.toUnsignedString(m.innerIdx)
                            + ", beyond max_elem of map of maps '" + outer.name + "'");
                }
                slots.add(new MapDefinition.Slot(m.innerIdx, m.name));
            }
            slots.sort(Comparator.comparingInt(MapDefinition.Slot::index));
            maps.put(outer.name, withInner(maps.get(outer.name), maps.get(template.name), slots));
        }
    }

    private static MapDefinition withInner(MapDefinition m, MapDefinition inner, List<MapDefinition.Slot> slots) {
        return new MapDefinition(m.name(), m.type(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags(), m.numaNode(), m.pinning(),
                m.mapExtra(), m.btfKeyTypeId(), m.btfValueTypeId(), Optional.ofNullable(inner).or(m::innerMap), slots, m.definition(),
                m.initialData(), m.frozen());
    }

    /** libbpf's BTF-defined maps: each variable of the {@code .maps} data section is a struct of attributes. */
    private void readBtfMaps() {
        Section s = sectionNamed(".maps");
        if (s == null) return;
        if (btf.isEmpty()) throw error(s, "BTF-defined maps need a .BTF section, and the object has none");
        Btf b = btf.get();
        BtfType.Datasec sec = b.typeByName(".maps", BtfType.Datasec.class)
                .orElseThrow(() -> error(s, "BTF has no data section '.maps' describing the maps"));
        Map<String, Symbol> syms = new HashMap<>();
        for (Symbol sym : symbolsIn(s)) syms.put(sym.name(), sym);
        TreeMap<Long, Rel> rels = new TreeMap<>();
        for (Section r : elf.sections) {
            if ((r.type() == SHT_REL || r.type() == SHT_RELA) && r.info() == s.index()) {
                for (Rel rel : elf.rels(r, s)) {
                    if (rels.put(rel.offset(), rel) != null) throw error(r, "two relocations at offset " + rel.offset());
                }
            }
        }
        for (BtfType.VarSecinfo vsi : sec.vars()) {
            if (!(b.type(vsi.type()) instanceof BtfType.Var v)) throw error(s, "BTF data section '.maps' lists type " + vsi.type() + ", which is not a variable");
            Symbol sym = syms.get(v.name());
            if (sym == null) throw error(s, "map '" + v.name() + "' has BTF but no ELF symbol");
            long size;
            try {
                size = b.sizeof(v.type());
            } catch (BtfFormatException e) {
                throw error(s, "map '" + v.name() + "': " + e.getMessage());
            }
            if (sym.value() < 0 || size > s.size() || sym.value() > s.size() - size) throw error(s, "map '" + v.name() + "' lies outside the section");
            MapDefinition spec = btfMap(s, b, v.name(), v.type(), 0);
            // Initial contents: pointers in the "values" array, given by relocations against programs or maps.
            List<MapDefinition.Slot> slots = new ArrayList<>();
            long valuesOffset = valuesOffset(b, v.type());
            if (valuesOffset >= 0) {
                long base = sym.value() + valuesOffset;
                // The struct type ends where "values" starts (a zero-length array); the initialiser
                // makes the ELF symbol longer, so the symbol's size bounds the slots.
                long end = sym.value() + Math.max(size, Math.min(sym.size(), s.size() - sym.value()));
                for (Rel r : rels.subMap(base, true, Math.max(base, end), false).values()) {
                    if (r.type() != R_BPF_64_64 && r.type() != R_BPF_64_ABS64) throw error(s, "map '" + v.name() + "' initial value has unsupported relocation type " + Integer.toUnsignedString(r.type()));
                    if ((r.offset() - base) % 8 != 0) throw error(s, "map '" + v.name() + "' initial value relocation is not on a pointer");
                    Symbol target = elf.symbol(s, r.symbol());
                    if (target.shndx() == SHN_UNDEF || target.name().isEmpty()) {
                        throw error(s, "map '" + v.name() + "' initial value refers to symbol '" + target.name() + "', which is not defined here");
                    }
                    slots.add(new MapDefinition.Slot((int) ((r.offset() - base) / 8), target.name()));
                }
                slots.sort(Comparator.comparingInt(MapDefinition.Slot::index));
                if (!slots.isEmpty() && slots.getLast().index() >= Integer.toUnsignedLong(spec.maxEntries()) && spec.maxEntries() != 0) {
                    throw error(s, "map '" + v.name() + "' initialises slot " + slots.getLast().index() + " beyond max_entries " + spec.maxEntries());
                }
            }
            addMap(s, withInner(spec, null, slots));
            mapsByOffset.computeIfAbsent(s.index(), k -> new TreeMap<>()).put(sym.value(), v.name());
        }
        for (Symbol sym : syms.values()) {
            if (!maps.containsKey(sym.name())) throw error(s, "symbol '" + sym.name() + "' has no BTF map definition");
        }
    }

    /** The byte offset of the "values" member in a map definition struct, -1 when absent. */
    private long valuesOffset(Btf b, int typeId) {
        if (!(b.resolve(typeId) instanceof BtfType.Struct st)) return -1;
        for (BtfType.Member m : st.members()) if (m.name().equals("values")) return m.bitOffset() / 8;
        return -1;
    }

    private MapDefinition btfMap(Section s, Btf b, String mapName, int typeId, int depth) {
        BtfType def = resolve(s, b, typeId, mapName);
        if (!(def instanceof BtfType.Struct st)) throw error(s, "map '" + mapName + "' is not a struct of map attributes");
        long type = -1, keySize = -1, valueSize = -1, maxEntries = 0, flags = 0, numa = 0, pinning = 0, extra = 0;
        int keyType = 0, valueType = 0;
        MapDefinition inner = null;
        for (BtfType.Member m : st.members()) {
            switch (m.name()) {
                case "type" -> type = intAttr(s, b, mapName, m);
                case "max_entries" -> maxEntries = intAttr(s, b, mapName, m);
                case "map_flags" -> flags = intAttr(s, b, mapName, m);
                case "numa_node" -> numa = intAttr(s, b, mapName, m);
                case "key_size" -> keySize = checkSize(s, mapName, "key_size", keySize, intAttr(s, b, mapName, m));
                case "value_size" -> valueSize = checkSize(s, mapName, "value_size", valueSize, intAttr(s, b, mapName, m));
                case "pinning" -> pinning = intAttr(s, b, mapName, m);
                case "map_extra" -> extra = longAttr(s, b, mapName, m);
                case "key" -> {
                    keyType = pointee(s, b, mapName, m);
                    keySize = checkSize(s, mapName, "key", keySize, sizeof(s, b, mapName, keyType));
                }
                case "value" -> {
                    valueType = pointee(s, b, mapName, m);
                    valueSize = checkSize(s, mapName, "value", valueSize, sizeof(s, b, mapName, valueType));
                }
                case "values" -> {
                    if (!(resolve(s, b, m.type(), mapName) instanceof BtfType.Array arr)) throw error(s, "map '" + mapName + "' attribute values is not an array");
                    if (!(resolve(s, b, arr.type(), mapName) instanceof BtfType.Ptr ptr)) throw error(s, "map '" + mapName + "' attribute values is not an array of pointers");
                    BtfType target = resolve(s, b, ptr.type(), mapName);
                    if (target instanceof BtfType.Struct) {
                        if (depth > 0) throw error(s, "map '" + mapName + "' nests maps of maps more than one level deep");
                        inner = btfMap(s, b, mapName + ".inner", ptr.type(), depth + 1);
                    } else if (!(target instanceof BtfType.FuncProto)) {
                        throw error(s, "map '" + mapName + "' attribute values points to neither a map definition nor a function");
                    }
                    valueSize = checkSize(s, mapName, "values", valueSize, 4);
                }
                default -> throw error(s, "map '" + mapName + "' has unknown attribute '" + m.name() + "'");
            }
        }
        if (type < 0) throw error(s, "map '" + mapName + "' has no type");
        long t = type;
        MapType mapType = MapType.byId(type).orElseThrow(() -> error(s, "map '" + mapName + "' has unknown type " + t));
        if (inner != null && !mapType.isMapOfMaps()) throw error(s, "map '" + mapName + "' of type " + mapType + " cannot have inner maps");
        MapDefinition.Pinning pin = switch ((int) pinning) {
            case 0 -> MapDefinition.Pinning.NONE;
            case 1 -> MapDefinition.Pinning.BY_NAME;
            default -> {
                // libbpf refuses other values; Cilium's loader has its own (CILIUM_PIN_REPLACE, 16): the map itself is usable
                warnings.add(name + ": map '" + mapName + "': unknown pinning " + pinning + ", loaded unpinned");
                yield MapDefinition.Pinning.NONE;
            }
        };
        return new MapDefinition(mapName, mapType, (int) Math.max(keySize, 0), (int) Math.max(valueSize, 0), (int) maxEntries, (int) flags,
                (int) numa, pin, extra, keyType, valueType, Optional.ofNullable(inner), List.of(), MapDefinition.Definition.BTF, new byte[0], false);
    }

    private BtfType resolve(Section s, Btf b, int id, String mapName) {
        try {
            return b.resolve(id);
        } catch (BtfFormatException e) {
            throw error(s, "map '" + mapName + "': " + e.getMessage());
        }
    }

    private long sizeof(Section s, Btf b, String mapName, int id) {
        try {
            return b.sizeof(id);
        } catch (BtfFormatException e) {
            throw error(s, "map '" + mapName + "': " + e.getMessage());
        }
    }

    private long checkSize(Section s, String mapName, String what, long previous, long size) {
        if (size > Integer.MAX_VALUE) throw error(s, "map '" + mapName + "' " + what + " is too large (" + size + " bytes)");
        if (previous >= 0 && previous != size) throw error(s, "map '" + mapName + "' " + what + " size " + size + " conflicts with " + previous);
        return size;
    }

    /** {@code __uint(name, N)} is {@code int (*name)[N]}: the value is the array's element count. */
    private long intAttr(Section s, Btf b, String mapName, BtfType.Member m) {
        if (!(resolve(s, b, m.type(), mapName) instanceof BtfType.Ptr p)) throw error(s, "map '" + mapName + "' attribute " + m.name() + " is not __uint()");
        if (!(resolve(s, b, p.type(), mapName) instanceof BtfType.Array a)) throw error(s, "map '" + mapName + "' attribute " + m.name() + " is not __uint()");
        return a.nelems();
    }

    /**
     * {@code __ulong(name, N)} is a member of an enum type whose one value is N (64-bit values, the
     * arena's address hint); {@code __uint()} works too (libbpf's get_map_field_long). A 32-bit enum's
     * value is sign-extended, as libbpf reads it into an s32.
     */
    private long longAttr(Section s, Btf b, String mapName, BtfType.Member m) {
        BtfType t = resolve(s, b, m.type(), mapName);
        List<BtfType.EnumValue> values = switch (t) {
            case BtfType.Ptr p -> null;
            case BtfType.Enum e -> e.values();
            case BtfType.Enum64 e -> e.values();
            default -> throw error(s, "map '" + mapName + "' attribute " + m.name() + " is neither __uint() nor __ulong()");
        };
        if (values == null) return intAttr(s, b, mapName, m);
        if (values.size() != 1) throw error(s, "map '" + mapName + "' attribute " + m.name() + " is an enum of " + values.size() + " values, not __ulong()");
        long v = values.getFirst().value();
        return t instanceof BtfType.Enum ? (int) v : v;
    }

    /** {@code __type(name, T)} is {@code T *name}. */
    private int pointee(Section s, Btf b, String mapName, BtfType.Member m) {
        if (!(resolve(s, b, m.type(), mapName) instanceof BtfType.Ptr p)) throw error(s, "map '" + mapName + "' attribute " + m.name() + " is not __type()");
        return p.type();
    }

    private static boolean isDataSectionName(String n) {
        return n.equals(".data") || n.equals(".rodata") || n.equals(".bss") || n.equals(".kconfig")
                || n.startsWith(".data.") || n.startsWith(".rodata.") || n.startsWith(".bss.");
    }

    /** Global data: each section is an array map of one element whose value is the section. */
    private void readDataMaps() {
        for (Section s : elf.sections) {
            if (!isDataSectionName(s.name()) || (s.type() != SHT_PROGBITS && s.type() != SHT_NOBITS) || s.executable()) continue;
            if (s.size() == 0) continue;
            if (s.size() > ElfFile.MAX_NOBITS) throw error(s, "global data section of " + s.size() + " bytes is too large");
            boolean readOnly = s.name().startsWith(".rodata") || s.name().equals(".kconfig");
            int flags = MapFlags.BPF_F_MMAPABLE | (readOnly ? MapFlags.BPF_F_RDONLY_PROG : 0);
            int valueType = btf.flatMap(b -> b.typeByName(s.name(), BtfType.Datasec.class)).map(BtfType::id).orElse(0);
            addMap(s, new MapDefinition(s.name(), MapType.ARRAY, 4, (int) s.size(), 1, flags, 0, MapDefinition.Pinning.NONE, 0, 0, valueType,
                    Optional.empty(), List.of(), MapDefinition.Definition.GLOBAL_DATA, elf.bytes(s), readOnly));
            dataMaps.put(s.index(), s.name());
        }
    }

    // ---------------------------------------------------------------- programs

    private List<ProgramSpec> linkPrograms() {
        List<Fn> entries = new ArrayList<>();
        for (CodeSection cs : code.values()) {
            if (!cs.section.name().equals(".text")) entries.addAll(cs.fns);
        }
        if (entries.isEmpty()) {
            // All code in .text (objects written for verifiers and tests): its global functions are the programs.
            for (CodeSection cs : code.values()) {
                if (!cs.section.name().equals(".text")) continue;
                for (Fn f : cs.fns) if (f.global) entries.add(f);
                if (entries.isEmpty()) entries.addAll(cs.fns);
            }
        }
        Map<Fn, SectionNames.Match> matches = new IdentityHashMap<>();
        List<ProgramType> known = new ArrayList<>();
        for (Fn f : entries) {
            SectionNames.match(f.sec.section.name()).ifPresent(m -> {
                matches.put(f, m);
                known.add(m.type());
            });
        }
        ProgramType fallback = SectionNames.fallback(name, known);
        List<ProgramSpec> out = new ArrayList<>();
        for (Fn f : entries) {
            SectionNames.Match m = matches.getOrDefault(f, new SectionNames.Match(fallback, Optional.empty(), "", 0));
            // bpftool prog load ... type T: every program gets T and T's attach type; the section's flags stay (libbpf's sec_def)
            if (options.programType().isPresent()) {
                m = new SectionNames.Match(options.programType().get(), options.attachType(), m.attachTo(), m.flags());
            } else if (options.attachType().isPresent()) {
                m = new SectionNames.Match(m.type(), options.attachType(), m.attachTo(), m.flags());
            }
            out.add(link(f, m));
        }
        return out;
    }

    /** A call to fix once every function is placed: out index, target function, offset in it. */
    private record CallFix(int at, Fn target, int offset) {}

    private ProgramSpec link(Fn entry, SectionNames.Match match) {
        List<Insn> out = new ArrayList<>();
        List<Relocation> relocs = new ArrayList<>();
        List<CallFix> fixes = new ArrayList<>();
        Map<Fn, Integer> placed = new LinkedHashMap<>();
        ArrayDeque<Fn> queue = new ArrayDeque<>();
        placed.put(entry, -1);
        queue.add(entry);
        while (!queue.isEmpty()) {
            Fn f = queue.poll();
            int base = out.size();
            placed.put(f, base);
            totalInsns += f.end - f.start;
            if (base + (f.end - f.start) > MAX_PROGRAM_INSNS || totalInsns > MAX_TOTAL_INSNS) {
                throw error(entry.sec.section, "program '" + entry.name + "' links to more instructions than the kernel allows");
            }
            for (int i = f.start; i < f.end; i++) out.add(f.sec.insns[i]);
            for (int i = f.start; i < f.end; i++) {
                int at = base + (i - f.start);
                Insn insn = f.sec.insns[i];
                Rel rel = f.sec.rels.get(i);
                // An lddw cut off by the end of its function is the verifier's to refuse (the kernel
                // verifies such objects and so must we), unless a relocation needs its second half.
                if (rel != null) {
                    Target target = applyRelocation(f, i, at, rel, out, relocs);
                    if (target != null) {
                        if (placed.putIfAbsent(target.fn, -1) == null) queue.add(target.fn);
                        fixes.add(new CallFix(at, target.fn, target.insn - target.fn.start));
                    }
                } else if (insn.opcode() == Opcodes.CALL && insn.src() == Opcodes.CALL_KFUNC) {
                    relocs.add(new Relocation.KfuncCallById(at, insn.imm(), insn.off()));
                } else if (insn.opcode() == Opcodes.CALL && insn.src() == Opcodes.CALL_PSEUDO) {
                    // A call within the same section that the compiler resolved itself (no relocation).
                    long t = (long) i + insn.imm() + 1;
                    Fn target = t >= 0 && t < f.sec.insns.length ? f.sec.fnAt((int) t) : null;
                    if (target == null) throw error(f.sec.section, "call at instruction " + i + " of '" + f.name + "' jumps outside any function");
                    if (placed.putIfAbsent(target, -1) == null) queue.add(target);
                    fixes.add(new CallFix(at, target, (int) t - target.start));
                }
            }
        }
        for (CallFix fix : fixes) {
            Insn old = out.get(fix.at);
            int imm = placed.get(fix.target) + fix.offset - fix.at - 1;
            out.set(fix.at, new Insn(old.opcode(), old.dst(), old.src(), old.off(), imm));
        }
        relocs.sort(Comparator.comparingInt(Relocation::insn));

        List<ProgramSpec.Subprogram> subs = new ArrayList<>();
        List<BtfExt.FuncInfo> funcInfos = new ArrayList<>();
        List<BtfExt.LineInfo> lineInfos = new ArrayList<>();
        List<BtfExt.CoreRelocation> core = new ArrayList<>();
        for (Map.Entry<Fn, Integer> e : placed.entrySet()) {
            Fn f = e.getKey();
            int base = e.getValue();
            subs.add(new ProgramSpec.Subprogram(f.name, f.sec.section.name(), base, f.end - f.start));
            String sec = f.sec.section.name();
            for (BtfExt.FuncInfo fi : range(sortedFuncInfos, ext.funcInfos(), sec, BtfExt.FuncInfo::insn, f)) {
                funcInfos.add(fi.withInsn(fi.insn() - f.start + base));
            }
            for (BtfExt.LineInfo li : range(sortedLineInfos, ext.lineInfos(), sec, BtfExt.LineInfo::insn, f)) {
                lineInfos.add(li.withInsn(li.insn() - f.start + base));
            }
            for (BtfExt.CoreRelocation cr : range(sortedCore, ext.coreRelocations(), sec, BtfExt.CoreRelocation::insn, f)) {
                core.add(cr.withInsn(cr.insn() - f.start + base));
            }
        }
        funcInfos.sort(Comparator.comparingInt(BtfExt.FuncInfo::insn));
        lineInfos.sort(Comparator.comparingInt(BtfExt.LineInfo::insn));
        core.sort(Comparator.comparingInt(BtfExt.CoreRelocation::insn));
        return new ProgramSpec(entry.name, entry.sec.section.name(), match.type(), match.attachType(), match.attachTo(), match.flags(),
                new Program(out), subs, relocs, funcInfos, lineInfos, core);
    }

    private final Map<String, List<BtfExt.FuncInfo>> sortedFuncInfos = new HashMap<>();
    private final Map<String, List<BtfExt.LineInfo>> sortedLineInfos = new HashMap<>();
    private final Map<String, List<BtfExt.CoreRelocation>> sortedCore = new HashMap<>();

    /**
     * The records of section {@code sec} that fall inside function {@code f}: each section's records
     * sorted once, then found by binary search, so that many programs over many records stay cheap.
     */
    private static <T> List<T> range(Map<String, List<T>> cache, Map<String, List<T>> bySection, String sec,
                                     java.util.function.ToIntFunction<T> insn, Fn f) {
        List<T> sorted = cache.computeIfAbsent(sec, k -> {
            List<T> l = new ArrayList<>(bySection.getOrDefault(k, List.of()));
            l.sort(Comparator.comparingInt(insn));
            return l;
        });
        int from = lowerBound(sorted, insn, f.start), to = lowerBound(sorted, insn, f.end);
        return sorted.subList(from, to);
    }

    private static <T> int lowerBound(List<T> sorted, java.util.function.ToIntFunction<T> insn, int key) {
        int lo = 0, hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (insn.applyAsInt(sorted.get(mid)) < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Where a call or a function address lands: a function and the section-relative instruction. */
    private record Target(Fn fn, int insn) {}

    /**
     * Applies one relocation to the copy of instruction {@code i} of {@code f} at {@code at} in the
     * program being linked. Returns where a bpf-to-bpf call or a function address lands (the caller
     * fixes the immediate once the target is placed), or null for other kinds.
     */
    private Target applyRelocation(Fn f, int i, int at, Rel rel, List<Insn> out, List<Relocation> relocs) {
        Section sec = f.sec.section;
        Insn insn = f.sec.insns[i];
        Symbol sym = elf.symbol(sec, rel.symbol());
        String where = "instruction " + i + " of '" + f.name + "'";
        switch (rel.type()) {
            case R_BPF_64_64 -> {
                if (insn.opcode() != Opcodes.LDDW) throw error(sec, "relocation against '" + sym.name() + "' at " + where + ", which is not an lddw");
                if (i + 1 >= f.end) throw error(sec, "relocated lddw at " + where + " is missing its second half");
                Insn hi = f.sec.insns[i + 1];
                if (sym.shndx() == SHN_UNDEF) {
                    if (sym.name().isEmpty()) throw error(sec, "relocation at " + where + " refers to an undefined symbol without a name");
                    relocs.add(new Relocation.ExternVariable(at, sym.name(), externSection(sym.name()), sym.bind() == STB_WEAK));
                    return null;
                }
                if (sym.shndx() >= SHN_LORESERVE) throw error(sec, "relocation at " + where + " refers to '" + sym.name() + "', which is not in a section");
                TreeMap<Long, String> mapOffsets = mapsByOffset.get(sym.shndx());
                if (mapOffsets != null) {
                    long off = sym.value() + (sym.type() == STT_SECTION ? insn.imm() : 0);
                    String mapName = mapOffsets.get(off);
                    if (mapName == null) throw error(sec, "relocation at " + where + " refers to offset " + off + " of map section '" + elf.section(sym.shndx()).name() + "', where no map starts");
                    out.set(at, new Insn(insn.opcode(), insn.dst(), Opcodes.PSEUDO_MAP_FD, insn.off(), 0));
                    relocs.add(new Relocation.MapReference(at, mapName));
                    return null;
                }
                String dataMap = dataMaps.get(sym.shndx());
                if (dataMap != null) {
                    // libbpf: the value offset is the symbol's value plus what the compiler put in imm.
                    long off = sym.value() + insn.imm();
                    long size = maps.get(dataMap).valueSize();
                    if (off < 0 || off > size) throw error(sec, "relocation at " + where + " points " + off + " bytes into '" + dataMap + "', outside its " + size + " bytes");
                    out.set(at, new Insn(insn.opcode(), insn.dst(), Opcodes.PSEUDO_MAP_VALUE, insn.off(), 0));
                    out.set(at + 1, new Insn(hi.opcode(), hi.dst(), hi.src(), hi.off(), (int) off));
                    relocs.add(new Relocation.MapValueReference(at, dataMap, off));
                    return null;
                }
                CodeSection target = code.get(sym.shndx());
                if (target != null) {
                    // The address of a function (a callback for bpf_loop and friends): libbpf turns the lddw
                    // into BPF_PSEUDO_FUNC with imm relative to the next instruction, like a call. Clang puts
                    // the byte offset in the symbol value (global function) or in imm (static function).
                    long byteOff = sym.value() + insn.imm();
                    if (byteOff % Insn.SIZE != 0) throw error(sec, "function address at " + where + " is not on an instruction");
                    long t = byteOff / Insn.SIZE;
                    Fn fn = t >= 0 && t < target.insns.length ? target.fnAt((int) t) : null;
                    if (fn == null) throw error(sec, "function address at " + where + " lands outside any function of '" + target.section.name() + "'");
                    out.set(at, new Insn(insn.opcode(), insn.dst(), Opcodes.PSEUDO_FUNC, insn.off(), 0));
                    out.set(at + 1, new Insn(hi.opcode(), hi.dst(), hi.src(), hi.off(), 0));
                    return new Target(fn, (int) t);
                }
                throw error(sec, "relocation at " + where + " refers to '" + sym.name() + "' in section '" + elf.section(sym.shndx()).name() + "', which is neither a map nor global data");
            }
            case R_BPF_64_32 -> {
                if (insn.opcode() != Opcodes.CALL || insn.src() != Opcodes.CALL_PSEUDO) throw error(sec, "call relocation against '" + sym.name() + "' at " + where + ", which is not a bpf-to-bpf call");
                if (sym.shndx() == SHN_UNDEF) {
                    if (sym.name().isEmpty()) throw error(sec, "call at " + where + " refers to an undefined symbol without a name");
                    out.set(at, new Insn(insn.opcode(), insn.dst(), Opcodes.CALL_KFUNC, insn.off(), 0));
                    relocs.add(new Relocation.ExternCall(at, sym.name()));
                    return null;
                }
                CodeSection target = sym.shndx() < SHN_LORESERVE ? code.get(sym.shndx()) : null;
                if (target == null) throw error(sec, "call at " + where + " refers to '" + sym.name() + "', which is not code");
                if (target != f.sec && sym.type() == STT_SECTION && !target.section.name().equals(".text")) {
                    throw error(sec, "call at " + where + " into section '" + target.section.name() + "': calls go to .text or the same section");
                }
                if (sym.value() % Insn.SIZE != 0) throw error(sec, "call at " + where + " targets a symbol that is not on an instruction");
                long t = sym.value() / Insn.SIZE + (long) insn.imm() + 1;
                Fn fn = t >= 0 && t < target.insns.length ? target.fnAt((int) t) : null;
                if (fn == null) throw error(sec, "call at " + where + " lands outside any function of '" + target.section.name() + "'");
                return new Target(fn, (int) t);
            }
            default -> throw error(sec, "unsupported relocation type " + Integer.toUnsignedString(rel.type()) + " at " + where + " against '" + sym.name() + "'");
        }
    }

    /** Which BTF data section declares extern variable {@code var} (.kconfig, .ksyms), empty if none does. */
    private String externSection(String var) {
        if (externSections == null) {
            externSections = new HashMap<>();
            btf.ifPresent(b -> {
                for (BtfType t : b.types()) {
                    if (!(t instanceof BtfType.Datasec d)) continue;
                    for (BtfType.VarSecinfo v : d.vars()) {
                        BtfType vt = b.type(v.type());
                        if (vt instanceof BtfType.Var || vt instanceof BtfType.Func) externSections.putIfAbsent(vt.name(), d.name());
                    }
                }
            });
        }
        return externSections.getOrDefault(var, "");
    }
}

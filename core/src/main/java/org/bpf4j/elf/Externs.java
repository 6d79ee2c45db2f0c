package org.bpf4j.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;

/**
 * Resolves an object's {@code __kconfig} and typeless {@code __ksym} externs as libbpf's
 * {@code bpf_object__resolve_externs} and {@code bpf_object__relocate_data} do: the {@code .kconfig} externs
 * get a frozen, read-only one-element array map {@code .kconfig} holding their values (laid out as
 * libbpf's {@code cmp_externs} orders them), and each {@code lddw} of one becomes a map-value reference
 * into it; a typeless {@code __ksym}'s {@code lddw} becomes its kernel address. Weak externs that nothing
 * defines read as zero; a strong one is an error naming it. Typed {@code __ksym}s (a BTF id of the
 * kernel's) stay {@link Relocation.ExternVariable}s for the backend to refuse. Both backends load the
 * result, so both programs see the same values.
 */
public final class Externs {
    public static final String KCONFIG_MAP = ".kconfig";

    private Externs() {}

    /** libbpf's {@code enum kcfg_type}: how a config value is stored, decided by the extern's BTF type. */
    private enum Kind { BOOL, CHAR, TRISTATE, INT, CHAR_ARRAY }

    private record Kcfg(String name, Kind kind, int size, int align, boolean signed, boolean weak) {}

    /**
     * The object with its externs resolved against {@code config} (read only when the object has
     * {@code .kconfig} or {@code .ksyms} externs); the object itself when it has none.
     *
     * @throws IllegalArgumentException naming the extern (not the object: the caller says which): a strong one nothing defines, a value its type
     *     cannot hold, a type libbpf does not support for {@code __kconfig}
     */
    public static BpfObject resolve(BpfObject object, Supplier<KernelConfig> config) {
        Map<String, Boolean> kconfig = new LinkedHashMap<>(), ksyms = new LinkedHashMap<>();
        for (ProgramSpec p : object.programs()) {
            for (Relocation r : p.relocations()) {
                if (!(r instanceof Relocation.ExternVariable v)) continue;
                if (v.section().equals(KCONFIG_MAP)) kconfig.merge(v.name(), v.weak(), Boolean::logicalAnd);
                else if (v.section().equals(".ksyms") && typeless(object, v.name())) ksyms.merge(v.name(), v.weak(), Boolean::logicalAnd);
            }
        }
        if (kconfig.isEmpty() && ksyms.isEmpty()) return object;
        KernelConfig values = config.get();
        Map<String, Long> offsets = new LinkedHashMap<>();
        List<MapDefinition> maps = new ArrayList<>(object.maps());
        if (!kconfig.isEmpty()) {
            if (object.map(KCONFIG_MAP).isPresent()) throw new IllegalArgumentException("has a " + KCONFIG_MAP
                    + " section besides __kconfig externs");
            Btf btf = object.btf().orElseThrow();
            List<Kcfg> externs = new ArrayList<>();
            kconfig.forEach((name, weak) -> externs.add(kcfg(btf, name, weak)));
            externs.sort(Comparator.comparingInt((Kcfg e) -> -e.align()).thenComparingInt(Kcfg::size).thenComparing(Kcfg::name));
            int end = 0;
            for (Kcfg e : externs) {
                int at = (end + e.align() - 1) / e.align() * e.align();
                offsets.put(e.name(), (long) at);
                end = at + e.size();
            }
            byte[] data = new byte[end];
            for (Kcfg e : externs) {
                String text = values.values().get(e.name());
                if (text == null) {
                    if (!e.weak()) throw new IllegalArgumentException("extern __kconfig " + e.name() + " (strong) is not set in "
                            + values.source() + "; declare it __weak to read 0 where it is missing");
                    continue; // libbpf: "extern (weak): not resolved, defaulting to zero"
                }
                store(e, text, data, offsets.get(e.name()).intValue());
            }
            maps.add(new MapDefinition(KCONFIG_MAP, MapType.ARRAY, 4, data.length, 1, MapFlags.BPF_F_MMAPABLE | MapFlags.BPF_F_RDONLY_PROG, 0,
                    MapDefinition.Pinning.NONE, 0, 0, 0, Optional.empty(), List.of(), MapDefinition.Definition.GLOBAL_DATA, data, true));
        }
        Map<String, Long> addresses = new LinkedHashMap<>();
        ksyms.forEach((name, weak) -> {
            OptionalLong a = values.ksyms().apply(name);
            if (a.isEmpty() && !weak) throw new IllegalArgumentException("extern __ksym " + name + " (strong) is not a kernel symbol in /proc/kallsyms");
            // kptr_restrict shows unprivileged readers 0 for every address: a program would read 0, not the symbol
            if (a.isPresent() && a.getAsLong() == 0) throw new IllegalArgumentException("extern __ksym " + name
                    + ": /proc/kallsyms gives address 0 (kptr_restrict hides addresses from this user; run as root)");
            addresses.put(name, a.orElse(0));
        });
        List<ProgramSpec> programs = new ArrayList<>();
        for (ProgramSpec p : object.programs()) programs.add(relocate(p, offsets, addresses));
        return new BpfObject(object.name(), object.license(), object.kernelVersion(), programs, maps, object.btf(), object.warnings());
    }

    /** A {@code __ksym} declared {@code extern const void x __ksym}: no BTF type, so an address (libbpf: ksym.type_id 0). */
    private static boolean typeless(BpfObject object, String name) {
        return object.btf().flatMap(b -> b.typeByName(name, BtfType.Var.class)).map(v -> object.btf().get().resolve(v.type()) instanceof BtfType.Void)
                .orElse(false);
    }

    private static ProgramSpec relocate(ProgramSpec p, Map<String, Long> offsets, Map<String, Long> addresses) {
        List<Insn> insns = new ArrayList<>(p.program().insns());
        List<Relocation> relocations = new ArrayList<>();
        boolean changed = false;
        for (Relocation r : p.relocations()) {
            if (r instanceof Relocation.ExternVariable v && (offsets.containsKey(v.name()) || addresses.containsKey(v.name()))) {
                Insn lo = insns.get(r.insn()), hi = insns.get(r.insn() + 1);
                changed = true;
                if (offsets.containsKey(v.name())) {
                    // libbpf: insn[0] = the .kconfig map, insn[1].imm = the extern's offset in its value
                    long off = offsets.get(v.name());
                    insns.set(r.insn(), new Insn(lo.opcode(), lo.dst(), Opcodes.PSEUDO_MAP_VALUE, lo.off(), 0));
                    insns.set(r.insn() + 1, new Insn(hi.opcode(), hi.dst(), hi.src(), hi.off(), (int) off));
                    relocations.add(new Relocation.MapValueReference(r.insn(), KCONFIG_MAP, off));
                } else {
                    long address = addresses.get(v.name());
                    insns.set(r.insn(), new Insn(lo.opcode(), lo.dst(), 0, lo.off(), (int) address));
                    insns.set(r.insn() + 1, new Insn(hi.opcode(), hi.dst(), hi.src(), hi.off(), (int) (address >>> 32)));
                }
            } else {
                relocations.add(r);
            }
        }
        if (!changed) return p;
        return new ProgramSpec(p.name(), p.sectionName(), p.type(), p.expectedAttachType(), p.attachTo(), p.loadFlags(), new Program(insns),
                p.subprograms(), relocations, p.funcInfos(), p.lineInfos(), p.coreRelocations());
    }

    /** The extern's storage, libbpf's find_kcfg_type; anything else is refused as libbpf refuses it. */
    private static Kcfg kcfg(Btf btf, String name, boolean weak) {
        BtfType.Var var = btf.typeByName(name, BtfType.Var.class)
                .orElseThrow(() -> new IllegalArgumentException("extern __kconfig " + name + " has no BTF type"));
        BtfType t = btf.resolve(var.type());
        String unsupported = "extern __kconfig " + name + " has a type libbpf does not support for __kconfig"
                + " (bool, char, enum libbpf_tristate, an integer of 1/2/4/8 bytes, a char array)";
        return switch (t) {
            case BtfType.Int i when (i.encoding() & BtfType.Int.BOOL) != 0 -> {
                if (i.size() != 1) throw new IllegalArgumentException(unsupported);
                yield new Kcfg(name, Kind.BOOL, 1, 1, false, weak);
            }
            case BtfType.Int i when i.size() == 1 -> new Kcfg(name, Kind.CHAR, 1, 1, i.signed(), weak);
            case BtfType.Int i when i.size() == 2 || i.size() == 4 || i.size() == 8 -> new Kcfg(name, Kind.INT, i.size(), i.size(), i.signed(), weak);
            case BtfType.Enum e when e.name().equals("libbpf_tristate") && e.size() == 4 -> new Kcfg(name, Kind.TRISTATE, 4, 4, false, weak);
            case BtfType.Array a when a.nelems() > 0 && a.nelems() <= 4096 && btf.resolve(a.type()) instanceof BtfType.Int c
                    && c.size() == 1 && (c.encoding() & BtfType.Int.BOOL) == 0 -> new Kcfg(name, Kind.CHAR_ARRAY, (int) a.nelems(), 1, false, weak);
            default -> throw new IllegalArgumentException(unsupported);
        };
    }

    /** libbpf's set_kcfg_value_tri / _str / _num: what the config text may become in the extern's type. */
    private static void store(Kcfg e, String text, byte[] data, int at) {
        String what = "extern __kconfig " + e.name() + " = " + text + ": ";
        if (text.isEmpty()) throw new IllegalArgumentException(what + "no value");
        char c = text.charAt(0);
        if ((c == 'y' || c == 'n' || c == 'm') && text.length() == 1) {
            switch (e.kind()) {
                case BOOL -> {
                    if (c == 'm') throw new IllegalArgumentException(what + "'m' implies tristate or char type, the extern is a bool");
                    data[at] = (byte) (c == 'y' ? 1 : 0);
                }
                case TRISTATE -> data[at] = (byte) (c == 'y' ? 1 : c == 'm' ? 2 : 0);
                case CHAR -> data[at] = (byte) c;
                default -> throw new IllegalArgumentException(what + "'" + c + "' implies bool, tristate or char type");
            }
            return;
        }
        if (c == '"') {
            if (e.kind() != Kind.CHAR_ARRAY) throw new IllegalArgumentException(what + "a string implies a char array type");
            if (text.length() < 2 || !text.endsWith("\"")) throw new IllegalArgumentException(what + "unterminated string");
            byte[] s = text.substring(1, text.length() - 1).getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(s, 0, data, at, Math.min(s.length, e.size() - 1)); // truncated and NUL-terminated, as libbpf
            return;
        }
        long v;
        try {
            v = parseU64(text);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(what + "not a valid integer");
        }
        if (e.kind() != Kind.INT && e.kind() != Kind.CHAR && e.kind() != Kind.BOOL) {
            throw new IllegalArgumentException(what + "a number implies an integer, char or bool type");
        }
        if (e.kind() == Kind.BOOL && Long.compareUnsigned(v, 1) > 0) throw new IllegalArgumentException(what + "out of range for a bool");
        if (e.kind() != Kind.BOOL && !inRange(e, v)) throw new IllegalArgumentException(what + "does not fit in " + e.size() + " bytes");
        for (int i = 0; i < e.size(); i++) data[at + i] = (byte) (v >>> (8 * i));
    }

    /** libbpf's is_kcfg_value_in_range. */
    private static boolean inRange(Kcfg e, long v) {
        int bits = e.size() * 8;
        if (bits == 64) return true;
        if (e.signed()) return Long.compareUnsigned(v + (1L << (bits - 1)), 1L << bits) < 0;
        return v >>> bits == 0;
    }

    /** strtoull with base 0: decimal, {@code 0x} hex, leading-0 octal. */
    private static long parseU64(String s) {
        if (s.startsWith("0x") || s.startsWith("0X")) return Long.parseUnsignedLong(s.substring(2), 16);
        if (s.length() > 1 && s.startsWith("0")) return Long.parseUnsignedLong(s.substring(1), 8);
        if (s.startsWith("-")) return Long.parseLong(s);
        return Long.parseUnsignedLong(s);
    }
}

package org.bpf4j.btf;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BTF as C declarations, as {@code bpftool btf dump ... format c} (libbpf's {@code btf_dump}) writes a
 * {@code vmlinux.h}: every named struct and union declared forward first, so that pointers never need an order;
 * then each struct, union, enum and typedef defined after the types it holds by value (a depth-first walk of
 * those "strong" references, as {@code btf_dump_order_type} does); anonymous types inline where they are used;
 * names that collide (two different {@code struct foo}s) suffixed {@code ___2}, ... as libbpf does. Layouts are
 * BTF's: structs whose members C's natural alignment would misplace are marked packed, gaps are filled with
 * libbpf's anonymous bitfields ({@code long: 64;}), enums of one or two bytes carry a {@code mode} attribute.
 * Alignment attributes are not reproduced (a cacheline-aligned struct keeps its size, not its alignment).
 * Functions, variables and data sections are not declared, as in libbpf.
 */
public final class BtfCDump {
    private final Btf btf;
    private final StringBuilder defs = new StringBuilder();
    /** Names of struct/union/enum tags and of ordinary identifiers (typedefs, enumerators), with their suffixes. */
    private final Map<Integer, String> tagNames = new HashMap<>(), typedefNames = new HashMap<>();
    private final Map<String, Integer> enumeratorCounts = new HashMap<>();
    private final BitSet emitted = new BitSet(), visiting = new BitSet(), forward = new BitSet();
    private final Map<Integer, Long> alignments = new HashMap<>();

    private BtfCDump(Btf btf) {
        this.btf = btf;
        Map<String, Integer> tags = new HashMap<>(), idents = new HashMap<>();
        for (BtfType t : btf.types()) {
            if (t.name().isEmpty()) continue;
            switch (t) {
                case BtfType.Struct s -> tagNames.put(t.id(), unique(tags, t.name()));
                case BtfType.Union u -> tagNames.put(t.id(), unique(tags, t.name()));
                case BtfType.Enum e -> tagNames.put(t.id(), unique(tags, t.name()));
                case BtfType.Enum64 e -> tagNames.put(t.id(), unique(tags, t.name()));
                case BtfType.Typedef d -> typedefNames.put(t.id(), unique(idents, t.name()));
                default -> { }
            }
        }
        // a forward declaration names the struct or union it declares; alone, it is one of its own
        for (BtfType t : btf.types()) {
            if (t instanceof BtfType.Fwd f && !f.name().isEmpty()) {
                tagNames.put(t.id(), tags.containsKey(f.name()) ? f.name() : unique(tags, f.name()));
            }
        }
    }

    private static String unique(Map<String, Integer> seen, String name) {
        int n = seen.merge(name, 1, Integer::sum);
        return n == 1 ? name : name + "___" + n;
    }

    /** Every type of {@code btf} as a C header (libbpf's vmlinux.h shape, with its guard and preserve_access_index). */
    public static String header(Btf btf) {
        return header(btf, List.of());
    }

    /**
     * The C declarations {@code roots} (type names: {@code task_struct}, {@code u32}) need, or every type when
     * {@code roots} is empty: a slice of a large BTF such as vmlinux.
     *
     * @throws IllegalArgumentException when a root names no struct, union, enum or typedef
     */
    public static String header(Btf btf, List<String> roots) {
        BtfCDump d = new BtfCDump(btf);
        if (roots.isEmpty()) {
            Set<Integer> referenced = d.referenced();
            for (BtfType t : btf.types()) {
                boolean named = !t.name().isEmpty() && (t instanceof BtfType.Struct || t instanceof BtfType.Union
                        || t instanceof BtfType.Enum || t instanceof BtfType.Enum64 || t instanceof BtfType.Typedef);
                boolean looseEnum = t.name().isEmpty() && (t instanceof BtfType.Enum || t instanceof BtfType.Enum64)
                        && !referenced.contains(t.id());
                if (named || looseEnum) d.define(t.id());
            }
            for (BtfType t : btf.types()) if (t instanceof BtfType.Fwd) d.forward.set(t.id());
        } else {
            for (String root : roots) {
                List<BtfType> found = btf.typesByName(root).stream().filter(t -> t instanceof BtfType.Struct || t instanceof BtfType.Union
                        || t instanceof BtfType.Enum || t instanceof BtfType.Enum64 || t instanceof BtfType.Typedef).toList();
                if (found.isEmpty()) throw new IllegalArgumentException("no struct, union, enum or typedef named '" + root + "' in the BTF");
                for (BtfType t : found) d.define(t.id());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n");
        out.append("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n");
        for (int id = d.forward.nextSetBit(0); id >= 0; id = d.forward.nextSetBit(id + 1)) {
            BtfType t = btf.type(id);
            boolean union = t instanceof BtfType.Union || t instanceof BtfType.Fwd f && f.union();
            out.append(union ? "union " : "struct ").append(d.tagNames.get(id)).append(";\n");
        }
        if (!d.forward.isEmpty()) out.append('\n');
        out.append(d.defs);
        out.append("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n");
        return out.toString();
    }

    /** Ids some other type refers to (an anonymous enum nothing refers to is declared on its own, for its constants). */
    private Set<Integer> referenced() {
        Set<Integer> out = new java.util.HashSet<>();
        for (BtfType t : btf.types()) {
            switch (t) {
                case BtfType.Modifier m -> out.add(m.type());
                case BtfType.Ptr p -> out.add(p.type());
                case BtfType.Array a -> out.add(a.type());
                case BtfType.Struct s -> s.members().forEach(m -> out.add(m.type()));
                case BtfType.Union u -> u.members().forEach(m -> out.add(m.type()));
                case BtfType.FuncProto f -> {
                    out.add(f.returnType());
                    f.params().forEach(p -> out.add(p.type()));
                }
                case BtfType.Var v -> out.add(v.type());
                default -> { }
            }
        }
        return out;
    }

    // ---- ordering ----------------------------------------------------------------------------------------

    /** Emits the definition of named type {@code id} (or a loose anonymous enum) after what it needs. */
    private void define(int id) {
        if (emitted.get(id) || visiting.get(id)) return; // visiting: a cycle, broken by the forward declarations
        BtfType t = btf.type(id);
        visiting.set(id);
        switch (t) {
            case BtfType.Struct s -> s.members().forEach(m -> needs(m.type(), true, 0));
            case BtfType.Union u -> u.members().forEach(m -> needs(m.type(), true, 0));
            // a typedef of a struct needs only its declaration; of anything else, the whole type
            case BtfType.Typedef d -> needs(d.type(), !(strip(d.type()) instanceof BtfType.Struct s && !s.name().isEmpty()
                    || strip(d.type()) instanceof BtfType.Union u && !u.name().isEmpty()), 0);
            default -> { }
        }
        visiting.clear(id);
        emitted.set(id);
        if (t instanceof BtfType.Typedef d && d.name().startsWith("__builtin_")) return; // clang's own (va_list)
        if (t instanceof BtfType.Struct || t instanceof BtfType.Union) forward.set(id);
        defs.append(switch (t) {
            case BtfType.Typedef d -> "typedef " + decl(d.type(), typedefNames.get(id), 0);
            default -> decl(id, "", 0, true);
        }).append(";\n\n");
    }

    /** Type id with modifiers and type tags skipped. */
    private BtfType strip(int id) {
        BtfType t = btf.type(id);
        for (int depth = 0; t instanceof BtfType.Modifier m && !(t instanceof BtfType.Typedef) && depth < Btf.MAX_RESOLVE_DEPTH; depth++) {
            t = btf.type(m.type());
        }
        return t;
    }

    /**
     * Walks what a use of type {@code id} needs declared first: {@code complete} for a use by value (a member,
     * an array element), which needs a struct's definition; through a pointer only its name.
     */
    private void needs(int id, boolean complete, int depth) {
        if (depth > 64) return; // anonymous types nest this deep only in a BTF that loops
        BtfType t = btf.type(id);
        switch (t) {
            case BtfType.Ptr p -> needs(p.type(), false, depth + 1);
            case BtfType.Array a -> needs(a.type(), complete, depth + 1);
            case BtfType.Typedef d -> {
                define(id);
                if (complete) needs(d.type(), true, depth + 1);
            }
            case BtfType.Modifier m -> needs(m.type(), complete, depth + 1);
            case BtfType.Struct s -> aggregate(id, s.name(), s.members(), complete, depth);
            case BtfType.Union u -> aggregate(id, u.name(), u.members(), complete, depth);
            case BtfType.Enum e -> {
                if (!e.name().isEmpty()) define(id);
            }
            case BtfType.Enum64 e -> {
                if (!e.name().isEmpty()) define(id);
            }
            case BtfType.Fwd f -> forward.set(id);
            case BtfType.FuncProto f -> {
                needs(f.returnType(), false, depth + 1);
                f.params().forEach(p -> needs(p.type(), false, depth + 1));
            }
            default -> { }
        }
    }

    private void aggregate(int id, String name, List<BtfType.Member> members, boolean complete, int depth) {
        if (name.isEmpty()) {
            members.forEach(m -> needs(m.type(), true, depth + 1)); // written inline: its members by value
        } else if (complete) {
            define(id);
        } else {
            forward.set(id);
        }
    }

    // ---- declarators ------------------------------------------------------------------------------------

    private String decl(int id, String inner, int indent) { return decl(id, inner, indent, false); }

    /** {@code inner} declared as type {@code id}: C's inside-out declarator syntax; {@code body}: a named aggregate's definition. */
    private String decl(int id, String inner, int indent, boolean body) {
        BtfType t = btf.type(id);
        return switch (t) {
            case BtfType.Void v -> "void" + sp(inner);
            case BtfType.Int i -> i.name() + sp(inner);
            case BtfType.Float f -> f.name() + sp(inner);
            case BtfType.Typedef d -> typedefNames.get(id) + sp(inner);
            case BtfType.TypeTag tt -> decl(tt.type(), inner, indent);
            case BtfType.Ptr p -> {
                BtfType target = strip(p.type());
                yield decl(p.type(), target instanceof BtfType.Array || target instanceof BtfType.FuncProto ? "(*" + inner + ")" : "*" + inner, indent);
            }
            case BtfType.Modifier m -> {
                String q = switch (t) {
                    case BtfType.Const c -> "const";
                    case BtfType.Volatile v -> "volatile";
                    default -> "restrict";
                };
                // a qualified pointer: the qualifier follows the '*'; anything else: it leads
                if (strip(m.type()) instanceof BtfType.Ptr) yield decl(m.type(), q + sp(inner), indent);
                String rest = decl(m.type(), inner, indent);
                yield rest.startsWith(q + " ") ? rest : q + " " + rest; // an array of const, made const again
            }
            case BtfType.Array a -> decl(a.type(), inner + "[" + a.nelems() + "]", indent);
            case BtfType.FuncProto f -> {
                List<String> params = new ArrayList<>();
                for (BtfType.Param p : f.params()) params.add(p.type() == 0 && p.name().isEmpty() ? "..." : decl(p.type(), p.name(), indent));
                yield decl(f.returnType(), inner + "(" + (params.isEmpty() ? "void" : String.join(", ", params)) + ")", indent);
            }
            case BtfType.Struct s -> aggregateDecl("struct", id, s.name(), s.size(), s.members(), inner, indent, body, true);
            case BtfType.Union u -> aggregateDecl("union", id, u.name(), u.size(), u.members(), inner, indent, body, false);
            case BtfType.Enum e -> enumDecl(id, e.name(), e.size(), e.signed(), false, e.values(), inner, indent, body);
            case BtfType.Enum64 e -> enumDecl(id, e.name(), e.size(), e.signed(), true, e.values(), inner, indent, body);
            case BtfType.Fwd f -> (f.union() ? "union " : "struct ") + tagNames.get(id) + sp(inner);
            // functions, variables, sections and tags have no C type of their own here
            default -> "void" + sp(inner);
        };
    }

    private static String sp(String inner) { return inner.isEmpty() ? "" : " " + inner; }

    private static String tabs(int n) { return "\t".repeat(n); }

    private String aggregateDecl(String keyword, int id, String name, long size, List<BtfType.Member> members, String inner, int indent,
                                 boolean body, boolean struct) {
        if (!name.isEmpty() && !body) return keyword + " " + tagNames.get(id) + sp(inner);
        StringBuilder s = new StringBuilder(keyword);
        if (!name.isEmpty()) s.append(' ').append(tagNames.get(id));
        s.append(" {\n");
        long off = 0;
        boolean prevBitfield = false;
        for (BtfType.Member m : members) {
            if (struct) padding(s, off, m.bitOffset(), alignOf(m.type(), 0), prevBitfield && m.bitfieldSize() != 0, indent + 1);
            s.append(tabs(indent + 1)).append(decl(m.type(), m.name(), indent + 1));
            if (m.bitfieldSize() != 0) s.append(": ").append(m.bitfieldSize());
            s.append(";\n");
            long bits = m.bitfieldSize() != 0 ? m.bitfieldSize() : 8 * sizeOrZero(m.type());
            off = m.bitOffset() + bits;
            prevBitfield = m.bitfieldSize() != 0;
        }
        if (struct) padding(s, off, size * 8, 1, false, indent + 1);
        s.append(tabs(indent)).append('}');
        if (struct && packed(size, members)) s.append(" __attribute__((packed))");
        return s + sp(inner);
    }

    private long sizeOrZero(int id) {
        try {
            return btf.sizeof(id);
        } catch (BtfFormatException e) {
            return 0;
        }
    }

    private static final String[] PAD_TYPES = {"long", "int", "short", "char"};
    private static final int[] PAD_BITS = {64, 32, 16, 8};

    /**
     * Anonymous bitfields from bit {@code cur} to {@code next}, where C's natural layout would not put the next
     * member (or the struct's end) where BTF says, as libbpf's {@code btf_dump_emit_bit_padding} writes them: a
     * {@code long: 0;}-style mark where the compiler would not align by itself, then whole {@code long: 64;}
     * fillers, then the smallest type that covers the rest.
     */
    private static void padding(StringBuilder s, long cur, long next, long nextAlign, boolean inBitfield, int indent) {
        if (cur >= next) return;
        int k = 0;
        long newOff = 0;
        for (; k < PAD_BITS.length; k++) {
            newOff = roundUp(cur, PAD_BITS[k]);
            if (newOff <= next) break;
        }
        if (k == PAD_BITS.length) k = PAD_BITS.length - 1;
        String padType = PAD_TYPES[k];
        int padBits = PAD_BITS[k];
        if (newOff > cur && newOff <= next) {
            if (inBitfield || newOff == next && roundUp(cur, nextAlign * 8) != newOff || newOff != next && next - newOff <= newOff - cur) {
                s.append(tabs(indent)).append(padType).append(": ").append(inBitfield ? newOff - cur : 0).append(";\n");
            }
            cur = newOff;
        }
        while (cur != next) {
            long bits = Math.min(next - cur, padBits);
            if (bits == padBits) {
                s.append(tabs(indent)).append(padType).append(": ").append(padBits).append(";\n");
                cur += bits;
                continue;
            }
            for (int j = PAD_BITS.length - 1; j >= 0; j--) {
                if (PAD_BITS[j] < bits) continue;
                s.append(tabs(indent)).append(PAD_TYPES[j]).append(": ").append(bits).append(";\n");
                cur += bits;
                break;
            }
        }
    }

    private static long roundUp(long v, long to) { return (v + to - 1) / to * to; }

    private String enumDecl(int id, String name, int size, boolean signed, boolean wide, List<BtfType.EnumValue> values, String inner,
                            int indent, boolean body) {
        if (!name.isEmpty() && !body) return "enum " + tagNames.get(id) + sp(inner);
        StringBuilder s = new StringBuilder("enum");
        if (!name.isEmpty()) s.append(' ').append(tagNames.get(id));
        s.append(" {\n");
        for (BtfType.EnumValue v : values) {
            int n = enumeratorCounts.merge(v.name(), 1, Integer::sum);
            String value = signed ? Long.toString(v.value()) : Long.toUnsignedString(v.value());
            boolean big = wide || !signed && v.value() > Integer.MAX_VALUE;
            s.append(tabs(indent + 1)).append(n == 1 ? v.name() : v.name() + "___" + n).append(" = ").append(value)
                    .append(big ? (signed ? "LL" : "ULL") : "").append(",\n");
        }
        s.append(tabs(indent)).append('}');
        // C cannot size an enum; GCC's and clang's mode attribute can (a packed enum, or one with a fixed underlying type)
        switch (size) {
            case 1 -> s.append(" __attribute__((mode(QI)))");
            case 2 -> s.append(" __attribute__((mode(HI)))");
            default -> { }
        }
        return s.append(sp(inner)).toString();
    }

    /**
     * Whether C's natural layout could not put the members where BTF says (libbpf's {@code btf_is_struct_packed}):
     * a member at an offset its alignment does not divide, or a size the struct's alignment does not divide.
     */
    private boolean packed(long size, List<BtfType.Member> members) { return packed(size, members, 0); }

    private boolean packed(long size, List<BtfType.Member> members, int depth) {
        long align = 1;
        for (BtfType.Member m : members) {
            long a = alignOf(m.type(), depth + 1);
            align = Math.max(align, a);
            if (m.bitfieldSize() == 0 && m.bitOffset() % (a * 8) != 0) return true;
        }
        return size % align != 0;
    }

    /** C's alignment of a type, as libbpf's {@code btf__align_of}: a packed struct aligns to 1. Memoized: structs nest. */
    private long alignOf(int id, int depth) {
        Long known = alignments.get(id);
        if (known != null) return known;
        if (depth > Btf.MAX_RESOLVE_DEPTH) return 1;
        BtfType t = btf.type(id);
        long a = switch (t) {
            case BtfType.Int i -> Math.max(1, Math.min(i.size(), 8));
            case BtfType.Float f -> Math.max(1, Math.min(f.size(), 8));
            case BtfType.Enum e -> Math.max(1, e.size());
            case BtfType.Enum64 e -> Math.max(1, e.size());
            case BtfType.Ptr p -> 8;
            case BtfType.Modifier m -> alignOf(m.type(), depth + 1);
            case BtfType.Array arr -> alignOf(arr.type(), depth + 1);
            case BtfType.Struct s -> packed(s.size(), s.members(), depth) ? 1 : membersAlign(s.members(), depth);
            case BtfType.Union u -> membersAlign(u.members(), depth);
            default -> 1;
        };
        alignments.put(id, a);
        return a;
    }

    private long membersAlign(List<BtfType.Member> members, int depth) {
        long a = 1;
        for (BtfType.Member m : members) a = Math.max(a, alignOf(m.type(), depth + 1));
        return a;
    }
}

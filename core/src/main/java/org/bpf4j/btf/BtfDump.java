package org.bpf4j.btf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BTF printed as {@code bpftool btf dump ... format raw} prints it: one line per type ({@code [id] KIND 'name'
 * attributes}), members, enumerators, parameters and section variables on tab-indented lines below; and the same
 * as JSON values with bpftool's field names. C declarations are {@link BtfCDump}'s.
 */
public final class BtfDump {
    private BtfDump() {}

    /** The kind's name as bpftool prints it ({@code btf_kind_str}). */
    public static String kindName(BtfType t) {
        return switch (t.kind()) {
            case BtfType.KIND_VOID -> "UNKNOWN";
            case BtfType.KIND_INT -> "INT";
            case BtfType.KIND_PTR -> "PTR";
            case BtfType.KIND_ARRAY -> "ARRAY";
            case BtfType.KIND_STRUCT -> "STRUCT";
            case BtfType.KIND_UNION -> "UNION";
            case BtfType.KIND_ENUM -> "ENUM";
            case BtfType.KIND_FWD -> "FWD";
            case BtfType.KIND_TYPEDEF -> "TYPEDEF";
            case BtfType.KIND_VOLATILE -> "VOLATILE";
            case BtfType.KIND_CONST -> "CONST";
            case BtfType.KIND_RESTRICT -> "RESTRICT";
            case BtfType.KIND_FUNC -> "FUNC";
            case BtfType.KIND_FUNC_PROTO -> "FUNC_PROTO";
            case BtfType.KIND_VAR -> "VAR";
            case BtfType.KIND_DATASEC -> "DATASEC";
            case BtfType.KIND_FLOAT -> "FLOAT";
            case BtfType.KIND_DECL_TAG -> "DECL_TAG";
            case BtfType.KIND_TYPE_TAG -> "TYPE_TAG";
            case BtfType.KIND_ENUM64 -> "ENUM64";
            default -> "UNKNOWN";
        };
    }

    private static String name(String n) { return n.isEmpty() ? "(anon)" : n; }

    private static String intEncoding(BtfType.Int i) {
        if ((i.encoding() & BtfType.Int.SIGNED) != 0) return "SIGNED";
        if ((i.encoding() & BtfType.Int.CHAR) != 0) return "CHAR";
        if ((i.encoding() & BtfType.Int.BOOL) != 0) return "BOOL";
        return "(none)";
    }

    private static String linkage(Enum<?> l) {
        return l.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** An enumerator's value as bpftool prints it: 32-bit signed or unsigned; 64-bit with {@code LL}/{@code ULL}. */
    private static String enumValue(boolean signed, boolean wide, long v) {
        String n = signed ? Long.toString(wide ? v : (int) v) : Long.toUnsignedString(wide ? v : v & 0xffffffffL);
        return wide ? n + (signed ? "LL" : "ULL") : n;
    }

    /** Every type but void, in id order, in bpftool's raw text. */
    public static String raw(Btf btf) {
        StringBuilder out = new StringBuilder();
        for (int id = 1; id < btf.size(); id++) raw(btf, btf.type(id), out);
        return out.toString();
    }

    private static void raw(Btf btf, BtfType t, StringBuilder out) {
        out.append('[').append(t.id()).append("] ").append(kindName(t)).append(" '").append(name(t.name())).append('\'');
        switch (t) {
            case BtfType.Int i -> out.append(" size=").append(i.size()).append(" bits_offset=").append(i.bitOffset())
                    .append(" nr_bits=").append(i.bits()).append(" encoding=").append(intEncoding(i));
            case BtfType.Ptr p -> out.append(" type_id=").append(p.type());
            case BtfType.Array a -> out.append(" type_id=").append(a.type()).append(" index_type_id=").append(a.indexType())
                    .append(" nr_elems=").append(a.nelems());
            case BtfType.Struct s -> members(out, s.size(), s.members());
            case BtfType.Union u -> members(out, u.size(), u.members());
            case BtfType.Enum e -> enumerators(out, e.signed(), e.size(), false, e.values());
            case BtfType.Enum64 e -> enumerators(out, e.signed(), e.size(), true, e.values());
            case BtfType.Fwd f -> out.append(" fwd_kind=").append(f.union() ? "union" : "struct");
            case BtfType.Modifier m -> out.append(" type_id=").append(m.type());
            case BtfType.Func f -> out.append(" type_id=").append(f.type()).append(" linkage=").append(linkage(f.linkage()));
            case BtfType.FuncProto f -> {
                out.append(" ret_type_id=").append(f.returnType()).append(" vlen=").append(f.params().size());
                for (BtfType.Param p : f.params()) out.append("\n\t'").append(name(p.name())).append("' type_id=").append(p.type());
            }
            case BtfType.Var v -> out.append(" type_id=").append(v.type()).append(", linkage=").append(linkage(v.linkage()));
            case BtfType.Datasec d -> {
                out.append(" size=").append(d.size()).append(" vlen=").append(d.vars().size());
                for (BtfType.VarSecinfo v : d.vars()) {
                    out.append("\n\ttype_id=").append(v.type()).append(" offset=").append(v.offset()).append(" size=").append(v.size());
                    if (v.type() > 0 && v.type() < btf.size() && btf.type(v.type()) instanceof BtfType.Var var) {
                        out.append(" (VAR '").append(var.name()).append("')");
                    }
                }
            }
            case BtfType.Float f -> out.append(" size=").append(f.size());
            case BtfType.DeclTag d -> out.append(" type_id=").append(d.type()).append(" component_idx=").append(d.componentIndex());
            case BtfType.Void v -> { }
        }
        out.append('\n');
    }

    private static void members(StringBuilder out, long size, List<BtfType.Member> members) {
        out.append(" size=").append(size).append(" vlen=").append(members.size());
        for (BtfType.Member m : members) {
            out.append("\n\t'").append(name(m.name())).append("' type_id=").append(m.type()).append(" bits_offset=").append(m.bitOffset());
            if (m.bitfieldSize() != 0) out.append(" bitfield_size=").append(m.bitfieldSize());
        }
    }

    private static void enumerators(StringBuilder out, boolean signed, int size, boolean wide, List<BtfType.EnumValue> values) {
        out.append(" encoding=").append(signed ? "SIGNED" : "UNSIGNED").append(" size=").append(size).append(" vlen=").append(values.size());
        for (BtfType.EnumValue v : values) out.append("\n\t'").append(v.name()).append("' val=").append(enumValue(signed, wide, v.value()));
    }

    /** The types as bpftool's {@code -j} raw dump: {@code {"types":[{"id":1,"kind":"INT","name":"int",...}]}}. */
    public static Map<String, Object> json(Btf btf) {
        List<Object> types = new ArrayList<>();
        for (int id = 1; id < btf.size(); id++) types.add(json(btf.type(id)));
        return Map.of("types", types);
    }

    private static Map<String, Object> json(BtfType t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("kind", kindName(t));
        m.put("name", name(t.name()));
        switch (t) {
            case BtfType.Int i -> {
                m.put("size", i.size());
                m.put("bits_offset", i.bitOffset());
                m.put("nr_bits", i.bits());
                m.put("encoding", intEncoding(i));
            }
            case BtfType.Ptr p -> m.put("type_id", p.type());
            case BtfType.Array a -> {
                m.put("type_id", a.type());
                m.put("index_type_id", a.indexType());
                m.put("nr_elems", a.nelems());
            }
            case BtfType.Struct s -> membersJson(m, s.size(), s.members());
            case BtfType.Union u -> membersJson(m, u.size(), u.members());
            case BtfType.Enum e -> enumJson(m, e.signed(), e.size(), e.values());
            case BtfType.Enum64 e -> enumJson(m, e.signed(), e.size(), e.values());
            case BtfType.Fwd f -> m.put("fwd_kind", f.union() ? "union" : "struct");
            case BtfType.Modifier mod -> m.put("type_id", mod.type());
            case BtfType.Func f -> {
                m.put("type_id", f.type());
                m.put("linkage", linkage(f.linkage()));
            }
            case BtfType.FuncProto f -> {
                m.put("ret_type_id", f.returnType());
                m.put("vlen", f.params().size());
                m.put("params", f.params().stream().map(p -> ordered("name", name(p.name()), "type_id", p.type())).toList());
            }
            case BtfType.Var v -> {
                m.put("type_id", v.type());
                m.put("linkage", linkage(v.linkage()));
            }
            case BtfType.Datasec d -> {
                m.put("size", d.size());
                m.put("vlen", d.vars().size());
                m.put("vars", d.vars().stream().map(v -> ordered("type_id", v.type(), "offset", v.offset(), "size", v.size())).toList());
            }
            case BtfType.Float f -> m.put("size", f.size());
            case BtfType.DeclTag d -> {
                m.put("type_id", d.type());
                m.put("component_idx", d.componentIndex());
            }
            case BtfType.Void v -> { }
        }
        return m;
    }

    private static void membersJson(Map<String, Object> m, long size, List<BtfType.Member> members) {
        m.put("size", size);
        m.put("vlen", members.size());
        List<Object> out = new ArrayList<>();
        for (BtfType.Member mem : members) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", name(mem.name()));
            j.put("type_id", mem.type());
            j.put("bits_offset", mem.bitOffset());
            if (mem.bitfieldSize() != 0) j.put("bitfield_size", mem.bitfieldSize());
            out.add(j);
        }
        m.put("members", out);
    }

    private static void enumJson(Map<String, Object> m, boolean signed, int size, List<BtfType.EnumValue> values) {
        m.put("encoding", signed ? "SIGNED" : "UNSIGNED");
        m.put("size", size);
        m.put("vlen", values.size());
        m.put("values", values.stream().map(v -> ordered("name", v.name(),
                "val", signed || v.value() >= 0 ? (Object) v.value() : new java.math.BigInteger(Long.toUnsignedString(v.value())))).toList());
    }

    /** A JSON object whose fields keep the order given (name, value, name, value, ...). */
    private static Map<String, Object> ordered(Object... nameValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < nameValues.length; k += 2) m.put((String) nameValues[k], nameValues[k + 1]);
        return m;
    }
}

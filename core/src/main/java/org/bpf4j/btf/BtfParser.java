package org.bpf4j.btf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the BTF wire format ({@code struct btf_header}, {@code struct btf_type} and the per-kind
 * trailers). Every length and offset is treated as hostile: each read is bounds-checked first and no
 * allocation exceeds what the input could hold, so bad input ends in {@link BtfFormatException}.
 */
final class BtfParser {

    static final int MAGIC = 0xeB9F;
    private static final int HEADER_MIN = 24;

    private BtfParser() {}

    static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    static int i32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    static long u32(byte[] b, int off) {
        return i32(b, off) & 0xffffffffL;
    }

    /** Checks that {@code [start, start+len)} lies within {@code [0, limit)}; all arguments as longs so nothing wraps. */
    static void need(long start, long len, long limit, String what) {
        if (start < 0 || len < 0 || start + len > limit) {
            throw new BtfFormatException(what + " is out of bounds (offset " + start + ", length " + len + ", limit " + limit + ")");
        }
    }

    static String string(byte[] strings, long offset) {
        if (offset < 0 || offset >= strings.length) {
            if (offset == 0) return ""; // an empty string section still names everything ""
            throw new BtfFormatException("string offset " + offset + " is outside the string section (" + strings.length + " bytes)");
        }
        int start = (int) offset;
        int end = start;
        while (end < strings.length && strings[end] != 0) end++;
        if (end == strings.length) throw new BtfFormatException("string at offset " + offset + " is not NUL-terminated");
        return new String(strings, start, end - start, StandardCharsets.UTF_8);
    }

    static Btf parse(byte[] data) {
        if (data.length < HEADER_MIN) throw new BtfFormatException("BTF is " + data.length + " bytes, shorter than its header");
        int magic = u16(data, 0);
        if (magic != MAGIC) {
            if (magic == 0x9FeB) throw new BtfFormatException("big-endian BTF is not supported");
            throw new BtfFormatException(String.format("bad BTF magic 0x%04x", magic));
        }
        int version = data[2] & 0xff;
        if (version != 1) throw new BtfFormatException("unsupported BTF version " + version);
        long hdrLen = u32(data, 4);
        if (hdrLen < HEADER_MIN || hdrLen > data.length) throw new BtfFormatException("bad BTF header length " + hdrLen);
        long typeOff = u32(data, 8), typeLen = u32(data, 12), strOff = u32(data, 16), strLen = u32(data, 20);
        need(hdrLen + typeOff, typeLen, data.length, "BTF type section");
        need(hdrLen + strOff, strLen, data.length, "BTF string section");
        if (typeLen % 4 != 0) throw new BtfFormatException("BTF type section length " + typeLen + " is not a multiple of 4");
        int typeStart = (int) (hdrLen + typeOff);
        int typeEnd = (int) (typeStart + typeLen);
        int strStart = (int) (hdrLen + strOff);
        int strEnd = (int) (strStart + strLen);
        if (typeStart < strEnd && strStart < typeEnd) throw new BtfFormatException("BTF type and string sections overlap");
        byte[] strings = Arrays.copyOfRange(data, strStart, strEnd);
        if (strings.length > 0 && (strings[0] != 0 || strings[strings.length - 1] != 0)) {
            throw new BtfFormatException("BTF string section must start and end with NUL");
        }

        List<BtfType> types = new ArrayList<>((int) Math.min(typeLen / 12 + 1, 1 << 20));
        types.add(new BtfType.Void());
        int pos = typeStart;
        while (pos < typeEnd) {
            int id = types.size();
            need(pos, 12, typeEnd, "type " + id);
            String name = string(strings, u32(data, pos));
            long info = u32(data, pos + 4);
            long sizeOrType = u32(data, pos + 8);
            pos += 12;
            int vlen = (int) (info & 0xffff);
            int kind = (int) ((info >>> 24) & 0x1f);
            boolean kflag = (info >>> 31) != 0;
            int ref = (int) sizeOrType; // a type id where the kind takes one; checked below
            BtfType t;
            switch (kind) {
                case BtfType.KIND_INT -> {
                    need(pos, 4, typeEnd, "int type " + id);
                    long enc = u32(data, pos);
                    pos += 4;
                    int bits = (int) (enc & 0xff);
                    int bitOff = (int) ((enc >>> 16) & 0xff);
                    int encoding = (int) ((enc >>> 24) & 0xf);
                    if (sizeOrType == 0 || sizeOrType > 16 || bits > 128 || bitOff + bits > sizeOrType * 8) {
                        throw new BtfFormatException("int type " + id + " has bad size " + sizeOrType + " / bits " + bits + " / offset " + bitOff);
                    }
                    t = new BtfType.Int(id, name, (int) sizeOrType, encoding, bitOff, bits);
                }
                case BtfType.KIND_PTR -> t = new BtfType.Ptr(id, name, ref);
                case BtfType.KIND_ARRAY -> {
                    need(pos, 12, typeEnd, "array type " + id);
                    t = new BtfType.Array(id, name, i32(data, pos), i32(data, pos + 4), u32(data, pos + 8));
                    pos += 12;
                }
                case BtfType.KIND_STRUCT, BtfType.KIND_UNION -> {
                    need(pos, 12L * vlen, typeEnd, "members of type " + id);
                    List<BtfType.Member> members = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, pos += 12) {
                        long off = u32(data, pos + 8);
                        long bitOffset = kflag ? off & 0xffffff : off;
                        int bitfield = kflag ? (int) (off >>> 24) : 0;
                        members.add(new BtfType.Member(string(strings, u32(data, pos)), i32(data, pos + 4), bitOffset, bitfield));
                    }
                    t = kind == BtfType.KIND_STRUCT
                            ? new BtfType.Struct(id, name, sizeOrType, members)
                            : new BtfType.Union(id, name, sizeOrType, members);
                }
                case BtfType.KIND_ENUM -> {
                    need(pos, 8L * vlen, typeEnd, "enumerators of type " + id);
                    List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, pos += 8) {
                        long v = kflag ? i32(data, pos + 4) : u32(data, pos + 4);
                        values.add(new BtfType.EnumValue(string(strings, u32(data, pos)), v));
                    }
                    t = new BtfType.Enum(id, name, checkEnumSize(id, sizeOrType), kflag, values);
                }
                case BtfType.KIND_ENUM64 -> {
                    need(pos, 12L * vlen, typeEnd, "enumerators of type " + id);
                    List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, pos += 12) {
                        long v = u32(data, pos + 4) | (u32(data, pos + 8) << 32);
                        values.add(new BtfType.EnumValue(string(strings, u32(data, pos)), v));
                    }
                    t = new BtfType.Enum64(id, name, checkEnumSize(id, sizeOrType), kflag, values);
                }
                case BtfType.KIND_FWD -> t = new BtfType.Fwd(id, name, kflag);
                case BtfType.KIND_TYPEDEF -> t = new BtfType.Typedef(id, name, ref);
                case BtfType.KIND_VOLATILE -> t = new BtfType.Volatile(id, name, ref);
                case BtfType.KIND_CONST -> t = new BtfType.Const(id, name, ref);
                case BtfType.KIND_RESTRICT -> t = new BtfType.Restrict(id, name, ref);
                case BtfType.KIND_TYPE_TAG -> t = new BtfType.TypeTag(id, name, ref, kflag);
                case BtfType.KIND_FUNC -> {
                    if (vlen > 2) throw new BtfFormatException("function type " + id + " has unknown linkage " + vlen);
                    t = new BtfType.Func(id, name, ref, BtfType.Linkage.values()[vlen]);
                }
                case BtfType.KIND_FUNC_PROTO -> {
                    need(pos, 8L * vlen, typeEnd, "parameters of type " + id);
                    List<BtfType.Param> params = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, pos += 8) {
                        params.add(new BtfType.Param(string(strings, u32(data, pos)), i32(data, pos + 4)));
                    }
                    t = new BtfType.FuncProto(id, name, ref, params);
                }
                case BtfType.KIND_VAR -> {
                    need(pos, 4, typeEnd, "variable type " + id);
                    long linkage = u32(data, pos);
                    pos += 4;
                    if (linkage > 2) throw new BtfFormatException("variable type " + id + " has unknown linkage " + linkage);
                    t = new BtfType.Var(id, name, ref, BtfType.VarLinkage.values()[(int) linkage]);
                }
                case BtfType.KIND_DATASEC -> {
                    need(pos, 12L * vlen, typeEnd, "variables of data section type " + id);
                    List<BtfType.VarSecinfo> vars = new ArrayList<>(vlen);
                    for (int i = 0; i < vlen; i++, pos += 12) {
                        vars.add(new BtfType.VarSecinfo(i32(data, pos), u32(data, pos + 4), u32(data, pos + 8)));
                    }
                    t = new BtfType.Datasec(id, name, sizeOrType, vars);
                }
                case BtfType.KIND_FLOAT -> {
                    if (sizeOrType != 2 && sizeOrType != 4 && sizeOrType != 8 && sizeOrType != 12 && sizeOrType != 16) {
                        throw new BtfFormatException("float type " + id + " has bad size " + sizeOrType);
                    }
                    t = new BtfType.Float(id, name, (int) sizeOrType);
                }
                case BtfType.KIND_DECL_TAG -> {
                    need(pos, 4, typeEnd, "decl tag type " + id);
                    int component = i32(data, pos);
                    pos += 4;
                    if (component < -1) throw new BtfFormatException("decl tag type " + id + " has bad component index " + component);
                    t = new BtfType.DeclTag(id, name, ref, component, kflag);
                }
                default -> throw new BtfFormatException("type " + id + " has unknown kind " + kind);
            }
            types.add(t);
        }
        checkReferences(types);
        return Btf.create(types, strings, data);
    }

    private static int checkEnumSize(int id, long size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) throw new BtfFormatException("enum type " + id + " has bad size " + size);
        return (int) size;
    }

    /** Every type id a type names must exist; after this, lookups inside the BTF cannot fail. */
    private static void checkReferences(List<BtfType> types) {
        int n = types.size();
        for (BtfType t : types) {
            switch (t) {
                case BtfType.Ptr p -> ref(n, t, p.type());
                case BtfType.Modifier m -> ref(n, t, m.type());
                case BtfType.Array a -> { ref(n, t, a.type()); ref(n, t, a.indexType()); }
                case BtfType.Struct s -> s.members().forEach(m -> ref(n, t, m.type()));
                case BtfType.Union u -> u.members().forEach(m -> ref(n, t, m.type()));
                case BtfType.Func f -> ref(n, t, f.type());
                case BtfType.FuncProto f -> { ref(n, t, f.returnType()); f.params().forEach(p -> ref(n, t, p.type())); }
                case BtfType.Var v -> ref(n, t, v.type());
                case BtfType.Datasec d -> d.vars().forEach(v -> ref(n, t, v.type()));
                case BtfType.DeclTag d -> ref(n, t, d.type());
                default -> {}
            }
        }
    }

    private static void ref(int n, BtfType from, int id) {
        if (id < 0 || id >= n) throw new BtfFormatException("type " + from.id() + " refers to type " + (id & 0xffffffffL) + ", which does not exist (" + n + " types)");
    }
}

package org.bpf4j.btf;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes read as a BTF type says, as bpftool's {@code btf_dumper} prints map keys and values: structs and
 * unions by field name (bitfields included), arrays as lists, {@code char[]} holding a C string as that
 * string, enums by name, integers signed or unsigned as their encoding says, pointers as addresses. The
 * result is plain Java values — {@code Map<String, Object>} in field order, {@code List<Object>},
 * {@code String}, {@code Long}, {@code BigInteger}, {@code Double}, {@code Boolean} — ready for JSON or
 * text. What the bytes cannot hold (a value shorter than its type) or BTF cannot say (void, a forward
 * declaration, a function) comes out as hex.
 */
public final class BtfValues {
    private BtfValues() {}

    private static final int MAX_DEPTH = 32;

    /** {@code bytes} as type {@code typeId} of {@code btf}. */
    public static Object decode(Btf btf, int typeId, byte[] bytes) {
        try {
            return decode(btf, typeId, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0, 0);
        } catch (BtfFormatException | IndexOutOfBoundsException e) {
            return HexFormat.of().formatHex(bytes); // BTF that does not describe these bytes: as if there were none
        }
    }

    private static Object decode(Btf btf, int typeId, ByteBuffer b, int offset, int depth) {
        BtfType t;
        long size;
        try {
            t = btf.resolve(typeId);
            size = t instanceof BtfType.Void || t instanceof BtfType.Fwd || t instanceof BtfType.Func
                    || t instanceof BtfType.FuncProto ? -1 : btf.sizeof(typeId);
        } catch (RuntimeException e) {
            return hex(b, offset, b.limit() - offset);
        }
        if (size < 0 || depth > MAX_DEPTH || offset + size > b.limit()) return hex(b, offset, Math.max(0, b.limit() - offset));
        return switch (t) {
            case BtfType.Int i -> integer(b, offset, i.size(), i.signed(), (i.encoding() & BtfType.Int.BOOL) != 0);
            case BtfType.Enum e -> enumName(e.values(), integer(b, offset, e.size(), e.signed(), false));
            case BtfType.Enum64 e -> enumName(e.values(), integer(b, offset, e.size(), e.signed(), false));
            case BtfType.Ptr p -> "0x" + Long.toHexString(b.getLong(offset));
            case BtfType.Float f -> f.size() == 4 ? (Object) (double) b.getFloat(offset)
                    : f.size() == 8 ? (Object) b.getDouble(offset) : hex(b, offset, f.size());
            case BtfType.Array a -> array(btf, a, b, offset, depth);
            case BtfType.Struct s -> members(btf, s.members(), b, offset, depth);
            case BtfType.Union u -> members(btf, u.members(), b, offset, depth);
            case BtfType.Datasec d -> {
                Map<String, Object> vars = new LinkedHashMap<>();
                for (BtfType.VarSecinfo v : d.vars()) {
                    if (!(btf.type(v.type()) instanceof BtfType.Var var)) continue;
                    vars.put(var.name(), decode(btf, var.type(), b, offset + (int) v.offset(), depth + 1));
                }
                yield vars;
            }
            case BtfType.Var v -> decode(btf, v.type(), b, offset, depth + 1);
            default -> hex(b, offset, (int) size);
        };
    }

    private static Object array(Btf btf, BtfType.Array a, ByteBuffer b, int offset, int depth) {
        long elemSize = btf.sizeof(a.type());
        if (btf.resolve(a.type()) instanceof BtfType.Int i && i.size() == 1
                && ((i.encoding() & BtfType.Int.CHAR) != 0 || i.name().equals("char"))) {
            String s = cString(b, offset, (int) a.nelems());
            if (s != null) return s;
        }
        List<Object> out = new ArrayList<>();
        for (long k = 0; k < a.nelems() && elemSize > 0; k++) out.add(decode(btf, a.type(), b, (int) (offset + k * elemSize), depth + 1));
        return out;
    }

    private static Map<String, Object> members(Btf btf, List<BtfType.Member> members, ByteBuffer b, int offset, int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        int anonymous = 0;
        for (BtfType.Member m : members) {
            String name = m.name().isEmpty() ? "(anon" + anonymous++ + ")" : m.name();
            if (m.bitfieldSize() != 0) {
                out.put(name, bitfield(btf, m, b, offset));
            } else {
                out.put(name, decode(btf, m.type(), b, offset + (int) (m.bitOffset() / 8), depth + 1));
            }
        }
        return out;
    }

    /** A bitfield member: {@code bitfieldSize} bits from {@code bitOffset} of the little-endian storage. */
    private static Object bitfield(Btf btf, BtfType.Member m, ByteBuffer b, int offset) {
        long firstByte = m.bitOffset() / 8;
        int shift = (int) (m.bitOffset() % 8);
        long raw = 0;
        for (int k = 0; k < 8 && offset + firstByte + k < b.limit(); k++) raw |= (b.get((int) (offset + firstByte + k)) & 0xffL) << (8 * k);
        long value = (raw >>> shift) & (m.bitfieldSize() >= 64 ? -1L : (1L << m.bitfieldSize()) - 1);
        boolean signed = btf.resolve(m.type()) instanceof BtfType.Int i && i.signed();
        if (signed && m.bitfieldSize() < 64 && (value & (1L << (m.bitfieldSize() - 1))) != 0) value |= -1L << m.bitfieldSize();
        Object n = signed || value >= 0 ? (Object) value : new BigInteger(Long.toUnsignedString(value));
        return btf.resolve(m.type()) instanceof BtfType.Enum e ? enumName(e.values(), n) : n;
    }

    private static Object integer(ByteBuffer b, int offset, int size, boolean signed, boolean bool) {
        long v = switch (size) {
            case 1 -> signed ? b.get(offset) : b.get(offset) & 0xffL;
            case 2 -> signed ? b.getShort(offset) : b.getShort(offset) & 0xffffL;
            case 4 -> signed ? b.getInt(offset) : b.getInt(offset) & 0xffffffffL;
            case 8 -> b.getLong(offset);
            default -> Long.MIN_VALUE;
        };
        if (size != 1 && size != 2 && size != 4 && size != 8) return hex(b, offset, size); // __int128
        if (bool) return v != 0;
        return !signed && size == 8 && v < 0 ? new BigInteger(Long.toUnsignedString(v)) : (Object) v;
    }

    private static Object enumName(List<BtfType.EnumValue> values, Object number) {
        if (number instanceof Long n) {
            for (BtfType.EnumValue v : values) if (v.value() == n) return v.name();
        }
        return number;
    }

    /** The C string in {@code length} bytes, or null when they hold none (no NUL, or unprintable bytes before it). */
    private static String cString(ByteBuffer b, int offset, int length) {
        int end = -1;
        for (int k = 0; k < length; k++) {
            int c = b.get(offset + k) & 0xff;
            if (c == 0) {
                end = k;
                break;
            }
            if (c < 0x20 && c != '\t' && c != '\n' || c == 0x7f) return null;
        }
        if (end < 0) return null;
        byte[] s = new byte[end];
        b.get(offset, s);
        return new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String hex(ByteBuffer b, int offset, int length) {
        byte[] out = new byte[Math.max(0, Math.min(length, b.limit() - offset))];
        b.get(offset, out);
        return HexFormat.of().formatHex(out);
    }
}

package org.bpf4j.btf.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;

/**
 * Writes raw BTF from C-like declarations, for target BTF that tests shape at will: ids are handed
 * out in call order, starting at 1, so a type can only refer to types declared before it.
 */
final class TargetBtf {

    /** A member: name (empty for anonymous), type id, bit offset, bitfield width (0 for none). */
    record M(String name, int type, long bitOffset, int bits) {
        static M of(String name, int type, long byteOffset) {
            return new M(name, type, byteOffset * 8, 0);
        }

        static M bits(String name, int type, long bitOffset, int bits) {
            return new M(name, type, bitOffset, bits);
        }
    }

    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private int next = 1;

    TargetBtf() {
        strings.write(0);
    }

    private int str(String s) {
        if (s.isEmpty()) return 0;
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return off;
    }

    private void u32(long v) {
        for (int i = 0; i < 4; i++) types.write((int) (v >>> (8 * i)));
    }

    private int head(String name, int kind, int vlen, boolean kflag, long sizeOrType) {
        u32(str(name));
        u32(((long) kind << 24) | vlen | (kflag ? 1L << 31 : 0));
        u32(sizeOrType);
        return next++;
    }

    int integer(String name, int size, boolean signed) {
        int id = head(name, BtfType.KIND_INT, 0, false, size);
        u32((signed ? 1L : 0L) << 24 | size * 8L);
        return id;
    }

    int ptr(int type) {
        return head("", BtfType.KIND_PTR, 0, false, type);
    }

    int array(int elem, int index, long n) {
        int id = head("", BtfType.KIND_ARRAY, 0, false, 0);
        u32(elem);
        u32(index);
        u32(n);
        return id;
    }

    int typedef(String name, int type) {
        return head(name, BtfType.KIND_TYPEDEF, 0, false, type);
    }

    int fwd(String name, boolean union) {
        return head(name, BtfType.KIND_FWD, 0, union, 0);
    }

    int struct(String name, long size, M... members) {
        return composite(BtfType.KIND_STRUCT, name, size, members);
    }

    int union(String name, long size, M... members) {
        return composite(BtfType.KIND_UNION, name, size, members);
    }

    private int composite(int kind, String name, long size, M... members) {
        boolean kflag = false;
        for (M m : members) kflag |= m.bits() != 0;
        int id = head(name, kind, members.length, kflag, size);
        for (M m : members) {
            u32(str(m.name()));
            u32(m.type());
            u32(kflag ? (long) m.bits() << 24 | m.bitOffset() : m.bitOffset());
        }
        return id;
    }

    /** A 4-byte enum of name/value pairs: {@code enumeration("color", true, "RED", 0, "GREEN", 5)}. */
    int enumeration(String name, boolean signed, Object... namesAndValues) {
        int id = head(name, BtfType.KIND_ENUM, namesAndValues.length / 2, signed, 4);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            u32(str((String) namesAndValues[i]));
            u32(((Number) namesAndValues[i + 1]).longValue() & 0xffffffffL);
        }
        return id;
    }

    byte[] bytes() {
        byte[] t = types.toByteArray(), s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        b.put(t).put(s);
        return b.array();
    }

    Btf build() {
        return Btf.parse(bytes());
    }
}

package org.bpf4j.linux;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** A hand-built raw BTF blob for tests: types are appended as u32 words, names into the string section. */
final class BtfBlob {
    static final int KIND_INT = 1, KIND_STRUCT = 4, KIND_FUNC = 12, KIND_FUNC_PROTO = 13;
    static final int LINKAGE_STATIC = 0, LINKAGE_GLOBAL = 1;

    /** A struct member: its name, type and offset in bits. */
    record Member(String name, int type, int bitOffset) {}

    private final ByteBuffer types = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private int nextId = 1;

    BtfBlob() { strings.write(0); }

    int string(String s) {
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return off;
    }

    /** A signed or unsigned integer of {@code size} bytes and {@code bits} bits. */
    int integer(String name, int size, int bits) {
        types.putInt(string(name)).putInt(KIND_INT << 24).putInt(size).putInt(bits);
        return nextId++;
    }

    /** A prototype without parameters returning {@code returnType}. */
    int funcProto(int returnType) {
        types.putInt(0).putInt(KIND_FUNC_PROTO << 24).putInt(returnType);
        return nextId++;
    }

    /** A struct of {@code size} bytes. */
    int struct(String name, int size, Member... members) {
        types.putInt(string(name)).putInt(KIND_STRUCT << 24 | members.length).putInt(size);
        for (Member m : members) types.putInt(string(m.name())).putInt(m.type()).putInt(m.bitOffset());
        return nextId++;
    }

    /** A function with global linkage (1). */
    int func(String name, int proto) {
        return func(name, proto, LINKAGE_GLOBAL);
    }

    int func(String name, int proto, int linkage) {
        types.putInt(string(name)).putInt(KIND_FUNC << 24 | linkage).putInt(proto);
        return nextId++;
    }

    byte[] bytes() {
        byte[] str = strings.toByteArray();
        int typeLen = types.position();
        ByteBuffer out = ByteBuffer.allocate(24 + typeLen + str.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24)
                .putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
        out.put(types.array(), 0, typeLen).put(str);
        return out.array();
    }
}

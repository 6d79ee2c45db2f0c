package org.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes raw BTF by hand, for tests that need every kind and every way to get it wrong. */
final class BtfBuilder {
    private final ByteArrayOutputStream types = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private int next = 1;

    BtfBuilder() {
        strings.write(0);
    }

    int str(String s) {
        if (s.isEmpty()) return 0;
        int off = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return off;
    }

    BtfBuilder u32(long v) {
        types.write((int) v);
        types.write((int) (v >> 8));
        types.write((int) (v >> 16));
        types.write((int) (v >> 24));
        return this;
    }

    /** Starts a type: returns its id. {@code kflag} sets bit 31 of info. */
    int type(String name, int kind, int vlen, boolean kflag, long sizeOrType) {
        u32(str(name)).u32(((long) kind << 24) | vlen | (kflag ? 1L << 31 : 0)).u32(sizeOrType);
        return next++;
    }

    byte[] build() {
        byte[] t = types.toByteArray(), s = strings.toByteArray();
        ByteBuffer b = ByteBuffer.allocate(24 + t.length + s.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(t.length).putInt(t.length).putInt(s.length);
        b.put(t).put(s);
        return b.array();
    }
}

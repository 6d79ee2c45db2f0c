package org.bpf4j.btf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Java records and maps of field names to and from the bytes a BTF type describes. */
class BtfCodecTest {
    private static final int SIGNED = 1, CHAR = 2, BOOL = 4;

    /** Hand-written BTF: each method adds a type and returns its id. */
    private static final class Types {
        final BtfBuilder b = new BtfBuilder();

        int integer(String name, int size, int encoding) {
            int id = b.type(name, 1, 0, false, size);
            b.u32((long) encoding << 24 | size * 8L);
            return id;
        }

        int array(int elem, int index, int n) {
            int id = b.type("", 3, 0, false, 0);
            b.u32(elem).u32(index).u32(n);
            return id;
        }

        int typedef(String name, int type) { return b.type(name, 8, 0, false, type); }

        int enumeration(String name, String... names) {
            int id = b.type(name, 6, names.length, false, 4);
            for (int i = 0; i < names.length; i++) b.u32(b.str(names[i])).u32(i + 1);
            return id;
        }

        /** A struct (or union) of {name, type, bit offset[, bitfield size]} members; kflag when any is a bitfield. */
        int struct(String name, int kind, long size, Object[]... members) {
            boolean kflag = false;
            for (Object[] m : members) kflag |= m.length > 3;
            int id = b.type(name, kind, members.length, kflag, size);
            for (Object[] m : members) {
                long offset = ((Number) m[2]).longValue();
                if (kflag) offset |= (m.length > 3 ? ((Number) m[3]).longValue() : 0) << 24;
                b.u32(b.str((String) m[0])).u32((Integer) m[1]).u32(offset);
            }
            return id;
        }

        Btf build() { return Btf.parse(b.build()); }
    }

    private static Object[] m(String name, int type, long bitOffset) { return new Object[] {name, type, bitOffset}; }

    private static Object[] bits(String name, int type, long bitOffset, int size) { return new Object[] {name, type, bitOffset, size}; }

    public enum Proto { TCP, UDP, ICMP }

    public record Inner(short id, boolean on) {}

    public record Value(long count, int delta, String name, Proto proto, Inner inner, int[] hist, int low, int high) {}

    /**
     * struct value { __u64 count; __s32 delta; char name[6]; enum proto proto (4); struct inner { __u16 id; bool on; }
     * inner; __u32 hist[3]; unsigned int low : 3, high : 13; }
     */
    private static int valueType(Types t) {
        int u64 = t.integer("unsigned long long", 8, 0);
        int s32 = t.integer("int", 4, SIGNED);
        int u32 = t.typedef("__u32", t.integer("unsigned int", 4, 0));
        int ch = t.integer("char", 1, SIGNED | CHAR);
        int u16 = t.typedef("__u16", t.integer("unsigned short", 2, 0));
        int bool = t.integer("_Bool", 1, BOOL);
        int proto = t.enumeration("proto", "TCP", "UDP", "ICMP");
        int inner = t.struct("inner", 4, 4, m("id", u16, 0), m("on", bool, 16));
        return t.struct("value", 4, 48, m("count", u64, 0), m("delta", s32, 64), m("name", t.array(ch, s32, 6), 96),
                m("proto", proto, 160), m("inner", inner, 192), m("hist", t.array(u32, s32, 3), 224), bits("low", u32, 320, 3),
                bits("high", u32, 323, 13));
    }

    @Test
    void aRecordRoundTripsThroughItsStruct() {
        Types t = new Types();
        int id = valueType(t);
        BtfCodec<Value> codec = BtfCodec.of(t.build(), id, Value.class);
        Value v = new Value(-2, -7, "eth0", Proto.ICMP, new Inner((short) 0xfffe, true), new int[] {1, -1, 3}, 5, 0x1abc);
        byte[] bytes = codec.encode(v);
        assertThat(codec.size()).isEqualTo(48);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("feffffffffffffff" + "f9ffffff" + "657468300000" + "0000" + "03000000"
                + "feff0100" + "01000000ffffffff03000000" + "e5d50000" + "00000000");
        Value back = codec.decode(bytes);
        assertThat(back.count()).isEqualTo(-2);
        assertThat(back.name()).isEqualTo("eth0");
        assertThat(back.proto()).isEqualTo(Proto.ICMP);
        assertThat(back.inner()).isEqualTo(new Inner((short) 0xfffe, true));
        assertThat(back.hist()).containsExactly(1, -1, 3);
        assertThat(back.low()).isEqualTo(5);
        assertThat(back.high()).isEqualTo(0x1abc);
    }

    @Test
    void aMapOfFieldNamesReadsAnyStruct() {
        Types t = new Types();
        int id = valueType(t);
        Btf btf = t.build();
        BtfCodec<Value> records = BtfCodec.of(btf, id, Value.class);
        @SuppressWarnings("rawtypes")
        BtfCodec<Map> maps = BtfCodec.of(btf, id, Map.class);
        byte[] bytes = records.encode(new Value(3, 4, "lo", Proto.UDP, new Inner((short) 9, false), new int[] {7, 8, 9}, 1, 2));
        assertThat(maps.decode(bytes)).hasToString("{count=3, delta=4, name=lo, proto=UDP, inner={id=9, on=false},"
                + " hist=[7, 8, 9], low=1, high=2}");
        Map<String, Object> partial = new LinkedHashMap<>();
        partial.put("count", 3L);
        partial.put("proto", "UDP");
        partial.put("hist", List.of(7, 8));
        byte[] fromMap = maps.encode(partial);
        assertThat(records.decode(fromMap)).satisfies(v -> {
            assertThat(v.count()).isEqualTo(3);
            assertThat(v.proto()).isEqualTo(Proto.UDP);
            assertThat(v.hist()).containsExactly(7, 8, 0); // what the map leaves out is zero
            assertThat(v.name()).isEmpty();
        });
    }

    public record WrongSize(long count, long delta, String name, Proto proto, Inner inner, int[] hist, int low, int high) {}

    public record Missing(long count) {}

    public record Unknown(long count, int delta, String name, Proto proto, Inner inner, int[] hist, int low, int high, int extra) {}

    public enum Other { TCP, SCTP }

    public record BadEnum(long count, int delta, String name, Other proto, Inner inner, int[] hist, int low, int high) {}

    @Test
    void aRecordThatDoesNotMatchSaysWhichComponentAndWhichSize() {
        Types t = new Types();
        int id = valueType(t);
        Btf btf = t.build();
        assertThatThrownBy(() -> BtfCodec.of(btf, id, WrongSize.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("WrongSize.delta is long (8 bytes), its BTF type is int (4 bytes)");
        assertThatThrownBy(() -> BtfCodec.of(btf, id, Missing.class))
                .hasMessage("Missing: record Missing has no component for delta, name, proto, inner, hist, low, high of struct value");
        assertThatThrownBy(() -> BtfCodec.of(btf, id, Unknown.class))
                .hasMessage("Unknown.extra: struct value has no member extra; its members are count, delta, name, proto, inner, hist, low, high");
        assertThatThrownBy(() -> BtfCodec.of(btf, id, BadEnum.class))
                .hasMessage("BadEnum.proto: Other.SCTP is not an enumerator of enum proto (4 bytes), which has TCP, UDP, ICMP");
        assertThatThrownBy(() -> BtfCodec.of(btf, id, String.class))
                .hasMessage("String is String, its BTF type is struct value: use a record with components count, delta, name, proto,"
                        + " inner, hist, low, high, or Map.class");
        BtfCodec<Value> codec = BtfCodec.of(btf, id, Value.class);
        assertThatThrownBy(() -> codec.encode(new Value(0, 0, "toolong", Proto.TCP, new Inner((short) 0, false), new int[3], 0, 0)))
                .hasMessage("Value.name: \"toolong\" is 7 bytes in UTF-8, the array holds 6");
        assertThatThrownBy(() -> codec.decode(new byte[47])).hasMessage("Value: 47 bytes, its BTF type is 48");
        @SuppressWarnings("rawtypes")
        BtfCodec<Map> maps = BtfCodec.of(btf, id, Map.class);
        assertThatThrownBy(() -> maps.encode(Map.of("delta", 1L << 31)))
                .hasMessage("Map.delta: 2147483648 does not fit in 4 bytes (signed)");
        assertThatThrownBy(() -> maps.encode(Map.of("low", 8)))
                .hasMessage("Map.low: 8 does not fit in 3 bits");
        assertThatThrownBy(() -> maps.encode(Map.of("nope", 1)))
                .hasMessageStartingWith("Map: struct value has no member nope; its members are count, delta");
    }

    @Test
    void anArrayOfEmptyStructsIsRefusedRatherThanWalkedABillionTimes() {
        Types t = new Types();
        int empty = t.struct("empty", 4, 0);
        int idx = t.integer("int", 4, SIGNED);
        int huge = t.array(empty, idx, 1 << 30);
        Btf btf = t.build();
        assertThatThrownBy(() -> BtfCodec.of(btf, huge, Map.class)).hasMessage("Map: an array of 1073741824 elements of no size");
    }

    @Test
    void scalarKeysAreJavaNumbersOfTheirSize() {
        Types t = new Types();
        int u32 = t.typedef("__u32", t.integer("unsigned int", 4, 0));
        Btf btf = t.build();
        assertThat(BtfCodec.of(btf, u32, Integer.class).encode(-1)).containsExactly(0xff, 0xff, 0xff, 0xff);
        assertThat(BtfCodec.of(btf, u32, int.class).decode(new byte[] {1, 0, 0, 0})).isEqualTo(1);
        assertThatThrownBy(() -> BtfCodec.of(btf, u32, Long.class)).hasMessage("Long is Long (8 bytes), its BTF type is __u32 (4 bytes)");
    }

    public record Rodata(short cfg_drop_port) {}

    @Test
    void globalDataIsItsVariablesByNameWhereItsBtfLaysThemOut() throws java.io.IOException {
        Types t = new Types();
        int u16 = t.integer("unsigned short", 2, 0);
        int var = t.b.type("cfg_drop_port", 14, 0, false, u16);
        t.b.u32(1); // global
        int sec = t.b.type(".rodata", 15, 1, false, 2);
        t.b.u32(var).u32(0).u32(2);
        int empty = t.b.type(".bss", 15, 1, false, 0);
        t.b.u32(var).u32(0).u32(2);
        Btf btf = t.build();
        BtfCodec<Rodata> codec = BtfCodec.of(btf, sec, Rodata.class);
        assertThat(codec.decode(new byte[] {0x17, 0})).isEqualTo(new Rodata((short) 23));
        assertThat(codec.encode(new Rodata((short) 0x1234))).containsExactly(0x34, 0x12);
        // as clang leaves it in an object: no size, no offsets
        assertThatThrownBy(() -> BtfCodec.of(btf, empty, Map.class)).hasMessage("Map: section .bss has no layout in this BTF"
                + " (clang leaves global variables' offsets to the loader): read its bytes");
    }

    // ---- generated layouts ------------------------------------------------------------------------

    /** A generated type: its BTF id, size, alignment, and how to make a random value of it. */
    private record Gen(int id, int size, int align, java.util.function.Function<Random, Object> value) {}

    private static Gen scalar(Types t, Random r) {
        int size = 1 << r.nextInt(4);
        boolean signed = r.nextBoolean();
        int id = t.integer((signed ? "s" : "u") + size * 8, size, signed ? SIGNED : 0);
        return new Gen(id, size, size, rnd -> {
            long v = rnd.nextLong();
            if (size == 8) return v;
            int width = size * 8;
            return signed ? v << (64 - width) >> (64 - width) : v >>> (64 - width);
        });
    }

    private static Gen generate(Types t, Random r, int depth) {
        int pick = depth >= 2 ? r.nextInt(3) : r.nextInt(5);
        switch (pick) {
            case 0, 1 -> {
                return scalar(t, r);
            }
            case 2 -> {
                int n = 1 + r.nextInt(8);
                int ch = t.integer("char", 1, SIGNED | CHAR);
                int idx = t.integer("int", 4, SIGNED);
                return new Gen(t.array(ch, idx, n), n, 1, rnd -> {
                    StringBuilder s = new StringBuilder();
                    for (int k = rnd.nextInt(n + 1); k > 0; k--) s.append((char) ('a' + rnd.nextInt(26)));
                    return s.toString();
                });
            }
            case 3 -> {
                Gen elem = scalar(t, r);
                int n = 1 + r.nextInt(4);
                int idx = t.integer("int", 4, SIGNED);
                return new Gen(t.array(elem.id(), idx, n), n * elem.size(), elem.align(), rnd -> {
                    List<Object> out = new ArrayList<>();
                    for (int k = 0; k < n; k++) out.add(elem.value().apply(rnd));
                    return out;
                });
            }
            default -> {
                int count = 1 + r.nextInt(5);
                List<Gen> fields = new ArrayList<>();
                List<Object[]> members = new ArrayList<>();
                int offset = 0;
                int align = 1;
                for (int k = 0; k < count; k++) {
                    Gen f = generate(t, r, depth + 1);
                    offset = (offset + f.align() - 1) / f.align() * f.align();
                    members.add(m("f" + k, f.id(), offset * 8L));
                    fields.add(f);
                    offset += f.size();
                    align = Math.max(align, f.align());
                }
                int size = (offset + align - 1) / align * align;
                int id = t.struct("s" + depth, 4, size, members.toArray(Object[][]::new));
                return new Gen(id, size, align, rnd -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (int k = 0; k < fields.size(); k++) out.put("f" + k, fields.get(k).value().apply(rnd));
                    return out;
                });
            }
        }
    }

    static LongStream seeds() { return LongStream.range(0, 40).map(i -> 0x5eed_0000L + i); }

    /**
     * For a random layout (nested structs, integers of every size and signedness, char and integer arrays, laid
     * out with C's alignment), random values round-trip through encode and decode, and encoding what was
     * decoded gives the same bytes.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomValuesOfGeneratedLayoutsRoundTrip(long seed) {
        Random r = new Random(seed);
        Types t = new Types();
        Gen layout;
        do {
            layout = generate(t, r, 0);
        } while (!(layout.value().apply(new Random(0)) instanceof Map));
        Btf btf = t.build();
        @SuppressWarnings("rawtypes")
        BtfCodec<Map> codec = BtfCodec.of(btf, layout.id(), Map.class);
        assertThat(codec.size()).isEqualTo(layout.size());
        for (int i = 0; i < 20; i++) {
            Object value = layout.value().apply(r);
            byte[] bytes = codec.encode((Map<?, ?>) value);
            Map<?, ?> back = codec.decode(bytes);
            assertThat(back).as("seed %d value %d", seed, i).isEqualTo(normalized(value));
            assertThat(codec.encode(back)).isEqualTo(bytes);
        }
    }

    /** The generated value as the codec reads it back: integers as Long. */
    private static Object normalized(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put((String) k, normalized(x)));
            return out;
        }
        if (v instanceof List<?> l) return l.stream().map(BtfCodecTest::normalized).toList();
        if (v instanceof Number n) return n.longValue();
        return v;
    }
}

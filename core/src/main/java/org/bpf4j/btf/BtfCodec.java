package org.bpf4j.btf;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InaccessibleObjectException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Java values to and from the bytes a BTF type describes, for map keys and values: a {@code record} whose
 * components name a struct's (or union's) members, Java numbers for integers of their size ({@code byte} for
 * 1 byte, {@code short} 2, {@code int} 4, {@code long} 8; unsigned ones hold the bit pattern), {@code boolean}
 * for a {@code bool}, {@code float}/{@code double}, Java enums for BTF enums (by enumerator name),
 * {@code byte[]} or {@code String} for {@code char} arrays, Java arrays for arrays, nested records for nested
 * structs, and {@code Map<String, Object>} ({@code Map.class} or {@code Object.class}) for any type by field
 * name (numbers as {@code Long}, {@code char} arrays as {@code String}, arrays as {@code List}, enums by name).
 * Global data sections read as their variables by name, as a struct's members.
 *
 * <p>The type is walked once, when the codec is made: a class that does not match it fails then, naming the
 * component and the sizes. Bytes are little-endian, as on x86-64. Where {@link BtfValues} prints any bytes
 * for a person, this codec maps them both ways for a program.
 */
public final class BtfCodec<T> {
    private static final int MAX_DEPTH = 32;

    private final Class<T> type;
    private final Node node;
    private final int size;

    private BtfCodec(Class<T> type, Node node, int size) {
        this.type = type;
        this.node = node;
        this.size = size;
    }

    /**
     * A codec of {@code javaType} for BTF type {@code typeId}.
     *
     * @throws IllegalArgumentException when the class does not match the type (the message names the
     *     component, the member and their sizes), or the type has no size (void, a function)
     */
    public static <T> BtfCodec<T> of(Btf btf, int typeId, Class<T> javaType) {
        Objects.requireNonNull(btf, "btf");
        Objects.requireNonNull(javaType, "javaType");
        long size;
        try {
            size = btf.sizeof(typeId);
        } catch (BtfFormatException | IllegalArgumentException e) {
            throw new IllegalArgumentException("BTF type " + typeId + " has no size: " + e.getMessage(), e);
        }
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("BTF type " + typeId + " is " + size + " bytes");
        return new BtfCodec<>(javaType, build(btf, typeId, javaType, javaType.getSimpleName(), 0), (int) size);
    }

    /** The bytes of a value: sizeof the type. */
    public int size() { return size; }

    public Class<T> javaType() { return type; }

    /**
     * The value's bytes, padding and members the value does not give zero.
     *
     * @throws IllegalArgumentException when the value does not fit (a number too large for a field of a
     *     {@code Map}, a string longer than its array), naming the field
     */
    public byte[] encode(T value) {
        Objects.requireNonNull(value, "value");
        byte[] out = new byte[size];
        node.write(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN), 0, value);
        return out;
    }

    /** The value {@code bytes} hold; {@code bytes} must be {@link #size()} long. */
    public T decode(byte[] bytes) {
        if (bytes.length != size) {
            throw new IllegalArgumentException(type.getSimpleName() + ": " + bytes.length + " bytes, its BTF type is " + size);
        }
        @SuppressWarnings("unchecked") // the node was built for type (its boxed form for a primitive)
        T value = (T) node.read(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), 0);
        return value;
    }

    // ---- the layout walk -----------------------------------------------------------------------

    /** One type's bytes at a byte offset, as a Java value. */
    private sealed interface Node permits Scalar, Floating, EnumNode, Bytes, Text, ArrayNode, RecordNode, MapNode {
        void write(ByteBuffer b, int off, Object v);

        Object read(ByteBuffer b, int off);
    }

    private static boolean dynamic(Class<?> c) { return c == Object.class || c == Map.class; }

    private static Node build(Btf btf, int typeId, Class<?> java, String path, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException(path + ": types nest deeper than " + MAX_DEPTH);
        BtfType t = btf.resolve(typeId);
        return switch (t) {
            case BtfType.Int i -> scalar(java, path, describe(btf, typeId, i), i.size(), i.signed(), (i.encoding() & BtfType.Int.BOOL) != 0, 0, 0);
            case BtfType.Ptr p -> scalar(java, path, "a pointer", 8, false, false, 0, 0);
            case BtfType.Enum e -> enumNode(java, path, e.name(), e.size(), e.signed(), e.values());
            case BtfType.Enum64 e -> enumNode(java, path, e.name(), e.size(), e.signed(), e.values());
            case BtfType.Float f -> floating(java, path, f);
            case BtfType.Array a -> array(btf, a, java, path, depth);
            case BtfType.Struct s -> struct(btf, "struct " + s.name(), fields(btf, s.members()), false, java, path, depth);
            case BtfType.Union u -> struct(btf, "union " + u.name(), fields(btf, u.members()), true, java, path, depth);
            case BtfType.Datasec d when d.size() == 0 && !d.vars().isEmpty() -> throw new IllegalArgumentException(path + ": section "
                    + d.name() + " has no layout in this BTF (clang leaves global variables' offsets to the loader): read its bytes");
            case BtfType.Datasec d -> struct(btf, "section " + d.name(), variables(btf, d), false, java, path, depth);
            default -> throw new IllegalArgumentException(path + ": BTF kind " + t.getClass().getSimpleName() + " (type " + typeId
                    + ") has no Java form");
        };
    }

    /** An integer type as its declaration names it ({@code __u16} rather than {@code unsigned short}), with its size. */
    private static String describe(Btf btf, int typeId, BtfType.Int i) {
        String name = i.name();
        for (BtfType t = btf.type(typeId); t instanceof BtfType.Modifier m; t = btf.type(m.type())) {
            if (t instanceof BtfType.Typedef td) {
                name = td.name();
                break;
            }
        }
        return (name.isEmpty() ? "an integer" : name) + " (" + i.size() + (i.size() == 1 ? " byte)" : " bytes)");
    }

    /** The size a Java integral type holds, or 0 for other types. */
    private static int javaSize(Class<?> c) {
        if (c == byte.class || c == Byte.class) return 1;
        if (c == short.class || c == Short.class) return 2;
        if (c == int.class || c == Integer.class) return 4;
        if (c == long.class || c == Long.class) return 8;
        return 0;
    }

    private static Node scalar(Class<?> java, String path, String what, int size, boolean signed, boolean bool, long bitOffset, int bits) {
        if (dynamic(java)) return new Scalar(path, size, signed, bitOffset, bits, Long.class, bool);
        if ((java == boolean.class || java == Boolean.class)) {
            if (size != 1 && bits != 1) throw mismatch(path, java, what);
            return new Scalar(path, size, false, bitOffset, bits, Boolean.class, true);
        }
        int js = javaSize(java);
        if (js == 0) throw mismatch(path, java, what);
        if (bits == 0 && js != size) throw mismatch(path, java, what);
        if (bits != 0 && js != size) throw mismatch(path, java, what + " bitfield of " + bits + " bits in a " + size + "-byte integer");
        return new Scalar(path, size, signed, bitOffset, bits, box(java), false);
    }

    private static IllegalArgumentException mismatch(String path, Class<?> java, String what) {
        int js = javaSize(java);
        return new IllegalArgumentException(path + " is " + java.getSimpleName() + (js > 0 ? " (" + js + (js == 1 ? " byte)" : " bytes)") : "")
                + ", its BTF type is " + what);
    }

    private static Class<?> box(Class<?> c) {
        if (c == byte.class) return Byte.class;
        if (c == short.class) return Short.class;
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == boolean.class) return Boolean.class;
        if (c == float.class) return Float.class;
        if (c == double.class) return Double.class;
        return c;
    }

    private static Node floating(Class<?> java, String path, BtfType.Float f) {
        String what = f.name() + " (" + f.size() + " bytes)";
        if (f.size() != 4 && f.size() != 8) throw new IllegalArgumentException(path + ": a " + f.size() + "-byte float has no Java form");
        if (dynamic(java)) return new Floating(f.size(), Double.class);
        if ((java == float.class || java == Float.class) && f.size() == 4) return new Floating(4, Float.class);
        if ((java == double.class || java == Double.class) && f.size() == 8) return new Floating(8, Double.class);
        throw mismatch(path, java, what);
    }

    private static Node enumNode(Class<?> java, String path, String name, int size, boolean signed, List<BtfType.EnumValue> values) {
        String what = "enum " + name + " (" + size + " bytes)";
        if (java.isEnum()) {
            Map<String, Long> byName = new LinkedHashMap<>();
            for (BtfType.EnumValue v : values) byName.put(v.name(), v.value());
            for (Object constant : java.getEnumConstants()) {
                String n = ((Enum<?>) constant).name();
                if (!byName.containsKey(n)) {
                    throw new IllegalArgumentException(path + ": " + java.getSimpleName() + "." + n + " is not an enumerator of "
                            + what + ", which has " + String.join(", ", byName.keySet()));
                }
            }
            return new EnumNode(path, new Scalar(path, size, signed, 0, 0, Long.class, false), values, java);
        }
        if (dynamic(java)) return new EnumNode(path, new Scalar(path, size, signed, 0, 0, Long.class, false), values, null);
        return scalar(java, path, what, size, signed, false, 0, 0);
    }

    private static boolean isChar(Btf btf, int elem) {
        return btf.resolve(elem) instanceof BtfType.Int i && i.size() == 1 && ((i.encoding() & BtfType.Int.CHAR) != 0 || i.name().equals("char"));
    }

    private static Node array(Btf btf, BtfType.Array a, Class<?> java, String path, int depth) {
        if (a.nelems() > Integer.MAX_VALUE) throw new IllegalArgumentException(path + ": an array of " + a.nelems() + " elements");
        int n = (int) a.nelems();
        int elemSize = (int) btf.sizeof(a.type());
        if (elemSize == 0 && n > 0) throw new IllegalArgumentException(path + ": an array of " + n + " elements of no size");
        boolean bytes = btf.resolve(a.type()) instanceof BtfType.Int i && i.size() == 1;
        if (java == String.class || dynamic(java) && isChar(btf, a.type())) {
            if (!bytes) throw new IllegalArgumentException(path + " is String, its BTF type is an array of " + elemSize + "-byte elements, not of char");
            return new Text(path, n);
        }
        if (java == byte[].class) {
            if (!bytes) throw new IllegalArgumentException(path + " is byte[], its BTF type is an array of " + elemSize + "-byte elements");
            return new Bytes(path, n);
        }
        if (dynamic(java)) return new ArrayNode(path, build(btf, a.type(), Object.class, path + "[]", depth + 1), n, elemSize, null);
        if (!java.isArray()) throw new IllegalArgumentException(path + " is " + java.getSimpleName() + ", its BTF type is an array of "
                + n + " elements: use a Java array");
        Class<?> component = java.getComponentType();
        return new ArrayNode(path, build(btf, a.type(), component, path + "[]", depth + 1), n, elemSize, component);
    }

    /** A struct's or union's member as the codec sees it: anonymous structs and unions flattened, as C names their members. */
    private record Field(String name, int type, long bitOffset, int bits) {}

    private static List<Field> fields(Btf btf, List<BtfType.Member> members) {
        List<Field> fields = new ArrayList<>();
        fields(btf, members, 0, fields, 0);
        return fields;
    }

    /** Global data ({@code .data}, {@code .bss}, {@code .rodata}): its variables by name, at their offsets. */
    private static List<Field> variables(Btf btf, BtfType.Datasec d) {
        List<Field> fields = new ArrayList<>();
        for (BtfType.VarSecinfo v : d.vars()) {
            if (btf.type(v.type()) instanceof BtfType.Var var) fields.add(new Field(var.name(), var.type(), v.offset() * 8, 0));
        }
        return fields;
    }

    private static void fields(Btf btf, List<BtfType.Member> members, long base, List<Field> out, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("anonymous members nest deeper than " + MAX_DEPTH);
        for (BtfType.Member m : members) {
            if (m.name().isEmpty()) {
                switch (btf.resolve(m.type())) {
                    case BtfType.Struct s -> fields(btf, s.members(), base + m.bitOffset(), out, depth + 1);
                    case BtfType.Union u -> fields(btf, u.members(), base + m.bitOffset(), out, depth + 1);
                    default -> { } // an unnamed bitfield: padding
                }
            } else {
                out.add(new Field(m.name(), m.type(), base + m.bitOffset(), m.bitfieldSize()));
            }
        }
    }

    private static Node member(Btf btf, Field f, Class<?> java, String path, int depth) {
        if (f.bits() == 0) {
            if (f.bitOffset() % 8 != 0) throw new IllegalArgumentException(path + ": member at bit offset " + f.bitOffset());
            return build(btf, f.type(), java, path, depth + 1);
        }
        BtfType t = btf.resolve(f.type());
        int size;
        boolean signed;
        String what;
        if (t instanceof BtfType.Int i) {
            size = i.size();
            signed = i.signed();
            what = describe(btf, f.type(), i);
        } else if (t instanceof BtfType.Enum e) {
            size = e.size();
            signed = e.signed();
            what = "enum " + e.name();
        } else {
            throw new IllegalArgumentException(path + ": a bitfield of " + t.getClass().getSimpleName());
        }
        if ((f.bitOffset() % 8 + f.bits() + 7) / 8 > 8) throw new IllegalArgumentException(path + ": a bitfield spanning more than 8 bytes");
        return scalar(java, path, what, size, signed, false, f.bitOffset(), f.bits());
    }

    private static Node struct(Btf btf, String what, List<Field> fields, boolean union, Class<?> java, String path, int depth) {
        List<String> names = fields.stream().map(Field::name).toList();
        if (dynamic(java)) {
            List<Node> nodes = new ArrayList<>();
            for (Field f : fields) nodes.add(member(btf, f, Object.class, path + "." + f.name(), depth));
            return new MapNode(path, what, fields, nodes);
        }
        if (!java.isRecord()) {
            throw new IllegalArgumentException(path + " is " + java.getSimpleName() + ", its BTF type is " + what
                    + ": use a record with components " + String.join(", ", names) + ", or Map.class");
        }
        RecordComponent[] components = java.getRecordComponents();
        List<Field> matched = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        List<Method> accessors = new ArrayList<>();
        Class<?>[] types = new Class<?>[components.length];
        for (int c = 0; c < components.length; c++) {
            RecordComponent rc = components[c];
            String p = path + "." + rc.getName();
            Field f = fields.stream().filter(x -> x.name().equals(rc.getName())).findFirst().orElseThrow(() ->
                    new IllegalArgumentException(p + ": " + what + " has no member " + rc.getName() + "; its members are "
                            + String.join(", ", names)));
            matched.add(f);
            nodes.add(member(btf, f, rc.getType(), p, depth));
            accessors.add(accessible(rc.getAccessor(), java));
            types[c] = rc.getType();
        }
        if (!union && components.length < fields.size()) {
            List<String> missing = new ArrayList<>(names);
            for (Field f : matched) missing.remove(f.name());
            throw new IllegalArgumentException(path + ": record " + java.getSimpleName() + " has no component for "
                    + String.join(", ", missing) + " of " + what);
        }
        Constructor<?> ctor;
        try {
            ctor = java.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(path + ": record " + java.getSimpleName() + " has no canonical constructor", e);
        }
        return new RecordNode(path, matched, nodes, accessors, accessible(ctor, java));
    }

    private static <A extends java.lang.reflect.AccessibleObject> A accessible(A member, Class<?> owner) {
        try {
            member.setAccessible(true);
        } catch (InaccessibleObjectException | SecurityException e) {
            throw new IllegalArgumentException("record " + owner.getName() + " is not accessible to bpf4j: make it public in an"
                    + " exported package, or open its package to org.bpf4j.core", e);
        }
        return member;
    }

    // ---- nodes ---------------------------------------------------------------------------------

    /**
     * An integer (or bool, pointer, bitfield) of {@code size} bytes at a byte offset, or of {@code bits} bits at
     * {@code bitOffset} from it; {@code java} is the boxed Java type it is read as.
     */
    private record Scalar(String path, int size, boolean signed, long bitOffset, int bits, Class<?> java, boolean bool) implements Node {
        private long load(ByteBuffer b, int at, int n) {
            long v = 0;
            for (int k = n - 1; k >= 0; k--) v = v << 8 | (b.get(at + k) & 0xff);
            return v;
        }

        private void store(ByteBuffer b, int at, int n, long v) {
            for (int k = 0; k < n; k++) b.put(at + k, (byte) (v >>> (8 * k)));
        }

        long readBits(ByteBuffer b, int off) {
            if (bits == 0) {
                long v = load(b, off, size);
                return signed && size < 8 ? v << (64 - 8 * size) >> (64 - 8 * size) : v;
            }
            int first = off + (int) (bitOffset / 8);
            int shift = (int) (bitOffset % 8);
            int n = (shift + bits + 7) / 8;
            long v = load(b, first, n) >>> shift;
            v = bits == 64 ? v : v & ((1L << bits) - 1);
            return signed && bits < 64 ? v << (64 - bits) >> (64 - bits) : v;
        }

        void writeBits(ByteBuffer b, int off, long v) {
            if (bits == 0) {
                store(b, off, size, v);
                return;
            }
            int first = off + (int) (bitOffset / 8);
            int shift = (int) (bitOffset % 8);
            int n = (shift + bits + 7) / 8;
            long mask = (bits == 64 ? -1L : (1L << bits) - 1) << shift;
            long word = load(b, first, n);
            store(b, first, n, word & ~mask | (v << shift) & mask);
        }

        @Override
        public void write(ByteBuffer b, int off, Object v) {
            long x;
            if (v instanceof Boolean z) {
                x = z ? 1 : 0;
            } else if (v instanceof Number num && !(v instanceof Float) && !(v instanceof Double)) {
                x = num.longValue();
                if (java == Long.class) checkRange(x); // a Map's value: any Number, which must fit the field
            } else {
                throw new IllegalArgumentException(path + ": " + (v == null ? "null" : v.getClass().getSimpleName())
                        + " for an integer of " + size + (size == 1 ? " byte" : " bytes"));
            }
            writeBits(b, off, x);
        }

        private void checkRange(long x) {
            int width = bits != 0 ? bits : 8 * size;
            if (width >= 64) return;
            long min = signed ? -(1L << (width - 1)) : -(1L << (width - 1)); // a negative value may give an unsigned field's bit pattern
            long max = signed ? (1L << (width - 1)) - 1 : (1L << width) - 1;
            if (x < min || x > max) {
                throw new IllegalArgumentException(path + ": " + x + " does not fit in " + (bits != 0 ? bits + " bits" : size + (size == 1 ? " byte" : " bytes"))
                        + (signed ? " (signed)" : ""));
            }
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            long v = readBits(b, off);
            if (java == Boolean.class) return v != 0;
            if (java == Byte.class) return (byte) v;
            if (java == Short.class) return (short) v;
            if (java == Integer.class) return (int) v;
            if (bool && java == Long.class && bits == 0 && size == 1 && (v == 0 || v == 1)) return v == 1;
            return v;
        }
    }

    private record Floating(int size, Class<?> java) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            if (!(v instanceof Number n)) throw new IllegalArgumentException("a float field needs a number, not " + v);
            if (size == 4) b.putFloat(off, n.floatValue());
            else b.putDouble(off, n.doubleValue());
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            if (java == Float.class) return b.getFloat(off);
            return size == 4 ? (double) b.getFloat(off) : b.getDouble(off);
        }
    }

    /** A BTF enum: by a Java enum's constant names, or (dynamic) by enumerator name where one has the value. */
    private record EnumNode(String path, Scalar raw, List<BtfType.EnumValue> values, Class<?> javaEnum) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            String name = v instanceof Enum<?> e ? e.name() : v instanceof String s ? s : null;
            if (name == null) {
                raw.write(b, off, v);
                return;
            }
            for (BtfType.EnumValue ev : values) {
                if (ev.name().equals(name)) {
                    raw.writeBits(b, off, ev.value());
                    return;
                }
            }
            throw new IllegalArgumentException(path + ": " + name + " is not an enumerator; they are "
                    + String.join(", ", values.stream().map(BtfType.EnumValue::name).toList()));
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            long v = raw.readBits(b, off);
            for (BtfType.EnumValue ev : values) {
                if (ev.value() != v && (raw.size() == 8 || (ev.value() & mask()) != (v & mask()))) continue;
                if (javaEnum == null) return ev.name();
                for (Object c : javaEnum.getEnumConstants()) if (((Enum<?>) c).name().equals(ev.name())) return c;
            }
            if (javaEnum == null) return v;
            throw new IllegalArgumentException(path + ": " + v + " is no constant of " + javaEnum.getSimpleName());
        }

        private long mask() { return raw.size() >= 8 ? -1L : (1L << (8 * raw.size())) - 1; }
    }

    /** {@code byte[]} for an array of bytes: shorter arrays are zero-padded. */
    private record Bytes(String path, int n) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            if (!(v instanceof byte[] bytes)) throw new IllegalArgumentException(path + ": needs byte[], not " + v.getClass().getSimpleName());
            if (bytes.length > n) throw new IllegalArgumentException(path + ": " + bytes.length + " bytes for an array of " + n);
            b.put(off, bytes);
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            byte[] out = new byte[n];
            b.get(off, out);
            return out;
        }
    }

    /** A {@code char} array as a C string: UTF-8, up to the first NUL. */
    private record Text(String path, int n) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            byte[] bytes = v instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : v instanceof byte[] raw ? raw : null;
            if (bytes == null) throw new IllegalArgumentException(path + ": needs a String, not " + v.getClass().getSimpleName());
            if (bytes.length > n) throw new IllegalArgumentException(path + ": \"" + v + "\" is " + bytes.length
                    + " bytes in UTF-8, the array holds " + n);
            b.put(off, bytes);
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            int len = 0;
            while (len < n && b.get(off + len) != 0) len++;
            byte[] s = new byte[len];
            b.get(off, s);
            return new String(s, StandardCharsets.UTF_8);
        }
    }

    /** An array as a Java array of {@code component}, or (dynamic) a {@code List}; shorter ones leave the rest zero. */
    private record ArrayNode(String path, Node element, int n, int elemSize, Class<?> component) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            int len;
            if (v instanceof List<?> list) {
                len = list.size();
                check(len);
                for (int k = 0; k < len; k++) element.write(b, off + k * elemSize, list.get(k));
            } else if (v != null && v.getClass().isArray()) {
                len = Array.getLength(v);
                check(len);
                for (int k = 0; k < len; k++) element.write(b, off + k * elemSize, Array.get(v, k));
            } else {
                throw new IllegalArgumentException(path + ": needs an array of " + n + ", not " + (v == null ? "null" : v.getClass().getSimpleName()));
            }
        }

        private void check(int len) {
            if (len > n) throw new IllegalArgumentException(path + ": " + len + " elements for an array of " + n);
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            if (component == null) {
                List<Object> out = new ArrayList<>(n);
                for (int k = 0; k < n; k++) out.add(element.read(b, off + k * elemSize));
                return out;
            }
            Object out = Array.newInstance(component, n);
            for (int k = 0; k < n; k++) Array.set(out, k, element.read(b, off + k * elemSize));
            return out;
        }
    }

    private static int byteOffset(Field f) { return f.bits() == 0 ? (int) (f.bitOffset() / 8) : 0; }

    private record RecordNode(String path, List<Field> fields, List<Node> nodes, List<Method> accessors, Constructor<?> ctor) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            if (v == null) throw new IllegalArgumentException(path + ": null");
            for (int k = 0; k < nodes.size(); k++) {
                Object component;
                try {
                    component = accessors.get(k).invoke(v);
                } catch (IllegalAccessException | InvocationTargetException e) {
                    throw new IllegalArgumentException(path + ": reading " + fields.get(k).name() + ": " + e, e);
                }
                if (component == null) throw new IllegalArgumentException(path + "." + fields.get(k).name() + " is null");
                nodes.get(k).write(b, off + byteOffset(fields.get(k)), component);
            }
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            Object[] args = new Object[nodes.size()];
            for (int k = 0; k < args.length; k++) args[k] = nodes.get(k).read(b, off + byteOffset(fields.get(k)));
            try {
                return ctor.newInstance(args);
            } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
                Throwable cause = e instanceof InvocationTargetException i ? i.getCause() : e;
                throw new IllegalArgumentException(path + ": the record's constructor refused the bytes: " + cause, cause);
            }
        }
    }

    /** Any struct or union by member name, in member order; members a map leaves out are zero. */
    private record MapNode(String path, String what, List<Field> fields, List<Node> nodes) implements Node {
        @Override
        public void write(ByteBuffer b, int off, Object v) {
            if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(path + ": needs a Map of " + what + "'s members, not "
                    + (v == null ? "null" : v.getClass().getSimpleName()));
            for (Object key : m.keySet()) {
                if (fields.stream().noneMatch(f -> f.name().equals(key))) {
                    throw new IllegalArgumentException(path + ": " + what + " has no member " + key + "; its members are "
                            + String.join(", ", fields.stream().map(Field::name).toList()));
                }
            }
            for (int k = 0; k < nodes.size(); k++) {
                Object value = m.get(fields.get(k).name());
                if (value != null) nodes.get(k).write(b, off + byteOffset(fields.get(k)), value);
            }
        }

        @Override
        public Object read(ByteBuffer b, int off) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (int k = 0; k < nodes.size(); k++) out.put(fields.get(k).name(), nodes.get(k).read(b, off + byteOffset(fields.get(k))));
            return out;
        }
    }
}

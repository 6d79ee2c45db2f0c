package org.bpf4j.btf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parsed BTF: the types of an object's {@code .BTF} section or of a raw BTF file such as
 * {@code /sys/kernel/btf/vmlinux} (split BTF, which needs a base, is not supported). Immutable.
 *
 * <p>Type ids are indexes into {@link #types()}; id 0 is {@code void}. Every id a type refers to is
 * checked at parse time to exist, so lookups by the ids found inside this BTF cannot fail.
 */
public final class Btf {

    /** How deep {@link #resolve} and {@link #sizeof} follow type chains (the kernel's MAX_RESOLVE_DEPTH). */
    static final int MAX_RESOLVE_DEPTH = 32;

    private final List<BtfType> types;
    private final Map<String, int[]> byName;
    private final byte[] strings;
    private final byte[] raw;

    private Btf(List<BtfType> types, Map<String, int[]> byName, byte[] strings, byte[] raw) {
        this.types = types;
        this.byName = byName;
        this.strings = strings;
        this.raw = raw;
    }

    /**
     * Parses raw BTF (header, type section, string section).
     *
     * @throws BtfFormatException when the data is not well-formed BTF
     */
    public static Btf parse(byte[] data) {
        return BtfParser.parse(data.clone());
    }

    /** Reads and parses a raw BTF file, e.g. {@code /sys/kernel/btf/vmlinux}. */
    public static Btf load(Path file) throws IOException {
        return BtfParser.parse(Files.readAllBytes(file));
    }

    static Btf create(List<BtfType> types, byte[] strings, byte[] raw) {
        Map<String, List<Integer>> names = new HashMap<>();
        for (BtfType t : types) {
            if (!t.name().isEmpty() && t.id() != 0) names.computeIfAbsent(t.name(), k -> new ArrayList<>(1)).add(t.id());
        }
        Map<String, int[]> byName = new HashMap<>(names.size() * 2);
        names.forEach((k, v) -> byName.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        return new Btf(List.copyOf(types), byName, strings, raw);
    }

    /** All types, indexed by id; element 0 is {@link BtfType.Void}. */
    public List<BtfType> types() { return types; }

    /** The number of type ids, including 0 ({@code void}). */
    public int size() { return types.size(); }

    /**
     * The type with this id.
     *
     * @throws IllegalArgumentException when no type has this id
     */
    public BtfType type(int id) {
        if (id < 0 || id >= types.size()) {
            throw new IllegalArgumentException("no BTF type with id " + id + " (" + types.size() + " types)");
        }
        return types.get(id);
    }

    /** All types with this name, in id order (C allows a struct and a typedef of the same name). */
    public List<BtfType> typesByName(String name) {
        int[] ids = byName.get(name);
        if (ids == null) return List.of();
        List<BtfType> out = new ArrayList<>(ids.length);
        for (int id : ids) out.add(types.get(id));
        return out;
    }

    /** The first type with this name, if any. */
    public Optional<BtfType> typeByName(String name) {
        int[] ids = byName.get(name);
        return ids == null ? Optional.empty() : Optional.of(types.get(ids[0]));
    }

    /** The first type with this name and of this kind, e.g. {@code typeByName("task_struct", Struct.class)}. */
    public <T extends BtfType> Optional<T> typeByName(String name, Class<T> kind) {
        int[] ids = byName.get(name);
        if (ids == null) return Optional.empty();
        for (int id : ids) {
            BtfType t = types.get(id);
            if (kind.isInstance(t)) return Optional.of(kind.cast(t));
        }
        return Optional.empty();
    }

    /**
     * The type behind typedefs, const, volatile, restrict and type tags.
     *
     * @throws BtfFormatException when the chain is longer than the kernel allows (or a cycle)
     */
    public BtfType resolve(int id) {
        BtfType t = type(id);
        for (int depth = 0; t instanceof BtfType.Modifier m; depth++) {
            if (depth >= MAX_RESOLVE_DEPTH) throw new BtfFormatException("type chain from type " + id + " is too deep (loop?)");
            t = types.get(m.type());
        }
        return t;
    }

    /**
     * The size in bytes of a value of this type, as C's {@code sizeof}.
     *
     * @throws BtfFormatException for types without a size (void, functions, forward declarations),
     *     chains too deep, or sizes that overflow
     */
    public long sizeof(int id) {
        return sizeof(id, 0);
    }

    private long sizeof(int id, int depth) {
        if (depth >= MAX_RESOLVE_DEPTH) throw new BtfFormatException("type chain from type " + id + " is too deep (loop?)");
        BtfType t = type(id);
        return switch (t) {
            case BtfType.Int i -> i.size();
            case BtfType.Float f -> f.size();
            case BtfType.Enum e -> e.size();
            case BtfType.Enum64 e -> e.size();
            case BtfType.Ptr p -> 8;
            case BtfType.Struct s -> s.size();
            case BtfType.Union u -> u.size();
            case BtfType.Datasec d -> d.size();
            case BtfType.Modifier m -> sizeof(m.type(), depth + 1);
            case BtfType.Var v -> sizeof(v.type(), depth + 1);
            case BtfType.Array a -> {
                long elem = sizeof(a.type(), depth + 1);
                try {
                    yield Math.multiplyExact(elem, a.nelems());
                } catch (ArithmeticException e) {
                    throw new BtfFormatException("size of array type " + id + " overflows");
                }
            }
            case BtfType.Void v -> throw new BtfFormatException("type " + id + " (void) has no size");
            case BtfType.Fwd f -> throw new BtfFormatException("type " + id + " (forward declaration " + f.name() + ") has no size");
            case BtfType.Func f -> throw new BtfFormatException("type " + id + " (function " + f.name() + ") has no size");
            case BtfType.FuncProto f -> throw new BtfFormatException("type " + id + " (function prototype) has no size");
            case BtfType.DeclTag d -> throw new BtfFormatException("type " + id + " (decl tag) has no size");
        };
    }

    /**
     * The string at this offset of the string section (names, and for {@code .BTF.ext} file names and
     * source lines).
     *
     * @throws BtfFormatException when the offset is outside the section or the string is unterminated
     */
    String string(long offset) {
        return BtfParser.string(strings, offset);
    }

    /** A copy of the raw BTF bytes, as a loader hands them to the kernel. */
    public byte[] rawBytes() { return raw.clone(); }

    @Override
    public String toString() {
        return "Btf[" + types.size() + " types, " + strings.length + " bytes of strings]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Btf b && Arrays.equals(raw, b.raw);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(raw); }
}

package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.maps.ArrayOfMapsMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.BpfMapException;
import org.bpf4j.maps.HashOfMapsMap;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;

/**
 * Maps filled before a run: single entries from {@code --map NAME KEY=VALUE} and whole states from
 * {@code --maps-in FILE}, which reads what {@code prog run -j} prints under {@code "maps"} (or that output
 * whole), so that one run's {@code --maps-out} is the next run's {@code --maps-in}.
 */
final class MapState {
    private MapState() {}

    /** The largest --maps-in read: keeps a wrong file (or /dev/zero) from exhausting the heap. */
    private static final int MAX_STATE = 256 << 20;

    /**
     * {@code --map NAME KEY=VALUE}. KEY and VALUE are each {@code hex:BYTES} (the bytes in memory order, as
     * {@code -j} prints them), an integer (decimal or {@code 0x}-prefixed) stored little-endian in the key's or
     * value's size, or JSON read through the map's BTF type as {@code -j} prints {@code formatted_key} and
     * {@code formatted_value} ({@code {"ethertype":2048,"proto":6}}); a per-CPU map gets the value on every CPU.
     */
    static void put(LoadedObject loaded, String name, String assignment) {
        BpfMap map = map(loaded, name, "--map");
        String where = "--map " + name;
        int eq = keyEnd(assignment);
        if (eq < 0 || eq >= assignment.length() || assignment.charAt(eq) != '=') {
            throw new UserInputException(where + " " + assignment + ": expected KEY=VALUE");
        }
        byte[] key = typedOrBytes(loaded, name, true, assignment.substring(0, eq), map.spec().keySize(), where + ": the key");
        String valueText = assignment.substring(eq + 1);
        guarded(where, () -> {
            switch (map) {
                case ProgArrayMap progs -> progs.set(index(key), program(loaded, valueText, where));
                case ArrayOfMapsMap outer -> outer.set(index(key), map(loaded, valueText, where + ": the value"));
                case HashOfMapsMap outer -> outer.set(key, map(loaded, valueText, where + ": the value"), MapFlags.BPF_ANY);
                default -> {
                    byte[] value = typedOrBytes(loaded, name, false, valueText, map.spec().valueSize(), where + ": the value");
                    update(map, key, map.type().perCpu() ? java.util.Collections.nCopies(cpus(map), value) : List.of(value));
                }
            }
        });
    }

    /** Runs {@code change}, turning the map's refusal (a full map, an index past the end) into a line naming {@code where}. */
    private static void guarded(String where, Runnable change) {
        try {
            change.run();
        } catch (BpfMapException e) {
            throw new UserInputException(where + ": " + e.getMessage());
        }
    }

    /** {@code --maps-in FILE}: every entry of every map the file names; maps it does not name keep their contents. */
    static void load(LoadedObject loaded, Path file) {
        // as -j prints it, about 100 bytes an entry: a million entries fit
        String text = new String(ProgRunCommand.read(file, "--maps-in", MAX_STATE, "a map state is far smaller"),
                java.nio.charset.StandardCharsets.UTF_8);
        String where = "--maps-in " + file;
        Object root = JsonReader.parse(text, where);
        if (root instanceof Map<?, ?> m && m.get("maps") instanceof Map<?, ?> inner) root = inner;
        if (!(root instanceof Map<?, ?> maps)) throw new UserInputException(where + ": expected an object of maps by name");
        HexFormat hex = HexFormat.of();
        for (Map.Entry<?, ?> e : maps.entrySet()) {
            String name = (String) e.getKey();
            BpfMap map = map(loaded, name, where);
            if (!(e.getValue() instanceof List<?> entries)) throw new UserInputException(where + ": map " + name + ": expected a list of entries");
            for (int i = 0; i < entries.size(); i++) {
                String at = where + ": map " + name + ", entry " + i;
                if (!(entries.get(i) instanceof Map<?, ?> entry) || !(entry.get("key") instanceof String keyHex)) {
                    throw new UserInputException(at + ": expected {\"key\": HEX, \"value\": HEX} or \"values\": [HEX, ...]");
                }
                byte[] key = hexBytes(hex, keyHex, map.spec().keySize(), at + ": the key");
                guarded(at, () -> {
                    switch (map) {
                        case ProgArrayMap progs -> progs.set(index(key), program(loaded, string(entry, "value", at), at));
                        case ArrayOfMapsMap outer -> outer.set(index(key), map(loaded, string(entry, "value", at), at));
                        case HashOfMapsMap outer -> outer.set(key, map(loaded, string(entry, "value", at), at), MapFlags.BPF_ANY);
                        default -> {
                            List<byte[]> values = new ArrayList<>();
                            if (map.type().perCpu()) {
                                if (!(entry.get("values") instanceof List<?> list)) throw new UserInputException(at + ": a per-CPU map's entry needs \"values\"");
                                if (list.size() != cpus(map)) {
                                    throw new UserInputException(at + ": " + list.size() + " values for " + cpus(map) + " CPUs");
                                }
                                for (Object v : list) values.add(hexBytes(hex, v instanceof String s ? s : "", map.spec().valueSize(), at + ": a value"));
                            } else {
                                values.add(hexBytes(hex, string(entry, "value", at), map.spec().valueSize(), at + ": the value"));
                            }
                            update(map, key, values);
                        }
                    }
                });
            }
        }
    }

    /** Updates the entry; one that already holds the value is left alone, so that a frozen .rodata reads back unchanged. */
    private static void update(BpfMap map, byte[] key, List<byte[]> values) {
        if (map.type().perCpu()) {
            map.updatePerCpu(key, values, MapFlags.BPF_ANY);
        } else if (!map.lookup(key).map(v -> java.util.Arrays.equals(v, values.getFirst())).orElse(false)) {
            map.update(key, values.getFirst(), MapFlags.BPF_ANY);
        }
    }

    private static int cpus(BpfMap map) {
        return map.hostValueSize() / ((map.spec().valueSize() + 7) & ~7);
    }

    private static String string(Map<?, ?> entry, String field, String at) {
        if (entry.get(field) instanceof String s) return s;
        throw new UserInputException(at + ": \"" + field + "\" must be a string");
    }

    private static BpfMap map(LoadedObject loaded, String name, String where) {
        return loaded.map(name).orElseThrow(() -> new UserInputException(where + ": the object has no map named '" + name
                + "' (maps: " + String.join(", ", loaded.maps().keySet()) + ")"));
    }

    private static LoadedProgram program(LoadedObject loaded, String name, String where) {
        Optional<LoadedProgram> p = loaded.program(name);
        if (p.isPresent()) return p.get();
        String why = loaded.skipped().containsKey(name) ? "' was not loaded: " + loaded.skipped().get(name)
                : "' is not a program of the object (programs: " + String.join(", ", loaded.programs().keySet()) + ")";
        throw new UserInputException(where + ": '" + name + why);
    }

    /** Where KEY ends in KEY=VALUE: after a JSON object, array or string as a whole (it may hold '='), else at the first '='. */
    private static int keyEnd(String text) {
        if (text.isEmpty() || "{[\"".indexOf(text.charAt(0)) < 0) return text.indexOf('=');
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
                if (!inString && depth == 0) return i + 1;
                continue;
            }
            if (c == '"') inString = true;
            else if (c == '{' || c == '[') depth++;
            else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
        }
        return -1;
    }

    /** JSON through the map's BTF key or value type, else {@link #bytes}. */
    private static byte[] typedOrBytes(LoadedObject loaded, String map, boolean key, String text, int size, String what) {
        String t = text.strip();
        if (t.isEmpty() || "{[\"".indexOf(t.charAt(0)) < 0) return bytes(text, size, what);
        BtfDecoder type = BtfDecoder.ofMap(loaded.object(), map, key).orElseThrow(() -> new UserInputException(what
                + " is JSON, but the map's definition gives no BTF type for it: give hex:BYTES or an integer"));
        Object value = JsonReader.parse(t, what);
        try {
            byte[] out = org.bpf4j.btf.BtfCodec.of(type.btf(), type.typeId(), Object.class).encode(value);
            if (out.length != size) throw new UserInputException(what + " is " + out.length + " bytes by its BTF type, the map's is " + size);
            return out;
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new UserInputException(what + " " + t + ": " + e.getMessage());
        }
    }

    /** {@code hex:BYTES} or an integer, {@code size} bytes little-endian. */
    static byte[] bytes(String text, int size, String what) {
        String t = text.strip();
        if (t.startsWith("hex:")) return hexBytes(HexFormat.of(), t.substring(4).replace(" ", ""), size, what);
        java.math.BigInteger n;
        try {
            boolean negative = t.startsWith("-");
            String digits = negative ? t.substring(1) : t;
            n = digits.startsWith("0x") || digits.startsWith("0X") ? new java.math.BigInteger(digits.substring(2), 16) : new java.math.BigInteger(digits);
            if (negative) n = n.negate();
        } catch (NumberFormatException e) {
            throw new UserInputException(what + " '" + text + "' is neither hex:BYTES nor an integer");
        }
        if (size > 8 || n.bitLength() > size * 8 || (n.signum() < 0 && n.bitLength() >= size * 8)) {
            throw new UserInputException(what + " " + text + " does not fit in " + size + " bytes" + (size > 8 ? "; give hex:BYTES" : ""));
        }
        long v = n.longValue();
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) out[i] = (byte) (v >>> (8 * i));
        return out;
    }

    private static byte[] hexBytes(HexFormat hex, String text, int size, String what) {
        byte[] b;
        try {
            b = hex.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(what + " '" + text + "' is not hex bytes");
        }
        if (b.length != size) throw new UserInputException(what + " has " + b.length + " bytes, the map's is " + size);
        return b;
    }

    private static int index(byte[] key) {
        return (key[0] & 0xff) | (key[1] & 0xff) << 8 | (key[2] & 0xff) << 16 | (key[3] & 0xff) << 24;
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfFormatException;
import org.bpf4j.btf.BtfValues;
import org.bpf4j.linux.BpfException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelObjects.KernelMapInfo;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.maps.Errno;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j map ...}: the kernel's maps, as {@code bpftool map} handles them. A map is {@code id ID},
 * {@code pinned PATH} or {@code name NAME}; keys and values are bytes as bpftool reads them
 * ({@code key 0x01 0 0 0}, {@code value hex 01 00 00 00}); where the map has BTF, entries also print with their
 * types ({@code formatted}), as bpftool prints them.
 */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = "List, dump, look up, update, delete and pin the kernel's maps (bpftool map).",
        subcommands = {MapCommand.ListMaps.class, MapCommand.Show.class, MapCommand.Dump.class, MapCommand.Lookup.class,
                MapCommand.Update.class, MapCommand.Delete.class, MapCommand.Pin.class})
final class MapCommand {
    private MapCommand() {}

    static final String MAP = "id ID | pinned PATH | name NAME";

    /** The options and output every map verb shares. */
    abstract static class Verb implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-j", "--json"}, description = "Print JSON, with bpftool's field names.")
        boolean json;

        PrintWriter out() { return spec.commandLine().getOut(); }

        String command() { return "map " + spec.name(); }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the kernel's maps (all, or one: " + MAP + ").")
    static class ListMaps extends Verb {
        @Parameters(arity = "0..*", paramLabel = "MAP", description = MAP)
        List<String> words = List.of();

        @Override
        public Integer call() {
            List<KernelMapInfo> maps;
            if (words.isEmpty()) {
                maps = KernelRefs.kernel(KernelObjects::maps);
            } else {
                KernelRefs r = new KernelRefs(words, command());
                KernelRefs.Ref ref = r.ref(KernelObjects.Kind.MAP);
                r.end();
                maps = switch (ref) {
                    case KernelRefs.Ref.Name n -> {
                        List<KernelMapInfo> named = KernelRefs.kernel(() -> KernelObjects.mapsNamed(n.name()));
                        if (named.isEmpty()) throw new UserInputException("no map named '" + n.name() + "' in the kernel");
                        yield named;
                    }
                    default -> {
                        int id = KernelRefs.resolve(ref, KernelObjects.Kind.MAP);
                        yield List.of(KernelRefs.kernel(() -> KernelObjects.map(id)));
                    }
                };
            }
            if (json) {
                out().println(Json.write(words.isEmpty() || maps.size() > 1 ? maps.stream().map(KernelViews::json).toList()
                        : KernelViews.json(maps.getFirst())));
            } else {
                for (KernelMapInfo m : maps) KernelViews.text(m, out());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "As 'map list'.")
    static final class Show extends ListMaps {
    }

    /** A map opened for its elements, with its info and, where it has BTF, the types of its keys and values. */
    record Opened(KernelMap map, KernelMapInfo info, Optional<Btf> btf) implements AutoCloseable {
        @Override
        public void close() { map.close(); }
    }

    static Opened open(KernelRefs r) {
        int id = KernelRefs.resolve(r.ref(KernelObjects.Kind.MAP), KernelObjects.Kind.MAP);
        KernelMapInfo info = KernelRefs.kernel(() -> KernelObjects.map(id));
        KernelMap map;
        try {
            map = KernelRefs.kernel(() -> KernelMap.open(id));
        } catch (IllegalStateException e) {
            throw new UserInputException("map " + id + ": " + e.getMessage());
        }
        return new Opened(map, info, btf(info));
    }

    /** The map's BTF, when it has some that bpf4j can read (split module BTF it cannot: then hex only). */
    private static Optional<Btf> btf(KernelMapInfo info) {
        if (info.btfId() == 0 || info.btfKeyTypeId() == 0 && info.btfValueTypeId() == 0) return Optional.empty();
        try {
            return Optional.of(Btf.parse(KernelObjects.btfData(info.btfId())));
        } catch (BtfFormatException | BpfException | KernelObjects.NotFoundException e) {
            return Optional.empty();
        }
    }

    /** One entry as bpftool prints it with {@code -j}: bytes as {@code "0x.."} strings, per-CPU values per CPU, {@code formatted}. */
    static Map<String, Object> entry(Opened m, byte[] key, Object value) {
        Map<String, Object> e = new LinkedHashMap<>();
        Map<String, Object> formatted = new LinkedHashMap<>();
        if (key.length > 0) {
            e.put("key", KernelViews.jsonBytes(key));
            m.btf().filter(b -> m.info().btfKeyTypeId() != 0)
                    .ifPresent(b -> formatted.put("key", BtfValues.decode(b, m.info().btfKeyTypeId(), key)));
        }
        if (value instanceof byte[] v) {
            e.put("value", KernelViews.jsonBytes(v));
            m.btf().filter(b -> m.info().btfValueTypeId() != 0)
                    .ifPresent(b -> formatted.put("value", BtfValues.decode(b, m.info().btfValueTypeId(), v)));
        } else if (value instanceof List<?> perCpu) {
            List<Object> values = new ArrayList<>(), fvalues = new ArrayList<>();
            for (int cpu = 0; cpu < perCpu.size(); cpu++) {
                byte[] v = (byte[]) perCpu.get(cpu);
                values.add(Json.object("cpu", cpu, "value", KernelViews.jsonBytes(v)));
                int c = cpu;
                m.btf().filter(b -> m.info().btfValueTypeId() != 0).ifPresent(b -> fvalues.add(
                        Json.object("cpu", c, "value", BtfValues.decode(b, m.info().btfValueTypeId(), v))));
            }
            e.put("values", values);
            if (!fvalues.isEmpty()) formatted.put("values", fvalues);
        }
        if (!formatted.isEmpty()) e.put("formatted", formatted);
        return e;
    }

    /** The same entry as bpftool's text: hex bytes, or with BTF the formatted key and value. */
    static void text(Map<String, Object> e, PrintWriter out) {
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) e.getOrDefault("formatted", Map.of());
        String key = f.containsKey("key") ? Json.write(f.get("key")) : e.containsKey("key") ? hexText(e.get("key")) : null;
        if (e.get("values") instanceof List<?> values) {
            if (key != null) out.println("key:\n" + key); // bpftool's per-CPU entries: the key on a line of its own
            List<?> fvalues = f.get("values") instanceof List<?> l ? l : List.of();
            for (int cpu = 0; cpu < values.size(); cpu++) {
                Object v = fvalues.isEmpty() ? hexText(((Map<?, ?>) values.get(cpu)).get("value")) : Json.write(((Map<?, ?>) fvalues.get(cpu)).get("value"));
                out.printf("value (CPU %02d): %s%n", cpu, v);
            }
        } else {
            String value = f.containsKey("value") ? Json.write(f.get("value")) : hexText(e.get("value"));
            // bpftool's break_names: a key or value over 16 bytes goes on a line of its own
            boolean breakNames = ((List<?>) e.getOrDefault("key", List.of())).size() > 16 || ((List<?>) e.get("value")).size() > 16;
            if (breakNames) out.println((key != null ? "key:\n" + key + "\n" : "") + "value:\n" + value);
            else out.println((key != null ? "key: " + key + "  " : "") + "value: " + value);
        }
    }

    private static String hexText(Object jsonBytes) {
        List<?> l = (List<?>) jsonBytes;
        byte[] b = new byte[l.size()];
        for (int k = 0; k < b.length; k++) b[k] = (byte) Integer.parseInt(((String) l.get(k)).substring(2), 16);
        return KernelViews.textBytes(b);
    }

    /** The value at {@code key}: bytes, per-CPU bytes, or empty when absent. */
    static Optional<Object> lookup(Opened m, byte[] key) {
        return KernelRefs.kernel(() -> m.map().type().perCpu() ? m.map().lookupPerCpu(key).map(v -> (Object) v)
                : m.map().lookup(key).map(v -> (Object) v));
    }

    static void noKeys(Opened m, String command) {
        MapType t = m.map().type();
        switch (t) {
            case QUEUE, STACK, BLOOM_FILTER, RINGBUF, USER_RINGBUF, STRUCT_OPS, ARENA -> throw new UserInputException(command + ": map "
                    + m.info().id() + " is a " + KernelViews.mapType(m.info()) + ": it has no keys to " + command.substring(4));
            default -> { }
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true, description = "Print every entry of a map: " + MAP + ".")
    static final class Dump extends Verb {
        @Parameters(arity = "1..*", paramLabel = "MAP", description = MAP)
        List<String> words;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, command());
            try (Opened m = open(r)) {
                r.end();
                noKeys(m, command());
                List<Map<String, Object>> entries = new ArrayList<>();
                for (byte[] key : KernelRefs.kernel(() -> m.map().keys())) {
                    Optional<Object> v;
                    try {
                        v = lookup(m, key);
                    } catch (UserInputException e) {
                        // a key whose value the syscall side cannot read (a perf event array's slot): bpftool says so per key
                        Map<String, Object> bad = new LinkedHashMap<>();
                        bad.put("key", KernelViews.jsonBytes(key));
                        bad.put("error", e.getMessage());
                        entries.add(bad);
                        continue;
                    }
                    v.ifPresent(value -> entries.add(entry(m, key, value)));
                }
                if (json) {
                    out().println(Json.write(entries));
                } else {
                    for (Map<String, Object> e : entries) {
                        if (e.containsKey("error")) out().println("key: " + hexText(e.get("key")) + "  value: <" + e.get("error") + ">");
                        else text(e, out());
                    }
                    out().printf("Found %d element%s%n", entries.size(), entries.size() == 1 ? "" : "s");
                }
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "lookup", mixinStandardHelpOptions = true, description = "Print one entry: MAP key BYTES.")
    static final class Lookup extends Verb {
        @Parameters(arity = "1..*", paramLabel = "MAP key BYTES", description = MAP + "; BYTES: 0x01 0 0 0, or hex 01 00 00 00")
        List<String> words;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, command());
            try (Opened m = open(r)) {
                byte[] key = key(r, m, command());
                r.end();
                Object value = lookup(m, key).orElseThrow(() -> new UserInputException(command() + ": map " + m.info().id()
                        + " has no key " + KernelViews.textBytes(key)));
                Map<String, Object> e = entry(m, key, value);
                if (json) out().println(Json.write(e));
                else text(e, out());
            }
            out().flush();
            return 0;
        }
    }

    /** {@code key BYTES} (none for a queue or stack, which have no keys). */
    static byte[] key(KernelRefs r, Opened m, String command) {
        String w = r.next("'key BYTES'");
        if (!w.equals("key")) throw new UserInputException(command + ": expected 'key BYTES', not '" + w + "'");
        return r.bytes("key", m.info().keySize());
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = {"Insert or replace an entry: MAP key BYTES value BYTES [any|exist|noexist].",
                    "A per-CPU map takes one value for every CPU; a program array 'value id ID|pinned PATH|name NAME' of a program,",
                    "a map of maps the same of a map."})
    static final class Update extends Verb {
        @Parameters(arity = "1..*", paramLabel = "MAP key BYTES value BYTES [FLAG]", description = MAP)
        List<String> words;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, command());
            try (Opened m = open(r)) {
                noKeys(m, command());
                byte[] key = key(r, m, command());
                String w = r.next("'value BYTES'");
                if (!w.equals("value")) throw new UserInputException(command() + ": expected 'value BYTES', not '" + w + "'");
                MapType type = m.map().type();
                try (FdValue fdValue = fdValue(r, type)) {
                    byte[] value = fdValue != null ? fdValue.bytes() : r.bytes("value", m.info().valueSize());
                    long flags = MapFlags.BPF_ANY;
                    if (r.more()) {
                        String f = r.next("a flag");
                        flags = switch (f) {
                            case "any" -> MapFlags.BPF_ANY;
                            case "exist" -> MapFlags.BPF_EXIST;
                            case "noexist" -> MapFlags.BPF_NOEXIST;
                            default -> throw new UserInputException(command() + ": unknown flag '" + f + "' (any, exist, noexist)");
                        };
                    }
                    r.end();
                    long fl = flags;
                    KernelRefs.kernelRun(() -> {
                        if (type.perCpu()) m.map().updatePerCpu(key, java.util.Collections.nCopies(KernelMap.possibleCpus(), value), fl);
                        else m.map().update(key, value, fl);
                    });
                }
                if (json) out().println(Json.write(Map.of("updated", true)));
            }
            out().flush();
            return 0;
        }

        /** A program's or map's fd as the value a program array or map of maps takes, held open for the update. */
        private record FdValue(AutoCloseable owner, int fd) implements AutoCloseable {
            byte[] bytes() { return new byte[] {(byte) fd, (byte) (fd >> 8), (byte) (fd >> 16), (byte) (fd >> 24)}; }

            @Override
            public void close() {
                try {
                    owner.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        private static FdValue fdValue(KernelRefs r, MapType type) {
            if (type != MapType.PROG_ARRAY && !type.isMapOfMaps()) return null;
            if (!ProgListCommand.KEYWORDS.contains(r.peek())) {
                throw new UserInputException("map update: a " + type.name().toLowerCase(java.util.Locale.ROOT) + " takes 'value id ID', "
                        + "'value pinned PATH' or 'value name NAME' of a " + (type == MapType.PROG_ARRAY ? "program" : "map"));
            }
            if (type == MapType.PROG_ARRAY) {
                int id = KernelRefs.resolve(r.ref(KernelObjects.Kind.PROGRAM), KernelObjects.Kind.PROGRAM);
                KernelProgram p = KernelRefs.kernel(() -> KernelProgram.open(id));
                return new FdValue(p, p.fd());
            }
            int id = KernelRefs.resolve(r.ref(KernelObjects.Kind.MAP), KernelObjects.Kind.MAP);
            KernelMap inner = KernelRefs.kernel(() -> KernelMap.open(id));
            return new FdValue(inner, inner.fd());
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an entry: MAP key BYTES.")
    static final class Delete extends Verb {
        @Parameters(arity = "1..*", paramLabel = "MAP key BYTES", description = MAP)
        List<String> words;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, command());
            try (Opened m = open(r)) {
                noKeys(m, command());
                byte[] key = key(r, m, command());
                r.end();
                try {
                    m.map().delete(key);
                } catch (BpfException e) {
                    if (e.is(Errno.ENOENT)) {
                        throw new UserInputException(command() + ": map " + m.info().id() + " has no key " + KernelViews.textBytes(key));
                    }
                    if (e.is(Errno.EINVAL) && isArray(m.map().type())) {
                        throw new UserInputException(command() + ": map " + m.info().id() + " is an array: its entries cannot be deleted");
                    }
                    throw new UserInputException(e.getMessage());
                }
                if (json) out().println(Json.write(Map.of("deleted", true)));
            }
            out().flush();
            return 0;
        }

        private static boolean isArray(MapType t) {
            return t == MapType.ARRAY || t == MapType.PERCPU_ARRAY;
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pin a map at PATH in a bpffs: MAP PATH.")
    static final class Pin extends Verb {
        @Parameters(arity = "1..*", paramLabel = "MAP PATH", description = MAP)
        List<String> words;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, command());
            try (Opened m = open(r)) {
                Path path = Path.of(r.next("a path to pin at"));
                r.end();
                if (Files.exists(path)) throw new UserInputException(command() + ": " + path + " exists already");
                KernelRefs.requireBpffs(path);
                KernelRefs.kernelRun(() -> m.map().pin(path));
                if (json) out().println(Json.write(Json.object("id", m.info().id(), "pinned", path.toString())));
            }
            out().flush();
            return 0;
        }
    }
}

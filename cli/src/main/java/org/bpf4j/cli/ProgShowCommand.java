package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.elf.ProgramSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bpf4j prog show OBJ}: an object's programs and maps; {@code prog show [id ID | pinned PATH | name NAME]}:
 * the kernel's programs, as {@code bpftool prog show} lists them.
 */
@Command(name = "show", mixinStandardHelpOptions = true, description = {
        "List an object's programs (name, section, type, instructions) and maps.",
        "With no OBJ, or with 'id ID', 'pinned PATH' or 'name NAME': the kernel's loaded programs, as 'prog list'."})
final class ProgShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(arity = "0..*", paramLabel = "OBJ | id ID | pinned PATH | name NAME",
            description = "An eBPF ELF object (clang -target bpf), or a kernel program: 'id ID', 'pinned PATH', 'name NAME'.")
    List<String> words = new ArrayList<>();

    @Option(names = {"-j", "--json"}, description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (words.isEmpty() || ProgListCommand.KEYWORDS.contains(words.getFirst())) {
            return ProgListCommand.show(words, json, spec.commandLine().getOut(), "prog show");
        }
        if (words.size() > 1) throw new UserInputException("prog show: one object file, not '" + String.join(" ", words) + "'");
        Path object = Path.of(words.getFirst());
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Object> programs = new ArrayList<>();
            for (ProgramSpec p : obj.programs()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", p.name());
                m.put("section", p.sectionName());
                m.put("type", typeName(p));
                p.expectedAttachType().ifPresent(a -> m.put("attach_type", OpenOptions.attachTypeName(a)));
                m.put("insns", p.program().size());
                programs.add(m);
            }
            List<Object> maps = new ArrayList<>();
            for (MapDefinition s : obj.maps()) maps.add(mapJson(s));
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("object", obj.name());
            root.put("license", obj.license());
            root.put("programs", programs);
            root.put("maps", maps);
            root.put("warnings", obj.warnings());
            out.println(Json.write(root));
        } else {
            out.printf("%s: license \"%s\"%n", obj.name(), obj.license());
            out.println("programs:");
            for (ProgramSpec p : obj.programs()) {
                out.printf("  %-24s section %-28s type %-16s insns %d%n", p.name(), p.sectionName(), typeName(p), p.program().size());
            }
            out.println("maps:");
            for (MapDefinition s : obj.maps()) {
                out.printf("  %-24s %-16s key %d  value %d  max_entries %d  flags %s%n", s.name(),
                        s.type().name().toLowerCase(Locale.ROOT), s.keySize(), s.valueSize(), s.maxEntries(), flagText(s.flags()));
            }
        }
        out.flush();
        return 0;
    }

    static String typeName(ProgramSpec p) {
        return p.type().name().toLowerCase(Locale.ROOT);
    }

    static Map<String, Object> mapJson(MapDefinition s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("type", s.type().name().toLowerCase(Locale.ROOT));
        m.put("key_size", s.keySize());
        m.put("value_size", s.valueSize());
        m.put("max_entries", s.maxEntries());
        m.put("flags", s.flags());
        m.put("flag_names", org.bpf4j.maps.MapFlags.creationFlagNames(s.flags()));
        if (s.mapExtra() != 0) m.put("map_extra", s.mapExtra()); // bloom filter hashes, arena address hint
        return m;
    }

    /** Map creation flags by name ("BPF_F_NO_PREALLOC|BPF_F_RDONLY_PROG"), or 0. */
    static String flagText(int flags) {
        return flags == 0 ? "0" : String.join("|", org.bpf4j.maps.MapFlags.creationFlagNames(flags));
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.asm.Disassembler;
import org.bpf4j.btf.BtfExt.LineInfo;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.ArrayMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadException;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RejectedPrograms;
import org.bpf4j.runtime.RuntimeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog dump OBJ}: disassembly interleaved with the source lines BTF records. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Disassemble programs, interleaved with their source lines from BTF line info.")
final class ProgDumpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "Only this program (default: all).")
    String prog;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object: per program, per instruction its disassembly, "
            + "raw bytes, source line, function and relocation.")
    boolean json;

    @Option(names = "--xlated", description = "The programs as bpf4j's loader rewrote them to run (bpftool's 'dump xlated'): CO-RE "
            + "relocations applied, map references as the maps' addresses, context pointer fields widened to their 64-bit slots.")
    boolean xlated;

    @Override
    public Integer call() {
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        List<ProgramSpec> programs = prog == null ? obj.programs() : List.of(Objects.program(obj, prog));
        if (xlated) return dumpXlated(out, obj, programs);
        if (json) {
            List<Object> list = new ArrayList<>();
            for (ProgramSpec p : programs) list.add(dumpJson(p));
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("programs", list);
            root.put("warnings", obj.warnings());
            out.println(Json.write(root));
        } else {
            boolean first = true;
            for (ProgramSpec p : programs) {
                if (!first) out.println();
                first = false;
                dump(out, p);
            }
        }
        out.flush();
        return 0;
    }

    /** One disassembled instruction with what the object says about it. */
    private record Row(Disassembler.Line line, Optional<String> function, Optional<LineInfo> source, Optional<String> note) {}

    /** The program's instructions, each with the function it starts, its BTF source line and its relocation. */
    private static List<Row> rows(ProgramSpec p) {
        Map<Integer, String> notes = new HashMap<>();
        for (Relocation r : p.relocations()) {
            notes.put(r.insn(), switch (r) {
                case Relocation.MapReference m -> "map " + m.map();
                case Relocation.MapValueReference v -> v.map() + (v.offset() == 0 ? "" : " + " + v.offset());
                case Relocation.ExternCall c -> "extern function " + c.function();
                case Relocation.KfuncCallById k -> "kfunc btf_id " + k.btfId();
                case Relocation.ExternVariable v -> "extern " + v.name();
            });
        }
        Map<Integer, LineInfo> lines = new HashMap<>();
        for (LineInfo l : p.lineInfos()) lines.put(l.insn(), l);
        Map<Integer, String> functions = new HashMap<>();
        for (ProgramSpec.Subprogram s : p.subprograms()) functions.put(s.start(), s.name());
        List<Row> rows = new ArrayList<>();
        for (Disassembler.Line line : Disassembler.lines(p.program(), ProgDumpCommand::helperName)) {
            LineInfo source = lines.get(line.pc());
            rows.add(new Row(line, Optional.ofNullable(line.pc() == 0 ? null : functions.get(line.pc())),
                    Optional.ofNullable(source).filter(l -> !l.line().isBlank()), Optional.ofNullable(notes.get(line.pc()))));
        }
        return rows;
    }

    static void dump(PrintWriter out, ProgramSpec p) {
        out.printf("%s: section %s, type %s, %d insns%n", p.name(), p.sectionName(), ProgShowCommand.typeName(p), p.program().size());
        int width = String.valueOf(Math.max(p.program().size() - 1, 0)).length();
        LineInfo shown = null;
        for (Row row : rows(p)) {
            row.function().ifPresent(f -> out.printf("%s:%n", f));
            if (row.source().isPresent() && !sameLine(row.source().get(), shown)) {
                LineInfo source = row.source().get();
                out.printf("; %s @ %s:%d%n", source.line().strip(), source.fileName(), source.lineNumber());
                shown = source;
            }
            out.printf("%" + (width + 2) + "d: %s%s%n", row.line().pc(), row.line().text(), row.note().map(n -> "  ; " + n).orElse(""));
        }
    }

    private static Map<String, Object> dumpJson(ProgramSpec p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("section", p.sectionName());
        m.put("type", ProgShowCommand.typeName(p));
        List<Object> insns = new ArrayList<>();
        List<Insn> program = p.program().insns();
        for (Row row : rows(p)) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("pc", row.line().pc());
            i.put("disasm", row.line().text());
            Insn insn = program.get(row.line().pc());
            boolean wide = insn.isWide() && row.line().pc() + 1 < program.size();
            i.put("raw", String.format("%016x", Long.reverseBytes(insn.encode()))
                    + (wide ? String.format("%016x", Long.reverseBytes(program.get(row.line().pc() + 1).encode())) : ""));
            row.function().ifPresent(f -> i.put("function", f));
            row.source().ifPresent(l -> {
                i.put("file", l.fileName());
                i.put("line", l.lineNumber());
                i.put("src", l.line().strip());
            });
            row.note().ifPresent(n -> i.put("relocation", n));
            insns.add(i);
        }
        m.put("insns", insns);
        return m;
    }

    /**
     * The loaded programs: each instruction of what runs, with its source line and what the loader did to it
     * (a map's address, a global's address, a widened context load); programs that could not load say why.
     */
    private int dumpXlated(PrintWriter out, BpfObject obj, List<ProgramSpec> programs) {
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1))) {
            LoadedObject loaded;
            try {
                loaded = runtime.load(obj, RejectedPrograms.SKIP);
            } catch (LoadException e) {
                throw new UserInputException(obj.name() + ": " + e.getMessage());
            }
            List<Object> list = new ArrayList<>();
            boolean first = true;
            for (ProgramSpec p : programs) {
                Optional<LoadedProgram> lp = loaded.program(p.name());
                if (lp.isEmpty()) {
                    if (json) list.add(Map.of("name", p.name(), "error", loaded.skipped().get(p.name())));
                    else out.printf("%s%s: not loaded: %s%n", first ? "" : "\n", p.name(), loaded.skipped().get(p.name()));
                    first = false;
                    continue;
                }
                Program program = lp.get().program();
                Map<Integer, String> notes = xlatedNotes(p.program(), program, loaded);
                List<Map<String, Object>> insns = new ArrayList<>();
                if (!json) {
                    if (!first) out.println();
                    out.printf("%s: section %s, type %s, %d insns as loaded%n", p.name(), p.sectionName(), ProgShowCommand.typeName(p), program.size());
                }
                first = false;
                Map<Integer, LineInfo> lines = new HashMap<>();
                for (LineInfo l : p.lineInfos()) lines.put(l.insn(), l);
                int width = String.valueOf(Math.max(program.size() - 1, 0)).length();
                LineInfo shown = null;
                for (Disassembler.Line line : Disassembler.lines(program, ProgDumpCommand::helperName)) {
                    Optional<LineInfo> source = Optional.ofNullable(lines.get(line.pc())).filter(l -> !l.line().isBlank());
                    Optional<String> note = Optional.ofNullable(notes.get(line.pc()));
                    if (json) {
                        Map<String, Object> i = new LinkedHashMap<>();
                        i.put("pc", line.pc());
                        i.put("disasm", line.text());
                        source.ifPresent(l -> i.put("src", l.line().strip()));
                        note.ifPresent(n -> i.put("rewritten", n));
                        insns.add(i);
                        continue;
                    }
                    if (source.isPresent() && !sameLine(source.get(), shown)) {
                        out.printf("; %s @ %s:%d%n", source.get().line().strip(), source.get().fileName(), source.get().lineNumber());
                        shown = source.get();
                    }
                    out.printf("%" + (width + 2) + "d: %s%s%n", line.pc(), line.text(), note.map(n -> "  ; " + n).orElse(""));
                }
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", p.name());
                    m.put("xlated_insns", insns);
                    list.add(m);
                }
            }
            if (json) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("programs", list);
                root.put("warnings", obj.warnings());
                out.println(Json.write(root));
            }
            out.flush();
            return 0;
        }
    }

    /** Why each rewritten instruction differs from the object's: the map or global whose address it loads, a widened context load. */
    private static Map<Integer, String> xlatedNotes(Program original, Program loaded, LoadedObject object) {
        Map<Integer, String> notes = new HashMap<>();
        for (int pc = 0; pc < loaded.size(); pc++) {
            Insn insn = loaded.get(pc);
            if (insn.isWide() && pc + 1 < loaded.size()) {
                long value = (insn.imm() & 0xffffffffL) | ((long) loaded.get(pc + 1).imm() << 32);
                for (BpfMap m : object.maps().values()) {
                    if (m.ops().handle() == value) notes.put(pc, "map " + m.name());
                    else if (m instanceof ArrayMap a && value >= a.valueAddress(0)
                            && value < a.valueAddress(0) + (long) a.spec().valueSize() * a.spec().maxEntries()) {
                        notes.put(pc, m.name() + (value == a.valueAddress(0) ? "" : " + " + (value - a.valueAddress(0))));
                    }
                }
                pc++;
                continue;
            }
            if (pc < original.size() && !insn.equals(original.get(pc))) {
                notes.put(pc, "was " + Disassembler.lines(new Program(List.of(original.get(pc)))).getFirst().text());
            }
        }
        return notes;
    }

    private static boolean sameLine(LineInfo a, LineInfo b) {
        return b != null && a.lineNumber() == b.lineNumber() && a.fileName().equals(b.fileName());
    }

    static Optional<String> helperName(int id) {
        return KernelHelper.byId(id).map(KernelHelper::kernelName);
    }
}

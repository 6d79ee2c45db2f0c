package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

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

    @Override
    public Integer call() {
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        List<ProgramSpec> programs = prog == null ? obj.programs() : List.of(Objects.program(obj, prog));
        boolean first = true;
        for (ProgramSpec p : programs) {
            if (!first) out.println();
            first = false;
            dump(out, p);
        }
        out.flush();
        return 0;
    }

    static void dump(PrintWriter out, ProgramSpec p) {
        out.printf("%s: section %s, type %s, %d insns%n", p.name(), p.sectionName(), ProgShowCommand.typeName(p), p.program().size());
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
        int width = String.valueOf(Math.max(p.program().size() - 1, 0)).length();
        LineInfo shown = null;
        for (Disassembler.Line line : Disassembler.lines(p.program(), ProgDumpCommand::helperName)) {
            String function = functions.get(line.pc());
            if (function != null && line.pc() != 0) out.printf("%s:%n", function);
            LineInfo source = lines.get(line.pc());
            if (source != null && !source.line().isBlank() && !sameLine(source, shown)) {
                out.printf("; %s @ %s:%d%n", source.line().strip(), source.fileName(), source.lineNumber());
                shown = source;
            }
            String note = notes.get(line.pc());
            out.printf("%" + (width + 2) + "d: %s%s%n", line.pc(), line.text(), note == null ? "" : "  ; " + note);
        }
    }

    private static boolean sameLine(LineInfo a, LineInfo b) {
        return b != null && a.lineNumber() == b.lineNumber() && a.fileName().equals(b.fileName());
    }

    static Optional<String> helperName(int id) {
        return KernelHelper.byId(id).map(KernelHelper::kernelName);
    }
}

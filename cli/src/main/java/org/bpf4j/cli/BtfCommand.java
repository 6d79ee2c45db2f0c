package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfCDump;
import org.bpf4j.btf.BtfDump;
import org.bpf4j.btf.BtfFormatException;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.linux.KernelObjects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j btf list|dump}: BTF objects of the kernel and of files, as {@code bpftool btf}. */
@Command(name = "btf", mixinStandardHelpOptions = true, description = "List the kernel's BTF objects; dump BTF as raw types or C (bpftool btf).",
        subcommands = {BtfCommand.ListBtf.class, BtfCommand.Dump.class})
final class BtfCommand {
    private BtfCommand() {}

    @Command(name = "list", aliases = "show", mixinStandardHelpOptions = true, description = "List the kernel's BTF objects (all, or 'id ID').")
    static final class ListBtf implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "id ID")
        List<String> words = List.of();

        @Option(names = {"-j", "--json"}, description = "Print JSON, with bpftool's field names.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<KernelObjects.BtfInfo> btfs;
            if (words.isEmpty()) {
                btfs = KernelRefs.kernel(KernelObjects::btfs);
            } else {
                KernelRefs r = new KernelRefs(words, "btf list");
                int id = KernelRefs.resolve(r.ref(KernelObjects.Kind.BTF), KernelObjects.Kind.BTF);
                r.end();
                btfs = List.of(KernelRefs.kernel(() -> KernelObjects.btf(id)));
            }
            if (json) out.println(Json.write(words.isEmpty() ? btfs.stream().map(KernelViews::json).toList() : KernelViews.json(btfs.getFirst())));
            else for (KernelObjects.BtfInfo b : btfs) KernelViews.text(b, out);
            out.flush();
            return 0;
        }
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = {"Print BTF as bpftool's raw type lines or as compilable C declarations.",
                    "The BTF: 'file PATH' (raw BTF such as /sys/kernel/btf/vmlinux, or an eBPF object's .BTF) or 'id ID' (the kernel's);",
                    "then 'format raw' (the default) or 'format c' (a vmlinux.h); --type NAME limits C to what those types need."})
    static final class Dump implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "file PATH | id ID [format raw|c]")
        List<String> words;

        @Option(names = "--type", paramLabel = "NAME", description = "With format c: only NAME (a struct, union, enum or typedef) and what it needs; repeatable.")
        List<String> types = List.of();

        @Option(names = {"-j", "--json"}, description = "Print the raw types as JSON (bpftool's field names).")
        boolean json;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, "btf dump");
            String source = r.next("'file PATH' or 'id ID'");
            Btf btf = switch (source) {
                case "file" -> file(Path.of(r.next("a path")));
                case "id" -> {
                    int id = KernelRefs.resolve(new KernelRefs(List.of("id", r.next("an id")), "btf dump").ref(KernelObjects.Kind.BTF),
                            KernelObjects.Kind.BTF);
                    yield parse(KernelRefs.kernel(() -> KernelObjects.btfData(id)), "BTF object " + id);
                }
                default -> throw new UserInputException("btf dump: '" + source + "' is not a BTF source: use 'file PATH' or 'id ID'");
            };
            String format = "raw";
            if (r.more()) {
                String w = r.next("'format raw|c'");
                if (!w.equals("format")) throw new UserInputException("btf dump: expected 'format raw|c', not '" + w + "'");
                format = r.next("raw or c");
                if (!format.equals("raw") && !format.equals("c")) throw new UserInputException("btf dump: unknown format '" + format + "' (raw, c)");
            }
            r.end();
            if (!types.isEmpty() && !format.equals("c")) throw new UserInputException("btf dump: --type goes with 'format c'");
            if (json && format.equals("c")) throw new UserInputException("btf dump: -j prints the raw format, not C");
            PrintWriter out = spec.commandLine().getOut();
            if (format.equals("c")) {
                try {
                    out.print(BtfCDump.header(btf, types));
                } catch (IllegalArgumentException e) {
                    throw new UserInputException("btf dump: --type: " + e.getMessage());
                }
            } else if (json) {
                out.println(Json.write(BtfDump.json(btf)));
            } else {
                out.print(BtfDump.raw(btf));
            }
            out.flush();
            return 0;
        }

        private static Btf file(Path path) {
            byte[] head;
            if (Files.isDirectory(path)) throw new UserInputException(path + ": is a directory, not a BTF file");
            try {
                head = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw new UserInputException(path + ": no such file");
            } catch (IOException e) {
                throw new UserInputException(path + ": cannot read: " + e.getMessage());
            }
            if (head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
                BpfObject obj = Objects.open(path, OpenOptions.defaults());
                return obj.btf().orElseThrow(() -> new UserInputException(path + ": the object has no .BTF section"));
            }
            return parse(head, path.toString());
        }

        private static Btf parse(byte[] data, String what) {
            try {
                return Btf.parse(data);
            } catch (BtfFormatException e) {
                throw new UserInputException(what + ": not BTF that bpf4j reads (" + e.getMessage()
                        + "; a kernel module's BTF is split BTF, which needs vmlinux's as its base)");
            }
        }
    }
}

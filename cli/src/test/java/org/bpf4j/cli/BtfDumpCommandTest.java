package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code btf dump}: the raw format line for line as bpftool prints it, and {@code format c} headers that clang-19
 * compiles (for objects, a slice of vmlinux, and all of it) and that a BPF program can use.
 */
class BtfDumpCommandTest {
    static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));
    static final List<String> OBJECTS = List.of("examples/xdp/counters.bpf.o", "examples/xdp/firewall.bpf.o", "examples/xdp/events.bpf.o",
            "examples/tc/classifier.bpf.o", "examples/trace/execsnoop.bpf.o", "examples/trace/opensnoop.bpf.o");
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    /** A command's exit status and output (stdout and stderr together); a missing tool skips. */
    private record Result(int exit, String out) {}

    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir == null ? null : dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no " + command[0] + " here");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static String dump(String... args) {
        List<String> a = new ArrayList<>(List.of("btf", "dump"));
        a.addAll(List.of(args));
        CliRunner r = CliRunner.run(a.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    @Test
    void rawFormatIsBpftoolsForObjectsAndVmlinux() throws Exception {
        List<String> files = new ArrayList<>();
        for (String o : OBJECTS) files.add(ROOT.resolve(o).toString());
        if (Files.isReadable(VMLINUX)) files.add(VMLINUX.toString());
        for (String f : files) {
            Result bpftool = run(null, "bpftool", "btf", "dump", "file", f);
            assertThat(bpftool.exit()).as(bpftool.out()).isZero();
            assertThat(dump("file", f)).as(f).isEqualTo(bpftool.out());
        }
    }

    @Test
    void rawJsonListsEveryType() throws IOException {
        String counters = ROOT.resolve(OBJECTS.getFirst()).toString();
        JsonNode types = new ObjectMapper().readTree(dump("file", counters, "-j")).get("types");
        long lines = dump("file", counters).lines().filter(l -> l.startsWith("[")).count();
        assertThat(types).hasSize((int) lines);
        assertThat(types.findValuesAsText("name")).contains("proto_key", "counter");
    }

    @Test
    void kernelBtfByIdIsVmlinux() throws Exception {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        assumeTrue(Files.isReadable(VMLINUX), "no " + VMLINUX);
        JsonNode vmlinux = null;
        for (JsonNode b : new ObjectMapper().readTree(CliRunner.run("btf", "list", "-j").out())) {
            if (b.get("kernel").asBoolean() && b.get("name").asText().equals("vmlinux")) vmlinux = b;
        }
        assertThat(vmlinux).isNotNull();
        String id = vmlinux.get("id").asText();
        assertThat(vmlinux.get("size").asLong()).isEqualTo(Files.size(VMLINUX));
        assertThat(dump("id", id, "format", "c", "--type", "iphdr")).isEqualTo(dump("file", VMLINUX.toString(), "format", "c", "--type", "iphdr"));
    }

    /** Each header compiles with a BPF program that uses it (clang-19 -target bpf, warnings as errors). */
    @Test
    void formatCCompilesWithClang(@TempDir Path tmp) throws Exception {
        assumeTrue(run(null, "clang-19", "--version").exit() == 0, "no clang-19");
        List<String[]> cases = new ArrayList<>();
        for (String o : OBJECTS) cases.add(new String[] {ROOT.resolve(o).toString(), "", "int use(void) { return 0; }"});
        cases.add(new String[] {ROOT.resolve("examples/xdp/counters.bpf.o").toString(), "",
                "int use(struct proto_key *k, struct counter *c) { return k->ethertype + c->packets; }"});
        if (Files.isReadable(VMLINUX)) {
            cases.add(new String[] {VMLINUX.toString(), "sk_buff,iphdr",
                    "int use(struct sk_buff *s, struct iphdr *ip) { return s->len + ip->ttl + sizeof(struct iphdr); }"});
            cases.add(new String[] {VMLINUX.toString(), "",
                    "int use(struct task_struct *t, struct sk_buff *s) { return t->pid + s->len + BPF_MAP_TYPE_RINGBUF; }"});
        }
        int n = 0;
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("file", c[0], "format", "c"));
            for (String t : c[1].split(",")) {
                if (!t.isEmpty()) args.addAll(List.of("--type", t));
            }
            Path header = tmp.resolve("h" + n + ".h"), source = tmp.resolve("u" + n + ".c");
            Files.writeString(header, dump(args.toArray(String[]::new)));
            Files.writeString(source, "#include \"" + header.getFileName() + "\"\n" + c[2] + "\n");
            Result cc = run(tmp, "clang-19", "-O2", "-g", "-target", "bpf", "-Werror", "-c", source.getFileName().toString(), "-o", "u" + n + ".o");
            assertThat(cc.exit()).as(c[0] + " " + c[1] + ": " + cc.out()).isZero();
            n++;
        }
    }

    /** The structs whose definitions end {@code __attribute__((packed))}, by name. */
    private static java.util.Set<String> packedStructs(String header) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        String current = "";
        for (String line : header.split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:struct|union) (\\w+) \\{").matcher(line);
            if (m.find()) current = m.group(1);
            if (line.startsWith("} __attribute__((packed));")) out.add(current);
        }
        return out;
    }

    /**
     * The structs marked packed are bpftool's: a member that is itself packed aligns to 1 (libbpf's
     * btf__align_of), and does not make the struct holding it packed.
     */
    @Test
    void packedStructsAreTheOnesBpftoolMarks() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), "no " + VMLINUX);
        Result bpftool = run(null, "bpftool", "btf", "dump", "file", VMLINUX.toString(), "format", "c");
        assertThat(bpftool.exit()).isZero();
        java.util.Set<String> theirs = packedStructs(bpftool.out());
        assertThat(theirs).contains("acpi_pct_register").doesNotContain("acpi_processor_performance");
        assertThat(packedStructs(dump("file", VMLINUX.toString(), "format", "c"))).isEqualTo(theirs);
    }

    /**
     * The declarations lay structs out where BTF says: padding (libbpf's anonymous bitfields), packed structs,
     * enums of one or two bytes. Every struct and union of a slice of vmlinux has its BTF size under clang.
     */
    @Test
    void layoutsHaveTheBtfSizes(@TempDir Path tmp) throws Exception {
        assumeTrue(run(null, "clang-19", "--version").exit() == 0, "no clang-19");
        assumeTrue(Files.isReadable(VMLINUX), "no " + VMLINUX);
        org.bpf4j.btf.Btf btf = org.bpf4j.btf.Btf.load(VMLINUX);
        String header = dump("file", VMLINUX.toString(), "format", "c", "--type", "task_struct", "--type", "sk_buff",
                "--type", "blk_integrity", "--type", "acpi_processor_performance");
        Files.writeString(tmp.resolve("slice.h"), header);
        StringBuilder source = new StringBuilder("#include \"slice.h\"\n");
        int asserts = 0;
        java.util.regex.Pattern def = java.util.regex.Pattern.compile("^(struct|union) (\\w+) \\{");
        for (String line : header.split("\n")) {
            java.util.regex.Matcher m = def.matcher(line);
            if (!m.find() || m.group(2).contains("___")) continue;
            List<org.bpf4j.btf.BtfType> same = btf.typesByName(m.group(2)).stream()
                    .filter(t -> t.kind() == (m.group(1).equals("struct") ? org.bpf4j.btf.BtfType.KIND_STRUCT : org.bpf4j.btf.BtfType.KIND_UNION))
                    .toList();
            if (same.size() != 1) continue;
            source.append("_Static_assert(sizeof(").append(m.group(1)).append(' ').append(m.group(2)).append(") == ")
                    .append(btf.sizeof(same.getFirst().id())).append(", \"").append(m.group(2)).append("\");\n");
            asserts++;
        }
        assertThat(asserts).as("structs and unions checked").isGreaterThan(20);
        Files.writeString(tmp.resolve("sizes.c"), source);
        Result cc = run(tmp, "clang-19", "-target", "bpf", "-Werror", "-ferror-limit=0", "-fsyntax-only", "sizes.c");
        assertThat(cc.exit()).as(cc.out()).isZero();
    }

    @Test
    void aSliceHoldsWhatItsRootsNeedAndNoMore() {
        assumeTrue(Files.isReadable(VMLINUX), "no " + VMLINUX);
        String slice = dump("file", VMLINUX.toString(), "format", "c", "--type", "iphdr");
        assertThat(slice).contains("struct iphdr {", "typedef __u16 __be16;").doesNotContain("struct task_struct {");
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/**
 * The source lines a verifier log interleaves ("; LINE @ FILE:N" before an instruction, the kernel's
 * verbose_linfo) against the kernel's own, for every one-program object of the examples and the side-by-side
 * benchmarks: along the path both logs walk alike (up to the first instruction where they part, e.g. where
 * pruning differs), each instruction is preceded by the same source lines. bpftool loads the object (with its
 * BTF line info, which bpf4j's kernel backend does not pass yet) and prints the kernel's log with {@code -d}.
 */
class VerifierLogSourceLinesTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", "../"));
    private static final Pattern INSN = Pattern.compile("^(\\d+): \\(");

    /** An instruction line of the log with the source lines printed just before it. */
    record Step(List<String> sources, String insn) {}

    static List<Step> steps(String log) {
        List<Step> steps = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.startsWith("; ") && line.contains(" @ ")) {
                sources.add(line);
            } else {
                Matcher m = INSN.matcher(line);
                if (m.find()) {
                    steps.add(new Step(List.copyOf(sources), m.group(1)));
                    sources.clear();
                }
            }
        }
        return steps;
    }

    /** The kernel's verifier log of the object's one program, as {@code bpftool -d prog loadall} prints it; empty if it printed none. */
    private static String bpftoolLog(Path object) throws IOException {
        Path pins = Path.of("/sys/fs/bpf/bpf4j-srclines-" + ProcessHandle.current().pid());
        try {
            Process p = new ProcessBuilder("bpftool", "-d", "prog", "loadall", object.toString(), pins.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            int start = out.indexOf("\n0: R1=");
            int end = out.indexOf("\nprocessed ", start + 1);
            return start < 0 || end < 0 ? "" : out.substring(start + 1, end + 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            if (Files.isDirectory(pins)) {
                try (Stream<Path> s = Files.list(pins)) {
                    for (Path pin : s.toList()) Files.deleteIfExists(pin);
                }
                Files.deleteIfExists(pins);
            }
        }
    }

    @Test
    void sourceLinesAreTheKernels() throws IOException {
        Kernel.assumeAvailable();
        List<Path> objects = new ArrayList<>();
        for (Path dir : List.of(ROOT.resolve("examples"), ROOT.resolve("bench/sbs"))) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".o")).sorted().forEach(objects::add);
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/bpftool")), "bpftool is not installed: apt-get install bpftool");
        int steps = 0, withSources = 0;
        List<String> diffs = new ArrayList<>();
        for (Path file : objects) {
            BpfObject object = BpfObject.open(file);
            if (object.programs().size() != 1) continue; // bpftool -d prints the logs of several programs without a separator
            for (ProgramSpec spec : object.programs()) {
                String kernelLog = bpftoolLog(file);
                if (kernelLog.isEmpty()) continue;
                // bpftool -d loads with log_level 1|2|4: the state after every instruction
                String ours = switch (ObjectVerification.verify(object, spec, VerifierOptions.defaults().withLogLevel(2))) {
                    case VerifierResult.Accepted a -> a.log();
                    case VerifierResult.Rejected j -> j.log();
                    case VerifierResult.Unsupported u -> u.log();
                    case VerifierResult.InternalError e -> e.log();
                };
                List<Step> theirs = steps(kernelLog), mine = steps(ours);
                for (int i = 0; i < Math.min(theirs.size(), mine.size()) && theirs.get(i).insn().equals(mine.get(i).insn()); i++) {
                    steps++;
                    if (!theirs.get(i).sources().isEmpty()) withSources++;
                    if (!theirs.get(i).sources().equals(mine.get(i).sources()) && diffs.size() < 10) {
                        diffs.add(file.getFileName() + " " + spec.name() + " before insn " + theirs.get(i).insn() + ": kernel "
                                + theirs.get(i).sources() + ", bpf4j " + mine.get(i).sources());
                    }
                }
            }
        }
        System.out.println("source lines compared before " + steps + " instructions (" + withSources + " with source lines)");
        assertThat(withSources).as("instructions the kernel's log gives source lines").isGreaterThan(100);
        assertThat(diffs).as("instructions whose source lines differ from the kernel's").isEmpty();
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.testing.SharedData;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/**
 * The verifier's static register liveness against the kernel's: the level-2 log of both starts with
 * "Live regs before insn:", one line per instruction with r0-r9 live or not. Liveness decides which
 * registers state pruning compares, so where it differs the processed-instruction counts differ too.
 * Every program of the examples, the side-by-side benchmarks and the corpus is compared line by line.
 */
class LiveRegsDifferentialTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", "../"));
    private static final Pattern LINE = Pattern.compile("^\\s+(\\d+): ([.0-9]{10}) ", Pattern.MULTILINE);

    static Map<Integer, String> liveRegs(String log) {
        Map<Integer, String> out = new TreeMap<>();
        int at = log.indexOf("Live regs before insn:");
        if (at < 0) return out;
        Matcher m = LINE.matcher(log);
        m.region(at, log.length());
        int expected = -1;
        while (m.find()) {
            int pc = Integer.parseInt(m.group(1));
            if (pc <= expected) break; // the header is over: the instruction trace restarts at 0
            out.put(pc, m.group(2));
            expected = pc;
        }
        return out;
    }

    @Test
    void staticLivenessIsTheKernels() throws IOException {
        Kernel.assumeAvailable();
        List<Path> objects = new ArrayList<>();
        List<Path> dirs = new ArrayList<>(List.of(ROOT.resolve("examples"), ROOT.resolve("bench/sbs")));
        SharedData.find("corpus", "the corpus part of this comparison").ifPresent(dirs::add);
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.filter(p -> p.toString().endsWith(".o") && !p.toString().contains("/invalid/")).sorted().forEach(objects::add);
            }
        }
        int compared = 0;
        List<String> diffs = new ArrayList<>();
        for (Path file : objects) {
            BpfObject object;
            try {
                object = BpfObject.open(file);
            } catch (RuntimeException e) {
                continue; // objects bpf4j refuses are CorpusTest's business
            }
            for (ProgramSpec spec : object.programs()) {
                Map<Integer, String> kernel;
                try (KernelObject k = KernelObject.load(object, Optional.of(spec.name()), LoadOptions.LOG_LEVEL2)) {
                    kernel = liveRegs(k.program(spec.name()).orElseThrow().verifierLog());
                } catch (KernelLoadException e) {
                    kernel = liveRegs(e.log());
                } catch (BpfException e) {
                    continue; // a map this kernel cannot create: nothing was verified
                }
                if (kernel.isEmpty()) continue; // the log's head was rotated out (very long programs)
                VerifierResult r = ObjectVerification.verify(object, spec, VerifierOptions.defaults().withLogLevel(2));
                String log = switch (r) {
                    case VerifierResult.Accepted a -> a.log();
                    case VerifierResult.Rejected j -> j.log();
                    case VerifierResult.Unsupported u -> u.log();
                    case VerifierResult.InternalError e -> e.log();
                };
                Map<Integer, String> ours = liveRegs(log);
                if (ours.isEmpty()) continue; // refused before liveness (kfuncs, unsupported types): nothing to compare
                compared++;
                for (var e : kernel.entrySet()) {
                    String o = ours.get(e.getKey());
                    if (!e.getValue().equals(o) && diffs.size() < 20) {
                        diffs.add(file.getFileName() + " " + spec.name() + " insn " + e.getKey() + ": kernel " + e.getValue() + " bpf4j " + o);
                    }
                }
            }
        }
        System.out.println("live regs compared for " + compared + " programs");
        assertThat(compared).as("programs whose level-2 log was compared").isGreaterThan(5);
        assertThat(diffs).as("instructions where bpf4j's live registers differ from the kernel's").isEmpty();
    }
}

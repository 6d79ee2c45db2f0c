package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ObjectFormatException;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * An exception inside the verifier is a verdict of its own ({@link VerifierResult.InternalError}), and there
 * must be none: over the corpus of real-world objects and over the seeded generators of the differential
 * tests (their seeds and program types), with and without a log.
 */
class VerifierInternalErrorsTest {

    @Test
    void noInternalErrorOnTheCorpus() throws IOException {
        Path corpus = Path.of(System.getProperty("bpf4j.shared", "../../shared"), "corpus");
        Assumptions.assumeTrue(Files.isDirectory(corpus), "corpus not found: set -Dbpf4j.shared=DIR");
        List<Path> objects;
        try (Stream<Path> files = Files.walk(corpus)) {
            objects = files.filter(f -> f.toString().endsWith(".o")).sorted().toList();
        }
        List<String> internal = new ArrayList<>();
        int programs = 0;
        for (Path file : objects) {
            BpfObject object;
            try {
                object = BpfObject.open(file);
            } catch (ObjectFormatException | java.io.UncheckedIOException e) {
                continue; // not an object bpf4j loads: nothing for the verifier to see
            }
            for (ProgramSpec spec : object.programs()) {
                programs++;
                // CO-RE relocations unapplied, as the corpus's kernel verdicts were recorded
                ProgramSpec asLoaded = new ProgramSpec(spec.name(), spec.sectionName(), spec.type(), spec.expectedAttachType(),
                        spec.attachTo(), spec.loadFlags(), spec.program(), spec.subprograms(), spec.relocations(),
                        spec.funcInfos(), spec.lineInfos(), List.of());
                if (ObjectVerification.verify(object, asLoaded, VerifierOptions.defaults().withLogLevel(1))
                        instanceof VerifierResult.InternalError e) {
                    internal.add(corpus.relativize(file) + " " + spec.name() + ": " + e.message());
                }
            }
        }
        System.out.printf("corpus: %d programs, %d internal errors%n", programs, internal.size());
        assertThat(programs).isGreaterThan(200);
        assertThat(internal).as("verifier internal errors on the corpus").isEmpty();
    }

    /** DifferentialTest's and SafetyNetTest's generator, at their seeds and program types. */
    @Test
    void noInternalErrorOnGeneratedPrograms() {
        ProgramType[] types = {ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER,
            ProgramType.LWT_IN, ProgramType.LWT_XMIT, ProgramType.SK_SKB,
            ProgramType.CGROUP_SKB, ProgramType.LWT_SEG6LOCAL};
        List<String> internal = new ArrayList<>();
        for (long seed0 : new long[] {20250601L, 20261122L}) {
            for (int i = 0; i < 1000; i++) {
                ProgramType t = types[i % types.length];
                Program p = new ProgramGenerator(seed0 + i, t).next();
                check("generator seed " + (seed0 + i) + " " + t, p, t, ProgramGenerator.MAPS, i % 3, internal);
            }
        }
        assertThat(internal).as("verifier internal errors on generated programs").isEmpty();
    }

    /** PrecisionDifferentialTest's generators, at its seeds. */
    @Test
    void noInternalErrorOnPrecisionPrograms() {
        List<String> internal = new ArrayList<>();
        List<LongFunction<Program>> generators = List.of(PrecisionDifferentialTest::generate, PrecisionDifferentialTest::generateWithCall);
        for (LongFunction<Program> g : generators) {
            for (int i = 0; i < PrecisionDifferentialTest.PROGRAMS; i++) {
                long seed = 20261122L + i;
                check("precision seed " + seed, g.apply(seed), PrecisionDifferentialTest.SF, PrecisionDifferentialTest.ARRAY,
                        i % 3, internal);
            }
        }
        assertThat(internal).as("verifier internal errors on the precision generators' programs").isEmpty();
    }

    private static void check(String where, Program p, ProgramType t, List<MapInfo> maps, int logLevel, List<String> internal) {
        if (Verifier.verify(p, t, maps, VerifierOptions.defaults().withLogLevel(logLevel)) instanceof VerifierResult.InternalError e) {
            internal.add(where + ": " + e.message());
        }
    }
}

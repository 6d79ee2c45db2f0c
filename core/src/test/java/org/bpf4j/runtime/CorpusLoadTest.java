package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ObjectFormatException;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real-world object of the corpus loads into a runtime (maps created, programs bound and prepared)
 * or is refused with a one-line message naming the map or program and what bpf4j does not support.
 */
class CorpusLoadTest {
    private static BpfRuntime runtime;
    private static final List<String> refusals = new ArrayList<>();
    private static int loaded;

    @BeforeAll
    static void setUp() {
        runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(2).withMemory(2L << 30));
    }

    @AfterAll
    static void tearDown() {
        runtime.close();
    }

    static Stream<Path> objects() throws IOException {
        Path corpus = SharedData.corpus();
        try (Stream<Path> s = Files.walk(corpus)) {
            return s.filter(p -> p.toString().endsWith(".o") && !p.toString().contains("/invalid/")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("objects")
    void loadsOrIsRefusedWithAReason(Path file) throws IOException {
        BpfObject object;
        try {
            object = BpfObject.open(file);
        } catch (ObjectFormatException e) {
            throw new AssertionError("the ELF loader accepts every corpus object outside invalid/: " + e.getMessage());
        }
        try (LoadedObject o = runtime.load(object)) {
            assertThat(o.programs()).hasSameSizeAs(object.programs());
            loaded++;
        } catch (LoadException e) {
            assertThat(e.getMessage()).doesNotContain("\n").matches("(program|map) \\S+: .+");
            refusals.add(file.getFileName() + ": " + e.getMessage());
        }
    }

    @Test
    void mostOfTheCorpusLoads() throws IOException {
        // Runs after the parameterized cases only by chance of ordering; count independently instead.
        int ok = 0;
        int total = 0;
        try (BpfRuntime r = BpfRuntime.create(RuntimeOptions.defaults().withCpus(2).withMemory(2L << 30))) {
            for (Path file : objects().toList()) {
                total++;
                try (LoadedObject o = r.load(BpfObject.open(file))) {
                    ok++;
                } catch (LoadException e) {
                    // counted as refused
                }
            }
        }
        assertThat(total).isGreaterThan(100);
        assertThat(ok).as("objects that load").isGreaterThan(total / 2);
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.link.LinkedObject;
import org.junit.jupiter.api.Test;

/**
 * Every program of the project's examples and of the side-by-side benchmark (bench/sbs, loop-heavy) is
 * accepted within the kernel's 1,000,000-instruction budget, as the kernel accepts them.
 */
class ExamplesVerifyTest {
    @Test
    void allExamplesAreAccepted() throws IOException {
        assertAllAccepted("examples");
    }

    @Test
    void allBenchmarkProgramsAreAccepted() throws IOException {
        assertAllAccepted("bench/sbs");
    }

    private static void assertAllAccepted(String dir) throws IOException {
        Path root = Path.of(System.getProperty("bpf4j.root", "..")).resolve(dir);
        List<Path> objects;
        try (Stream<Path> s = Files.walk(root)) {
            objects = s.filter(p -> p.toString().endsWith(".bpf.o")).sorted().toList();
        }
        assertThat(objects).as("objects under " + root).hasSizeGreaterThanOrEqualTo(5);
        List<String> failures = new ArrayList<>();
        int programs = 0;
        for (Path o : objects) {
            BpfObject object = BpfObject.open(o);
            // CO-RE programs (examples/trace/tcpconnect_kprobe) are verified as loaded: relocated against the kernel's BTF
            boolean core = object.programs().stream().anyMatch(p -> !p.coreRelocations().isEmpty());
            if (core) assumeTrue(Files.isReadable(CoreRelocator.KERNEL_BTF), "no " + CoreRelocator.KERNEL_BTF + " for " + o + "'s CO-RE relocations");
            LinkedObject linked = LinkedObject.link(object, core ? CoreRelocator.targetBtf(Optional.empty()) : Optional.empty());
            for (ProgramSpec spec : object.programs()) {
                programs++;
                VerifierResult r = ObjectVerification.verify(object, linked.program(spec.name()).orElseThrow(), VerifierOptions.defaults());
                if (!(r instanceof VerifierResult.Accepted)) {
                    failures.add(root.relativize(o) + " " + spec.name() + ": " + VerifierTestSupport.describe(r).lines().findFirst().orElse(""));
                }
            }
        }
        assertThat(programs).isGreaterThanOrEqualTo(5);
        assertThat(failures).as("programs under " + dir + " bpf4j does not accept").isEmpty();
    }
}

package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.verifier.HelperProto.ARG_ANYTHING;
import static org.bpf4j.verifier.HelperProto.RET_INTEGER;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bpf4j.helpers.Caller;
import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.junit.jupiter.api.Test;

/**
 * A tool that embeds the command with a helper of its own (#300, {@code bpf_fake}, for XDP): added through the
 * one helper table, {@code prog verify} checks calls to it and {@code prog run} runs its implementation.
 */
class EmbeddedHelpersTest {
    private static final Path OBJECT = ProgCommandTest.ROOT.resolve("core/src/test/resources/bpf/fake_helper.bpf.o");
    private static final HelperSpecs WITH_FAKE = HelperSpecs.linux618().with(HelperSpec.builder(300, "bpf_fake")
            .def(RET_INTEGER, false, ARG_ANYTHING)
            .callers(Caller.XDP)
            .implementation((id, env) -> Optional.of((c, a, b, d, e, f) -> a + 22))
            .build());

    private record Result(int exit, String out, String err) {}

    private static Result run(HelperSpecs helpers, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Bpf4j.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]), helpers)
                .execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void verifyKnowsTheEmbeddedHelperAndLinuxDoesNot() {
        Result with = run(WITH_FAKE, "prog", "verify", OBJECT.toString());
        assertThat(with.exit()).as(with.out() + with.err()).isZero();
        assertThat(with.out()).contains("fake_xdp: accept");
        Result without = run(HelperSpecs.linux618(), "prog", "verify", OBJECT.toString());
        assertThat(without.exit()).isEqualTo(1);
        assertThat(without.out()).contains("invalid func unknown#300");
    }

    @Test
    void runRunsTheEmbeddedHelpersImplementation() throws Exception {
        Path frame = Files.createTempFile("bpf4j-frame", ".bin");
        try {
            Files.write(frame, new byte[64]);
            Result r = run(WITH_FAKE, "prog", "run", OBJECT.toString(), "--data-in", frame.toString(), "-j");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"retval\":2").contains("\"mode\":\"verified\"");
        } finally {
            Files.delete(frame);
        }
    }
}

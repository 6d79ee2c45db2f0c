package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.verifier.HelperProto.ARG_ANYTHING;
import static org.bpf4j.verifier.HelperProto.RET_INTEGER;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.helpers.Caller;
import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.Test;

/**
 * A helper Linux does not have, added through the one helper table: the verifier checks calls to it as the
 * kernel checks a helper's calls (offered to XDP only), and the runtime runs its implementation.
 */
class FakeHelperTest {
    private static final int FAKE = 300;
    private static final HelperSpecs SPECS = HelperSpecs.linux618().with(HelperSpec.builder(FAKE, "bpf_fake")
            .def(RET_INTEGER, false, ARG_ANYTHING)
            .callers(Caller.XDP)
            .implementation((id, env) -> Optional.of((c, a, b, d, e, f) -> a + 22))
            .build());
    private static final Program CALL = B.b().mov(1, 20).call(FAKE).ret(0).p();

    @Test
    void theVerifierAcceptsACallFromAnAllowedType() {
        VerifierResult r = Verifier.verify(CALL, ProgramType.XDP, List.of(), VerifierOptions.defaults().withHelpers(SPECS));
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test
    void theVerifierRefusesACallFromAnotherTypeWithTheKernelsMessage() {
        VerifierResult r = Verifier.verify(CALL, ProgramType.SOCKET_FILTER, List.of(),
                VerifierOptions.defaults().withHelpers(SPECS));
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("program of this type cannot use helper bpf_fake#300");
    }

    @Test
    void withoutItTheIdIsUnknownAsToTheKernel() {
        VerifierResult r = Verifier.verify(CALL, ProgramType.XDP, List.of(), VerifierOptions.defaults());
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("invalid func unknown#300");
    }

    @Test
    void theRuntimeRunsItsImplementation() throws IOException {
        RuntimeOptions options = RuntimeOptions.defaults().withCpus(1).withMemory(1L << 24).withHelpers(SPECS);
        try (BpfRuntime runtime = BpfRuntime.create(options)) {
            LoadedProgram p = runtime.load(BpfObject.open(Path.of("src/test/resources/bpf/fake_helper.bpf.o"))).program("fake_xdp").orElseThrow();
            assertThat(p.mode().verified()).isTrue();
            assertThat(p.testRun(TestRun.of(new byte[64])).retval()).isEqualTo(2); // XDP_PASS: bpf_fake(20) returned 42
        }
    }
}

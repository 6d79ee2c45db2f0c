package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;

/** Runs bpf4j's verifier and, when the kernel is reachable, the kernel's, and compares. */
final class VerifierTestSupport {
    private VerifierTestSupport() {}

    static VerifierResult run(Program p, ProgramType t, List<MapInfo> maps) {
        return Verifier.verify(p, t, maps, VerifierOptions.defaults().withLogLevel(2));
    }

    static void assertAccepted(Program p, ProgramType t, List<MapInfo> maps) {
        VerifierResult r = run(p, t, maps);
        assertThat(r).as(() -> describe(r)).isInstanceOf(VerifierResult.Accepted.class);
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, t, maps, 1);
            assertThat(k.accepted()).as("kernel accepts too; kernel log:\n" + k.log()).isTrue();
        }
    }

    /** Asserts a rejection whose error lines include {@code message}, and that the kernel says the same. */
    static VerifierResult.Rejected assertRejected(Program p, ProgramType t, List<MapInfo> maps, String message) {
        VerifierResult r = run(p, t, maps);
        assertThat(r).as(() -> describe(r)).isInstanceOf(VerifierResult.Rejected.class);
        VerifierResult.Rejected rej = (VerifierResult.Rejected) r;
        assertThat(rej.details()).as(() -> describe(r)).contains(message);
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, t, maps, 1);
            assertThat(k.accepted()).as("kernel rejects too").isFalse();
            assertThat(k.log()).as("kernel log").contains(message);
        }
        return rej;
    }

    static String describe(VerifierResult r) {
        return switch (r) {
            case VerifierResult.Accepted a -> "accepted\n" + a.log();
            case VerifierResult.Rejected j -> "rejected at " + j.insn() + ": " + j.details() + "\n" + j.log();
            case VerifierResult.Unsupported u -> "unsupported: " + u.reason() + "\n" + u.log();
            case VerifierResult.InternalError e -> "internal error: " + e.message() + "\n" + e.log();
        };
    }
}

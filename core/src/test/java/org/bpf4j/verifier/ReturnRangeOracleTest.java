package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Program;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The return values each program type (and attach type) may exit with, against the running kernel. */
class ReturnRangeOracleTest {
    static List<LoadConfig> configs() { return LoadConfig.all(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void exitValuesAsTheKernel(LoadConfig c) {
        c.assumeKernelComparable();
        List<String> diffs = new ArrayList<>();
        for (int r0 = -2; r0 <= 5; r0++) {
            Program p = B.b().ret(r0).p();
            VerifierResult ours = Verifier.verify(p, c.type(), List.of(), c.options(true));
            KernelOracle.Verdict k = KernelOracle.load(p, c.type(), List.of(), 1, "GPL", c.attachType());
            if (k.accepted() != ours instanceof VerifierResult.Accepted) {
                diffs.add("r0=" + r0 + ": kernel " + (k.accepted() ? "accepts" : "refuses: " + k.lastMessage()) + ", bpf4j " + ours);
            } else if (ours instanceof VerifierResult.Rejected r && !r.message().equals(k.lastMessage())) {
                diffs.add("r0=" + r0 + ": kernel says '" + k.lastMessage() + "', bpf4j '" + r.message() + "'");
            }
        }
        assertThat(diffs).as(c + " exit values where bpf4j and the kernel disagree").isEmpty();
    }
}

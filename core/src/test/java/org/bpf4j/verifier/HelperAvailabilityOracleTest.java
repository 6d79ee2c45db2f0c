package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Program;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every helper id from every program type, with a GPL and a proprietary license, against the running kernel:
 * whether the type may call it, whether it is gpl_only, whether it might sleep. The call's arguments are left
 * unset, so both verifiers stop at the first argument when the helper passes those gates. bpf4j verifies for the
 * running kernel ({@link LoadConfig#options}): a helper its configuration left out is refused as it refuses it.
 */
class HelperAvailabilityOracleTest {
    static final int MAX_HELPER_ID = 211;
    private static final List<String> GATES = List.of("cannot use helper", "GPL-restricted", "might sleep",
            "not allowed in probe", "invalid func");

    static List<LoadConfig> configs() { return LoadConfig.all(); }

    /** The gate message a verdict stops at, or "passes" when the call got past the gates. */
    static String gate(String message) {
        for (String g : GATES) if (message.contains(g)) return message;
        return "passes";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyHelperAsTheKernel(LoadConfig c) {
        c.assumeKernelComparable();
        List<String> diffs = new ArrayList<>();
        int available = 0;
        for (int id = 1; id <= MAX_HELPER_ID + 1; id++) {
            Program p = B.b().call(id).ret(LoadConfig.VALID_RETURN).p();
            for (boolean gpl : new boolean[] {true, false}) {
                VerifierResult ours = Verifier.verify(p, c.type(), List.of(), c.options(gpl));
                String oursGate = ours instanceof VerifierResult.Rejected r ? gate(r.message()) : "passes";
                KernelOracle.Verdict k = KernelOracle.load(p, c.type(), List.of(), 1, gpl ? "GPL" : "Proprietary",
                        c.attachType());
                String kernelGate = k.accepted() ? "passes" : gate(k.lastMessage());
                if (!oursGate.equals(kernelGate)) {
                    diffs.add("helper #" + id + (gpl ? "" : " (non-GPL)") + ": kernel " + kernelGate + ", bpf4j " + oursGate);
                }
                if (gpl && kernelGate.equals("passes")) available++;
            }
        }
        System.out.printf("helpers %s: %d available, %d disagreements%s%n", c, available, diffs.size(), c.helpersNotBuiltIn());
        assertThat(diffs).as(c + " helper calls where bpf4j and the kernel disagree").isEmpty();
    }
}

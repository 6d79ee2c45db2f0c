package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Generated programs verified by bpf4j and by the running kernel: bpf4j must never accept what the kernel
 * refuses. Disagreements the other way (bpf4j stricter) are counted and reported, and the rejection
 * messages are compared when both refuse.
 */
class DifferentialTest {
    static final int PROGRAMS = Integer.getInteger("bpf4j.diff.programs", 1000);

    @Test
    void neverAcceptWhatTheKernelRefuses() {
        compare(ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER);
    }

    /** The other program types with a __sk_buff context: their own fields, packet access and helpers. */
    @Test
    void neverAcceptWhatTheKernelRefusesOtherSkbTypes() {
        compare(ProgramType.LWT_IN, ProgramType.LWT_XMIT, ProgramType.SK_SKB,
                ProgramType.CGROUP_SKB, ProgramType.LWT_SEG6LOCAL);
    }

    private static void compare(ProgramType... types) {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available (not root or not Linux)");
        int agreeAccept = 0, agreeReject = 0, sameMessage = 0, stricter = 0, unsupported = 0;
        List<String> unsound = new ArrayList<>();
        List<String> stricterCases = new ArrayList<>();
        List<String> messageDiffs = new ArrayList<>();
        long seed0 = Long.getLong("bpf4j.diff.seed", 20250601L);
        for (int i = 0; i < PROGRAMS; i++) {
            ProgramType t = types[i % types.length];
            ProgramGenerator g = new ProgramGenerator(seed0 + i, t);
            Program p = g.next();
            VerifierResult ours = Verifier.verify(p, t, ProgramGenerator.MAPS, VerifierOptions.defaults());
            KernelOracle.Verdict k = KernelOracle.load(p, t, ProgramGenerator.MAPS, 1);
            if (ours instanceof VerifierResult.Unsupported) {
                unsupported++;
                continue;
            }
            boolean accepted = ours instanceof VerifierResult.Accepted;
            if (accepted && !k.accepted()) {
                unsound.add("seed " + (seed0 + i) + " " + t + ": kernel says " + k.lastMessage());
            } else if (!accepted && k.accepted()) {
                stricter++;
                if (stricterCases.size() < 10) {
                    stricterCases.add("seed " + (seed0 + i) + " " + t + ": " + ((VerifierResult.Rejected) ours).details());
                }
            } else if (accepted) {
                agreeAccept++;
            } else {
                agreeReject++;
                VerifierResult.Rejected r = (VerifierResult.Rejected) ours;
                boolean same = r.details().stream().anyMatch(l -> k.log().contains(l));
                if (same) sameMessage++;
                else if (messageDiffs.size() < 15) {
                    messageDiffs.add("seed " + (seed0 + i) + " " + t + ": ours " + r.details() + " kernel " + k.lastMessage());
                }
            }
        }
        System.out.printf("differential: %d programs, agree accept %d, agree reject %d (same message %d), "
                + "bpf4j stricter %d, unsupported %d, UNSOUND %d%n", PROGRAMS, agreeAccept, agreeReject, sameMessage,
                stricter, unsupported, unsound.size());
        stricterCases.forEach(s -> System.out.println("  stricter: " + s));
        messageDiffs.forEach(s -> System.out.println("  message: " + s));
        assertThat(unsound).as("programs bpf4j accepts and the kernel refuses").isEmpty();
    }
}

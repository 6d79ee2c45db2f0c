package org.bpf4j.verifier;

import org.bpf4j.helpers.HelperSpecs;
import static org.bpf4j.verifier.VerifierProgramType.*;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Assumptions;

/**
 * A program type with an expected_attach_type the running kernel loads it with: every program type of Linux
 * 6.18, with each attach type that changes its context, helpers or return range. Types the kernel cannot load
 * from a program alone (the BTF-based ones need an attach target) or does not know skip with the reason.
 */
record LoadConfig(VerifierProgramType type, int attachType) {

    @Override
    public String toString() {
        return type + (attachType == 0 ? "" : "/" + attachType);
    }

    /** As the running kernel verifies: Linux 6.18 without what its configuration left out. */
    VerifierOptions options(boolean gpl) {
        return VerifierOptions.defaults().withGpl(gpl).withExpectedAttachType(attachType).withTarget(KernelOracle.running());
    }

    /**
     * The helpers Linux 6.18's table gives this configuration and the running kernel does not (compiled out):
     * what the comparison with the kernel leaves out of the 6.18 model, for the test output.
     */
    String helpersNotBuiltIn() {
        StringBuilder out = new StringBuilder();
        for (int id = 1; id <= HelperAvailabilityOracleTest.MAX_HELPER_ID; id++) {
            if (HelperAvailability.verdict(HelperSpecs.linux618(), id, type, attachType) != HelperAvailability.Verdict.UNAVAILABLE
                    && HelperAvailability.verdict(HelperSpecs.linux618(), id, type, attachType, KernelOracle.running())
                    == HelperAvailability.Verdict.UNAVAILABLE) {
                out.append(" #").append(id);
            }
        }
        return out.isEmpty() ? "" : "; not built into the running kernel, so refused as it refuses them:" + out;
    }

    /** Skips, with the reason, what cannot be compared with the running kernel. */
    void assumeKernelComparable() {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        Program trivial = B.b().ret(VALID_RETURN).p();
        if (type.unsupportedReason().isPresent()) {
            // bpf4j must not pretend: every program of the type is unsupported, with the reason
            if (!(Verifier.verify(trivial, type, List.of(), options(true)) instanceof VerifierResult.Unsupported)) {
                throw new AssertionError(type + " programs must be unsupported");
            }
            Assumptions.abort(type + " loads only with a BTF attach target; bpf4j answers unsupported: "
                    + type.unsupportedReason().get());
        }
        KernelOracle.Verdict k = KernelOracle.load(trivial, type, List.of(), 1, "GPL", attachType);
        Assumptions.assumeTrue(k.accepted() || !k.log().isEmpty(),
                "the running kernel does not load " + this + " programs (errno " + k.errno() + "): not built in");
    }

    /** A return value every configuration accepts. */
    static final int VALID_RETURN = 1;

    static List<LoadConfig> all() {
        List<LoadConfig> out = new ArrayList<>();
        for (VerifierProgramType t : VerifierProgramType.values()) {
            int[] attachTypes = switch (t) {
                case KPROBE -> new int[] {0, ATTACH_KPROBE_MULTI, ATTACH_KPROBE_SESSION};
                case XDP -> new int[] {0, ATTACH_XDP_DEVMAP};
                case CGROUP_SKB -> new int[] {0, ATTACH_CGROUP_INET_EGRESS};
                case CGROUP_SOCK -> new int[] {ATTACH_INET_SOCK_CREATE, ATTACH_INET_SOCK_RELEASE, ATTACH_INET4_POST_BIND,
                    ATTACH_INET6_POST_BIND};
                case SK_SKB -> new int[] {0, 4, 5, 38}; // stream parser, stream verdict, verdict
                case CGROUP_SOCK_ADDR -> new int[] {ATTACH_INET4_BIND, ATTACH_INET6_BIND, ATTACH_INET4_CONNECT,
                    ATTACH_INET6_CONNECT, ATTACH_UDP4_SENDMSG, ATTACH_UDP6_SENDMSG, ATTACH_UDP4_RECVMSG,
                    ATTACH_UDP6_RECVMSG, ATTACH_INET4_GETPEERNAME, ATTACH_INET6_GETPEERNAME, ATTACH_INET4_GETSOCKNAME,
                    ATTACH_INET6_GETSOCKNAME, 49, 50, ATTACH_UNIX_RECVMSG, ATTACH_UNIX_GETPEERNAME, ATTACH_UNIX_GETSOCKNAME};
                case SK_REUSEPORT -> new int[] {39, 40}; // select, select_or_migrate
                case CGROUP_SOCKOPT -> new int[] {ATTACH_GETSOCKOPT, ATTACH_SETSOCKOPT};
                case SK_LOOKUP -> new int[] {36};
                case NETFILTER -> new int[] {45};
                default -> new int[] {0};
            };
            for (int a : attachTypes) out.add(new LoadConfig(t, a));
        }
        return out;
    }
}

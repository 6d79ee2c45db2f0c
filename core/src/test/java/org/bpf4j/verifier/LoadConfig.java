package org.bpf4j.verifier;

import static org.bpf4j.progtype.AttachType.*;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;

/**
 * A program type with an expected_attach_type the running kernel loads it with: every program type of Linux
 * 6.18, with each attach type that changes its context, helpers or return range. Types the kernel cannot load
 * from a program alone (the BTF-based ones need an attach target) or does not know skip with the reason.
 */
record LoadConfig(ProgramType type, AttachType attachType) {

    @Override
    public String toString() {
        return type + (attachType.id() == 0 ? "" : "/" + attachType.id());
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
        if (VerifierOps.unsupportedReason(type).isPresent()) {
            // bpf4j must not pretend: every program of the type is unsupported, with the reason
            if (!(Verifier.verify(trivial, type, List.of(), options(true)) instanceof VerifierResult.Unsupported)) {
                throw new AssertionError(type + " programs must be unsupported");
            }
            Assumptions.abort(type + " loads only with a BTF attach target; bpf4j answers unsupported: "
                    + VerifierOps.unsupportedReason(type).get());
        }
        KernelOracle.Verdict k = KernelOracle.load(trivial, type, List.of(), 1, "GPL", attachType);
        Assumptions.assumeTrue(k.accepted() || !k.log().isEmpty(),
                "the running kernel does not load " + this + " programs (errno " + k.errno() + "): not built in");
    }

    /** A return value every configuration accepts. */
    static final int VALID_RETURN = 1;

    static List<LoadConfig> all() {
        List<LoadConfig> out = new ArrayList<>();
        for (ProgramType t : ProgramType.values()) {
            if (t == ProgramType.UNSPEC) continue; // no verifier ops: the kernel refuses it before verifying
            // none: the kernel sees 0, which is CGROUP_INET_INGRESS
            List<AttachType> attachTypes = switch (t) {
                case KPROBE -> List.of(CGROUP_INET_INGRESS, TRACE_KPROBE_MULTI, TRACE_KPROBE_SESSION);
                case XDP -> List.of(CGROUP_INET_INGRESS, AttachType.XDP_DEVMAP);
                case CGROUP_SKB -> List.of(CGROUP_INET_INGRESS, CGROUP_INET_EGRESS);
                case CGROUP_SOCK -> List.of(CGROUP_INET_SOCK_CREATE, CGROUP_INET_SOCK_RELEASE, CGROUP_INET4_POST_BIND,
                    CGROUP_INET6_POST_BIND);
                case SK_SKB -> List.of(CGROUP_INET_INGRESS, SK_SKB_STREAM_PARSER, SK_SKB_STREAM_VERDICT, SK_SKB_VERDICT);
                case CGROUP_SOCK_ADDR -> List.of(CGROUP_INET4_BIND, CGROUP_INET6_BIND, CGROUP_INET4_CONNECT,
                    CGROUP_INET6_CONNECT, CGROUP_UDP4_SENDMSG, CGROUP_UDP6_SENDMSG, CGROUP_UDP4_RECVMSG,
                    CGROUP_UDP6_RECVMSG, CGROUP_INET4_GETPEERNAME, CGROUP_INET6_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                    CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_CONNECT, CGROUP_UNIX_SENDMSG, CGROUP_UNIX_RECVMSG,
                    CGROUP_UNIX_GETPEERNAME, CGROUP_UNIX_GETSOCKNAME);
                case SK_REUSEPORT -> List.of(SK_REUSEPORT_SELECT, SK_REUSEPORT_SELECT_OR_MIGRATE);
                case CGROUP_SOCKOPT -> List.of(CGROUP_GETSOCKOPT, CGROUP_SETSOCKOPT);
                case SK_LOOKUP -> List.of(AttachType.SK_LOOKUP);
                case NETFILTER -> List.of(AttachType.NETFILTER);
                default -> List.of(CGROUP_INET_INGRESS);
            };
            for (AttachType a : attachTypes) out.add(new LoadConfig(t, a));
        }
        return out;
    }
}

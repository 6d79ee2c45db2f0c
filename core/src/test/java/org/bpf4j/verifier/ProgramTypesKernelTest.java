package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.progtype.AttachType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Compiled programs of the program types beyond sockets, tc, XDP and tracing (progtypes.bpf.c), verified
 * by bpf4j through the object path ({@code bpf4j prog verify}) and loaded into the running kernel.
 */
class ProgramTypesKernelTest {
    @Test
    void verdictsAsTheKernel() throws IOException {
        BpfObject object;
        try (InputStream in = ProgramTypesKernelTest.class.getResourceAsStream("/bpf/progtypes.bpf.o")) {
            object = BpfObject.parse("progtypes.bpf.o", in.readAllBytes());
        }
        List<String> diffs = new ArrayList<>();
        List<String> verdicts = new ArrayList<>();
        for (ProgramSpec spec : object.programs()) {
            VerifierResult ours = ObjectVerification.verify(object, spec, VerifierOptions.defaults());
            verdicts.add(spec.sectionName() + ": " + VerifierTestSupport.describe(ours).lines().findFirst().orElse(""));
            if (!KernelOracle.available()) continue;
            LinkedProgram linked = LinkedObject.link(object, spec, Optional.empty());
            KernelOracle.Verdict k = KernelOracle.load(linked.program(), spec.type(), ObjectVerification.maps(object), 1, "GPL",
                    spec.expectedAttachType().orElse(AttachType.CGROUP_INET_INGRESS));
            boolean agree = switch (ours) {
                case VerifierResult.Accepted a -> k.accepted();
                case VerifierResult.Rejected r -> !k.accepted() && r.details().getLast().equals(k.lastMessage());
                case VerifierResult.Unsupported u -> true;
                case VerifierResult.InternalError e -> false;
            };
            if (!agree) diffs.add(spec.sectionName() + ": kernel " + (k.accepted() ? "accepts" : "refuses: " + k.lastMessage()));
        }
        verdicts.forEach(v -> System.out.println("  " + v));
        assertThat(object.programs()).hasSizeGreaterThanOrEqualTo(20);
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available: bpf4j's verdicts printed, not compared");
        assertThat(diffs).as("programs where bpf4j and the kernel disagree").isEmpty();
    }
}

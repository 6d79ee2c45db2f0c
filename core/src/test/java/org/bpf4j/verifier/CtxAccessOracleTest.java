package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Every context offset, size and direction of the modelled socket program types, against the running kernel. */
class CtxAccessOracleTest {
    static final int[] SIZES = {SIZE_B, SIZE_H, SIZE_W, SIZE_DW};

    static void compareAll(VerifierProgramType t, int ctxSize) {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        List<String> diffs = new ArrayList<>();
        for (int off = -4; off < ctxSize + 8; off++) {
            for (int sz : SIZES) {
                for (boolean write : new boolean[] {false, true}) {
                    B b = B.b();
                    if (write) b.mov(2, 0).stx(sz, 1, 2, off); else b.ldx(sz, 0, 1, off);
                    var p = b.ret(1).p();
                    VerifierResult ours = Verifier.verify(p, t, List.of(), VerifierOptions.defaults());
                    if (ours instanceof VerifierResult.Unsupported) continue;
                    boolean k = KernelOracle.load(p, t, List.of(), 1).accepted();
                    if (k != ours instanceof VerifierResult.Accepted) {
                        diffs.add((write ? "write" : "read") + " off=" + off + " size=" + sizeBytes(sz) + ": kernel "
                                + (k ? "accepts" : "refuses"));
                    }
                }
            }
        }
        assertThat(diffs).as(t + " context accesses where bpf4j and the kernel disagree").isEmpty();
    }

    @Test void cgroupSock() { compareAll(VerifierProgramType.CGROUP_SOCK, 80); }

    @Test void sockOps() { compareAll(VerifierProgramType.SOCK_OPS, 224); }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class OracleProbeTest {
    @Test
    void kernelOracleLoadsATrivialProgram() {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available (not root or not Linux)");
        var k = KernelOracle.load(B.b().ret(0).p(), ProgramType.SOCKET_FILTER, List.of(), 1);
        assertThat(k.accepted()).as(k.log()).isTrue();
        assertThat(k.log()).contains("processed 2 insns");
    }
}

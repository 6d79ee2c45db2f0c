package org.bpf4j.progtype;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReturnCodesTest {

    @Test
    void namesAreUapis() {
        assertThat(ReturnCodes.name(ProgramType.XDP, 1)).contains("XDP_DROP");
        assertThat(ReturnCodes.name(ProgramType.XDP, 4)).contains("XDP_REDIRECT");
        assertThat(ReturnCodes.name(ProgramType.XDP, 5)).isEmpty();
        assertThat(ReturnCodes.name(ProgramType.SCHED_CLS, 2)).contains("TC_ACT_SHOT");
        // a test run reports the 32-bit result: TC_ACT_UNSPEC (-1) arrives as 0xffffffff
        assertThat(ReturnCodes.name(ProgramType.SCHED_ACT, 0xffffffffL)).contains("TC_ACT_UNSPEC");
        assertThat(ReturnCodes.name(ProgramType.SK_SKB, 1)).contains("SK_PASS");
        assertThat(ReturnCodes.name(ProgramType.LWT_XMIT, 128)).contains("BPF_LWT_REROUTE");
        assertThat(ReturnCodes.name(ProgramType.CGROUP_SKB, 1)).isEqualTo(Optional.empty());
    }
}

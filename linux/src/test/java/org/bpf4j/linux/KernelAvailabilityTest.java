package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelAvailabilityTest {

    @Test
    void aReasonIsGivenExactlyWhenUnavailable() {
        KernelAvailability k = KernelAvailability.check();
        assertThat(k.reason().isEmpty()).isEqualTo(k.available());
        assertThat(k.bpffsReason().isEmpty()).isEqualTo(k.bpffs());
        if (!k.available()) assertThat(k.bpffs()).isFalse();
        assertThat(KernelAvailability.check()).isSameAs(k);
    }
}

package org.bpf4j.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The config file's format and the kernel release, as libbpf reads them. */
class KernelConfigTest {

    @Test
    void theReleaseGivesKernelVersionWithThePatchLevelCappedAt255() {
        assertThat(KernelConfig.kernelVersion("6.18.44-fc-v1272")).isEqualTo(6 << 16 | 18 << 8 | 44);
        assertThat(KernelConfig.kernelVersion("4.19.300")).isEqualTo(4 << 16 | 19 << 8 | 255);
        assertThat(KernelConfig.kernelVersion("6.12-rc1")).isEqualTo(6 << 16 | 12 << 8);
    }

    @Test
    void configLinesAreReadCommentsSkippedAndALineWithoutValueRefused() {
        assertThat(KernelConfig.parse("# CONFIG_A is not set\nCONFIG_B=y\n\nCONFIG_S=\"x y\"\n", "t"))
                .containsOnlyKeys("CONFIG_B", "CONFIG_S").containsEntry("CONFIG_S", "\"x y\"");
        assertThatThrownBy(() -> KernelConfig.parse("CONFIG_B=y\nCONFIG_C=\n", "cfg"))
                .hasMessage("cfg:2: 'CONFIG_C=' is not CONFIG_NAME=value");
    }
}

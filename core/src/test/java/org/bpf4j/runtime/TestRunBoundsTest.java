package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.maps.Errno;
import org.bpf4j.pcap.Pcap;
import org.junit.jupiter.api.Test;

/** The parts of TestRun both backends take: room for data_out and ctx_out, and the flags. */
class TestRunBoundsTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));

    private static void withFirewall(java.util.function.BiConsumer<LoadedProgram, byte[]> body) throws IOException {
        try (BpfRuntime runtime = BpfRuntime.create()) {
            LoadedProgram xdp = runtime.load(BpfObject.open(ROOT.resolve("examples/xdp/firewall.bpf.o")))
                    .program("xdp_firewall").orElseThrow();
            body.accept(xdp, Pcap.read(ROOT.resolve("examples/xdp/firewall.pcap")).getFirst().data());
        }
    }

    @Test
    void dataOutSmallerThanThePacketIsEnospcAsInTheKernel() throws IOException {
        withFirewall((xdp, frame) -> {
            assertThat(xdp.testRun(TestRun.of(frame).withDataSizeOut(frame.length)).dataOut()).hasSize(frame.length);
            assertThatThrownBy(() -> xdp.testRun(TestRun.of(frame).withDataSizeOut(frame.length - 1)))
                    .isInstanceOfSatisfying(TestRunException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC))
                    .hasMessageContaining("data_out holds " + (frame.length - 1));
        });
    }

    @Test
    void ctxOutOfNoRoomIsEmptyAndTooLittleRoomIsEnospc() throws IOException {
        withFirewall((xdp, frame) -> {
            assertThat(xdp.testRun(TestRun.of(frame).withCtxSizeOut(0)).contextOut()).isEmpty();
            assertThat(xdp.testRun(TestRun.of(frame)).contextOut()).hasSize(24); // struct xdp_md
            assertThatThrownBy(() -> xdp.testRun(TestRun.of(frame).withCtxSizeOut(8)))
                    .isInstanceOfSatisfying(TestRunException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSPC));
        });
    }

    @Test
    void liveFramesNeedTheKernel() throws IOException {
        withFirewall((xdp, frame) -> assertThatThrownBy(() -> xdp.testRun(TestRun.of(frame).withFlags(TestRun.F_XDP_LIVE_FRAMES)))
                .isInstanceOfSatisfying(TestRunException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP))
                .hasMessageContaining("kernel backend"));
    }

    @Test
    void onCpuSetsTheKernelsRunOnCpuFlag() {
        TestRun run = TestRun.of(new byte[14]).onCpu(1);
        assertThat(run.flags() & TestRun.F_RUN_ON_CPU).isNotZero();
        assertThat(run.cpu()).isEqualTo(1);
        assertThat(TestRun.of(new byte[14]).flags()).isZero();
    }
}

package org.bpf4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.Test;

/**
 * The common API on bpf4j's runtime alone (no kernel needed; ApiDifferentialTest in the linux module runs the
 * same calls on both backends): ring records by callback and stream, names in errors, the refusal to attach.
 */
class ObjectHandleTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));

    @Test
    void ringRecordsComeByCallbackAndByStreamInProductionOrder() throws IOException, InterruptedException {
        try (BpfRuntime runtime = BpfRuntime.create(); ObjectHandle o = runtime.load(BpfObject.open(ROOT.resolve("examples/xdp/events.bpf.o")))) {
            ProgramHandle xdp = o.requireProgram("xdp_events");
            List<Frame> frames = Pcap.read(ROOT.resolve("examples/xdp/events.pcap"));
            for (Frame f : frames.subList(0, 11)) xdp.testRun(TestRun.of(f.data()));
            try (RingReader events = o.requireMap("events").openRingBuffer()) {
                List<String> first = new ArrayList<>();
                assertThat(events.poll(r -> first.add(HexFormat.of().formatHex(r)), Duration.ofSeconds(1))).isPositive();
                // the capture's first SYN, as the kernel recorded it (examples/expected/events.json)
                assertThat(first.getFirst()).isEqualTo("01040602409c50003600000000000000c000020a0000000000000000000000000a000001000000000000000000000000");
                assertThat(events.available()).isZero();
                for (Frame f : frames.subList(11, frames.size())) xdp.testRun(TestRun.of(f.data()));
                long more = events.stream(Duration.ofMillis(10)).count();
                assertThat(first.size() + more).isEqualTo(11); // 13 records reserved in all, two discarded (examples/expected/events.json)
                assertThat(events.consume(r -> { })).isZero();
            }
        }
    }

    @Test
    void namesThatDoNotExistListTheOnesThatDoAndTheJvmAttachesNothing() throws IOException {
        try (BpfRuntime runtime = BpfRuntime.create(); ObjectHandle o = runtime.load(BpfObject.open(ROOT.resolve("examples/xdp/events.bpf.o")))) {
            assertThatThrownBy(() -> o.requireMap("event")).hasMessage("no map event in the object; it has events, lost, .rodata");
            assertThatThrownBy(() -> o.requireProgram("xdp")).hasMessage("no program xdp in the object; it has xdp_events");
            assertThatThrownBy(() -> o.requireProgram("xdp_events").attach(Optional.of("lo")))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessage("program xdp_events (section xdp): the in-JVM runtime has no live hooks; load the object with"
                            + " org.bpf4j.linux.KernelObject.load to attach it in the kernel");
        }
    }
}

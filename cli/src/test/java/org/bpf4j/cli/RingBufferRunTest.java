package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prog run --pcap} leaves ring buffer records in the ring until the last frame, as the kernel does
 * between test runs: the program {@code ring} of linux/src/test/resources/bpf/helpers.bpf.c outputs a
 * 300-byte record per frame into a 4096-byte ring and writes bpf_ringbuf_output's result and
 * bpf_ringbuf_query's values (available data, ring size, consumer and producer positions) into the frame.
 */
class RingBufferRunTest {
    private static final Path OBJECT = ProgCommandTest.ROOT.resolve("linux/src/test/resources/bpf/helpers.bpf.o");
    private static final int FRAMES = 16, RECORD = 300, SLOT = 312; // round_up(300 + 8-byte header, 8)
    private static final int FIT = 4095 / SLOT;                      // 13: the producer stays within size - 1 of the consumer

    @TempDir
    Path dir;

    private static List<Frame> frames() {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(2).putInt(0).putInt(RECORD).putInt(0x5a000000 | i).putLong(0).putLong(0); // op 2: bpf_ringbuf_output
            frames.add(Frame.of(f.array()));
        }
        return frames;
    }

    private static long u64(String hex, int word) {
        return Long.reverseBytes(Long.parseUnsignedLong(hex.substring(16 * word, 16 * word + 16), 16));
    }

    @Test
    void recordsStayInTheRingUntilTheLastFrame() throws IOException {
        Path pcap = dir.resolve("ring.pcap");
        Pcap.write(pcap, frames());
        CliRunner r = CliRunner.run("prog", "run", OBJECT.toString(), "--prog", "ring", "--pcap", pcap.toString(), "--json");
        assertThat(r.exit()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        JsonNode results = root.get("results");
        for (int i = 0; i < FRAMES; i++) {
            String out = results.get(i).get("data_out").asText();
            int records = Math.min(i + 1, FIT);
            assertThat(u64(out, 0)).as("frame %d: output's result", i + 1).isEqualTo(i < FIT ? 0 : -11); // -EAGAIN once full
            assertThat(u64(out, 1)).as("frame %d: BPF_RB_AVAIL_DATA", i + 1).isEqualTo((long) records * SLOT);
            assertThat(u64(out, 2)).as("frame %d: BPF_RB_RING_SIZE", i + 1).isEqualTo(4096);
            assertThat(u64(out, 3)).as("frame %d: BPF_RB_CONS_POS", i + 1).isZero();
            assertThat(u64(out, 4)).as("frame %d: BPF_RB_PROD_POS", i + 1).isEqualTo((long) records * SLOT);
        }
        JsonNode records = root.get("ringbuf").get("rb");
        assertThat(records).hasSize(FIT);
        for (int i = 0; i < FIT; i++) {
            assertThat(records.get(i).asText()).as("record %d", i).startsWith(String.format("%02x00005a", i)).hasSize(2 * RECORD);
        }
        // each record is printed under the frame that wrote it, though all were read after the last frame
        CliRunner text = CliRunner.run("prog", "run", OBJECT.toString(), "--prog", "ring", "--pcap", pcap.toString());
        for (int i = 0; i < FIT; i++) {
            assertThat(text.out()).containsPattern(String.format("frame %d: [^\n]*\n(  [^\n]*\n)*?  ringbuf rb: %02x00005a", i + 1, i));
        }
        assertThat(text.out()).doesNotContainPattern(String.format("frame %d: [^\n]*\n(  [^\n]*\n)*?  ringbuf", FIT + 1));
        for (int i = 0; i < FIT; i++) {
            assertThat(root.get("results").get(i).get("ringbuf").get("rb")).as("frame %d's records in -j", i + 1).hasSize(1);
        }
        assertThat(root.get("results").get(FIT).get("ringbuf").has("rb")).as("a frame that found the ring full wrote nothing").isFalse();
        CliRunner quiet = CliRunner.run("prog", "run", OBJECT.toString(), "--prog", "ring", "--pcap", pcap.toString(), "--quiet");
        assertThat(quiet.out()).contains("ringbuf rb: " + FIT + " records").doesNotContain("frame 1:");

        // The kernel, running the same object on the same frames, returns the same values.
        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        try (KernelObject k = KernelObject.load(BpfObject.open(OBJECT), Optional.of("ring"))) {
            List<Frame> frames = frames();
            for (int i = 0; i < FRAMES; i++) {
                var kr = k.program("ring").orElseThrow().testRun(TestRun.of(frames.get(i).data()).withDataSizeOut(4096));
                assertThat(results.get(i).get("retval").asLong()).as("frame %d retval", i + 1).isEqualTo(kr.retval());
                assertThat(results.get(i).get("data_out").asText()).as("frame %d data_out", i + 1).isEqualTo(Json.hex(kr.dataOut()));
            }
        }
    }

    /**
     * {@code --repeat N} on the JIT warms the program up on the real maps first and then puts them back: the ring's
     * positions too, so that the N timed runs see an empty ring at position 0, as the kernel's N runs do.
     */
    @Test
    void aWarmUpLeavesNoTraceInTheRing() throws IOException {
        Path frame = dir.resolve("frame.bin");
        java.nio.file.Files.write(frame, frames().getFirst().data());
        CliRunner r = CliRunner.run("prog", "run", OBJECT.toString(), "--prog", "ring", "--data-in", frame.toString(),
                "--repeat", "5", "--engine", "jit", "--json");
        assertThat(r.exit()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        String out = root.get("results").get(0).get("data_out").asText();
        assertThat(u64(out, 3)).as("BPF_RB_CONS_POS").isZero();
        assertThat(root.get("ringbuf").get("rb")).hasSizeLessThanOrEqualTo(5);

        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        try (KernelObject k = KernelObject.load(BpfObject.open(OBJECT), Optional.of("ring"))) {
            var kr = k.program("ring").orElseThrow().testRun(TestRun.of(frames().getFirst().data()).withDataSizeOut(4096).withRepeat(5));
            assertThat(root.get("results").get(0).get("retval").asLong()).isEqualTo(kr.retval());
            assertThat(out).isEqualTo(Json.hex(kr.dataOut()));
        }
    }
}

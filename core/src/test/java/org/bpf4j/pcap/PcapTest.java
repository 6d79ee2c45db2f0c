package org.bpf4j.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PcapTest {

    private static final List<Frame> FRAMES = List.of(
            new Frame(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0}, 1_700_000_000_123_456_789L, 14),
            new Frame(new byte[60], 1_700_000_001_000_000_000L, 1514));

    @Test
    void classicRoundTrip() {
        List<Frame> back = Pcap.parse("x.pcap", Pcap.toClassic(FRAMES));
        assertThat(back).hasSize(2);
        assertThat(back.get(0).data()).isEqualTo(FRAMES.get(0).data());
        assertThat(back.get(0).timestampNanos()).isEqualTo(FRAMES.get(0).timestampNanos());
        assertThat(back.get(1).originalLength()).isEqualTo(1514);
    }

    private static byte[] classic(ByteOrder order, int magic, long sec, long frac, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(24 + 16 + frame.length).order(order);
        b.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt((int) sec).putInt((int) frac).putInt(frame.length).putInt(frame.length).put(frame);
        return b.array();
    }

    @Test
    void classicInBothByteOrdersAndBothResolutions() {
        byte[] frame = {(byte) 0xaa, (byte) 0xbb};
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            List<Frame> micro = Pcap.parse("m", classic(order, 0xa1b2c3d4, 5, 7, frame));
            assertThat(micro.get(0).timestampNanos()).isEqualTo(5_000_007_000L);
            assertThat(micro.get(0).data()).isEqualTo(frame);
            List<Frame> nano = Pcap.parse("n", classic(order, 0xa1b23c4d, 5, 7, frame));
            assertThat(nano.get(0).timestampNanos()).isEqualTo(5_000_000_007L);
        }
    }

    private static byte[] pcapng(ByteOrder order, int tsresol, long ticks, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(order);
        // Section header block
        b.putInt(0x0A0D0D0A).putInt(28).putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1).putInt(28);
        // Interface description block with if_tsresol
        b.putInt(1).putInt(32).putShort((short) 1).putShort((short) 0).putInt(65535);
        b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        b.putInt(0).putInt(32);
        // An unknown block to skip
        b.putInt(0x0BAD).putInt(12).putInt(12);
        // Enhanced packet block
        int padded = (frame.length + 3) & ~3;
        int len = 32 + padded;
        b.putInt(6).putInt(len).putInt(0).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(frame.length).putInt(frame.length);
        b.put(frame).put(new byte[padded - frame.length]).putInt(len);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void pcapngInBothByteOrdersWithTimestampResolution() {
        byte[] frame = {1, 2, 3, 4, 5};
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            List<Frame> frames = Pcap.parse("x.pcapng", pcapng(order, 9, 3_000_000_001L, frame));
            assertThat(frames).hasSize(1);
            assertThat(frames.get(0).data()).isEqualTo(frame);
            assertThat(frames.get(0).timestampNanos()).isEqualTo(3_000_000_001L);
            List<Frame> micro = Pcap.parse("x.pcapng", pcapng(order, 6, 2_000_003L, frame));
            assertThat(micro.get(0).timestampNanos()).isEqualTo(2_000_003_000L);
        }
    }

    @Test
    void brokenRecordsNameFileRecordAndOffset() {
        byte[] ok = Pcap.toClassic(FRAMES);
        byte[] truncated = java.util.Arrays.copyOf(ok, ok.length - 3);
        assertThatThrownBy(() -> Pcap.parse("t.pcap", truncated))
                .isInstanceOf(PcapFormatException.class)
                .hasMessage("t.pcap: record 2 at offset 54: captured length 60 runs past the end of the file");
        assertThatThrownBy(() -> Pcap.parse("z.pcap", new byte[] {1, 2, 3, 4, 5}))
                .hasMessage("z.pcap: not a pcap or pcapng file (magic 0x04030201)");
        byte[] raw = classic(ByteOrder.LITTLE_ENDIAN, 0xa1b2c3d4, 0, 0, new byte[4]);
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putInt(20, 101);
        assertThatThrownBy(() -> Pcap.parse("ip.pcap", raw)).hasMessage("ip.pcap: link type 101 is not Ethernet (1)");
    }

    /** A pcapng file cut inside a block says so, not that the block's length is wrong. */
    @Test
    void aPcapngFileCutMidBlockEndsEarly() {
        byte[] ok = pcapng(ByteOrder.LITTLE_ENDIAN, 9, 5, new byte[60]);
        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 10);
        int lastBlock = ok.length - ByteBuffer.wrap(ok, ok.length - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertThatThrownBy(() -> Pcap.parse("c.pcapng", cut))
                .isInstanceOf(PcapFormatException.class)
                .hasMessage("c.pcapng: block at offset " + lastBlock + ": the file ends early (the block's length is "
                        + (ok.length - lastBlock) + ", " + (cut.length - lastBlock) + " bytes are left)");
        byte[] odd = ok.clone();
        ByteBuffer.wrap(odd).order(ByteOrder.LITTLE_ENDIAN).putInt(lastBlock + 4, 13);
        assertThatThrownBy(() -> Pcap.parse("o.pcapng", odd)).hasMessage("o.pcapng: block at offset " + lastBlock + ": bad block length 13");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void mutatedCapturesFailCleanlyOrParse(long seed) {
        Random random = new Random(seed);
        byte[][] seeds = {Pcap.toClassic(FRAMES), pcapng(ByteOrder.LITTLE_ENDIAN, 9, 5, new byte[] {1, 2, 3}),
            pcapng(ByteOrder.BIG_ENDIAN, 0x86, 5, new byte[17])};
        for (int i = 0; i < 3000; i++) {
            byte[] input = seeds[random.nextInt(seeds.length)].clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) input[random.nextInt(input.length)] = (byte) random.nextInt();
            if (random.nextBoolean()) input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 1));
            byte[] candidate = input;
            try {
                Pcap.parse("fuzz", candidate);
            } catch (PcapFormatException expected) {
                assertThat(expected.getMessage()).startsWith("fuzz: ").doesNotContain("\n");
            }
        }
    }
}

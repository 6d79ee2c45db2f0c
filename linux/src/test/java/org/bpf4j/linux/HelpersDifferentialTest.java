package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.interp.Executable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.RuntimeOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Helpers run on seeded inputs by the same object (src/test/resources/bpf/helpers.bpf.c) in bpf4j, on both
 * engines, and in the running kernel, each with BPF_PROG_TEST_RUN: the return values and output frames
 * (where each program writes its helpers' results) must be the same.
 */
class HelpersDifferentialTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Path OBJECT = Path.of(System.getProperty("bpf4j.linux.resources", "src/test/resources")).resolve("bpf/helpers.bpf.o");
    private static final long SEED = 20261207L;

    /** One run's outcome: r0 and the output frame, as hex. */
    record Outcome(long retval, String dataOut) {
        @Override
        public String toString() { return "r0=" + retval + " out=" + (dataOut.length() > 96 ? dataOut.substring(0, 96) + "..." : dataOut); }
    }

    /** Runs {@code frames} one after the other through {@code program} in bpf4j (maps persist across frames). */
    static List<Outcome> ours(String engine, String program, List<byte[]> frames) throws IOException {
        Executable.Loader loader = engine.equals("jit") ? JvmCompiler::compile : Interpreter::load;
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(KernelMap.possibleCpus()).withEngine(loader)
                .withMemory(256L << 20))) {
            LoadedObject loaded = runtime.load(BpfObject.open(OBJECT));
            List<Outcome> out = new ArrayList<>();
            for (byte[] f : frames) {
                var r = loaded.program(program).orElseThrow().testRun(org.bpf4j.runtime.TestRun.of(f));
                out.add(new Outcome(r.retval() & 0xffffffffL, HEX.formatHex(r.dataOut())));
            }
            return out;
        }
    }

    /** The same in the kernel. */
    static List<Outcome> theirs(String program, List<byte[]> frames) throws IOException {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(BpfObject.open(OBJECT), Optional.of(program))) {
            List<Outcome> out = new ArrayList<>();
            for (byte[] f : frames) {
                var r = k.program(program).orElseThrow().testRun(TestRun.of(f).withDataSizeOut(8192));
                out.add(new Outcome(r.retval() & 0xffffffffL, HEX.formatHex(r.dataOut())));
            }
            return out;
        }
    }

    private static void assertSame(List<Outcome> ours, List<Outcome> theirs, List<String> inputs) {
        assertThat(ours).hasSameSizeAs(theirs);
        for (int i = 0; i < ours.size(); i++) {
            assertThat(ours.get(i)).as("run %d: %s", i, inputs.get(i)).isEqualTo(theirs.get(i));
        }
    }

    // ---- bpf_csum_diff ----

    private static final int CSUM_AREA = 1024;

    /** Sizes: mostly multiples of 4 within the 512 bytes the helper takes, some beyond, some unaligned. */
    private static int csumSize(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(1024);           // often unaligned or too large: -EINVAL
            case 2 -> 4;
            default -> 4 * rnd.nextInt(129);       // 0..512
        };
    }

    private static byte[] csumArea(Random rnd) {
        byte[] b = new byte[CSUM_AREA];
        switch (rnd.nextInt(6)) {
            case 0 -> { }                                     // zeros: the sums whose representation is 0 or 0xffff
            case 1 -> java.util.Arrays.fill(b, (byte) 0xff);
            default -> rnd.nextBytes(b);
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void csumDiffGivesTheKernelsResults(String engine) throws IOException {
        Random rnd = new Random(SEED);
        List<byte[]> frames = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int fs = csumSize(rnd), ts = csumSize(rnd), mode = rnd.nextInt(4);
            long seed = switch (rnd.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 0xffffffffL;
                case 2 -> rnd.nextInt(0x10000);
                default -> rnd.nextLong();                    // the upper half is not part of the __wsum
            };
            ByteBuffer f = ByteBuffer.allocate(24 + 2 * CSUM_AREA).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(fs).putInt(ts).putLong(seed).putInt(mode).putInt(0);
            f.put(csumArea(rnd)).put(csumArea(rnd));
            frames.add(f.array());
            inputs.add("from_size=" + fs + " to_size=" + ts + " seed=" + Long.toHexString(seed) + " mode=" + mode);
        }
        List<Outcome> ours = ours(engine, "csum", frames);
        assertSame(ours, theirs("csum", frames), inputs);
    }

    // ---- the ring buffer, never consumed between runs (as in the kernel) ----

    /** Runs that reserve, discard and output records until the 4096-byte ring is full, querying it after each. */
    static List<byte[]> ringFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(4);
            long flags = switch (rnd.nextInt(6)) {
                case 0 -> 1;                  // BPF_RB_NO_WAKEUP
                case 1 -> 2;                  // BPF_RB_FORCE_WAKEUP
                case 2 -> 4;                  // not a flag: -EINVAL from output, NULL from reserve
                default -> 0;
            };
            ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(op).putInt(rnd.nextInt(5)).putInt(rnd.nextInt(4) == 0 ? rnd.nextInt(2048) : rnd.nextInt(200)).putInt(0x5a000000 | i)
                    .putLong(flags).putLong(rnd.nextInt(6));
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void ringBufferFillsUpAsTheKernelsDoes(String engine) throws IOException {
        List<byte[]> frames = ringFrames(new Random(SEED), 60);
        List<String> inputs = frames.stream().map(HEX::formatHex).toList();
        List<Outcome> ours = ours(engine, "ring", frames);
        // the ring fills up: some reserve fails and some output returns -EAGAIN before the last run
        assertThat(ours).anyMatch(o -> o.dataOut().startsWith("0000000000000000"));
        assertThat(ours).anyMatch(o -> o.dataOut().startsWith("f5ffffffffffffff"));
        assertSame(ours, theirs("ring", frames), inputs);
    }
}

package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;

/**
 * Maps whose value is a {@code struct log2_hist} print as bpftrace prints hist(): the text format against
 * bpftrace 0.17's own output for the same values, and examples/trace/readlatency.bpf.o live.
 */
class HistogramRunTest {
    private static final Path READLATENCY = ProgCommandTest.ROOT.resolve("examples/trace/readlatency.bpf.o");
    private static final Pattern ROW = Pattern.compile("(\\[[^]]*]|\\[[^)]*\\)) +(\\d+) \\|@* *\\|");

    @Test
    void theTextIsBpftrace017sForTheSameValues() throws Exception {
        // bpftrace -e 'BEGIN { @usecs = hist(0); hist(1) twice; hist(5), hist(6), hist(7), hist(12), hist(1500), hist(3000000); exit(); }'
        String bpftrace = new String(getClass().getResourceAsStream("/hist/bpftrace-0.17-hist.txt").readAllBytes(), StandardCharsets.US_ASCII);
        long[] slots = new long[40];
        for (long v : new long[] {0, 1, 1, 5, 6, 7, 12, 1500, 3_000_000}) slots[64 - Long.numberOfLeadingZeros(v)]++; // bit length
        assertThat(Log2Histogram.format("@usecs", slots)).isEqualTo(bpftrace);
    }

    @Test
    void anEmptyHistogramIsItsTitleAndABlankLineAsInBpftrace() {
        assertThat(Log2Histogram.format("@usecs", new long[40])).isEqualTo("@usecs: \n\n");
    }

    @Test
    void readlatencyPrintsTheReadsItTimedAsAHistogram(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_read/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        Path file = Files.write(dir.resolve("data"), new byte[4096]);
        StringWriter out = new StringWriter(), err = new StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Bpf4j.commandLine(new PrintWriter(out, true),
                new PrintWriter(err, true), new ByteArrayInputStream(new byte[0])).execute("run", READLATENCY.toString(), "--duration", "2"));
        for (int i = 0; i < 200 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
        assertThat(err.toString()).as("attached").contains("bpf4j: attached");
        final int reads = 100;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            byte[] buf = new byte[16];
            for (int i = 0; i < reads; i++) {
                f.seek(0);
                assertThat(f.read(buf)).isEqualTo(16); // one read(2) each
            }
        }
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        String text = out.toString();
        int at = text.indexOf("@usecs: \n");
        assertThat(at).as(text).isNotNegative();
        long total = 0;
        int rows = 0;
        for (String line : text.substring(at + "@usecs: \n".length()).lines().takeWhile(l -> !l.isEmpty()).toList()) {
            Matcher m = ROW.matcher(line);
            assertThat(m.matches()).as("a hist() row: '%s'", line).isTrue();
            assertThat(line).hasSize(16 + 8 + 2 + 52 + 1);
            total += Long.parseLong(m.group(2));
            rows++;
        }
        assertThat(rows).isPositive();
        assertThat(total).as("reads timed, ours among them").isGreaterThanOrEqualTo(reads);
        assertThat(text).doesNotContain("map usecs (array)");
    }
}

package org.bpf4j.bench.sbs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The harness's in-process measurement: one SBS line per engine, the kernel's rounds interleaved. */
class SideBySideHarnessTest {

    @Test
    void everyEngineGetsALineWithTheProgramsResult() {
        KernelAvailability kernel = KernelAvailability.check();
        Assumptions.assumeTrue(kernel.available(), () -> "kernel not reachable: " + kernel.reason());
        SideBySide.Config c = new SideBySide.Config();
        c.engines = List.of(Engines.JIT, Engines.INTERP, Engines.KERNEL);
        c.warmupMs = 20;
        c.maxWarmupMs = 200;
        c.roundMs = 5;
        c.rounds = 3;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SideBySide.measureInProcess(c, SbsProgram.byId("fnv1a"), new PrintStream(buf, true, StandardCharsets.UTF_8));
        List<String> lines = buf.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        long expected = Long.parseUnsignedLong(lines.getFirst().split(" ")[3]);
        for (String line : lines) {
            String[] f = line.split(" ");
            assertThat(f[0]).as(line).isEqualTo("SBS");
            assertThat(Long.parseUnsignedLong(f[3])).as("every engine stores the same result: " + line).isEqualTo(expected);
            double median = Double.parseDouble(f[5]), min = Double.parseDouble(f[6]), max = Double.parseDouble(f[7]);
            assertThat(median).as(line).isPositive().isBetween(min, max);
        }
        assertThat(lines).extracting(l -> l.split(" ")[2]).containsExactly("jit", "interp", "kernel");
    }
}

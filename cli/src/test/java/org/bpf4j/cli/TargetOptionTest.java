package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelLoadException;
import org.bpf4j.linux.KernelObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --target 6.18|running} on prog verify and prog run. */
class TargetOptionTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An lwt_seg6local program calling bpf_lwt_seg6_action, which CONFIG_IPV6_SEG6_BPF decides. */
    private static final String SEG6 = """
            #include <linux/bpf.h>
            #define SEC(n) __attribute__((section(n), used))
            static long (*bpf_lwt_seg6_action)(void *skb, __u32 action, void *param, __u32 len) = (void *) 76;
            SEC("lwt_seg6local") int end_t(struct __sk_buff *skb)
            {
                __u32 table = 254;
                bpf_lwt_seg6_action(skb, 7 /* SEG6_LOCAL_ACTION_END_T */, &table, sizeof(table));
                return BPF_OK;
            }
            char _license[] SEC("license") = "GPL";
            """;

    @TempDir
    Path dir;

    private static void assumeKernel() {
        KernelAvailability k = KernelAvailability.check();
        Assumptions.assumeTrue(k.available(), () -> "--target running needs bpf(2): " + k.reason());
    }

    @Test
    void anUnknownTargetIsAUsageError() {
        CliRunner r = CliRunner.run("prog", "verify", ProgCommandTest.FIREWALL, "--target", "5.10");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("bpf4j: --target must be 6.18 or running, not '5.10'");
    }

    @Test
    void runningWithoutTheKernelIsAOneLineError() {
        KernelAvailability k = KernelAvailability.check();
        Assumptions.assumeFalse(k.available(), "bpf(2) works here: the error path is not reachable");
        CliRunner r = CliRunner.run("prog", "verify", ProgCommandTest.FIREWALL, "--target", "running");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("bpf4j: --target running: ").doesNotContain("\n");
    }

    @Test
    void runningAcceptsWhatTheKernelAccepts() throws IOException {
        assumeKernel();
        CliRunner r = CliRunner.run("prog", "verify", ProgCommandTest.FIREWALL, "--target", "running", "-j");
        assertThat(r.exit()).as(r.err()).isZero();
        for (JsonNode p : JSON.readTree(r.out()).get("programs")) assertThat(p.get("verdict").asText()).isEqualTo("accept");
        CliRunner run = CliRunner.run("prog", "run", ProgCommandTest.FIREWALL, "--pcap", ProgCommandTest.FIREWALL_PCAP,
                "--target", "running", "-j");
        assertThat(run.exit()).as(run.err()).isZero();
    }

    /** 6.18 has every helper built in; running answers as the kernel here loads the object. */
    @Test
    void aHelperOfTheConfigurationAsTheKernelSays() throws IOException, InterruptedException {
        assumeKernel();
        Path object = compile(SEG6);
        CliRunner reference = CliRunner.run("prog", "verify", object.toString(), "--target", "6.18", "-j");
        assertThat(reference.exit()).as(reference.err()).isZero();

        Optional<String> kernelRefusal;
        try (KernelObject k = KernelObject.load(BpfObject.open(object), Optional.empty())) {
            kernelRefusal = Optional.empty();
        } catch (KernelLoadException e) {
            kernelRefusal = Optional.of(e.getMessage());
        }
        CliRunner running = CliRunner.run("prog", "verify", object.toString(), "--target", "running", "-j");
        JsonNode verdict = JSON.readTree(running.out()).get("programs").get(0);
        System.out.println("lwt_seg6local with bpf_lwt_seg6_action: the kernel " + kernelRefusal.map(m -> "refuses: " + m)
                .orElse("accepts") + "; bpf4j --target running " + verdict);
        if (kernelRefusal.isPresent()) {
            assertThat(running.exit()).isEqualTo(1);
            assertThat(verdict.get("verdict").asText()).isEqualTo("reject");
            assertThat(kernelRefusal.get()).contains(verdict.get("message").asText());
        } else {
            assertThat(running.exit()).as(running.err()).isZero();
        }
    }

    private Path compile(String source) throws IOException, InterruptedException {
        Path c = dir.resolve("prog.c"), o = dir.resolve("prog.bpf.o");
        Files.writeString(c, source);
        Process p;
        try {
            p = new ProcessBuilder("clang-19", "-O2", "-g", "-target", "bpf", "-mcpu=v4",
                    "-I/usr/include/x86_64-linux-gnu", "-c", c.toString(), "-o", o.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("clang-19 not installed: " + e.getMessage());
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, () -> "clang-19 failed: " + out);
        return o;
    }
}

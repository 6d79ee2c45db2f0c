package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * EPERM names the missing capability: a child JVM started by {@code setpriv} with a reduced capability bounding
 * set loads a program of the test object and reports what the kernel said.
 */
class CapabilitiesLiveTest {

    /** Runs {@link LoadAndReport} for {@code program} with only the capabilities {@code caps} (setpriv's syntax). */
    private static String loadWith(String caps, String program) throws IOException, InterruptedException {
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("jdk.module.path", "") + java.io.File.pathSeparator + System.getProperty("java.class.path");
        Process p = new ProcessBuilder("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all" + caps, "--",
                javaCommand, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, LoadAndReport.class.getName(), program)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private static boolean setprivAvailable() {
        try {
            return new ProcessBuilder("setpriv", "--version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void withoutCapBpfNothingLoadsAndTheMessageSaysSo() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(setprivAvailable(), "no setpriv (util-linux) to start a process with fewer capabilities");
        assertThat(loadWith("", "xdp_drop_udp")).startsWith("BPF_MAP_CREATE: EPERM (Operation not permitted): ")
                .endsWith(": missing CAP_BPF (or CAP_SYS_ADMIN)");
    }

    @Test
    void withCapBpfAloneXdpLacksCapNetAdminAndTracepointsCapPerfmon() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(setprivAvailable(), "no setpriv (util-linux) to start a process with fewer capabilities");
        assertThat(loadWith(",+bpf", "xdp_drop_udp")).isEqualTo("BPF_PROG_LOAD: EPERM (Operation not permitted): XDP program"
                + " 'xdp_drop_udp': missing CAP_NET_ADMIN (XDP programs need CAP_BPF and CAP_NET_ADMIN; CAP_SYS_ADMIN stands in"
                + " for CAP_BPF and CAP_PERFMON)");
        assertThat(loadWith(",+bpf", "count_getppid")).contains("missing CAP_PERFMON (TRACEPOINT programs need CAP_BPF and CAP_PERFMON");
        assertThat(loadWith(",+bpf,+net_admin", "xdp_drop_udp")).isEqualTo("loaded");
    }
}

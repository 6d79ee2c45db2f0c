package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code prog verify} and {@code prog run} resolve {@code __kconfig}/{@code __ksym} externs against this machine, as the kernel backend does. */
class ExternsCliTest {
    private static final Path BPF = ProgCommandTest.ROOT.resolve("core/src/test/resources/bpf");

    private static void assumeConfig() {
        assumeTrue(Files.isReadable(Path.of("/proc/config.gz")) || Files.isDirectory(Path.of("/boot")),
                "no kernel configuration (/proc/config.gz, /boot/config-*) to resolve __kconfig externs against");
    }

    @Test
    void anObjectWithKconfigExternsVerifiesAndRuns(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeConfig();
        CliRunner verify = CliRunner.run("prog", "verify", BPF.resolve("kconfig.bpf.o").toString());
        assertThat(verify.exit()).as(verify.err()).isZero();
        assertThat(verify.out()).startsWith("kconfig: accept");
        Path frame = Files.write(dir.resolve("frame"), new byte[64]);
        CliRunner run = CliRunner.run("prog", "run", BPF.resolve("kconfig.bpf.o").toString(), "--data-in", frame.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Return value: 2 (XDP_PASS)");
    }

    @Test
    void aStrongExternNothingDefinesIsAOneLineErrorNamingIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeConfig();
        String object = BPF.resolve("kconfig_strong.bpf.o").toString();
        Path frame = Files.write(dir.resolve("frame"), new byte[64]);
        for (CliRunner r : new CliRunner[] {CliRunner.run("prog", "verify", object), CliRunner.run("prog", "run", object, "--data-in", frame.toString())}) {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(r.err()).startsWith("bpf4j: kconfig_strong.bpf.o: extern __kconfig CONFIG_BPF4J_NOT_A_REAL_OPTION (strong) is not set in ");
        }
    }
}

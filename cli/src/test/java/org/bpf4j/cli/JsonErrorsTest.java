package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With -j, bad input is one JSON object on stdout (and the one line on stderr), for every command that takes -j. */
class JsonErrorsTest {

    @TempDir
    Path dir;

    @Test
    void badInputIsJsonOnStdout() throws Exception {
        String missing = dir.resolve("missing.o").toString();
        String[][] cases = {
            {"prog", "show", missing, "-j"},
            {"prog", "verify", missing, "--json"},
            {"prog", "verify", "../examples/xdp/firewall.bpf.o", "--flags", "BPF_F_NOPE", "-j"},
            {"prog", "run", missing, "--data-in", missing, "-j"},
        };
        for (String[] args : cases) {
            CliRunner r = CliRunner.run(args);
            String what = String.join(" ", args);
            assertThat(r.exit()).as(what).isEqualTo(2);
            assertThat(r.err()).as(what).startsWith("bpf4j: ").hasLineCount(1);
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertThat(json.get("error").asText()).as(what).isEqualTo(r.err().substring("bpf4j: ".length()).strip());
        }
        CliRunner plain = CliRunner.run("prog", "show", missing);
        assertThat(plain.exit()).isEqualTo(2);
        assertThat(plain.out()).isEmpty();
    }

    /** A program the verifier refuses with several closing lines says all of them, on one line, before running. */
    @Test
    void aRefusedProgramGivesEveryClosingLine() throws Exception {
        java.nio.file.Path frame = dir.resolve("frame.bin");
        java.nio.file.Files.write(frame, new byte[64]);
        CliRunner r = CliRunner.run("prog", "run", "src/test/resources/verify/flags.bpf.o", "--prog", "beyond", "--data-in", frame.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).hasLineCount(1).contains("rejected by the verifier at insn 5: "
                + "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14); R2 offset is outside of the packet");
    }

    /** Output and BTF files are checked before anything runs; the message names the option once and the path once. */
    @Test
    void wrongFilesNameTheirOption() throws Exception {
        java.nio.file.Path frame = dir.resolve("frame.bin");
        java.nio.file.Files.write(frame, new byte[64]);
        java.nio.file.Path empty = java.nio.file.Files.createFile(dir.resolve("empty.btf"));
        String fw = "../examples/xdp/firewall.bpf.o";
        assertThat(CliRunner.run("prog", "run", fw, "--data-in", frame.toString(), "--data-out", dir.toString()).err())
                .isEqualTo("bpf4j: --data-out " + dir + ": is a directory, not a file\n");
        assertThat(CliRunner.run("prog", "run", fw, "--data-in", frame.toString(), "--data-out", dir.resolve("no/such/out").toString()).err())
                .isEqualTo("bpf4j: --data-out " + dir.resolve("no/such/out") + ": cannot write: its folder does not exist\n");
        for (String command : new String[] {"verify", "run"}) {
            CliRunner r = command.equals("verify") ? CliRunner.run("prog", "verify", fw, "--btf", empty.toString())
                    : CliRunner.run("prog", "run", fw, "--data-in", frame.toString(), "--btf", empty.toString());
            assertThat(r.exit()).as(command).isEqualTo(2);
            assertThat(r.err()).as(command).startsWith("bpf4j: --btf: ").hasLineCount(1);
        }
    }

    /** prog verify -j holds what the text shows: the hint, the source line's text and, with --log-level, the log. */
    @Test
    void verifyJsonHoldsWhatTheTextShows() throws Exception {
        CliRunner text = CliRunner.run("prog", "verify", "src/test/resources/verify/flags.bpf.o", "--prog", "beyond", "--log-level", "1");
        CliRunner j = CliRunner.run("prog", "verify", "src/test/resources/verify/flags.bpf.o", "--prog", "beyond", "--log-level", "1", "-j");
        JsonNode p = new ObjectMapper().readTree(j.out()).get("programs").get(0);
        assertThat(p.get("hint").asText()).isNotEmpty();
        assertThat(text.out()).contains("  hint: " + p.get("hint").asText(), p.get("source_text").asText(), p.get("log").asText().strip());
        CliRunner quiet = CliRunner.run("prog", "verify", "src/test/resources/verify/flags.bpf.o", "--prog", "beyond", "-j");
        assertThat(new ObjectMapper().readTree(quiet.out()).get("programs").get(0).has("log")).isFalse();
    }
}

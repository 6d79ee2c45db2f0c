package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConformanceCommandTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void wholeSuitePassesOnTheInterpreter() {
        CliRunner r = CliRunner.run("conformance", "--engine", "interp", SharedData.conformanceTests().toString());
        assertThat(r.out()).isEqualTo("313 passed, 0 failed\n");
        assertThat(r.exit()).isZero();
    }

    @Test
    void failuresPrintExpectedAndActualAndExitOne() throws IOException {
        Path good = file("good.data", "-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n");
        Path bad = file("bad.data", "-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n");
        CliRunner r = CliRunner.run("conformance", good.toString(), bad.toString());
        assertThat(r.out()).isEqualTo("FAIL " + bad + ": expected 0x2, got 0x1\n1 passed, 1 failed\n");
        assertThat(r.exit()).isEqualTo(1);
    }

    @Test
    void badInputGivesOneLineNamingFileAndInstruction() throws IOException {
        Path truncated = file("truncated.data", "-- raw\n0x00000000000000b7\n0x0000000000000018\n-- result\n0x0\n");
        Path unknown = file("unknown.data", "-- raw\n0x00000000000000b7\n0x00000000000000ff\n-- result\n0x0\n");
        Path jump = file("jump.data", "-- asm\nja +7\nexit\n-- result\n0x0\n");
        Path offEnd = file("offend.data", "-- asm\nmov %r0, 0\n-- result\n0x0\n");
        Path loop = file("loop.data", "-- asm\nmov %r0, 0\nja -1\nexit\n-- result\n0x0\n");
        Path syntax = file("syntax.data", "-- asm\nmov %r0,\nexit\n-- result\n0x0\n");
        Path noResult = file("noresult.data", "-- asm\nexit\n");
        CliRunner r = CliRunner.run("conformance", "--budget", "10000", truncated.toString(), unknown.toString(),
                jump.toString(), offEnd.toString(), loop.toString(), syntax.toString(), noResult.toString());
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(8);
        assertThat(lines[0]).isEqualTo("FAIL " + truncated + ": expected 0x0, got error: insn 1: lddw is the last slot: its second half is missing");
        assertThat(lines[1]).isEqualTo("FAIL " + unknown + ": expected 0x0, got error: insn 1: unknown opcode 0xff");
        assertThat(lines[2]).isEqualTo("FAIL " + jump + ": expected 0x0, got error: insn 0: jump out of range: target 8 is outside 0..1");
        assertThat(lines[3]).isEqualTo("FAIL " + offEnd + ": expected 0x0, got error: insn 0: ran off the end of the program: the last instruction is not exit or a jump");
        assertThat(lines[4]).isEqualTo("FAIL " + loop + ": expected 0x0, got error: insn 1: instruction budget of 10000 exhausted: the program does not terminate within its budget");
        assertThat(lines[5]).startsWith("FAIL " + syntax + ": line 2: "); // the path once
        assertThat(lines[6]).isEqualTo("FAIL " + noResult + ": the file has neither a -- result nor an -- error section");
        assertThat(lines[7]).isEqualTo("0 passed, 7 failed");
        assertThat(r.exit()).isEqualTo(1);
    }

    /** A file that is not UTF-8 text is one failure among the others: the files after it still run. */
    @Test
    void aFileThatIsNotTextFailsAloneAndTheRunGoesOn() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("suite"));
        Path binary = folder.resolve("a_binary.data");
        Files.write(binary, new byte[] {'-', '-', ' ', 'a', 's', 'm', '\n', 'e', 'x', 'i', 't', '\n', (byte) 0xff, (byte) 0xfe});
        Files.writeString(folder.resolve("b_good.data"), "-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n");
        for (String engine : new String[] {"interp", "jit"}) {
            CliRunner r = CliRunner.run("conformance", "--engine", engine, folder.toString());
            assertThat(r.out()).isEqualTo("FAIL " + binary + ": line 3: not UTF-8 text: byte 0xff at offset 12\n1 passed, 1 failed\n");
            assertThat(r.exit()).isEqualTo(1);
        }
    }

    @Test
    void usageErrorsAreOneLineAndExitTwo() {
        CliRunner missing = CliRunner.run("conformance", dir.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("bpf4j: " + dir.resolve("nope") + ": no such file or directory\n");
        CliRunner empty = CliRunner.run("conformance", dir.toString());
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err()).startsWith("bpf4j: no .data files in");
        CliRunner option = CliRunner.run("conformance", "--frobnicate", dir.toString());
        assertThat(option.exit()).isEqualTo(2);
        assertThat(option.err()).isEqualTo("bpf4j: Unknown option: '--frobnicate' (see 'bpf4j conformance --help')\n");
        CliRunner engine = CliRunner.run("conformance", "--engine", "warp", dir.toString());
        assertThat(engine.exit()).isEqualTo(2);
        assertThat(engine.err()).doesNotContain("\tat ").hasLineCount(1);
        CliRunner command = CliRunner.run("frobnicate");
        assertThat(command.exit()).isEqualTo(2);
        assertThat(command.err()).hasLineCount(1);
    }

    @Test
    void pluginProtocolPrintsR0InHex() {
        // mov r0, r2 (the memory length); exit
        CliRunner r = CliRunner.runWithInput("bf  20  00  00  00  00  00  00  95  00  00  00  00  00  00  00",
                "conformance-plugin", "01  02  03");
        assertThat(r.out()).isEqualTo("3\n");
        assertThat(r.exit()).isZero();
    }

    @Test
    void pluginReportsErrorsOnStdoutWithNonZeroExit() {
        CliRunner r = CliRunner.runWithInput("ff 00 00 00 00 00 00 00", "conformance-plugin");
        assertThat(r.out()).isEqualTo("insn 0: unknown opcode 0xff\n");
        assertThat(r.exit()).isEqualTo(1);
        CliRunner hex = CliRunner.runWithInput("zz", "conformance-plugin");
        assertThat(hex.out()).isEqualTo("program on stdin: byte 0 is 'zz', not two hex digits\n");
        assertThat(hex.exit()).isEqualTo(1);
    }
}

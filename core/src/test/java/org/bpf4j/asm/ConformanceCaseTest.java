package org.bpf4j.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ConformanceCaseTest {

    static Path suite() {
        return SharedData.conformanceTests();
    }

    static Stream<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(suite())) {
            return s.filter(p -> p.toString().endsWith(".data")).sorted().toList().stream();
        }
    }

    @Test
    void theWholeSuiteIsThere() throws IOException {
        assertThat(files().count()).isEqualTo(313);
    }

    @ParameterizedTest
    @MethodSource("files")
    void everyFileParses(Path file) {
        ConformanceCase c = ConformanceCase.parse(file);
        assertThat(c.name() + ".data").isEqualTo(file.getFileName().toString());
        assertThat(c.program().size()).isPositive();
        assertThat(c.expectedResult().isPresent() || c.expectedError().isPresent()).isTrue();
        // the suite's programs are in the kernel syntax too: printing and reading back loses nothing
        assertThat(Assembler.assemble(Disassembler.text(c.program()))).isEqualTo(c.program());
    }

    @Test
    void lddwAsmAssemblesToItsRawWords() {
        String text = """
                -- asm
                lddw %r0, 0x0102030405060708
                exit
                -- raw
                0x0506070800000018
                0x0102030400000000
                0x0000000000000095
                -- result
                0x0102030405060708
                """;
        Program fromAsm = ConformanceAssembler.assemble(ConformanceCase.sections("lddw", text).get("asm"));
        ConformanceCase c = ConformanceCase.parse("lddw", text);
        assertThat(fromAsm).isEqualTo(c.program());
        assertThat(c.program().insns()).extracting(Insn::encode)
                .containsExactly(0x0506070800000018L, 0x0102030400000000L, 0x0000000000000095L);
        assertThat(c.expectedResult()).isEqualTo(OptionalLong.of(0x0102030405060708L));
    }

    @Test
    void memoryAndResults() {
        ConformanceCase c = ConformanceCase.parse("ldxh", """
                -- asm
                ldxh %r0, [%r1+2]
                be16 %r0
                exit
                -- mem
                aa bb 33 44
                -- result
                0x3344
                """);
        assertThat(c.memory()).containsExactly(0xaa, 0xbb, 0x33, 0x44);
        assertThat(c.expectedResult()).isEqualTo(OptionalLong.of(0x3344));
        assertThat(c.expectedError()).isEmpty();
        assertThat(ConformanceCase.parse("zero", "-- asm\nmov %r0, 0\nexit\n-- result\n0x0\n").expectedResult())
                .isEqualTo(OptionalLong.of(0));
    }

    @Test
    void resultsAreCompared64BitsWide() {
        ConformanceCase c = ConformanceCase.parse("t", "-- asm\nexit\n-- result\n0xffffffffffffffff\n");
        assertThat(c.expectedResult()).isEqualTo(OptionalLong.of(-1));
        assertThat(ConformanceCase.parse("t", "-- asm\nexit\n-- result\n18446744073709551615").expectedResult())
                .isEqualTo(OptionalLong.of(-1));
        assertThat(ConformanceCase.parse("t", "-- asm\nexit\n-- result\n-2").expectedResult()).isEqualTo(OptionalLong.of(-2));
    }

    @Test
    void rawWordsAreTheProgramAndOtherSectionsAreIgnored() {
        ConformanceCase c = ConformanceCase.parse("t", """
                # comment
                -- c
                int main() { return x[6]; }
                -- asm
                this is not assembled when raw words are present
                -- raw
                0x00000000000000b7 # mov r0, 0
                0x0000000000000095
                -- error
                some error
                -- no register offset
                call instruction
                """);
        assertThat(c.program()).isEqualTo(Program.of(Insn.mov64Imm(0, 0), Insn.exit()));
        assertThat(c.expectedError()).isEqualTo(Optional.of("some error"));
        assertThat(c.expectedResult()).isEmpty();
        assertThat(c.memory()).isEmpty();
    }

    @Test
    void recordsAreValuesAndKeepTheirMemory() {
        String text = "-- asm\nexit\n-- mem\n01 02\n-- result\n0x1\n";
        ConformanceCase a = ConformanceCase.parse("t", text);
        a.memory()[0] = 9;
        assertThat(a.memory()).containsExactly(1, 2);
        assertThat(a).isEqualTo(ConformanceCase.parse("t", text)).hasSameHashCodeAs(ConformanceCase.parse("t", text));
        assertThat(a.program().get(0).opcode()).isEqualTo(Opcodes.EXIT);
    }

    private static void malformed(String text, String message) {
        assertThatThrownBy(() -> ConformanceCase.parse("bad.data", text)).isInstanceOf(AsmException.class).hasMessage(message);
    }

    @Test
    void malformedFilesNameTheFileAndLine() {
        malformed("# only comments\n-- result\n0x1\n", "bad.data: line 3: no '-- asm' or '-- raw' section: the file has no program");
        malformed("-- asm\n# nothing\n-- result\n1\n", "bad.data: line 2: the program is empty");
        malformed("-- asm\nexit\n-- mem\n00 zz\n", "bad.data: line 4: bad memory byte 'zz': not hex");
        malformed("-- asm\nexit\n-- mem\n00 123\n", "bad.data: line 4: bad memory byte '123'");
        malformed("-- raw\n0x95\n0x1x\n", "bad.data: line 3: bad instruction word '0x1x': not hex");
        malformed("-- raw\n0x10000000000000000\n", "bad.data: line 2: instruction word '0x10000000000000000' does not fit in 64 bits");
        malformed("-- asm\nexit\n-- result\n0xfoo\n", "bad.data: line 4: bad result '0xfoo': not hex");
        malformed("-- asm\nexit\n-- result\nten\n", "bad.data: line 4: bad result 'ten'");
        malformed("-- asm\nexit\n-- result\n1\n2\n", "bad.data: line 4: '-- result' must hold one value");
        malformed("-- asm\nexit\n-- result\n18446744073709551616\n", "bad.data: line 4: result '18446744073709551616' does not fit in 64 bits");
        malformed("-- asm\nmov %r0, 1\n\nfrob\n", "bad.data: line 4: unknown mnemonic 'frob'");
        malformed("stray\n-- asm\nexit\n", "bad.data: line 1: text before the first section: 'stray'");
        malformed("-- asm\nexit\n-- asm\nexit\n", "bad.data: line 3: section '-- asm' appears twice (first on line 1)");
    }

    @Test
    void filesNameTheirPathInErrors(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path file = dir.resolve("broken.data");
        Files.writeString(file, "-- asm\nexit\n-- result\nnope\n");
        assertThatThrownBy(() -> ConformanceCase.parse(file)).isInstanceOf(AsmException.class)
                .hasMessage(file + ": line 4: bad result 'nope'")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ConformanceCase.parse(dir.resolve("missing.data"))).isInstanceOf(UncheckedIOException.class);
    }
}

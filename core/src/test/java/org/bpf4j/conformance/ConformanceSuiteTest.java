package org.bpf4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.asm.ConformanceCase;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The whole eBPF ISA conformance suite, one test per file, on the interpreter and on the JIT. */
class ConformanceSuiteTest {

    static Path suite() {
        return SharedData.conformanceTests();
    }

    static Stream<Path> files() {
        return ConformanceRunner.collect(List.of(suite())).stream();
    }

    private static ConformanceRunner runner;
    private static ConformanceRunner jit;

    @BeforeAll
    static void setUp() {
        runner = new ConformanceRunner(ExecutionOptions.raw());
        jit = new ConformanceRunner(ExecutionOptions.raw(), JvmCompiler::compile);
    }

    @AfterAll
    static void tearDown() {
        runner.close();
        jit.close();
    }

    @Test
    void suiteIsComplete() {
        assertThat(Files.isDirectory(suite())).as("conformance suite at %s", suite()).isTrue();
        assertThat(files()).hasSize(313);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void passes(Path file) {
        assertThat(runner.run(file)).as("interpreter").isInstanceOf(ConformanceRunner.Passed.class);
        assertThat(jit.run(file)).as("jit").isInstanceOf(ConformanceRunner.Passed.class);
    }

    @Test
    void wrongResultIsAMismatchWithBothValues() {
        ConformanceCase test = ConformanceCase.parse("wrong.data", "-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n");
        assertThat(runner.run("wrong.data", test)).isEqualTo(new ConformanceRunner.Mismatch("wrong.data", "0x2", "0x1"));
    }

    @Test
    void faultsAndEndlessLoopsNameTheInstruction() {
        ConformanceCase offEnd = ConformanceCase.parse("off.data", "-- asm\nmov %r0, 1\n-- result\n0x1\n");
        assertThat(runner.run("off.data", offEnd)).isEqualTo(new ConformanceRunner.Mismatch("off.data", "0x1",
                "error: insn 0: ran off the end of the program: the last instruction is not exit or a jump"));
        ConformanceCase loop = ConformanceCase.parse("loop.data", "-- asm\nja -1\nexit\n-- result\n0x0\n");
        try (ConformanceRunner small = new ConformanceRunner(ExecutionOptions.raw().withBudget(1000))) {
            assertThat(small.run("loop.data", loop)).isEqualTo(new ConformanceRunner.Mismatch("loop.data", "0x0",
                    "error: insn 0: instruction budget of 1000 exhausted: the program does not terminate within its budget"));
        }
        ConformanceCase wild = ConformanceCase.parse("wild.data", "-- asm\nldxdw %r0, [%r1+8]\nexit\n-- mem\n00 01\n-- result\n0x0\n");
        assertThat(((ConformanceRunner.Mismatch) runner.run("wild.data", wild)).actual())
                .matches("error: insn 0: invalid read of 8 bytes at 0x[0-9a-f]+: not inside any live region");
    }

    @Test
    void malformedProgramsAreBrokenNotCrashes() {
        ConformanceCase unknown = ConformanceCase.parse("bad.data", "-- raw\n0x000000000000008e\n0x0000000000000095\n-- result\n0x0\n");
        assertThat(runner.run("bad.data", unknown)).isEqualTo(new ConformanceRunner.Mismatch("bad.data", "0x0",
                "error: insn 0: unknown opcode 0x8e"));
        ConformanceCase jump = ConformanceCase.parse("jump.data", "-- raw\n0x0000000000050005\n0x0000000000000095\n-- result\n0x0\n");
        assertThat(runner.run("jump.data", jump)).isEqualTo(new ConformanceRunner.Mismatch("jump.data", "0x0",
                "error: insn 0: jump out of range: target 6 is outside 0..1"));
    }

    @Test
    void expectedErrorPassesWhenTheRunFailsWithThatText() {
        ConformanceCase test = ConformanceCase.parse("err.data", "-- asm\ncall 99\nexit\n-- error\nunknown helper 99\n");
        assertThat(runner.run("err.data", test)).isInstanceOf(ConformanceRunner.Passed.class);
        ConformanceCase runs = ConformanceCase.parse("err2.data", "-- asm\nmov %r0, 0\nexit\n-- error\nunknown helper\n");
        assertThat(runner.run("err2.data", runs)).isEqualTo(new ConformanceRunner.Mismatch("err2.data",
                "error \"unknown helper\"", "0x0"));
    }
}

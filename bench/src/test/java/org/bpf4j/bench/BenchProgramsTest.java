package org.bpf4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.JvmCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Keeps the benchmarks honest: each program on each engine computes what its Java reference does. */
class BenchProgramsTest {
    private static final Map<String, Executable.Loader> ENGINES = Map.of("interp", Interpreter::load, "jit", JvmCompiler::compile);

    static Stream<Arguments> seededInputs() {
        return Stream.of(1L, 2L, 3L, 42L, 0xdead_beefL).flatMap(seed -> Stream.of("interp", "jit").flatMap(engine -> Stream.of(
                Arguments.of(seed, engine, ExecutionOptions.raw()),
                Arguments.of(seed, engine, ExecutionOptions.verified()))));
    }

    @ParameterizedTest(name = "seed {0}, {1}, {2}")
    @MethodSource("seededInputs")
    void enginesMatchTheReference(long seed, String engine, ExecutionOptions options) {
        Random rnd = new Random(seed);
        long n = rnd.nextInt(2000);
        int[] values = BenchPrograms.log2Input(rnd.nextLong(), 1 + rnd.nextInt(300));
        byte[] bytes = BenchPrograms.copyInput(rnd.nextLong(), 1 + rnd.nextInt(2048));

        try (EngineSetup setup = new EngineSetup(ENGINES.get(engine), options, n, values, bytes)) {
            assertThat(setup.runPrimes()).as("primes below %d", n).isEqualTo(BenchPrograms.primesReference(n));
            assertThat(setup.runLog2Sum()).as("log2 sum").isEqualTo(BenchPrograms.log2SumReference(values));

            byte[] expectedDest = new byte[bytes.length];
            long expected = BenchPrograms.copyChecksumReference(bytes, expectedDest);
            assertThat(setup.runCopyChecksum()).as("copy checksum").isEqualTo(expected);
            assertThat(setup.copyDestination()).isEqualTo(bytes);
        }
    }

    @Test
    void standardInputsGiveKnownResults() {
        // Independent of the references: 95 primes below 500; log2 of exact powers of two.
        assertThat(BenchPrograms.primesReference(BenchPrograms.PRIMES_N)).isEqualTo(95);
        assertThat(BenchPrograms.log2SumReference(new int[] {0, 1, 2, 3, 4, 1 << 20, -1})).isEqualTo(0 + 0 + 1 + 1 + 2 + 20 + 31);
        try (EngineSetup setup = EngineSetup.standard(Interpreter::load, ExecutionOptions.raw())) {
            assertThat(setup.runPrimes()).isEqualTo(95);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(classes = {InterpreterBenchmark.class, JitBenchmark.class})
    void everyEngineBenchmarkReturnsTheReferenceInEveryMode(Class<? extends EngineBenchmark> type) throws ReflectiveOperationException {
        int[] values = BenchPrograms.log2Input(BenchPrograms.DEFAULT_SEED, BenchPrograms.LOG2_VALUES);
        byte[] bytes = BenchPrograms.copyInput(BenchPrograms.DEFAULT_SEED, BenchPrograms.COPY_BYTES);
        for (String mode : new String[] {"checked", "unchecked"}) {
            // As JMH drives it: the parameter set, the trial set up, every benchmark method, the trial torn down.
            EngineBenchmark b = type.getConstructor().newInstance();
            b.mode = mode;
            b.setUp();
            try {
                assertThat(b.primes()).as(mode).isEqualTo(BenchPrograms.primesReference(BenchPrograms.PRIMES_N));
                assertThat(b.log2Sum()).as(mode).isEqualTo(BenchPrograms.log2SumReference(values));
                assertThat(b.copyChecksum()).as(mode).isEqualTo(BenchPrograms.copyChecksumReference(bytes, new byte[bytes.length]));
            } finally {
                b.tearDown();
            }
        }
    }

    @Test
    void edgeValuesOfLog2() {
        int[] values = {0, 1, 2, Integer.MIN_VALUE, -1, 0x7fff_ffff};
        try (EngineSetup setup = new EngineSetup(Interpreter::load, ExecutionOptions.raw(), 0, values, new byte[] {7})) {
            assertThat(setup.runLog2Sum()).isEqualTo(BenchPrograms.log2SumReference(values)).isEqualTo(0 + 0 + 1 + 31 + 31 + 30);
            assertThat(setup.runPrimes()).isZero();
        }
    }
}

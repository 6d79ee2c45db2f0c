package org.bpf4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.Stream;
import org.bpf4j.interp.ExecutionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Keeps the benchmarks honest: each program on the interpreter computes what its Java reference does. */
class BenchProgramsTest {

    static Stream<Arguments> seededInputs() {
        return Stream.of(1L, 2L, 3L, 42L, 0xdead_beefL).flatMap(seed -> Stream.of(
                Arguments.of(seed, ExecutionOptions.raw()),
                Arguments.of(seed, ExecutionOptions.verified())));
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @MethodSource("seededInputs")
    void interpreterMatchesReference(long seed, ExecutionOptions options) {
        Random rnd = new Random(seed);
        long n = rnd.nextInt(2000);
        int[] values = BenchPrograms.log2Input(rnd.nextLong(), 1 + rnd.nextInt(300));
        byte[] bytes = BenchPrograms.copyInput(rnd.nextLong(), 1 + rnd.nextInt(2048));

        try (InterpreterSetup setup = new InterpreterSetup(options, n, values, bytes)) {
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
        try (InterpreterSetup setup = InterpreterSetup.standard(ExecutionOptions.raw())) {
            assertThat(setup.runPrimes()).isEqualTo(95);
        }
    }

    @Test
    void edgeValuesOfLog2() {
        int[] values = {0, 1, 2, Integer.MIN_VALUE, -1, 0x7fff_ffff};
        try (InterpreterSetup setup = new InterpreterSetup(ExecutionOptions.raw(), 0, values, new byte[] {7})) {
            assertThat(setup.runLog2Sum()).isEqualTo(BenchPrograms.log2SumReference(values)).isEqualTo(0 + 0 + 1 + 31 + 31 + 30);
            assertThat(setup.runPrimes()).isZero();
        }
    }
}

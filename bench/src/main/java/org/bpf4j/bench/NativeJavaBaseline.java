package org.bpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same three computations as {@link EngineBenchmark}, written in plain Java (the
 * {@link BenchPrograms} reference implementations) and compiled by C2: what an engine would reach if
 * BPF cost nothing. Inputs are non-final state fields so that C2 cannot fold them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class NativeJavaBaseline {

    private long primesN = BenchPrograms.PRIMES_N;
    private int[] log2Values = BenchPrograms.log2Input(BenchPrograms.DEFAULT_SEED, BenchPrograms.LOG2_VALUES);
    private byte[] copySource = BenchPrograms.copyInput(BenchPrograms.DEFAULT_SEED, BenchPrograms.COPY_BYTES);
    private byte[] copyDest = new byte[BenchPrograms.COPY_BYTES];

    @Benchmark
    public long primes() {
        return BenchPrograms.primesReference(primesN);
    }

    @Benchmark
    public long log2Sum() {
        return BenchPrograms.log2SumReference(log2Values);
    }

    @Benchmark
    public long copyChecksum() {
        return BenchPrograms.copyChecksumReference(copySource, copyDest);
    }
}

package org.bpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One run of each {@link BenchPrograms} program per operation, on the engine a subclass names.
 * {@code checked}: every memory access looked up in the live regions with an instruction budget, as
 * raw ISA programs (and typed programs the verifier did not accept) run; {@code unchecked}:
 * {@link ExecutionOptions#verified()}, as verified programs run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public abstract class EngineBenchmark {

    @Param({"checked", "unchecked"})
    public String mode;

    private EngineSetup setup;

    /** {@code Engine.INTERPRETER} or {@code Engine.JIT}. */
    abstract Executable.Loader engine();

    /** The options of a benchmark mode. */
    static ExecutionOptions options(String mode) {
        return switch (mode) {
            case "checked" -> ExecutionOptions.raw();
            case "unchecked" -> ExecutionOptions.verified();
            default -> throw new IllegalArgumentException("mode must be checked or unchecked: " + mode);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        setup = EngineSetup.standard(engine(), options(mode));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        setup.close();
    }

    @Benchmark
    public long primes() {
        return setup.runPrimes();
    }

    @Benchmark
    public long log2Sum() {
        return setup.runLog2Sum();
    }

    @Benchmark
    public long copyChecksum() {
        return setup.runCopyChecksum();
    }
}

package org.bpf4j.runtime;

import java.util.function.Consumer;
import org.bpf4j.helpers.HostEnvironment;
import org.bpf4j.interp.Executable;
import org.bpf4j.interp.Interpreter;

/**
 * How a runtime is set up.
 *
 * @param cpus CPU slots (per-CPU map values, concurrent runs)
 * @param memoryBytes the BPF address space to reserve
 * @param engine how programs are prepared: {@code Interpreter::load} or {@code JvmCompiler::compile}
 * @param host clocks, randomness, task identity and the trace sink
 * @param instructionBudget instructions one run may execute; programs run checked with this budget until
 *     the verifier proves safety and termination for them
 */
public record RuntimeOptions(int cpus, long memoryBytes, Executable.Loader engine, HostEnvironment host, long instructionBudget) {

    public static final long DEFAULT_BUDGET = 1_000_000_000L;

    public RuntimeOptions {
        if (cpus <= 0) throw new IllegalArgumentException("cpus must be positive: " + cpus);
        if (instructionBudget <= 0) throw new IllegalArgumentException("instruction budget must be positive");
    }

    /** As many CPU slots as processors, the interpreter, the system clocks, trace lines dropped. */
    public static RuntimeOptions defaults() {
        int cpus = Runtime.getRuntime().availableProcessors();
        return new RuntimeOptions(cpus, 4L << 30, Interpreter::load, HostEnvironment.system(cpus, line -> { }), DEFAULT_BUDGET);
    }

    public RuntimeOptions withCpus(int n) {
        return new RuntimeOptions(n, memoryBytes, engine, host, instructionBudget);
    }

    public RuntimeOptions withEngine(Executable.Loader loader) {
        return new RuntimeOptions(cpus, memoryBytes, loader, host, instructionBudget);
    }

    public RuntimeOptions withHost(HostEnvironment env) {
        return new RuntimeOptions(cpus, memoryBytes, engine, env, instructionBudget);
    }

    /** A system host environment whose trace lines go to {@code sink}. */
    public RuntimeOptions withTraceSink(Consumer<String> sink) {
        return withHost(HostEnvironment.system(cpus, sink));
    }

    public RuntimeOptions withMemory(long bytes) {
        return new RuntimeOptions(cpus, bytes, engine, host, instructionBudget);
    }

    public RuntimeOptions withBudget(long budget) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, budget);
    }
}

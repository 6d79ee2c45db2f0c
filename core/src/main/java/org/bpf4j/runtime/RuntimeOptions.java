package org.bpf4j.runtime;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.bpf4j.engine.Engine;
import org.bpf4j.engine.Executable;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.helpers.HostEnvironment;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.verifier.KernelTarget;

/**
 * How a runtime is set up.
 *
 * @param cpus CPU slots (per-CPU map values, concurrent runs)
 * @param memoryBytes the BPF address space to reserve
 * @param engine how programs are prepared: {@link Engine#JIT} (the default) or {@link Engine#INTERPRETER}
 * @param host clocks, randomness, task identity and the trace sink
 * @param instructionBudget instructions one run of a checked program may execute (programs the verifier
 *     accepted run without a budget: {@link RunMode})
 * @param btf the BTF that CO-RE relocations are resolved against; empty: the running kernel's
 *     ({@code /sys/kernel/btf/vmlinux}) when there is one
 * @param alwaysChecked run also the programs the verifier accepted checked, with the budget: to find where
 *     a program faults, or to test the verifier itself (an accepted program that faults is a verifier bug)
 * @param progFlags the {@code prog_flags} programs are verified with, as the kernel's bits
 *     ({@link org.bpf4j.progtype.ProgFlag}); the flags their sections imply are added
 * @param target the kernel whose verifier verdict a program loads under (docs/verifier.md, "Targets")
 * @param helpers the helpers programs may call: the verifier checks calls against them and the runtime offers
 *     a program the implementations of those its type may call (Linux 6.18's by default)
 */
public record RuntimeOptions(int cpus, long memoryBytes, Executable.Loader engine, HostEnvironment host, long instructionBudget,
                             Optional<Path> btf, boolean alwaysChecked, int progFlags, KernelTarget target,
                             HelperSpecs helpers) {

    public static final long DEFAULT_BUDGET = 1_000_000_000L;

    public RuntimeOptions {
        if (cpus <= 0) throw new IllegalArgumentException("cpus must be positive: " + cpus);
        if (instructionBudget <= 0) throw new IllegalArgumentException("instruction budget must be positive");
        java.util.Objects.requireNonNull(helpers, "helpers");
    }

    /** As many CPU slots as processors, the JIT, the system clocks, trace lines dropped. */
    public static RuntimeOptions defaults() {
        int cpus = Runtime.getRuntime().availableProcessors();
        return new RuntimeOptions(cpus, AddressSpace.DEFAULT_SIZE, Engine.JIT, HostEnvironment.system(cpus, line -> { }), DEFAULT_BUDGET,
                Optional.empty(), false, 0, KernelTarget.LINUX_6_18, HelperSpecs.linux618());
    }

    public RuntimeOptions withCpus(int n) {
        return new RuntimeOptions(n, memoryBytes, engine, host, instructionBudget, btf, alwaysChecked, progFlags, target, helpers);
    }

    public RuntimeOptions withEngine(Executable.Loader loader) {
        return new RuntimeOptions(cpus, memoryBytes, loader, host, instructionBudget, btf, alwaysChecked, progFlags, target, helpers);
    }

    public RuntimeOptions withHost(HostEnvironment env) {
        return new RuntimeOptions(cpus, memoryBytes, engine, env, instructionBudget, btf, alwaysChecked, progFlags, target, helpers);
    }

    /** A system host environment whose trace lines go to {@code sink}. */
    public RuntimeOptions withTraceSink(Consumer<String> sink) {
        return withHost(HostEnvironment.system(cpus, sink));
    }

    public RuntimeOptions withMemory(long bytes) {
        return new RuntimeOptions(cpus, bytes, engine, host, instructionBudget, btf, alwaysChecked, progFlags, target, helpers);
    }

    /** Resolve CO-RE relocations against this BTF file instead of the running kernel's. */
    public RuntimeOptions withBtf(Path file) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, instructionBudget, Optional.of(file), alwaysChecked, progFlags, target, helpers);
    }

    public RuntimeOptions withBudget(long budget) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, budget, btf, alwaysChecked, progFlags, target, helpers);
    }

    /** Run every program checked, also the ones the verifier accepted (see {@code alwaysChecked}). */
    public RuntimeOptions withAlwaysChecked(boolean checked) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, instructionBudget, btf, checked, progFlags, target, helpers);
    }

    /** Verify programs as loaded with these {@code prog_flags} ({@link org.bpf4j.progtype.ProgFlag}). */
    public RuntimeOptions withProgFlags(int flags) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, instructionBudget, btf, alwaysChecked, flags, target, helpers);
    }

    /** Verify programs for this kernel (the default: Linux 6.18 with everything built in). */
    public RuntimeOptions withTarget(KernelTarget target) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, instructionBudget, btf, alwaysChecked, progFlags, target, helpers);
    }

    /** Offer and verify against these helper specs (e.g. Linux 6.18's with a helper of an embedding added). */
    public RuntimeOptions withHelpers(HelperSpecs specs) {
        return new RuntimeOptions(cpus, memoryBytes, engine, host, instructionBudget, btf, alwaysChecked, progFlags, target, specs);
    }
}

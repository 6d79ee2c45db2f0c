package org.bpf4j.bench.sbs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;

/**
 * The engines the side-by-side harness compares, each able to run a program's frame {@code repeat}
 * times and report the result the last run stored and the average ns per run the engine itself
 * measured around its loop (bpf4j's {@code LoadedProgram.testRun}, the kernel's
 * {@code BPF_PROG_TEST_RUN}). The native binary is driven separately ({@link NativeRunner}).
 */
public enum Engines {
    /**
     * bpf4j's JIT as the runtime runs a program the verifier accepted: unchecked, no budget
     * ({@link ExecutionOptions#verified()}). Forced here, as bpf4j's verifier cannot judge primes, log2
     * and dispatch yet (it runs out of its budget without precision tracking); the runtime runs those checked.
     */
    JIT("jit"),
    /** bpf4j's JIT as the runtime runs a program the verifier did not accept: checked, budget 10^9. */
    JIT_CHECKED("jit-checked"),
    /** The interpreter as the runtime runs a verified program. */
    INTERP("interp"),
    /** The interpreter as the runtime runs a program the verifier did not accept. */
    INTERP_CHECKED("interp-checked"),
    /** Diagnostic: the JIT checked, without the instruction budget (what the checks cost). */
    JIT_CHECKED_NO_BUDGET("jit-c"),
    /** Diagnostic: the JIT unchecked, with the budget of 10^9 (what the budget counting costs). */
    JIT_BUDGET_ONLY("jit-b"),
    /** The kernel's JIT through {@code BPF_PROG_TEST_RUN}. */
    KERNEL("kernel"),
    /** kernels.h compiled by gcc -O2 (the native binary). */
    NATIVE("native");

    private final String label;

    Engines(String label) {
        this.label = label;
    }

    public String label() { return label; }

    public boolean bpf4j() { return this != KERNEL && this != NATIVE; }

    /** Measured unless {@code --engines} says otherwise (the diagnostic JIT variants are not). */
    public boolean byDefault() { return this != JIT_CHECKED_NO_BUDGET && this != JIT_BUDGET_ONLY; }

    public static Engines byLabel(String label) {
        return Arrays.stream(values()).filter(e -> e.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no engine " + label + "; known: "
                        + Arrays.stream(values()).map(Engines::label).toList()));
    }

    /**
     * How bpf4j prepares programs for this engine: the engine with the options of its mode, whatever the
     * runtime's verdict on the program.
     */
    public Executable.Loader loader() {
        ExecutionOptions checked = new ExecutionOptions(true, RuntimeOptions.DEFAULT_BUDGET);
        return switch (this) {
            case JIT -> (p, h, s, o) -> JvmCompiler.compile(p, h, s, ExecutionOptions.verified());
            case JIT_CHECKED -> (p, h, s, o) -> JvmCompiler.compile(p, h, s, checked);
            case JIT_CHECKED_NO_BUDGET -> (p, h, s, o) -> JvmCompiler.compile(p, h, s, checked.withBudget(Long.MAX_VALUE));
            case JIT_BUDGET_ONLY -> (p, h, s, o) -> JvmCompiler.compile(p, h, s, checked.withChecked(false));
            case INTERP -> (p, h, s, o) -> Interpreter.load(p, h, s, ExecutionOptions.verified());
            case INTERP_CHECKED -> (p, h, s, o) -> Interpreter.load(p, h, s, checked);
            default -> throw new IllegalStateException(label + " is not a bpf4j engine");
        };
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One run outcome: the result stored in the frame, r0, and the engine's average ns per run. */
    public record Outcome(long result, long retval, double nanosPerRun) {}

    /** A program loaded into one engine, ready to run its frame. */
    public interface Runner extends AutoCloseable {
        Outcome run(byte[] frame, int repeat);

        @Override
        void close();
    }

    static BpfObject open(Path objects, SbsProgram program) {
        try {
            return BpfObject.open(objects.resolve(program.objectFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads {@code program} from {@code objects} (the directory of the .bpf.o files) into this engine. */
    public Runner load(Path objects, SbsProgram program) {
        BpfObject object = open(objects, program);
        if (this == KERNEL) {
            KernelObject kernel = KernelObject.load(object, Optional.of(program.programName()));
            KernelProgram prog = kernel.program(program.programName()).orElseThrow();
            return new Runner() {
                @Override
                public Outcome run(byte[] frame, int repeat) {
                    var r = prog.testRun(TestRun.of(frame).withRepeat(repeat));
                    return new Outcome(SbsProgram.resultOf(r.dataOut()), r.retval(), r.durationNanos());
                }

                @Override
                public void close() { kernel.close(); }
            };
        }
        if (!bpf4j()) throw new IllegalStateException(label + " does not load objects");
        BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withEngine(loader()));
        try {
            LoadedObject loaded = runtime.load(object);
            LoadedProgram prog = loaded.program(program.programName()).orElseThrow();
            return new Runner() {
                @Override
                public Outcome run(byte[] frame, int repeat) {
                    // Timed by this thread's CPU time, not testRun's wall time: the kernel's test-run timer
                    // stops while its task is rescheduled, so on a loaded machine wall time would charge
                    // bpf4j alone for the load. The frame's setup is charged too (negligible over a round).
                    long cpu = THREADS.getCurrentThreadCpuTime();
                    TestRunResult r = prog.testRun(TestRun.of(frame).withRepeat(repeat));
                    cpu = THREADS.getCurrentThreadCpuTime() - cpu;
                    return new Outcome(SbsProgram.resultOf(r.dataOut()), r.retval(), (double) cpu / repeat);
                }

                @Override
                public void close() { runtime.close(); }
            };
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
    }
}

package org.bpf4j.bench.sbs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;

/**
 * Compile latency of one program, meant to be the first thing a fresh JVM does: the time from the
 * object's bytes to a loaded program (ELF parsing, map creation, binding, bytecode generation, class
 * definition), to the end of its first run, and to peak speed (HotSpot's C2 code), with the kernel's
 * load (verifier and JIT) and first run for comparison.
 *
 * <p>After the first run the program runs in batches of about 1 ms of work each (test runs with
 * {@code repeat}) for the given time; each batch's per-run average is recorded with the time since the
 * object was opened. Peak is the median batch of the last quarter; time to peak is when the first batch
 * at most 10% slower than peak ended (and the second figure, to within 2x, shows the C1 plateau).
 */
final class CompileLatency {
    private CompileLatency() {}

    private record Batch(double atMs, long runsBefore, long nanosPerRun) {}

    static void run(java.nio.file.Path objects, SbsProgram program, Engines engine, double seconds, PrintStream out) throws Exception {
        byte[] frame = program.frame();
        long t0 = System.nanoTime();
        BpfObject object = Engines.open(objects, program);
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withEngine(engine.loader()))) {
            LoadedProgram prog = runtime.load(object).program(program.programName()).orElseThrow();
            long loaded = System.nanoTime();
            TestRunResult first = prog.testRun(TestRun.of(frame));
            long firstDone = System.nanoTime();
            long result = SbsProgram.resultOf(first.dataOut());

            List<Batch> batches = new ArrayList<>();
            long runs = 1;
            int repeat = 1;
            long end = firstDone + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long b0 = System.nanoTime();
                TestRunResult r = prog.testRun(TestRun.of(frame).withRepeat(repeat));
                long b1 = System.nanoTime();
                if (SbsProgram.resultOf(r.dataOut()) != result) throw new IllegalStateException(program.id() + ": result changed");
                batches.add(new Batch((b1 - t0) / 1e6, runs, r.durationNanos()));
                runs += repeat;
                if (b1 - b0 < 1_000_000) repeat = Math.min(repeat * 2, 1 << 20);
            }
            long[] tail = batches.subList(batches.size() * 3 / 4, batches.size()).stream().mapToLong(Batch::nanosPerRun).sorted().toArray();
            long peak = tail[tail.length / 2];
            Batch within10 = batches.stream().filter(b -> b.nanosPerRun() <= peak * 1.1).findFirst().orElseThrow();
            Batch within2x = batches.stream().filter(b -> b.nanosPerRun() <= peak * 2).findFirst().orElseThrow();
            out.printf(Locale.ROOT, "%s (%s, %d BPF instructions) on bpf4j %s:%n", program.id(), program.programName(),
                    prog.program().size(), engine.label());
            out.printf(Locale.ROOT, "  load (ELF, maps, bind, compile):   %8.1f ms%n", (loaded - t0) / 1e6);
            out.printf(Locale.ROOT, "  first run done:                    %8.1f ms  (first run %,d ns)%n", (firstDone - t0) / 1e6,
                    firstDone - loaded);
            out.printf(Locale.ROOT, "  within 2x of peak:                 %8.1f ms  after %,d runs%n", within2x.atMs(), within2x.runsBefore());
            out.printf(Locale.ROOT, "  within 10%% of peak:                %8.1f ms  after %,d runs%n", within10.atMs(), within10.runsBefore());
            out.printf(Locale.ROOT, "  peak:                              %,8d ns per run (median of the last quarter, %d batches)%n", peak,
                    batches.size());
            out.println("  trajectory (ms since open: ns/run): " + trajectory(batches));
        }
        // The same again now that bpf4j's own code is loaded and compiled: what a second program costs.
        long w0 = System.nanoTime();
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withEngine(engine.loader()))) {
            LoadedProgram prog = runtime.load(Engines.open(objects, program)).program(program.programName()).orElseThrow();
            long w1 = System.nanoTime();
            prog.testRun(TestRun.of(frame));
            long w2 = System.nanoTime();
            out.printf(Locale.ROOT, "  again in this JVM: load %.1f ms, first run done %.1f ms (first run %,d ns)%n",
                    (w1 - w0) / 1e6, (w2 - w0) / 1e6, w2 - w1);
        }
        if (KernelAvailability.check().available()) {
            long k0 = System.nanoTime();
            try (KernelObject kernel = KernelObject.load(object, Optional.of(program.programName()))) {
                long k1 = System.nanoTime();
                var r = kernel.program(program.programName()).orElseThrow().testRun(org.bpf4j.runtime.TestRun.of(frame));
                long k2 = System.nanoTime();
                out.printf(Locale.ROOT, "  kernel: load (verifier + JIT) %.1f ms, first run done %.1f ms (its duration %,d ns)%n",
                        (k1 - k0) / 1e6, (k2 - k0) / 1e6, r.durationNanos());
            }
        } else {
            out.println("  kernel: not reachable, " + KernelAvailability.check().reason());
        }
    }

    /** About a dozen points of the per-run time over time, log-spaced by batch. */
    private static String trajectory(List<Batch> batches) {
        List<String> points = new ArrayList<>();
        int[] picks = Arrays.stream(new int[] {0, 1, 2, 4, 8, 12, 16, 20, 24, 32, 48, 64, 128, 256, 512, 1024, 2048})
                .filter(i -> i < batches.size()).toArray();
        for (int i : picks) {
            Batch b = batches.get(i);
            points.add(String.format(Locale.ROOT, "%.0f:%,d", b.atMs(), b.nanosPerRun()));
        }
        Batch last = batches.get(batches.size() - 1);
        points.add(String.format(Locale.ROOT, "%.0f:%,d", last.atMs(), last.nanosPerRun()));
        return String.join("  ", points);
    }
}

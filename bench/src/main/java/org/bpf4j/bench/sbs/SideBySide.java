package org.bpf4j.bench.sbs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.bpf4j.linux.KernelAvailability;

/**
 * The side-by-side comparison of issue 5: each program of {@link SbsProgram}, on the same frame, through
 * bpf4j's JIT and interpreter (unchecked without a budget, as the runtime runs verified programs, and
 * checked with a budget, as it runs the others), the kernel's JIT ({@code BPF_PROG_TEST_RUN} with {@code repeat}) and the same C compiled with
 * gcc -O2; checks that all store the same result and prints ns per run and the ratios to the kernel.
 *
 * <p>Method, the same for every engine: one run to get the result, warm-up (doubling {@code repeat}
 * until the warm-up time has passed; for the JIT this is where HotSpot compiles the program), then
 * {@code rounds} test runs whose {@code repeat} is sized to about {@code round-ms} each; the figure is the
 * median of the engine's own per-run average (bpf4j's and the kernel's test runs time only their run
 * loop). A kernel round follows each round of a bpf4j engine, so that both sides of a ratio are
 * measured in the same seconds. Each program is measured in a fresh JVM (a child process), so that one program's profile does
 * not shape another's compiled code. The native binary does the same in C (see native.c).
 *
 * <pre>
 * SideBySide [--objects DIR] [--native BIN] [--programs a,b] [--engines jit,jit-checked,interp,interp-checked,kernel,native]
 *            [--warmup-ms N] [--round-ms N] [--rounds N] [--no-fork]
 * SideBySide --latency ID [--engine jit|jit-checked|interp] [--objects DIR] [--seconds N]
 * SideBySide --write-frames DIR
 * </pre>
 */
public final class SideBySide {
    private SideBySide() {}

    static final class Config {
        Path objects = defaultObjects();
        Path nativeBinary;
        List<SbsProgram> programs = List.of(SbsProgram.values());
        List<Engines> engines = Arrays.stream(Engines.values()).filter(Engines::byDefault).toList();
        long warmupMs = 1500;
        long maxWarmupMs = 30_000;
        long roundMs = 200;
        int rounds = 5;
        boolean fork = true;
        String child;
        String latency;
        Engines latencyEngine = Engines.JIT;
        double latencySeconds = 10;
        Path writeFrames;
    }

    public static void main(String[] args) throws Exception {
        Config c = parse(args);
        if (c.writeFrames != null) {
            NativeRunner.writeFrames(c.writeFrames, c.programs);
            return;
        }
        if (c.latency != null) {
            CompileLatency.run(c.objects, SbsProgram.byId(c.latency), c.latencyEngine, c.latencySeconds, System.out);
            return;
        }
        if (c.child != null) {
            measureInProcess(c, SbsProgram.byId(c.child), System.out);
            return;
        }
        System.exit(compare(c, System.out) ? 0 : 1);
    }

    static Path defaultObjects() {
        for (String candidate : List.of("bench/sbs", "sbs", "../bench/sbs")) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p.resolve("primes.bpf.o"))) return p;
        }
        return Path.of("bench/sbs");
    }

    private static Config parse(String[] args) {
        Config c = new Config();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--objects" -> c.objects = Path.of(args[++i]);
                case "--native" -> c.nativeBinary = Path.of(args[++i]);
                case "--programs" -> c.programs = Arrays.stream(args[++i].split(",")).map(SbsProgram::byId).toList();
                case "--engines" -> c.engines = Arrays.stream(args[++i].split(",")).map(Engines::byLabel).toList();
                case "--warmup-ms" -> c.warmupMs = Long.parseLong(args[++i]);
                case "--max-warmup-ms" -> c.maxWarmupMs = Long.parseLong(args[++i]);
                case "--round-ms" -> c.roundMs = Long.parseLong(args[++i]);
                case "--rounds" -> c.rounds = Integer.parseInt(args[++i]);
                case "--no-fork" -> c.fork = false;
                case "--child" -> c.child = args[++i];
                case "--latency" -> c.latency = args[++i];
                case "--engine" -> c.latencyEngine = Engines.byLabel(args[++i]);
                case "--seconds" -> c.latencySeconds = Double.parseDouble(args[++i]);
                case "--write-frames" -> c.writeFrames = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + a + " (see SideBySide's javadoc)");
            }
        }
        return c;
    }

    // ---------------------------------------------------------------- one program, in this JVM

    /** One engine's figures for one program. */
    record Measurement(long result, long retval, double nanosPerRun, double minNanos, double maxNanos, String error) {
        static Measurement failed(String error) {
            return new Measurement(0, 0, Double.NaN, Double.NaN, Double.NaN, error);
        }

        /** The median of the rounds, with their extremes. */
        static Measurement of(Engines.Outcome first, double[] rounds) {
            double[] ns = rounds.clone();
            Arrays.sort(ns);
            return new Measurement(first.result(), first.retval(), ns[ns.length / 2], ns[0], ns[ns.length - 1], null);
        }

        boolean ok() { return error == null; }
    }

    /**
     * Runs the program through every bpf4j engine and the kernel, printing one {@code SBS} line each. The
     * kernel is warmed up first; then each bpf4j engine is warmed up and measured with a kernel round right
     * after each of its rounds, so that a slow phase of the host (this is a VM: ±30% over minutes) hits
     * both sides of the ratio. The kernel's figure is the median of all its rounds.
     */
    static void measureInProcess(Config c, SbsProgram program, PrintStream out) {
        byte[] frame = program.frame();
        try (KernelRounds kernel = c.engines.contains(Engines.KERNEL) ? new KernelRounds(c, program, frame) : null) {
            for (Engines e : c.engines) {
                if (e == Engines.NATIVE || e == Engines.KERNEL) continue;
                Measurement m;
                try (Engines.Runner runner = e.load(c.objects, program)) {
                    Warm warm = warmUp(runner, frame, c.warmupMs, c.maxWarmupMs, c.roundMs);
                    double[] ns = new double[c.rounds];
                    for (int r = 0; r < c.rounds; r++) {
                        ns[r] = round(runner, frame, warm);
                        if (kernel != null) kernel.round(frame);
                    }
                    m = Measurement.of(warm.first(), ns);
                } catch (RuntimeException ex) {
                    m = Measurement.failed(ex.toString());
                }
                out.println(line(program, e, m));
                out.flush();
            }
            if (kernel != null) {
                for (int r = 0; !kernel.measured() && r < c.rounds; r++) kernel.round(frame); // the kernel alone
                out.println(line(program, Engines.KERNEL, kernel.measurement()));
                out.flush();
            }
        }
    }

    /**
     * The kernel's side of one program's measurement: warmed up once, then a round after each bpf4j
     * round. A failure is the kernel's own (its line says why), never the bpf4j engine's it interleaves with.
     */
    private static final class KernelRounds implements AutoCloseable {
        private final Config c;
        private Engines.Runner runner;
        private Warm warm;
        private String failure;
        private final List<Double> ns = new ArrayList<>();

        KernelRounds(Config c, SbsProgram program, byte[] frame) {
            this.c = c;
            KernelAvailability kernel = KernelAvailability.check();
            if (!kernel.available()) {
                failure = "kernel not reachable: " + kernel.reason();
                return;
            }
            try {
                runner = Engines.KERNEL.load(c.objects, program);
                warm = warmUp(runner, frame, c.warmupMs, c.maxWarmupMs, c.roundMs);
            } catch (RuntimeException ex) {
                fail(ex);
            }
        }

        void round(byte[] frame) {
            if (runner == null) return;
            try {
                ns.add(SideBySide.round(runner, frame, warm));
            } catch (RuntimeException ex) {
                fail(ex);
            }
        }

        boolean measured() { return failure != null || ns.size() >= c.rounds; }

        Measurement measurement() {
            if (failure != null) return Measurement.failed(failure);
            return Measurement.of(warm.first(), ns.stream().mapToDouble(Double::doubleValue).toArray());
        }

        private void fail(RuntimeException ex) {
            failure = ex.toString();
            close();
        }

        @Override
        public void close() {
            if (runner != null) runner.close();
            runner = null;
        }
    }

    /** What warming up found: the first run's outcome, and the repeat that makes a round last about round-ms. */
    record Warm(Engines.Outcome first, int repeat) {}

    /**
     * Warms up for at least {@code warmupMs}, and then until HotSpot has compiled nothing and the time per
     * run has moved by less than 10% for two consecutive batches of about {@code roundMs} (a large
     * program's many region methods take C2 seconds; on a loaded machine a compilation can wait in C2's
     * queue while nothing completes), at most {@code maxWarmupMs}.
     */
    static Warm warmUp(Engines.Runner runner, byte[] frame, long warmupMs, long maxWarmupMs, long roundMs) {
        Engines.Outcome first = runner.run(frame, 1);
        var jit = ManagementFactory.getCompilationMXBean();
        long roundNs = roundMs * 1_000_000L;
        int repeat = 1;
        long start = System.nanoTime();
        long minEnd = start + warmupMs * 1_000_000L, maxEnd = start + Math.max(warmupMs, maxWarmupMs) * 1_000_000L;
        long compiled = jit.getTotalCompilationTime();
        int quiet = 0;
        double lastPerRun = 0;
        while (true) {
            long t0 = System.nanoTime();
            Engines.Outcome o = runner.run(frame, repeat);
            check(first, o);
            long t1 = System.nanoTime(), t = Math.max(1, t1 - t0);
            if (t >= roundNs / 2) {
                long now = jit.getTotalCompilationTime();
                boolean steady = Math.abs(o.nanosPerRun() - lastPerRun) < 0.1 * lastPerRun;
                quiet = now == compiled && steady ? quiet + 1 : 0;
                compiled = now;
                lastPerRun = o.nanosPerRun();
            }
            if (t1 >= maxEnd || t1 >= minEnd && quiet >= 2) {
                return new Warm(first, (int) Math.clamp(repeat * (double) roundNs / t, 1, 1 << 30));
            }
            if (t < roundNs) repeat = (int) Math.min(repeat * 2L, 1 << 30);
        }
    }

    /** One measured round: ns per run, the result checked against the first run's. */
    static double round(Engines.Runner runner, byte[] frame, Warm warm) {
        Engines.Outcome o = runner.run(frame, warm.repeat());
        check(warm.first(), o);
        return o.nanosPerRun();
    }

    private static void check(Engines.Outcome first, Engines.Outcome o) {
        if (o.result() != first.result() || o.retval() != first.retval()) {
            throw new IllegalStateException("a repeated run stored " + Long.toUnsignedString(o.result()) + " (r0 " + o.retval()
                    + "), the first " + Long.toUnsignedString(first.result()) + " (r0 " + first.retval() + ")");
        }
    }

    private static String line(SbsProgram p, Engines e, Measurement m) {
        if (!m.ok()) return "SBS-ERROR " + p.id() + " " + e.label() + " " + m.error().replace('\n', ' ');
        return String.format(Locale.ROOT, "SBS %s %s %s %d %.1f %.1f %.1f", p.id(), e.label(), Long.toUnsignedString(m.result()),
                m.retval(), m.nanosPerRun(), m.minNanos(), m.maxNanos());
    }

    private static void parseLine(String line, Map<SbsProgram, Map<Engines, Measurement>> into) {
        String[] f = line.split(" ", 4);
        if (f.length < 4 || !(f[0].equals("SBS") || f[0].equals("SBS-ERROR"))) return;
        Map<Engines, Measurement> row = into.computeIfAbsent(SbsProgram.byId(f[1]), k -> new EnumMap<>(Engines.class));
        if (f[0].equals("SBS-ERROR")) {
            row.put(Engines.byLabel(f[2]), Measurement.failed(f[3]));
            return;
        }
        String[] v = f[3].split(" ");
        row.put(Engines.byLabel(f[2]), new Measurement(Long.parseUnsignedLong(v[0]), Long.parseLong(v[1]),
                Double.parseDouble(v[2]), Double.parseDouble(v[3]), Double.parseDouble(v[4]), null));
    }

    // ---------------------------------------------------------------- the comparison

    /** Measures everything and prints the table; false when some engine disagreed or failed. */
    static boolean compare(Config c, PrintStream out) throws IOException, InterruptedException {
        Map<SbsProgram, Map<Engines, Measurement>> table = new LinkedHashMap<>();
        KernelAvailability kernel = KernelAvailability.check();
        if (c.engines.contains(Engines.KERNEL) && !kernel.available()) {
            out.println("kernel: skipped, " + kernel.reason());
        }
        for (SbsProgram p : c.programs) {
            table.put(p, new EnumMap<>(Engines.class));
            if (c.fork) {
                forkChild(c, p, table);
            } else {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                measureInProcess(c, p, new PrintStream(buf, true, StandardCharsets.UTF_8));
                for (String l : buf.toString(StandardCharsets.UTF_8).split("\n")) parseLine(l, table);
            }
            out.println("measured " + p.id());
        }
        if (c.engines.contains(Engines.NATIVE)) {
            if (c.nativeBinary == null) {
                out.println("native: skipped, no --native binary (bench/sbs/run.sh builds one)");
            } else {
                Path frames = Files.createTempDirectory("sbs-frames");
                Map<String, NativeRunner.Result> nat = NativeRunner.run(c.nativeBinary, frames, c.roundMs / 1000.0, c.programs);
                for (SbsProgram p : c.programs) {
                    NativeRunner.Result r = nat.get(p.id());
                    table.get(p).put(Engines.NATIVE, r == null ? Measurement.failed("no line from the native binary")
                            : new Measurement(r.result(), SbsProgram.XDP_PASS, r.nanosPerRun(), r.nanosPerRun(), r.nanosPerRun(), null));
                }
            }
        }
        return print(c, table, out);
    }

    private static void forkChild(Config c, SbsProgram p, Map<SbsProgram, Map<Engines, Measurement>> table)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SideBySide.class.getName(),
                "--child", p.id(), "--objects", c.objects.toString(),
                "--engines", String.join(",", c.engines.stream().map(Engines::label).toList()),
                "--warmup-ms", Long.toString(c.warmupMs), "--max-warmup-ms", Long.toString(c.maxWarmupMs), "--round-ms", Long.toString(c.roundMs),
                "--rounds", Integer.toString(c.rounds)));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) parseLine(l, table);
        }
        int status = child.waitFor();
        if (status != 0) {
            for (Engines e : c.engines) table.get(p).putIfAbsent(e, Measurement.failed("child JVM exited with " + status));
        }
    }

    private static final List<Engines> RATIO_OVER_KERNEL = List.of(Engines.JIT, Engines.JIT_CHECKED, Engines.INTERP,
            Engines.INTERP_CHECKED, Engines.NATIVE);

    private static boolean print(Config c, Map<SbsProgram, Map<Engines, Measurement>> table, PrintStream out) {
        boolean allAgree = true;
        List<Engines> cols = c.engines;
        List<Engines> ratios = RATIO_OVER_KERNEL.stream().filter(cols::contains).toList();
        boolean haveKernel = cols.contains(Engines.KERNEL);
        StringBuilder h = new StringBuilder(String.format("%-9s", "program"));
        for (Engines e : cols) h.append(pad(e.label(), nsWidth(e)));
        if (haveKernel) for (Engines e : ratios) h.append(pad(e.label() + "/k", ratioWidth(e)));
        h.append("  result");
        out.println();
        out.println("ns per run (median of " + c.rounds + " rounds of ~" + c.roundMs + " ms after " + c.warmupMs
                + " ms of warm-up; jit/interp = as verified programs run: unchecked, no budget; -checked = as the others run)");
        out.println(h);
        List<String> problems = new ArrayList<>();
        for (var entry : table.entrySet()) {
            SbsProgram p = entry.getKey();
            Map<Engines, Measurement> row = entry.getValue();
            StringBuilder s = new StringBuilder(String.format("%-9s", p.id() + (p.cpuBound() ? "" : "*")));
            for (Engines e : cols) s.append(pad(ns(row.get(e)), nsWidth(e)));
            Measurement k = row.get(Engines.KERNEL);
            if (haveKernel) {
                for (Engines e : ratios) s.append(pad(ratio(row.get(e), k), ratioWidth(e)));
            }
            // Every engine must store the same result, and the Java reference's when there is one.
            OptionalLong reference = p.reference(p.frame());
            Long agreed = reference.isPresent() ? Long.valueOf(reference.getAsLong()) : null;
            String verdict = "ok";
            for (Engines e : cols) {
                Measurement m = row.get(e);
                if (m == null) continue;
                if (!m.ok()) {
                    if (!(e == Engines.KERNEL && m.error().startsWith("kernel not reachable"))) {
                        problems.add(p.id() + " " + e.label() + ": " + m.error());
                        verdict = "FAILED";
                    }
                    continue;
                }
                if (agreed == null) agreed = m.result();
                if (m.result() != agreed || m.retval() != SbsProgram.XDP_PASS) {
                    problems.add(p.id() + " " + e.label() + ": stored " + Long.toUnsignedString(m.result()) + " r0 " + m.retval()
                            + ", expected " + Long.toUnsignedString(agreed) + " r0 " + SbsProgram.XDP_PASS);
                    verdict = "MISMATCH";
                }
            }
            if (!verdict.equals("ok")) allAgree = false;
            s.append("  ").append(verdict).append(agreed == null ? "" : " " + Long.toUnsignedString(agreed));
            out.println(s);
        }
        out.println("(* not CPU-bound: per-packet parsing, map helpers, generated code; outside the geometric mean)");
        if (haveKernel) {
            for (Engines e : ratios) {
                double gm = geomean(table, e, true);
                double all = geomean(table, e, false);
                if (!Double.isNaN(gm)) {
                    out.printf(Locale.ROOT, "geomean %s/kernel: %.2f over the CPU-bound programs, %.2f over all%n", e.label(), gm, all);
                }
            }
        }
        for (String problem : problems) out.println("PROBLEM: " + problem);
        return allAgree;
    }

    private static int nsWidth(Engines e) { return Math.max(11, e.label().length() + 2); }

    private static int ratioWidth(Engines e) { return Math.max(10, e.label().length() + 4); }

    private static String pad(String text, int width) { return " ".repeat(Math.max(0, width - text.length())) + text; }

    private static double geomean(Map<SbsProgram, Map<Engines, Measurement>> table, Engines e, boolean cpuBoundOnly) {
        double logSum = 0;
        int n = 0;
        for (var entry : table.entrySet()) {
            if (cpuBoundOnly && !entry.getKey().cpuBound()) continue;
            Measurement m = entry.getValue().get(e), k = entry.getValue().get(Engines.KERNEL);
            if (m == null || k == null || !m.ok() || !k.ok() || k.nanosPerRun() <= 0) continue;
            logSum += Math.log(m.nanosPerRun() / k.nanosPerRun());
            n++;
        }
        return n == 0 ? Double.NaN : Math.exp(logSum / n);
    }

    private static String ns(Measurement m) {
        if (m == null) return "-";
        if (!m.ok()) return "n/a";
        return String.format(Locale.ROOT, m.nanosPerRun() < 10 ? "%.1f" : "%,.0f", m.nanosPerRun());
    }

    private static String ratio(Measurement m, Measurement k) {
        if (m == null || k == null || !m.ok() || !k.ok() || k.nanosPerRun() <= 0) return "-";
        return String.format(Locale.ROOT, "%.2f", m.nanosPerRun() / k.nanosPerRun());
    }
}

package org.bpf4j.bench.verifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;

/**
 * Verification speed side by side (issue 4): for the corpus's largest programs and the side-by-side
 * benchmark programs, the time bpf4j's verifier takes cold (the first verification in a fresh JVM: what
 * one {@code bpf4j prog verify} pays) and warm (median of single verifications after warm-up), against
 * the kernel's own {@code verification time} (its BPF_LOG_STATS line, median of several loads; the
 * corpus's recorded time when the kernel is unreachable).
 *
 * <pre>
 * bench/verifier/run.sh                         the table
 * bench/verifier/run.sh --object OBJ PROG ...   the table for these programs only (e.g. real-world objects)
 * java -cp benchmarks.jar org.bpf4j.bench.verifier.VerificationSpeed --cold OBJ PROG   one cold run
 * </pre>
 */
public final class VerificationSpeed {
    private VerificationSpeed() {}

    /** One program to verify: an object (relative to the corpus or the repository) and the program's name. */
    record Target(String label, Path object, String program, long recordedKernelMicros) {}

    private static final Pattern KERNEL_TIME = Pattern.compile("verification time (\\d+) usec");
    private static final Pattern KERNEL_PROCESSED = Pattern.compile("processed (\\d+) insns");

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--cold")) {
            cold(Path.of(args[1]), args[2]);
            return;
        }
        Path shared = Path.of("../shared"), root = Path.of(".");
        double warmSeconds = 3;
        int coldRuns = 3, kernelRuns = 5;
        List<Target> chosen = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--object" -> {
                    Path object = Path.of(args[++i]);
                    String program = args[++i];
                    chosen.add(new Target(object.getFileName().toString().replace(".o", "") + ":" + program, object, program, -1));
                }
                case "--shared" -> shared = Path.of(args[++i]);
                case "--root" -> root = Path.of(args[++i]);
                case "--warm-seconds" -> warmSeconds = Double.parseDouble(args[++i]);
                case "--cold-runs" -> coldRuns = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--shared DIR --root DIR --warm-seconds S --cold-runs N --object OBJ PROG... | --cold OBJ PROG)");
            }
        }
        List<Target> targets = chosen.isEmpty() ? targets(shared, root) : chosen;
        KernelAvailability kernel = KernelAvailability.check();
        if (!kernel.available()) System.out.println("kernel column from corpus/kernel-verdicts.jsonl: " + kernel.reason());
        System.out.printf("%-34s %9s %9s %11s %11s %11s %8s %8s%n", "program", "processed", "kernel", "kernel us",
                "bpf4j warm", "bpf4j cold", "warm/k", "cold/k");
        List<Double> warmRatios = new ArrayList<>(), coldRatios = new ArrayList<>();
        for (Target t : targets) {
            BpfObject object = BpfObject.open(t.object());
            ProgramSpec spec = object.programs().stream().filter(p -> p.name().equals(t.program())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(t.object() + " has no program " + t.program()));
            VerifierResult first = verify(object, spec);
            double warm = warmMicros(object, spec, warmSeconds);
            double cold = coldMicros(t, coldRuns);
            long[] k = kernel.available() ? kernelMicros(object, t.program(), kernelRuns) : new long[] {t.recordedKernelMicros(), -1};
            String verdict = switch (first) {
                case VerifierResult.Accepted a -> String.valueOf(a.processedInsns());
                case VerifierResult.Rejected r -> r.processedInsns() + "!";
                case VerifierResult.Unsupported u -> "unsupp";
                case VerifierResult.InternalError e -> "internal";
            };
            double wr = k[0] > 0 ? warm / k[0] : Double.NaN, cr = k[0] > 0 ? cold / k[0] : Double.NaN;
            if (k[0] > 0) {
                warmRatios.add(wr);
                coldRatios.add(cr);
            }
            System.out.printf(Locale.ROOT, "%-34s %9s %9s %11d %11.0f %11.0f %8.2f %8.2f%n", t.label(), verdict,
                    k[1] < 0 ? "-" : String.valueOf(k[1]), k[0], warm, cold, wr, cr);
        }
        System.out.printf(Locale.ROOT, "geomean bpf4j/kernel: warm %.2f, cold %.2f ('!' after processed: rejected by bpf4j)%n",
                geomean(warmRatios), geomean(coldRatios));
    }

    /** The corpus's accepted programs above 300 processed instructions, then the side-by-side programs. */
    static List<Target> targets(Path shared, Path root) throws IOException {
        List<Target> out = new ArrayList<>();
        Path verdicts = shared.resolve("corpus/kernel-verdicts.jsonl");
        Pattern field = Pattern.compile("\"(object|program|verdict|processed_insns|verification_time_usec)\": (\"[^\"]*\"|\\d+)");
        for (String line : Files.readAllLines(verdicts)) {
            String object = null, program = null, verdict = null;
            long processed = 0, micros = 0;
            Matcher m = field.matcher(line);
            while (m.find()) {
                String v = m.group(2).replace("\"", "");
                switch (m.group(1)) {
                    case "object" -> object = v;
                    case "program" -> program = v;
                    case "verdict" -> verdict = v;
                    case "processed_insns" -> processed = Long.parseLong(v);
                    default -> micros = Long.parseLong(v);
                }
            }
            if ("accept".equals(verdict) && processed > 300) {
                out.add(new Target(object.replace(".o", "") + ":" + program, shared.resolve("corpus").resolve(object), program, micros));
            }
        }
        for (String id : List.of("primes", "log2", "copy", "dispatch", "fnv1a", "strcmp", "calls", "parser", "maps", "large")) {
            Path obj = root.resolve("bench/sbs/" + id + ".bpf.o");
            out.add(new Target("sbs/" + id, obj, BpfObject.open(obj).programs().getFirst().name(), -1));
        }
        return out;
    }

    private static double warmMicros(BpfObject object, ProgramSpec spec, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int n = 0;
        while (System.nanoTime() < end || n < 5) {
            verify(object, spec);
            n++;
        }
        int samples = Math.max(5, Math.min(n / 2, 200));
        long[] t = new long[samples];
        for (int i = 0; i < samples; i++) {
            long s = System.nanoTime();
            verify(object, spec);
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        return t[samples / 2] / 1e3;
    }

    /** Median over fresh JVMs of the first verification's time (object parsing excluded, as in the kernel's figure). */
    private static double coldMicros(Target t, int runs) throws IOException, InterruptedException {
        double[] us = new double[runs];
        for (int i = 0; i < runs; i++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), VerificationSpeed.class.getName(), "--cold",
                    t.object().toString(), t.program()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) throw new IllegalStateException("cold run of " + t.label() + " failed: " + out);
            us[i] = Double.parseDouble(out);
        }
        Arrays.sort(us);
        return us[runs / 2];
    }

    private static void cold(Path object, String program) throws IOException {
        BpfObject o = BpfObject.open(object);
        ProgramSpec spec = o.programs().stream().filter(p -> p.name().equals(program)).findFirst().orElseThrow();
        long s = System.nanoTime();
        verify(o, spec);
        System.out.printf(Locale.ROOT, "%.1f%n", (System.nanoTime() - s) / 1e3);
    }

    /** The kernel's median verification time and its processed count, from BPF_LOG_STATS. */
    private static long[] kernelMicros(BpfObject object, String program, int runs) {
        long[] us = new long[runs];
        long processed = -1;
        for (int i = 0; i < runs; i++) {
            try (KernelObject k = KernelObject.load(object, Optional.of(program), LoadOptions.LOG_STATS)) {
                String log = k.program(program).orElseThrow().verifierLog();
                Matcher m = KERNEL_TIME.matcher(log), p = KERNEL_PROCESSED.matcher(log);
                us[i] = m.find() ? Long.parseLong(m.group(1)) : -1;
                if (p.find()) processed = Long.parseLong(p.group(1));
            } catch (RuntimeException e) {
                return new long[] {-1, -1};
            }
        }
        Arrays.sort(us);
        return new long[] {us[runs / 2], processed};
    }

    /** As prog verify: CO-RE relocations resolved against the running kernel's BTF (read once) first. */
    private static VerifierResult verify(BpfObject object, ProgramSpec spec) {
        Optional<Btf> target = spec.coreRelocations().isEmpty() ? Optional.empty() : KernelBtf.TARGET;
        return ObjectVerification.verify(object, spec, VerifierOptions.defaults(), target);
    }

    /** Read on first use only: most programs have no CO-RE relocation. */
    private static final class KernelBtf {
        static final Optional<Btf> TARGET = CoreRelocator.targetBtf(Optional.empty());
    }

    private static double geomean(List<Double> xs) {
        return Math.exp(xs.stream().mapToDouble(Math::log).average().orElse(Double.NaN));
    }
}

package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.helpers.HostEnvironment;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.maps.RingBufferReader;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.pcap.PcapFormatException;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.progtype.ReturnCodes;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadException;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.MapsSnapshot;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunException;
import org.bpf4j.runtime.TestRunResult;
import org.bpf4j.verifier.KernelTarget;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog run}: BPF_PROG_TEST_RUN on a frame, or on every frame of a capture. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a program as BPF_PROG_TEST_RUN does, on one frame (--data-in) or every frame of a capture (--pcap).",
                "Maps persist between frames.",
                "Exit status: 0 when every frame was processed, 2 for unusable input."})
final class ProgRunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "The program to run (default: the object's first).")
    String prog;

    static final class Input {
        @Option(names = "--data-in", paramLabel = "FILE", required = true, description = "The frame to run on.")
        Path dataIn;

        @Option(names = "--pcap", paramLabel = "FILE", required = true, description = "A capture (pcap or pcapng, Ethernet): one run per frame.")
        Path pcap;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--data-out", paramLabel = "FILE", description = "Write the frame after the run (with --data-in).")
    Path dataOut;

    @Option(names = "--pcap-out", paramLabel = "FILE", description = "Write the frames after their runs as a pcap (with --pcap).")
    Path pcapOut;

    @Option(names = "--ctx-in", paramLabel = "FILE", description = "The context to start from, in the program type's UAPI layout.")
    Path ctxIn;

    @Option(names = "--repeat", defaultValue = "1", description = "Runs per frame, on the same frame and maps without reset (default: 1).")
    int repeat;

    @Option(names = "--engine", defaultValue = "jit", description = "Engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    EngineName engine;

    @Option(names = "--checked", description = "Run checked even when the verifier accepted the program: every access looked up, "
            + "a fault names its instruction (slower; for hunting a suspected verifier miss).")
    boolean checked;

    @Option(names = "--flags", paramLabel = "FLAGS", description = "prog_flags the program is verified with: BPF_F_* names joined by '|' "
            + "(e.g. 'BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ') or a number.")
    String flags;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object with the results, maps, ring buffer records and trace lines.")
    boolean json;

    @Option(names = "--target", paramLabel = "KERNEL", defaultValue = "6.18", description = Targets.DESCRIPTION)
    String target;

    @Option(names = "--btf", paramLabel = "FILE", description = "BTF to resolve CO-RE relocations against: raw BTF or an eBPF object with .BTF (default: the running kernel's).")
    Path btf;

    private final List<String> trace = new ArrayList<>();

    /** The helpers programs may call: Linux 6.18's, or the table of a tool that embeds this command. */
    HelperSpecs helpers = HelperSpecs.linux618();

    @Override
    public Integer call() {
        return run(spec.commandLine().getOut());
    }

    private int run(PrintWriter out) {
        if (repeat < 1) throw new UserInputException("--repeat must be at least 1, not " + repeat);
        if (dataOut != null && input.pcap != null) throw new UserInputException("--data-out goes with --data-in; use --pcap-out with --pcap");
        if (pcapOut != null && input.dataIn != null) throw new UserInputException("--pcap-out goes with --pcap; use --data-out with --data-in");
        // refused before anything runs, as bpftool checks its output files first
        if (dataOut != null && Files.isDirectory(dataOut)) throw new UserInputException("--data-out " + dataOut + ": is a directory, not a file");
        if (pcapOut != null && Files.isDirectory(pcapOut)) throw new UserInputException("--pcap-out " + pcapOut + ": is a directory, not a file");
        KernelTarget kernel = Targets.of(target);
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        ProgramSpec programSpec = Objects.program(obj, prog);
        List<Frame> frames = input.pcap != null ? readPcap(input.pcap) : List.of(Frame.of(read(input.dataIn, "--data-in")));
        Optional<byte[]> context = ctxIn == null ? Optional.empty() : Optional.of(read(ctxIn, "--ctx-in"));
        RuntimeOptions options = RuntimeOptions.defaults()
                .withHelpers(helpers)
                .withEngine(engine.engine())
                .withHost(HostEnvironment.system(Runtime.getRuntime().availableProcessors(), trace::add))
                .withTarget(kernel);
        if (btf != null) {
            Objects.targetBtf(btf); // a wrong file is an error even when no program needs CO-RE
            options = options.withBtf(btf);
        }
        if (checked) options = options.withAlwaysChecked(true);
        if (flags != null) options = options.withProgFlags(Objects.progFlags(flags));
        try (BpfRuntime runtime = BpfRuntime.create(options)) {
            LoadedObject loaded;
            try {
                loaded = runtime.load(obj);
            } catch (LoadException e) {
                throw new UserInputException(obj.name() + ": " + e.getMessage());
            }
            LoadedProgram program = loaded.program(programSpec.name()).orElseThrow();
            Map<String, RingBufferReader> readers = new LinkedHashMap<>();
            Map<String, List<Object>> ringRecords = new LinkedHashMap<>();
            for (BpfMap m : loaded.maps().values()) {
                if (m instanceof RingBufMap ring) {
                    readers.put(m.name(), ring.reader());
                    ringRecords.put(m.name(), new ArrayList<>());
                }
            }
            if (engine == EngineName.jit && repeat > 1 && input.dataIn != null) warmUp(loaded, program, frames.getFirst(), context);
            List<Object> results = new ArrayList<>();
            List<Frame> outFrames = new ArrayList<>();
            TreeMap<Long, Integer> retvals = new TreeMap<>();
            int errors = 0;
            TestRunResult last = null;
            for (Frame frame : frames) {
                TestRun run = input(frame, context).withRepeat(repeat);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("frame", results.size() + 1);
                try {
                    TestRunResult r = program.testRun(run);
                    last = r;
                    result.put("retval", r.retval());
                    result.put("duration_ns", r.durationNanos());
                    ReturnCodes.name(program.type(), r.retval()).ifPresent(n -> result.put("retval_name", n));
                    if (hasPacket(program.type())) result.put("data_out", Json.hex(r.dataOut()));
                    retvals.merge(r.retval(), 1, Integer::sum);
                    outFrames.add(new Frame(r.dataOut(), frame.timestampNanos(), r.dataOut().length));
                } catch (TestRunException e) {
                    result.put("error", e.getMessage());
                    errors++;
                    if (input.dataIn != null && !json) throw new UserInputException(e.getMessage());
                }
                results.add(result);
            }
            // Records stay in the ring until the last frame, as in the kernel, where nothing consumes between
            // test runs: bpf_ringbuf_query and a ring that fills up see every record of the earlier frames.
            readers.forEach((name, reader) -> {
                for (Optional<byte[]> rec = reader.poll(); rec.isPresent(); rec = reader.poll()) {
                    ringRecords.get(name).add(Json.hex(rec.get()));
                }
            });
            if (dataOut != null && last != null) write("--data-out", dataOut, last.dataOut());
            if (pcapOut != null) {
                try {
                    Pcap.write(pcapOut, outFrames);
                } catch (IOException e) {
                    throw new UserInputException("--pcap-out " + pcapOut + ": cannot write: " + reason(e));
                }
            }
            if (json) {
                Map<String, Object> maps = new LinkedHashMap<>();
                for (BpfMap m : loaded.maps().values()) maps.put(m.name(), MapDump.formatted(MapDump.entries(m), obj, m));
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("mode", program.mode().label());
                root.put("mode_reason", program.mode().reason());
                root.put("results", results);
                root.put("maps", maps);
                root.put("ringbuf", ringRecords);
                root.put("trace", trace);
                root.put("warnings", obj.warnings());
                out.println(Json.write(root));
            } else if (input.dataIn != null) {
                out.printf("Return value: %d%s, duration%s: %dns%n", last.retval(), named(program, last.retval()),
                        repeat > 1 ? " (average)" : "", last.durationNanos());
                for (String line : trace) out.println("trace: " + line);
            } else {
                printSummary(out, frames.size(), retvals, errors, results, loaded, program, ringRecords);
            }
            out.flush();
            return 0;
        }
    }

    /** Runs before a warm-up: enough for C2 to compile the program, bounded in time. */
    private static final int WARM_UP_RUNS = 20_000;
    private static final long WARM_UP_NANOS = 2_000_000_000L;

    /**
     * Warms the compiled program up on a copy of the frame and on the maps, then puts the maps back as they
     * were, so that the timed runs see what the kernel's would and the visible effects are exactly those
     * of the N runs. An object with a bloom filter (which cannot forget) is timed cold.
     */
    private void warmUp(LoadedObject loaded, LoadedProgram program, Frame frame, Optional<byte[]> context) {
        if (!MapsSnapshot.supported(loaded.maps())) return;
        MapsSnapshot snapshot = MapsSnapshot.of(loaded.maps());
        long deadline = System.nanoTime() + WARM_UP_NANOS;
        try {
            for (int done = 0; done < WARM_UP_RUNS && System.nanoTime() < deadline; done += 1000) {
                program.testRun(input(frame, context).withRepeat(1000));
            }
        } catch (TestRunException e) {
            // the timed run reports it
        }
        snapshot.restore();
        trace.clear();
    }

    private void printSummary(PrintWriter out, int frames, TreeMap<Long, Integer> retvals, int errors, List<Object> results,
                              LoadedObject loaded, LoadedProgram program, Map<String, List<Object>> rings) {
        for (int i = 0; i < results.size(); i++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) results.get(i);
            if (r.containsKey("error")) out.printf("frame %d: %s%n", i + 1, r.get("error"));
        }
        StringBuilder counts = new StringBuilder();
        retvals.forEach((rv, n) -> counts.append(counts.isEmpty() ? "" : ", ").append(rv).append(named(program, rv)).append(" x").append(n));
        out.printf("%d frames: return values %s%s%n", frames, counts.isEmpty() ? "none" : counts, errors > 0 ? "; " + errors + " refused" : "");
        if (repeat > 1) {
            // each frame ran --repeat times; its duration is the average of those runs, as the kernel reports it
            long[] ns = results.stream().map(o -> ((Map<?, ?>) o).get("duration_ns")).filter(java.util.Objects::nonNull)
                    .mapToLong(d -> (Long) d).toArray();
            if (ns.length > 0) {
                out.printf("duration (average of %d runs per frame): %d ns, frames from %d to %d ns%n", repeat,
                        Math.round(java.util.Arrays.stream(ns).average().orElse(0)),
                        java.util.Arrays.stream(ns).min().orElse(0), java.util.Arrays.stream(ns).max().orElse(0));
            }
        }
        for (BpfMap m : loaded.maps().values()) {
            List<Map<String, Object>> entries = MapDump.entries(m);
            out.printf("map %s (%s): %d %s%n", m.name(), m.type().name().toLowerCase(java.util.Locale.ROOT), entries.size(),
                    entries.size() == 1 ? "entry" : "entries");
            for (Map<String, Object> e : entries) {
                Object v = e.containsKey("values") ? e.get("values") : e.get("value");
                out.printf("  key %s  value %s%n", e.get("key"), v);
            }
        }
        rings.forEach((name, records) -> out.printf("ringbuf %s: %d records%n", name, records.size()));
        for (String line : trace) out.println("trace: " + line);
    }

    private static boolean hasPacket(ProgramType type) {
        return switch (type) {
            case XDP, SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> true;
            default -> false;
        };
    }

    /** Far more than any frame or context a program takes; keeps a wrong file from exhausting the heap. */
    private static final int MAX_INPUT = 16 << 20;

    private static byte[] read(Path file, String what) {
        try (var in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(MAX_INPUT + 1); // bounded: /dev/zero or a pipe is refused, not read forever
            if (data.length > MAX_INPUT) {
                throw new UserInputException(what + " " + file + ": more than " + MAX_INPUT + " bytes (a frame or a context is far smaller)");
            }
            return data;
        } catch (NoSuchFileException e) {
            throw new UserInputException(what + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UserInputException(what + " " + file + ": cannot read: " + e.getMessage());
        }
    }

    private static void write(String option, Path file, byte[] data) {
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UserInputException(option + " " + file + ": cannot write: " + reason(e));
        }
    }

    private static List<Frame> readPcap(Path file) {
        try {
            return Pcap.read(file);
        } catch (PcapFormatException e) {
            throw new UserInputException(e.getMessage());
        }
    }

    /** Why a file could not be written, without repeating its name (NIO puts the path in its messages). */
    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException _ -> "its folder does not exist";
            case java.nio.file.AccessDeniedException _ -> "permission denied";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason().toLowerCase(java.util.Locale.ROOT);
            default -> e.getMessage();
        };
    }

    /** " (XDP_DROP)" where uapi names the program type's return value, else nothing. */
    private static String named(LoadedProgram program, long retval) {
        return ReturnCodes.name(program.type(), retval).map(n -> " (" + n + ")").orElse("");
    }

    /** The frame as the test run's packet, with the context from --ctx-in when given. */
    private static TestRun input(Frame frame, Optional<byte[]> context) {
        TestRun run = TestRun.of(frame.data());
        return context.isPresent() ? run.withContext(context.get()) : run;
    }
}
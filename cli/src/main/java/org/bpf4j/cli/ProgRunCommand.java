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
import org.bpf4j.runtime.RejectedPrograms;
import org.bpf4j.runtime.RepeatProgress;
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
        description = {"Run a program as BPF_PROG_TEST_RUN does, on one frame (--data-in), every frame of a capture (--pcap), "
                + "or, for program types without packet data (tracing, syscall), on its context alone (--ctx-in).",
                "Prints a line per frame (its named verdict, what changed in the packet, its trace lines and ring buffer records), "
                + "then a summary and the maps. Maps persist between frames.",
                "Programs of the object that cannot load (rejected by the verifier, calling what bpf4j does not implement) are "
                + "left out, as libbpf's autoload=false would, and named; the chosen program must load.",
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

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Input input = new Input();

    @Option(names = "--data-out", paramLabel = "FILE", description = "Write the frame after the run (with --data-in).")
    Path dataOut;

    @Option(names = "--pcap-out", paramLabel = "FILE", description = "Write the frames after their runs as a pcap (with --pcap). "
            + "Frames the program drops (XDP_DROP, XDP_ABORTED, TC_ACT_SHOT, a socket filter's 0...) and frames the run refused are "
            + "left out, as the kernel would not pass them on; the per-frame output and -j say which.")
    Path pcapOut;

    @Option(names = "--ctx-in", paramLabel = "FILE", description = "The context to start from, in the program type's UAPI layout.")
    Path ctxIn;

    @Option(names = "--ctx-out", paramLabel = "FILE", description = "Write the context after the (last) run, as bpftool's ctx_out.")
    Path ctxOut;

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

    @Option(names = {"-q", "--quiet"}, description = "Print the summary and the maps only, not a line per frame.")
    boolean quiet;

    @Option(names = "--target", paramLabel = "KERNEL", defaultValue = "6.18", description = Targets.DESCRIPTION)
    String target;

    @Option(names = "--btf", paramLabel = "FILE", description = "BTF to resolve CO-RE relocations against: raw BTF or an eBPF object with .BTF (default: the running kernel's).")
    Path btf;

    @Option(names = "--map", arity = "2", paramLabel = "NAME KEY=VALUE", hideParamSyntax = true, description = "Put an entry in a map before the run (repeatable). "
            + "KEY and VALUE: hex:BYTES in memory order (as -j prints them) or an integer stored little-endian in the key's or value's size; "
            + "a program array or map of maps takes a program's or map's name as VALUE.")
    List<String> mapEntries = new ArrayList<>();

    @Option(names = "--ringbuf-type", paramLabel = "TYPE", description = "Read ring buffer records as this struct of the object's BTF "
            + "(default: the ring's __type(value, ...) where the map definition gives one, else the object's one struct of the record's size; else hex).")
    String ringbufType;

    @Option(names = "--maps-in", paramLabel = "FILE", description = "Fill maps from FILE before the run: the \"maps\" object that -j prints (or that output whole).")
    Path mapsIn;

    @Option(names = "--maps-out", paramLabel = "FILE", description = "Write the maps after the runs, as -j prints them under \"maps\" (what --maps-in reads).")
    Path mapsOut;

    @Option(names = "--pid", paramLabel = "PID", description = "The thread id bpf_get_current_pid_tgid reports (default: the thread that runs the program).")
    Integer pid;

    @Option(names = "--tgid", paramLabel = "TGID", description = "The process id bpf_get_current_pid_tgid reports (default: this JVM's; --pid too when only --pid is given).")
    Integer tgid;

    @Option(names = "--comm", paramLabel = "NAME", description = "The task name bpf_get_current_comm reports (default: java; 15 bytes kept).")
    String comm;

    @Option(names = "--uid", paramLabel = "UID", description = "The uid bpf_get_current_uid_gid reports (default: this process's).")
    Integer uid;

    @Option(names = "--gid", paramLabel = "GID", description = "The gid bpf_get_current_uid_gid reports (default: this process's).")
    Integer gid;

    @Option(names = "--cgroup-id", paramLabel = "ID", description = "The cgroup v2 id bpf_get_current_cgroup_id reports (default: this process's).")
    Long cgroupId;

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
        if (pcapOut != null && input.pcap == null) throw new UserInputException("--pcap-out goes with --pcap; use --data-out with --data-in");
        // refused before anything runs, as bpftool checks its output files first
        for (Path file : new Path[] {dataOut, pcapOut, ctxOut, mapsOut}) {
            if (file != null && Files.isDirectory(file)) throw new UserInputException(optionOf(file) + " " + file + ": is a directory, not a file");
        }
        KernelTarget kernel = Targets.of(target);
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        ProgramSpec programSpec = Objects.program(obj, prog);
        boolean packet = hasPacket(programSpec.type());
        if (input.dataIn == null && input.pcap == null && packet) {
            throw new UserInputException("program " + programSpec.name() + " (" + programSpec.type().name().toLowerCase(java.util.Locale.ROOT)
                    + ") runs on a packet: give --data-in FILE or --pcap FILE");
        }
        if (dataOut != null && !packet) throw new UserInputException("--data-out: program " + programSpec.name() + " has no packet data to write");
        List<Frame> frames = input.pcap != null ? readPcap(input.pcap)
                : List.of(Frame.of(input.dataIn != null ? read(input.dataIn, "--data-in") : new byte[0]));
        Optional<byte[]> context = ctxIn == null ? Optional.empty() : Optional.of(read(ctxIn, "--ctx-in"));
        RuntimeOptions options = RuntimeOptions.defaults()
                .withHelpers(helpers)
                .withEngine(engine.engine())
                .withHost(task(HostEnvironment.system(Runtime.getRuntime().availableProcessors(), trace::add)))
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
                loaded = runtime.load(obj, RejectedPrograms.SKIP);
            } catch (LoadException e) {
                throw new UserInputException(obj.name() + ": " + e.getMessage());
            }
            if (loaded.skipped().containsKey(programSpec.name())) {
                throw new UserInputException(obj.name() + ": " + loaded.skipped().get(programSpec.name()));
            }
            LoadedProgram program = loaded.program(programSpec.name()).orElseThrow();
            if (mapsIn != null) MapState.load(loaded, mapsIn);
            for (int i = 0; i + 1 < mapEntries.size(); i += 2) MapState.put(loaded, mapEntries.get(i), mapEntries.get(i + 1));
            Map<String, RingBufferReader> readers = new LinkedHashMap<>();
            Map<String, Optional<BtfDecoder>> recordTypes = new LinkedHashMap<>();
            Optional<BtfDecoder> given = ringbufType == null ? Optional.empty() : Optional.of(BtfDecoder.ofType(obj, ringbufType, "--ringbuf-type"));
            for (BpfMap m : loaded.maps().values()) {
                if (m instanceof RingBufMap ring) {
                    readers.put(m.name(), ring.reader());
                    recordTypes.put(m.name(), given.or(() -> BtfDecoder.ofMap(obj, m.name(), false)));
                }
            }
            // every input is checked by now: what was left out is said once, before the runs
            if (!json) loaded.skipped().forEach((name, why) -> spec.commandLine().getErr().println("bpf4j: " + obj.name() + ": skipped: " + why));
            WarmUp warmUp = engine == EngineName.jit && repeat > 1 && input.pcap == null
                    ? warmUp(loaded, program, frames.getFirst(), context) : WarmUp.NONE;
            List<FrameResult> results = new ArrayList<>();
            RepeatProgress progress = progressOnStderr(frames.size());
            // where each ring's producer stood after each frame: a record belongs to the frame whose runs wrote past it
            Map<String, long[]> producedAfter = new LinkedHashMap<>();
            readers.forEach((name, reader) -> producedAfter.put(name, new long[frames.size()]));
            TestRunResult last = null;
            for (Frame frame : frames) {
                int index = results.size();
                int traceBefore = trace.size();
                Optional<TestRunResult> r;
                Optional<String> error = Optional.empty();
                try {
                    r = Optional.of(program.testRun(input(frame, context).withRepeat(repeat), progress));
                    last = r.get();
                } catch (TestRunException e) {
                    r = Optional.empty();
                    error = Optional.of(e.getMessage());
                    if (input.pcap == null && !json) throw new UserInputException(e.getMessage());
                }
                readers.forEach((name, reader) -> producedAfter.get(name)[index] = reader.ring().producerAcquire());
                results.add(new FrameResult(index + 1, frame, r, error, List.copyOf(trace.subList(traceBefore, trace.size())), new LinkedHashMap<>()));
            }
            // Records stay in the ring until the last frame, as in the kernel, where nothing consumes between
            // test runs: bpf_ringbuf_query and a ring that fills up see every record of the earlier frames.
            Map<String, List<Object>> ringRecords = new LinkedHashMap<>();
            readers.forEach((name, reader) -> {
                List<Object> all = new ArrayList<>();
                long[] marks = producedAfter.get(name);
                int f = 0;
                Optional<BtfDecoder> type = recordTypes.get(name);
                Map<Integer, Optional<BtfDecoder>> bySize = new java.util.HashMap<>();
                for (long pos = reader.nextRecordPosition(); pos >= 0; pos = reader.nextRecordPosition()) {
                    byte[] bytes = reader.poll().orElseThrow();
                    // as bpf4j run reads them: the type given or annotated, else the object's one struct of the record's size
                    Optional<BtfDecoder> t0 = type.or(() -> bySize.computeIfAbsent(bytes.length, n -> BtfDecoder.ofStructOfSize(obj, n, false)));
                    // a record read through its type keeps its hex beside it, as map entries do
                    Object rec = t0.<Object>map(t -> {
                        Map<String, Object> typed = new LinkedHashMap<>();
                        typed.put("hex", Json.hex(bytes));
                        typed.put("formatted", t.decode(bytes));
                        return typed;
                    }).orElse(Json.hex(bytes));
                    all.add(rec);
                    while (f < marks.length - 1 && pos >= marks[f]) f++;
                    results.get(f).records().computeIfAbsent(name, k -> new ArrayList<>()).add(rec);
                }
                ringRecords.put(name, all);
            });
            if (dataOut != null && last != null) write("--data-out", dataOut, last.dataOut());
            if (ctxOut != null && last != null) write("--ctx-out", ctxOut, last.contextOut());
            if (pcapOut != null) {
                List<Frame> written = new ArrayList<>();
                for (FrameResult f : results) {
                    if (f.passedOn(program.type())) written.add(new Frame(f.result().get().dataOut(), f.frame().timestampNanos(), f.result().get().dataOut().length));
                }
                try {
                    Pcap.write(pcapOut, written);
                } catch (IOException e) {
                    throw new UserInputException("--pcap-out " + pcapOut + ": cannot write: " + reason(e));
                }
            }
            Map<String, Object> maps = new LinkedHashMap<>();
            for (BpfMap m : loaded.maps().values()) maps.put(m.name(), MapDump.formatted(MapDump.entries(m), obj, m));
            if (mapsOut != null) write("--maps-out", mapsOut, (Json.write(maps) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            // the context's struct from the kernel's BTF, read only when something prints it
            Optional<ContextStruct> ctxLayout = json || (context.isPresent() && !quiet) ? ContextStruct.of(program.type(), btf) : Optional.empty();
            if (json) {
                Map<String, Object> root = new LinkedHashMap<>();
                root.put("program", program.name());
                root.put("mode", program.mode().label());
                root.put("mode_reason", program.mode().reason());
                root.put("skipped", loaded.skipped());
                if (warmUp != WarmUp.NONE) root.put("warm_up", warmUp.json());
                root.put("results", results.stream().map(f -> f.json(program.type(), packet, pcapOut != null, ctxLayout)).toList());
                root.put("maps", maps);
                root.put("ringbuf", ringRecords);
                root.put("trace", trace);
                root.put("warnings", obj.warnings());
                out.println(Json.write(root));
            } else if (input.pcap == null) {
                FrameResult only = results.getFirst();
                out.printf("Return value: %d%s, duration%s: %dns%n", last.retval(), named(program, last.retval()),
                        repeat > 1 ? " (average)" : "", last.durationNanos());
                if (!quiet) only.printDetails(out, packet, context, ctxLayout);
                printMaps(out, loaded);
                if (quiet) printRecordsAndTrace(out, ringRecords);
            } else {
                if (!quiet) for (FrameResult f : results) f.print(out, program.type(), packet, pcapOut != null, context, ctxLayout);
                printSummary(out, results, loaded, program);
                if (quiet) printRecordsAndTrace(out, ringRecords);
            }
            out.flush();
            return 0;
        }
    }

    /** Seconds between two progress lines of a long --repeat. */
    private static final long PROGRESS_NANOS = 2_000_000_000L;

    /** A line on stderr every {@value #PROGRESS_NANOS} ns of a long --repeat: how many runs are over and how fast they go. */
    private RepeatProgress progressOnStderr(int frameCount) {
        PrintWriter err = spec.commandLine().getErr();
        long[] last = {System.nanoTime()};
        return (done, total, elapsed) -> {
            long now = System.nanoTime();
            if (now - last[0] < PROGRESS_NANOS) return;
            last[0] = now;
            err.printf("bpf4j: %s%d of %d runs (%.1f%%), %d ns per run%n", frameCount > 1 ? "this frame: " : "", done, total,
                    100.0 * done / total, elapsed / done);
            err.flush();
        };
    }

    /** The option a file was given to, for messages about it. */
    private String optionOf(Path file) {
        if (file == dataOut) return "--data-out";
        if (file == pcapOut) return "--pcap-out";
        if (file == ctxOut) return "--ctx-out";
        return "--maps-out";
    }

    /** The system's task with what --pid, --tgid, --comm, --uid, --gid and --cgroup-id set. */
    private HostEnvironment task(HostEnvironment host) {
        if (pid != null || tgid != null) {
            // one of the two given: a single-threaded process, whose thread id is its process id
            host = host.withPidTgid(pid != null ? pid : tgid, tgid != null ? tgid : pid);
        }
        if (uid != null || gid != null) {
            long current = host.uidGid();
            host = host.withUidGid(uid != null ? uid : (int) current, gid != null ? gid : (int) (current >>> 32));
        }
        if (comm != null) host = host.withComm(comm);
        if (cgroupId != null) host = host.withCgroupId(cgroupId);
        return host;
    }

    /** Runs per warm-up round; rounds go on until C2 compiled the program and three rounds take the same time. */
    private static final int WARM_UP_ROUND = 2_000;
    /** The warm-up's bound: a program C2 never compiles (too large for it) is timed after this. */
    private static final long WARM_UP_NANOS = 10_000_000_000L;
    /** Rounds within 5% of the one before, after C2 compiled: the speed has settled. */
    private static final int STABLE_ROUNDS = 3;

    /**
     * What the warm-up before a timed --repeat did: how many runs, how long, whether HotSpot's C2 compiled the
     * program (a JFR {@code jdk.Compilation} event at level 4 for the generated class or the run loop), and whether
     * it stopped on settled timings rather than on its bound.
     */
    record WarmUp(long runs, long nanos, boolean c2, boolean settled) {
        static final WarmUp NONE = new WarmUp(0, 0, false, false);

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("runs", runs);
            m.put("duration_ns", nanos);
            m.put("reached_c2", c2);
            m.put("settled", settled);
            return m;
        }
    }

    /**
     * Warms the compiled program up on a copy of the frame and on the maps until C2 compiled it and its timings
     * settled (bounded), then puts the maps back as they were, so that the timed runs see what the kernel's would
     * (its JIT compiles at load) and the visible effects are exactly those of the N runs. An object with a bloom
     * filter (which cannot forget) is timed cold.
     */
    private WarmUp warmUp(LoadedObject loaded, LoadedProgram program, Frame frame, Optional<byte[]> context) {
        if (!MapsSnapshot.supported(loaded.maps())) return WarmUp.NONE;
        MapsSnapshot snapshot = MapsSnapshot.of(loaded.maps());
        java.util.concurrent.atomic.AtomicBoolean c2 = new java.util.concurrent.atomic.AtomicBoolean();
        long start = System.nanoTime(), runs = 0;
        boolean settled = false;
        try (jdk.jfr.consumer.RecordingStream compilations = new jdk.jfr.consumer.RecordingStream()) {
            compilations.enable("jdk.Compilation").withoutThreshold();
            compilations.onEvent("jdk.Compilation", e -> {
                if (e.getInt("compileLevel") == 4 && e.getValue("method") instanceof jdk.jfr.consumer.RecordedMethod m && generated(m)) c2.set(true);
            });
            compilations.startAsync();
            long previous = 0;
            int stable = 0;
            while (System.nanoTime() - start < WARM_UP_NANOS) {
                long t0 = System.nanoTime();
                program.testRun(input(frame, context).withRepeat(WARM_UP_ROUND));
                long t = System.nanoTime() - t0;
                runs += WARM_UP_ROUND;
                stable = c2.get() && previous > 0 && Math.abs(t - previous) * 20 <= previous ? stable + 1 : 0;
                previous = t;
                if (stable >= STABLE_ROUNDS) {
                    settled = true;
                    break;
                }
            }
        } catch (TestRunException e) {
            // the timed run reports it
        }
        snapshot.restore();
        trace.clear();
        return new WarmUp(runs, System.nanoTime() - start, c2.get(), settled);
    }

    /** A method of the program as the JIT generated it, or the test run's loop it is inlined into. */
    private static boolean generated(jdk.jfr.consumer.RecordedMethod m) {
        String type = m.getType().getName();
        return type.startsWith("org.bpf4j.jit.BpfProgram") || type.equals("org.bpf4j.jit.CompiledProgram")
                || (type.equals("org.bpf4j.runtime.LoadedProgram") && m.getName().equals("testRun"));
    }

    private void printSummary(PrintWriter out, List<FrameResult> results, LoadedObject loaded, LoadedProgram program) {
        TreeMap<Long, Integer> retvals = new TreeMap<>();
        int errors = 0;
        for (FrameResult f : results) {
            if (f.result().isPresent()) retvals.merge(f.result().get().retval(), 1, Integer::sum);
            else errors++;
        }
        if (quiet) {
            for (FrameResult f : results) f.error().ifPresent(e -> out.printf("frame %d: %s%n", f.number(), e));
        }
        StringBuilder counts = new StringBuilder();
        retvals.forEach((rv, n) -> counts.append(counts.isEmpty() ? "" : ", ").append(rv).append(named(program, rv)).append(" x").append(n));
        out.printf("%d frames: return values %s%s%n", results.size(), counts.isEmpty() ? "none" : counts, errors > 0 ? "; " + errors + " refused" : "");
        long[] ns = results.stream().flatMap(f -> f.result().stream()).mapToLong(TestRunResult::durationNanos).toArray();
        if (ns.length > 0) {
            // each frame's duration is the average of its --repeat runs, as the kernel reports it
            out.printf("duration%s: mean %d ns, frames from %d to %d ns%n", repeat > 1 ? " (average of " + repeat + " runs per frame)" : "",
                    Math.round(java.util.Arrays.stream(ns).average().orElse(0)),
                    java.util.Arrays.stream(ns).min().orElse(0), java.util.Arrays.stream(ns).max().orElse(0));
        }
        printMaps(out, loaded);
    }

    private static void printMaps(PrintWriter out, LoadedObject loaded) {
        for (BpfMap m : loaded.maps().values()) {
            List<Map<String, Object>> entries = MapDump.formatted(MapDump.entries(m), loaded.object(), m);
            out.printf("map %s (%s): %d %s%n", m.name(), m.type().name().toLowerCase(java.util.Locale.ROOT), entries.size(),
                    entries.size() == 1 ? "entry" : "entries");
            for (Map<String, Object> e : entries) {
                // BTF-typed where the map's definition names types (as JSON, bpftool's style), raw hex otherwise
                String key = e.containsKey("formatted_key") ? Json.write(e.get("formatted_key")) : (String) e.get("key");
                String v = e.containsKey("formatted_values") ? perCpu((List<?>) e.get("formatted_values"), true)
                        : e.containsKey("formatted_value") ? Json.write(e.get("formatted_value"))
                        : e.containsKey("values") ? perCpu((List<?>) e.get("values"), false) : (String) e.get("value");
                out.printf("  key %s  value %s%n", key, v);
            }
        }
    }

    /** A per-CPU map's values labelled by CPU, as bpftool labels them: "cpu0 {...}  cpu1 {...}". */
    private static String perCpu(List<?> values, boolean formatted) {
        StringBuilder out = new StringBuilder();
        for (int cpu = 0; cpu < values.size(); cpu++) {
            if (cpu > 0) out.append("  ");
            out.append("cpu").append(cpu).append(' ').append(formatted ? Json.write(values.get(cpu)) : values.get(cpu));
        }
        return out.toString();
    }

    /** A record as text: by field where its type is known, else hex. */
    private static String text(Object record) {
        return record instanceof Map<?, ?> m ? Json.write(m.get("formatted")) : record.toString();
    }

    /** With --quiet, what the per-frame lines would have shown: each ring's records and the trace lines. */
    private static void printRecordsAndTrace(PrintWriter out, Map<String, List<Object>> rings) {
        rings.forEach((name, records) -> {
            out.printf("ringbuf %s: %d %s%n", name, records.size(), records.size() == 1 ? "record" : "records");
            for (Object r : records) out.println("  " + text(r));
        });
    }

    /**
     * One frame's run: its result, or why the run refused it; the trace lines and ring buffer records it
     * produced.
     */
    private record FrameResult(int number, Frame frame, Optional<TestRunResult> result, Optional<String> error, List<String> trace,
                               Map<String, List<Object>> records) {

        /** The frame goes on (to --pcap-out): it ran and its verdict does not drop it. */
        boolean passedOn(ProgramType type) {
            return result.isPresent() && !ReturnCodes.drops(type, result.get().retval());
        }

        Map<String, Object> json(ProgramType type, boolean packet, boolean pcapOut, Optional<ContextStruct> ctx) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("frame", number);
            if (packet) m.put("length", frame.data().length);
            error.ifPresent(e -> m.put("error", e));
            result.ifPresent(r -> {
                m.put("retval", r.retval());
                ReturnCodes.name(type, r.retval()).ifPresent(n -> m.put("retval_name", n));
                m.put("duration_ns", r.durationNanos());
                if (packet) {
                    m.put("data_out", Json.hex(r.dataOut()));
                    m.put("changes", PacketChanges.of(frame.data(), r.dataOut()).json());
                }
                if (r.contextOut().length > 0) {
                    m.put("ctx_out", Json.hex(r.contextOut()));
                    ctx.ifPresent(c -> m.put("formatted_ctx_out", c.decode(r.contextOut())));
                }
            });
            if (pcapOut) m.put("in_pcap_out", passedOn(type));
            m.put("trace", trace);
            m.put("ringbuf", records);
            return m;
        }

        void print(PrintWriter out, ProgramType type, boolean packet, boolean pcapOut, Optional<byte[]> ctxIn, Optional<ContextStruct> ctx) {
            if (error.isPresent()) {
                out.printf("frame %d: %d bytes: refused: %s%s%n", number, frame.data().length, error.get(), pcapOut ? " (not in --pcap-out)" : "");
                return;
            }
            TestRunResult r = result.get();
            out.printf("frame %d: %d bytes: %s, %d ns%s%n", number, frame.data().length,
                    ReturnCodes.name(type, r.retval()).map(n -> n + " (" + r.retval() + ")").orElse("return value " + r.retval()),
                    r.durationNanos(), pcapOut && !passedOn(type) ? " (dropped: not in --pcap-out)" : "");
            printDetails(out, packet, ctxIn, ctx);
        }

        /**
         * What the run did besides its verdict: packet changes, the context fields it changed from --ctx-in (-j has
         * the whole context out), trace lines, records.
         */
        void printDetails(PrintWriter out, boolean packet, Optional<byte[]> ctxIn, Optional<ContextStruct> ctx) {
            result.ifPresent(r -> {
                if (packet) PacketChanges.of(frame.data(), r.dataOut()).text().ifPresent(t -> out.println("  packet: " + t));
                if (ctxIn.isPresent() && ctx.isPresent() && !java.util.Arrays.equals(ctxIn.get(), r.contextOut())) {
                    List<String> changed = ctx.get().changes(ctxIn.get(), r.contextOut());
                    if (!changed.isEmpty()) out.println("  context: " + String.join(", ", changed));
                }
            });
            for (String line : trace) out.println("  trace: " + line);
            records.forEach((name, recs) -> {
                for (Object rec : recs) out.println("  ringbuf " + name + ": " + text(rec));
            });
        }
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
        return read(file, what, MAX_INPUT, "a frame or a context is far smaller");
    }

    /** At most {@code limit} bytes of {@code file}: /dev/zero or a pipe is refused, not read forever. */
    static byte[] read(Path file, String what, int limit, String why) {
        try (var in = Files.newInputStream(file)) {
            byte[] data = in.readNBytes(limit + 1);
            if (data.length > limit) throw new UserInputException(what + " " + file + ": more than " + limit + " bytes (" + why + ")");
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
package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.BpfException;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.AttachPoint;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelPerfBuffer;
import org.bpf4j.linux.KernelRingBuffer;
import org.bpf4j.linux.Link;
import org.bpf4j.linux.TracePrintk;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.PerfReader;
import org.bpf4j.maps.RecordHandler;
import org.bpf4j.maps.RingBufferReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bpf4j run OBJ}: loads the object into the kernel, attaches every program whose section names its
 * hook (as libbpf's auto-attach; {@code perf_event} programs to CPU-clock sampling), streams ring buffer
 * records, perf event array samples and bpf_printk lines as they come, prints the maps every {@code
 * --interval} and at the end — {@code --duration}, Ctrl-C or SIGTERM — detaches everything.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Load OBJ into the kernel, attach its programs by section name, stream ring buffer records, perf samples "
                + "and bpf_printk lines, print the maps (every --interval and) at the end; detaches on Ctrl-C, SIGTERM "
                + "or the end of --duration.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object (clang -target bpf).")
    Path object;

    @Option(names = "--iface", paramLabel = "IF", description = "The interface xdp and tcx/* programs attach to.")
    String iface;

    @Option(names = "--cgroup", paramLabel = "PATH",
            description = "The cgroup v2 directory cgroup/* and cgroup_skb/* programs attach to (default: the root of the first mounted cgroup2).")
    Path cgroup;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Detach after this long (default: until Ctrl-C or SIGTERM).")
    Double duration;

    @Option(names = {"-j", "--json"}, description = "One JSON object per line: each record, then the maps.")
    boolean json;

    @Option(names = "--interval", paramLabel = "SECONDS", description = "Print the maps every SECONDS while running, as well as at the end.")
    Double interval;

    @Option(names = "--frequency", paramLabel = "HZ", defaultValue = "99",
            description = "CPU-clock sampling rate of perf_event programs, on every CPU (default: ${DEFAULT-VALUE}).")
    int frequency;

    @Option(names = "--folded", description = "At the end print folded stacks (for flamegraph.pl) from the object's stack trace "
            + "map and its counts keyed by pid, comm and stack ids (examples/trace/profile.bpf.c), instead of the maps.")
    boolean folded;

    /** Data pages of each CPU's perf ring (libbpf-tools' PERF_BUFFER_PAGES is 16; 64 rides out bursts). */
    private static final int PERF_PAGES = 64;

    @Option(names = "--pin-root", paramLabel = "DIR", description = "Where maps marked LIBBPF_PIN_BY_NAME are pinned, or reused when"
            + " a compatible map is pinned there already (default: /sys/fs/bpf, as libbpf's pin_root_path).")
    Path pinRoot = KernelObject.DEFAULT_PIN_ROOT;

    @Override
    public Integer call() throws InterruptedException {
        if (duration != null && !(duration > 0)) throw new UserInputException("--duration must be a positive number of seconds, not " + duration);
        if (interval != null && !(interval > 0)) throw new UserInputException("--interval must be a positive number of seconds, not " + interval);
        if (frequency <= 0) throw new UserInputException("--frequency must be a positive number of samples a second, not " + frequency);
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        Optional<FoldedStacks> stacks = folded ? Optional.of(FoldedStacks.of(obj)) : Optional.empty(); // before any fd is open
        KernelAvailability kernel = KernelAvailability.check();
        if (!kernel.available()) throw new UserInputException("cannot load into the kernel: " + kernel.reason());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KernelObject loaded;
        try {
            loaded = KernelObject.load(obj, Optional.empty(), 0, Optional.of(pinRoot));
        } catch (BpfException e) {
            throw new UserInputException(obj.name() + ": the kernel refused the load: " + e.getMessage());
        } catch (IllegalArgumentException | IllegalStateException e) {
            // bpf4j's own refusal before or around the kernel's: an extern, a pinned map, a CO-RE relocation, an attach
            // target the kernel lacks, no BTF
            throw new UserInputException(obj.name() + ": cannot load: " + e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1), finished = new CountDownLatch(1);
        // Ctrl-C or SIGTERM: stop, and keep the JVM until the maps are printed and everything is detached
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                finished.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bpf4j-run-stop");
        List<Link> links = List.of();
        List<AutoCloseable> rings = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        TracePrintk printk = null;
        try (loaded) {
            if (usesPrintk(obj)) {
                try {
                    printk = TracePrintk.open(); // before attaching: no line of this run's programs is missed
                } catch (IllegalStateException e) {
                    err.println("bpf4j: bpf_printk lines will not show: " + e.getMessage());
                }
            }
            for (Map.Entry<String, KernelMap> m : loaded.maps().entrySet()) {
                if (m.getValue().type() != MapType.PERF_EVENT_ARRAY) continue;
                KernelPerfBuffer perf;
                try {
                    perf = m.getValue().perfBuffer(PERF_PAGES, 1);
                } catch (IllegalStateException e) {
                    throw new UserInputException(obj.name() + ": cannot read perf event array " + m.getKey() + ": " + e.getMessage());
                }
                rings.add(perf);
                readers.add(Thread.ofPlatform().name("bpf4j-perf-" + m.getKey()).start(() -> streamPerf(obj, m.getKey(), perf, stop, out)));
            }
            try {
                Optional<Path> cgroupDir = cgroup != null ? Optional.of(cgroup) : org.bpf4j.linux.Cgroups.defaultRoot();
                links = new ArrayList<>(loaded.attachAll(Optional.ofNullable(iface), cgroupDir));
                for (org.bpf4j.elf.ProgramSpec p : obj.programs()) {
                    // a perf_event section names no event: sample the CPU clock on every CPU, as profilers do
                    if (p.type() == org.bpf4j.progtype.ProgramType.PERF_EVENT && AttachPoint.of(p.sectionName()).isEmpty()
                            && loaded.program(p.name()).isPresent()) {
                        links.add(loaded.program(p.name()).get().attachCpuClockSampling(frequency));
                    }
                }
            } catch (BpfException | IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
                links.forEach(Link::close);
                links = List.of();
                throw new UserInputException(obj.name() + ": cannot attach: " + e.getMessage());
            }
            if (links.isEmpty()) {
                throw new UserInputException(obj.name() + ": no program's section names a hook to attach to"
                        + " (tracepoint/CAT/NAME, raw_tp/NAME, tp_btf/NAME, kprobe/FN, kprobe.multi/GLOB, ksyscall/NAME, fentry/FN,"
                        + " fexit/FN, lsm/HOOK, iter/NAME, uprobe//PATH:FN, xdp, tcx/ingress, tcx/egress, cgroup/..., cgroup_skb/...)");
            }
            Runtime.getRuntime().addShutdownHook(hook);
            for (Link l : links) err.println("bpf4j: attached " + l);
            err.flush();
            for (Map.Entry<String, KernelMap> m : loaded.maps().entrySet()) {
                if (m.getValue().type() != MapType.RINGBUF) continue;
                KernelRingBuffer ring = m.getValue().ringBuffer();
                rings.add(ring);
                Optional<BtfDecoder> records = BtfDecoder.ofMap(obj, m.getKey(), false); // a ring's value type, when the object annotates one
                readers.add(Thread.ofPlatform().name("bpf4j-ring-" + m.getKey()).start(() -> stream(obj, m.getKey(), ring, records, stop, out)));
            }
            if (printk != null) {
                TracePrintk lines = printk;
                readers.add(Thread.ofPlatform().name("bpf4j-printk").start(() -> lines.stream(l -> printLine(l, out))));
            }
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + Math.round(duration * 1e9);
            long every = interval == null ? Long.MAX_VALUE : Math.round(interval * 1e9);
            while (true) {
                long left = end - System.nanoTime();
                if (left <= 0 || stop.await(Math.min(left, every), TimeUnit.NANOSECONDS)) break;
                if (interval != null && end - System.nanoTime() > 0) printMaps(obj, loaded, out);
            }
            stop.countDown();
            if (printk != null) printk.close(); // ends its reader's blocked read
            for (Thread t : readers) t.join();
            for (AutoCloseable r : rings) {
                if (r instanceof PerfReader p && p.lost() > 0) err.println("bpf4j: " + p + ": " + p.lost() + " samples lost (a ring was full)");
            }
            links.forEach(Link::close); // stacks are read after detaching: the counts no longer move
            if (stacks.isPresent()) stacks.get().print(loaded, out, json);
            else printMaps(obj, loaded, out);
            return 0;
        } finally {
            stop.countDown();
            if (printk != null) printk.close();
            for (Thread t : readers) t.join();
            links.forEach(Link::close);
            for (AutoCloseable r : rings) {
                try {
                    r.close();
                } catch (Exception e) {
                    err.println("bpf4j: closing " + r + ": " + e.getMessage());
                }
            }
            out.flush();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                // the hook runs (Ctrl-C) or was never added (a failure before attaching)
            }
        }
    }

    /** Prints each record of {@code ring} as it comes, until {@code stop}; what is left is printed too. */
    private void stream(BpfObject obj, String name, KernelRingBuffer ring, Optional<BtfDecoder> records, CountDownLatch stop, PrintWriter out) {
        RingBufferReader reader = new RingBufferReader(ring);
        Map<Integer, Optional<BtfDecoder>> bySize = new java.util.HashMap<>();
        try {
            while (true) {
                boolean stopping = stop.getCount() == 0;
                Optional<byte[]> rec = stopping ? reader.poll() : reader.take(java.time.Duration.ofMillis(100));
                if (rec.isEmpty()) {
                    if (stopping) return;
                    continue;
                }
                synchronized (out) {
                    Optional<BtfDecoder> d = records.or(() -> bySize.computeIfAbsent(rec.get().length, n -> BtfDecoder.ofStructOfSize(obj, n, false)));
                    if (json) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("ring", name);
                        m.put("data", Json.hex(rec.get()));
                        d.ifPresent(x -> m.put("formatted", x.decode(rec.get())));
                        out.println(Json.write(m));
                    } else {
                        out.println(name + ": " + d.map(x -> Json.write(x.decode(rec.get()))).orElse(Json.hex(rec.get())));
                    }
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Prints each sample of {@code perf} as it comes, until {@code stop}; what is left is printed too. */
    private void streamPerf(BpfObject obj, String name, PerfReader perf, CountDownLatch stop, PrintWriter out) {
        Map<Integer, Optional<BtfDecoder>> bySize = new java.util.HashMap<>();
        RecordHandler print = (cpu, segment, offset, length) -> {
            byte[] raw = segment.asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            Optional<BtfDecoder> d = bySize.computeIfAbsent(length, n -> BtfDecoder.ofStructOfSize(obj, n, true));
            Optional<Object> formatted = d.map(x -> x.decode(java.util.Arrays.copyOf(raw, (int) x.size())));
            synchronized (out) {
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("perf", name);
                    m.put("cpu", cpu);
                    m.put("data", Json.hex(raw));
                    formatted.ifPresent(f -> m.put("formatted", f));
                    out.println(Json.write(m));
                } else {
                    out.println(name + " cpu " + cpu + ": " + formatted.map(Json::write).orElse(Json.hex(raw)));
                }
                out.flush();
            }
        };
        try {
            while (stop.getCount() != 0) perf.poll(java.time.Duration.ofMillis(100), print);
            perf.consume(print);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void printLine(TracePrintk.Line l, PrintWriter out) {
        synchronized (out) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("printk", l.message());
                m.put("task", l.task());
                m.put("pid", l.pid());
                m.put("cpu", l.cpu());
                m.put("timestamp", l.timestamp());
                out.println(Json.write(m));
            } else {
                out.println("printk: " + l.task() + "-" + l.pid() + " [" + l.cpu() + "] " + l.message());
            }
            out.flush();
        }
    }

    /** Whether a program of {@code obj} calls bpf_trace_printk or bpf_trace_vprintk (what bpf_printk expands to). */
    private static boolean usesPrintk(BpfObject obj) {
        int printk = org.bpf4j.helpers.KernelHelper.TRACE_PRINTK.id(), vprintk = org.bpf4j.helpers.KernelHelper.TRACE_VPRINTK.id();
        return obj.programs().stream().flatMap(p -> p.program().insns().stream())
                .anyMatch(i -> i.opcode() == org.bpf4j.isa.Opcodes.CALL && i.src() == org.bpf4j.isa.Opcodes.CALL_HELPER
                        && (i.imm() == printk || i.imm() == vprintk));
    }

    private void printMaps(BpfObject obj, KernelObject loaded, PrintWriter out) {
        Map<String, Object> maps = new LinkedHashMap<>();
        synchronized (out) {
            for (Map.Entry<String, KernelMap> e : loaded.maps().entrySet()) {
                KernelMap map = e.getValue();
                MapType type = map.type();
                if (type == MapType.RINGBUF || type == MapType.PROG_ARRAY || type == MapType.PERF_EVENT_ARRAY
                        || type.isMapOfMaps()) continue;
                if (!json && Log2Histogram.print(obj, e.getKey(), map, out)) continue; // struct log2_hist: as bpftrace's hist()
                List<Object> entries = new ArrayList<>();
                boolean perCpu = type == MapType.PERCPU_ARRAY || type == MapType.PERCPU_HASH || type == MapType.LRU_PERCPU_HASH;
                Optional<BtfDecoder> keys = BtfDecoder.ofMap(obj, e.getKey(), true), values = BtfDecoder.ofMap(obj, e.getKey(), false);
                for (byte[] key : map.keys()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("key", Json.hex(key));
                    keys.ifPresent(d -> entry.put("formatted_key", d.decode(key)));
                    if (perCpu) {
                        List<Object> hex = new ArrayList<>(), formatted = new ArrayList<>();
                        map.lookupPerCpu(key).ifPresent(vs -> vs.forEach(v -> {
                            hex.add(Json.hex(v));
                            values.ifPresent(d -> formatted.add(d.decode(v)));
                        }));
                        entry.put("values", hex);
                        if (values.isPresent()) entry.put("formatted_values", formatted);
                    } else {
                        map.lookup(key).ifPresent(v -> {
                            entry.put("value", Json.hex(v));
                            values.ifPresent(d -> entry.put("formatted_value", d.decode(v)));
                        });
                    }
                    entries.add(entry);
                }
                if (json) {
                    maps.put(e.getKey(), entries);
                } else {
                    out.printf("map %s (%s): %d %s%n", e.getKey(), type.name().toLowerCase(java.util.Locale.ROOT), entries.size(),
                            entries.size() == 1 ? "entry" : "entries");
                    for (Object o : entries) {
                        @SuppressWarnings("unchecked") Map<String, Object> entry = (Map<String, Object>) o;
                        Object key = entry.getOrDefault("formatted_key", entry.get("key"));
                        Object value = perCpu ? entry.getOrDefault("formatted_values", entry.get("values"))
                                : entry.getOrDefault("formatted_value", entry.get("value"));
                        out.println("  key " + (key instanceof String k ? k : Json.write(key)) + "  value "
                                + (value instanceof String v ? v : Json.write(value)));
                    }
                }
            }
            if (json) out.println(Json.write(Map.of("maps", maps)));
        }
    }
}

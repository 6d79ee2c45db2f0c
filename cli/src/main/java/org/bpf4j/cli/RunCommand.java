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
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelRingBuffer;
import org.bpf4j.linux.Link;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.RingBufferReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bpf4j run OBJ}: loads the object into the kernel, attaches every program whose section names its
 * hook (as libbpf's auto-attach), streams ring buffer records as they come, and at the end — {@code
 * --duration}, Ctrl-C or SIGTERM — detaches everything and prints the maps.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Load OBJ into the kernel, attach its programs by section name, stream ring buffer records, "
                + "print the maps at the end; detaches on Ctrl-C, SIGTERM or the end of --duration.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object (clang -target bpf).")
    Path object;

    @Option(names = "--iface", paramLabel = "IF", description = "The interface xdp and tcx/* programs attach to.")
    String iface;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Detach after this long (default: until Ctrl-C or SIGTERM).")
    Double duration;

    @Option(names = {"-j", "--json"}, description = "One JSON object per line: each record, then the maps.")
    boolean json;

    @Option(names = "--pin-root", paramLabel = "DIR", description = "Where maps marked LIBBPF_PIN_BY_NAME are pinned, or reused when"
            + " a compatible map is pinned there already (default: /sys/fs/bpf, as libbpf's pin_root_path).")
    Path pinRoot = KernelObject.DEFAULT_PIN_ROOT;

    @Override
    public Integer call() throws InterruptedException {
        if (duration != null && !(duration > 0)) throw new UserInputException("--duration must be a positive number of seconds, not " + duration);
        BpfObject obj = objectOptions.open(object, spec.commandLine().getErr());
        KernelAvailability kernel = KernelAvailability.check();
        if (!kernel.available()) throw new UserInputException("cannot load into the kernel: " + kernel.reason());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KernelObject loaded;
        try {
            loaded = KernelObject.load(obj, Optional.empty(), 0, Optional.of(pinRoot));
        } catch (IllegalArgumentException e) {
            // bpf4j's own refusal before or around the kernel's: an extern, a pinned map, a CO-RE relocation
            throw new UserInputException(obj.name() + ": cannot load: " + e.getMessage());
        } catch (BpfException e) {
            throw new UserInputException(obj.name() + ": the kernel refused the load: " + e.getMessage());
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
        List<KernelRingBuffer> rings = new ArrayList<>();
        List<Thread> readers = new ArrayList<>();
        try (loaded) {
            try {
                links = loaded.attachAll(Optional.ofNullable(iface));
            } catch (BpfException | IllegalArgumentException | IllegalStateException e) {
                throw new UserInputException(obj.name() + ": cannot attach: " + e.getMessage());
            }
            if (links.isEmpty()) {
                throw new UserInputException(obj.name() + ": no program's section names a hook to attach to"
                        + " (tracepoint/CAT/NAME, raw_tp/NAME, kprobe/FN, uprobe//PATH:FN, xdp, tcx/ingress, tcx/egress)");
            }
            Runtime.getRuntime().addShutdownHook(hook);
            for (Link l : links) err.println("bpf4j: attached " + l);
            err.flush();
            for (Map.Entry<String, KernelMap> m : loaded.maps().entrySet()) {
                if (m.getValue().type() != MapType.RINGBUF) continue;
                KernelRingBuffer ring = m.getValue().ringBuffer();
                rings.add(ring);
                Optional<Decoder> records = decoder(obj, m.getKey(), false); // a ring's value type, when the object annotates one
                readers.add(Thread.ofPlatform().name("bpf4j-ring-" + m.getKey()).start(() -> stream(m.getKey(), ring, records, stop, out)));
            }
            if (duration == null) stop.await();
            else stop.await(Math.round(duration * 1e9), TimeUnit.NANOSECONDS);
            stop.countDown();
            for (Thread t : readers) t.join();
            printMaps(obj, loaded, out);
            return 0;
        } finally {
            stop.countDown();
            for (Thread t : readers) t.join();
            links.forEach(Link::close);
            rings.forEach(KernelRingBuffer::close);
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
    private void stream(String name, KernelRingBuffer ring, Optional<Decoder> records, CountDownLatch stop, PrintWriter out) {
        RingBufferReader reader = new RingBufferReader(ring);
        try {
            while (true) {
                boolean stopping = stop.getCount() == 0;
                Optional<byte[]> rec = stopping ? reader.poll() : reader.take(java.time.Duration.ofMillis(100));
                if (rec.isEmpty()) {
                    if (stopping) return;
                    continue;
                }
                synchronized (out) {
                    if (json) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("ring", name);
                        m.put("data", Json.hex(rec.get()));
                        records.ifPresent(d -> m.put("formatted", d.decode(rec.get())));
                        out.println(Json.write(m));
                    } else {
                        out.println(name + ": " + records.map(d -> Json.write(d.decode(rec.get()))).orElse(Json.hex(rec.get())));
                    }
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every map but ring buffers and program arrays: its entries, key and value in hex (per CPU for per-CPU maps). */
    /** Reads bytes as a BTF type of the object. */
    private record Decoder(org.bpf4j.btf.Btf btf, int typeId) {
        Object decode(byte[] bytes) {
            return org.bpf4j.btf.BtfValues.decode(btf, typeId, bytes);
        }
    }

    /** The decoder of map {@code name}'s keys or values, when the object's BTF describes them. */
    private static Optional<Decoder> decoder(BpfObject obj, String name, boolean key) {
        if (obj.btf().isEmpty()) return Optional.empty();
        return obj.maps().stream().filter(d -> d.name().equals(name)).findFirst()
                .map(d -> key ? d.btfKeyTypeId() : d.btfValueTypeId()).filter(id -> id != 0)
                .map(id -> new Decoder(obj.btf().get(), id));
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
                Optional<Decoder> keys = decoder(obj, e.getKey(), true), values = decoder(obj, e.getKey(), false);
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

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpf4j.api.MapEntry;
import org.bpf4j.api.MapHandle;
import org.bpf4j.api.TypedMap;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.engine.Engine;
import org.bpf4j.engine.Executable;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.MapType;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunException;
import org.bpf4j.runtime.TestRunResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The examples on their captures, in bpf4j (both engines) and in the kernel: return values, output
 * frames, refused frames and final map contents must agree. Against the kernel live when it can be reached
 * (root, BPF), and always against the record {@code examples/kernel_check.py} made of what this machine's
 * kernel did (examples/expected/*.json), so the comparison runs even without root.
 */
class ExamplesDifferentialTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", "../"));
    private static final HexFormat HEX = HexFormat.of();

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("examples/expected"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(Arguments.of(f.getFileName().toString(), "interp"));
                out.add(Arguments.of(f.getFileName().toString(), "jit"));
            }
        }
        assertThat(out).hasSizeGreaterThanOrEqualTo(10);
        return out.stream();
    }

    private record Outcome(Long retval, String dataOut, boolean refused) {}

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void bpf4jAgreesWithTheKernel(String record, String engine) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(ROOT.resolve("examples/expected/" + record).toFile());
        Path objectPath = ROOT.resolve("examples").resolve(expected.get("object").asText());
        BpfObject object = BpfObject.open(objectPath);
        ProgramSpec spec = object.programs().getFirst();
        List<Frame> frames = Pcap.read(ROOT.resolve("examples").resolve(expected.get("capture").asText()));
        boolean tc = spec.type() == ProgramType.SCHED_CLS;
        Optional<byte[]> ctx = tc ? Optional.of(new byte[192]) : Optional.empty();
        int cpus = KernelMap.possibleCpus();
        Executable.Loader loader = engine.equals("jit") ? Engine.JIT : Engine.INTERPRETER;

        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(cpus).withEngine(loader).withMemory(1L << 30))) {
            LoadedObject loaded = runtime.load(object);
            for (JsonNode u : expected.get("map_updates")) {
                loaded.map(u.get("map").asText()).orElseThrow().update(HEX.parseHex(u.get("key").asText()), HEX.parseHex(u.get("value").asText()));
            }
            LoadedProgram program = loaded.program(spec.name()).orElseThrow();
            List<Outcome> ours = new ArrayList<>();
            for (Frame frame : frames) {
                org.bpf4j.runtime.TestRun run = org.bpf4j.runtime.TestRun.of(frame.data());
                if (ctx.isPresent()) run = run.withContext(ctx.get());
                try {
                    TestRunResult r = program.testRun(run);
                    ours.add(new Outcome(r.retval(), HEX.formatHex(r.dataOut()), false));
                } catch (TestRunException e) {
                    assertThat(e.errno()).as("frame of %d bytes", frame.length()).isEqualTo(org.bpf4j.maps.Errno.EINVAL);
                    ours.add(new Outcome(null, null, true));
                }
            }

            // Against the recorded kernel run.
            for (int i = 0; i < frames.size(); i++) {
                JsonNode f = expected.get("frames").get(i);
                Outcome o = ours.get(i);
                if (f.get("retval").isNull()) {
                    assertThat(o.refused()).as("frame %d refused as the kernel did", i + 1).isTrue();
                    continue;
                }
                assertThat(o.retval()).as("frame %d retval", i + 1).isEqualTo(f.get("retval").asLong() & 0xffffffffL);
                String kernelOut = f.get("data_out_changed").asBoolean() ? f.get("data_out").asText() : HEX.formatHex(frames.get(i).data());
                assertThat(o.dataOut()).as("frame %d data_out", i + 1).isEqualTo(kernelOut);
            }
            expected.get("maps").fields().forEachRemaining(e -> {
                JsonNode kernelMap = e.getValue();
                BpfMap ourMap = ourMap(loaded, e.getKey());
                if (kernelMap.get("type").asText().equals("ringbuf")) {
                    List<String> records = new ArrayList<>();
                    for (JsonNode rec : kernelMap.get("records")) if (!rec.get("discarded").asBoolean()) records.add(rec.get("data").asText());
                    List<String> got = new ArrayList<>();
                    try (var reader = ourMap.openRingBuffer()) {
                        reader.consume(rec -> got.add(HEX.formatHex(rec)));
                    }
                    assertThat(got).as("ring buffer %s", e.getKey()).isEqualTo(records);
                    return;
                }
                assertThat(contents(ourMap)).as("map %s", e.getKey()).isEqualTo(recorded(kernelMap));
            });

            // Against the kernel, live.
            KernelAvailability kernel = KernelAvailability.check();
            assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
            try (KernelObject k = KernelObject.load(object, Optional.of(spec.name()))) {
                for (JsonNode u : expected.get("map_updates")) {
                    k.map(u.get("map").asText()).orElseThrow().put(HEX.parseHex(u.get("key").asText()), HEX.parseHex(u.get("value").asText()));
                }
                KernelProgram kp = k.program(spec.name()).orElseThrow();
                for (int i = 0; i < frames.size(); i++) {
                    TestRun run = TestRun.of(frames.get(i).data()).withDataSizeOut(4096);
                    if (ctx.isPresent()) run = run.withContext(ctx.get()).withCtxSizeOut(192);
                    Outcome o = ours.get(i);
                    try {
                        var r = kp.testRun(run);
                        assertThat(o.refused()).as("live frame %d: bpf4j refused what the kernel ran", i + 1).isFalse();
                        assertThat(o.retval()).as("live frame %d retval", i + 1).isEqualTo(r.retval() & 0xffffffffL);
                        assertThat(o.dataOut()).as("live frame %d data_out", i + 1).isEqualTo(HEX.formatHex(r.dataOut()));
                    } catch (BpfException e) {
                        assertThat(e.errnoName()).isEqualTo("EINVAL");
                        assertThat(o.refused()).as("live frame %d: the kernel refused it", i + 1).isTrue();
                    }
                }
                for (var m : k.maps().entrySet()) {
                    if (m.getValue().type() == MapType.RINGBUF) continue;
                    MapHandle ourLive = loaded.map(m.getKey()).orElseThrow();
                    assertThat(contents(ourLive)).as("live map %s", m.getKey()).isEqualTo(contents(m.getValue()));
                    // the batch commands read the same entries as the element walk, on both backends
                    if (BATCHED.contains(m.getValue().type())) {
                        assertThat(batched(ourLive)).as("map %s by batches", m.getKey()).isEqualTo(contents(ourLive));
                        assertThat(batched(m.getValue())).as("live map %s by batches", m.getKey()).isEqualTo(contents(m.getValue()));
                    }
                    // and through the BTF types, by field name
                    if (!m.getValue().type().perCpu() && ourLive.btf().isPresent() && !m.getKey().startsWith(".")) { // global data: no layout in BTF
                        assertThat(typed(ourLive)).as("map %s by field name", m.getKey()).isEqualTo(typed(m.getValue()));
                    }
                }
            }
        }
    }

    private static BpfMap ourMap(LoadedObject loaded, String kernelName) {
        // kernel_check names global data as libbpf does: <object>_rodata, <object>_data, <object>_bss
        for (BpfMap m : loaded.maps().values()) {
            if (m.name().equals(kernelName)) return m;
            if (m.name().startsWith(".") && kernelName.endsWith("_" + m.name().substring(1))) return m;
        }
        throw new AssertionError("no map " + kernelName);
    }

    /** The map types whose kernel map ops have BPF_MAP_LOOKUP_BATCH. */
    private static final java.util.Set<MapType> BATCHED = java.util.EnumSet.of(MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH,
            MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.LPM_TRIE);

    /** Sorted key -> value (per-CPU values summed as u64 words), as hex: one listing for both backends' maps. */
    private static TreeMap<String, String> contents(MapHandle map) {
        TreeMap<String, String> out = new TreeMap<>();
        for (byte[] key : map.keys()) {
            if (map.type().perCpu()) out.put(HEX.formatHex(key), sum(map.lookupPerCpu(key).orElseThrow()));
            else map.lookup(key).ifPresent(v -> out.put(HEX.formatHex(key), HEX.formatHex(v)));
        }
        return out;
    }

    /** As {@link #contents}, read with BPF_MAP_LOOKUP_BATCH three entries at a time. */
    private static TreeMap<String, String> batched(MapHandle map) {
        TreeMap<String, String> out = new TreeMap<>();
        int stride = (map.valueSize() + 7) & ~7;
        for (MapEntry e : map.lookupAll(3)) {
            byte[] v = e.value();
            if (!map.type().perCpu()) {
                out.put(HEX.formatHex(e.key()), HEX.formatHex(v));
                continue;
            }
            List<byte[]> perCpu = new ArrayList<>();
            for (int off = 0; off < v.length; off += stride) perCpu.add(java.util.Arrays.copyOfRange(v, off, off + map.valueSize()));
            out.put(HEX.formatHex(e.key()), sum(perCpu));
        }
        return out;
    }

    /** Keys and values decoded through the map's BTF types, by field name, sorted. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static List<String> typed(MapHandle map) {
        TypedMap<Object, Object> t = map.typed((Class) Object.class, (Class) Object.class);
        return t.entries().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
    }

    private static TreeMap<String, String> recorded(JsonNode map) {
        TreeMap<String, String> out = new TreeMap<>();
        for (JsonNode e : map.get("entries")) {
            if (e.has("values")) {
                List<byte[]> values = new ArrayList<>();
                for (JsonNode v : e.get("values")) values.add(HEX.parseHex(v.get("value").asText()));
                out.put(e.get("key").asText(), sum(values));
            } else {
                out.put(e.get("key").asText(), e.get("value").asText());
            }
        }
        return out;
    }

    /** Per-CPU values summed over CPUs, word by word (u64 words where the size allows, else u32). */
    private static String sum(List<byte[]> values) {
        int size = values.getFirst().length;
        int word = size % 8 == 0 ? 8 : 4;
        byte[] total = new byte[size];
        for (int off = 0; off + word <= size; off += word) {
            long s = 0;
            for (byte[] v : values) {
                long x = 0;
                for (int b = word - 1; b >= 0; b--) x = x << 8 | (v[off + b] & 0xff);
                s += x;
            }
            for (int b = 0; b < word; b++) total[off + b] = (byte) (s >>> (8 * b));
        }
        return HEX.formatHex(total);
    }
}

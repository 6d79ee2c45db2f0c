package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.Engine;
import org.bpf4j.engine.Executable;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The control-flow helpers (bpf_loop, bpf_for_each_map_elem, bpf_spin_lock) and tail calls, in bpf4j on
 * both engines and in the kernel: src/test/resources/bpf/calls.bpf.c, run with BPF_PROG_TEST_RUN. The
 * return values and every map's contents must agree; bpf4j's are also checked against the values the
 * kernel's semantics give, so the test says something even where the kernel cannot be reached.
 */
class CallsDifferentialTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Path OBJECT = Path.of(System.getProperty("bpf4j.linux.resources", "src/test/resources")).resolve("bpf/calls.bpf.o");
    private static final byte[] FRAME = new byte[64];
    private static final List<String> PROGRAMS = List.of("loops", "spin", "tail_self", "tail_entry");
    private static final List<String> MAPS = List.of("arr", "hash", "locked", "results");
    private static final int SPIN_RUNS = 10;

    /** What one side did: each program's r0, then each map's contents (sorted key -> value, hex). */
    private record Outcome(Map<String, Long> retvals, Map<String, TreeMap<String, String>> maps) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void bpf4jAgreesWithTheKernel(String engine) throws java.io.IOException {
        BpfObject object = BpfObject.open(OBJECT);
        Executable.Loader loader = engine.equals("jit") ? Engine.JIT : Engine.INTERPRETER;
        Outcome ours;
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(2).withEngine(loader).withMemory(256L << 20))) {
            LoadedObject loaded = runtime.load(object);
            Map<String, Long> retvals = new LinkedHashMap<>();
            for (String p : PROGRAMS) {
                org.bpf4j.runtime.TestRun run = org.bpf4j.runtime.TestRun.of(FRAME);
                if (p.equals("spin")) run = run.withRepeat(SPIN_RUNS);
                retvals.put(p, loaded.program(p).orElseThrow().testRun(run).retval());
            }
            ours = new Outcome(retvals, contents(name -> dump(loaded.map(name).orElseThrow())));
        }

        Map<String, String> results = ours.maps().get("results");
        assertThat(results).containsEntry(key(0), u64((10L << 32) | 45))       // bpf_loop(10): 10 iterations, sum 0..9
                .containsEntry(key(1), u64((4L << 32) | 6))                      // stops at i = 3: 4 iterations
                .containsEntry(key(2), u64(-22))                                 // flags != 0: -EINVAL
                .containsEntry(key(3), u64(0xfffffff9L))                         // more than 1 << 23: -E2BIG, as a u32 (inlined)
                .containsEntry(key(4), u64(12))                                  // nested: 3 x 4
                .containsEntry(key(5), u64((8L << 32) | 8))                      // for_each over the array: 8 elements
                .containsEntry(key(6), u64(28_000 + 140 + 8))                    // sum of key * 1000 + value
                .containsEntry(key(7), u64((8L << 32) | 8))                      // for_each over the hash: 8 elements
                .containsEntry(key(8), u64(36_000 + 108))
                .containsEntry(key(9), u64((3L << 32) | 3))                      // stops at key 2
                .containsEntry(key(10), u64(34))                                 // tail_self: 1 run + 33 tail calls
                .containsEntry(key(11), u64(1));                                 // tail_target ran once
        assertThat(ours.retvals()).containsEntry("loops", 2L).containsEntry("spin", 2L)
                .containsEntry("tail_self", 3L).containsEntry("tail_entry", 42L);
        assertThat(ours.maps().get("locked")).containsEntry(key(0),
                "00000000" + "00000000" + u64(SPIN_RUNS) + u64(SPIN_RUNS * FRAME.length));

        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        Outcome theirs;
        try (KernelObject k = KernelObject.load(object, Optional.empty())) {
            Map<String, Long> retvals = new LinkedHashMap<>();
            for (String p : PROGRAMS) {
                TestRun run = TestRun.of(FRAME).withDataSizeOut(4096);
                if (p.equals("spin")) run = run.withRepeat(SPIN_RUNS);
                retvals.put(p, k.program(p).orElseThrow().testRun(run).retval() & 0xffffffffL);
            }
            theirs = new Outcome(retvals, contents(name -> dump(k.map(name).orElseThrow())));
        }
        assertThat(ours.retvals()).as("return values").isEqualTo(theirs.retvals());
        for (String m : MAPS) assertThat(ours.maps().get(m)).as("map %s", m).isEqualTo(theirs.maps().get(m));
    }

    private static Map<String, TreeMap<String, String>> contents(Function<String, TreeMap<String, String>> dump) {
        Map<String, TreeMap<String, String>> out = new LinkedHashMap<>();
        for (String m : MAPS) out.put(m, dump.apply(m));
        return out;
    }

    private static TreeMap<String, String> dump(BpfMap map) {
        TreeMap<String, String> out = new TreeMap<>();
        for (byte[] key : map.keys()) map.lookup(key).ifPresent(v -> out.put(HEX.formatHex(key), HEX.formatHex(v)));
        return out;
    }

    private static TreeMap<String, String> dump(KernelMap map) {
        TreeMap<String, String> out = new TreeMap<>();
        for (byte[] key : map.keys()) map.lookup(key).ifPresent(v -> out.put(HEX.formatHex(key), HEX.formatHex(v)));
        return out;
    }

    private static String key(int k) {
        return HEX.formatHex(new byte[] {(byte) k, (byte) (k >> 8), (byte) (k >> 16), (byte) (k >> 24)});
    }

    private static String u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return HEX.formatHex(b);
    }
}

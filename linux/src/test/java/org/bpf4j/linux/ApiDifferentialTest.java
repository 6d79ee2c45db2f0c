package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.linux.Kernel.le32;
import static org.bpf4j.linux.Kernel.le64;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bpf4j.api.Batch;
import org.bpf4j.api.BatchCursor;
import org.bpf4j.api.ErrnoException;
import org.bpf4j.api.MapEntry;
import org.bpf4j.api.MapHandle;
import org.bpf4j.api.ObjectHandle;
import org.bpf4j.api.ProgramHandle;
import org.bpf4j.api.RingReader;
import org.bpf4j.api.TypedMap;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.ApiRecords.FlowKey;
import org.bpf4j.linux.ApiRecords.FlowStats;
import org.bpf4j.linux.ApiRecords.Peer;
import org.bpf4j.linux.ApiRecords.Verdict;
import org.bpf4j.linux.ApiRecords.WrongKey;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One API, two backends: the same code, through {@link ObjectHandle} and {@link MapHandle}, runs on bpf4j's
 * runtime and in the kernel, and each test asserts that both give the same transcript (values, errnos, batch
 * sizes and ends), then what the kernel's transcript says. Hash maps' orders are the backends' own (the
 * kernel's by bucket): their entries are compared sorted.
 */
class ApiDifferentialTest {
    private static final HexFormat HEX = HexFormat.of();

    @BeforeAll
    static void kernel() { Kernel.assumeAvailable(); }

    private static BpfObject object() {
        try (InputStream in = ApiDifferentialTest.class.getResourceAsStream("/bpf/maps.bpf.o")) {
            return BpfObject.parse("maps.bpf.o", in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The transcript of {@code script} on each backend: loading the object is the only line that differs. */
    private static List<String> onBoth(Function<ObjectHandle, List<String>> script) {
        List<String> jvm;
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(KernelMap.possibleCpus()));
             ObjectHandle o = runtime.load(object())) {
            jvm = script.apply(o);
        }
        List<String> kernel;
        try (ObjectHandle o = KernelObject.load(object(), Optional.empty())) {
            kernel = script.apply(o);
        }
        for (int i = 0; i < Math.min(jvm.size(), kernel.size()); i++) {
            assertThat(jvm.get(i)).as("line %d of the transcript (bpf4j, kernel)", i).isEqualTo(kernel.get(i));
        }
        assertThat(jvm).isEqualTo(kernel);
        return kernel;
    }

    /** What an operation gave, or the errno it failed with. */
    private static String outcome(Supplier<Object> op) {
        try {
            Object r = op.get();
            return r instanceof Optional<?> o && o.isPresent() && o.get() instanceof byte[] b ? "some " + HEX.formatHex(b)
                    : r instanceof byte[] b ? HEX.formatHex(b) : String.valueOf(r);
        } catch (ErrnoException e) {
            return e.errnoName();
        }
    }

    private static String run(Runnable op) {
        return outcome(() -> {
            op.run();
            return "ok";
        });
    }

    private static byte[] flowKey(int addr) {
        return new byte[] {(byte) addr, (byte) (addr >> 8), 0, 0, 80, 0, 6, 0};
    }

    private static byte[] value(MapHandle m, int seed) { return value(m.hostValueSize(), seed); }

    private static byte[] value(int size, int seed) {
        byte[] v = new byte[size];
        for (int i = 0; i < v.length; i++) v[i] = (byte) (seed * 31 + i);
        return v;
    }

    private static String entries(List<MapEntry> entries) {
        return entries.stream().map(e -> HEX.formatHex(e.key()) + "=" + HEX.formatHex(e.value())).sorted().toList().toString();
    }

    @Test
    void elementOperationsAndErrnosAreTheSame() {
        List<String> t = onBoth(o -> {
            MapHandle flows = o.requireMap("flows");
            MapHandle slots = o.requireMap("slots");
            List<String> out = new ArrayList<>();
            out.add(flows.name() + " " + flows.type() + " " + flows.keySize() + "/" + flows.valueSize() + "/" + flows.maxEntries());
            out.add(outcome(() -> flows.lookup(flowKey(1))));
            out.add(run(() -> flows.update(flowKey(1), value(flows, 1), MapFlags.BPF_NOEXIST)));
            out.add(run(() -> flows.update(flowKey(1), value(flows, 2), MapFlags.BPF_NOEXIST)));
            out.add(run(() -> flows.update(flowKey(2), value(flows, 3), MapFlags.BPF_EXIST)));
            out.add(outcome(() -> flows.lookup(flowKey(1))));
            out.add(outcome(() -> flows.lookupAndDelete(flowKey(1))));
            out.add(run(() -> flows.delete(flowKey(1))));
            out.add(run(() -> slots.delete(le32(0))));
            out.add(run(() -> slots.update(le32(8), value(slots, 4))));
            out.add(outcome(() -> slots.lookup(le32(3))));
            out.add(String.valueOf(slots.keys().size()));
            out.add(run(() -> flows.lookupPerCpu(flowKey(1))));
            return out;
        });
        assertThat(t).containsExactly("flows HASH 8/72/64", "Optional.empty", "ok", "EEXIST", "ENOENT",
                "some " + HEX.formatHex(value(72, 1)), "some " + HEX.formatHex(value(72, 1)),
                "ENOENT", "EINVAL", "E2BIG", "some " + "00".repeat(72), "8", "EINVAL");
    }

    @Test
    void hashBatchesWalkEveryEntryAndEndWithEnoent() {
        List<String> t = onBoth(o -> {
            MapHandle flows = o.requireMap("flows");
            List<String> out = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                keys.add(flowKey(100 + i));
                values.add(value(flows, i));
            }
            out.add(outcome(() -> flows.updateBatch(keys, values, 0)));
            out.add(outcome(() -> flows.updateBatch(keys, values, MapFlags.BPF_NOEXIST))); // elem_flags: only BPF_F_LOCK
            List<MapEntry> seen = new ArrayList<>();
            Optional<BatchCursor> cursor = Optional.empty();
            int calls = 0;
            do {
                Batch b = flows.lookupBatch(cursor, 7, 0);
                for (int i = 0; i < b.keys().size(); i++) seen.add(new MapEntry(b.keys().get(i), b.values().get(i)));
                cursor = b.next();
                calls++;
            } while (cursor.isPresent() && calls < 100);
            out.add(seen.size() + " " + entries(seen));
            out.add(entries(flows.lookupAll(3)).equals(entries(seen)) ? "lookupAll agrees" : "lookupAll differs");
            // delete_batch stops at the first key that is not there: the ones before it are gone
            out.add(outcome(() -> flows.deleteBatch(List.of(flowKey(100), flowKey(101), flowKey(7), flowKey(102)), 0)));
            out.add(String.valueOf(flows.keys().size()));
            List<MapEntry> taken = new ArrayList<>();
            cursor = Optional.empty();
            calls = 0;
            do {
                Batch b = flows.lookupAndDeleteBatch(cursor, 5, 0);
                for (int i = 0; i < b.keys().size(); i++) taken.add(new MapEntry(b.keys().get(i), b.values().get(i)));
                cursor = b.next();
                calls++;
            } while (cursor.isPresent() && calls < 100);
            out.add(taken.size() + " taken, " + flows.keys().size() + " left");
            out.add(outcome(() -> flows.lookupBatch(Optional.empty(), 4, 0).keys().size() + " on an empty map"));
            return out;
        });
        assertThat(t.get(0)).isEqualTo("20");
        assertThat(t.get(1)).isEqualTo("EINVAL");
        assertThat(t.get(2)).startsWith("20 ");
        assertThat(t.get(3)).isEqualTo("lookupAll agrees");
        assertThat(t.subList(4, 8)).containsExactly("ENOENT", "18", "18 taken, 0 left", "0 on an empty map");
    }

    @Test
    void arrayBatchesGoByIndexAndRefuseDeletes() {
        List<String> t = onBoth(o -> {
            MapHandle slots = o.requireMap("slots");
            List<String> out = new ArrayList<>();
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                keys.add(le32(7 - i));
                values.add(value(slots, i));
            }
            out.add(outcome(() -> slots.updateBatch(keys, values, 0)));
            Optional<BatchCursor> cursor = Optional.empty();
            for (int call = 0; call < 4; call++) {
                Batch b = slots.lookupBatch(cursor, 3, 0);
                out.add(b.keys().stream().map(HEX::formatHex).toList() + (b.done() ? " end" : " more"));
                out.add(b.values().stream().map(HEX::formatHex).toList().toString());
                cursor = b.next();
                if (b.done()) break;
            }
            out.add(outcome(() -> slots.deleteBatch(List.of(le32(0)), 0)));
            out.add(outcome(() -> slots.lookupAndDeleteBatch(Optional.empty(), 2, 0)));
            // index 8 is out of range: the first two are written, then E2BIG
            out.add(outcome(() -> slots.updateBatch(List.of(le32(0), le32(1), le32(8)), List.of(value(slots, 9), value(slots, 9), value(slots, 9)), 0)));
            out.add(outcome(() -> slots.lookup(le32(1))));
            out.add(outcome(() -> slots.lookupBatch(Optional.empty(), 3, MapFlags.BPF_F_LOCK)));
            return out;
        });
        assertThat(t.get(0)).isEqualTo("8");
        assertThat(t.get(1)).isEqualTo("[00000000, 01000000, 02000000] more");
        assertThat(t.get(5)).isEqualTo("[06000000, 07000000] end");
        assertThat(t.subList(7, 12)).containsExactly("ENOTSUPP", "ENOTSUPP", "E2BIG",
                "some " + HEX.formatHex(value(72, 9)), "EINVAL");
    }

    @Test
    void perCpuValuesAndBatchesHaveEveryPossibleCpu() {
        int cpus = KernelMap.possibleCpus();
        List<String> t = onBoth(o -> {
            MapHandle peers = o.requireMap("peers");
            MapHandle totals = o.requireMap("totals");
            List<String> out = new ArrayList<>();
            out.add(peers.hostValueSize() + " " + totals.hostValueSize());
            List<byte[]> perCpu = new ArrayList<>();
            for (int cpu = 0; cpu < cpus; cpu++) perCpu.add(new byte[] {(byte) cpu, 0, 0, 0, 5, 0, (byte) (9 + cpu), 0});
            peers.updatePerCpu(le32(1), perCpu, MapFlags.BPF_ANY);
            out.add(outcome(() -> peers.lookup(le32(1))));
            out.add(peers.lookupPerCpu(le32(1)).orElseThrow().stream().map(HEX::formatHex).toList().toString());
            out.add(outcome(() -> peers.updateBatch(List.of(le32(2), le32(3)), List.of(value(peers, 1), value(peers, 2)), 0)));
            out.add(entries(peers.lookupAll(2)));
            out.add(outcome(() -> totals.updateBatch(List.of(le32(0), le32(3)), List.of(value(totals, 4), value(totals, 5)), 0)));
            Batch b = totals.lookupBatch(Optional.empty(), 4, 0);
            out.add(b.keys().size() + " " + b.values().stream().map(HEX::formatHex).toList());
            return out;
        });
        assertThat(t.get(0)).isEqualTo(8 * cpus + " " + 8 * cpus);
        assertThat(t.get(3)).isEqualTo("2");
    }

    @Test
    void typedRecordsReadWhatTheProgramWroteOnBothBackends() {
        byte[] packet = new byte[60];
        List<String> t = onBoth(o -> {
            List<String> out = new ArrayList<>();
            ProgramHandle fill = o.requireProgram("fill");
            out.add(fill.name() + " " + fill.type());
            for (int i = 0; i < 3; i++) out.add(String.valueOf(fill.testRun(TestRun.of(packet)).retval()));
            TypedMap<FlowKey, FlowStats> flows = o.requireMap("flows").typed(FlowKey.class, FlowStats.class);
            FlowStats s = flows.lookup(new FlowKey(60, (short) 80, (byte) 6, (byte) 0)).orElseThrow();
            out.add(s.packets() + " " + s.bytes() + " " + s.comm() + " " + s.verdict() + " " + s.peer() + " "
                    + Arrays.toString(s.hist()) + " " + s.delta() + " " + s.low() + " " + Integer.toHexString(s.high()));
            // the same map as field names
            out.add(o.requireMap("flows").typed(Map.class, Map.class).entries().toString());
            FlowKey k = new FlowKey(0x0a000001, (short) 443, (byte) 17, (byte) 1);
            FlowStats v = new FlowStats(-1, 1L << 40, "nginx", Verdict.V_DROP, new Peer(-5, (short) 65535, (short) 2),
                    new int[] {9, 8, 7, 6}, Long.MIN_VALUE, 15, 0xfff);
            flows.update(k, v, MapFlags.BPF_NOEXIST);
            FlowStats back = flows.lookup(k).orElseThrow();
            out.add(HEX.formatHex(flows.encodeValue(back)) + " " + back.comm() + " " + back.verdict() + " " + back.peer());
            out.add(HEX.formatHex(o.requireMap("flows").lookup(flows.encodeKey(k)).orElseThrow()));
            TypedMap<Integer, Long> totals = o.requireMap("totals").typed(Integer.class, Long.class);
            out.add(String.valueOf(totals.lookupPerCpu(0).orElseThrow().stream().mapToLong(Long::longValue).sum()));
            try (RingReader events = o.requireMap("events").openRingBuffer()) {
                out.add(events.stream(Duration.ofMillis(200)).map(HEX::formatHex).toList().toString());
                out.add(String.valueOf(events.consume(r -> { })));
            }
            return out;
        });
        assertThat(t.subList(0, 5)).containsExactly("fill XDP", "2", "2", "2",
                "3 180 xdp V_LOG Peer[weight=-60, id=7, zone=0] [1, 2, 3, 4] -1 9 abc");
        assertThat(t.get(5)).isEqualTo("{{addr=60, port=80, proto=6, flags=0}={packets=3, bytes=180, comm=xdp, verdict=V_LOG,"
                + " peer={weight=-60, id=7, zone=0}, hist=[1, 2, 3, 4], delta=-1, low=9, high=2748}}");
        assertThat(t.get(6)).endsWith(" nginx V_DROP Peer[weight=-5, id=-1, zone=2]");
        assertThat(t.get(8)).isEqualTo("180");
        assertThat(t.get(9)).isEqualTo("[0100000000000000" + "3c000000" + "66696c00, 0200000000000000" + "3c000000" + "66696c00, "
                + "0300000000000000" + "3c000000" + "66696c00]");
        assertThat(t.get(10)).isEqualTo("0");
    }

    @Test
    void aRecordThatDoesNotMatchItsBtfTypeIsRefusedNamingTheField() {
        List<String> t = onBoth(o -> {
            List<String> out = new ArrayList<>();
            try {
                o.requireMap("flows").typed(WrongKey.class, FlowStats.class);
                out.add("accepted");
            } catch (IllegalArgumentException e) {
                out.add(e.getMessage());
            }
            out.add(outcome(() -> {
                try {
                    return o.requireMap("events").typed(Integer.class, Integer.class);
                } catch (IllegalArgumentException e) {
                    return e.getMessage();
                }
            }));
            try {
                o.requireProgram("nope");
            } catch (IllegalArgumentException e) {
                out.add(e.getMessage());
            }
            return out;
        });
        assertThat(t).containsExactly("map flows: WrongKey.port is int (4 bytes), its BTF type is __u16 (2 bytes)",
                "map events has no BTF key and value types (a map declared without __type(key, ...) and __type(value, ...))",
                "no program nope in the object; it has fill");
    }

    @Test
    void theJvmBackendRefusesToAttachAndTheKernelAttachesBySection() {
        try (BpfRuntime runtime = BpfRuntime.create(); ObjectHandle o = runtime.load(object())) {
            assertThatThrownBy(() -> o.requireProgram("fill").attach(Optional.of("lo")))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("KernelObject.load");
            assertThatThrownBy(() -> o.attachAll(Optional.of("lo"))).isInstanceOf(UnsupportedOperationException.class);
        }
        try (ObjectHandle o = KernelObject.load(object(), Optional.empty())) {
            assertThatThrownBy(() -> o.requireProgram("fill").attach(Optional.of("bpf4j-no-such-if")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bpf4j-no-such-if");
        }
    }
}

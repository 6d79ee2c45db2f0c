package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prog run} as a debugger (cli/src/test/resources/bpf/debug.bpf.c): a line per frame with its named
 * verdict, packet changes, trace lines; --quiet; the context out; maps seeded with --map and carried from one
 * run to the next with --maps-out/--maps-in; the task a run happens in; a sibling the verifier rejects
 * left out.
 */
class ProgRunDebuggerTest {
    private static final String OBJECT = ProgCommandTest.ROOT.resolve("cli/src/test/resources/bpf/debug.bpf.o").toString();
    /** sizeof(struct __sk_buff) */
    private static final int SKB_CTX = 192;

    @TempDir
    Path dir;

    private static JsonNode json(CliRunner r) throws IOException {
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    /** Frames of 60 bytes whose first bytes are {@code firsts}. */
    private Path capture(int... firsts) throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (int first : firsts) {
            byte[] f = new byte[60];
            f[0] = (byte) first;
            f[12] = 0x08; // IPv4 ethertype: a plausible frame for the kernel's skb test run
            frames.add(new Frame(f, frames.size() * 1000L, f.length));
        }
        Path pcap = dir.resolve("in.pcap");
        Pcap.write(pcap, frames);
        return pcap;
    }

    @Test
    void eachFrameGetsALineWithItsNamedVerdictChangesAndTraceLines() throws IOException {
        Path pcapOut = dir.resolve("out.pcap");
        CliRunner r = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(1, 2, 1).toString(),
                "--map", "blocked_first_byte", "0=2", "--pcap-out", pcapOut.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern("frame 1: 60 bytes: TC_ACT_OK \\(0\\), \\d+ ns\n  packet: byte 1 changed\n  trace: first byte 1\n")
                .containsPattern("frame 2: 60 bytes: TC_ACT_SHOT \\(2\\), \\d+ ns \\(dropped: not in --pcap-out\\)\n  trace: first byte 2\n")
                .containsPattern("frame 3: 60 bytes: TC_ACT_OK \\(0\\), \\d+ ns\n  packet: byte 1 changed\n")
                .contains("3 frames: return values 0 (TC_ACT_OK) x2, 2 (TC_ACT_SHOT) x1\n")
                .contains("map seen (hash): 2 entries\n  key 1  value 2\n  key 2  value 1\n")
                // the object's one struct of the record's size reads it, as bpf4j run reads a ring without a declared type
                .containsPattern("frame 2: [^\n]*\n  trace: first byte 2\n  ringbuf records: \\{\"first_byte\":2,\"len\":60\\}\n");
        List<Frame> written = Pcap.read(pcapOut);
        assertThat(written).as("the dropped frame is left out").hasSize(2);
        assertThat(written).allSatisfy(f -> assertThat(f.data()[1]).isEqualTo((byte) 0xaa));
        assertThat(r.err()).contains("skipped: program unchecked: rejected by the verifier");

        JsonNode results = json(CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(1, 2).toString(),
                "--map", "blocked_first_byte", "0=2", "--pcap-out", pcapOut.toString(), "-j")).get("results");
        assertThat(results.get(0).get("in_pcap_out").asBoolean()).isTrue();
        assertThat(results.get(1).get("in_pcap_out").asBoolean()).isFalse();
        assertThat(results.get(1).get("retval_name").asText()).isEqualTo("TC_ACT_SHOT");
        assertThat(results.get(0).get("changes").get("ranges").toString()).isEqualTo("[[1,2]]");
        assertThat(results.get(1).get("trace").toString()).isEqualTo("[\"first byte 2\"]");
    }

    @Test
    void quietPrintsTheSummaryAlone() throws IOException {
        CliRunner r = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(1, 2).toString(), "--quiet");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).doesNotContain("frame 1:").startsWith("2 frames: return values 0 (TC_ACT_OK) x2\n");
    }

    @Test
    void theContextOutIsWrittenAndReadByField() throws IOException {
        Path frame = dir.resolve("frame.bin"), ctxIn = dir.resolve("ctx.bin"), ctxOut = dir.resolve("ctx.out");
        byte[] f = new byte[60];
        f[12] = 0x08;
        Files.write(frame, f);
        Files.write(ctxIn, new byte[SKB_CTX]);
        CliRunner r = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--data-in", frame.toString(),
                "--ctx-in", ctxIn.toString(), "--ctx-out", ctxOut.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        ByteBuffer ctx = ByteBuffer.wrap(Files.readAllBytes(ctxOut)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ctx.getInt(8)).as("__sk_buff.mark").isEqualTo(7);
        assertThat(ctx.getInt(32)).as("__sk_buff.priority").isEqualTo(3);
        assumeThat(Files.exists(Path.of("/sys/kernel/btf/vmlinux"))).as("no kernel BTF to read __sk_buff by field").isTrue();
        assertThat(r.out()).contains("  context: mark 0 -> 7, priority 0 -> 3");
        JsonNode result = json(CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--data-in", frame.toString(),
                "--ctx-in", ctxIn.toString(), "-j")).get("results").get(0);
        assertThat(result.get("formatted_ctx_out").get("mark").asLong()).isEqualTo(7);
        assertThat(result.get("formatted_ctx_out").get("priority").asLong()).isEqualTo(3);
    }

    @Test
    void aTracingProgramRunsOnItsContextAloneAsTheTaskGiven() throws IOException {
        Path args = dir.resolve("args.bin");
        Files.write(args, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(42).array());
        JsonNode root = json(CliRunner.run("prog", "run", OBJECT, "--prog", "whoami", "--ctx-in", args.toString(),
                "--pid", "77", "--tgid", "70", "--comm", "a-very-long-task-name", "--uid", "1000", "--gid", "100", "--cgroup-id", "9", "-j"));
        assertThat(root.get("results").get(0).get("retval").asLong()).as("args[1]").isEqualTo(42);
        JsonNode task = root.get("maps").get("task").get(0).get("formatted_value");
        assertThat(task.get("pid_tgid").asLong()).isEqualTo((70L << 32) | 77);
        assertThat(task.get("uid_gid").asLong()).isEqualTo((100L << 32) | 1000);
        assertThat(task.get("cgroup_id").asLong()).isEqualTo(9);
        assertThat(task.get("comm").asText()).as("TASK_COMM_LEN keeps 15 bytes").isEqualTo("a-very-long-tas");

        JsonNode own = json(CliRunner.run("prog", "run", OBJECT, "--prog", "whoami", "--ctx-in", args.toString(), "-j"))
                .get("maps").get("task").get(0).get("formatted_value");
        assertThat(own.get("pid_tgid").asLong() >>> 32).as("by default the JVM's process").isEqualTo(ProcessHandle.current().pid());

        CliRunner packetless = CliRunner.run("prog", "run", OBJECT, "--prog", "classify");
        assertThat(packetless.exit()).isEqualTo(2);
        assertThat(packetless.err()).contains("program classify (sched_cls) runs on a packet: give --data-in FILE or --pcap FILE");
    }

    @Test
    void mapsOutFeedTheNextRunsMapsIn() throws IOException {
        Path state = dir.resolve("state.json");
        String pcap = capture(5).toString();
        assertThat(CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--maps-out", state.toString()).exit()).isZero();
        CliRunner second = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--maps-in", state.toString(), "--quiet");
        assertThat(second.out()).as("the count carried over").contains("map seen (hash): 1 entry\n  key 5  value 2\n");

        // what -j prints whole is accepted too
        Path whole = dir.resolve("whole.json");
        Files.writeString(whole, CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "-j").out());
        assertThat(CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--maps-in", whole.toString(), "--quiet").out())
                .contains("  key 5  value 2\n");
    }

    @Test
    void badMapInputGetsOneLineNamingIt() throws IOException {
        String pcap = capture(1).toString();
        CliRunner noMap = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--map", "nope", "1=1");
        assertThat(noMap.exit()).isEqualTo(2);
        assertThat(noMap.err()).contains("--map: the object has no map named 'nope' (maps: seen, records, blocked_first_byte, task, .bss, .rodata)");
        CliRunner tooBig = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--map", "seen", "1=hex:00");
        assertThat(tooBig.err()).contains("--map seen: the value has 1 bytes, the map's is 8");
        CliRunner past = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--map", "blocked_first_byte", "1=1");
        assertThat(past.exit()).isEqualTo(2);
        assertThat(past.err()).startsWith("bpf4j: --map blocked_first_byte: ");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"seen\": [{\"key\": \"01000000\", \"value\": ");
        CliRunner broken = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--maps-in", bad.toString());
        assertThat(broken.exit()).isEqualTo(2);
        assertThat(broken.err()).contains("--maps-in " + bad + ": not valid JSON at offset").doesNotContain("Exception");
        assertThat(broken.err().lines().count()).isOne();
        // a file that never ends is refused, not read until the heap is gone
        CliRunner endless = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", pcap, "--maps-in", "/dev/zero");
        assertThat(endless.exit()).isEqualTo(2);
        assertThat(endless.err()).startsWith("bpf4j: --maps-in /dev/zero: more than ").hasLineCount(1);
    }

    @Test
    void aRejectedProgramIsNamedWhenChosen() throws IOException {
        CliRunner r = CliRunner.run("prog", "run", OBJECT, "--prog", "unchecked", "--data-in", capture(1).toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("program unchecked: rejected by the verifier at insn 1: invalid access to packet");
        JsonNode root = json(CliRunner.run("prog", "run", OBJECT, "--prog", "whoami", "--ctx-in", "/dev/null", "-j"));
        assertThat(root.get("skipped").has("unchecked")).isTrue();
    }

    @Test
    void verifySaysWhatTheRuntimeCannotRun() throws IOException {
        CliRunner r = CliRunner.run("prog", "verify", OBJECT, "--prog", "uses_task");
        assertThat(r.exit()).as("the kernel's verdict: accepted").isZero();
        assertThat(r.out()).matches("uses_task: accept \\(processed \\d+ insns\\)\n"
                + "  bpf4j's runtime cannot run it: insn 0: calls bpf_get_current_task#35, which bpf4j does not implement for this program type\n");
        JsonNode program = json(CliRunner.run("prog", "verify", OBJECT, "--prog", "uses_task", "-j")).get("programs").get(0);
        assertThat(program.get("runtime_cannot_run").get(0).asText()).startsWith("insn 0: calls bpf_get_current_task#35");
        CliRunner run = CliRunner.run("prog", "run", OBJECT, "--prog", "uses_task", "--data-in", capture(1).toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("program uses_task: insn 0: calls bpf_get_current_task#35, which bpf4j does not implement");
    }

    @Test
    void unprivilegedIsModelledOrSaysWhatIsNot() throws IOException {
        CliRunner xdp = CliRunner.run("prog", "verify", OBJECT, "--prog", "uses_task", "--unprivileged");
        assertThat(xdp.exit()).isOne();
        assertThat(xdp.out()).isEqualTo("uses_task: reject: BPF_PROG_LOAD: EPERM: an unprivileged loader (without CAP_BPF) may load "
                + "socket_filter and cgroup_skb programs only, not xdp\n");
        CliRunner printk = CliRunner.run("prog", "verify", OBJECT, "--prog", "sock_printk", "--unprivileged");
        assertThat(printk.exit()).isOne();
        assertThat(printk.out()).contains("program of this type cannot use helper bpf_trace_printk#6");
        assertThat(CliRunner.run("prog", "verify", OBJECT, "--prog", "sock_printk").exit()).as("privileged: CAP_PERFMON allows it").isZero();
        CliRunner plain = CliRunner.run("prog", "verify", OBJECT, "--prog", "sock_len", "--unprivileged");
        assertThat(plain.exit()).isZero();
        assertThat(plain.out()).contains("sock_len: accept").contains("  not modelled for an unprivileged loader: Spectre v1/v4 sanitation");
        JsonNode program = json(CliRunner.run("prog", "verify", OBJECT, "--prog", "sock_len", "--unprivileged", "-j")).get("programs").get(0);
        assertThat(program.get("not_modelled").asText()).startsWith("Spectre v1/v4 sanitation");
    }

    @Test
    void dumpXlatedShowsTheProgramAsLoaded() throws IOException {
        CliRunner r = CliRunner.run("prog", "dump", ProgCommandTest.FIREWALL, "--xlated");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("xdp_firewall: section xdp, type xdp, 204 insns as loaded\n")
                .contains("; void *data = (void *)(long)ctx->data; @ ./xdp/firewall.bpf.c:141\n")
                .containsPattern("\n +0: r8 = \\*\\(u64 \\*\\)\\(r1 \\+ \\d+\\)  ; was r8 = \\*\\(u32 \\*\\)\\(r1 \\+ 0\\)\n")
                .containsPattern("\n +10: r1 = 0x[0-9a-f]+ ll  ; map stats\n");
        CliRunner skipped = CliRunner.run("prog", "dump", OBJECT, "--xlated", "--prog", "unchecked");
        assertThat(skipped.out()).startsWith("unchecked: not loaded: program unchecked: rejected by the verifier at insn 1");
        JsonNode insns = json(CliRunner.run("prog", "dump", ProgCommandTest.FIREWALL, "--xlated", "-j")).get("programs").get(0).get("xlated_insns");
        assertThat(insns.get(10).get("rewritten").asText()).isEqualTo("map stats");
        assertThat(insns.get(0).get("rewritten").asText()).isEqualTo("was r8 = *(u32 *)(r1 + 0)");
    }

    @Test
    void ringRecordsAreReadAsTheTypeGiven() throws IOException {
        CliRunner r = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(1, 2).toString(),
                "--ringbuf-type", "struct frame_record");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("  ringbuf records: {\"first_byte\":1,\"len\":60}\n").contains("  ringbuf records: {\"first_byte\":2,\"len\":60}\n");
        JsonNode record = json(CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(7).toString(),
                "--ringbuf-type", "frame_record", "-j")).get("ringbuf").get("records").get(0);
        assertThat(record.get("hex").asText()).isEqualTo("070000003c000000");
        assertThat(record.get("formatted").get("first_byte").asInt()).isEqualTo(7);
        CliRunner missing = CliRunner.run("prog", "run", OBJECT, "--prog", "classify", "--pcap", capture(1).toString(), "--ringbuf-type", "nope");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("bpf4j: --ringbuf-type nope: debug.bpf.o's BTF has no struct, union or typedef named 'nope'\n");
    }

    @Test
    void perCpuValuesAreLabelledByCpu() {
        CliRunner r = CliRunner.run("prog", "run", ProgCommandTest.FIREWALL, "--pcap", ProgCommandTest.FIREWALL_PCAP, "--quiet");
        assertThat(r.out()).containsPattern("map stats \\(percpu_array\\): 7 entries\n  key 0  value cpu0 \\{\"packets\":\\d+,\"bytes\":\\d+\\}");
    }

    /**
     * The firewall example's documented "filled" scenario, reproduced from the command line: its map updates as
     * --map entries (the first one as BTF-typed JSON, the others in hex), and every frame's verdict is the one the
     * kernel gave on the same frames after the same updates (examples/expected/firewall-filled.json).
     */
    @Test
    void theFirewallsFilledScenarioRunsFromTheCommandLine() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(ProgCommandTest.ROOT.resolve("examples/expected/firewall-filled.json").toFile());
        List<String> args = new ArrayList<>(List.of("prog", "run", ProgCommandTest.FIREWALL, "--pcap", ProgCommandTest.FIREWALL_PCAP, "-j"));
        boolean first = true;
        for (JsonNode u : expected.get("map_updates")) {
            args.add("--map");
            args.add(u.get("map").asText());
            if (first) {
                assertThat(u.get("key").asText()).isEqualTo("080000000a000000"); // 10.0.0.0/8: prefixlen 8, addr in network order
                args.add("{\"prefixlen\":8,\"addr\":10}={\"hits\":0}");
                first = false;
            } else {
                args.add("hex:" + u.get("key").asText() + "=hex:" + u.get("value").asText());
            }
        }
        JsonNode results = json(CliRunner.run(args.toArray(String[]::new))).get("results");
        JsonNode frames = expected.get("frames");
        assertThat(results).hasSize(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).has("error")) { // a frame the kernel refused is refused here too
                assertThat(results.get(i).has("error")).as("frame %d refused", i + 1).isTrue();
                continue;
            }
            assertThat(results.get(i).get("retval").asLong()).as("frame %d", i + 1).isEqualTo(frames.get(i).get("retval").asLong());
        }
        CliRunner badJson = CliRunner.run("prog", "run", ProgCommandTest.FIREWALL, "--pcap", ProgCommandTest.FIREWALL_PCAP,
                "--map", "blocked_src", "{\"prefixlen\":8,\"nope\":10}=1");
        assertThat(badJson.exit()).isEqualTo(2);
        assertThat(badJson.err()).startsWith("bpf4j: --map blocked_src: the key {\"prefixlen\":8,\"nope\":10}: ").hasLineCount(1);
    }

    /** Before a timed --repeat, the JIT warm-up runs until C2 compiled the program and timings settled, and -j says so. */
    @Test
    void aRepeatSaysHowItWarmedUp() throws IOException {
        Path frame = dir.resolve("frame.bin");
        Files.write(frame, new byte[64]);
        JsonNode root = json(CliRunner.run("prog", "run", ProgCommandTest.FIREWALL, "--data-in", frame.toString(), "--repeat", "1000", "-j"));
        JsonNode warmUp = root.get("warm_up");
        assertThat(warmUp.get("runs").asLong()).isPositive();
        assertThat(warmUp.get("duration_ns").asLong()).isPositive();
        // timings only count as settled once C2 compiled the program
        if (warmUp.get("settled").asBoolean()) assertThat(warmUp.get("reached_c2").asBoolean()).isTrue();
        assertThat(root.get("results").get(0).get("retval").asLong()).isEqualTo(2);
        JsonNode once = json(CliRunner.run("prog", "run", ProgCommandTest.FIREWALL, "--data-in", frame.toString(), "-j"));
        assertThat(once.has("warm_up")).as("a single run is not warmed up").isFalse();
    }

    @Test
    void mapFlagsAreNamed() throws IOException {
        CliRunner r = CliRunner.run("prog", "show", ProgCommandTest.FIREWALL);
        assertThat(r.out()).containsPattern("blocked_src +lpm_trie .* flags BPF_F_NO_PREALLOC\n");
        JsonNode blocked = json(CliRunner.run("prog", "show", ProgCommandTest.FIREWALL, "-j")).get("maps").get(0);
        assertThat(blocked.get("flag_names").toString()).isEqualTo("[\"BPF_F_NO_PREALLOC\"]");
        assertThat(org.bpf4j.maps.MapFlags.creationFlagNames(1 | (1 << 7) | (1 << 30)))
                .containsExactly("BPF_F_NO_PREALLOC", "BPF_F_RDONLY_PROG", "0x40000000");
    }
}

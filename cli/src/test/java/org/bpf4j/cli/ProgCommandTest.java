package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProgCommandTest {
    static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));
    static final String FIREWALL = ROOT.resolve("examples/xdp/firewall.bpf.o").toString();
    static final String FIREWALL_PCAP = ROOT.resolve("examples/xdp/firewall.pcap").toString();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode json(CliRunner r) throws IOException {
        return JSON.readTree(r.out());
    }

    @Test
    void showListsProgramsAndMaps() throws IOException {
        CliRunner r = CliRunner.run("prog", "show", FIREWALL);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("xdp_firewall", "section xdp", "type xdp", "insns 204", "blocked_src", "lpm_trie", ".rodata");
        JsonNode j = json(CliRunner.run("prog", "show", "--json", FIREWALL));
        assertThat(j.get("programs").get(0).get("name").asText()).isEqualTo("xdp_firewall");
        assertThat(j.get("programs").get(0).get("insns").asInt()).isEqualTo(204);
        assertThat(j.get("maps")).hasSize(4);
    }

    @Test
    void dumpInterleavesSourceLines() {
        CliRunner r = CliRunner.run("prog", "dump", FIREWALL, "--prog", "xdp_firewall");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("; void *data = (void *)(long)ctx->data; @ ./xdp/firewall.bpf.c:141")
                .contains("    0: r8 = *(u32 *)(r1 + 0)")
                .contains("call bpf_map_lookup_elem#1")
                .contains("r1 = map_fd(0) ll  ; map stats");
    }

    @Test
    void runOnOneFramePrintsBpftoolsLine() throws IOException {
        List<Frame> frames = Pcap.read(Path.of(FIREWALL_PCAP));
        Path in = dir.resolve("frame.bin");
        Files.write(in, frames.get(0).data());
        Path out = dir.resolve("out.bin");
        CliRunner r = CliRunner.run("prog", "run", FIREWALL, "--data-in", in.toString(), "--data-out", out.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("Return value: 2 \\(XDP_PASS\\), duration: \\d+ns");
        assertThat(r.out()).as("the maps follow, as with --pcap").contains("map stats (percpu_array): 7 entries\n");
        assertThat(Files.readAllBytes(out)).isEqualTo(frames.get(0).data());
        CliRunner repeated = CliRunner.run("prog", "run", FIREWALL, "--data-in", in.toString(), "--repeat", "5");
        assertThat(repeated.out().lines().findFirst().orElseThrow()).matches("Return value: 2 \\(XDP_PASS\\), duration \\(average\\): \\d+ns");
    }

    @Test
    void jitWarmUpLeavesExactlyTheEffectsOfTheRepeatedRuns() throws IOException {
        List<Frame> frames = Pcap.read(ROOT.resolve("examples/xdp/counters.pcap"));
        Path in = dir.resolve("frame.bin");
        Files.write(in, frames.get(0).data());
        String object = ROOT.resolve("examples/xdp/counters.bpf.o").toString();
        JsonNode interp = json(CliRunner.run("prog", "run", object, "--data-in", in.toString(), "--repeat", "37", "--json", "--engine", "interp"));
        JsonNode jit = json(CliRunner.run("prog", "run", object, "--data-in", in.toString(), "--repeat", "37", "--json", "--engine", "jit"));
        assertThat(jit.get("maps")).isEqualTo(interp.get("maps"));
        assertThat(withoutDurations(jit.get("results"))).isEqualTo(withoutDurations(interp.get("results")));
        assertThat(interp.get("maps").toString()).contains("25000000"); // 37 packets counted: 0x25
    }

    @Test
    void runOnACaptureGivesOneJsonObjectWithResultsMapsAndRefusals() throws IOException {
        for (String engine : new String[] {"interp", "jit"}) {
            CliRunner r = CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP, "--json", "--engine", engine);
            assertThat(r.exit()).isZero();
            JsonNode j = json(r);
            JsonNode results = j.get("results");
            assertThat(results).hasSize(26);
            // The kernel's verdicts on this capture with empty blocklists (examples/README.md).
            int[] drops = {3, 4, 11, 13, 15, 16, 17, 18, 19, 25};
            for (int i = 1; i <= 25; i++) {
                int frame = i;
                long expected = Arrays.stream(drops).anyMatch(d -> d == frame) ? 1 : 2;
                assertThat(results.get(i - 1).get("retval").asLong()).as("frame %d on %s", i, engine).isEqualTo(expected);
                assertThat(results.get(i - 1).get("retval_name").asText()).isEqualTo(expected == 1 ? "XDP_DROP" : "XDP_PASS");
                assertThat(results.get(i - 1).get("data_out").asText()).isNotEmpty();
            }
            assertThat(results.get(25).get("error").asText()).contains("shorter than an Ethernet header");
            JsonNode stats = j.get("maps").get("stats");
            assertThat(stats).hasSize(7);
            assertThat(stats.get(0).get("values").get(0).asText()).isEqualTo("0f000000000000003803000000000000");
            assertThat(j.get("maps").get(".rodata").get(0).get("value").asText()).isEqualTo("1700");
            assertThat(j.get("maps").get("blocked_src")).isEmpty();
            assertThat(j.get("ringbuf")).isEmpty();
            assertThat(j.get("trace")).isEmpty();
            // The verifier accepts the firewall: it runs unchecked, without a budget, on either engine.
            assertThat(j.get("mode").asText()).isEqualTo("verified");
            assertThat(j.get("mode_reason").asText()).isEqualTo("accepted by the verifier");
        }
    }

    @Test
    void checkedRunsAnAcceptedProgramCheckedWithTheSameResults() throws IOException {
        CliRunner fast = CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP, "--json");
        CliRunner slow = CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP, "--json", "--checked");
        assertThat(slow.exit()).isZero();
        JsonNode f = json(fast), s = json(slow);
        assertThat(s.get("mode").asText()).isEqualTo("checked");
        assertThat(s.get("mode_reason").asText()).isEqualTo("accepted, run checked on request");
        assertThat(withoutDurations(s.get("results"))).isEqualTo(withoutDurations(f.get("results")));
        assertThat(s.get("maps")).isEqualTo(f.get("maps"));
    }

    @Test
    void ringBufferRecordsComeInOrder() throws IOException {
        CliRunner r = CliRunner.run("prog", "run", ROOT.resolve("examples/xdp/events.bpf.o").toString(),
                "--pcap", ROOT.resolve("examples/xdp/events.pcap").toString(), "--json");
        JsonNode ring = json(r).get("ringbuf").get("events");
        assertThat(ring).hasSize(11); // 13 records reserved, 2 discarded (examples/README.md)
        assertThat(ring.get(0).asText()).isEqualTo("01040602409c50003600000000000000c000020a0000000000000000000000000a000001000000000000000000000000");
    }

    @Test
    void pcapOutHoldsTheRewrittenFrames() throws IOException {
        Path out = dir.resolve("out.pcap");
        CliRunner r = CliRunner.run("prog", "run", ROOT.resolve("examples/xdp/loadbalancer.bpf.o").toString(),
                "--pcap", ROOT.resolve("examples/xdp/loadbalancer.pcap").toString(), "--pcap-out", out.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("20 frames: return values 2 (XDP_PASS) x10, 3 (XDP_TX) x10");
        List<Frame> frames = Pcap.read(out);
        assertThat(frames).hasSize(20);
        assertThat(Json.hex(frames.get(0).data())).isEqualTo(
                "020000000101020000000001080045000028000100004006adcdc00002010a00010180e80050000003e8000000005002faf062cf0000");
    }

    @Test
    void malformedInputIsOneLineAndExitTwoEvenWithJson() throws IOException {
        byte[] elf = Files.readAllBytes(Path.of(FIREWALL));
        Path truncated = dir.resolve("truncated.o");
        Files.write(truncated, Arrays.copyOf(elf, 200));
        Path frame = dir.resolve("frame.bin");
        Files.write(frame, new byte[64]);
        Path brokenPcap = dir.resolve("broken.pcap");
        byte[] pcap = Files.readAllBytes(Path.of(FIREWALL_PCAP));
        Files.write(brokenPcap, Arrays.copyOf(pcap, pcap.length - 5));
        
        String[][] cases = {
            {"prog", "run", truncated.toString(), "--data-in", frame.toString()},
            {"prog", "run", FIREWALL, "--pcap", brokenPcap.toString()},
            {"prog", "run", resource("bad/undefined_function.bpf.o"), "--data-in", frame.toString()},
            {"prog", "run", FIREWALL, "--data-in", dir.resolve("missing").toString()},
            {"prog", "run", FIREWALL, "--prog", "nope", "--data-in", frame.toString()},
            {"prog", "show", dir.toString()},
            {"prog", "dump", truncated.toString()},
        };
        for (String[] args : cases) {
            CliRunner r = CliRunner.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("bpf4j: ").hasLineCount(1).doesNotContain("Exception");
            if (args[1].equals("run")) {
                String[] withJson = Arrays.copyOf(args, args.length + 1);
                withJson[args.length] = "--json";
                CliRunner j = CliRunner.run(withJson);
                assertThat(j.exit()).isEqualTo(2);
                assertThat(json(j).get("error").asText()).isNotEmpty();
            }
        }
        assertThat(CliRunner.run("prog", "run", FIREWALL, "--pcap", brokenPcap.toString()).err())
                .contains("broken.pcap: record 26 at offset");
        assertThat(CliRunner.run("prog", "run", resource("bad/oversized_key.bpf.o"), "--data-in", frame.toString()).err())
                .isEqualTo("bpf4j: oversized_key.bpf.o: map too_big: map 'too_big' (HASH): E2BIG: create: key, value or max_entries"
                        + " too large (key_size 8388608, value_size 8, max_entries 1, map_flags 0x0)\n");
        assertThat(CliRunner.run("prog", "run", resource("bad/unknown_map_type.bpf.o"), "--data-in", frame.toString()).err())
                .isEqualTo("bpf4j: unknown_map_type.bpf.o: section '.maps': map 'strange' has unknown type 200\n");
    }

    @Test
    void endlessOrHugeInputsAreRefusedInOneLine() throws IOException {
        Path frame = dir.resolve("frame.bin");
        Files.write(frame, new byte[64]);
        String[][] cases = {
            {"prog", "run", FIREWALL, "--data-in", "/dev/zero"},
            {"prog", "run", FIREWALL, "--data-in", frame.toString(), "--ctx-in", "/dev/zero"},
            {"prog", "run", FIREWALL, "--pcap", "/dev/zero"},
            {"prog", "show", "/dev/zero"},
        };
        for (String[] args : cases) {
            CliRunner r = CliRunner.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("bpf4j: ").hasLineCount(1);
        }
        Path bigCtx = dir.resolve("ctx.bin");
        Files.write(bigCtx, new byte[70_000]);
        CliRunner tracing = CliRunner.run("prog", "run", resource("bpf/tracepoint.bpf.o"), "--data-in", frame.toString(), "--ctx-in", bigCtx.toString());
        assertThat(tracing.exit()).isEqualTo(2);
        assertThat(tracing.err()).isEqualTo("bpf4j: context of 70000 bytes is larger than 65535\n");
    }

    /** flags.bpf.o: `unaligned` is refused only under strict alignment, `beyond` with two closing lines. */
    static final String FLAGS_OBJ = Path.of("src/test/resources/verify/flags.bpf.o").toString();

    @Test
    void verifyTakesTheKernelsProgramFlags() throws IOException {
        CliRunner plain = CliRunner.run("prog", "verify", FLAGS_OBJ, "--prog", "unaligned");
        assertThat(plain.exit()).isZero();
        for (String flags : new String[] {"BPF_F_STRICT_ALIGNMENT", "BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ", "1"}) {
            CliRunner strict = CliRunner.run("prog", "verify", FLAGS_OBJ, "--prog", "unaligned", "--flags", flags, "--json");
            assertThat(strict.exit()).as(flags).isEqualTo(1);
            assertThat(json(strict).get("programs").get(0).get("message").asText()).isEqualTo("misaligned packet access off 2+0+0+0 size 4");
        }
        CliRunner any = CliRunner.run("prog", "verify", FLAGS_OBJ, "--prog", "unaligned", "--flags", "BPF_F_STRICT_ALIGNMENT|BPF_F_ANY_ALIGNMENT");
        assertThat(any.exit()).isZero();
        CliRunner unknown = CliRunner.run("prog", "verify", FLAGS_OBJ, "--flags", "BPF_F_STRICT_ALIGNMENT|BPF_F_FAST");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).hasLineCount(1).contains("'BPF_F_FAST'").contains("BPF_F_TEST_STATE_FREQ");
    }

    @Test
    void verifyPrintsEveryClosingLineOfTheKernelsError() throws IOException {
        CliRunner text = CliRunner.run("prog", "verify", FLAGS_OBJ, "--prog", "beyond");
        assertThat(text.exit()).isEqualTo(1);
        assertThat(text.out()).contains("beyond: reject at insn 5: invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\n"
                + "  R2 offset is outside of the packet\n");
        JsonNode p = json(CliRunner.run("prog", "verify", FLAGS_OBJ, "--prog", "beyond", "--json")).get("programs").get(0);
        assertThat(p.get("message").asText()).isEqualTo("R2 offset is outside of the packet");
        assertThat(p.get("error").toString())
                .isEqualTo("[\"invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)\",\"R2 offset is outside of the packet\"]");
    }

    private static String resource(String name) {
        return Path.of("src/test/resources").resolve(name).toString();
    }

    @Test
    void runningTheFirstProgramIsTheDefault() {
        CliRunner r = CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP);
        assertThat(r.out()).contains("26 frames: return values 1 (XDP_DROP) x10, 2 (XDP_PASS) x15; 1 refused");
        assertThat(r.out()).contains("map blocked_ports (hash): 0 entries\n", "map .rodata (array): 1 entry\n"); // not "1 entries"
    }

    @ParameterizedTest
    @MethodSource("corpusObjects")
    void everyCorpusObjectListsOrIsRefusedInOneLine(Path object) {
        CliRunner r = CliRunner.run("prog", "show", object.toString());
        assertThat(r.exit()).as(object.toString()).isIn(0, 2);
        if (r.exit() == 2) assertThat(r.err()).hasLineCount(1).startsWith("bpf4j: ").doesNotContain("Exception");
        else assertThat(r.out()).contains("programs:");
    }

    static Stream<Path> corpusObjects() throws IOException {
        Path corpus = SharedData.corpus();
        try (Stream<Path> s = Files.walk(corpus)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".json") && !p.toString().endsWith(".jsonl")
                    && !p.toString().endsWith(".md")).sorted().toList().stream();
        }
    }

    /** prog dump -j holds what the text shows: each instruction's disassembly, bytes, source line and relocation. */
    @Test
    void dumpJsonHoldsWhatTheTextShows() throws IOException {
        CliRunner text = CliRunner.run("prog", "dump", FIREWALL);
        CliRunner j = CliRunner.run("prog", "dump", FIREWALL, "-j");
        assertThat(j.exit()).isZero();
        JsonNode program = json(j).get("programs").get(0);
        assertThat(program.get("name").asText()).isEqualTo("xdp_firewall");
        JsonNode insns = program.get("insns");
        for (JsonNode insn : insns) {
            assertThat(text.out()).contains(insn.get("pc").asInt() + ": " + insn.get("disasm").asText());
            assertThat(insn.get("raw").asText()).matches("[0-9a-f]{16}|[0-9a-f]{32}");
            if (insn.has("src")) assertThat(text.out()).contains("; " + insn.get("src").asText() + " @ ");
        }
        assertThat(insns.findValuesAsText("relocation")).contains("map blocked_ports");
        assertThat(insns.get(0).get("raw").asText()).isEqualTo(String.format("%016x", Long.reverseBytes(
                BpfObject.open(Path.of(FIREWALL)).programs().getFirst().program().insns().getFirst().encode())));
    }

    /** With --pcap, -j gives each result its frame number and duration; --repeat prints the timing in text too. */
    @Test
    void pcapRunsReportFramesAndDurations() throws IOException {
        JsonNode results = json(CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP, "-j")).get("results");
        for (int i = 0; i < results.size(); i++) {
            assertThat(results.get(i).get("frame").asInt()).isEqualTo(i + 1);
            if (!results.get(i).has("error")) assertThat(results.get(i).get("duration_ns").asLong()).isNotNegative();
        }
        assertThat(CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP, "--repeat", "3").out())
                .containsPattern("duration \\(average of 3 runs per frame\\): mean \\d+ ns, frames from \\d+ to \\d+ ns\n");
        assertThat(CliRunner.run("prog", "run", FIREWALL, "--pcap", FIREWALL_PCAP).out())
                .containsPattern("\nduration: mean \\d+ ns, frames from \\d+ to \\d+ ns\n");
    }

    /** Results to compare across engines and modes: everything but how long each run took. */
    private static JsonNode withoutDurations(JsonNode results) {
        JsonNode copy = results.deepCopy();
        for (JsonNode r : copy) ((com.fasterxml.jackson.databind.node.ObjectNode) r).remove("duration_ns");
        return copy;
    }
}

package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelMapSpec;
import org.bpf4j.maps.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel verbs ({@code prog list|load|attach|detach}, {@code map ...}, {@code link ...}) on objects this test
 * creates, with bpftool as the oracle: for the same object both print the same fields.
 */
class KernelVerbsTest {
    static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));
    static final String COUNTERS = ROOT.resolve("examples/xdp/counters.bpf.o").toString();
    static final String CLASSIFIER = ROOT.resolve("examples/tc/classifier.bpf.o").toString();
    static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private final List<String> interfaces = new ArrayList<>();

    @BeforeEach
    void bpffs() {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        assumeTrue(k.bpffs(), () -> "bpffs unavailable: " + k.bpffsReason());
        dir = KernelAvailability.BPFFS.resolve("bpf4j-test-verbs-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
    }

    @AfterEach
    void cleanUp() throws IOException, InterruptedException {
        for (String i : interfaces) run("ip", "link", "del", i);
        if (dir != null && Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static JsonNode json(CliRunner r) throws IOException {
        assertThat(r.exit()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    /** A command's output; bpftool's absence skips the test. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no " + command[0] + " here");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    private static JsonNode bpftool(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("bpftool", "-j"));
        c.addAll(List.of(args));
        return JSON.readTree(run(c.toArray(String[]::new)));
    }

    private Path load(String object) throws IOException {
        JsonNode loaded = json(CliRunner.run("prog", "load", object, dir.resolve("progs").toString(), "--pinmaps", dir.resolve("maps").toString(), "-j"));
        assertThat(loaded.get("programs")).isNotEmpty();
        return dir.resolve("progs").resolve(loaded.get("programs").get(0).get("name").asText());
    }

    @Test
    void progLoadPinsProgramsAndMapsThatShowAsBpftoolShowsThem() throws Exception {
        Path prog = load(COUNTERS);
        JsonNode ours = json(CliRunner.run("prog", "show", "-j", "pinned", prog.toString()));
        JsonNode theirs = bpftool("prog", "show", "pinned", prog.toString());
        for (String field : List.of("id", "type", "name", "tag", "gpl_compatible", "uid", "bytes_xlated", "jited", "bytes_jited",
                "bytes_memlock", "map_ids")) {
            assertThat(ours.get(field)).as(field).isEqualTo(theirs.get(field));
        }
        assertThat(Math.abs(ours.get("loaded_at").asLong() - theirs.get("loaded_at").asLong())).as("loaded_at").isLessThanOrEqualTo(1);
        int id = ours.get("id").asInt();
        // the text too, but for the load time's line, which may fall either side of a second
        String text = CliRunner.run("prog", "show", "pinned", prog.toString()).out();
        String bpftoolText = run("bpftool", "prog", "show", "pinned", prog.toString());
        assertThat(text.replaceAll("loaded_at \\S+", "")).isEqualTo(bpftoolText.replaceAll("loaded_at \\S+", ""));
        assertThat(json(CliRunner.run("prog", "list", "-j")).findValuesAsText("id")).contains(Integer.toString(id));
        assertThat(CliRunner.run("prog", "show", "id", Integer.toString(id)).out()).startsWith(id + ": xdp  name xdp_counters  tag ");
        for (JsonNode mapId : ours.get("map_ids")) {
            JsonNode map = json(CliRunner.run("map", "show", "-j", "id", mapId.asText()));
            assertThat(map).isEqualTo(bpftool("map", "show", "id", mapId.asText()));
            assertThat(CliRunner.run("map", "show", "id", mapId.asText()).out()).isEqualTo(run("bpftool", "map", "show", "id", mapId.asText()));
            assertThat(json(CliRunner.run("map", "show", "-j", "pinned", dir.resolve("maps").resolve(map.get("name").asText()).toString())))
                    .isEqualTo(map);
        }
    }

    @Test
    void mapVerbsReadAndWriteWhatBpftoolReads() throws Exception {
        String name = "verbs" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 28);
        Files.createDirectories(dir);
        try (KernelMap map = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 8, 16).withName(name))) {
            String id = Integer.toString(map.id());
            assertThat(CliRunner.run("map", "update", "name", name, "key", "1", "0", "0", "0", "value", "0x2a", "0", "0", "0", "0", "0", "0", "0").exit())
                    .isZero();
            assertThat(CliRunner.run("map", "update", "id", id, "key", "hex", "02000000", "value", "hex", "ff", "00", "00", "00", "00", "00", "00",
                    "01", "noexist").exit()).isZero();
            assertThat(map.lookup(new byte[] {2, 0, 0, 0})).hasValueSatisfying(v -> assertThat(v).containsExactly(0xff, 0, 0, 0, 0, 0, 0, 1));
            JsonNode entry = json(CliRunner.run("map", "lookup", "-j", "id", id, "key", "0x01", "0", "0", "0"));
            assertThat(entry).isEqualTo(bpftool("map", "lookup", "id", id, "key", "1", "0", "0", "0"));
            assertThat(json(CliRunner.run("map", "dump", "-j", "id", id))).isEqualTo(bpftool("map", "dump", "id", id));
            assertThat(CliRunner.run("map", "dump", "id", id).out()).isEqualTo(run("bpftool", "map", "dump", "id", id));
            assertThat(CliRunner.run("map", "lookup", "id", id, "key", "1", "0", "0", "0").out())
                    .isEqualTo("key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00\n");

            CliRunner exists = CliRunner.run("map", "update", "id", id, "key", "1", "0", "0", "0", "value", "0", "0", "0", "0", "0", "0", "0", "0", "noexist");
            assertThat(exists.exit()).isEqualTo(2);
            assertThat(exists.err()).contains("EEXIST");
            assertThat(CliRunner.run("map", "delete", "id", id, "key", "2", "0", "0", "0").exit()).isZero();
            CliRunner gone = CliRunner.run("map", "lookup", "id", id, "key", "2", "0", "0", "0");
            assertThat(gone.exit()).isEqualTo(2);
            assertThat(gone.err()).isEqualTo("bpf4j: map lookup: map " + id + " has no key 02 00 00 00\n");

            Path pin = dir.resolve("pinned-map");
            assertThat(CliRunner.run("map", "pin", "id", id, pin.toString()).exit()).isZero();
            assertThat(json(CliRunner.run("map", "show", "-j", "pinned", pin.toString())).get("id").asText()).isEqualTo(id);
            assertThat(json(CliRunner.run("map", "list", "-j")).findValuesAsText("name")).contains(name);
        }
    }

    @Test
    void perCpuValuesDumpPerCpuAsBpftoolDumpsThem() throws Exception {
        try (KernelMap map = KernelMap.create(KernelMapSpec.of(MapType.PERCPU_ARRAY, 4, 4, 2))) {
            String id = Integer.toString(map.id());
            assertThat(CliRunner.run("map", "update", "id", id, "key", "1", "0", "0", "0", "value", "7", "0", "0", "0").exit()).isZero();
            JsonNode ours = json(CliRunner.run("map", "dump", "-j", "id", id));
            assertThat(ours).isEqualTo(bpftool("map", "dump", "id", id));
            assertThat(ours.get(1).get("values").get(0).get("value").get(0).asText()).isEqualTo("0x07");
            assertThat(CliRunner.run("map", "dump", "id", id).out()).isEqualTo(run("bpftool", "map", "dump", "id", id));
        }
    }

    @Test
    void programArraysAndMapsOfMapsTakeObjectsAndDumpTheirIds() throws Exception {
        Path prog = load(COUNTERS);
        int progId = json(CliRunner.run("prog", "show", "-j", "pinned", prog.toString())).get("id").asInt();
        try (KernelMap progs = KernelMap.create(KernelMapSpec.of(MapType.PROG_ARRAY, 4, 4, 2));
             KernelMap inner = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1));
             KernelMap outer = KernelMap.create(KernelMapSpec.of(MapType.ARRAY_OF_MAPS, 4, 4, 2).withInnerMapFd(inner.fd()))) {
            String pa = Integer.toString(progs.id()), mom = Integer.toString(outer.id());
            assertThat(CliRunner.run("map", "update", "id", pa, "key", "1", "0", "0", "0", "value", "pinned", prog.toString()).exit()).isZero();
            assertThat(CliRunner.run("map", "update", "id", mom, "key", "0", "0", "0", "0", "value", "id", Integer.toString(inner.id())).exit())
                    .isZero();
            // the kernel hands back ids where fds went in: bpftool prints the same bytes
            JsonNode dump = json(CliRunner.run("map", "dump", "-j", "id", pa));
            assertThat(dump).isEqualTo(bpftool("map", "dump", "id", pa));
            assertThat(dump.get(0).get("value").get(0).asText()).isEqualTo(String.format("0x%02x", progId & 0xff));
            assertThat(json(CliRunner.run("map", "dump", "-j", "id", mom))).isEqualTo(bpftool("map", "dump", "id", mom));
            CliRunner bytes = CliRunner.run("map", "update", "id", pa, "key", "0", "0", "0", "0", "value", "1", "2", "3", "4");
            assertThat(bytes.exit()).isEqualTo(2);
            assertThat(bytes.err()).isEqualTo("bpf4j: map update: a prog_array takes 'value id ID', 'value pinned PATH' or 'value name NAME' "
                    + "of a program\n");
        }
    }

    @Test
    void mapsWithBtfPrintFormattedValuesAsBpftool() throws Exception {
        // libbpf (through bpftool) creates the maps with their BTF; bpf4j reads it back from the kernel
        Files.createDirectories(dir);
        run("bpftool", "prog", "loadall", COUNTERS, dir.resolve("p").toString(), "pinmaps", dir.resolve("m").toString());
        String map = dir.resolve("m").resolve("proto_stats").toString();
        assertThat(CliRunner.run("map", "update", "pinned", map, "key", "17", "0", "0", "0", "value", "hex",
                "0100000000000000", "4000000000000000").exit()).isZero();
        JsonNode ours = json(CliRunner.run("map", "dump", "-j", "pinned", map));
        JsonNode theirs = bpftool("map", "dump", "pinned", map);
        assertThat(ours).isEqualTo(theirs);
        JsonNode formatted = ours.get(0).get("formatted");
        assertThat(formatted.get("key").get("ethertype").asInt()).isEqualTo(17);
        assertThat(formatted.get("value").get("bytes").asInt()).isEqualTo(64);
        assertThat(CliRunner.run("map", "lookup", "pinned", map, "key", "17", "0", "0", "0").out())
                .isEqualTo("key: {\"ethertype\":17,\"proto\":0,\"pad\":0}  value: {\"packets\":1,\"bytes\":64}\n");
    }

    @Test
    void attachDetachAndLinkVerbsOnAnInterface() throws Exception {
        String veth = "vb4j" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 40);
        run("ip", "link", "add", veth + "a", "type", "veth", "peer", "name", veth + "b");
        interfaces.add(veth + "a");
        Path prog = load(COUNTERS);
        Path linkPin = dir.resolve("xdp-link");
        JsonNode link = json(CliRunner.run("prog", "attach", "-j", "pinned", prog.toString(), "xdpgeneric", "dev", veth + "a", "pin", linkPin.toString()));
        assertThat(link.get("type").asText()).isEqualTo("xdp");
        assertThat(link.get("devname").asText()).isEqualTo(veth + "a");
        JsonNode theirs = bpftool("link", "show", "pinned", linkPin.toString());
        for (String f : List.of("id", "type", "prog_id")) assertThat(link.get(f)).as(f).isEqualTo(theirs.get(f));
        String linkId = link.get("id").asText();
        assertThat(json(CliRunner.run("link", "list", "-j")).findValuesAsText("id")).contains(linkId);
        assertThat(json(CliRunner.run("link", "show", "-j", "pinned", linkPin.toString()))).isEqualTo(link);

        JsonNode detached = json(CliRunner.run("prog", "detach", "-j", "pinned", prog.toString(), "xdp", "dev", veth + "a"));
        assertThat(detached.get("detached_link_ids").get(0).asText()).isEqualTo(linkId);
        assertThat(json(CliRunner.run("link", "show", "-j", "id", linkId)).get("ifindex").asInt()).as("a defunct link").isZero();
        CliRunner again = CliRunner.run("prog", "detach", "pinned", prog.toString(), "xdp", "dev", veth + "a");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("has no xdp link on " + veth + "a");

        // tcx: a classifier at ingress, detached by its link
        Path tc = dir.resolve("tc");
        JsonNode tcLoaded = json(CliRunner.run("prog", "load", CLASSIFIER, tc.toString(), "-j"));
        Path tcProg = tc.resolve(tcLoaded.get("programs").get(0).get("name").asText());
        Path tcLink = dir.resolve("tcx-link");
        JsonNode tcx = json(CliRunner.run("prog", "attach", "-j", "pinned", tcProg.toString(), "tcx_ingress", "dev", veth + "a", "pin", tcLink.toString()));
        assertThat(tcx.get("type").asText()).isEqualTo("tcx");
        assertThat(tcx.get("attach_type").asText()).isEqualTo("tcx_ingress");
        assertThat(CliRunner.run("link", "detach", "pinned", tcLink.toString()).exit()).isZero();
        assertThat(json(CliRunner.run("link", "show", "-j", "pinned", tcLink.toString())).get("ifindex").asInt()).isZero();
    }

    @Test
    void badReferencesSayOneLineAndExit2() throws Exception {
        String[][] cases = {
            {"map", "dump", "id", "2147483647"},
            {"map", "dump", "pinned", "/sys/fs/bpf/bpf4j-test-no-such-pin"},
            {"map", "lookup", "name", "bpf4j_no_such", "key", "0"},
            {"map", "dump", "ident", "3"},
            {"map", "update", "id", "x"},
            {"prog", "show", "id", "0"},
            {"prog", "list", "pinned", "/sys/fs/bpf/bpf4j-test-no-such-pin"},
            {"prog", "attach", "id", "2147483647", "xdp", "dev", "lo"},
            {"prog", "attach", "id", "2147483647", "sideways", "dev", "lo", "pin", "/sys/fs/bpf/bpf4j-test-x"},
            {"prog", "detach", "id", "1", "xdp", "dev", "bpf4j-no-such-if"},
            {"link", "detach", "id", "2147483647"},
            {"link", "show", "name", "x"},
            {"btf", "dump", "id", "2147483647"},
            {"btf", "dump", "file", "/nonexistent/vmlinux"},
            {"btf", "dump", "file", COUNTERS, "format", "pdf"},
            {"btf", "dump", "file", COUNTERS, "format", "c", "--type", "no_such_type"},
        };
        for (String[] args : cases) {
            CliRunner r = CliRunner.run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("bpf4j: ").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(r.err().strip()).as(String.join(" ", args)).doesNotContain("\n");
            List<String> withJson = new ArrayList<>(List.of(args));
            withJson.add("-j");
            CliRunner j = CliRunner.run(withJson.toArray(String[]::new));
            assertThat(j.exit()).isEqualTo(2);
            if (!j.out().isEmpty()) assertThat(JSON.readTree(j.out()).has("error")).as(String.join(" ", args)).isTrue();
        }
        assertThat(CliRunner.run("map", "dump", "id", "2147483647").err()).isEqualTo("bpf4j: no map with id 2147483647\n");
        // outside a bpffs the kernel says EPERM, which reads like a missing capability: bpf4j says where pins go
        CliRunner notBpffs = CliRunner.run("prog", "load", COUNTERS, "/tmp/bpf4j-test-not-bpffs/progs");
        assertThat(notBpffs.err()).isEqualTo("bpf4j: /tmp/bpf4j-test-not-bpffs/progs: not in a BPF file system (bpffs): pins live under one, "
                + "e.g. /sys/fs/bpf\n");
        assertThat(Path.of("/tmp/bpf4j-test-not-bpffs")).doesNotExist();
        assertThat(CliRunner.run("prog", "detach", "id", "1", "xdp", "dev", "bpf4j-no-such-if").err())
                .startsWith("bpf4j: prog detach: no interface 'bpf4j-no-such-if' in this network namespace (interfaces: ").contains("lo");
    }
}

package org.bpf4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.api.ObjectHandle;
import org.bpf4j.api.ProgramHandle;
import org.bpf4j.api.TypedMap;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.Engine;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.pcap.Frame;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.LoadedProgram;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/**
 * The examples of docs/java-api.md, run: each {@code // tag::NAME[]} region below is a code block of that
 * page, word for word ({@link #thePageShowsTheseExamplesWordForWord}), so the page cannot drift from an API
 * that compiles and behaves as it says.
 */
class JavaApiExamplesTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));
    private static final Path FIREWALL = ROOT.resolve("examples/xdp/firewall.bpf.o");
    private static final Path CAPTURE = ROOT.resolve("examples/xdp/firewall.pcap");
    private static final long XDP_DROP = 1, XDP_PASS = 2;

    @Test
    void runAProgramOnAFrame() throws IOException {
        // tag::run[]
        try (BpfRuntime runtime = BpfRuntime.create()) {
            LoadedObject firewall = runtime.load(BpfObject.open(FIREWALL));
            LoadedProgram xdp = firewall.program("xdp_firewall").orElseThrow();
            Frame frame = Pcap.read(CAPTURE).get(1);
            TestRunResult result = xdp.testRun(TestRun.of(frame.data()));
            assertThat(result.retval()).isEqualTo(XDP_PASS);
            assertThat(xdp.mode().verified()).isTrue(); // accepted by the verifier: runs unchecked
        }
        // end::run[]
    }

    @Test
    void fillAMapFromJavaAndReadCountersBack() throws IOException {
        // tag::maps[]
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1))) {
            LoadedObject firewall = runtime.load(BpfObject.open(FIREWALL));
            LoadedProgram xdp = firewall.program("xdp_firewall").orElseThrow();
            // struct src_key { __u32 prefixlen; __be32 addr; }: block 10.0.0.0/8
            BpfMap blocked = firewall.map("blocked_src").orElseThrow();
            blocked.update(new byte[] {8, 0, 0, 0, 10, 0, 0, 0}, new byte[8]);
            Frame fromTen = Pcap.read(CAPTURE).get(6); // the seventh frame: 10.1.2.3 -> 10.0.0.1, TCP
            assertThat(xdp.testRun(TestRun.of(fromTen.data())).retval()).isEqualTo(XDP_DROP);
            // stats[REASON_BLOCKED_SRC]: struct counter { __u64 packets; __u64 bytes; } per CPU
            byte[] counter = firewall.map("stats").orElseThrow().lookupPerCpu(new byte[] {4, 0, 0, 0}).orElseThrow().get(0);
            assertThat(counter[0]).isEqualTo((byte) 1);
        }
        // end::maps[]
    }

    @Test
    void verifyWithoutRunning() throws IOException {
        // tag::verify[]
        BpfObject object = BpfObject.open(FIREWALL);
        LinkedObject linked = LinkedObject.link(object, Optional.empty()); // no CO-RE: no kernel BTF needed
        LinkedProgram program = linked.program("xdp_firewall").orElseThrow();
        VerifierResult verdict = ObjectVerification.verify(object, program, VerifierOptions.defaults().withLogLevel(1));
        if (verdict instanceof VerifierResult.Accepted accepted) {
            assertThat(accepted.processedInsns()).isEqualTo(275); // what Linux 6.18 reports for this program
        } else {
            throw new AssertionError("expected the kernel's verdict, accept: " + verdict);
        }
        // end::verify[]
    }

    @Test
    void chooseTheEngine() throws IOException {
        // tag::engine[]
        RuntimeOptions reference = RuntimeOptions.defaults().withEngine(Engine.INTERPRETER);
        try (BpfRuntime runtime = BpfRuntime.create(reference)) {
            LoadedProgram xdp = runtime.load(BpfObject.open(FIREWALL)).program("xdp_firewall").orElseThrow();
            assertThat(xdp.testRun(TestRun.of(Pcap.read(CAPTURE).get(1).data())).retval()).isEqualTo(XDP_PASS);
            assertThat(xdp.verdict()).isInstanceOf(VerifierResult.Accepted.class);
        }
        // end::engine[]
    }

    /** struct src_key, struct rule and struct counter of examples/xdp/firewall.bpf.c, read through its BTF. */
    record SrcKey(int prefixlen, int addr) {}

    record Rule(long hits) {}

    record Counter(long packets, long bytes) {}

    @Test
    void oneApiForBothBackends() throws IOException {
        // tag::api[]
        try (BpfRuntime runtime = BpfRuntime.create(); ObjectHandle firewall = runtime.load(BpfObject.open(FIREWALL))) {
            TypedMap<SrcKey, Rule> blocked = firewall.requireMap("blocked_src").typed(SrcKey.class, Rule.class);
            blocked.update(new SrcKey(8, 10), new Rule(0)); // 10.0.0.0/8: __be32 addr, 10 is its first byte
            ProgramHandle xdp = firewall.requireProgram("xdp_firewall");
            assertThat(xdp.testRun(TestRun.of(Pcap.read(CAPTURE).get(6).data())).retval()).isEqualTo(XDP_DROP);
            assertThat(blocked.lookup(new SrcKey(8, 10)).orElseThrow().hits()).isEqualTo(1);
            TypedMap<Integer, Counter> stats = firewall.requireMap("stats").typed(Integer.class, Counter.class);
            long dropped = stats.lookupPerCpu(4).orElseThrow().stream().mapToLong(Counter::packets).sum(); // REASON_BLOCKED_SRC
            assertThat(dropped).isEqualTo(1);
        }
        // end::api[]
    }

    /** An IPv4 TCP SYN from 10.1.2.3 to port 80: Ethernet, IP and TCP headers, nothing else. */
    private static byte[] tcpSynFrom10() {
        byte[] f = new byte[54];
        f[12] = 0x08; // ethertype IPv4
        f[14] = 0x45; // version 4, IHL 5
        f[17] = 40;   // total length
        f[22] = 64;   // TTL
        f[23] = 6;    // TCP
        f[26] = 10; f[27] = 1; f[28] = 2; f[29] = 3; // source 10.1.2.3
        f[30] = (byte) 192; f[31] = 0; f[32] = 2; f[33] = 1; // destination 192.0.2.1
        f[36] = 0; f[37] = 80; // destination port 80
        f[46] = 0x50; f[47] = 0x02; // data offset 5, SYN
        return f;
    }

    @Test
    void theReadmeQuickStart() throws IOException {
        byte[] packet = tcpSynFrom10();
        // tag::readme[]
        record SrcKey(int prefixlen, int addr) {}  // struct src_key, member by member
        record Rule(long hits) {}
        try (BpfRuntime runtime = BpfRuntime.create(); ObjectHandle firewall = runtime.load(BpfObject.open(FIREWALL))) {
        // in the kernel: try (ObjectHandle firewall = KernelObject.load(BpfObject.open(FIREWALL), Optional.empty())) {
            firewall.requireMap("blocked_src").typed(SrcKey.class, Rule.class).update(new SrcKey(8, 10), new Rule(0));
            long verdict = firewall.requireProgram("xdp_firewall").testRun(TestRun.of(packet)).retval(); // XDP_DROP from 10/8
            assertThat(verdict).isEqualTo(XDP_DROP);
        }
        // end::readme[]
    }

    /** The README's quick start is the readme region above, word for word, but for the assertion only a test makes. */
    @Test
    void theReadmeShowsItsQuickStartWordForWord() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher block = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(block.find()).as("a java block in README.md").isTrue();
        String source = Files.readString(ROOT.resolve("core/src/test/java/org/bpf4j/examples/JavaApiExamplesTest.java"));
        Matcher r = Pattern.compile("// tag::readme\\[]\n(.*?)\\s*// end::readme\\[]", Pattern.DOTALL).matcher(source);
        assertThat(r.find()).isTrue();
        String region = r.group(1).stripIndent().strip().replaceAll("\n *assertThat\\(verdict\\)[^\n]*", "") + "\n";
        assertThat(block.group(1)).isEqualTo(region);
    }

    @Test
    void thePageShowsTheseExamplesWordForWord() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/java-api.md"));
        String source = Files.readString(ROOT.resolve("core/src/test/java/org/bpf4j/examples/JavaApiExamplesTest.java"));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(page);
        while (m.find()) blocks.add(m.group(1));
        List<String> regions = new ArrayList<>();
        Matcher r = Pattern.compile("// tag::(\\w+)\\[]\n(.*?)\\s*// end::\\1\\[]", Pattern.DOTALL).matcher(source);
        while (r.find()) if (!r.group(1).equals("readme")) regions.add(r.group(2).stripIndent().strip() + "\n");
        assertThat(regions).as("tagged regions of this file").hasSize(5);
        assertThat(blocks).as("java blocks of docs/java-api.md").containsExactlyElementsOf(regions);
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.api.ObjectHandle;
import org.bpf4j.api.ProgramHandle;
import org.bpf4j.api.TypedMap;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.linux.ApiRecords.Counter;
import org.bpf4j.linux.ApiRecords.Rule;
import org.bpf4j.linux.ApiRecords.SrcKey;
import org.bpf4j.pcap.Pcap;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.Test;

/**
 * docs/java-api.md's "One API for both backends" example, in the kernel: the page's code with its first line
 * (which loads the object into bpf4j's runtime) changed to load it into the kernel, and nothing else.
 */
class JavaApiKernelExampleTest {
    private static final Path ROOT = Path.of(System.getProperty("bpf4j.root", ".."));
    private static final Path FIREWALL = ROOT.resolve("examples/xdp/firewall.bpf.o");
    private static final Path CAPTURE = ROOT.resolve("examples/xdp/firewall.pcap");
    private static final long XDP_DROP = 1;

    @Test
    void theSameCodeRunsInTheKernel() throws IOException {
        Kernel.assumeAvailable();
        // tag::api[]
        try (ObjectHandle firewall = KernelObject.load(BpfObject.open(FIREWALL), Optional.empty())) {
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

    @Test
    void itIsThePagesExampleWithOnlyTheLoadingLineChanged() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/java-api.md"));
        String source = Files.readString(ROOT.resolve("linux/src/test/java/org/bpf4j/linux/JavaApiKernelExampleTest.java"));
        Matcher r = Pattern.compile("// tag::api\\[]\n(.*?)\\s*// end::api\\[]", Pattern.DOTALL).matcher(source);
        assertThat(r.find()).isTrue();
        String kernel = r.group(1).stripIndent().strip() + "\n";
        String kernelFirst = kernel.lines().findFirst().orElseThrow();
        Matcher b = Pattern.compile("```java\n(try \\(BpfRuntime runtime = BpfRuntime.create\\(\\); ObjectHandle firewall = .*?)```",
                Pattern.DOTALL).matcher(page);
        assertThat(b.find()).as("the page's one-API example").isTrue();
        String jvm = b.group(1);
        assertThat(kernelFirst + "\n" + jvm.substring(jvm.indexOf('\n') + 1)).isEqualTo(kernel);
        assertThat(page).contains("`" + kernelFirst + "`");
    }
}

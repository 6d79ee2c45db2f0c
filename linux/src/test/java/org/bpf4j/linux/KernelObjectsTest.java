package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.linux.Kernel.le32;
import static org.bpf4j.linux.Kernel.le64;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.bpf4j.btf.Btf;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelObjects}: the kernel's programs, maps, links and BTF found by id, pin and name, with what
 * {@code BPF_OBJ_GET_INFO_BY_FD} says of them, for objects this test creates (other processes' objects come and go).
 */
class KernelObjectsTest {

    private static String uniqueName(String prefix) {
        return prefix + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 36);
    }

    private static Program xdpPass() {
        return new Program(List.of(Insn.mov64Imm(0, 2), Insn.exit()));
    }

    @Test
    void mapFoundByIdPinAndNameWithItsSpec() throws IOException {
        Kernel.assumeBpffs();
        String name = uniqueName("ko_map_");
        Path pin = Kernel.uniquePin();
        try (KernelMap map = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 8, 16).withName(name))) {
            map.put(le32(7), le64(42));
            map.pin(pin);
            int id = map.id();
            assertThat(KernelObjects.ids(KernelObjects.Kind.MAP)).contains(id);
            KernelObjects.KernelMapInfo info = KernelObjects.map(id);
            assertThat(info.type()).contains(MapType.HASH);
            assertThat(info).extracting("name", "keySize", "valueSize", "maxEntries", "flags", "frozen")
                    .containsExactly(name, 4, 8, 16, 0, false);
            assertThat(info.memlock()).isPositive();
            assertThat(KernelObjects.pinnedMap(pin)).isEqualTo(info);
            assertThat(KernelObjects.mapsNamed(name)).containsExactly(info);
            assertThat(KernelObjects.maps()).contains(info);
            try (KernelMap again = KernelMap.open(id)) {
                assertThat(again.lookup(le32(7))).hasValueSatisfying(v -> assertThat(v).isEqualTo(le64(42)));
                assertThat(again.spec().name()).isEqualTo(name);
            }
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void programInfoAgreesWithTheLoadAndWithBpftool() throws Exception {
        Kernel.assumeBpffs();
        String name = uniqueName("ko_prog_");
        Path pin = Kernel.uniquePin();
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP, xdpPass(), "GPL", LoadOptions.defaults().withName(name))) {
            p.pin(pin);
            KernelObjects.ProgInfo info = KernelObjects.pinnedProgram(pin);
            assertThat(info.type()).contains(ProgramType.XDP);
            assertThat(info.name()).isEqualTo(name);
            assertThat(info.gplCompatible()).isTrue();
            assertThat(info.xlatedBytes()).isEqualTo(16); // two instructions
            assertThat(info.tag()).matches("[0-9a-f]{16}");
            assertThat(KernelObjects.program(info.id())).isEqualTo(info);
            assertThat(KernelObjects.programsNamed(name)).extracting(KernelObjects.ProgInfo::id).containsExactly(info.id());
            try (KernelProgram again = KernelProgram.open(info.id())) {
                assertThat(again.type()).isEqualTo(ProgramType.XDP);
            }
            String bpftool = bpftool("-j", "prog", "show", "id", Integer.toString(info.id()));
            assertThat(bpftool).contains("\"id\":" + info.id(), "\"type\":\"xdp\"", "\"name\":\"" + name + "\"",
                    "\"tag\":\"" + info.tag() + "\"", "\"bytes_xlated\":" + info.xlatedBytes(), "\"bytes_memlock\":" + info.memlock());
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void xdpLinkShowsItsInterfaceAndDetachesById() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "ip netns unavailable (iproute2, root)");
        try (VethPair veth = VethPair.create();
             KernelProgram p = KernelProgram.load(ProgramType.XDP, xdpPass(), "GPL", LoadOptions.defaults().withName("ko_link"));
             Link link = p.attachXdp(veth.a(), Link.XdpMode.GENERIC)) {
            int ifindex = KernelObjects.interfaceIndex(veth.a()).orElseThrow();
            KernelObjects.LinkInfo info = KernelObjects.links().stream()
                    .filter(l -> l.target() instanceof KernelObjects.Target.Xdp x && x.ifindex() == ifindex).findFirst().orElseThrow();
            assertThat(info.typeName()).isEqualTo("xdp");
            assertThat(KernelObjects.program(info.progId()).name()).isEqualTo("ko_link");
            assertThat(KernelObjects.interfaceName(ifindex)).contains(veth.a());
            // this bpftool (7.1) prints no xdp ifindex: the id, type and program are what both say
            assertThat(bpftool("-j", "link", "show", "id", Integer.toString(info.id())))
                    .contains("\"id\":" + info.id(), "\"type\":\"xdp\"", "\"prog_id\":" + info.progId());
            KernelObjects.detachLink(info.id());
            // BPF_LINK_DETACH leaves the link, defunct: its interface is gone from it
            assertThat(KernelObjects.link(info.id()).target()).isEqualTo(new KernelObjects.Target.Xdp(0));
        }
    }

    @Test
    void rawTracepointLinkNamesItsTracepoint() {
        Kernel.assumeAvailable();
        try (KernelProgram p = KernelProgram.load(ProgramType.RAW_TRACEPOINT, new Program(List.of(Insn.mov64Imm(0, 0), Insn.exit())), "GPL");
             Link link = p.attachRawTracepoint("sched_switch")) {
            List<KernelObjects.LinkInfo> mine = KernelObjects.links().stream()
                    .filter(l -> l.target().equals(new KernelObjects.Target.RawTracepoint("sched_switch"))).toList();
            assertThat(mine).isNotEmpty().allSatisfy(l -> assertThat(l.typeName()).isEqualTo("raw_tracepoint"));
        }
    }

    @Test
    void tracepointLinkIsAPerfEventNamingItsTracepoint() {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        try (KernelProgram p = KernelProgram.load(ProgramType.TRACEPOINT, new Program(List.of(Insn.mov64Imm(0, 0), Insn.exit())), "GPL",
                LoadOptions.defaults().withName("ko_tp"));
             Link link = p.attachTracepoint("syscalls", "sys_enter_getppid")) {
            // other processes' programs come and go: only this test's program's links are looked at
            List<Integer> mine = KernelObjects.programsNamed("ko_tp").stream().map(KernelObjects.ProgInfo::id).toList();
            assertThat(KernelObjects.links().stream().filter(l -> mine.contains(l.progId()))).anySatisfy(l -> {
                assertThat(l.typeName()).isEqualTo("perf_event");
                assertThat(l.target()).isEqualTo(new KernelObjects.Target.PerfEvent("tracepoint", "sys_enter_getppid", 0));
            });
        }
    }

    @Test
    void kernelBtfReadsBackAsVmlinux() throws IOException {
        Kernel.assumeAvailable();
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no /sys/kernel/btf/vmlinux");
        KernelObjects.BtfInfo info = KernelObjects.btfs().stream().filter(b -> b.kernel() && b.name().equals("vmlinux"))
                .findFirst().orElseThrow();
        byte[] data = KernelObjects.btfData(info.id());
        assertThat(data).isEqualTo(Files.readAllBytes(vmlinux));
        assertThat(Btf.parse(data).typeByName("task_struct")).isPresent();
        assertThat(KernelObjects.btf(info.id())).isEqualTo(info);
    }

    @Test
    void missingIdsAndPinsAndWrongKindsSayWhat() throws IOException {
        Kernel.assumeBpffs();
        assertThatThrownBy(() -> KernelObjects.program(Integer.MAX_VALUE)).isInstanceOf(KernelObjects.NotFoundException.class)
                .hasMessage("no program with id " + Integer.MAX_VALUE);
        assertThatThrownBy(() -> KernelMap.open(Integer.MAX_VALUE)).hasMessage("no map with id " + Integer.MAX_VALUE);
        Path nowhere = Kernel.uniquePin();
        assertThatThrownBy(() -> KernelObjects.pinnedLink(nowhere)).hasMessage("nothing is pinned at " + nowhere);
        Path pin = Kernel.uniquePin();
        try (KernelMap map = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1))) {
            map.pin(pin);
            assertThatThrownBy(() -> KernelObjects.pinnedProgram(pin)).hasMessage(pin + " is a map, not a program");
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void tcxLinkReportsItsDirection() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "ip netns unavailable (iproute2, root)");
        try (VethPair veth = VethPair.create();
             KernelProgram p = KernelProgram.load(ProgramType.SCHED_CLS, new Program(List.of(Insn.mov64Imm(0, 0), Insn.exit())), "GPL",
                     LoadOptions.defaults().withExpectedAttachType(AttachType.TCX_EGRESS));
             Link link = p.attachTcx(veth.a(), AttachType.TCX_EGRESS)) {
            int ifindex = KernelObjects.interfaceIndex(veth.a()).orElseThrow();
            assertThat(KernelObjects.links()).anySatisfy(l -> {
                assertThat(l.typeName()).isEqualTo("tcx");
                assertThat(l.target()).isEqualTo(new KernelObjects.Target.Interface(ifindex, java.util.Optional.of(AttachType.TCX_EGRESS)));
            });
        }
    }

    /** bpftool's output, or a skip when it is not installed. */
    static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bpftool"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no bpftool to compare with");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.maps.RingBufferReader;
import org.bpf4j.progtype.AttachType;
import org.junit.jupiter.api.Test;

/**
 * Programs attached for real, with BPF links: a tracepoint counting this process's getppid() calls, XDP and
 * tcx on one end of a veth pair whose other end lives in a network namespace the test creates and removes.
 * Each checks that the hook fires while the link is open and stops once it is closed.
 */
class AttachTest {
    private static BpfObject object() throws IOException {
        try (InputStream in = AttachTest.class.getResourceAsStream("/bpf/attach.bpf.o")) {
            return BpfObject.parse("attach.bpf.o", in.readAllBytes());
        }
    }

    private static long count(KernelObject k, int slot) {
        return Kernel.int64(k.maps().get("counts").lookup(Kernel.le32(slot)).orElseThrow());
    }

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private static void getppid(int times) throws Throwable {
        for (int i = 0; i < times; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
    }

    /** How a test attaches a program (a checked exception passes through). */
    @FunctionalInterface
    private interface Attach {
        Link to(KernelProgram program) throws Exception;
    }

    /**
     * Loads {@code program}, attaches it, and checks that it counts exactly this process's {@code calls}
     * getppid() calls in slot {@code slot} while the link is open and no more once it is closed.
     */
    private static void countsCallsUntilClosed(String program, Attach attach, String linkName, int slot, int calls) throws Throwable {
        try (KernelObject k = KernelObject.load(object(), Optional.of(program))) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(ProcessHandle.current().pid()));
            try (Link link = attach.to(k.program(program).orElseThrow())) {
                assertThat(link).hasToString(linkName);
                getppid(calls);
                assertThat(count(k, slot)).isEqualTo(calls);
            }
            getppid(3);
            assertThat(count(k, slot)).as("detached when the link closed").isEqualTo(calls);
        }
    }

    @Test
    void aTracepointLinkCountsThisProcesssCallsUntilItIsClosed() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing (needs CONFIG_FTRACE_SYSCALLS)");
        countsCallsUntilClosed("count_getppid", p -> p.attachTracepoint("syscalls", "sys_enter_getppid"),
                "tracepoint syscalls/sys_enter_getppid", 0, 5);
    }

    @Test
    void aRawTracepointSeesTheSyscallNumberInItsArguments() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the program compares with x86-64's __NR_getppid");
        countsCallsUntilClosed("raw_count_getppid", p -> p.attachRawTracepoint("sys_enter"), "raw tracepoint sys_enter", 4, 7);
    }

    @Test
    void cpuClockSamplingHitsABusyThreadOnEveryCpuLink() throws Throwable {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.of("sample"))) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(ProcessHandle.current().pid()));
            try (Link link = k.program("sample").orElseThrow().attachCpuClockSampling(997)) {
                assertThat(link.toString()).startsWith("cpu-clock sampling at 997 Hz on ").endsWith(" CPUs");
                // spin until a sample lands in this process: at 997 Hz on a busy thread that is milliseconds,
                // bounded so that a broken attachment fails instead of hanging
                long spun = 0;
                for (long deadline = System.nanoTime() + 10_000_000_000L; count(k, 5) == 0 && System.nanoTime() < deadline; ) {
                    for (int i = 0; i < 1_000_000; i++) spun += i ^ spun;
                }
                assertThat(count(k, 5)).as("samples in this process (spun %d)", spun).isPositive();
                assertThatThrownBy(() -> link.pin(Kernel.uniquePin())).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("pin each CPU's own");
            }
            long samples = count(k, 5);
            long spun = 0;
            for (long deadline = System.nanoTime() + 200_000_000L; System.nanoTime() < deadline; ) {
                for (int i = 0; i < 100_000; i++) spun += i ^ spun; // busy for 0.2 s, without the links
            }
            assertThat(count(k, 5)).as("no samples once the links are closed (spun %d)", spun).isEqualTo(samples);
        }
    }

    /** The libc this JVM runs with, from /proc/self/maps. */
    private static Optional<Path> libc() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(f -> f.startsWith("/") && Path.of(f).getFileName().toString().startsWith("libc.so"))
                .findFirst().map(Path::of);
    }

    @Test
    void uprobeAndUretprobeOnLibcCountThisProcesssCalls() throws Throwable {
        Kernel.assumeAvailable();
        Optional<Path> libc = libc();
        assumeTrue(libc.isPresent(), "no libc.so mapped in this JVM");
        assumeTrue(Files.isReadable(Path.of("/sys/bus/event_source/devices/uprobe/type")), "this kernel has no uprobe PMU");
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(ProcessHandle.current().pid()));
            java.util.OptionalInt self = java.util.OptionalInt.of((int) ProcessHandle.current().pid());
            try (Link entry = k.program("probe_entry").orElseThrow().attachUprobe(libc.get(), "getppid", 0, false, self);
                 Link exit = k.program("probe_return").orElseThrow().attachUprobe(libc.get(), "getppid", 0, true, java.util.OptionalInt.empty())) {
                assertThat(entry.toString()).isEqualTo("uprobe " + libc.get() + ":getppid (pid " + self.getAsInt() + ")");
                assertThat(exit.toString()).isEqualTo("uretprobe " + libc.get() + ":getppid");
                getppid(4);
                assertThat(count(k, 6)).as("entries").isEqualTo(4);
                assertThat(count(k, 7)).as("returns").isEqualTo(4);
            }
            getppid(2);
            assertThat(count(k, 6)).as("detached when the link closed").isEqualTo(4);
        }
    }

    @Test
    void aFunctionTheBinaryDoesNotHaveIsAnError() throws Throwable {
        Kernel.assumeAvailable();
        Optional<Path> libc = libc();
        assumeTrue(libc.isPresent(), "no libc.so mapped in this JVM");
        try (KernelObject k = KernelObject.load(object(), Optional.of("probe_entry"))) {
            assertThatThrownBy(() -> k.program("probe_entry").orElseThrow().attachUprobe(libc.get(), "bpf4j_no_such_function", 0,
                    false, java.util.OptionalInt.empty()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no function bpf4j_no_such_function in " + libc.get());
            assertThatThrownBy(() -> k.program("probe_entry").orElseThrow().attachUprobe(libc.get(), "getppidd", 0,
                    false, java.util.OptionalInt.empty()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no function getppidd in " + libc.get() + " (closest: getppid");
            Path notElf = Files.createTempFile("bpf4j", ".txt");
            try {
                assertThatThrownBy(() -> ElfSymbols.functionOffset(notElf, "main"))
                        .isInstanceOf(IllegalArgumentException.class).hasMessage(notElf + " is not a 64-bit little-endian ELF file");
            } finally {
                Files.delete(notElf);
            }
        }
    }

    private static boolean kprobePmu() {
        return Files.isReadable(Path.of("/sys/bus/event_source/devices/kprobe/type"));
    }

    @Test
    void aKprobeOnTheGetppidSyscallCountsThisProcesssCalls() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(kprobePmu(), "this kernel has no kprobe PMU (built without CONFIG_KPROBES): kprobes cannot attach here");
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "the syscall's kernel function is x86-64's __x64_sys_getppid");
        try (KernelObject k = KernelObject.load(object(), Optional.of("probe_entry"))) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(ProcessHandle.current().pid()));
            try (Link link = k.program("probe_entry").orElseThrow().attachKprobe("__x64_sys_getppid", 0, false)) {
                assertThat(link).hasToString("kprobe __x64_sys_getppid");
                getppid(3);
                assertThat(count(k, 6)).isEqualTo(3);
            }
        }
    }

    @Test
    void withoutAKprobePmuTheKernelsReasonIsTheError() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(!kprobePmu(), "this kernel has a kprobe PMU: aKprobeOnTheGetppidSyscallCountsThisProcesssCalls attaches for real");
        try (KernelObject k = KernelObject.load(object(), Optional.of("probe_entry"))) {
            assertThatThrownBy(() -> k.program("probe_entry").orElseThrow().attachKprobe("do_unlinkat", 0, false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("this kernel has no kprobe PMU (no /sys/bus/event_source/devices/kprobe/type): it is built without CONFIG_KPROBES");
        }
    }

    @Test
    void attachAllAttachesEveryProgramWhoseSectionNamesItsHook() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "raw_count_getppid compares with x86-64's __NR_getppid");
        try (KernelObject k = KernelObject.load(object(), Optional.empty()); VethPair pair = VethPair.create()) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(ProcessHandle.current().pid()));
            assertThatThrownBy(() -> k.attachAll(Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("xdp attaches to an interface: name one");
            List<Link> links = k.attachAll(Optional.of(pair.a()));
            try {
                // tracepoint/..., raw_tp/..., xdp: the uprobes name no binary, tc no direction, perf_event no frequency
                assertThat(links).map(Link::toString).containsExactlyInAnyOrder("tracepoint syscalls/sys_enter_getppid",
                        "tracepoint syscalls/sys_enter_getppid", "raw tracepoint sys_enter", "xdp on " + pair.a());
                getppid(3);
                assertThat(count(k, 0)).isEqualTo(3);
                assertThat(count(k, 4)).isEqualTo(3);
            } finally {
                links.forEach(Link::close);
            }
        }
    }

    @Test
    void theKernelsRingBufferReadsWithTheSameReaderAcrossManyWraps() throws Throwable {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        try (KernelObject k = KernelObject.load(object(), Optional.of("ring_getppid"))) {
            long pid = ProcessHandle.current().pid();
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(pid));
            try (KernelRingBuffer ring = k.maps().get("events").ringBuffer();
                 Link link = k.program("ring_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                RingBufferReader reader = new RingBufferReader(ring);
                long expected = 0;
                // 24 bytes a record in a 4096-byte ring: 40 rounds of 100 wrap it about 23 times
                for (int round = 0; round < 40; round++) {
                    getppid(100);
                    for (int i = 0; i < 100; i++) {
                        byte[] rec = reader.take(java.time.Duration.ofSeconds(10)).orElseThrow(
                                () -> new AssertionError("a record the program submitted did not arrive"));
                        assertThat(rec).hasSize(16);
                        assertThat(Kernel.int64(java.util.Arrays.copyOf(rec, 8))).isEqualTo(expected++);
                        assertThat(Kernel.int64(java.util.Arrays.copyOfRange(rec, 8, 16))).isEqualTo(pid);
                    }
                }
                assertThat(reader.poll()).isEmpty();
                assertThat(reader.available()).isZero();
            }
        }
    }

    @Test
    void unknownTracepointsAndInterfacesAreOneLineErrors() throws Throwable {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.empty())) {
            assertThatThrownBy(() -> k.program("count_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_nonexistent"))
                    .satisfiesAnyOf(
                            e -> assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no tracepoint syscalls/sys_enter_nonexistent in this kernel"),
                            e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("tracefs is not mounted"));
            assertThatThrownBy(() -> k.program("count_getppid").orElseThrow().attachTracepoint("../x", "y"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("'../x/y' is not a tracepoint name");
            assertThatThrownBy(() -> k.program("xdp_drop_udp").orElseThrow().attachXdp("bpf4j-none0", Link.XdpMode.GENERIC))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no interface bpf4j-none0 in this network namespace");
            assertThatThrownBy(() -> k.program("xdp_drop_udp").orElseThrow().attachXdp("lp", Link.XdpMode.GENERIC))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("no interface lp in this network namespace (closest: lo)");
            assertThatThrownBy(() -> k.program("tc_count").orElseThrow().attachTcx("lo", AttachType.XDP))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("tcx attaches at TCX_INGRESS or TCX_EGRESS, not XDP");
        }
    }

    /** Sends from b until a's socket receives a datagram (the link comes up, ARP resolves), at most 50 times. */
    private static boolean delivered(VethPair pair, DatagramSocket socket) throws IOException, InterruptedException {
        socket.setSoTimeout(200);
        for (int i = 0; i < 50; i++) {
            pair.sendFromB(socket.getLocalPort());
            try {
                socket.receive(new DatagramPacket(new byte[64], 64));
                return true;
            } catch (SocketTimeoutException e) {
                // not yet: send again
            }
        }
        return false;
    }

    @Test
    void xdpOnAVethDropsWhatTheProgramDropsUntilTheLinkCloses() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
        try (KernelObject k = KernelObject.load(object(), Optional.of("xdp_drop_udp"));
             VethPair pair = VethPair.create();
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 0))) {
            assertThat(delivered(pair, socket)).as("a datagram crosses the pair before anything is attached").isTrue();
            try (Link link = k.program("xdp_drop_udp").orElseThrow().attachXdp(pair.a(), Link.XdpMode.GENERIC)) {
                assertThat(link.toString()).isEqualTo("xdp on " + pair.a() + " (generic)");
                for (int i = 0; i < 50 && count(k, 1) == 0; i++) pair.sendFromB(socket.getLocalPort());
                assertThat(count(k, 1)).as("UDP frames the XDP program saw").isPositive();
                socket.setSoTimeout(500);
                assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[64], 64)))
                        .as("XDP_DROP: nothing reaches the socket").isInstanceOf(SocketTimeoutException.class);
            }
            long seen = count(k, 1);
            assertThat(delivered(pair, socket)).as("delivered again once the link is closed").isTrue();
            assertThat(count(k, 1)).as("the program no longer runs").isEqualTo(seen);
        }
    }

    @Test
    void tcxIngressSeesTheFramesAndLetsThemThrough() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
        try (KernelObject k = KernelObject.load(object(), Optional.of("tc_count"));
             VethPair pair = VethPair.create();
             DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 0))) {
            try (Link link = k.program("tc_count").orElseThrow().attachTcx(pair.a(), AttachType.TCX_INGRESS)) {
                assertThat(link.toString()).isEqualTo("tcx ingress on " + pair.a());
                assertThat(delivered(pair, socket)).as("TCX_PASS lets the datagram through").isTrue();
                assertThat(count(k, 2)).as("frames the tc program saw at ingress").isPositive();
            }
            long seen = count(k, 2);
            assertThat(delivered(pair, socket)).isTrue();
            assertThat(count(k, 2)).as("detached when the link closed").isEqualTo(seen);
        }
    }
}

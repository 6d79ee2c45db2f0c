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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.progtype.AttachType;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * The hooks beyond AttachTest's, attached for real: cgroup v2 hooks on a cgroup the test mounts and makes,
 * which a child shell joins before connecting, creating a socket and reading a sysctl; a socket filter on a UDP
 * socket on loopback; tp_btf and a BPF iterator; fentry, fexit, LSM and kprobe_multi, which this machine's kernel
 * may refuse: those skip with the kernel's own reason.
 */
class HooksTest {
    private static BpfObject object() throws IOException {
        return object("hooks.bpf.o");
    }

    private static BpfObject object(String name) throws IOException {
        try (InputStream in = HooksTest.class.getResourceAsStream("/bpf/" + name)) {
            return BpfObject.parse(name, in.readAllBytes());
        }
    }

    private static long count(KernelObject k, int slot) {
        return Kernel.int64(k.maps().get("counts").lookup(Kernel.le32(slot)).orElseThrow());
    }

    private static void assumeCgroup2() {
        Kernel.assumeAvailable();
        String reason = CgroupV2.unavailableReason();
        assumeTrue(reason.isEmpty(), reason);
    }

    @Test
    void cgroupHooksCountWhatAProcessInTheCgroupDoesAndNothingElse() throws Exception {
        assumeCgroup2();
        try (KernelObject k = KernelObject.load(object(), Optional.empty());
             CgroupV2 cg = CgroupV2.create();
             ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            String inside = "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort() + " && cat /proc/sys/kernel/ostype > /dev/null";
            List<Link> links = List.of(
                    k.program("connect4").orElseThrow().attachCgroup(cg.child(), AttachType.CGROUP_INET4_CONNECT),
                    k.program("sock_create").orElseThrow().attachCgroup(cg.child(), AttachType.CGROUP_INET_SOCK_CREATE),
                    k.program("skb_egress").orElseThrow().attachCgroup(cg.child(), AttachType.CGROUP_INET_EGRESS),
                    k.program("sysctl_read").orElseThrow().attachCgroup(cg.child(), AttachType.CGROUP_SYSCTL));
            try {
                assertThat(links.getFirst()).hasToString("cgroup cgroup_inet4_connect on " + cg.child());
                try (Socket outside = new Socket("127.0.0.1", server.getLocalPort())) {
                    assertThat(count(k, 0)).as("a connect outside the cgroup").isZero();
                }
                cg.runInside(inside);
                assertThat(count(k, 0)).as("connect4").isEqualTo(1);
                assertThat(count(k, 1)).as("sock_create").isPositive();
                assertThat(count(k, 2)).as("egress skbs (the SYN at least)").isPositive();
                assertThat(count(k, 3)).as("sysctl reads").isPositive();
            } finally {
                links.forEach(Link::close);
            }
            long[] before = {count(k, 0), count(k, 1), count(k, 2), count(k, 3)};
            cg.runInside(inside);
            assertThat(new long[] {count(k, 0), count(k, 1), count(k, 2), count(k, 3)}).as("detached when the links closed")
                    .containsExactly(before);
        }
    }

    @Test
    void attachAllPutsCgroupSectionsOnTheGivenCgroup() throws Exception {
        assumeCgroup2();
        try (KernelObject k = KernelObject.load(object(), Optional.of("connect4")); CgroupV2 cg = CgroupV2.create();
             ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> k.attachAll(Optional.empty(), Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("cgroup hooks attach to a cgroup v2 directory: name one");
            List<Link> links = k.attachAll(Optional.empty(), Optional.of(cg.child()));
            try {
                assertThat(links).map(Link::toString).containsExactly("cgroup cgroup_inet4_connect on " + cg.child());
                cg.runInside("exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort());
                assertThat(count(k, 0)).isEqualTo(1);
            } finally {
                links.forEach(Link::close);
            }
        }
    }

    @Test
    void aCgroupOutsideCgroup2IsAOneLineError() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.of("connect4"))) {
            KernelProgram p = k.program("connect4").orElseThrow();
            assertThatThrownBy(() -> p.attachCgroup(java.nio.file.Path.of("/tmp"), AttachType.CGROUP_INET4_CONNECT))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("/tmp is not in a cgroup v2 hierarchy (");
            assertThatThrownBy(() -> p.attachCgroup(java.nio.file.Path.of("/sys/fs/cgroup/bpf4j-none"), AttachType.CGROUP_INET4_CONNECT))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("no cgroup /sys/fs/cgroup/bpf4j-none: not a directory");
        }
    }

    @Test
    void aSocketFilterSeesTheDatagramsOfItsSocketUntilTheLinkCloses() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.of("udp_filter"));
             DatagramChannel receiver = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
            receiver.bind(new InetSocketAddress("127.0.0.1", 0));
            receiver.socket().setSoTimeout(5000);
            int fd = Sockets.fd(receiver);
            try (Link link = k.program("udp_filter").orElseThrow().attachSocketFilter(fd)) {
                assertThat(link).hasToString("socket filter on fd " + fd);
                for (int i = 0; i < 3; i++) assertThat(roundTrip(sender, receiver, "datagram " + i)).isEqualTo("datagram " + i);
                assertThat(count(k, 4)).isEqualTo(3);
                assertThatThrownBy(() -> link.pin(Kernel.uniquePin())).isInstanceOf(IllegalStateException.class)
                        .hasMessage("socket filter on fd " + fd + " is no BPF link: the socket holds the program");
            }
            assertThat(roundTrip(sender, receiver, "after")).isEqualTo("after");
            assertThat(count(k, 4)).as("detached when the link closed").isEqualTo(3);
        }
    }

    /** Sends {@code text} to the receiver and reads what it receives (blocking; the filter keeps datagrams whole). */
    private static String roundTrip(DatagramChannel sender, DatagramChannel receiver, String text) throws IOException {
        sender.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), receiver.getLocalAddress());
        ByteBuffer b = ByteBuffer.allocate(64);
        receiver.receive(b);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    @Test
    void aSocketFilterOnSomethingNotASocketIsRefused() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(object(), Optional.of("udp_filter"))) {
            // fd 0 is this JVM's stdin: no socket
            assertThatThrownBy(() -> k.program("udp_filter").orElseThrow().attachSocketFilter(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("setsockopt(SO_ATTACH_BPF) on fd 0: ENOTSOCK (Socket operation on non-socket): not a socket");
        }
    }

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    @Test
    void tpBtfCountsThisProcesssSyscallsUntilTheLinkCloses() throws Throwable {
        Kernel.assumeAvailable();
        try (KernelObject k = loadOrSkip("btf_sys_enter")) {
            k.maps().get("counts").put(Kernel.le32(9), Kernel.le64(ProcessHandle.current().pid()));
            try (Link link = k.program("btf_sys_enter").orElseThrow().attachTracing(AttachType.TRACE_RAW_TP, "sys_enter")) {
                assertThat(link).hasToString("tp_btf/sys_enter");
                for (int i = 0; i < 5; i++) {
                    int ignored = (int) GETPPID.invokeExact();
                }
                assertThat(count(k, 5)).as("this process's syscalls, 5 getppid among them").isGreaterThanOrEqualTo(5);
            }
            long seen = count(k, 5);
            for (int i = 0; i < 5; i++) {
                int ignored = (int) GETPPID.invokeExact();
            }
            assertThat(count(k, 5)).as("detached when the link closed").isEqualTo(seen);
        }
    }

    @Test
    void uprobeMultiOnALibcGlobCountsThisProcesssGetppidCalls() throws Throwable {
        Kernel.assumeAvailable();
        java.nio.file.Path libc = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(f -> f.startsWith("/") && java.nio.file.Path.of(f).getFileName().toString().startsWith("libc.so"))
                .findFirst().map(java.nio.file.Path::of).orElse(null);
        assumeTrue(libc != null, "no libc.so mapped in this JVM");
        try (KernelObject k = loadOrSkip("multi_getppid")) {
            int pid = (int) ProcessHandle.current().pid();
            k.maps().get("counts").put(Kernel.le32(9), Kernel.le64(pid));
            try (Link link = k.program("multi_getppid").orElseThrow().attachUprobeMulti(libc, "getpp?d", false, java.util.OptionalInt.of(pid))) {
                assertThat(link).hasToString("uprobe.multi/" + libc + ":getpp?d (1 function, pid " + pid + ")");
                for (int i = 0; i < 4; i++) {
                    int ignored = (int) GETPPID.invokeExact();
                }
                assertThat(count(k, 10)).isEqualTo(4);
            }
            int ignored = (int) GETPPID.invokeExact();
            assertThat(count(k, 10)).as("detached when the link closed").isEqualTo(4);
            assertThatThrownBy(() -> k.program("multi_getppid").orElseThrow().attachUprobeMulti(libc, "getppidd*", false,
                    java.util.OptionalInt.empty())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("no function matches getppidd* in " + libc + " (closest: getppid");
        }
    }

    @Test
    void aBpfMapIteratorListsTheIdOfThisObjectsMap() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = loadOrSkip("map_ids"); Link link = k.program("map_ids").orElseThrow().attachIterator("bpf_map")) {
            assertThat(link).hasToString("iter/bpf_map");
            List<String> ids = new String(link.readIterator(), StandardCharsets.US_ASCII).lines().toList();
            assertThat(ids).contains(Integer.toString(k.maps().get("counts").id()));
            assertThat(count(k, 6)).as("one program run per map").isEqualTo(ids.size());
            assertThat(new String(link.readIterator(), StandardCharsets.US_ASCII).lines()).as("each read runs it anew")
                    .contains(Integer.toString(k.maps().get("counts").id()));
        }
    }

    /** Loads one program, or skips with the kernel's reason when it refuses (lockdown, a missing config). */
    private static KernelObject loadOrSkip(String program) throws IOException {
        return loadOrSkip(object(), program);
    }

    private static KernelObject loadOrSkip(BpfObject object, String program) {
        try {
            return KernelObject.load(object, Optional.of(program));
        } catch (BpfException e) { // KernelLoadException too
            throw new TestAbortedException("the kernel refuses to load " + program + ": " + e.getMessage());
        }
    }

    /** Attaches, or skips with the kernel's reason when it refuses to attach. */
    private static Link attachOrSkip(KernelObject k, String program, AttachPoint point) {
        try {
            return point.attach(k.program(program).orElseThrow(), Optional.empty());
        } catch (BpfException e) {
            throw new TestAbortedException("the kernel refuses to attach " + program + ": " + e.getMessage());
        }
    }

    @Test
    void fentryAndFexitOnDoUnlinkatSeeAnUnlink() throws Exception {
        Kernel.assumeAvailable();
        for (String program : List.of("fentry_unlinkat", "fexit_unlinkat")) {
            try (KernelObject k = loadOrSkip(object("hooks_tracing.bpf.o"), program);
                 Link link = attachOrSkip(k, program, AttachPoint.of(program.startsWith("fentry") ? "fentry/do_unlinkat" : "fexit/do_unlinkat").orElseThrow())) {
                java.nio.file.Path f = java.nio.file.Files.createTempFile("bpf4j", ".tmp");
                java.nio.file.Files.delete(f);
                assertThat(count(k, program.startsWith("fentry") ? 0 : 1)).as(program).isPositive();
            }
        }
    }

    @Test
    void anLsmProgramOnFileOpenSeesAnOpen() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = loadOrSkip(object("hooks_tracing.bpf.o"), "lsm_file_open");
             Link link = attachOrSkip(k, "lsm_file_open", new AttachPoint.Tracing(AttachType.LSM_MAC, "file_open"))) {
            java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/stat"));
            assertThat(count(k, 2)).isPositive();
        }
    }

    @Test
    void kprobeMultiOnAGlobSeesAnUnlink() throws Exception {
        Kernel.assumeAvailable();
        try (KernelObject k = loadOrSkip(object("hooks_tracing.bpf.o"), "multi_unlinkat");
             Link link = attachOrSkip(k, "multi_unlinkat", new AttachPoint.KprobeMulti("do_unlinkat*", false))) {
            assertThat(link.toString()).startsWith("kprobe.multi/do_unlinkat* (");
            java.nio.file.Path f = java.nio.file.Files.createTempFile("bpf4j", ".tmp");
            java.nio.file.Files.delete(f);
            assertThat(count(k, 3)).isPositive();
        }
    }

    @Test
    void tracingTargetsTheKernelLacksAreOneLineErrorsWithTheClosestNames() {
        Kernel.assumeAvailable();
        assertThatThrownBy(() -> AttachBtf.id(AttachType.TRACE_FENTRY, "fentry/do_unlinkatt", "do_unlinkatt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no kernel function do_unlinkatt in the kernel's BTF for fentry/do_unlinkatt (closest: do_unlinkat");
        assertThatThrownBy(() -> AttachBtf.id(AttachType.TRACE_RAW_TP, "tp_btf/sys_entr", "sys_entr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no BTF tracepoint sys_entr (no typedef btf_trace_sys_entr) in the kernel's BTF for tp_btf/sys_entr (closest: sys_enter");
        assertThatThrownBy(() -> KernelSymbols.matching("do_unlinkatt*"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("no kernel function matches do_unlinkatt* (closest: do_unlinkat");
    }
}

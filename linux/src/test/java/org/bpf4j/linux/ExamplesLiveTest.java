package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.maps.RingBufferReader;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of examples/trace, examples/tc and examples/uprobe, live: each test makes the example's event
 * happen (a TCP connect, datagrams across a veth pair, calls of a user function) and asserts what the
 * program saw. Network traffic goes only across a veth pair into a namespace the test creates.
 */
class ExamplesLiveTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("bpf4j.root", "..")).resolve("examples");

    private static void assumeTracepoint(String category, String name) {
        Path id = Path.of("/sys/kernel/tracing/events", category, name, "id");
        assumeTrue(Files.isReadable(id), "no tracefs event " + category + "/" + name
                + ": mount -t tracefs tracefs /sys/kernel/tracing");
    }

    private static void assumeVeth() {
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
    }

    /** tcpconnect.bpf.c's struct event: pid, family, dport, saddr[16], daddr[16], comm[16]. */
    private record Connect(long pid, int family, int dport, byte[] saddr, byte[] daddr, String comm) {
        static Connect of(byte[] r) {
            ByteBuffer b = ByteBuffer.wrap(r).order(ByteOrder.LITTLE_ENDIAN);
            String comm = new String(r, 40, 16, StandardCharsets.US_ASCII);
            int nul = comm.indexOf('\0');
            return new Connect(Integer.toUnsignedLong(b.getInt(0)), b.getShort(4) & 0xffff, b.getShort(6) & 0xffff,
                    Arrays.copyOfRange(r, 8, 24), Arrays.copyOfRange(r, 24, 40), nul < 0 ? comm : comm.substring(0, nul));
        }
    }

    @Test
    void tcpconnectSeesThisProcesssConnectWithItsAddressesAndPort() throws Exception {
        Kernel.assumeAvailable();
        assumeTracepoint("sock", "inet_sock_set_state");
        assumeVeth();
        long self = ProcessHandle.current().pid();
        try (VethPair pair = VethPair.create();
             KernelObject k = KernelObject.load(BpfObject.open(EXAMPLES.resolve("trace/tcpconnect.bpf.o")), Optional.empty());
             KernelRingBuffer ring = k.map("events").orElseThrow().ringBuffer()) {
            List<Link> links = k.attachAll(Optional.empty());
            try {
                assertThat(links).hasSize(1);
                int port = 40_000 + (int) (self % 20_000);
                // nothing listens in the namespace: b answers the SYN with a RST, after the SYN_SENT transition
                // an AF_INET socket (Java's default is AF_INET6 with v4-mapped addresses)
                try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.INET)) {
                    assertThatThrownBy(() -> s.connect(new InetSocketAddress(pair.addressB(), port))).isInstanceOf(ConnectException.class);
                }
                RingBufferReader reader = new RingBufferReader(ring);
                Connect seen = null;
                for (int i = 0; i < 1000 && seen == null; i++) {
                    Optional<byte[]> r = reader.take(Duration.ofSeconds(5));
                    if (r.isEmpty()) break;
                    Connect c = Connect.of(r.get());
                    if (c.pid() == self && c.dport() == port) seen = c;
                }
                assertThat(seen).as("a record of this process's connect to port %d", port).isNotNull();
                assertThat(seen.family()).isEqualTo(2); // AF_INET
                assertThat(Arrays.copyOf(seen.daddr(), 4)).isEqualTo(InetAddress.getByName(pair.addressB()).getAddress());
                assertThat(Arrays.copyOf(seen.saddr(), 4)).isEqualTo(InetAddress.getByName(pair.addressA()).getAddress());
                assertThat(seen.comm()).isNotEmpty();
                byte[] attempts = k.map("connects").orElseThrow()
                        .lookup(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) port).array()).orElseThrow();
                assertThat(Kernel.int64(attempts)).isGreaterThanOrEqualTo(1);
            } finally {
                links.forEach(Link::close);
            }
        }
    }

    @Test
    void tcpconnectsKprobeVariantVerifiesInBpf4jAndLoadsWhereverItCannotAttach() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(CoreRelocator.KERNEL_BTF), "no kernel BTF for its CO-RE relocations");
        BpfObject object = BpfObject.open(EXAMPLES.resolve("trace/tcpconnect_kprobe.bpf.o"));
        LinkedObject linked = LinkedObject.link(object, CoreRelocator.targetBtf(Optional.empty()));
        for (var p : linked.programs()) {
            assertThat(ObjectVerification.verify(object, p, VerifierOptions.defaults())).as(p.name()).isInstanceOf(VerifierResult.Accepted.class);
        }
        try (KernelObject k = KernelObject.load(object, Optional.empty())) {
            assertThat(k.programs()).containsOnlyKeys("tcp_v4_connect_entry", "tcp_v4_connect_return");
            List<Link> links;
            try {
                links = k.attachAll(Optional.empty());
            } catch (BpfException | IllegalStateException | IllegalArgumentException e) {
                abort("the kprobe on tcp_v4_connect cannot attach here: " + e.getMessage());
                return;
            }
            links.forEach(Link::close);
        }
    }

    /** class_stats[cls].packets of the tc classifier (struct counter { __u64 packets; __u64 bytes; }). */
    private static long packets(KernelObject k, int cls) {
        return Kernel.int64(Arrays.copyOf(k.map("class_stats").orElseThrow().lookup(Kernel.le32(cls)).orElseThrow(), 8));
    }

    private static void sendUntilCounted(KernelObject k, VethPair pair, int port, int cls) throws Exception {
        long before = packets(k, cls);
        for (int i = 0; i < 50 && packets(k, cls) == before; i++) pair.sendFromB(port);
        assertThat(packets(k, cls)).as("packets counted in class %d", cls).isGreaterThan(before);
    }

    @Test
    void theTcClassifierOnTcxIngressDropsSmtpAndCountsEachClass() throws Exception {
        Kernel.assumeAvailable();
        assumeVeth();
        final int interactive = 1, blocked = 3;
        try (KernelObject k = KernelObject.load(BpfObject.open(EXAMPLES.resolve("tc/classifier.bpf.o")), Optional.empty());
             VethPair pair = VethPair.create();
             DatagramSocket smtp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 25));
             DatagramSocket dns = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 53));
             Link link = k.program("tc_classify").orElseThrow().attachTcx(pair.a(), AttachType.TCX_INGRESS)) {
            // cfg_block_port (25): TC_ACT_SHOT, so nothing reaches the socket
            sendUntilCounted(k, pair, 25, blocked);
            smtp.setSoTimeout(500);
            assertThatThrownBy(() -> smtp.receive(new DatagramPacket(new byte[64], 64))).isInstanceOf(SocketTimeoutException.class);
            // port 53: interactive, re-marked (DSCP EF, checksum fixed) and delivered
            sendUntilCounted(k, pair, 53, interactive);
            dns.setSoTimeout(5000);
            DatagramPacket got = new DatagramPacket(new byte[64], 64);
            dns.receive(got);
            assertThat(new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)).isEqualTo("bpf4j\n");
        }
    }

    /** Receives one UDP datagram on ADDR:53 in the namespace and prints its TOS byte (IP_RECVTOS) and payload. */
    private static final String TOS_RECEIVER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
            s.bind((sys.argv[1], 53))
            s.settimeout(30)
            print("ready", flush=True)
            data, anc, flags, addr = s.recvmsg(64, 64)
            tos = [c[2][0] for c in anc if c[0] == socket.IPPROTO_IP and c[1] == socket.IP_TOS]
            print(tos[0] if tos else -1, data.decode(), flush=True)
            """;

    @Test
    void theTcClassifierOnTcxEgressMarksDnsWithDscpEf() throws Exception {
        Kernel.assumeAvailable();
        assumeVeth();
        assumeTrue(run(List.of("python3", "-c", "import socket; socket.IP_RECVTOS")) == 0, "no python3 with IP_RECVTOS to read the TOS byte");
        final int interactive = 1;
        try (KernelObject k = KernelObject.load(BpfObject.open(EXAMPLES.resolve("tc/classifier.bpf.o")), Optional.empty());
             VethPair pair = VethPair.create();
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 0));
             Link link = k.program("tc_classify").orElseThrow().attachTcx(pair.a(), AttachType.TCX_EGRESS)) {
            Process rx = new ProcessBuilder("ip", "netns", "exec", pair.ns(), "python3", "-c", TOS_RECEIVER, pair.addressB())
                    .redirectErrorStream(true).start();
            try {
                var lines = new java.io.BufferedReader(new java.io.InputStreamReader(rx.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(lines.readLine()).isEqualTo("ready");
                byte[] payload = "bpf4j".getBytes(StandardCharsets.US_ASCII);
                InetSocketAddress to = new InetSocketAddress(pair.addressB(), 53);
                // resent until the receiver has one (the first may wait on ARP), at most 50 times
                for (int i = 0; i < 50 && !rx.waitFor(100, TimeUnit.MILLISECONDS); i++) sender.send(new DatagramPacket(payload, payload.length, to));
                String got = lines.readLine();
                // DSCP EF (46) in the upper six bits of TOS, ECN bits 0: 184; the IP checksum was fixed, or it would not arrive
                assertThat(got).isEqualTo("184 bpf4j");
                assertThat(packets(k, interactive)).isPositive();
            } finally {
                rx.destroyForcibly();
            }
        }
    }

    /** addcalls.bpf.c's struct calls: count, sum_a, last_b. */
    @Test
    void aUprobeOnAUserFunctionCountsItsCallsAndCapturesTheArguments(@TempDir Path dir) throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/bus/event_source/devices/uprobe/type")), "this kernel has no uprobe PMU");
        Path target = dir.resolve("target");
        assumeTrue(run(List.of("gcc", "-O1", "-o", target.toString(), EXAMPLES.resolve("uprobe/target.c").toString())) == 0,
                "gcc cannot build examples/uprobe/target.c");
        try (KernelObject k = KernelObject.load(BpfObject.open(EXAMPLES.resolve("uprobe/addcalls.bpf.o")), Optional.empty())) {
            KernelMap calls = k.map("calls").orElseThrow();
            long pid;
            try (Link link = k.program("on_add").orElseThrow().attachUprobe(target, "bpf4j_add", 0, false, OptionalInt.empty())) {
                Process p = new ProcessBuilder(target.toString(), "5").redirectErrorStream(true).start();
                pid = p.pid();
                assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip()).isEqualTo("5010");
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            ByteBuffer v = ByteBuffer.wrap(calls.lookup(Kernel.le32((int) pid)).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(v.getLong(0)).as("calls of bpf4j_add").isEqualTo(5);
            assertThat(v.getLong(8)).as("sum of a: 0+1+2+3+4").isEqualTo(10);
            assertThat(v.getInt(16)).as("last b").isEqualTo(1000);
            // detached: a second run is not seen
            Process again = new ProcessBuilder(target.toString(), "2").redirectErrorStream(true).start();
            again.getInputStream().readAllBytes();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(calls.lookup(Kernel.le32((int) again.pid()))).isEmpty();
        }
    }

    private static int run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }
}

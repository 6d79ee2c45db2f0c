package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.junit.jupiter.api.Test;

/**
 * The XDP firewall of examples/xdp attached for real to one end of a veth pair, with datagrams sent across it
 * from the other end's network namespace: what its rules drop never reaches the socket, what they pass does,
 * and the per-CPU counters move by reason.
 */
class FirewallLiveTest {
    private static final Path FIREWALL = Path.of(System.getProperty("bpf4j.root", "..")).resolve("examples/xdp/firewall.bpf.o");
    private static final int REASON_PASS = 0, REASON_BLOCKED_SRC = 4, REASON_DEFAULT_PORT = 5;
    private static final int TELNET = 23; // cfg_drop_port's default

    /** Packets counted for {@code reason}, summed over the CPUs (struct counter { __u64 packets; __u64 bytes; }). */
    private static long packets(KernelObject k, int reason) {
        return k.maps().get("stats").lookupPerCpu(Kernel.le32(reason)).orElseThrow().stream()
                .mapToLong(v -> ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(0)).sum();
    }

    /** Sends from b to {@code socket}'s port until {@code reason}'s counter moves (at most 50 times). */
    private static void sendUntilCounted(KernelObject k, VethPair pair, DatagramSocket socket, int reason) throws Exception {
        long before = packets(k, reason);
        for (int i = 0; i < 50 && packets(k, reason) == before; i++) pair.sendFromB(socket.getLocalPort());
        assertThat(packets(k, reason)).as("packets counted for reason %d", reason).isGreaterThan(before);
    }

    private static void assertNothingArrives(DatagramSocket socket) throws Exception {
        socket.setSoTimeout(500);
        assertThatThrownBy(() -> socket.receive(new DatagramPacket(new byte[64], 64)))
                .as("XDP_DROP: nothing reaches the socket").isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void dropsWhatItsRulesDropOnARealInterface() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
        try (KernelObject k = KernelObject.load(BpfObject.open(FIREWALL), Optional.empty());
             VethPair pair = VethPair.create();
             DatagramSocket telnet = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), TELNET));
             DatagramSocket other = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(pair.addressA()), 0));
             Link link = k.program("xdp_firewall").orElseThrow().attachXdp(pair.a(), Link.XdpMode.GENERIC)) {
            // rule 6: UDP to cfg_drop_port is dropped, counted as REASON_DEFAULT_PORT
            sendUntilCounted(k, pair, telnet, REASON_DEFAULT_PORT);
            assertNothingArrives(telnet);
            // any other port passes
            sendUntilCounted(k, pair, other, REASON_PASS);
            other.setSoTimeout(5000);
            other.receive(new DatagramPacket(new byte[64], 64));
            // rule 5, filled from Java: b's address in blocked_src (struct src_key { __u32 prefixlen; __be32 addr; })
            byte[] key = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(32)
                    .put(InetAddress.getByName(pair.addressB()).getAddress()).array();
            k.maps().get("blocked_src").put(key, new byte[8]);
            sendUntilCounted(k, pair, other, REASON_BLOCKED_SRC);
            assertNothingArrives(other);
        }
    }
}

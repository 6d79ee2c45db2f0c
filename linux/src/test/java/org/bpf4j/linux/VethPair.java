package org.bpf4j.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Test support: a veth pair, {@code a} in this network namespace and {@code b} in one of its own, with
 * addresses on both ends; {@link #close()} removes the namespace and, with it, the pair. Names are random so
 * that tests never collide.
 */
record VethPair(String ns, String a, String b, String addressA, String addressB) implements AutoCloseable {
    static VethPair create() throws IOException, InterruptedException {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
        int net = 1 + ThreadLocalRandom.current().nextInt(250);
        VethPair p = new VethPair("bpf4j-" + id, "b4j" + id.substring(0, 8) + "a", "b4j" + id.substring(0, 8) + "b",
                "10.254." + net + ".1", "10.254." + net + ".2");
        run("ip", "netns", "add", p.ns);
        try {
            run("ip", "link", "add", p.a, "type", "veth", "peer", "name", p.b, "netns", p.ns);
            run("ip", "addr", "add", p.addressA + "/30", "dev", p.a);
            run("ip", "link", "set", p.a, "up");
            run("ip", "-n", p.ns, "addr", "add", p.addressB + "/30", "dev", p.b);
            run("ip", "-n", p.ns, "link", "set", p.b, "up");
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Sends one UDP datagram from {@code b} to {@code a}'s port (bash's /dev/udp, inside the namespace). */
    void sendFromB(int port) throws IOException, InterruptedException {
        run("ip", "netns", "exec", ns, "bash", "-c", "echo bpf4j > /dev/udp/" + addressA + "/" + port);
    }

    @Override
    public void close() throws IOException {
        try {
            run("ip", "netns", "del", ns); // the veth pair goes with its end in the namespace
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


    /** Runs a command (iproute2's {@code ip}), failing with its output when it fails. */
    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        }
    }

    /** Whether {@code ip netns} works here (iproute2 installed, root). */
    static boolean ipAvailable() {
        try {
            return new ProcessBuilder("ip", "netns", "list").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}

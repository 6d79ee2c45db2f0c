package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * "A bpf4j process killed with SIGKILL leaves nothing attached": a child JVM attaches XDP to a veth it does not
 * own and tracepoints, reports its program and link ids, and is killed with SIGKILL; its links and programs then
 * leave the kernel (asynchronously: a bounded poll) and the interface has no XDP program.
 */
class SigkillTest {

    private static boolean bpftool(String kind, int id) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", kind, "show", "id", Integer.toString(id)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static String ipLink(String iface) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "link", "show", "dev", iface).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    private static boolean bpftoolAvailable() {
        try {
            return new ProcessBuilder("bpftool", "version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void aProcessKilledWithSigkillLeavesNothingAttached() throws Exception {
        Kernel.assumeAvailable();
        assumeTrue(VethPair.ipAvailable(), "no usable `ip` command (iproute2) to make a veth pair and a network namespace");
        assumeTrue(bpftoolAvailable(), "no bpftool to ask the kernel for programs and links by id");
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        String classpath = System.getProperty("jdk.module.path", "") + java.io.File.pathSeparator + System.getProperty("java.class.path");
        try (VethPair pair = VethPair.create()) {
            Process child = new ProcessBuilder(javaCommand, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                    AttachAndWait.class.getName(), pair.a()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                List<Integer> programs = new ArrayList<>(), links = new ArrayList<>();
                CompletableFuture<Boolean> attached = CompletableFuture.supplyAsync(() -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            if (line.equals("attached")) return true;
                            String[] f = line.split(" ");
                            (f[0].equals("prog") ? programs : links).add(Integer.parseInt(f[1]));
                        }
                        return false;
                    } catch (IOException e) {
                        return false;
                    }
                });
                assertThat(attached.get(120, TimeUnit.SECONDS)).as("the child reported its attachments").isTrue();
                assertThat(programs).isNotEmpty();
                assertThat(links).as("xdp, two tracepoints, a raw tracepoint").hasSize(4);
                for (int id : programs) assertThat(bpftool("prog", id)).as("program %d while the child lives", id).isTrue();
                for (int id : links) assertThat(bpftool("link", id)).as("link %d while the child lives", id).isTrue();
                assertThat(ipLink(pair.a())).as("the child's XDP program on the veth").contains("xdp");

                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).as("killed by signal 9").isEqualTo(128 + 9);

                List<String> left = List.of("-");
                for (long deadline = System.nanoTime() + 30_000_000_000L; !left.isEmpty() && System.nanoTime() < deadline; ) {
                    left = new ArrayList<>();
                    for (int id : programs) if (bpftool("prog", id)) left.add("program " + id);
                    for (int id : links) if (bpftool("link", id)) left.add("link " + id);
                    if (ipLink(pair.a()).contains("xdp")) left.add("xdp on " + pair.a());
                    if (!left.isEmpty()) Thread.sleep(100);
                }
                assertThat(left).as("left in the kernel after the SIGKILL").isEmpty();
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}

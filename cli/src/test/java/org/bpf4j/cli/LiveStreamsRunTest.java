package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j run}'s perf event array and bpf_printk streams, {@code --interval}, and {@code --folded} over
 * the profiler example: the command runs in one thread while the test makes the events happen (getppid()
 * calls of this process, a busy C process), and finds them in what the command printed.
 */
class LiveStreamsRunTest {
    private static final Path PERF = ProgCommandTest.ROOT.resolve("cli/src/test/resources/bpf/perfrun.bpf.o");
    private static final Path PROFILE = ProgCommandTest.ROOT.resolve("examples/trace/profile.bpf.o");

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private record Outcome(int exit, String out, String err) {}

    /** Runs the command with {@code args}, doing {@code whileAttached} once it has attached. */
    private static Outcome run(ThrowingRunnable whileAttached, String... args) throws Throwable {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() ->
                Bpf4j.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0])).execute(args));
        for (int i = 0; i < 400 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
        assertThat(err.toString()).as("the command attached (exit %s)", exit.isDone() ? exit.get() : "-").contains("bpf4j: attached");
        whileAttached.run();
        return new Outcome(exit.get(60, TimeUnit.SECONDS), out.toString(), err.toString());
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Throwable;
    }



    private static void getppid(int times) throws Throwable {
        for (int i = 0; i < times; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
    }

    @Test
    void perfSamplesDecodeByFieldAndPrintkLinesStreamAsJson() throws Throwable {
        CliRunner.assumeSyscallTracepoints();
        long pid = ProcessHandle.current().pid();
        Outcome o = run(() -> getppid(4), "run", PERF.toString(), "--duration", "2", "-j");
        assertThat(o.exit()).as(o.err()).isZero();
        List<JsonNode> lines = CliRunner.jsonLines(o.out());
        List<JsonNode> samples = lines.stream().filter(n -> n.has("perf") && n.get("formatted").get("tgid").asLong() == pid).toList();
        assertThat(samples).as(o.out()).hasSize(4).allSatisfy(n -> {
            assertThat(n.get("perf").asText()).isEqualTo("samples");
            assertThat(n.get("formatted").get("cpu").asInt()).as("the ring of the CPU that output it").isEqualTo(n.get("cpu").asInt());
            assertThat(n.get("data").asText()).hasSize(2 * 28); // 24 bytes padded with the u32 size to 8
        });
        assertThat(lines.stream().filter(n -> n.has("printk") && n.get("printk").asText().equals("getppid by " + pid)))
                .as(o.out() + o.err()).hasSize(4).allSatisfy(n -> assertThat(n.get("pid").asLong()).isPositive());
        assertThat(lines.getLast().get("maps").get("total").get(0).get("formatted_value").asLong()).isGreaterThanOrEqualTo(4);
        try (Stream<Path> instances = Files.list(Path.of("/sys/kernel/tracing/instances"))) {
            assertThat(instances.map(p -> p.getFileName().toString())).as("the printk instance removed")
                    .noneMatch(n -> n.startsWith("bpf4j-" + pid + "-"));
        }
    }

    @Test
    void intervalPrintsTheMapsWhileRunningAndAtTheEnd() throws Throwable {
        CliRunner.assumeSyscallTracepoints();
        Outcome o = run(() -> {}, "run", PERF.toString(), "--duration", "2.5", "--interval", "1", "-j");
        assertThat(o.exit()).as(o.err()).isZero();
        // at 1 s and 2 s, then at the end
        assertThat(CliRunner.jsonLines(o.out()).stream().filter(n -> n.has("maps"))).hasSize(3);
        CliRunner bad = CliRunner.run("run", PERF.toString(), "--interval", "0");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--interval must be a positive number of seconds, not 0.0");
    }

    @Test
    void foldedStacksShowABusyProcesssFunctions() throws Throwable {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        Path dir = Files.createTempDirectory("bpf4j-profile-");
        Path src = dir.resolve("spin.c"), exe = dir.resolve("bpf4jspin");
        Process spinner = null;
        try {
            Files.writeString(src, """
                    volatile unsigned long sink;
                    __attribute__((noinline)) void spin_leaf(void) { for (int i = 0; i < 1000; i++) sink += i; }
                    __attribute__((noinline)) void spin_loop(void) { for (;;) spin_leaf(); }
                    int main(void) { spin_loop(); return 0; }
                    """);
            Process cc;
            try {
                cc = new ProcessBuilder("gcc", "-O1", "-fno-omit-frame-pointer", "-o", exe.toString(), src.toString())
                        .redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                assumeTrue(false, "no gcc to build the busy process: " + e.getMessage());
                return;
            }
            assumeTrue(cc.waitFor() == 0, "gcc failed: " + new String(cc.getInputStream().readAllBytes()));
            spinner = new ProcessBuilder(exe.toString()).start();
            Outcome o = run(() -> {}, "run", PROFILE.toString(), "--duration", "2", "--folded");
            assertThat(o.exit()).as(o.err()).isZero();
            assertThat(o.err()).contains("bpf4j: attached cpu-clock sampling at 99 Hz");
            List<String> ours = o.out().lines().filter(l -> l.startsWith("bpf4jspin;")).toList();
            assertThat(ours).as(o.out()).isNotEmpty();
            // main calls spin_loop calls spin_leaf, the outermost frame first, as flamegraph.pl reads it (a leaf
            // function may keep its caller's frame pointer: the frame walk then skips spin_loop)
            assertThat(ours).anySatisfy(l -> assertThat(l).containsPattern(";main;(spin_loop;)?spin_leaf \\d+$"));
            long samples = ours.stream().mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).sum();
            // 99 Hz for 2 s of a process that never sleeps: most of a CPU's samples (bounded below loosely: 2 cores shared)
            assertThat(samples).isBetween(10L, 2 * 99L * Runtime.getRuntime().availableProcessors() + 20);
            assertThat(o.out().lines()).allSatisfy(l -> assertThat(l).matches("\\S.* \\d+"));
        } finally {
            if (spinner != null) {
                spinner.destroyForcibly();
                spinner.waitFor();
            }
            Files.deleteIfExists(exe);
            Files.deleteIfExists(src);
            Files.delete(dir);
        }
    }

    @Test
    void foldedStacksShowASpinningJavaThreadByItsName() throws Throwable {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
        long[] sink = {0};
        // Linux names a thread's task after the Java thread (15 characters): the folded line's first frame
        Thread spinner = Thread.ofPlatform().name("bpf4jjavaspin").start(() -> {
            long x = 1;
            while (spin.get()) x = x * 6364136223846793005L + 1442695040888963407L;
            sink[0] = x;
        });
        try {
            Outcome o = run(() -> {}, "run", PROFILE.toString(), "--duration", "2", "--folded", "-j");
            assertThat(o.exit()).as(o.err()).isZero();
            List<JsonNode> ours = CliRunner.jsonLines(o.out()).stream().filter(n -> n.get("stack").asText().startsWith("bpf4jjavaspin")).toList();
            assertThat(ours).as(o.out()).isNotEmpty();
            // its JIT-compiled frames have no symbols without /tmp/perf-PID.map: [unknown] is what it may say of them
            assertThat(ours.stream().mapToLong(n -> n.get("count").asLong()).sum()).isGreaterThanOrEqualTo(10);
        } finally {
            spin.set(false);
            spinner.join();
        }
    }

    /** This process's open BPF maps, programs and links (their fds' anon inodes). */
    private static long bpfFds() throws java.io.IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("anon_inode:bpf-");
                } catch (java.io.IOException | UnsupportedOperationException gone) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void foldedNeedsAProfilersMapsAndSaysSoBeforeLoadingAnything() throws java.io.IOException {
        long before = bpfFds();
        CliRunner r = CliRunner.run("run", PERF.toString(), "--folded");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--folded needs a stack trace map").doesNotContain("Exception");
        // the object was once loaded before this check and its maps and programs left open
        assertThat(bpfFds()).as("no map or program left open").isEqualTo(before);
    }
}

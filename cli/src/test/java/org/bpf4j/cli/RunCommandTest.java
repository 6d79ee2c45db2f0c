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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j run} for real: the command loads and attaches the object in one thread, the test makes the
 * attached tracepoint fire, and the records and maps the command prints are the calls the test made.
 */
class RunCommandTest {
    private static final Path OBJECT = ProgCommandTest.ROOT.resolve("cli/src/test/resources/bpf/run.bpf.o");

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private record Outcome(int exit, String out, String err) {}

    /** Runs the command with {@code args} while calling getppid() {@code calls} times once it has attached. */
    private static Outcome runWhileCalling(int calls, String... args) throws Throwable {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() ->
                Bpf4j.commandLine(new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0])).execute(args));
        for (int i = 0; i < 200 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
        assertThat(err.toString()).as("the command attached (exit %s)", exit.isDone() ? exit.get() : "-").contains("bpf4j: attached");
        for (int i = 0; i < calls; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
        return new Outcome(exit.get(60, TimeUnit.SECONDS), out.toString(), err.toString());
    }



    private static long u64(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void streamsEachRecordAndPrintsTheMapsAtTheEnd() throws Throwable {
        CliRunner.assumeSyscallTracepoints();
        long pid = ProcessHandle.current().pid();
        Outcome o = runWhileCalling(5, "run", OBJECT.toString(), "--duration", "2");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.err()).contains("bpf4j: attached tracepoint syscalls/sys_enter_getppid");
        List<byte[]> ours = o.out().lines().filter(l -> l.startsWith("events: "))
                .map(l -> HexFormat.of().parseHex(l.substring("events: ".length())))
                .filter(r -> u64(r, 8) == pid).toList();
        assertThat(ours).as(o.out()).hasSize(5);
        for (int i = 1; i < ours.size(); i++) assertThat(u64(ours.get(i), 0)).isGreaterThan(u64(ours.get(i - 1), 0));
        // the map's key and value types from the object's BTF (__u32 tgid, __u64 count), as bpftool prints them
        assertThat(o.out()).contains("map calls (hash): ").contains("  key " + pid + "  value 5");
        assertThat(o.out()).contains("map .bss (array): 1 entry").containsPattern("  key 00000000  value \\{\"seq\":\\d+}");
    }

    @Test
    void jsonIsOneObjectPerLine() throws Throwable {
        CliRunner.assumeSyscallTracepoints();
        Outcome o = runWhileCalling(3, "run", OBJECT.toString(), "--duration", "1.5", "-j");
        assertThat(o.exit()).as(o.err()).isZero();
        List<JsonNode> lines = CliRunner.jsonLines(o.out());
        assertThat(lines.stream().filter(n -> n.has("ring")).count()).isGreaterThanOrEqualTo(3);
        JsonNode calls = lines.getLast().get("maps").get("calls");
        long pid = ProcessHandle.current().pid();
        assertThat(calls).anySatisfy(e -> {
            assertThat(e.get("formatted_key").asLong()).isEqualTo(pid);
            assertThat(e.get("formatted_value").asLong()).isEqualTo(3);
            assertThat(e.get("value").asText()).isEqualTo("0300000000000000");
        });
    }

    @Test
    void opensnoopPrintsEachOpenByFieldNames() throws Throwable {
        CliRunner.assumeSyscallTracepoints();
        Path file = Files.createTempFile("bpf4j-opensnoop-", ".txt");
        try {
            StringWriter out = new StringWriter(), err = new StringWriter();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Bpf4j.commandLine(new PrintWriter(out, true),
                    new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]))
                    .execute("run", ProgCommandTest.ROOT.resolve("examples/trace/opensnoop.bpf.o").toString(), "--duration", "2", "-j"));
            for (int i = 0; i < 200 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
            assertThat(err.toString()).contains("bpf4j: attached tracepoint syscalls/sys_enter_openat");
            Files.readString(file); // an openat(2) of this process
            assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
            List<JsonNode> ours = CliRunner.jsonLines(out.toString()).stream()
                    .filter(n -> n.has("formatted") && n.get("formatted").get("filename").asText().equals(file.toString())).toList();
            assertThat(ours).as(out.toString()).isNotEmpty();
            assertThat(ours.getFirst().get("formatted").get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void execsnoopPrintsEveryProgramStarted() throws Throwable {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/sched/sched_process_exec/id")),
                "no tracefs: mount -t tracefs tracefs /sys/kernel/tracing");
        Path exe = Path.of("/bin/true");
        assumeTrue(Files.isExecutable(exe), "no /bin/true to start");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Bpf4j.commandLine(new PrintWriter(out, true),
                new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]))
                .execute("run", ProgCommandTest.ROOT.resolve("examples/trace/execsnoop.bpf.o").toString(), "--duration", "2", "-j"));
        for (int i = 0; i < 200 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
        assertThat(err.toString()).contains("bpf4j: attached tracepoint sched/sched_process_exec");
        Process started = new ProcessBuilder(exe.toString()).start();
        assertThat(started.waitFor()).isZero();
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        assertThat(CliRunner.jsonLines(out.toString())).as(out.toString()).anySatisfy(n -> {
            assertThat(n.get("formatted").get("pid").asLong()).isEqualTo(started.pid());
            assertThat(n.get("formatted").get("filename").asText()).isEqualTo(exe.toString());
            assertThat(n.get("formatted").get("comm").asText()).isEqualTo("true");
        });
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CliRunner r = CliRunner.run("run", OBJECT.toString(), "--duration", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--duration must be a positive number of seconds, not 0.0");
        CliRunner noHook = CliRunner.run("run", ProgCommandTest.ROOT.resolve("examples/xdp/firewall.bpf.o").toString(), "--duration", "1");
        assertThat(noHook.exit()).isEqualTo(2);
        assumeTrue(KernelAvailability.check().available(), "kernel unavailable: the load itself is refused first");
        assertThat(noHook.err()).contains("xdp attaches to an interface: name one");
    }
}

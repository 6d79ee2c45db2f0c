package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bpf4j.linux.KernelAvailability;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelMapSpec;
import org.bpf4j.maps.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code bpf4j run --pin-root}: a LIBBPF_PIN_BY_NAME map outlives the run and the next run keeps counting in it. */
class PinRootRunTest {
    private static final Path OBJECT = ProgCommandTest.ROOT.resolve("cli/src/test/resources/bpf/pinned_run.bpf.o");

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private Path root;

    @BeforeEach
    void assumeKernel() {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        assumeTrue(k.bpffs(), () -> "bpffs unavailable: " + k.bpffsReason());
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        root = KernelAvailability.BPFFS.resolve("bpf4j-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
    }

    @AfterEach
    void removePins() throws IOException {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Runs {@code bpf4j run OBJECT --pin-root ROOT --duration 1}, calling getppid() {@code calls} times once attached. */
    private String runCalling(int calls) throws Throwable {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> Bpf4j.commandLine(new PrintWriter(out, true),
                new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]))
                .execute("run", OBJECT.toString(), "--pin-root", root.toString(), "--duration", "1"));
        for (int i = 0; i < 200 && !err.toString().contains("bpf4j: attached") && !exit.isDone(); i++) Thread.sleep(50);
        assertThat(err.toString()).contains("bpf4j: attached");
        for (int i = 0; i < calls; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void theSecondRunReusesThePinnedMapAndKeepsCounting() throws Throwable {
        long pid = ProcessHandle.current().pid();
        assertThat(runCalling(3)).contains("  key " + pid + "  value 3");
        assertThat(root.resolve("pinned_calls")).exists();
        assertThat(runCalling(2)).contains("  key " + pid + "  value 5");
    }

    @Test
    void anIncompatiblePinIsAOneLineErrorSayingWhatDiffers() {
        Path pin = root.resolve("pinned_calls");
        try (KernelMap other = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 8, 8))) {
            root.toFile().mkdirs();
            other.pin(pin);
        }
        CliRunner r = CliRunner.run("run", OBJECT.toString(), "--pin-root", root.toString(), "--duration", "1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("bpf4j: pinned_run.bpf.o: cannot load: map 'pinned_calls': the map pinned at " + pin
                + " differs from the object's: max_entries 8 pinned, 1024 in the object (remove the pin or use another --pin-root)");
    }
}

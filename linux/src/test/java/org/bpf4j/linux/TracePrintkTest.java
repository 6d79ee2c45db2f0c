package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bpf4j.elf.BpfObject;
import org.junit.jupiter.api.Test;

/** bpf_printk lines read from a tracefs instance of the reader's own, which it removes when closed. */
class TracePrintkTest {
    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    @Test
    void parsesTracePipeLinesWithAndWithoutTheTgidColumn() {
        assertThat(TracePrintk.Line.parse("           <...>-12345   [001] ...21  4711.123456: bpf_trace_printk: hello: 1-2 [x]"))
                .contains(new TracePrintk.Line("<...>", 12345, 1, "4711.123456", "hello: 1-2 [x]"));
        assertThat(TracePrintk.Line.parse(" java-worker-7-99 (   99) [000] d..3. 12.000001: bpf_trace_printk: x"))
                .contains(new TracePrintk.Line("java-worker-7", 99, 0, "12.000001", "x"));
        assertThat(TracePrintk.Line.parse("# tracer: nop")).isEmpty();
    }

    @Test
    void printkLinesOfAnAttachedProgramArriveAndTheInstanceIsRemoved() throws Throwable {
        Kernel.assumeAvailable();
        BpfObject obj;
        try (InputStream in = TracePrintkTest.class.getResourceAsStream("/bpf/perf.bpf.o")) {
            obj = BpfObject.parse("perf.bpf.o", in.readAllBytes());
        }
        TracePrintk printk;
        try {
            printk = TracePrintk.open();
        } catch (IllegalStateException e) {
            assumeTrue(false, "no printk stream: " + e.getMessage());
            return;
        }
        long pid = ProcessHandle.current().pid();
        List<TracePrintk.Line> lines = new CopyOnWriteArrayList<>();
        Path instance = printk.instance();
        Thread reader = Thread.ofPlatform().start(() -> printk.stream(lines::add));
        try (KernelObject k = KernelObject.load(obj, Optional.of("printk_getppid"))) {
            k.maps().get("config").put(Kernel.le32(0), Kernel.le64(pid));
            try (Link link = k.program("printk_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                for (int i = 0; i < 3; i++) {
                    int ignored = (int) GETPPID.invokeExact();
                }
            }
            // no waiting for the lines: close() itself drains what was recorded before it (its end marker)
        } finally {
            printk.close();
            reader.join(10_000);
        }
        assertThat(reader.isAlive()).as("close() ends a blocked read").isFalse();
        assertThat(lines).filteredOn(l -> l.message().equals("bpf4j printk " + pid)).hasSize(3)
                .allSatisfy(l -> assertThat(l.pid()).as("the task that printed: this process's").isPositive());
        assertThat(Files.exists(instance)).as("the instance removed").isFalse();
    }

    @Test
    void anInstanceLeftByAKilledProcessIsRemovedByTheNextOpen() throws Throwable {
        Kernel.assumeAvailable();
        Path instances = Path.of("/sys/kernel/tracing/instances");
        assumeTrue(Files.isDirectory(instances), "no tracefs instances directory");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path orphan = instances.resolve("bpf4j-" + gone.pid() + "-1");
        Files.createDirectory(orphan); // what a SIGKILLed bpf4j leaves
        try {
            try (TracePrintk printk = TracePrintk.open()) {
                assertThat(Files.exists(orphan)).as("removed: its process is gone").isFalse();
                assertThat(Files.exists(printk.instance())).isTrue();
            }
        } finally {
            if (Files.exists(orphan)) Files.delete(orphan);
        }
    }
}

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
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.maps.RingBufferReader;
import org.junit.jupiter.api.Test;

/**
 * The readers' hot path allocates nothing per record: once warm, consuming thousands of kernel records through
 * a {@link org.bpf4j.maps.RecordHandler} allocates less than a byte per record on the consuming thread.
 */
class ZeroAllocationReadTest {
    private static BpfObject resource(String name) throws IOException {
        try (InputStream in = ZeroAllocationReadTest.class.getResourceAsStream("/bpf/" + name)) {
            return BpfObject.parse(name, in.readAllBytes());
        }
    }

    private static BpfObject perfObject() throws IOException { return resource("perf.bpf.o"); }

    @SuppressWarnings("restricted")
    private static final MethodHandle GETPPID = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("getppid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

    private static void getppid(int times) throws Throwable {
        for (int i = 0; i < times; i++) {
            int ignored = (int) GETPPID.invokeExact();
        }
    }

    private static void assumeTracepoint() {
        Kernel.assumeAvailable();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
    }

    /**
     * Bytes the calling thread has allocated so far: HotSpot's per-thread counter, through reflection (this test
     * module does not read jdk.management; core reflection reads every module).
     */
    private static long allocated() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
    }

    @Test
    void consumingAllocatesNothingPerSample() throws Throwable {
        assumeTracepoint();
        assumeTrue(ModuleLayer.boot().findModule("jdk.management").isPresent(), "jdk.management not in the boot layer: no allocation counter");
        long pid = ProcessHandle.current().pid();
        try (KernelObject k = KernelObject.load(perfObject(), Optional.of("perf_getppid"))) {
            k.maps().get("config").put(Kernel.le32(0), Kernel.le64(pid));
            try (KernelPerfBuffer perf = k.maps().get("samples").perfBuffer(128, 1);
                 Link link = k.program("perf_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                long[] sum = {0, 0};
                org.bpf4j.maps.RecordHandler add = (cpu, s, off, len) -> {
                    sum[0] += s.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
                    sum[1]++;
                };
                for (int warm = 0; warm < 40; warm++) { // records wrap the 512 KiB rings in these rounds too
                    getppid(5000);
                    perf.consume(add);
                }
                getppid(5000);
                long probe = allocated(), before = allocated(); // what reading the counter itself allocates: probe to before
                int n = perf.consume(add);
                long bytes = allocated() - before - (before - probe);
                assertThat(n).isEqualTo(5000);
                // an object per sample would be 16 bytes or more each
                assertThat(bytes).as("bytes allocated consuming %d samples", n).isLessThan(n);
                assertThat(sum[1]).isEqualTo(41 * 5000);
                assertThat(perf.lost()).isZero();
            }
        }
    }

    @Test
    void consumingTheRingBufferAllocatesNothingPerRecord() throws Throwable {
        assumeTracepoint();
        assumeTrue(ModuleLayer.boot().findModule("jdk.management").isPresent(), "jdk.management not in the boot layer: no allocation counter");
        long pid = ProcessHandle.current().pid();
        try (KernelObject k = KernelObject.load(resource("attach.bpf.o"), Optional.of("ring_getppid"))) {
            k.maps().get("counts").put(Kernel.le32(3), Kernel.le64(pid));
            try (KernelRingBuffer ring = k.maps().get("events").ringBuffer();
                 Link link = k.program("ring_getppid").orElseThrow().attachTracepoint("syscalls", "sys_enter_getppid")) {
                RingBufferReader reader = new RingBufferReader(ring);
                long[] sum = {0, 0};
                org.bpf4j.maps.RecordHandler add = (cpu, s, off, len) -> {
                    sum[0] += s.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
                    sum[1]++;
                };
                for (int warm = 0; warm < 200; warm++) { // 24 bytes a record in a 4 KiB ring: 100 a round, wrapping
                    getppid(100);
                    reader.consume(add);
                }
                getppid(100);
                long probe = allocated(), before = allocated(); // what reading the counter itself allocates: probe to before
                int n = reader.consume(add);
                long bytes = allocated() - before - (before - probe);
                assertThat(n).isEqualTo(100);
                // an object per record would be 16 bytes or more each
                assertThat(bytes).as("bytes allocated consuming %d records", n).isLessThan(8L * n);
                assertThat(sum[1]).isEqualTo(201 * 100);
            }
        }
    }
}

package org.bpf4j.helpers;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * What helpers learn from the world outside the program: clocks, randomness, the task that triggered
 * the run, and where trace output goes. Everything a test must fix to be reproducible comes from here
 * (the architecture's "Determinism for tests").
 */
public final class HostEnvironment {
    private final LongSupplier monotonicNanos;
    private final LongSupplier bootNanos;
    private final LongSupplier taiNanos;
    private final long[] randomState; // one xorshift state per CPU slot, as the kernel keeps per-CPU prandom state
    private final Consumer<String> trace;
    private final LongSupplier pidTgid;
    private final long uidGid;
    private final byte[] comm;

    private HostEnvironment(LongSupplier monotonicNanos, LongSupplier bootNanos, LongSupplier taiNanos, long seed, int cpus,
                            Consumer<String> trace, LongSupplier pidTgid, long uidGid, String comm) {
        this.monotonicNanos = monotonicNanos;
        this.bootNanos = bootNanos;
        this.taiNanos = taiNanos;
        this.randomState = new long[Math.max(1, cpus)];
        for (int i = 0; i < randomState.length; i++) randomState[i] = mix(seed + 0x9e3779b97f4a7c15L * (i + 1));
        this.trace = trace;
        this.pidTgid = pidTgid;
        this.uidGid = uidGid;
        this.comm = Arrays.copyOf(comm.getBytes(StandardCharsets.UTF_8), 16);
        this.comm[15] = 0;
    }

    /**
     * The real clocks, a random seed, this JVM's pid as the task's tgid and the calling thread's kernel id as its
     * pid (BPF_PROG_TEST_RUN runs the program in the thread that asked), trace lines to {@code trace}.
     */
    public static HostEnvironment system(int cpus, Consumer<String> trace) {
        long pid = ProcessHandle.current().pid();
        ThreadLocal<Long> tid = ThreadLocal.withInitial(HostEnvironment::kernelThreadId);
        return new HostEnvironment(System::nanoTime, System::nanoTime, HostEnvironment::wallNanos, System.nanoTime() ^ pid, cpus, trace,
                () -> (pid << 32) | (tid.get() & 0xffffffffL), 0, "java");
    }

    /** The calling thread's kernel id (/proc/thread-self links to PID/task/TID), or its Java id where /proc has none. */
    private static long kernelThreadId() {
        try {
            return Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self")).getFileName().toString());
        } catch (java.io.IOException | UnsupportedOperationException | NumberFormatException e) {
            return Thread.currentThread().threadId();
        }
    }

    /**
     * A reproducible environment: the clock starts at {@code startNanos} and advances by
     * {@code stepNanos} at every reading, randomness comes from {@code seed}.
     */
    public static HostEnvironment deterministic(long seed, int cpus, long startNanos, long stepNanos, Consumer<String> trace) {
        long[] clock = {startNanos};
        LongSupplier tick = () -> {
            synchronized (clock) {
                long now = clock[0];
                clock[0] += stepNanos;
                return now;
            }
        };
        return new HostEnvironment(tick, tick, tick, seed, cpus, trace, () -> (4242L << 32) | 4242L, 0, "bpf4j");
    }

    public long monotonicNanos() { return monotonicNanos.getAsLong(); }

    public long bootNanos() { return bootNanos.getAsLong(); }

    /**
     * ktime_get_tai_ns: CLOCK_TAI, the wall clock plus the TAI offset the system set; Java cannot read that
     * offset, so this is the wall clock (the offset is 0 unless an NTP or PTP daemon set it, then 37 s).
     */
    public long taiNanos() { return taiNanos.getAsLong(); }

    private static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** CONFIG_HZ of the reference kernel (6.18 on these machines): 250 ticks a second. */
    public static final long HZ = 250;
    /** One tick, the resolution of the coarse clock. */
    public static final long TICK_NANOS = 1_000_000_000L / HZ;
    /** INITIAL_JIFFIES: the kernel starts jiffies 300 s before wrapping 32 bits. */
    private static final long INITIAL_JIFFIES = (-300L * HZ) & 0xffffffffL;

    /** jiffies on the monotonic clock, at the reference kernel's HZ. */
    public long jiffies() { return monotonicNanos() / TICK_NANOS + INITIAL_JIFFIES; }

    /** ktime_get_coarse_ns: the monotonic time of the last tick. */
    public long coarseNanos() {
        long t = monotonicNanos();
        return t - t % TICK_NANOS;
    }

    /** The next 32 random bits of the given CPU slot's generator. */
    public int prandom(int cpu) {
        int slot = Math.floorMod(cpu, randomState.length);
        long x = randomState[slot];
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        randomState[slot] = x;
        return (int) (x >>> 32);
    }

    public void trace(String line) { trace.accept(line); }

    public long pidTgid() { return pidTgid.getAsLong(); }

    public long uidGid() { return uidGid; }

    /** The task's comm, 16 bytes, NUL-padded. */
    public byte[] comm() { return comm.clone(); }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }
}

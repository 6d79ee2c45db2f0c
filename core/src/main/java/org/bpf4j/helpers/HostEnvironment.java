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
    private final long cgroupId;

    private HostEnvironment(LongSupplier monotonicNanos, LongSupplier bootNanos, LongSupplier taiNanos, long seed, int cpus,
                            Consumer<String> trace, LongSupplier pidTgid, long uidGid, String comm, long cgroupId) {
        this.monotonicNanos = monotonicNanos;
        this.bootNanos = bootNanos;
        this.taiNanos = taiNanos;
        this.randomState = new long[Math.max(1, cpus)];
        for (int i = 0; i < randomState.length; i++) randomState[i] = mix(seed + 0x9e3779b97f4a7c15L * (i + 1));
        this.trace = trace;
        this.pidTgid = pidTgid;
        this.uidGid = uidGid;
        this.comm = Arrays.copyOf(comm.getBytes(StandardCharsets.UTF_8), 16);
        this.comm[15] = 0; // TASK_COMM_LEN: 15 bytes and the NUL
        this.cgroupId = cgroupId;
    }

    /** This environment with another task identity; the random state starts again from the same seed scheme. */
    private HostEnvironment(HostEnvironment e, LongSupplier pidTgid, long uidGid, String comm, long cgroupId) {
        this.monotonicNanos = e.monotonicNanos;
        this.bootNanos = e.bootNanos;
        this.taiNanos = e.taiNanos;
        this.randomState = e.randomState.clone();
        this.trace = e.trace;
        this.pidTgid = pidTgid;
        this.uidGid = uidGid;
        this.comm = Arrays.copyOf(comm.getBytes(StandardCharsets.UTF_8), 16);
        this.comm[15] = 0;
        this.cgroupId = cgroupId;
    }

    /**
     * The run happens in task {@code pid} of process {@code tgid} (what bpf_get_current_pid_tgid returns:
     * tgid in the upper 32 bits, the thread's pid in the lower).
     */
    public HostEnvironment withPidTgid(int pid, int tgid) {
        long value = ((long) tgid << 32) | (pid & 0xffffffffL);
        return new HostEnvironment(this, () -> value, uidGid, commString(), cgroupId);
    }

    /** The task's real uid and gid (bpf_get_current_uid_gid: gid in the upper 32 bits). */
    public HostEnvironment withUidGid(int uid, int gid) {
        return new HostEnvironment(this, pidTgid, ((long) gid << 32) | (uid & 0xffffffffL), commString(), cgroupId);
    }

    /** The task's comm (bpf_get_current_comm); the kernel keeps its first 15 bytes. */
    public HostEnvironment withComm(String comm) {
        return new HostEnvironment(this, pidTgid, uidGid, comm, cgroupId);
    }

    /** The id of the task's cgroup on the cgroup v2 hierarchy (bpf_get_current_cgroup_id). */
    public HostEnvironment withCgroupId(long id) {
        return new HostEnvironment(this, pidTgid, uidGid, commString(), id);
    }

    private String commString() {
        return new String(comm, 0, indexOfNul(comm), StandardCharsets.UTF_8);
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return i;
        return b.length;
    }

    /**
     * The real clocks, a random seed, this JVM's pid as the task's tgid and the calling thread's kernel id as its
     * pid (BPF_PROG_TEST_RUN runs the program in the thread that asked), trace lines to {@code trace}.
     */
    public static HostEnvironment system(int cpus, Consumer<String> trace) {
        long pid = ProcessHandle.current().pid();
        ThreadLocal<Long> tid = ThreadLocal.withInitial(HostEnvironment::kernelThreadId);
        return new HostEnvironment(System::nanoTime, System::nanoTime, HostEnvironment::wallNanos, System.nanoTime() ^ pid, cpus, trace,
                () -> (pid << 32) | (tid.get() & 0xffffffffL), ProcessIdentity.uidGid(), "java", ProcessIdentity.cgroupId());
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
        return new HostEnvironment(tick, tick, tick, seed, cpus, trace, () -> (4242L << 32) | 4242L, 0, "bpf4j", 1);
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

    /** The task's cgroup v2 id: 1 is the root cgroup's. */
    public long cgroupId() { return cgroupId; }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z ^= z >>> 31;
        return z == 0 ? 1 : z;
    }
}

package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.Engine;
import org.bpf4j.engine.Executable;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Helpers run on seeded inputs by the same object (src/test/resources/bpf/helpers.bpf.c) in bpf4j, on both
 * engines, and in the running kernel, each with BPF_PROG_TEST_RUN: the return values and output frames
 * (where each program writes its helpers' results) must be the same.
 */
class HelpersDifferentialTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Path OBJECT = Path.of(System.getProperty("bpf4j.linux.resources", "src/test/resources")).resolve("bpf/helpers.bpf.o");
    private static final long SEED = 20261207L;
    /** The tc programs of the object: run with a zeroed __sk_buff as their context. */
    private static final java.util.Set<String> TC = java.util.Set.of("skb");
    private static final int SKB_CTX = 192;

    /** One run's outcome: r0 and the output frame, as hex. */
    record Outcome(long retval, String dataOut) {
        @Override
        public String toString() { return "r0=" + retval + " out=" + dataOut; }
    }

    /** Runs {@code frames} one after the other through {@code program} in bpf4j (maps persist across frames). */
    static List<Outcome> ours(String engine, String program, List<byte[]> frames) throws IOException {
        Executable.Loader loader = engine.equals("jit") ? Engine.JIT : Engine.INTERPRETER;
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(KernelMap.possibleCpus()).withEngine(loader)
                .withMemory(256L << 20))) {
            LoadedObject loaded = runtime.load(BpfObject.open(OBJECT));
            List<Outcome> out = new ArrayList<>();
            for (byte[] f : frames) {
                org.bpf4j.runtime.TestRun run = org.bpf4j.runtime.TestRun.of(f);
                if (TC.contains(program)) run = run.withContext(new byte[SKB_CTX]);
                var r = loaded.program(program).orElseThrow().testRun(run);
                out.add(new Outcome(r.retval() & 0xffffffffL, HEX.formatHex(r.dataOut())));
            }
            return out;
        }
    }

    /** The same in the kernel. */
    static List<Outcome> theirs(String program, List<byte[]> frames) throws IOException {
        Kernel.assumeAvailable();
        try (KernelObject k = KernelObject.load(BpfObject.open(OBJECT), Optional.of(program))) {
            List<Outcome> out = new ArrayList<>();
            for (byte[] f : frames) {
                TestRun run = TestRun.of(f).withDataSizeOut(8192);
                if (TC.contains(program)) run = run.withContext(new byte[SKB_CTX]).withCtxSizeOut(SKB_CTX);
                var r = k.program(program).orElseThrow().testRun(run);
                out.add(new Outcome(r.retval() & 0xffffffffL, HEX.formatHex(r.dataOut())));
            }
            return out;
        }
    }

    private static void assertSame(List<Outcome> ours, List<Outcome> theirs, List<String> inputs) {
        assertThat(ours).hasSameSizeAs(theirs);
        for (int i = 0; i < ours.size(); i++) {
            assertThat(ours.get(i)).as("run %d: %s", i, inputs.get(i)).isEqualTo(theirs.get(i));
        }
    }

    // ---- bpf_csum_diff ----

    private static final int CSUM_AREA = 1024;

    /** Sizes: mostly multiples of 4 within the 512 bytes the helper takes, some beyond, some unaligned. */
    private static int csumSize(Random rnd) {
        return switch (rnd.nextInt(10)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(1024);           // often unaligned or too large: -EINVAL
            case 2 -> 4;
            default -> 4 * rnd.nextInt(129);       // 0..512
        };
    }

    private static byte[] csumArea(Random rnd) {
        byte[] b = new byte[CSUM_AREA];
        switch (rnd.nextInt(6)) {
            case 0 -> { }                                     // zeros: the sums whose representation is 0 or 0xffff
            case 1 -> java.util.Arrays.fill(b, (byte) 0xff);
            default -> rnd.nextBytes(b);
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void csumDiffGivesTheKernelsResults(String engine) throws IOException {
        Random rnd = new Random(SEED);
        List<byte[]> frames = new ArrayList<>();
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int fs = csumSize(rnd), ts = csumSize(rnd), mode = rnd.nextInt(4);
            long seed = switch (rnd.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 0xffffffffL;
                case 2 -> rnd.nextInt(0x10000);
                default -> rnd.nextLong();                    // the upper half is not part of the __wsum
            };
            ByteBuffer f = ByteBuffer.allocate(24 + 2 * CSUM_AREA).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(fs).putInt(ts).putLong(seed).putInt(mode).putInt(0);
            f.put(csumArea(rnd)).put(csumArea(rnd));
            frames.add(f.array());
            inputs.add("from_size=" + fs + " to_size=" + ts + " seed=" + Long.toHexString(seed) + " mode=" + mode);
        }
        List<Outcome> ours = ours(engine, "csum", frames);
        assertSame(ours, theirs("csum", frames), inputs);
    }

    // ---- the ring buffer, never consumed between runs (as in the kernel) ----

    /** Runs that reserve, discard and output records until the 4096-byte ring is full, querying it after each. */
    static List<byte[]> ringFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(4);
            long flags = switch (rnd.nextInt(6)) {
                case 0 -> 1;                  // BPF_RB_NO_WAKEUP
                case 1 -> 2;                  // BPF_RB_FORCE_WAKEUP
                case 2 -> 4;                  // not a flag: -EINVAL from output, NULL from reserve
                default -> 0;
            };
            ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(op).putInt(rnd.nextInt(5)).putInt(rnd.nextInt(4) == 0 ? rnd.nextInt(2048) : rnd.nextInt(200)).putInt(0x5a000000 | i)
                    .putLong(flags).putLong(rnd.nextInt(6));
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void ringBufferFillsUpAsTheKernelsDoes(String engine) throws IOException {
        List<byte[]> frames = ringFrames(new Random(SEED), 60);
        List<String> inputs = frames.stream().map(HEX::formatHex).toList();
        List<Outcome> ours = ours(engine, "ring", frames);
        // the ring fills up: some reserve fails and some output returns -EAGAIN before the last run
        assertThat(ours).anyMatch(o -> o.dataOut().startsWith("0000000000000000"));
        assertThat(ours).anyMatch(o -> o.dataOut().startsWith("f5ffffffffffffff"));
        assertSame(ours, theirs("ring", frames), inputs);
    }

    // ---- values with a bpf_spin_lock and a bpf_timer: every copy goes around them ----

    /** One side of the lock scenario: host updates and lookups, and test runs; each step's result as text. */
    private interface LockSide {
        String update(String map, int key, byte[] value, long flags);

        String lookup(String map, int key, long flags);

        String run(String program, byte[] frame);
    }

    /** struct lval {bpf_spin_lock lock; u32 a; bpf_timer timer; u64 count}, the lock and timer bytes set to {@code junk}. */
    private static byte[] lval(int junk, int a, long count) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(junk).putInt(a).putLong(junk * 0x0101010101010101L).putLong(junk * 0x0101010101010101L).putLong(count);
        return b.array();
    }

    /** struct lock_in: key, which map, flags, value. */
    private static byte[] lockFrame(int key, boolean hash, long flags, byte[] value) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(key).putInt(hash ? 1 : 0).putLong(flags).put(value);
        return b.array();
    }

    private static final long LOCK = 4, NOEXIST = 1, EXIST = 2;

    /** Host and program updates with and without BPF_F_LOCK, lookups, and programs taking the lock in between. */
    private static List<String> lockScenario(LockSide side) {
        List<String> out = new ArrayList<>();
        for (boolean hash : new boolean[] {false, true}) {
            String map = hash ? "locked_hash" : "locked_array";
            out.add(side.update(map, 0, lval(0xff, 1, 100), 0));            // lock word of ones: must not be copied
            out.add(side.lookup(map, 0, 0));                                 // the lock and timer read as zero
            out.add(side.run("lock_inc", lockFrame(0, hash, 0, new byte[32])));
            out.add(side.update(map, 0, lval(0x11, 2, 200), LOCK));
            out.add(side.lookup(map, 0, LOCK));
            out.add(side.update(map, 0, lval(0x22, 3, 300), LOCK | NOEXIST));
            out.add(side.update(map, 1, lval(0x33, 4, 400), LOCK | EXIST));
            out.add(side.update(map, 1, lval(0x33, 4, 400), LOCK));         // hash: inserted as a new element
            out.add(side.lookup(map, 1, 0));
            out.add(side.run("lock_update", lockFrame(0, hash, 0, lval(0x01, 5, 500))));    // a held lock in the source
            out.add(side.run("lock_inc", lockFrame(0, hash, 0, new byte[32])));
            out.add(side.run("lock_update", lockFrame(0, hash, LOCK, lval(0x01, 6, 600))));
            out.add(side.run("lock_inc", lockFrame(0, hash, 0, new byte[32])));
            out.add(side.run("lock_update", lockFrame(0, hash, LOCK | NOEXIST, lval(0, 7, 700))));
            out.add(side.run("lock_update", lockFrame(2, hash, LOCK, lval(0x44, 8, 800))));
            out.add(side.run("lock_update", lockFrame(5, hash, 8, lval(0, 9, 900))));        // not a flag: -EINVAL
            out.add(side.lookup(map, 0, 0));
            out.add(side.lookup(map, 2, LOCK));
            out.add(side.lookup(map, 0, 2));                                  // a lookup flag other than BPF_F_LOCK
        }
        out.add(side.update("rb_scratch", 0, new byte[2048], LOCK));          // no spin lock in the value
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void valuesAreCopiedAroundTheSpinLockAndTimer(String engine) throws IOException {
        Executable.Loader loader = engine.equals("jit") ? Engine.JIT : Engine.INTERPRETER;
        List<String> ours;
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(KernelMap.possibleCpus()).withEngine(loader)
                .withMemory(256L << 20))) {
            LoadedObject loaded = runtime.load(BpfObject.open(OBJECT));
            ours = lockScenario(new LockSide() {
                public String update(String map, int key, byte[] value, long flags) {
                    try {
                        byte[] v = map.equals("rb_scratch") ? new byte[2048 * KernelMap.possibleCpus()] : value;
                        loaded.map(map).orElseThrow().update(Kernel.le32(key), v, flags);
                        return "ok";
                    } catch (org.bpf4j.maps.BpfMapException e) {
                        return e.errno().name();
                    }
                }

                public String lookup(String map, int key, long flags) {
                    try {
                        return loaded.map(map).orElseThrow().lookup(Kernel.le32(key), flags).map(HEX::formatHex).orElse("ENOENT");
                    } catch (org.bpf4j.maps.BpfMapException e) {
                        return e.errno().name();
                    }
                }

                public String run(String program, byte[] frame) {
                    var r = loaded.program(program).orElseThrow().testRun(org.bpf4j.runtime.TestRun.of(frame));
                    return Long.toString(r.retval() & 0xffffffffL);
                }
            });
        }
        assertThat(ours.get(0)).as("a plain host update of a value with a spin lock").isEqualTo("ok");
        assertThat(ours.get(1)).as("the lock and timer read as zero")
                .isEqualTo(HEX.formatHex(lval(0, 1, 100)));
        assertThat(ours.get(3)).as("a host update with BPF_F_LOCK").isEqualTo("ok");

        Kernel.assumeAvailable();
        List<String> theirs;
        try (KernelObject k = KernelObject.load(BpfObject.open(OBJECT), Optional.empty())) {
            theirs = lockScenario(new LockSide() {
                public String update(String map, int key, byte[] value, long flags) {
                    try {
                        KernelMap m = k.map(map).orElseThrow();
                        if (m.type().perCpu()) m.updatePerCpu(Kernel.le32(key), java.util.Collections.nCopies(KernelMap.possibleCpus(), value), flags);
                        else m.update(Kernel.le32(key), value, flags);
                        return "ok";
                    } catch (BpfException e) {
                        return e.errnoName();
                    }
                }

                public String lookup(String map, int key, long flags) {
                    try {
                        return k.map(map).orElseThrow().lookup(Kernel.le32(key), flags).map(HEX::formatHex).orElse("ENOENT");
                    } catch (BpfException e) {
                        return e.errnoName();
                    }
                }

                public String run(String program, byte[] frame) {
                    var r = k.program(program).orElseThrow().testRun(TestRun.of(frame).withDataSizeOut(4096));
                    return Long.toString(r.retval() & 0xffffffffL);
                }
            });
        }
        for (int i = 0; i < ours.size(); i++) assertThat(ours.get(i)).as("step %d", i).isEqualTo(theirs.get(i));
    }

    // ---- socket buffer helpers: checksum replacement, byte loads and stores ----

    private static long pick(Random rnd, long... values) { return values[rnd.nextInt(values.length)]; }

    static List<byte[]> skbFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(4);
            long offset = switch (rnd.nextInt(8)) {
                case 0 -> pick(rnd, 0x10000, 0x7fffffffL, 0x80000000L, 0xfffffffeL);
                case 1 -> rnd.nextInt(240) | 1;                       // odd
                default -> rnd.nextInt(120) * 2;                      // even, some past the end of the 222-byte frame
            };
            long flags = op < 2
                    ? pick(rnd, 0, 2, 4, 1, 3, 8, 0x10 | 4, 0x10 | 2, 0x20 | 2, 0x20 | 4, 0x20, 0x60 | 4, 0x40 | 2, 0x80, 0x80 | 0x10 | 4, 0x100)
                    : pick(rnd, 0, 0, 1, 2, 3, 4);
            long from = (flags & 0xf) == 0 && rnd.nextInt(4) != 0 ? 0 : pick(rnd, 0, 0xffff, 0xffffffffL, rnd.nextLong(), rnd.nextInt(0x10000));
            long to = pick(rnd, 0, 0xffff, 0xffffffffL, 0xfffe, rnd.nextLong(), rnd.nextInt(0x10000));
            ByteBuffer f = ByteBuffer.allocate(14 + 112 + 96).order(ByteOrder.LITTLE_ENDIAN);
            f.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, (byte) 0x88, (byte) 0xb5});
            f.putInt(op).putInt((int) offset).putLong(from).putLong(to).putLong(flags).putInt(rnd.nextInt(5)).putInt(0).putLong(0);
            byte[] rest = new byte[64 + 96];
            rnd.nextBytes(rest);
            for (int b = 0; b + 1 < rest.length; b += 2) {       // checksums of 0 and 0xffff, the edge cases of the arithmetic
                int kind = rnd.nextInt(6);
                if (kind == 0) rest[b] = rest[b + 1] = 0;
                else if (kind == 1) rest[b] = rest[b + 1] = (byte) 0xff;
            }
            f.put(rest);
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void socketBufferHelpersGiveTheKernelsResults(String engine) throws IOException {
        List<byte[]> frames = skbFrames(new Random(SEED), 600);
        List<String> inputs = frames.stream().map(f -> HEX.formatHex(f, 14, 14 + 48)).toList();
        List<Outcome> ours = ours(engine, "skb", frames);
        assertSame(ours, theirs("skb", frames), inputs);
    }

    // ---- strncmp, snprintf, probe reads, trace_printk and trace_vprintk (their return values) ----

    /** Probe read sources: NULL, user addresses, non-canonical, the kernel's guard hole, the vsyscall page. */
    private static final long[] PROBE_ADDRESSES = {0, 0x1000, 0x7fff00000000L, 0x7ffffffff000L, 0x800000000000L,
            0x8000000000000000L, 0xffff800000000000L, 0xffff800000001000L, 0xffffffffff600000L};

    static List<byte[]> baseFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        String[] texts = {"bpf4j-strncmp", "bpf4j-strncmq", "bpf4j", "", "bpf5", "a", "bpf4j-strncmp-longer", "BPF4J-STRNCMP"};
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(10);
            ByteBuffer f = ByteBuffer.allocate(152).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(op).putInt(rnd.nextInt(5)).putLong(PROBE_ADDRESSES[rnd.nextInt(PROBE_ADDRESSES.length)]);
            for (int a = 0; a < 6; a++) {
                f.putLong(switch (rnd.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> rnd.nextInt(200) - 100;
                    case 3 -> 0x41 + rnd.nextInt(26);
                    default -> rnd.nextLong();
                });
            }
            byte[] text = java.util.Arrays.copyOf(texts[rnd.nextInt(texts.length)].getBytes(java.nio.charset.StandardCharsets.US_ASCII), 16);
            if (rnd.nextInt(4) == 0) text[rnd.nextInt(16)] = (byte) (0x20 + rnd.nextInt(0x5f));
            f.put(text);
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void stringAndProbeHelpersGiveTheKernelsResults(String engine) throws IOException {
        List<byte[]> frames = baseFrames(new Random(SEED), 500);
        List<String> inputs = frames.stream().map(f -> HEX.formatHex(f, 0, 88)).toList();
        List<Outcome> ours = ours(engine, "base", frames);
        assertSame(ours, theirs("base", frames), inputs);
    }

    // ---- the environment's helpers: compared by their properties ----

    /** What the env program wrote: ktime, boot, tai, jiffies, prandom x2, cpu, numa, pid_tgid, uid_gid, cgroup_id. */
    private static long[] envValues(Outcome o) {
        ByteBuffer b = ByteBuffer.wrap(HEX.parseHex(o.dataOut())).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[11];
        for (int i = 0; i < v.length; i++) v[i] = b.getLong();
        return v;
    }

    /** The properties both sides must have, read against this JVM's clocks taken around the run. */
    private static void assertEnvironment(String side, long[] v, long monoBefore, long monoAfter, long wallBefore, long wallAfter) {
        assertThat(v[0]).as("%s: bpf_ktime_get_ns on CLOCK_MONOTONIC", side).isBetween(monoBefore, monoAfter);
        assertThat(v[1]).as("%s: bpf_ktime_get_boot_ns counts suspend too", side).isGreaterThanOrEqualTo(v[0]);
        // CLOCK_TAI is CLOCK_REALTIME plus the TAI offset the system set (0 or 37 s)
        assertThat(v[2]).as("%s: bpf_ktime_get_tai_ns on the wall clock", side).isBetween(wallBefore, wallAfter + 38_000_000_000L);
        long initial = (-300L * 250) & 0xffffffffL;
        assertThat((v[3] - initial) * 4_000_000L).as("%s: bpf_jiffies64 at HZ 250 from INITIAL_JIFFIES", side)
                .isBetween(monoBefore - 2_000_000_000L, monoAfter + 2_000_000_000L);
        assertThat(v[4] | v[5]).as("%s: bpf_get_prandom_u32 is a u32", side).isBetween(0L, 0xffffffffL);
        assertThat(v[6]).as("%s: bpf_get_smp_processor_id", side).isBetween(0L, KernelMap.possibleCpus() - 1L);
        assertThat(v[7]).as("%s: bpf_get_numa_node_id", side).isZero();
        assertThat(v[8] >>> 32).as("%s: bpf_get_current_pid_tgid's tgid is this JVM", side).isEqualTo(ProcessHandle.current().pid());
        assertThat(v[8] & 0xffffffffL).as("%s: bpf_get_current_pid_tgid's pid is the thread that ran it", side).isEqualTo(threadId());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void environmentHelpersHaveTheKernelsProperties(String engine) throws IOException {
        List<byte[]> frames = java.util.Collections.nCopies(8, new byte[96]);
        long monoBefore = System.nanoTime(), wallBefore = wallNanos();
        List<Outcome> ours = ours(engine, "env", frames);
        long monoAfter = System.nanoTime(), wallAfter = wallNanos();
        for (Outcome o : ours) assertEnvironment("bpf4j", envValues(o), monoBefore, monoAfter, wallBefore, wallAfter);
        assertThat(ours.stream().map(o -> envValues(o)[4]).distinct().count()).as("bpf4j: random values vary").isGreaterThan(1);

        Kernel.assumeAvailable();
        monoBefore = System.nanoTime();
        wallBefore = wallNanos();
        List<Outcome> theirs = theirs("env", frames);
        monoAfter = System.nanoTime();
        wallAfter = wallNanos();
        for (Outcome o : theirs) assertEnvironment("kernel", envValues(o), monoBefore, monoAfter, wallBefore, wallAfter);
        // the task's identity is this JVM's on both sides: the same uid, gid and cgroup
        long[] kernel = envValues(theirs.getFirst());
        for (Outcome o : ours) {
            assertThat(envValues(o)[9]).as("bpf_get_current_uid_gid as the kernel reports it").isEqualTo(kernel[9]);
            assertThat(envValues(o)[10]).as("bpf_get_current_cgroup_id as the kernel reports it").isEqualTo(kernel[10]);
        }
    }

    /** This thread's kernel id. */
    private static long threadId() {
        try {
            return Long.parseLong(java.nio.file.Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---- XDP: head, meta and tail adjustments, redirects ----

    static List<byte[]> xdpFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(6);
            int delta = switch (rnd.nextInt(5)) {
                case 0 -> (int) pick(rnd, 0, -14, 14, -32, 32, -36, 4, -4, 2, -256, 256, 4096, -4096, Integer.MIN_VALUE);
                case 1 -> rnd.nextInt(64) - 32;
                default -> rnd.nextInt(800) - 400;
            };
            long flags = op < 3 ? 0 : pick(rnd, 0, 0, 1, 2, 3, 4, 8, 8 | 16, 8 | 2, 16, 32, 1L << 40);
            int length = 24 + rnd.nextInt(300);
            ByteBuffer f = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(op).putInt(delta).putLong(flags).putInt(rnd.nextInt(6)).putInt(0);
            byte[] rest = new byte[length - 24];
            rnd.nextBytes(rest);
            f.put(rest);
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void xdpPacketHelpersGiveTheKernelsResults(String engine) throws IOException {
        List<byte[]> frames = xdpFrames(new Random(SEED), 500);
        List<String> inputs = frames.stream().map(f -> HEX.formatHex(f, 0, 24) + " (" + f.length + " bytes)").toList();
        List<Outcome> ours = ours(engine, "xdpadj", frames);
        assertSame(ours, theirs("xdpadj", frames), inputs);
    }

    // ---- map helpers: a sequence of updates, deletes, lookups, pushes, pops and peeks over persisting maps ----

    static List<byte[]> mapFrames(Random rnd, int runs) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            int op = rnd.nextInt(14);
            // BPF_F_CTXLEN_MASK: perf_event_output appends that many packet bytes, -EFAULT past the packet's end
            long flags = pick(rnd, 0, 0, 0, 1, 2, 3, 4, 8, 0xffffffffL, 1L << 52, 1L << 32, 48L << 32, 49L << 32, 0xfffffL << 32);
            ByteBuffer f = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
            f.putInt(op).putInt(rnd.nextInt(7)).putLong(rnd.nextLong()).putLong(flags).putLong(0).putLong(0);
            frames.add(f.array());
        }
        return frames;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void mapHelpersGiveTheKernelsResults(String engine) throws IOException {
        List<byte[]> frames = mapFrames(new Random(SEED), 600);
        List<String> inputs = frames.stream().map(f -> HEX.formatHex(f, 0, 24)).toList();
        List<Outcome> ours = ours(engine, "maps", frames);
        assertSame(ours, theirs("maps", frames), inputs);
    }
}

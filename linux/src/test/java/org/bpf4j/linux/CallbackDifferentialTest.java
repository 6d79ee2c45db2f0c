package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpf4j.asm.Assembler;
import org.bpf4j.btf.Btf;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.BtfFunc;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.MapValueFields;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;

/**
 * Seeded random programs of callbacks (bpf_loop, bpf_for_each_map_elem, timer callbacks), spin locks and
 * timers (loaded with BTF for their maps and functions), and of maps of maps, verified by bpf4j and by the
 * running kernel: bpf4j must never accept what the kernel refuses, must refuse nothing the kernel accepts,
 * and must refuse with the kernel's message.
 */
class CallbackDifferentialTest {
    private static final int PROGRAMS = Integer.getInteger("bpf4j.callbacks.programs", 1000);
    private static final long SEED = Long.getLong("bpf4j.callbacks.seed", 20261122L);

    /** The map value: a spin lock at 0, a timer at 8, a counter at 24. */
    private static final int VALUE_SIZE = 32;
    /** Map indexes: an array and a hash with the value above (with BTF), and an array of u64 without BTF. */
    private static final int LOCKED_ARRAY = 0, LOCKED_HASH = 1, PLAIN = 2;

    @Test
    void bpf4jGivesTheKernelsVerdicts() {
        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        BtfBlob blob = new BtfBlob();
        int u32 = blob.integer("unsigned int", 4, 32);
        int u64 = blob.integer("unsigned long long", 8, 64);
        int lock = blob.struct("bpf_spin_lock", 4, new BtfBlob.Member("val", u32, 0));
        int timer = blob.struct("bpf_timer", 16, new BtfBlob.Member("a", u64, 0), new BtfBlob.Member("b", u64, 64));
        int value = blob.struct("value", VALUE_SIZE, new BtfBlob.Member("lock", lock, 0), new BtfBlob.Member("pad", u32, 32),
                new BtfBlob.Member("timer", timer, 64), new BtfBlob.Member("count", u64, 192));
        int proto = blob.funcProto(u32);
        int mainFunc = blob.func("main", proto, BtfBlob.LINKAGE_GLOBAL);
        int[] cbFuncs = {blob.func("cb0", proto, BtfBlob.LINKAGE_STATIC), blob.func("cb1", proto, BtfBlob.LINKAGE_STATIC)};
        byte[] raw = blob.bytes();
        MapValueFields fields = MapValueFields.of(Btf.parse(raw), value);
        List<MapInfo> maps = List.of(
                new MapInfo(MapType.ARRAY, 4, VALUE_SIZE, 4, 0, "locked_array", false, null).withFields(fields),
                new MapInfo(MapType.HASH, 4, VALUE_SIZE, 4, 0, "locked_hash", false, null).withFields(fields),
                new MapInfo(MapType.ARRAY, 4, 8, 4, 0, "plain", false, null));

        Tally tally = new Tally();
        try (KernelBtf btf = KernelBtf.load(raw);
             KernelMap lockedArray = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, VALUE_SIZE, 4).withName("locked_array")
                     .withBtf(btf.fd(), u32, value));
             KernelMap lockedHash = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, VALUE_SIZE, 4).withName("locked_hash")
                     .withBtf(btf.fd(), u32, value));
             KernelMap plain = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 8, 4).withName("plain"))) {
            int[] fds = {lockedArray.fd(), lockedHash.fd(), plain.fd()};
            for (int i = 0; i < PROGRAMS; i++) {
                long seed = SEED + i;
                Generated g = new Generator(new Random(seed)).program();
                List<BtfFunc> funcs = new ArrayList<>();
                ByteArrayOutputStream funcInfo = new ByteArrayOutputStream();
                for (int f = 0; f < g.funcStarts().size(); f++) {
                    int start = g.funcStarts().get(f), cb = g.callbacks().get(f);
                    funcs.add(new BtfFunc(start, cb < 0 ? "main" : "cb" + cb, cb < 0, List.of(), null));
                    funcInfo.writeBytes(le32(start));
                    funcInfo.writeBytes(le32(cb < 0 ? mainFunc : cbFuncs[cb]));
                }
                VerifierResult ours = Verifier.verify(g.program(), g.type(), maps, VerifierOptions.defaults(), funcs);
                String theirs = kernelMessage(g.program(), g.type(), fds,
                        new LoadOptions.ProgramBtf(btf.fd(), funcInfo.toByteArray(), 8, new byte[0], 0));
                tally.add("seed " + seed + ":\n" + g.text(), ours, theirs);
            }
        }
        tally.check("callback differential", PROGRAMS);
    }

    /**
     * Seeded programs that look up maps in maps of maps (an array and a hash of arrays), and use what they get:
     * the inner map's values, writes to the inner map pointer, updates from the program.
     */
    @Test
    void mapsOfMapsAgreeWithTheKernel() {
        KernelAvailability kernel = KernelAvailability.check();
        assumeThat(kernel.available()).as("kernel oracle unavailable: %s", kernel.reason()).isTrue();
        MapInfo inner = new MapInfo(MapType.ARRAY, 4, 8, 4, 0, "inner", false, null);
        List<MapInfo> maps = List.of(new MapInfo(MapType.ARRAY_OF_MAPS, 4, 4, 2, 0, "outer_array", false, null).withInner(inner),
                new MapInfo(MapType.HASH_OF_MAPS, 4, 4, 2, 0, "outer_hash", false, null).withInner(inner), inner);
        Tally tally = new Tally();
        int programs = PROGRAMS / 2;
        try (KernelMap template = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 8, 4).withName("inner"));
             KernelMap outerArray = KernelMap.create(KernelMapSpec.of(MapType.ARRAY_OF_MAPS, 4, 4, 2).withName("outer_array")
                     .withInnerMapFd(template.fd()));
             KernelMap outerHash = KernelMap.create(KernelMapSpec.of(MapType.HASH_OF_MAPS, 4, 4, 2).withName("outer_hash")
                     .withInnerMapFd(template.fd()))) {
            int[] fds = {outerArray.fd(), outerHash.fd(), template.fd()};
            for (int i = 0; i < programs; i++) {
                long seed = SEED + i;
                String text = mapsOfMapsProgram(new Random(seed));
                Program p = Assembler.assemble(text);
                VerifierResult ours = Verifier.verify(p, ProgramType.XDP, maps, VerifierOptions.defaults());
                tally.add("seed " + seed + ":\n" + text, ours, kernelMessage(p, ProgramType.XDP, fds, null));
            }
        }
        tally.check("maps of maps differential", programs);
    }

    private static String mapsOfMapsProgram(Random rnd) {
        StringBuilder b = new StringBuilder();
        int outer = rnd.nextInt(6) == 0 ? 2 : rnd.nextInt(2); // sometimes the inner map itself, as if it held maps
        b.append("*(u32 *)(r10 -4) = ").append(new int[] {0, 1, 5}[rnd.nextInt(3)]).append('\n');
        b.append("*(u64 *)(r10 -16) = 7\n");
        b.append("r2 = r10\nr2 += -4\nr1 = map_fd(").append(outer).append(") ll\ncall bpf_map_lookup_elem#1\n");
        if (rnd.nextInt(8) != 0) b.append("if r0 == 0 goto out\n");
        b.append("r6 = r0\n");
        int actions = 1 + rnd.nextInt(2);
        for (int a = 0; a < actions; a++) {
            switch (rnd.nextInt(6)) {
                case 0, 1, 2 -> {
                    b.append("r1 = r6\nr2 = r10\nr2 += -4\ncall bpf_map_lookup_elem#1\n");
                    if (rnd.nextInt(8) != 0) b.append("if r0 == 0 goto out\n");
                    String size = rnd.nextBoolean() ? "u64" : "u32";
                    int off = new int[] {0, 4, 8, -8, 0}[rnd.nextInt(5)];
                    if (rnd.nextBoolean()) b.append("r7 = *(").append(size).append(" *)(r0 ").append(off < 0 ? "" : "+").append(off).append(")\n");
                    else b.append("*(").append(size).append(" *)(r0 ").append(off < 0 ? "" : "+").append(off).append(") = 1\n");
                }
                case 3 -> b.append("*(u32 *)(r6 ").append(rnd.nextBoolean() ? "+0" : "-4").append(") = 1\n");
                case 4 -> b.append("r1 = r6\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\ncall bpf_map_update_elem#2\n");
                default -> b.append("r1 = map_fd(").append(outer)
                        .append(") ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\ncall bpf_map_update_elem#2\n");
            }
        }
        b.append("out:\nr0 = 0\nexit\n");
        return b.toString();
    }

    /** Both verifiers' verdicts, counted; what disagrees, kept with the program that shows it. */
    private static final class Tally {
        int agreeAccept, agreeReject;
        final List<String> unsound = new ArrayList<>(), stricter = new ArrayList<>(), messages = new ArrayList<>(),
                internal = new ArrayList<>();

        /** {@code theirs}: the kernel's message, null when it accepts. */
        void add(String where, VerifierResult ours, String theirs) {
            switch (ours) {
                case VerifierResult.Accepted a -> {
                    if (theirs == null) agreeAccept++;
                    else unsound.add(where + "kernel: " + theirs);
                }
                case VerifierResult.Rejected r -> {
                    if (theirs == null) {
                        stricter.add(where + "bpf4j: " + r.details());
                    } else {
                        agreeReject++;
                        if (!sameMessage(r.details().getLast(), theirs)) {
                            messages.add(where + "bpf4j: " + r.details() + " kernel: " + theirs);
                            System.out.println("  message: " + where.lines().findFirst().orElse("") + " bpf4j " + r.details() + " kernel " + theirs);
                        }
                    }
                }
                case VerifierResult.Unsupported u -> stricter.add(where + "unsupported: " + u.reason());
                case VerifierResult.InternalError e -> internal.add(where + "internal error: " + e.message());
            }
        }

        void check(String what, int programs) {
            System.out.printf("%s: %d programs, agree accept %d, agree reject %d, other message %d, bpf4j stricter %d, UNSOUND %d%n",
                    what, programs, agreeAccept, agreeReject, messages.size(), stricter.size(), unsound.size());
            assertThat(internal).as("programs on which bpf4j's verifier failed (internal errors)").isEmpty();
            assertThat(unsound).as("programs bpf4j accepts and the kernel refuses").isEmpty();
            assertThat(stricter).as("programs bpf4j refuses and the kernel accepts").isEmpty();
            assertThat(messages).as("refusals with another message than the kernel's").isEmpty();
            assertThat(agreeAccept).as("accepted programs: the generator must make some").isGreaterThan(programs / 20);
        }
    }

    /** The JIT's refusal names an instruction of the kernel's rewritten program, not of the one loaded. */
    private static final String NO_PROGRAM_TO_JIT = "verifier bug: No program to jit at insn ";

    private static boolean sameMessage(String ours, String theirs) {
        return ours.equals(theirs) || ours.startsWith(NO_PROGRAM_TO_JIT) && theirs.startsWith(NO_PROGRAM_TO_JIT);
    }

    /** The kernel's last message, or null when it accepts the program; {@code btf}: func_info, or null. */
    private static String kernelMessage(Program program, ProgramType type, int[] fds, LoadOptions.ProgramBtf btf) {
        List<Insn> insns = new ArrayList<>(program.insns());
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.opcode() == Opcodes.LDDW && in.src() == Opcodes.PSEUDO_MAP_FD) {
                insns.set(i, new Insn(in.opcode(), in.dst(), in.src(), in.off(), fds[in.imm()]));
            }
        }
        LoadOptions options = LoadOptions.defaults().withLogLevel(LoadOptions.LOG_LEVEL1).withLogSize(LoadOptions.MAX_LOG_SIZE);
        if (btf != null) options = options.withBtf(btf);
        try (KernelProgram p = KernelProgram.load(type, new Program(insns), "GPL", options)) {
            return null;
        } catch (KernelLoadException e) {
            return e.getMessage();
        }
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /**
     * A generated program: its text, the assembled instructions, each function's first instruction and which
     * callback it is (-1 for the main function).
     */
    record Generated(String text, Program program, ProgramType type, List<Integer> funcStarts, List<Integer> callbacks) {}

    /** Programs of one to three actions (a callback-calling helper, a locked section, a timer), and their callbacks. */
    private static final class Generator {
        private final Random rnd;
        private final StringBuilder main = new StringBuilder();
        private final boolean[] used = new boolean[2];
        /** Which kind of helper calls each callback: its arguments depend on it. */
        private final int[] kind = new int[2];
        private int labels;

        Generator(Random rnd) { this.rnd = rnd; }

        private static final int LOOP = 0, FOR_EACH = 1, TIMER = 2;

        Generated program() {
            ProgramType type = rnd.nextInt(4) == 0 ? ProgramType.XDP : ProgramType.SCHED_CLS;
            line("*(u64 *)(r10 -8) = 0");
            line("*(u64 *)(r10 -16) = 0");
            int actions = 1 + rnd.nextInt(3);
            for (int a = 0; a < actions; a++) {
                switch (rnd.nextInt(4)) {
                    case 0, 1 -> loopOrForEach();
                    case 2 -> locked();
                    default -> timer();
                }
            }
            line("r0 = 0");
            line("exit");
            // a callback's body may call the other callback: generate bodies until every callback used has one
            String[] bodies = new String[2];
            for (boolean more = true; more; ) {
                more = false;
                for (int cb = 0; cb < 2; cb++) {
                    if (used[cb] && bodies[cb] == null) {
                        bodies[cb] = callbackBody(kind[cb]);
                        more = true;
                    }
                }
            }
            StringBuilder text = new StringBuilder(main);
            List<String> order = new ArrayList<>();
            for (int cb = 0; cb < 2; cb++) {
                if (!used[cb]) continue;
                text.append("cb").append(cb).append(":\n").append(bodies[cb]);
                order.add("cb" + cb);
            }
            Program p = Assembler.assemble(text.toString());
            // function starts: main at 0, then each callback at its label
            List<Integer> starts = new ArrayList<>(List.of(0)), callbacks = new ArrayList<>(List.of(-1));
            int insn = 0;
            String current = null;
            for (String l : text.toString().split("\n")) {
                if (l.endsWith(":")) {
                    current = l.substring(0, l.length() - 1);
                    if (order.contains(current)) {
                        starts.add(insn);
                        callbacks.add(current.charAt(2) - '0');
                    }
                    continue;
                }
                insn += l.endsWith(" ll") ? 2 : 1;
            }
            return new Generated(text.toString(), p, type, starts, callbacks);
        }

        private void line(String s) { main.append(s).append('\n'); }

        private int callback(int k) {
            int cb = rnd.nextInt(2);
            if (!used[cb]) {
                used[cb] = true;
                kind[cb] = k;
            } else if (kind[cb] != k && rnd.nextInt(4) != 0) {
                cb = 1 - cb; // mostly keep one kind of caller per callback
                if (!used[cb]) {
                    used[cb] = true;
                    kind[cb] = k;
                }
            }
            return cb;
        }

        private String ctxArg() {
            return switch (rnd.nextInt(4)) {
                case 0 -> "r3 = 0";
                case 1 -> "r3 = r10\nr3 += -8";
                default -> "r3 = r10\nr3 += -16";
            };
        }

        private void loopOrForEach() {
            boolean loop = rnd.nextBoolean();
            int cb = callback(loop ? LOOP : FOR_EACH);
            if (loop) {
                switch (rnd.nextInt(4)) {
                    case 0 -> line("r1 = 0");
                    case 1 -> line("r1 = 1");
                    case 2 -> line(rnd.nextBoolean() ? "r1 = 5" : "r1 = 100");
                    default -> {
                        line("call bpf_get_prandom_u32#7");
                        line("r1 = r0");
                        line("r1 &= 7");
                    }
                }
            } else {
                line("r1 = map_fd(" + rnd.nextInt(3) + ") ll");
            }
            line("r2 = func(cb" + cb + ") ll");
            line(ctxArg());
            line(rnd.nextInt(8) == 0 ? "r4 = 1" : "r4 = 0");
            line(loop ? "call bpf_loop#181" : "call bpf_for_each_map_elem#164");
            if (rnd.nextBoolean()) line("r0 = *(u64 *)(r10 -16)");
        }

        /** Looks up key 0 of a map into r6; jumps to {@code out} when NULL (unless the check is left out). */
        private void lookup(int map, String out) {
            line("*(u32 *)(r10 -20) = 0");
            line("r2 = r10");
            line("r2 += -20");
            line("r1 = map_fd(" + map + ") ll");
            line("call bpf_map_lookup_elem#1");
            if (rnd.nextInt(10) != 0) line("if r0 == 0 goto " + out);
            line("r6 = r0");
        }

        private int mostlyLocked() {
            return switch (rnd.nextInt(6)) {
                case 0 -> PLAIN;
                case 1, 2 -> LOCKED_HASH;
                default -> LOCKED_ARRAY;
            };
        }

        private void locked() {
            String out = "out" + labels++;
            lookup(mostlyLocked(), out);
            line("r1 = r6");
            if (rnd.nextInt(8) == 0) line("r1 += 8");
            if (rnd.nextInt(12) != 0) line("call bpf_spin_lock#93");
            switch (rnd.nextInt(8)) {
                case 0 -> line("call bpf_get_prandom_u32#7");
                case 1 -> line("r0 = *(u32 *)(r6 +0)");
                case 2 -> {
                    line("r0 = 0");
                    line("exit");
                }
                case 3 -> line("r0 = *(u64 *)(r6 +8)");
                default -> {
                    line("r1 = *(u64 *)(r6 +24)");
                    line("r1 += 1");
                    line("*(u64 *)(r6 +24) = r1");
                }
            }
            line("r1 = r6");
            if (rnd.nextInt(10) == 0) line("r1 += 24");
            if (rnd.nextInt(10) != 0) line("call bpf_spin_unlock#94");
            main.append(out).append(":\n");
        }

        private void timer() {
            String out = "out" + labels++;
            int map = mostlyLocked();
            lookup(map, out);
            line("r1 = r6");
            line(rnd.nextInt(8) == 0 ? "r1 += 0" : "r1 += 8");
            line("r2 = map_fd(" + (rnd.nextInt(8) == 0 ? mostlyLocked() : map) + ") ll");
            line("r3 = 1");
            line("call bpf_timer_init#169");
            line("r1 = r6");
            line("r1 += 8");
            line("r2 = func(cb" + callback(TIMER) + ") ll");
            line("call bpf_timer_set_callback#170");
            main.append(out).append(":\n");
        }

        /** A bpf_loop from inside a callback, calling the other callback (or itself), with this one's context. */
        private String nestedCall(int k) {
            int cb = callback(LOOP);
            String ctx = k == LOOP ? "r2" : k == FOR_EACH ? "r4" : "r10";
            return "r1 = " + (rnd.nextBoolean() ? 2 : 0) + "\n"
                    + (ctx.equals("r10") ? "r3 = 0\n" : "r3 = " + ctx + "\n")
                    + "r2 = func(cb" + cb + ") ll\n"
                    + "r4 = 0\n"
                    + "call bpf_loop#181\n";
        }

        /**
         * A store into the context at an index the context holds, then the index incremented: the kernel keeps
         * such an index precise and iterates the callback with each of its values.
         */
        private String indexedStore(String ctx) {
            String end = "idx" + labels++;
            boolean check = rnd.nextBoolean();
            return "r5 = *(u32 *)(" + ctx + " +0)\n" + (check ? "if r5 > 0 goto " + end + "\n" : "")
                    + "r5 <<= 3\nr0 = " + ctx + "\nr0 += r5\n*(u64 *)(r0 +8) = 1\n"
                    + "r5 = *(u32 *)(" + ctx + " +0)\nr5 += 1\n*(u32 *)(" + ctx + " +0) = r5\n"
                    + (check ? end + ":\n" : "");
        }

        /** A timer callback sets the callback of its value's timer again. */
        private String rearm() {
            return "r1 = r3\nr1 += 8\nr2 = func(cb" + callback(TIMER) + ") ll\ncall bpf_timer_set_callback#170\n";
        }

        /** Locks and unlocks the lock of the value {@code reg} points to (a map value for for_each and timers). */
        private String lockedInCallback(String reg) {
            String body = "r6 = " + reg + "\nr1 = r6\ncall bpf_spin_lock#93\n";
            if (rnd.nextInt(4) == 0) body += "r0 = 0\nexit\n";
            if (rnd.nextInt(3) != 0) body += "r1 = r6\ncall bpf_spin_unlock#94\n";
            return body;
        }

        /** A callback of a helper of this kind: R2/R3/R4 hold its context, key and value. */
        private String callbackBody(int k) {
            StringBuilder b = new StringBuilder();
            // the callback's context pointer (maybe NULL): r2 for bpf_loop, r4 for for_each; a timer's is its value
            String ctx = k == LOOP ? "r2" : k == FOR_EACH ? "r4" : "r3";
            int ops = rnd.nextInt(4);
            for (int o = 0; o < ops; o++) {
                String reg = switch (rnd.nextInt(4)) {
                    case 0 -> "r2";
                    case 1 -> "r3";
                    default -> ctx;
                };
                int off = switch (rnd.nextInt(6)) {
                    case 0 -> 8;
                    case 1 -> -8;
                    case 2 -> 24;
                    case 3 -> 4;
                    default -> 0;
                };
                String size = rnd.nextInt(4) == 0 ? "u32" : "u64";
                String skip = "skip" + labels++;
                boolean guard = rnd.nextBoolean();
                if (guard) b.append("if ").append(reg).append(" == 0 goto ").append(skip).append('\n');
                switch (rnd.nextInt(13)) {
                    case 12 -> b.append(indexedStore(ctx));
                    case 0 -> b.append(nestedCall(k));
                    case 1 -> b.append(k == TIMER && rnd.nextBoolean() ? rearm() : lockedInCallback(reg));
                    case 2, 3, 4 -> b.append("r5 = *(").append(size).append(" *)(").append(reg).append(' ').append(off < 0 ? "" : "+").append(off).append(")\n");
                    case 5, 6, 7 -> b.append("*(").append(size).append(" *)(").append(reg).append(' ').append(off < 0 ? "" : "+").append(off).append(") = 1\n");
                    default -> {
                        b.append("r5 = *(u64 *)(").append(reg).append(" +0)\n");
                        b.append("r5 += 1\n");
                        b.append("*(u64 *)(").append(reg).append(" +0) = r5\n");
                    }
                }
                if (guard) b.append(skip).append(":\n");
            }
            switch (rnd.nextInt(7)) {
                case 0 -> b.append("r0 = 2\n");
                case 1 -> b.append("r0 = 1\n");
                case 2 -> b.append("r0 = r10\n");
                case 3 -> {
                    b.append("r0 = *(u64 *)(r10 -8)\n");
                }
                case 4 -> {
                    b.append("call bpf_get_prandom_u32#7\n");
                    b.append("r0 &= 1\n");
                }
                default -> b.append("r0 = 0\n");
            }
            b.append("exit\n");
            return b.toString();
        }
    }
}

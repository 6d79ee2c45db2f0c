package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;

/**
 * Seeded programs made to stress precision tracking, against the running kernel: forward branches that
 * join with different small constants in registers and stack slots, arithmetic, copies, spills and fills
 * between them, and at the end a map-value access at an offset computed from them. A wrongly pruned path
 * would be accepted by bpf4j and refused by the kernel; the processed-instruction counts are compared too.
 */
class PrecisionDifferentialTest {
    static final int PROGRAMS = Integer.getInteger("bpf4j.precision.programs", 400);
    static final ProgramType SF = ProgramType.SOCKET_FILTER;
    static final List<MapInfo> ARRAY = List.of(MapInfo.of(MapType.ARRAY, 4, 64, 4));
    static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    /** r6-r9 and fp-16..fp-32 hold small values that branches, arithmetic and spills mix. */
    static Program generate(long seed) {
        Random rnd = new Random(seed);
        B b = B.b();
        for (int r = 6; r <= 9; r++) b.mov(r, rnd.nextInt(32));
        for (int k = 2; k <= 4; k++) b.st(SIZE_DW, 10, -8 * k, rnd.nextInt(32));
        b.call(7).movr(5, 0);
        int blocks = 4 + rnd.nextInt(8);
        for (int i = 0; i < blocks; i++) {
            int r = 6 + rnd.nextInt(4), s = 6 + rnd.nextInt(4), slot = -8 * (2 + rnd.nextInt(3));
            switch (rnd.nextInt(7)) {
                case 0 -> b.mov(r, rnd.nextInt(16));
                case 1 -> b.alu(new int[] {ALU_ADD, ALU_SUB, ALU_AND, ALU_OR, ALU_LSH}[rnd.nextInt(5)], r, rnd.nextInt(4));
                case 2 -> b.movr(r, s);
                case 3 -> b.alur(rnd.nextBoolean() ? ALU_ADD : ALU_XOR, r, s);
                case 4 -> b.stx(SIZE_DW, 10, r, slot);
                case 5 -> b.ldx(SIZE_DW, r, 10, slot);
                default -> {
                    // if (random bit) skip a constant assignment: the paths join with different values
                    b.alu(ALU_RSH, 5, 1).movr(1, 5).alu(ALU_AND, 1, 1).jmp(JMP_JEQ, 1, 0, 1).mov(r, rnd.nextInt(80));
                }
            }
        }
        int off = 6 + rnd.nextInt(4);
        // every value is a constant on each path: the access is in bounds on some paths and not on others
        b.ldx(SIZE_DW, 1, 10, -8 * (2 + rnd.nextInt(3))).alur(ALU_ADD, off, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 2)
                .alur(ALU_ADD, 0, off).ldx(SIZE_B, 0, 0, 0);
        return b.ret(0).p();
    }

    /**
     * As {@link #generate}, with a static function computing r0 from r1, r2 and random bits in r3 by its own
     * branches, spills and fills: the offset's precision crosses the function's exit and its entry.
     */
    static Program generateWithCall(long seed) {
        Random rnd = new Random(seed);
        B pre = B.b();
        for (int r = 6; r <= 8; r++) pre.mov(r, rnd.nextInt(32));
        pre.st(SIZE_DW, 10, -16, rnd.nextInt(32)).call(7).movr(9, 0);
        for (int i = 0, n = 2 + rnd.nextInt(4); i < n; i++) {
            int r = 6 + rnd.nextInt(3);
            if (rnd.nextBoolean()) pre.alu(ALU_RSH, 9, 1).movr(1, 9).alu(ALU_AND, 1, 1).jmp(JMP_JEQ, 1, 0, 1).mov(r, rnd.nextInt(48));
            else pre.alur(ALU_ADD, r, 6 + rnd.nextInt(3));
        }
        pre.movr(1, 6).movr(2, 7).movr(3, 9);
        B post = B.b().movr(6, 0).ldx(SIZE_DW, 1, 10, -16).alur(ALU_ADD, 6, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 2)
                .alur(ALU_ADD, 0, 6).ldx(SIZE_B, 0, 0, 0).ret(0);
        B sub = B.b().movr(0, 1);
        for (int i = 0, n = 2 + rnd.nextInt(5); i < n; i++) {
            switch (rnd.nextInt(4)) {
                case 0 -> sub.alur(ALU_ADD, 0, 2);
                case 1 -> sub.stx(SIZE_DW, 10, 0, -8).mov(0, rnd.nextInt(8)).ldx(SIZE_DW, 0, 10, -8);
                case 2 -> sub.alu(ALU_SUB, 0, rnd.nextInt(8));
                default -> sub.alu(ALU_RSH, 3, 1).movr(4, 3).alu(ALU_AND, 4, 1).jmp(JMP_JEQ, 4, 0, 1).mov(0, rnd.nextInt(80));
            }
        }
        sub.exit();
        int postLen = post.pc();
        return B.b().add(pre.p().insns().toArray(new org.bpf4j.isa.Insn[0])).callLocal(postLen)
                .add(post.p().insns().toArray(new org.bpf4j.isa.Insn[0])).add(sub.p().insns().toArray(new org.bpf4j.isa.Insn[0])).p();
    }

    @Test
    void neverAcceptsWhatTheKernelRefuses() {
        compareWithTheKernel("precision differential", PrecisionDifferentialTest::generate);
    }

    @Test
    void acrossFunctionCallsNeverAcceptsWhatTheKernelRefuses() {
        compareWithTheKernel("precision differential with calls", PrecisionDifferentialTest::generateWithCall);
    }

    private static void compareWithTheKernel(String name, java.util.function.LongFunction<Program> generator) {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available (not root or not Linux)");
        long seed0 = Long.getLong("bpf4j.precision.seed", 20261122L);
        int accepted = 0, rejected = 0, sameCount = 0;
        List<String> unsound = new ArrayList<>(), stricter = new ArrayList<>(), counts = new ArrayList<>();
        for (int i = 0; i < PROGRAMS; i++) {
            Program p = generator.apply(seed0 + i);
            VerifierResult ours = Verifier.verify(p, SF, ARRAY, VerifierOptions.defaults());
            KernelOracle.Verdict k = KernelOracle.load(p, SF, ARRAY, 1);
            boolean ok = ours instanceof VerifierResult.Accepted;
            if (ok && !k.accepted()) unsound.add("seed " + (seed0 + i) + ": kernel says " + k.lastMessage());
            else if (!ok && k.accepted()) stricter.add("seed " + (seed0 + i) + ": " + VerifierTestSupport.describe(ours).lines().findFirst().orElse(""));
            else if (ok) {
                accepted++;
                Matcher m = PROCESSED.matcher(k.log());
                if (m.find() && Integer.parseInt(m.group(1)) == ours.processedInsns()) sameCount++;
                else if (counts.size() < 10) counts.add("seed " + (seed0 + i) + ": kernel " + k.log().strip() + ", bpf4j " + ours.processedInsns());
            } else {
                rejected++;
            }
        }
        System.out.printf("%s: %d programs, agree accept %d (same processed count %d), agree reject %d, "
                + "stricter %d, UNSOUND %d%n", name, PROGRAMS, accepted, sameCount, rejected, stricter.size(), unsound.size());
        counts.forEach(c -> System.out.println("  count: " + c));
        assertThat(unsound).as("programs bpf4j accepts and the kernel refuses").isEmpty();
        assertThat(stricter).as("programs bpf4j refuses and the kernel accepts").isEmpty();
        assertThat(accepted).as("the generator makes programs both accept").isGreaterThan(PROGRAMS / 20);
        assertThat(rejected).as("and programs both refuse").isGreaterThan(PROGRAMS / 20);
    }
}

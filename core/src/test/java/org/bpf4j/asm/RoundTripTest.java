package org.bpf4j.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.isa.StructuralCheck;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Assembler.assemble(Disassembler text) == original}, over every opcode with random fields
 * from a seeded {@link Random}, so a failure names a seed that reproduces it.
 */
class RoundTripTest {

    /** Slots of padding on each side of the instruction under test, so that short jumps stay in range. */
    private static final int PAD = 64;
    private static final List<Insn> PADDING = Collections.nCopies(PAD, Insn.exit());

    /** Field values that select between forms, then one small and one arbitrary value (drawn per use). */
    private static final int SMALL = Integer.MIN_VALUE;
    private static final int RANDOM = Integer.MAX_VALUE;
    private static final int[] DSTS = {0, RANDOM};
    private static final int[] SRCS = {0, 1, 2, RANDOM};
    private static final int[] PLAIN_SRCS = {0, RANDOM};
    private static final int[] PLAIN = {0, SMALL, RANDOM};
    private static final int[] OFFS = {0, 1, 8, 16, 32, SMALL, RANDOM};
    private static final int[] IMMS = {0, 16, 32, 64, 1, 1 << 16, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR,
        ATOMIC_ADD | ATOMIC_FETCH, ATOMIC_OR | ATOMIC_FETCH, ATOMIC_AND | ATOMIC_FETCH, ATOMIC_XOR | ATOMIC_FETCH,
        ATOMIC_XCHG, ATOMIC_CMPXCHG, ATOMIC_LOAD_ACQ, ATOMIC_STORE_REL, SMALL, RANDOM};

    /**
     * Every opcode with every combination of form-selecting field values (random registers and
     * random values elsewhere): each one StructuralCheck accepts must come back unchanged, and each
     * variant of each opcode (the field that selects between forms: off of mov/div/mod, imm of byte
     * swaps and atomics, src of call and lddw) must have a readable form, not only the raw {@code .insn}.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 0x5eed, 20250611})
    void everyValidFormRoundTrips(long seed) {
        Random rnd = new Random(seed);
        Set<String> validVariants = new TreeSet<>();
        Set<String> readableVariants = new TreeSet<>();
        int valid = 0;
        for (int opcode = 0; opcode < 256; opcode++) {
            // the selecting values only where variant() says they select, to keep the run short
            int[] srcs = opcode == LDDW ? new int[] {0, 1, 2, 3, 4, 5, 6, RANDOM} : opcode == CALL ? SRCS : PLAIN_SRCS;
            int[] offs = isAlu(opcode) ? OFFS : PLAIN;
            int[] imms = isAlu(opcode) || insnClass(opcode) == CLASS_STX ? IMMS : PLAIN;
            for (int dst : DSTS) for (int src : srcs) {
                for (int off : offs) {
                    for (int imm : imms) {
                        // r10 is never written, so leave it out here: it would make whole variants invalid
                        Insn insn = new Insn(opcode, dst == RANDOM ? 1 + rnd.nextInt(9) : dst, src == RANDOM ? rnd.nextInt(11) : src,
                                off == SMALL ? small(rnd) : off == RANDOM ? (short) rnd.nextInt() : off,
                                imm == SMALL ? small(rnd) : imm == RANDOM ? rnd.nextInt() : imm);
                        List<Insn> slots = opcode == LDDW
                                ? List.of(insn, new Insn(0, 0, 0, 0, rnd.nextBoolean() ? 0 : rnd.nextInt()))
                                : List.of(insn);
                        // only jumps need room around them to be valid
                        boolean jump = isJump(opcode);
                        Program program = jump ? padded(slots) : new Program(slots);
                        if (!accepted(program)) continue;
                        valid++;
                        // the program's text, not format(): an lddw printed raw prints its second slot apart
                        String text = Disassembler.text(new Program(slots));
                        assertThat(Disassembler.format(program, jump ? PAD : 0)).isEqualTo(text.lines().findFirst().orElseThrow());
                        String variant = variant(insn);
                        validVariants.add(variant);
                        if (!text.startsWith(".insn")) readableVariants.add(variant);
                        assertThat(Assembler.assemble(text).insns()).as("seed %d: %s", seed, text).isEqualTo(slots);
                    }
                }
            }
        }
        assertThat(valid).isGreaterThan(5_000);
        assertThat(readableVariants).as("seed %d", seed).isEqualTo(validVariants);
        // as many variants as the syntax has forms for; a change in StructuralCheck shows up here
        assertThat(validVariants).hasSizeGreaterThanOrEqualTo(150);
    }

    private static int small(Random rnd) {
        return rnd.nextInt(2 * PAD) - PAD;
    }

    /** Any slots at all, valid or not, come back unchanged from the whole-program text. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 0x5eed, 20250611})
    void arbitraryProgramsRoundTrip(long seed) {
        Random rnd = new Random(seed);
        for (int n = 0; n < 3000; n++) {
            List<Insn> slots = new ArrayList<>();
            int length = 1 + rnd.nextInt(12);
            while (slots.size() < length) {
                switch (rnd.nextInt(4)) {
                    case 0 -> slots.add(Insn.decode(rnd.nextLong()));
                    case 1 -> slots.addAll(List.of(Insn.lddw(rnd.nextInt(12), rnd.nextInt(8), rnd.nextLong())));
                    default -> slots.addAll(candidate(rnd, rnd.nextInt(256)));
                }
            }
            Program program = new Program(slots);
            String text = Disassembler.text(program);
            assertThat(Assembler.assemble(text)).as("seed %d:\n%s", seed, text).isEqualTo(program);
        }
    }

    /**
     * An instruction with the given opcode whose fields are drawn so that each form turns up often,
     * with its unused fields zero: zero is the likeliest value, then the values that select forms.
     */
    private static List<Insn> candidate(Random rnd, int opcode) {
        int dst = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(11);
        int src = rnd.nextInt(2) == 0 ? 0 : rnd.nextInt(11);
        int off = switch (rnd.nextInt(8)) {
            case 0, 1, 2 -> 0;
            case 3 -> new int[] {1, 8, 16, 32}[rnd.nextInt(4)];
            case 4 -> (short) rnd.nextInt();
            default -> rnd.nextInt(2 * PAD) - PAD;
        };
        int imm = switch (rnd.nextInt(8)) {
            case 0, 1, 2 -> 0;
            case 3 -> new int[] {16, 32, 64, 1, 1 << 16}[rnd.nextInt(5)];
            case 4 -> new int[] {ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR, ATOMIC_ADD | ATOMIC_FETCH,
                ATOMIC_OR | ATOMIC_FETCH, ATOMIC_AND | ATOMIC_FETCH, ATOMIC_XOR | ATOMIC_FETCH, ATOMIC_XCHG,
                ATOMIC_CMPXCHG, ATOMIC_LOAD_ACQ, ATOMIC_STORE_REL}[rnd.nextInt(12)];
            case 5 -> rnd.nextInt();
            default -> rnd.nextInt(2 * PAD) - PAD;
        };
        if (opcode == LDDW) {
            int pseudo = rnd.nextInt(PSEUDO_MAP_IDX_VALUE + 1);
            int hi = rnd.nextBoolean() ? 0 : rnd.nextInt();
            return List.of(new Insn(opcode, dst, pseudo, off, imm), new Insn(0, 0, 0, 0, hi));
        }
        if (opcode == CALL && rnd.nextBoolean()) src = rnd.nextInt(3);
        return List.of(new Insn(opcode, dst, src, off, imm));
    }

    private static Program padded(List<Insn> slots) {
        List<Insn> all = new ArrayList<>(PADDING);
        all.addAll(slots);
        all.addAll(PADDING);
        return new Program(all);
    }

    private static boolean accepted(Program p) {
        try {
            StructuralCheck.check(p);
            return true;
        } catch (InvalidProgramException e) {
            return false;
        }
    }

    /** The opcode and the field that selects between its textual forms. */
    private static String variant(Insn i) {
        int op = i.opcode();
        String base = String.format("0x%02x", op);
        if (op == LDDW || op == CALL) return base + " src " + i.src();
        if (isAlu(op) && (aluOp(op) == ALU_MOV || aluOp(op) == ALU_DIV || aluOp(op) == ALU_MOD)) return base + " off " + i.off();
        if (isAlu(op) && aluOp(op) == ALU_END) return base + " imm " + i.imm();
        if (insnClass(op) == CLASS_STX && mode(op) == MODE_ATOMIC) return base + " imm " + i.imm();
        return base;
    }
}

package org.bpf4j.interp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property test: every ALU and conditional-jump operation, in both widths and both operand sources,
 * against a model written with BigInteger arithmetic straight from RFC 9669 and the kernel's rules for
 * division by zero — independent of the interpreter's Java long tricks.
 */
class AluSemanticsTest {
    private static final BigInteger TWO64 = BigInteger.ONE.shiftLeft(64);
    private static final BigInteger TWO32 = BigInteger.ONE.shiftLeft(32);
    private static final long[] EDGES = {0, 1, -1, 2, 31, 32, 63, 64, Long.MIN_VALUE, Long.MAX_VALUE,
        Integer.MIN_VALUE, Integer.MAX_VALUE, 0xffffffffL, 0x80000000L, 0x1_0000_0000L, -2, 0xff, 0x80, 0x8000};

    private static AddressSpace space;
    private static ExecutionStack stack;

    @BeforeAll
    static void setUp() {
        space = AddressSpace.reserve(1 << 20);
        stack = new ExecutionStack(space);
    }

    @AfterAll
    static void tearDown() {
        stack.close();
        space.close();
    }

    private static BigInteger u(long v) { return new BigInteger(Long.toUnsignedString(v)); }
    private static BigInteger s(long v) { return BigInteger.valueOf(v); }
    private static BigInteger u32(long v) { return u(v & 0xffffffffL); }
    private static BigInteger s32(long v) { return BigInteger.valueOf((int) v); }
    private static long wrap64(BigInteger v) { return v.mod(TWO64).longValue(); }
    private static long wrap32(BigInteger v) { return v.mod(TWO32).longValue(); }

    record AluCase(String name, int op, int off, boolean alu64, BinaryOperator<Long> model) {}

    static List<AluCase> aluCases() {
        List<AluCase> cases = new ArrayList<>();
        cases.add(new AluCase("add", ALU_ADD, 0, true, (a, b) -> wrap64(s(a).add(s(b)))));
        cases.add(new AluCase("sub", ALU_SUB, 0, true, (a, b) -> wrap64(s(a).subtract(s(b)))));
        cases.add(new AluCase("mul", ALU_MUL, 0, true, (a, b) -> wrap64(s(a).multiply(s(b)))));
        cases.add(new AluCase("div", ALU_DIV, 0, true, (a, b) -> b == 0 ? 0 : wrap64(u(a).divide(u(b)))));
        cases.add(new AluCase("sdiv", ALU_DIV, 1, true, (a, b) -> b == 0 ? 0 : wrap64(s(a).divide(s(b)))));
        cases.add(new AluCase("mod", ALU_MOD, 0, true, (a, b) -> b == 0 ? a : wrap64(u(a).mod(u(b)))));
        cases.add(new AluCase("smod", ALU_MOD, 1, true, (a, b) -> b == 0 ? a : wrap64(s(a).remainder(s(b)))));
        cases.add(new AluCase("or", ALU_OR, 0, true, (a, b) -> a | b));
        cases.add(new AluCase("and", ALU_AND, 0, true, (a, b) -> a & b));
        cases.add(new AluCase("xor", ALU_XOR, 0, true, (a, b) -> a ^ b));
        cases.add(new AluCase("lsh", ALU_LSH, 0, true, (a, b) -> wrap64(u(a).shiftLeft((int) (b & 63)))));
        cases.add(new AluCase("rsh", ALU_RSH, 0, true, (a, b) -> wrap64(u(a).shiftRight((int) (b & 63)))));
        cases.add(new AluCase("arsh", ALU_ARSH, 0, true, (a, b) -> wrap64(s(a).shiftRight((int) (b & 63)))));
        cases.add(new AluCase("mov", ALU_MOV, 0, true, (a, b) -> b));
        cases.add(new AluCase("movsx8", ALU_MOV, 8, true, (a, b) -> (long) (byte) (long) b));
        cases.add(new AluCase("movsx16", ALU_MOV, 16, true, (a, b) -> (long) (short) (long) b));
        cases.add(new AluCase("movsx32", ALU_MOV, 32, true, (a, b) -> (long) (int) (long) b));
        cases.add(new AluCase("add32", ALU_ADD, 0, false, (a, b) -> wrap32(u32(a).add(u32(b)))));
        cases.add(new AluCase("sub32", ALU_SUB, 0, false, (a, b) -> wrap32(u32(a).subtract(u32(b)))));
        cases.add(new AluCase("mul32", ALU_MUL, 0, false, (a, b) -> wrap32(u32(a).multiply(u32(b)))));
        cases.add(new AluCase("div32", ALU_DIV, 0, false, (a, b) -> u32(b).signum() == 0 ? 0 : wrap32(u32(a).divide(u32(b)))));
        cases.add(new AluCase("sdiv32", ALU_DIV, 1, false, (a, b) -> s32(b).signum() == 0 ? 0 : wrap32(s32(a).divide(s32(b)))));
        cases.add(new AluCase("mod32", ALU_MOD, 0, false, (a, b) -> u32(b).signum() == 0 ? a & 0xffffffffL : wrap32(u32(a).mod(u32(b)))));
        cases.add(new AluCase("smod32", ALU_MOD, 1, false, (a, b) -> s32(b).signum() == 0 ? a & 0xffffffffL : wrap32(s32(a).remainder(s32(b)))));
        cases.add(new AluCase("or32", ALU_OR, 0, false, (a, b) -> (a | b) & 0xffffffffL));
        cases.add(new AluCase("and32", ALU_AND, 0, false, (a, b) -> (a & b) & 0xffffffffL));
        cases.add(new AluCase("xor32", ALU_XOR, 0, false, (a, b) -> (a ^ b) & 0xffffffffL));
        cases.add(new AluCase("lsh32", ALU_LSH, 0, false, (a, b) -> wrap32(u32(a).shiftLeft((int) (b & 31)))));
        cases.add(new AluCase("rsh32", ALU_RSH, 0, false, (a, b) -> wrap32(u32(a).shiftRight((int) (b & 31)))));
        cases.add(new AluCase("arsh32", ALU_ARSH, 0, false, (a, b) -> wrap32(s32(a).shiftRight((int) (b & 31)))));
        cases.add(new AluCase("mov32", ALU_MOV, 0, false, (a, b) -> b & 0xffffffffL));
        cases.add(new AluCase("movsx8_32", ALU_MOV, 8, false, (a, b) -> wrap32(BigInteger.valueOf((byte) (long) b))));
        cases.add(new AluCase("movsx16_32", ALU_MOV, 16, false, (a, b) -> wrap32(BigInteger.valueOf((short) (long) b))));
        return cases;
    }

    static Stream<Arguments> seeds() {
        return Stream.of(Arguments.of(11L), Arguments.of(12L), Arguments.of(13L));
    }

    private static long operand(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> EDGES[random.nextInt(EDGES.length)];
            case 1 -> random.nextInt(70) - 3;
            case 2 -> random.nextInt();
            default -> random.nextLong();
        };
    }

    private static long run(Insn... body) {
        List<Insn> insns = new ArrayList<>(List.of(body));
        insns.add(Insn.exit());
        Interpreter interp = Interpreter.load(new Program(insns), HelperTable.empty(), space, ExecutionOptions.raw());
        return interp.run(stack, 0, 0, 0, 0, 0);
    }

    private static Insn[] loadPair(long a, long b) {
        Insn[] la = Insn.lddw(0, PSEUDO_IMM64, a);
        Insn[] lb = Insn.lddw(2, PSEUDO_IMM64, b);
        return new Insn[] {la[0], la[1], lb[0], lb[1]};
    }

    private static Insn[] concat(Insn[] head, Insn... tail) {
        Insn[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void aluMatchesModelForRegisterAndImmediateOperands(long seed) {
        Random random = new Random(seed);
        for (AluCase c : aluCases()) {
            int cls = c.alu64() ? CLASS_ALU64 : CLASS_ALU;
            for (int i = 0; i < 150; i++) {
                long a = operand(random);
                long b = operand(random);
                Insn reg = new Insn(cls | c.op() | SRC_X, 0, 2, c.off(), 0);
                assertThat(run(concat(loadPair(a, b), reg)))
                        .as("%s r0=%x r2=%x", c.name(), a, b).isEqualTo(c.model().apply(a, b));
                if (c.off() == 0 || c.op() != ALU_MOV) {
                    int k = (int) b;
                    // Immediates are sign-extended 32-bit values in both widths.
                    Insn imm = new Insn(cls | c.op() | SRC_K, 0, 0, c.op() == ALU_MOV ? 0 : c.off(), k);
                    assertThat(run(concat(loadPair(a, 0), imm)))
                            .as("%s r0=%x imm=%x", c.name(), a, k).isEqualTo(c.model().apply(a, (long) k));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void negationAndByteSwapsMatchModel(long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < 300; i++) {
            long a = operand(random);
            Insn[] load = Insn.lddw(0, PSEUDO_IMM64, a);
            assertThat(run(load[0], load[1], new Insn(0x87, 0, 0, 0, 0))).isEqualTo(wrap64(s(a).negate()));
            assertThat(run(load[0], load[1], new Insn(0x84, 0, 0, 0, 0))).isEqualTo(wrap32(u32(a).negate()));
            for (int bits : new int[] {16, 32, 64}) {
                long mask = bits == 64 ? -1L : (1L << bits) - 1;
                long swapped = bits == 64 ? Long.reverseBytes(a) : Long.reverseBytes(a & mask) >>> (64 - bits);
                assertThat(run(load[0], load[1], new Insn(0xd4, 0, 0, 0, bits))).as("le%d %x", bits, a).isEqualTo(a & mask);
                assertThat(run(load[0], load[1], new Insn(0xdc, 0, 0, 0, bits))).as("be%d %x", bits, a).isEqualTo(swapped);
                assertThat(run(load[0], load[1], new Insn(0xd7, 0, 0, 0, bits))).as("bswap%d %x", bits, a).isEqualTo(swapped);
            }
        }
    }

    record JumpCase(String name, int op, java.util.function.BiPredicate<BigInteger, BigInteger> unsigned,
                    java.util.function.BiPredicate<BigInteger, BigInteger> signed, boolean isSigned) {}

    static List<JumpCase> jumpCases() {
        return List.of(
                new JumpCase("jeq", JMP_JEQ, (x, y) -> x.equals(y), null, false),
                new JumpCase("jne", JMP_JNE, (x, y) -> !x.equals(y), null, false),
                new JumpCase("jgt", JMP_JGT, (x, y) -> x.compareTo(y) > 0, null, false),
                new JumpCase("jge", JMP_JGE, (x, y) -> x.compareTo(y) >= 0, null, false),
                new JumpCase("jlt", JMP_JLT, (x, y) -> x.compareTo(y) < 0, null, false),
                new JumpCase("jle", JMP_JLE, (x, y) -> x.compareTo(y) <= 0, null, false),
                new JumpCase("jset", JMP_JSET, (x, y) -> x.and(y).signum() != 0, null, false),
                new JumpCase("jsgt", JMP_JSGT, null, (x, y) -> x.compareTo(y) > 0, true),
                new JumpCase("jsge", JMP_JSGE, null, (x, y) -> x.compareTo(y) >= 0, true),
                new JumpCase("jslt", JMP_JSLT, null, (x, y) -> x.compareTo(y) < 0, true),
                new JumpCase("jsle", JMP_JSLE, null, (x, y) -> x.compareTo(y) <= 0, true));
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void conditionalJumpsMatchModel(long seed) {
        Random random = new Random(seed);
        for (JumpCase c : jumpCases()) {
            for (boolean wide : new boolean[] {true, false}) {
                int cls = wide ? CLASS_JMP : CLASS_JMP32;
                for (int i = 0; i < 150; i++) {
                    long a = operand(random);
                    long b = random.nextInt(3) == 0 ? a : operand(random);
                    for (boolean reg : new boolean[] {true, false}) {
                        long bv = reg ? b : (int) b;
                        BigInteger x = c.isSigned() ? (wide ? s(a) : s32(a)) : (wide ? u(a) : u32(a));
                        BigInteger y = c.isSigned() ? (wide ? s(bv) : s32(bv)) : (wide ? u(bv) : u32(bv));
                        boolean expected = c.isSigned() ? c.signed().test(x, y) : c.unsigned().test(x, y);
                        Insn jump = reg ? new Insn(cls | c.op() | SRC_X, 1, 2, 1, 0) : new Insn(cls | c.op() | SRC_K, 1, 0, 1, (int) b);
                        Insn[] la = Insn.lddw(1, PSEUDO_IMM64, a);
                        Insn[] lb = Insn.lddw(2, PSEUDO_IMM64, b);
                        long r0 = run(Insn.mov64Imm(0, 0), la[0], la[1], lb[0], lb[1], jump, Insn.exit(), Insn.mov64Imm(0, 1));
                        assertThat(r0 == 1).as("%s%s %s a=%x b=%x", c.name(), wide ? "" : "32", reg ? "reg" : "imm", a, bv)
                                .isEqualTo(expected);
                    }
                }
            }
        }
    }
}

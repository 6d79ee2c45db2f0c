package org.bpf4j.bench;

import static org.bpf4j.isa.Opcodes.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * The CPU-bound raw ISA programs the engine benchmarks run, each with a plain Java reference
 * implementation that computes the same result. Kept apart from any one benchmark so that the
 * interpreter, the JIT and the side-by-side harness all measure exactly the same code, and so that a
 * test can hold each program to its reference.
 *
 * <p>Calling conventions (raw ISA profile: r1/r2 are a memory block and its length):
 * <ul>
 *   <li>{@link #primes()}: r1 = N; returns how many primes are below N.
 *   <li>{@link #log2Sum()}: r1 = address of little-endian u32 values, r2 = their length in bytes;
 *       returns the sum of floor(log2(v)) over them, with log2(0) taken as 0.
 *   <li>{@link #copyChecksum()}: r1 = source, r2 = length in bytes, r3 = destination; copies byte by
 *       byte and returns the checksum {@code h = h * 31 + b} over the bytes copied.
 * </ul>
 */
public final class BenchPrograms {
    private BenchPrograms() {}

    /** N of the primes benchmark. */
    public static final int PRIMES_N = 500;
    /** Number of u32 values the log2 benchmark sums over. */
    public static final int LOG2_VALUES = 256;
    /** Bytes the copy benchmark copies. */
    public static final int COPY_BYTES = 1024;
    /** Seed of the benchmarks' input data. */
    public static final long DEFAULT_SEED = 0xb9f4_5eedL;

    private static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8;

    // ---------------------------------------------------------------- primes below N

    /** Counts the primes below r1 by trial division: for each i, divide by d = 2.. while d * d <= i. */
    public static Program primes() {
        return new ProgramBuilder()
                .emit(Insn.mov64Imm(R0, 0))                  // count = 0
                .emit(Insn.mov64Imm(R6, 2))                  // i = 2
                .label("outer")
                .jumpReg(JMP_JGE, R6, R1, "done")            // while i < n
                .emit(Insn.mov64Imm(R7, 2))                  //   d = 2
                .label("inner")
                .emit(Insn.mov64Reg(R8, R7))
                .emit(Insn.alu64Reg(ALU_MUL, R8, R7))
                .jumpReg(JMP_JGT, R8, R6, "prime")           //   while d * d <= i
                .emit(Insn.mov64Reg(R8, R6))
                .emit(Insn.alu64Reg(ALU_MOD, R8, R7))
                .jumpImm(JMP_JEQ, R8, 0, "next")             //     if i % d == 0: composite
                .emit(Insn.alu64Imm(ALU_ADD, R7, 1))         //     d++
                .ja("inner")
                .label("prime")
                .emit(Insn.alu64Imm(ALU_ADD, R0, 1))         //   count++
                .label("next")
                .emit(Insn.alu64Imm(ALU_ADD, R6, 1))         //   i++
                .ja("outer")
                .label("done")
                .emit(Insn.exit())
                .build();
    }

    public static long primesReference(long n) {
        long count = 0;
        for (long i = 2; i < n; i++) {
            boolean prime = true;
            for (long d = 2; d * d <= i; d++) {
                if (i % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) count++;
        }
        return count;
    }

    // ---------------------------------------------------------------- sum of integer log2

    /** Sums floor(log2(v)) over the u32 values at r1 (r2 bytes), shifting each right until it is <= 1. */
    public static Program log2Sum() {
        return new ProgramBuilder()
                .emit(Insn.mov64Imm(R0, 0))                  // sum = 0
                .emit(Insn.mov64Reg(R3, R1))                 // p = block
                .emit(Insn.mov64Reg(R4, R1))
                .emit(Insn.alu64Reg(ALU_ADD, R4, R2))        // end = block + len
                .label("loop")
                .jumpReg(JMP_JGE, R3, R4, "done")            // while p < end
                .emit(Insn.load(SIZE_W, R5, R3, 0))          //   v = *(u32 *)p
                .emit(Insn.mov64Imm(R6, 0))                  //   log = 0
                .label("shift")
                .jumpImm(JMP_JLE, R5, 1, "add")              //   while v > 1
                .emit(Insn.alu64Imm(ALU_RSH, R5, 1))         //     v >>= 1
                .emit(Insn.alu64Imm(ALU_ADD, R6, 1))         //     log++
                .ja("shift")
                .label("add")
                .emit(Insn.alu64Reg(ALU_ADD, R0, R6))        //   sum += log
                .emit(Insn.alu64Imm(ALU_ADD, R3, 4))         //   p += 4
                .ja("loop")
                .label("done")
                .emit(Insn.exit())
                .build();
    }

    public static long log2SumReference(int[] values) {
        long sum = 0;
        for (int value : values) {
            long v = value & 0xffffffffL;
            long log = 0;
            while (v > 1) {
                v >>>= 1;
                log++;
            }
            sum += log;
        }
        return sum;
    }

    // ---------------------------------------------------------------- byte copy with checksum

    /** Copies r2 bytes from r1 to r3 one byte at a time; returns h = h * 31 + b over the bytes. */
    public static Program copyChecksum() {
        return new ProgramBuilder()
                .emit(Insn.mov64Imm(R0, 0))                  // h = 0
                .emit(Insn.mov64Reg(R4, R1))
                .emit(Insn.alu64Reg(ALU_ADD, R4, R2))        // end = src + len
                .label("loop")
                .jumpReg(JMP_JGE, R1, R4, "done")            // while src < end
                .emit(Insn.load(SIZE_B, R5, R1, 0))          //   b = *(u8 *)src
                .emit(Insn.store(SIZE_B, R3, R5, 0))         //   *(u8 *)dst = b
                .emit(Insn.alu64Imm(ALU_MUL, R0, 31))
                .emit(Insn.alu64Reg(ALU_ADD, R0, R5))        //   h = h * 31 + b
                .emit(Insn.alu64Imm(ALU_ADD, R1, 1))         //   src++
                .emit(Insn.alu64Imm(ALU_ADD, R3, 1))         //   dst++
                .ja("loop")
                .label("done")
                .emit(Insn.exit())
                .build();
    }

    /** Copies {@code src} into {@code dst} (at least as long) and returns the checksum of the bytes. */
    public static long copyChecksumReference(byte[] src, byte[] dst) {
        long h = 0;
        for (int i = 0; i < src.length; i++) {
            byte b = src[i];
            dst[i] = b;
            h = h * 31 + (b & 0xff);
        }
        return h;
    }

    // ---------------------------------------------------------------- inputs

    /** {@code count} u32 values spread over all magnitudes (uniform bit length, then uniform bits). */
    public static int[] log2Input(long seed, int count) {
        Random rnd = new Random(seed);
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            int bits = rnd.nextInt(33); // 0..32 significant bits
            values[i] = bits == 0 ? 0 : (int) ((rnd.nextLong() >>> (64 - bits)) | (1L << (bits - 1)));
        }
        return values;
    }

    public static byte[] copyInput(long seed, int count) {
        byte[] bytes = new byte[count];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The little-endian bytes of {@code values}, as the log2 program reads them. */
    public static byte[] littleEndian(int[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) buf.putInt(v);
        return buf.array();
    }
}

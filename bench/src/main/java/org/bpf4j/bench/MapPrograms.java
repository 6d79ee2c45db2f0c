package org.bpf4j.bench;

import static org.bpf4j.isa.Opcodes.*;

import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * Raw ISA programs that use a map through the helpers, for {@link ProgramMapBenchmark}. The map is
 * bound as the runtime binds one ({@code LoadedProgram}): {@code lddw r1, <map handle>} as a plain
 * imm64.
 *
 * <p>Each program loops {@code i = 0 .. n-1} over the keys {@code k = (i * 0x9e3779b1) & (n - 1)} — a
 * permutation of {@code 0 .. n-1}, so a run visits every key of an n-entry map exactly once, in an order
 * that is not sequential. The key is stored at {@code fp-4} and passed to the helper from there, as
 * compiled C does. Every program returns the sum of what it read, which is {@code n(n-1)/2} on a map
 * holding {@code value(k) = k}.
 */
public final class MapPrograms {
    private MapPrograms() {}

    /** The odd multiplier of the key permutation. */
    static final int KEY_MULTIPLIER = 0x9e37_79b1;
    /** What a program returns when a lookup finds nothing (every key is expected to exist). */
    public static final long MISSING_KEY = -1000;

    private static final int R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R6 = 6, R7 = 7, R10 = 10;

    /** The kinds of loop body. */
    public enum Body {
        /** No helper call: store the key to the stack, load it back, add it (the loop's own cost). */
        LOOP,
        /** {@code v = bpf_map_lookup_elem(map, &k); sum += *v}. */
        LOOKUP,
        /** As {@link #LOOKUP}, then {@code new = *v + 1; bpf_map_update_elem(map, &k, &new, BPF_ANY)}. */
        LOOKUP_UPDATE
    }

    /**
     * The loop over {@code n} keys ({@code n} a power of two) of map {@code mapHandle} (ignored for
     * {@link Body#LOOP}). Returns the sum read, {@link #MISSING_KEY} if a lookup misses, or the update's
     * -errno if an update fails.
     */
    public static Program loop(Body body, long mapHandle, int n) {
        if (Integer.bitCount(n) != 1) throw new IllegalArgumentException("n must be a power of two: " + n);
        ProgramBuilder b = new ProgramBuilder()
                .emit(Insn.mov64Imm(R6, 0))                              // sum = 0
                .emit(Insn.mov64Imm(R7, 0))                              // i = 0
                .label("loop")
                .jumpImm(JMP_JGE, R7, n, "done")                         // while i < n
                .emit(Insn.mov64Reg(R1, R7))
                .emit(Insn.alu64Imm(ALU_MUL, R1, KEY_MULTIPLIER))
                .emit(Insn.alu64Imm(ALU_AND, R1, n - 1))                 //   k = (i * M) & (n - 1)
                .emit(Insn.store(SIZE_W, R10, R1, -4));                  //   *(u32 *)(fp - 4) = k
        switch (body) {
            case LOOP -> b
                    .emit(Insn.load(SIZE_W, R1, R10, -4))
                    .emit(Insn.alu64Reg(ALU_ADD, R6, R1));               //   sum += k
            case LOOKUP, LOOKUP_UPDATE -> {
                b.emit(Insn.lddw(R1, PSEUDO_IMM64, mapHandle))
                        .emit(Insn.mov64Reg(R2, R10))
                        .emit(Insn.alu64Imm(ALU_ADD, R2, -4))
                        .emit(Insn.call(KernelHelper.MAP_LOOKUP_ELEM.id())) //   v = lookup(map, &k)
                        .jumpImm(JMP_JEQ, R0, 0, "missing")
                        .emit(Insn.load(SIZE_DW, R1, R0, 0))
                        .emit(Insn.alu64Reg(ALU_ADD, R6, R1));           //   sum += *v
                if (body == Body.LOOKUP_UPDATE) {
                    b.emit(Insn.alu64Imm(ALU_ADD, R1, 1))
                            .emit(Insn.store(SIZE_DW, R10, R1, -16))     //   *(u64 *)(fp - 16) = *v + 1
                            .emit(Insn.lddw(R1, PSEUDO_IMM64, mapHandle))
                            .emit(Insn.mov64Reg(R2, R10))
                            .emit(Insn.alu64Imm(ALU_ADD, R2, -4))
                            .emit(Insn.mov64Reg(R3, R10))
                            .emit(Insn.alu64Imm(ALU_ADD, R3, -16))
                            .emit(Insn.mov64Imm(R4, 0))                  //   BPF_ANY
                            .emit(Insn.call(KernelHelper.MAP_UPDATE_ELEM.id()))
                            .jumpImm(JMP_JNE, R0, 0, "failed");
                }
            }
        }
        return b.emit(Insn.alu64Imm(ALU_ADD, R7, 1))                     //   i++
                .ja("loop")
                .label("missing")
                .emit(Insn.mov64Imm(R0, (int) MISSING_KEY))
                .label("failed")                                         // r0 = the update's -errno
                .emit(Insn.exit())
                .label("done")
                .emit(Insn.mov64Reg(R0, R6))
                .emit(Insn.exit())
                .build();
    }

    /** The key the loop visits at iteration {@code i}. */
    public static int keyAt(int i, int n) {
        return (int) ((long) i * KEY_MULTIPLIER) & (n - 1);
    }
}

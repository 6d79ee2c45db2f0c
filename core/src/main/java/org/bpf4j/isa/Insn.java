package org.bpf4j.isa;

import static org.bpf4j.isa.Opcodes.*;

/**
 * One 8-byte instruction slot, exactly as encoded: {@code lddw} takes two slots, the second one an
 * {@code Insn} with opcode 0 whose {@code imm} holds the upper 32 bits. Keeping slots one-to-one with
 * the encoding keeps instruction indexes identical to the kernel's (verifier logs, jump offsets).
 *
 * @param opcode the opcode byte, 0..255
 * @param dst destination register, 0..15 as encoded (only 0..10 are valid registers)
 * @param src source register, 0..15 as encoded
 * @param off signed 16-bit offset
 * @param imm signed 32-bit immediate
 */
public record Insn(int opcode, int dst, int src, int off, int imm) {

    public static final int SIZE = 8;

    public Insn {
        if ((opcode & ~0xff) != 0) throw new IllegalArgumentException("opcode out of range: " + opcode);
        if ((dst & ~0xf) != 0) throw new IllegalArgumentException("dst register out of range: " + dst);
        if ((src & ~0xf) != 0) throw new IllegalArgumentException("src register out of range: " + src);
        if (off != (short) off) throw new IllegalArgumentException("offset out of 16-bit range: " + off);
    }

    /** Decodes one little-endian instruction word (as read with {@code getLong} on LE data). */
    public static Insn decode(long word) {
        int opcode = (int) (word & 0xff);
        int regs = (int) ((word >>> 8) & 0xff);
        int off = (short) ((word >>> 16) & 0xffff);
        int imm = (int) (word >>> 32);
        return new Insn(opcode, regs & 0xf, regs >>> 4, off, imm);
    }

    /** The little-endian instruction word: opcode in the low byte, imm in the high 32 bits. */
    public long encode() {
        return (opcode & 0xffL)
                | ((long) ((src << 4) | dst) << 8)
                | ((off & 0xffffL) << 16)
                | ((long) imm << 32);
    }

    public int insnClass() { return Opcodes.insnClass(opcode); }

    /** True for the first slot of a 16-byte {@code lddw}. */
    public boolean isWide() { return opcode == LDDW; }

    // Factories for the forms code generators and tests need most; the Assembler covers the rest.

    public static Insn alu64Imm(int op, int dst, int imm) { return new Insn(CLASS_ALU64 | op | SRC_K, dst, 0, 0, imm); }
    public static Insn alu64Reg(int op, int dst, int src) { return new Insn(CLASS_ALU64 | op | SRC_X, dst, src, 0, 0); }
    public static Insn alu32Imm(int op, int dst, int imm) { return new Insn(CLASS_ALU | op | SRC_K, dst, 0, 0, imm); }
    public static Insn alu32Reg(int op, int dst, int src) { return new Insn(CLASS_ALU | op | SRC_X, dst, src, 0, 0); }
    public static Insn mov64Imm(int dst, int imm) { return alu64Imm(ALU_MOV, dst, imm); }
    public static Insn mov64Reg(int dst, int src) { return alu64Reg(ALU_MOV, dst, src); }
    public static Insn load(int size, int dst, int src, int off) { return new Insn(CLASS_LDX | MODE_MEM | size, dst, src, off, 0); }
    public static Insn store(int size, int dst, int src, int off) { return new Insn(CLASS_STX | MODE_MEM | size, dst, src, off, 0); }
    public static Insn storeImm(int size, int dst, int off, int imm) { return new Insn(CLASS_ST | MODE_MEM | size, dst, 0, off, imm); }
    public static Insn jumpImm(int op, int dst, int imm, int off) { return new Insn(CLASS_JMP | op | SRC_K, dst, 0, off, imm); }
    public static Insn jumpReg(int op, int dst, int src, int off) { return new Insn(CLASS_JMP | op | SRC_X, dst, src, off, 0); }
    public static Insn ja(int off) { return new Insn(JA, 0, 0, off, 0); }
    public static Insn call(int helperId) { return new Insn(CALL, 0, CALL_HELPER, 0, helperId); }
    public static Insn callLocal(int relative) { return new Insn(CALL, 0, CALL_PSEUDO, 0, relative); }
    public static Insn exit() { return new Insn(EXIT, 0, 0, 0, 0); }

    /** The two slots of {@code dst = imm64} with the given pseudo source ({@link Opcodes#PSEUDO_IMM64} ...). */
    public static Insn[] lddw(int dst, int pseudoSrc, long imm64) {
        return new Insn[] {
            new Insn(LDDW, dst, pseudoSrc, 0, (int) imm64),
            new Insn(0, 0, 0, 0, (int) (imm64 >>> 32)),
        };
    }
}

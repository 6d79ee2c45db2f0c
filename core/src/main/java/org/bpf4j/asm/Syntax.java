package org.bpf4j.asm;

import static org.bpf4j.isa.Opcodes.*;

import java.util.Optional;
import org.bpf4j.isa.Operators;

/**
 * The tables that map text to encodings, shared by the {@link Disassembler} and both assemblers so
 * that printing and parsing cannot drift apart. The operators' spellings are {@link Operators}', which the
 * verifier's log shares.
 */
final class Syntax {
    private Syntax() {}

    /**
     * ALU operations written as compound assignments ({@code r1 += r2}) in the kernel syntax and as
     * {@code add %r1, %r2} in the conformance syntax. Signed div/mod differ from unsigned only by
     * {@code off = 1}. Mov, neg and the byte swaps have forms of their own.
     */
    enum AluOp {
        ADD(ALU_ADD, 0, "add"),
        SUB(ALU_SUB, 0, "sub"),
        MUL(ALU_MUL, 0, "mul"),
        DIV(ALU_DIV, 0, "div"),
        SDIV(ALU_DIV, 1, "sdiv"),
        OR(ALU_OR, 0, "or"),
        AND(ALU_AND, 0, "and"),
        LSH(ALU_LSH, 0, "lsh"),
        RSH(ALU_RSH, 0, "rsh"),
        MOD(ALU_MOD, 0, "mod"),
        SMOD(ALU_MOD, 1, "smod"),
        XOR(ALU_XOR, 0, "xor"),
        ARSH(ALU_ARSH, 0, "arsh");

        final int code;
        final int off;
        final String symbol;
        final String mnemonic;

        AluOp(int code, int off, String mnemonic) {
            this.code = code;
            this.off = off;
            this.symbol = Operators.alu(code, off);
            this.mnemonic = mnemonic;
        }

        /**
         * The atomic read-modify-write operations reuse these four ALU codes as their {@code imm}
         * ({@code BPF_ADD | BPF_FETCH} ...), so they share spelling too.
         */
        boolean atomic() {
            return this == ADD || this == OR || this == AND || this == XOR;
        }

        static Optional<AluOp> of(int code, int off) {
            for (AluOp op : values()) if (op.code == code && op.off == off) return Optional.of(op);
            return Optional.empty();
        }

        static Optional<AluOp> bySymbol(String symbol) {
            for (AluOp op : values()) if (op.symbol.equals(symbol)) return Optional.of(op);
            return Optional.empty();
        }

        static Optional<AluOp> byMnemonic(String mnemonic) {
            for (AluOp op : values()) if (op.mnemonic.equals(mnemonic)) return Optional.of(op);
            return Optional.empty();
        }
    }

    /** Conditional jumps: {@code if r1 s> r2 goto +1} in the kernel syntax, {@code jsgt} in the conformance one. */
    enum JmpOp {
        JEQ(JMP_JEQ, "jeq"),
        JGT(JMP_JGT, "jgt"),
        JGE(JMP_JGE, "jge"),
        JSET(JMP_JSET, "jset"),
        JNE(JMP_JNE, "jne"),
        JSGT(JMP_JSGT, "jsgt"),
        JSGE(JMP_JSGE, "jsge"),
        JLT(JMP_JLT, "jlt"),
        JLE(JMP_JLE, "jle"),
        JSLT(JMP_JSLT, "jslt"),
        JSLE(JMP_JSLE, "jsle");

        final int code;
        final String symbol;
        final String mnemonic;

        JmpOp(int code, String mnemonic) {
            this.code = code;
            this.symbol = Operators.jmp(code);
            this.mnemonic = mnemonic;
        }

        static Optional<JmpOp> of(int code) {
            for (JmpOp op : values()) if (op.code == code) return Optional.of(op);
            return Optional.empty();
        }

        static Optional<JmpOp> bySymbol(String symbol) {
            for (JmpOp op : values()) if (op.symbol.equals(symbol)) return Optional.of(op);
            return Optional.empty();
        }

        static Optional<JmpOp> byMnemonic(String mnemonic) {
            for (JmpOp op : values()) if (op.mnemonic.equals(mnemonic)) return Optional.of(op);
            return Optional.empty();
        }
    }

    /** Load/store widths: {@code u32}/{@code s32} in the kernel syntax, the {@code w} of {@code ldxw} in the conformance one. */
    enum Size {
        B(SIZE_B, 8, "b"),
        H(SIZE_H, 16, "h"),
        W(SIZE_W, 32, "w"),
        DW(SIZE_DW, 64, "dw");

        final int code;
        final int bits;
        final String suffix;

        Size(int code, int bits, String suffix) {
            this.code = code;
            this.bits = bits;
            this.suffix = suffix;
        }

        String unsigned() { return "u" + bits; }

        String signed() { return "s" + bits; }

        /** Values narrower than 64 bits live in the 32-bit view of a register ({@code w1}). */
        boolean wide() { return this == DW; }

        static Size of(int opcode) {
            int code = size(opcode);
            for (Size s : values()) if (s.code == code) return s;
            throw new AssertionError("two bits have four values");
        }

        static Optional<Size> byName(String name) {
            for (Size s : values()) if (s.unsigned().equals(name)) return Optional.of(s);
            return Optional.empty();
        }

        static Optional<Size> bySuffix(String suffix) {
            for (Size s : values()) if (s.suffix.equals(suffix)) return Optional.of(s);
            return Optional.empty();
        }
    }

    /** Pseudo sources of {@code lddw} other than a plain constant, written {@code r1 = map_value(3, 16) ll}. */
    enum Pseudo {
        MAP_FD(PSEUDO_MAP_FD, "map_fd", false),
        MAP_VALUE(PSEUDO_MAP_VALUE, "map_value", true),
        BTF_ID(PSEUDO_BTF_ID, "btf_id", false),
        FUNC(PSEUDO_FUNC, "func", false),
        MAP_IDX(PSEUDO_MAP_IDX, "map_idx", false),
        MAP_IDX_VALUE(PSEUDO_MAP_IDX_VALUE, "map_idx_value", true);

        final int src;
        final String name;
        /** Whether the second slot's imm is an offset into the value (else it must be 0). */
        final boolean withOffset;

        Pseudo(int src, String name, boolean withOffset) {
            this.src = src;
            this.name = name;
            this.withOffset = withOffset;
        }

        static Optional<Pseudo> of(int src) {
            for (Pseudo p : values()) if (p.src == src) return Optional.of(p);
            return Optional.empty();
        }

        static Optional<Pseudo> byName(String name) {
            for (Pseudo p : values()) if (p.name.equals(name)) return Optional.of(p);
            return Optional.empty();
        }
    }

    /** Every operator symbol the kernel syntax uses, for the lexer's longest match. */
    static final String[] SYMBOLS;

    static {
        var all = new java.util.ArrayList<String>();
        for (AluOp op : AluOp.values()) all.add(op.symbol);
        for (JmpOp op : JmpOp.values()) all.add(op.symbol);
        for (String p : new String[] {"=", "(", ")", "[", "]", ",", "*", "+", "-", "#", ":", "%"}) {
            if (!all.contains(p)) all.add(p);
        }
        all.sort((a, b) -> b.length() - a.length());
        SYMBOLS = all.toArray(String[]::new);
    }
}

package org.bpf4j.isa;

import static org.bpf4j.isa.Opcodes.ALU_DIV;
import static org.bpf4j.isa.Opcodes.ALU_MOD;

/**
 * How the kernel spells the ALU and jump operators (kernel/bpf/disasm.c: {@code bpf_alu_string},
 * {@code bpf_alu_sign_string}, {@code bpf_jmp_string}): the one table behind the disassembler, the
 * assembler's parser, the verifier's log and its messages ({@code R1 pointer += pointer prohibited}).
 */
public final class Operators {
    private Operators() {}

    // Indexed by the op field's high nibble (ALU_ADD >> 4, ...); "?" where no operation has the code.
    private static final String[] ALU = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=",
            "endian", "?", "?"};
    private static final String[] JMP = {"jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<",
            "s<=", "?", "?"};

    /**
     * The operator of an ALU op field ({@link Opcodes#aluOp}, or an atomic instruction's imm without
     * {@code BPF_FETCH}): {@code "+="} for {@code ALU_ADD}, {@code "="} for {@code ALU_MOV}, {@code "neg"},
     * {@code "endian"}.
     */
    public static String alu(int aluOp) { return ALU[aluOp >> 4]; }

    /** As {@link #alu(int)} for an instruction with this {@code off}: off 1 makes BPF_DIV and BPF_MOD signed. */
    public static String alu(int aluOp, int off) {
        if (off == 1 && aluOp == ALU_DIV) return "s/=";
        if (off == 1 && aluOp == ALU_MOD) return "s%=";
        return alu(aluOp);
    }

    /** The operator of a jump op field ({@link Opcodes#jmpOp}): {@code "=="}, {@code "s>"}, ..., {@code "call"}. */
    public static String jmp(int jmpOp) { return JMP[jmpOp >> 4]; }
}

package org.bpf4j.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    private static void rejects(String text, String message) {
        assertThatThrownBy(() -> Assembler.assemble(text)).isInstanceOf(AsmException.class).hasMessage(message);
    }

    @Test
    void labelsCommentsAndBlankLines() {
        Program p = Assembler.assemble("""
                ; count r1 down to zero
                    r1 = 3          // start
                loop:
                    if r1 == 0 goto done  # finished?
                    r1 -= 1
                    goto loop
                done:
                    call helper_free_subprog
                    r0 = func(sub) ll
                    exit

                sub:
                    r0 = 0
                    exit
                helper_free_subprog:
                    exit
                """);
        assertThat(p.insns()).containsExactly(
                Insn.mov64Imm(1, 3),
                Insn.jumpImm(JMP_JEQ, 1, 0, 2),
                Insn.alu64Imm(ALU_SUB, 1, 1),
                Insn.ja(-3),
                Insn.callLocal(5),
                Insn.lddw(0, PSEUDO_FUNC, 2)[0], Insn.lddw(0, PSEUDO_FUNC, 2)[1],
                Insn.exit(),
                Insn.mov64Imm(0, 0),
                Insn.exit(),
                Insn.exit());
    }

    @Test
    void labelsWorkForEveryKindOfJump() {
        Program p = Assembler.assemble("""
                top:
                gotol top
                may_goto top
                if w1 s< w2 goto top
                """);
        assertThat(p.insns()).containsExactly(
                new Insn(JA32, 0, 0, 0, -1),
                new Insn(MAY_GOTO, 0, 0, -2, 0),
                new Insn(CLASS_JMP32 | JMP_JSLT | SRC_X, 1, 2, -3, 0));
    }

    @Test
    void numbersInHexDecimalAndNegative() {
        assertThat(Assembler.assemble("r1 = 0x10\nr1 = -0x10\nr1 = 0xffffffff\nr1 = -2147483648\nr1 = 4294967295").insns())
                .containsExactly(Insn.mov64Imm(1, 16), Insn.mov64Imm(1, -16), Insn.mov64Imm(1, -1),
                        Insn.mov64Imm(1, Integer.MIN_VALUE), Insn.mov64Imm(1, -1));
        assertThat(Assembler.assemble("r2 = -1 ll").insns()).containsExactly(Insn.lddw(2, PSEUDO_IMM64, -1));
        assertThat(Assembler.assemble("r2 = 18446744073709551615 ll").insns()).containsExactly(Insn.lddw(2, PSEUDO_IMM64, -1));
    }

    @Test
    void whitespaceIsFree() {
        assertThat(Assembler.assemble("r0=*(u32*)(r1+4)\n*(u64 *)( r10 -8 )=r0\nr1 s>>=r2\nif r1 s>=0x1 goto+1").insns())
                .containsExactly(Insn.load(SIZE_W, 0, 1, 4), Insn.store(SIZE_DW, 10, 0, -8),
                        Insn.alu64Reg(ALU_ARSH, 1, 2), Insn.jumpImm(JMP_JSGE, 1, 1, 1));
    }

    @Test
    void rawInstructions() {
        assertThat(Assembler.assemble(".insn 0x8e, 15, 15, -32768, -1").insns())
                .containsExactly(new Insn(0x8e, 15, 15, -32768, -1));
    }

    @Test
    void unknownInstructions() {
        rejects("r0 = 0\n\nr1 +== 2", "line 3: unknown instruction 'r1 +== 2'");
        rejects("frobnicate r1", "line 1: unknown instruction 'frobnicate r1'");
        rejects("r1 = 2 extra", "line 1: unknown instruction 'r1 = 2 extra'");
        rejects("if r1 > 2 goto", "line 1: unknown instruction 'if r1 > 2 goto'");
        rejects("r1 = $5", "line 1: unexpected character '$' in 'r1 = $5'");
    }

    @Test
    void labelErrors() {
        rejects("goto done\nexit\n\n\n\n\nif r1 > 2 goto done", "line 1: undefined label 'done'");
        rejects("a:\nexit\na:\nexit", "line 3: duplicate label 'a' (first defined on line 1)");
        StringBuilder far = new StringBuilder("goto far\n");
        far.append("exit\n".repeat(40000)).append("far:\nexit\n");
        rejects(far.toString(), "line 1: jump to 'far' is 40000 slots away: does not fit in 16 bits");
    }

    @Test
    void fieldRanges() {
        rejects("r0 = 1\nr1 = 0x1ffffffff", "line 2: immediate 0x1ffffffff does not fit in 32 bits");
        rejects("r1 += -2147483649", "line 1: immediate -2147483649 does not fit in 32 bits");
        rejects("goto +32768", "line 1: offset +32768 does not fit in 16 bits");
        rejects("r0 = *(u32 *)(r1 - 32769)", "line 1: offset -32769 does not fit in 16 bits");
        rejects("r1 = 0x10000000000000000 ll", "line 1: immediate 0x10000000000000000 does not fit in 64 bits");
        rejects(".insn 0x100, 0, 0, 0, 0", "line 1: opcode 0x100 does not fit in 8 bits");
        rejects(".insn 0x07, 16, 0, 0, 0", "line 1: register field 16 does not fit in 4 bits");
        rejects("r1 = addr_space_cast(r2, 65536, 0)", "line 1: address space 65536 does not fit in 16 bits");
        rejects("r1 = 0x1g", "line 1: bad number '0x1g'");
    }

    @Test
    void registerErrors() {
        rejects("r11 = 1", "line 1: unknown register 'r11'");
        rejects("r1 += w2", "line 1: register 'w2' should be 'r2' here");
        rejects("w1 = 5 ll", "line 1: register 'w1' should be 'r1' here");
        rejects("r1 = -r2", "line 1: both sides must be the same register, not r1 and r2");
        rejects("r1 = cmpxchg_64(r2 + 0, r1, r3)", "line 1: cmpxchg always compares with and writes r0");
        rejects("r1 = *(u8 *)skb[4]", "line 1: legacy packet loads always load into r0");
    }
}

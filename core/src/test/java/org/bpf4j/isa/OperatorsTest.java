package org.bpf4j.isa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import org.junit.jupiter.api.Test;

/** Operators spells as kernel/bpf/disasm.c does (bpf_alu_string, bpf_alu_sign_string, bpf_jmp_string). */
class OperatorsTest {

    @Test
    void aluSpellingsFollowDisasmC() {
        assertThat(Operators.alu(ALU_ADD)).isEqualTo("+=");
        assertThat(Operators.alu(ALU_ARSH)).isEqualTo("s>>=");
        assertThat(Operators.alu(ALU_MOV)).isEqualTo("=");
        assertThat(Operators.alu(ALU_NEG)).isEqualTo("neg");
        assertThat(Operators.alu(ALU_END)).isEqualTo("endian");
        assertThat(Operators.alu(0xe0)).isEqualTo("?");
    }

    @Test
    void offOneMakesOnlyDivAndModSigned() {
        assertThat(Operators.alu(ALU_DIV, 1)).isEqualTo("s/=");
        assertThat(Operators.alu(ALU_MOD, 1)).isEqualTo("s%=");
        assertThat(Operators.alu(ALU_DIV, 0)).isEqualTo("/=");
        assertThat(Operators.alu(ALU_ADD, 1)).isEqualTo("+=");
    }

    @Test
    void jumpSpellingsFollowDisasmC() {
        assertThat(Operators.jmp(JMP_JSLE)).isEqualTo("s<=");
        assertThat(Operators.jmp(JMP_JSET)).isEqualTo("&");
        assertThat(Operators.jmp(JMP_CALL)).isEqualTo("call");
        assertThat(Operators.jmp(JMP_JA)).isEqualTo("jmp");
    }
}

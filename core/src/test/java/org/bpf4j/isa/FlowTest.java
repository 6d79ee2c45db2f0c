package org.bpf4j.isa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import org.junit.jupiter.api.Test;

class FlowTest {
    private static final int R0 = 1, R1 = 1 << 1, R2 = 1 << 2, R3 = 1 << 3;

    private static Insn atomic(int imm, int dst, int src) {
        return new Insn(CLASS_STX | MODE_ATOMIC | SIZE_DW, dst, src, 0, imm);
    }

    @Test
    void targetsOfEveryKindOfJump() {
        assertThat(Flow.branchTarget(Insn.ja(3), 10)).isEqualTo(14);
        assertThat(Flow.branchTarget(new Insn(JA32, 0, 0, 0, -5), 10)).isEqualTo(6);
        assertThat(Flow.branchTarget(new Insn(MAY_GOTO, 0, 0, 2, 0), 10)).isEqualTo(13);
        assertThat(Flow.branchTarget(new Insn(CLASS_JMP32 | JMP_JEQ | SRC_X, 1, 2, -1, 0), 10)).isEqualTo(10);
        assertThat(Flow.branchTarget(Insn.exit(), 10)).isEqualTo(Flow.NO_TARGET);
        assertThat(Flow.branchTarget(new Insn(CALL, 0, CALL_PSEUDO, 0, 4), 10)).isEqualTo(Flow.NO_TARGET);
        assertThat(Flow.callTarget(new Insn(CALL, 0, CALL_PSEUDO, 0, 4), 10)).isEqualTo(15);
        assertThat(Flow.callTarget(new Insn(CALL, 0, CALL_HELPER, 0, 4), 10)).isEqualTo(Flow.NO_TARGET);
        assertThat(Flow.functionAddress(Insn.lddw(1, PSEUDO_FUNC, 7)[0], 10)).isEqualTo(18);
    }

    @Test
    void onlyExitAndUnconditionalJumpsStopFallingThrough() {
        assertThat(Flow.fallsThrough(Insn.exit())).isFalse();
        assertThat(Flow.fallsThrough(Insn.ja(0))).isFalse();
        assertThat(Flow.fallsThrough(new Insn(JA32, 0, 0, 0, 0))).isFalse();
        assertThat(Flow.fallsThrough(new Insn(MAY_GOTO, 0, 0, 2, 0))).isTrue();
        assertThat(Flow.fallsThrough(new Insn(CALL, 0, CALL_PSEUDO, 0, 4))).isTrue();
        assertThat(Flow.next(Insn.lddw(1, 0, 7)[0], 3)).isEqualTo(5);
    }

    @Test
    void atomicsReadAndWriteWhatTheirOperationSays() {
        assertThat(Flow.regsRead(atomic(ATOMIC_ADD, 1, 2))).isEqualTo(R1 | R2);
        assertThat(Flow.regsWritten(atomic(ATOMIC_ADD, 1, 2))).isZero();
        assertThat(Flow.regsWritten(atomic(ATOMIC_ADD | ATOMIC_FETCH, 1, 2))).isEqualTo(R2);
        assertThat(Flow.regsRead(atomic(ATOMIC_CMPXCHG, 1, 2))).isEqualTo(R0 | R1 | R2);
        assertThat(Flow.regsWritten(atomic(ATOMIC_CMPXCHG, 1, 2))).isEqualTo(R0);
        assertThat(Flow.regsRead(atomic(ATOMIC_LOAD_ACQ, 3, 2))).isEqualTo(R2);
        assertThat(Flow.regsWritten(atomic(ATOMIC_LOAD_ACQ, 3, 2))).isEqualTo(R3);
        assertThat(Flow.regsWritten(atomic(ATOMIC_STORE_REL, 3, 2))).isZero();
    }

    @Test
    void aluMovReadsOnlyItsSourceAndNegReadsOnlyItsDestination() {
        assertThat(Flow.regsRead(Insn.mov64Reg(1, 2))).isEqualTo(R2);
        assertThat(Flow.regsRead(Insn.mov64Imm(1, 2))).isZero();
        assertThat(Flow.regsRead(Insn.alu64Reg(ALU_ADD, 1, 2))).isEqualTo(R1 | R2);
        assertThat(Flow.regsRead(new Insn(CLASS_ALU64 | ALU_NEG, 1, 0, 0, 0))).isEqualTo(R1);
        assertThat(Flow.regsWritten(Insn.alu64Reg(ALU_ADD, 1, 2))).isEqualTo(R1);
    }

    @Test
    void callsAndLegacyLoadsLeaveTheConventionToTheCaller() {
        Insn helper = new Insn(CALL, 0, CALL_HELPER, 0, 1);
        Insn ldInd = new Insn(CLASS_LD | MODE_IND | SIZE_W, 0, 3, 0, 0);
        assertThat(Flow.hasConventionalRegs(helper)).isTrue();
        assertThat(Flow.hasConventionalRegs(ldInd)).isTrue();
        assertThat(Flow.hasConventionalRegs(Insn.lddw(1, 0, 7)[0])).isFalse();
        assertThat(Flow.regsRead(helper)).isZero();
        assertThat(Flow.regsWritten(helper)).isZero();
        assertThat(Flow.regsRead(ldInd)).isEqualTo(R3);
        assertThat(Flow.regsRead(Insn.exit())).isEqualTo(R0);
        assertThat(Flow.regsRead(new Insn(CALLX, 2, 0, 0, 0))).isEqualTo(R2);
    }
}

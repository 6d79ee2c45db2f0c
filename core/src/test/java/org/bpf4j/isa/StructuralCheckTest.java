package org.bpf4j.isa;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import org.junit.jupiter.api.Test;

class StructuralCheckTest {

    private static void rejects(Program p, String message) {
        assertThatThrownBy(() -> StructuralCheck.check(p))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage(message);
    }

    @Test
    void acceptsWellFormedProgram() {
        Insn[] lddw = Insn.lddw(0, 0, 42);
        assertThatCode(() -> StructuralCheck.check(Program.of(lddw[0], lddw[1], Insn.ja(0), Insn.exit())))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsEmptyProgram() {
        rejects(Program.of(), "insn 0: program is empty");
    }

    @Test
    void rejectsUnknownOpcode() {
        rejects(Program.of(Insn.mov64Imm(0, 0), new Insn(0x8e, 0, 0, 0, 0), Insn.exit()), "insn 1: unknown opcode 0x8e");
        rejects(Program.of(new Insn(0xdf, 0, 0, 0, 16)), "insn 0: unknown opcode 0xdf");
        rejects(Program.of(new Insn(0x8f, 0, 1, 0, 0)), "insn 0: unknown opcode 0x8f");
    }

    @Test
    void rejectsJumpOutOfRange() {
        rejects(Program.of(Insn.ja(5), Insn.exit()), "insn 0: jump out of range: target 6 is outside 0..1");
        rejects(Program.of(Insn.ja(-2), Insn.exit()), "insn 0: jump out of range: target -1 is outside 0..1");
        rejects(Program.of(new Insn(JA32, 0, 0, 0, 7), Insn.exit()), "insn 0: jump out of range: target 8 is outside 0..1");
        rejects(Program.of(Insn.callLocal(3), Insn.exit()), "insn 0: jump out of range: target 4 is outside 0..1");
    }

    @Test
    void rejectsJumpIntoLddw() {
        Insn[] lddw = Insn.lddw(0, 0, 1);
        rejects(Program.of(Insn.ja(1), lddw[0], lddw[1], Insn.exit()), "insn 0: jump into the middle of lddw at 1");
    }

    @Test
    void rejectsTruncatedLddw() {
        rejects(Program.of(Insn.exit(), Insn.lddw(0, 0, 1)[0]), "insn 1: lddw is the last slot: its second half is missing");
    }

    @Test
    void rejectsWritesToFramePointerAndBadRegisters() {
        rejects(Program.of(Insn.mov64Imm(10, 0), Insn.exit()), "insn 0: frame pointer r10 is read-only");
        rejects(Program.of(new Insn(0xbf, 11, 0, 0, 0), Insn.exit()), "insn 0: invalid register r11");
    }

    @Test
    void rejectsBadFieldCombinations() {
        rejects(Program.of(new Insn(0xd4, 0, 0, 0, 24)), "insn 0: byte swap width must be 16, 32 or 64, not 24");
        rejects(Program.of(new Insn(0x3f, 0, 1, 2, 0)), "insn 0: offset of div/mod must be 0 (unsigned) or 1 (signed), not 2");
        rejects(Program.of(new Insn(0xdb, 0, 1, 0, 0x20)), "insn 0: unknown atomic operation 0x20");
        rejects(Program.of(new Insn(0xbf, 0, 1, 1, 2)), "insn 0: addr_space_cast can only convert between address spaces 1 and 0");
    }
}

package org.bpf4j.progtype;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;

class ContextLayoutTest {

    private static final Insn LOAD_DW = new Insn(CLASS_LDX | MODE_MEM | SIZE_DW, 0, 0, 0, 0);

    @Test
    void pointerFieldLoadsBecomeLoadsOfTheirSlots() {
        Program p = Program.of(
                Insn.load(SIZE_W, 2, 1, 0), // r2 = ctx->data
                Insn.load(SIZE_W, 3, 1, 4), // r3 = ctx->data_end
                Insn.load(SIZE_W, 4, 1, 12), // r4 = ctx->ingress_ifindex: stays
                Insn.mov64Imm(0, 2),
                Insn.exit());
        Program rewritten = ContextLayout.XDP_MD.rewrite(p);
        assertThat(rewritten.get(0)).isEqualTo(new Insn(LOAD_DW.opcode(), 2, 1, 24, 0));
        assertThat(rewritten.get(1)).isEqualTo(new Insn(LOAD_DW.opcode(), 3, 1, 32, 0));
        assertThat(rewritten.get(2)).isEqualTo(p.get(2));
        assertThat(ContextLayout.XDP_MD.realSize()).isEqualTo(64);
        assertThat(ContextLayout.XDP_MD.slot(ContextLayout.HARD_END)).isEqualTo(56);
        assertThat(ContextLayout.SK_BUFF.pointerField("data_meta").orElseThrow().realOffset()).isEqualTo(208);
    }

    @Test
    void contextIsFollowedThroughCopiesSpillsAndSubprogramArguments() {
        Program p = Program.of(
                Insn.mov64Reg(6, 1),                 // 0: r6 = ctx
                Insn.store(SIZE_DW, 10, 6, -8),      // 1: spill
                Insn.mov64Imm(1, 0),                 // 2: r1 = 0
                Insn.load(SIZE_DW, 7, 10, -8),       // 3: fill: r7 = ctx
                Insn.load(SIZE_W, 2, 7, 76 - 76),    // 4: r2 = ctx->data (xdp: off 0)
                Insn.mov64Reg(1, 6),                 // 5: r1 = ctx
                Insn.callLocal(1),                   // 6: call 8
                Insn.exit(),                         // 7
                Insn.load(SIZE_W, 0, 1, 4),          // 8: callee: r0 = ctx->data_end
                Insn.exit());                        // 9
        ContextAccesses found = ContextAccesses.find(p);
        assertThat(found.byPc()).containsOnlyKeys(4, 8);
        assertThat(found.byPc().get(8)).isEqualTo(new ContextAccesses.Access(8, 4, 4, false));
    }

    @Test
    void pointerThatIsContextOnOnlyOnePathIsRefused() {
        Program p = Program.of(
                Insn.mov64Reg(2, 10),
                Insn.alu64Imm(ALU_ADD, 2, -8),
                Insn.jumpImm(JMP_JEQ, 3, 0, 1),
                Insn.mov64Reg(2, 1),
                Insn.load(SIZE_W, 0, 2, 0),
                Insn.exit());
        assertThatThrownBy(() -> ContextAccesses.find(p))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessage("insn 4: same insn cannot be used with different pointers");
    }

    @Test
    void movedContextPointerAndBadAccessesAreRefused() {
        assertThatThrownBy(() -> ContextAccesses.find(Program.of(Insn.alu64Imm(ALU_ADD, 1, 4), Insn.load(SIZE_W, 0, 1, 0), Insn.exit())))
                .hasMessage("insn 1: dereference of modified ctx ptr disallowed");
        assertThatThrownBy(() -> ContextLayout.XDP_MD.rewrite(Program.of(Insn.load(SIZE_W, 0, 1, 24), Insn.exit())))
                .hasMessage("insn 0: invalid bpf_context access off=24 size=4");
        assertThatThrownBy(() -> ContextLayout.XDP_MD.rewrite(Program.of(Insn.load(SIZE_H, 0, 1, 0), Insn.exit())))
                .hasMessage("insn 0: invalid bpf_context access off=0 size=2");
        assertThatThrownBy(() -> ContextLayout.XDP_MD.rewrite(Program.of(Insn.store(SIZE_W, 1, 2, 4), Insn.exit())))
                .hasMessage("insn 0: invalid bpf_context access off=4 size=4");
    }
}

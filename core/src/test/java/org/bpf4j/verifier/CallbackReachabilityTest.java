package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;

/** Regression: a function reached only through its address (a bpf_loop callback) is not unreachable code. */
class CallbackReachabilityTest {

    @Test
    void callbackTakenByAddressIsReachable() {
        Insn[] fn = Insn.lddw(2, PSEUDO_FUNC, 7); // the callback at 0 + 7 + 1 = 8
        Program p = Program.of(fn[0], fn[1],
                Insn.mov64Imm(1, 1), Insn.mov64Imm(3, 0), Insn.mov64Imm(4, 0),
                Insn.call(181), // bpf_loop
                Insn.mov64Imm(0, 2), Insn.exit(),
                Insn.mov64Imm(0, 0), Insn.exit());
        VerifierResult r = Verifier.verify(p, VerifierProgramType.XDP, List.of(), VerifierOptions.defaults());
        assertThat(r).isNotInstanceOf(VerifierResult.Rejected.class);
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/** Regression: a function reached only through its address (a bpf_loop callback) is not unreachable code. */
class CallbackReachabilityTest {
    private static final Insn[] FN = Insn.lddw(2, PSEUDO_FUNC, 7); // the callback at 0 + 7 + 1 = 8
    private static final Program LOOP = Program.of(FN[0], FN[1],
            Insn.mov64Imm(1, 1), Insn.mov64Imm(3, 0), Insn.mov64Imm(4, 0),
            Insn.call(181), // bpf_loop
            Insn.mov64Imm(0, 2), Insn.exit(),
            Insn.mov64Imm(0, 0), Insn.exit());

    @Test
    void callbackTakenByAddressIsReachable() {
        List<BtfFunc> funcs = List.of(new BtfFunc(0, "main", true, List.of(), null), new BtfFunc(8, "cb", false, List.of(), null));
        VerifierResult r = Verifier.verify(LOOP, ProgramType.XDP, List.of(), VerifierOptions.defaults(), funcs);
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test
    void aCallbackNeedsFuncInfo() {
        VerifierResult r = Verifier.verify(LOOP, ProgramType.XDP, List.of(), VerifierOptions.defaults());
        assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                j -> assertThat(j.message()).isEqualTo("missing btf func_info"));
    }
}

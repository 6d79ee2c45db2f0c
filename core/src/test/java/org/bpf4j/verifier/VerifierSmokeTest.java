package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.VerifierTestSupport.*;

import java.util.List;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

class VerifierSmokeTest {
    static final ProgramType XDP = ProgramType.XDP;

    @Test
    void packetOffByOne() {
        var p = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JGT, 4, 3, 2)
                .ldx(SIZE_B, 0, 2, 14).exit().ret(2).p();
        assertRejected(p, XDP, List.of(), "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)");
    }

    @Test
    void packetInBounds() {
        var p = B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 14).jmpr(JMP_JGT, 4, 3, 2)
                .ldx(SIZE_B, 0, 2, 13).exit().ret(2).p();
        assertAccepted(p, XDP, List.of());
    }
}

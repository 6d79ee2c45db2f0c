package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.VerifierTestSupport.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.junit.jupiter.api.Test;

/**
 * Programs the Linux 6.18 kernel accepts that an earlier bpf4j refused (it was stricter): each mirrors a
 * kernel mechanism, and the kernel oracle checks the kernel accepts them too.
 */
class VerifierGapsTest {
    static final VerifierProgramType SF = VerifierProgramType.SOCKET_FILTER;
    static final VerifierProgramType XDP = VerifierProgramType.XDP;
    static final List<MapInfo> ARRAY = List.of(MapInfo.of(MapInfo.ARRAY, 4, 16, 4));

    /** r6 (scalar) indexes a 16-byte map value: r0 = value[r6]. */
    static B indexValueWithR6(B b) {
        return b.lookup(0).jmp(JMP_JEQ, 0, 0, 3).alur(ALU_ADD, 0, 6).ldx(SIZE_B, 0, 0, 0).exit().ret(0);
    }

    @Test void negIsTrackedAsZeroMinus() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 7).add(new Insn(CLASS_ALU64 | ALU_NEG, 6, 0, 0, 0))
                .alu(ALU_ADD, 6, 7);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void neg32IsTracked() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 7).add(new Insn(CLASS_ALU | ALU_NEG, 6, 0, 0, 0))
                .alu32(ALU_ADD, 6, 7);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void be16SwapsTheTnum() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0x0f00).add(new Insn(CLASS_ALU | ALU_END | END_TO_BE, 6, 0, 0, 16));
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void bswap64SwapsTheTnum() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0xf).alu(ALU_LSH, 6, 56)
                .add(new Insn(CLASS_ALU64 | ALU_END, 6, 0, 0, 64));
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void le16Truncates() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).add(new Insn(CLASS_ALU | ALU_END, 6, 0, 0, 16)).alu(ALU_RSH, 6, 12);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void be32OfUnknownStaysUnbounded() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0xf).add(new Insn(CLASS_ALU | ALU_END | END_TO_BE, 6, 0, 0, 32));
        assertRejected(indexValueWithR6(b).p(), SF, ARRAY, "R0 max value is outside of the allowed memory range");
    }
}

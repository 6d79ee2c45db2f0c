package org.bpf4j.isa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InsnTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 0xb1d5eedL})
    void encodeDecodeRoundTripsEveryWord(long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < 10_000; i++) {
            long word = random.nextLong();
            assertThat(Insn.decode(word).encode()).isEqualTo(word);
        }
    }

    @Test
    void decodesFieldsAsTheKernelLaysThemOut() {
        // r0 = *(u32 *)(r1 + 4): opcode 0x61, dst 0, src 1, off 4
        Insn insn = Insn.decode(0x0000_0000_0004_1061L);
        assertThat(insn).isEqualTo(new Insn(0x61, 0, 1, 4, 0));
        assertThat(Insn.decode(0xffff_fffe_fffe_2107L)).isEqualTo(new Insn(0x07, 1, 2, -2, -2));
    }

    @Test
    void lddwSplitsImmediateAcrossTwoSlots() {
        Program p = Program.of(Insn.lddw(1, 0, 0x1122334455667788L));
        assertThat(p.imm64(0)).isEqualTo(0x1122334455667788L);
        assertThat(Program.fromBytes(p.toBytes())).isEqualTo(p);
    }

    @Test
    void truncatedBytesAreRefused() {
        assertThatThrownBy(() -> Program.fromBytes(new byte[12]))
                .isInstanceOf(InvalidProgramException.class)
                .hasMessageContaining("not a multiple of 8");
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;

/**
 * Regression: on Linux 6.18 (the running 6.18.44) a lookup in a map of maps yields {@code map_ptr_or_null}, the
 * inner map or NULL, where older kernels said {@code map_value_or_null} until the null check.
 */
class MapOfMapsLookupTest {
    private static final MapInfo OUTER = MapInfo.of(MapType.ARRAY_OF_MAPS, 4, 4, 1).withInner(MapInfo.of(MapType.ARRAY, 4, 8, 1));

    /** r0 = lookup(outer, &0), the key left at fp-4. */
    private static B lookupInOuter() {
        return B.b().st(SIZE_W, 10, -4, 0).movr(2, 10).alu(ALU_ADD, 2, -4).ldMap(1, 0).call(1);
    }

    @Test
    void theLookupIsAMapPointerOrNull() {
        Program p = lookupInOuter().movr(1, 0).movr(2, 10).alu(ALU_ADD, 2, -4).call(1).ret(0).p();
        VerifierResult r = Verifier.verify(p, ProgramType.XDP, List.of(OUTER));
        assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                j -> assertThat(j.message()).isEqualTo("R1 type=map_ptr_or_null expected=map_ptr"));
    }

    @Test
    void afterTheNullCheckItIsTheInnerMap() {
        Program p = lookupInOuter().jmp(JMP_JEQ, 0, 0, 4).movr(1, 0).movr(2, 10).alu(ALU_ADD, 2, -4).call(1).ret(0).p();
        assertThat(Verifier.verify(p, ProgramType.XDP, List.of(OUTER))).isInstanceOf(VerifierResult.Accepted.class);
    }
}

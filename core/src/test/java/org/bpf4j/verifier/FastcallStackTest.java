package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.asm.Assembler;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * bpf_fastcall spill/fill pairs (mark_fastcall_patterns, check_fastcall_stack_contract,
 * remove_fastcall_spills_fills): around bpf_get_smp_processor_id, which the running kernel inlines, the pairs
 * are removed before check_max_stack_depth and their slots do not count; around any other helper (also the
 * raw variant of bpf_get_smp_processor_id most networking program types get), or when another instruction
 * touches their slots, they stay. Each verdict and stack depth is the running kernel's
 * when it can be asked.
 */
class FastcallStackTest {

    /** The main program uses all 512 bytes and calls {@code sub}, which spills r1 around {@code CALL}. */
    private static final String CUMULATIVE = """
            r1 = 42
            *(u64 *)(r10 - 512) = r1
            call sub
            r0 = 0
            exit
            sub:
            *(u64 *)(r10 - 8) = r1
            CALL
            r1 = *(u64 *)(r10 - 8)
            EXTRA
            exit
            """;

    private static Program cumulative(String call, String extra) {
        return Assembler.assemble(CUMULATIVE.replace("CALL", call).replace("EXTRA", extra));
    }

    private static VerifierResult verify(Program p) {
        return verify(p, ProgramType.RAW_TRACEPOINT);
    }

    private static VerifierResult verify(Program p, ProgramType type) {
        VerifierResult r = Verifier.verify(p, type, List.of(), VerifierOptions.defaults());
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, type, List.of(), 4);
            assertThat(r instanceof VerifierResult.Accepted).as("bpf4j %s, kernel log:\n%s", r, k.log()).isEqualTo(k.accepted());
            if (r instanceof VerifierResult.Accepted a) {
                // BPF_LOG_STATS: "stack depth 512+0", one number per subprogram
                String depths = String.join("+", a.stackDepths().stream().map(String::valueOf).toList());
                assertThat(k.log()).contains("stack depth " + depths + "\n");
            } else if (r instanceof VerifierResult.Rejected rej) {
                assertThat(k.log()).contains(rej.message());
            }
        }
        return r;
    }

    private static void assertTooLarge(VerifierResult r) {
        assertThat(r).as(() -> VerifierTestSupport.describe(r)).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("combined stack size of 2 calls is 528. Too large");
    }

    /** The selftest cumulative_stack_depth: the removed pair leaves the subprogram no stack, 512+0 fits. */
    @Test
    void removedPairsDoNotCountTowardsTheLimit() {
        VerifierResult r = verify(cumulative("call bpf_get_smp_processor_id#8", ""));
        assertThat(r).as(() -> VerifierTestSupport.describe(r)).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(((VerifierResult.Accepted) r).stackDepths()).containsExactly(512, 0);
    }

    /** bpf_get_prandom_u32 is not inlined: its pair stays (keep_fastcall_stack) and 512+8 is too much. */
    @Test
    void pairsAroundAHelperTheKernelDoesNotInlineCount() {
        assertTooLarge(verify(cumulative("call bpf_get_prandom_u32#7", "")));
    }

    /** Socket filters get bpf_get_raw_smp_processor_id_proto, without allow_fastcall: the pair stays. */
    @Test
    void theRawProcessorIdOfSocketFiltersIsNotFastcall() {
        assertTooLarge(verify(cumulative("call bpf_get_smp_processor_id#8", ""), ProgramType.SOCKET_FILTER));
    }

    /** tc programs get bpf_get_smp_processor_id_proto, as tracing ones do: the pair goes. */
    @Test
    void tcProgramsGetTheFastcallProcessorId() {
        assertThat(verify(cumulative("call bpf_get_smp_processor_id#8", ""), ProgramType.SCHED_CLS))
                .isInstanceOf(VerifierResult.Accepted.class);
    }

    /** Another read of the pattern's slot breaks the contract: no pair of the subprogram is removed. */
    @Test
    void accessOutsideThePatternKeepsTheStack() {
        assertTooLarge(verify(cumulative("call bpf_get_smp_processor_id#8", "r0 = *(u64 *)(r10 - 8)")));
    }

    /** A pattern next to one around a helper the kernel does not inline: the subprogram keeps its stack. */
    @Test
    void aKeptPatternKeepsTheSubprogramStack() {
        assertTooLarge(verify(cumulative("call bpf_get_smp_processor_id#8",
                "*(u64 *)(r10 - 8) = r1\ncall bpf_get_prandom_u32#7\nr1 = *(u64 *)(r10 - 8)")));
    }

    /** A fill that a jump lands on is not part of a pattern. */
    @Test
    void aJumpIntoThePatternBreaksIt() {
        assertTooLarge(verify(Assembler.assemble("""
                r1 = 42
                *(u64 *)(r10 - 512) = r1
                call sub
                r0 = 0
                exit
                sub:
                r2 = 0
                if r2 == 0 goto fill
                *(u64 *)(r10 - 8) = r1
                call bpf_get_smp_processor_id#8
                fill:
                r1 = *(u64 *)(r10 - 8)
                exit
                """)));
    }

    /** A spill that may be removed still has to be inside the 512 bytes (check_stack_access_within_bounds in 6.18). */
    @Test
    void aPatternBelow512BytesIsStillOutOfBounds() {
        VerifierResult r = verify(Assembler.assemble("""
                r1 = 42
                *(u64 *)(r10 - 512) = r1
                *(u64 *)(r10 - 520) = r1
                call bpf_get_smp_processor_id#8
                r1 = *(u64 *)(r10 - 520)
                r0 = 0
                exit
                """));
        assertThat(r).as(() -> VerifierTestSupport.describe(r)).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("invalid write to stack R10 off=-520 size=8");
    }
}

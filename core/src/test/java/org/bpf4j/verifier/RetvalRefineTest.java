package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.asm.Assembler;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * do_refine_retval_range: a string or stack helper returns a negative errno or at most the size it was given,
 * so a positive return value is a bounded size. Each verdict is the running kernel's when it can be asked.
 */
class RetvalRefineTest {
    private static VerifierResult verify(String asm) {
        Program p = Assembler.assemble(asm);
        VerifierResult r = Verifier.verify(p, ProgramType.KPROBE, List.of(), VerifierOptions.defaults());
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.KPROBE, List.of(), 1);
            assertThat(r instanceof VerifierResult.Accepted).as("bpf4j %s, kernel log:\n%s", r, k.log()).isEqualTo(k.accepted());
        }
        return r;
    }

    /** What bpf_probe_read_kernel_str returned, when positive, sizes a read into the same 16 bytes. */
    @Test
    void stringLengthIsABoundedSize() {
        VerifierResult r = verify("""
                r6 = r1
                r1 = r10
                r1 += -16
                r2 = 16
                r3 = r6
                call bpf_probe_read_kernel_str#115
                if r0 s< 1 goto out
                r2 = r0
                r1 = r10
                r1 += -16
                r3 = r6
                call bpf_probe_read_kernel#113
                out:
                r0 = 0
                exit
                """);
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** Only the upper bound is learnt: without the check, the size may be negative. */
    @Test
    void unCheckedReturnValueIsNotASize() {
        VerifierResult r = verify("""
                r6 = r1
                r1 = r10
                r1 += -16
                r2 = 16
                r3 = r6
                call bpf_probe_read_kernel_str#115
                r2 = r0
                r1 = r10
                r1 += -16
                r3 = r6
                call bpf_probe_read_kernel#113
                r0 = 0
                exit
                """);
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("R2 min value is negative, either use unsigned or 'var &= const'");
    }
}

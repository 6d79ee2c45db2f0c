package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.bpf4j.asm.Assembler;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * LD_ABS in a subprogram (check_ld_abs): a failed load returns 0 from the subprogram, so the caller sees both
 * the subprogram's own return value and 0; without BTF only the main program may hold LD_ABS
 * (check_abnormal_return). Verdicts and messages are the running kernel's when it can be asked.
 */
class LdAbsSubprogTest {
    private static VerifierResult verify(String asm, List<BtfFunc> funcs) {
        Program p = Assembler.assemble(asm);
        VerifierResult r = Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(), VerifierOptions.defaults(), funcs);
        if (KernelOracle.available() && funcs.isEmpty()) {
            KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.SOCKET_FILTER, List.of(), 1);
            assertThat(r instanceof VerifierResult.Accepted).as("bpf4j %s, kernel log:\n%s", r, k.log()).isEqualTo(k.accepted());
            if (r instanceof VerifierResult.Rejected rej) assertThat(k.lastMessage()).isEqualTo(rej.message());
        }
        return r;
    }

    private static final String CALLER = """
            call sub
            if r0 != 0 goto done
            r0 = r9
            done:
            r0 = 0
            exit
            sub:
            r6 = r1
            r0 = *(u32 *)skb[0]
            r0 = 1
            exit
            """;

    private static final List<BtfFunc> FUNCS = List.of(new BtfFunc(0, "main", true, List.of(), null),
            new BtfFunc(5, "sub", false, List.of(), null, true));

    /** The hidden return of 0 is explored: the caller's path for r0 == 0 reads an uninitialized register. */
    @Test
    void failedLoadReturnsZeroToTheCaller() {
        VerifierResult r = verify(CALLER, FUNCS);
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("R9 !read_ok");
    }

    /** Both returns safe: accepted. */
    @Test
    void bothReturnsSafeIsAccepted() {
        assertThat(verify(CALLER.replace("r0 = r9", "r0 = 2"), FUNCS)).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** Without BTF a subprogram may not hold LD_ABS (the kernel refuses before verifying). */
    @Test
    void withoutBtfRefused() {
        VerifierResult r = verify(CALLER, List.of());
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("LD_ABS is not allowed in subprogs without BTF");
    }

    /** With BTF a function that returns void may not hold LD_ABS (check_btf_func). */
    @Test
    void voidFunctionRefused() {
        VerifierResult r = verify(CALLER, List.of(FUNCS.get(0), new BtfFunc(5, "sub", false, List.of(), null, false)));
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("LD_ABS is only allowed in functions that return 'int'.");
    }

    /** LD_ABS in the main program of a program with subprograms is allowed without BTF. */
    @Test
    void mainProgramWithSubprogramsMayUseLdAbs() {
        VerifierResult r = verify("""
                r6 = r1
                r0 = *(u8 *)skb[0]
                call sub
                exit
                sub:
                r0 = 0
                exit
                """, List.of());
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }
}

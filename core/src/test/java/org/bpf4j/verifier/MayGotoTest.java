package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.asm.Assembler;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Open-coded loops bounded by {@code may_goto} (the kernel's {@code can_loop} / {@code cond_break}): the verifier
 * stops exploring them once an iteration's state is within an earlier one's (is_state_visited), after widening
 * the scalars that changed (widen_imprecise_scalars), and still finds what a later iteration does wrong. Each
 * verdict, and the processed-instruction count, is the running kernel's when it can be asked.
 */
class MayGotoTest {
    private static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    private static VerifierResult verify(Program p) {
        VerifierResult r = Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(), VerifierOptions.defaults());
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.SOCKET_FILTER, List.of(), 1);
            assertThat(r instanceof VerifierResult.Accepted).as("bpf4j %s, kernel log:\n%s", r, k.log()).isEqualTo(k.accepted());
            if (r instanceof VerifierResult.Accepted a) {
                Matcher m = PROCESSED.matcher(k.log());
                assertThat(m.find()).as(k.log()).isTrue();
                assertThat(a.processedInsns()).as("processed, kernel log:\n" + k.log()).isEqualTo(Integer.parseInt(m.group(1)));
            }
        }
        return r;
    }

    /** for (i = skb->len; i < 1000 && can_loop; i++) sum += i: converges in a few iterations (cond_break1). */
    @Test
    void countedLoopWithCanLoopConverges() {
        VerifierResult r = verify(Assembler.assemble("""
                r1 = *(u32 *)(r1 + 0)
                r0 = 0
                loop:
                if r1 >= 1000 goto out
                may_goto out
                r0 += r1
                r1 += 1
                goto loop
                out:
                exit
                """));
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(((VerifierResult.Accepted) r).processedInsns()).isLessThan(100);
    }

    /** An endless loop whose only exit is the may_goto budget (cond_break4): accepted. */
    @Test
    void loopLeftOnlyByMayGotoIsAccepted() {
        VerifierResult r = verify(Assembler.assemble("""
                r0 = 0
                loop:
                may_goto out
                r0 += 1
                goto loop
                out:
                r0 &= 1
                exit
                """));
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** A stack pointer that moves each iteration is not widened: a later iteration leaves the stack. */
    @Test
    void pointerMovingEachIterationIsFollowedToTheFault() {
        VerifierResult r = verify(Assembler.assemble("""
                r6 = r10
                r0 = 0
                loop:
                may_goto out
                r6 += -8
                *(u64 *)(r6 + 0) = r0
                goto loop
                out:
                exit
                """));
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).contains("invalid write to stack R6 off=-520 size=8");
    }

    /** A scalar that grows each iteration and indexes the stack: widened to unknown, so the access is refused. */
    @Test
    void widenedIndexIsCheckedAgainstItsBounds() {
        VerifierResult r = verify(Assembler.assemble("""
                r1 = 0
                r0 = 0
                *(u64 *)(r10 - 8) = r0
                loop:
                may_goto out
                r1 += 1
                goto loop
                out:
                r2 = r10
                r2 += -8
                r2 += r1
                r0 = *(u8 *)(r2 + 0)
                exit
                """));
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
    }

    /** The same state again at the same may_goto depth is still an infinite loop (is_state_visited). */
    @Test
    void mayGotoToItselfIsAnInfiniteLoop() {
        VerifierResult r = verify(Assembler.assemble("""
                r0 = 0
                self:
                may_goto self
                exit
                """));
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        assertThat(((VerifierResult.Rejected) r).message()).contains("infinite loop detected at insn 1");
    }
}

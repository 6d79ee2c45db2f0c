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
 * Where states are checked and saved (prune points), measured by the closing statistics line the kernel
 * prints: processed instructions and total states must be the kernel's, not only the verdict.
 */
class PruningTest {
    private static final Pattern STATS = Pattern.compile("processed (\\d+) insns .* total_states (\\d+)");

    /** The target of a conditional jump is a prune point (push_insn marks every branch edge's target). */
    @Test
    void branchTargetsArePrunePoints() {
        Program p = Assembler.assemble("""
                w0 = 1
                r2 = *(u32 *)(r1 + 4)
                r1 = *(u32 *)(r1 + 0)
                r3 = r1
                r3 += 14
                if r3 > r2 goto +4
                r1 = *(u8 *)(r1 + 12)
                w0 = 2
                if w1 == 8 goto +1
                w0 = 1
                exit
                """);
        VerifierResult.Accepted a = (VerifierResult.Accepted) Verifier.verify(p, ProgramType.XDP, List.of(),
                VerifierOptions.defaults().withLogLevel(2));
        assertThat(a.totalStates()).as(a.log()).isEqualTo(1);
        assertThat(a.log()).contains("from 5 to 10: safe");
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.XDP, List.of(), 2);
            Matcher m = STATS.matcher(k.log());
            assertThat(m.find()).as(k.log()).isTrue();
            assertThat(a.processedInsns()).as("processed, kernel log:\n" + k.log()).isEqualTo(Integer.parseInt(m.group(1)));
            assertThat(a.totalStates()).isEqualTo(Integer.parseInt(m.group(2)));
        }
    }
}

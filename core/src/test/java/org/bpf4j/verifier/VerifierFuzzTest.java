package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/** No input makes the verifier throw or hang: random instruction words and mutated generated programs. */
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class VerifierFuzzTest {

    @Test
    void randomWordsNeverThrow() {
        Random rnd = new Random(42);
        for (int i = 0; i < 800; i++) {
            int n = 1 + rnd.nextInt(24);
            List<Insn> insns = new ArrayList<>();
            for (int j = 0; j < n; j++) insns.add(Insn.decode(rnd.nextLong()));
            if (rnd.nextBoolean()) insns.add(Insn.exit());
            check(new Program(insns), rnd);
        }
    }

    /** Every type but UNSPEC, which has no verifier at all. */
    private static final ProgramType[] VERIFIABLE = java.util.Arrays.stream(ProgramType.values())
            .filter(t -> t != ProgramType.UNSPEC).toArray(ProgramType[]::new);

    @Test
    void mutatedProgramsNeverThrow() {
        Random rnd = new Random(7);
        ProgramType[] types = VERIFIABLE;
        for (int i = 0; i < 800; i++) {
            ProgramType t = types[rnd.nextInt(types.length)];
            Program p = new ProgramGenerator(rnd.nextLong(), t).next();
            List<Insn> insns = new ArrayList<>(p.insns());
            int muts = 1 + rnd.nextInt(3);
            for (int m = 0; m < muts; m++) {
                int pc = rnd.nextInt(insns.size());
                long w = insns.get(pc).encode() ^ (1L << rnd.nextInt(64));
                insns.set(pc, Insn.decode(w));
            }
            check(new Program(insns), rnd);
        }
    }

    private static void check(Program p, Random rnd) {
        ProgramType t = VERIFIABLE[rnd.nextInt(VERIFIABLE.length)];
        VerifierResult r = Verifier.verify(p, t, ProgramGenerator.MAPS,
                VerifierOptions.defaults().withLogLevel(rnd.nextInt(3)));
        assertThat(r).isNotNull();
        assertThat(r).as(() -> "internal error on " + p).isNotInstanceOf(VerifierResult.InternalError.class);
        // Termination without a clock: no verdict may come from more work than the kernel's limit allows
        // (the class-level @Timeout only catches a hang outside the counted exploration).
        int processed = switch (r) {
            case VerifierResult.Accepted a -> a.processedInsns();
            case VerifierResult.Rejected j -> j.processedInsns();
            case VerifierResult.Unsupported u -> u.processedInsns();
            case VerifierResult.InternalError e -> e.processedInsns();
        };
        assertThat(processed).isLessThanOrEqualTo(VerifierOptions.KERNEL_INSN_LIMIT + 1);
    }
}

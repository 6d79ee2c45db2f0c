package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every context offset, size and direction of every program type (and attach type that changes its
 * context), against the running kernel: the verdicts and, where both refuse, the messages must agree.
 */
class CtxAccessOracleTest {
    static final int[] SIZES = {SIZE_B, SIZE_H, SIZE_W, SIZE_DW};

    static List<LoadConfig> configs() { return LoadConfig.all(); }

    /**
     * The offsets probed: the whole context and a little around it; of a large context (tracepoint records,
     * the syscall program's arguments) its start and its end, as far as an instruction's offset reaches.
     */
    static IntStream offsets(ProgramType t) {
        int end = Math.min(t.ctxSize(), Short.MAX_VALUE - 7);
        if (end <= 1024) return IntStream.range(-4, end + 8);
        return IntStream.concat(IntStream.range(-4, 72), IntStream.range(end - 64, end + 8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void everyAccessAsTheKernel(LoadConfig c) {
        c.assumeKernelComparable();
        List<String> diffs = new ArrayList<>();
        int compared = 0, unsupported = 0;
        for (int off : offsets(c.type()).toArray()) {
            for (int sz : SIZES) {
                for (boolean write : new boolean[] {false, true}) {
                    B b = B.b();
                    if (write) b.mov(2, 0).stx(sz, 1, 2, off); else b.ldx(sz, 0, 1, off);
                    Program p = b.ret(LoadConfig.VALID_RETURN).p();
                    VerifierResult ours = Verifier.verify(p, c.type(), List.of(), c.options(true));
                    if (ours instanceof VerifierResult.Unsupported) {
                        unsupported++;
                        continue;
                    }
                    compared++;
                    KernelOracle.Verdict k = KernelOracle.load(p, c.type(), List.of(), 1, "GPL", c.attachType());
                    String what = (write ? "write" : "read") + " off=" + off + " size=" + sizeBytes(sz) + ": ";
                    if (k.accepted() != ours instanceof VerifierResult.Accepted) {
                        diffs.add(what + "kernel " + (k.accepted() ? "accepts" : "refuses: " + k.lastMessage()));
                    } else if (ours instanceof VerifierResult.Rejected r && !r.message().equals(k.lastMessage())) {
                        diffs.add(what + "kernel says '" + k.lastMessage() + "', bpf4j '" + r.message() + "'");
                    }
                }
            }
        }
        System.out.printf("ctx %s: %d accesses compared, %d unsupported%n", c, compared, unsupported);
        assertThat(diffs).as(c + " context accesses where bpf4j and the kernel disagree").isEmpty();
    }
}

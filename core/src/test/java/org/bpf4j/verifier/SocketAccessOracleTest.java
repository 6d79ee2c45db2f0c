package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every offset, size and direction through each kind of socket pointer, against the running kernel: the
 * socket of a tc program's skb (sock_common), what bpf_sk_fullsock, bpf_tcp_sock and bpf_get_listener_sock make
 * of it, an sk_msg program's socket, and a socket used before its NULL check.
 */
class SocketAccessOracleTest {
    enum Source {
        SKB_SK(ProgramType.SCHED_CLS, -1),
        FULLSOCK(ProgramType.SCHED_CLS, 95),
        TCP_SOCK(ProgramType.SCHED_CLS, 96),
        LISTENER(ProgramType.SCHED_CLS, 98),
        SK_MSG_SK(ProgramType.SK_MSG, -1),
        UNCHECKED_SKB_SK(ProgramType.SCHED_CLS, -1);

        final ProgramType type;
        final int cast;

        Source(ProgramType type, int cast) {
            this.type = type;
            this.cast = cast;
        }

        /** r1 = the socket; a NULL socket exits with 1. */
        B socketInR1() {
            B b = B.b();
            if (this == SK_MSG_SK) return b.ldx(SIZE_DW, 1, 1, 72);
            b.ldx(SIZE_DW, 1, 1, VerifierOps.SKB_SK);
            if (this == UNCHECKED_SKB_SK) return b;
            b.jmp(JMP_JNE, 1, 0, 2).ret(1);
            if (cast < 0) return b;
            return b.call(cast).jmp(JMP_JNE, 0, 0, 2).ret(1).movr(1, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void everyAccessAsTheKernel(Source source) {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        List<String> diffs = new ArrayList<>();
        int accepted = 0;
        int[] sizes = {SIZE_B, SIZE_H, SIZE_W, SIZE_DW};
        for (int off = -4; off < 120; off++) {
            for (int sz : sizes) {
                for (boolean write : new boolean[] {false, true}) {
                    B b = source.socketInR1();
                    if (write) b.mov(2, 0).stx(sz, 1, 2, off); else b.ldx(sz, 0, 1, off);
                    Program p = b.ret(1).p();
                    VerifierResult ours = Verifier.verify(p, source.type, List.of(), VerifierOptions.defaults());
                    KernelOracle.Verdict k = KernelOracle.load(p, source.type, List.of(), 1);
                    String what = (write ? "write" : "read") + " off=" + off + " size=" + sizeBytes(sz) + ": ";
                    if (k.accepted()) accepted++;
                    if (k.accepted() != ours instanceof VerifierResult.Accepted) {
                        diffs.add(what + "kernel " + (k.accepted() ? "accepts" : "refuses: " + k.lastMessage()) + ", bpf4j "
                                + (ours instanceof VerifierResult.Rejected r ? r.message() : ours.toString()));
                    } else if (ours instanceof VerifierResult.Rejected r && !r.message().equals(k.lastMessage())) {
                        diffs.add(what + "kernel says '" + k.lastMessage() + "', bpf4j '" + r.message() + "'");
                    }
                }
            }
        }
        System.out.printf("socket %s: %d accesses the kernel accepts, %d disagreements%n", source, accepted, diffs.size());
        assertThat(diffs).as(source + " socket accesses where bpf4j and the kernel disagree").isEmpty();
    }

    /** A socket helper's argument: the socket before its NULL check, a context, a scalar. */
    @Test
    void socketArgumentsAsTheKernel() {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        List<Program> programs = List.of(
                B.b().ldx(SIZE_DW, 1, 1, VerifierOps.SKB_SK).call(95).ret(1).p(),
                B.b().call(96).ret(1).p(),
                B.b().mov(1, 0).call(98).ret(1).p(),
                Source.FULLSOCK.socketInR1().call(96).ret(1).p(),
                Source.FULLSOCK.socketInR1().alu(ALU_ADD, 1, 8).call(96).ret(1).p());
        for (Program p : programs) {
            VerifierResult ours = Verifier.verify(p, ProgramType.SCHED_CLS, List.of(), VerifierOptions.defaults());
            KernelOracle.Verdict k = KernelOracle.load(p, ProgramType.SCHED_CLS, List.of(), 1);
            assertThat(ours instanceof VerifierResult.Accepted).as(p + ": " + k.lastMessage()).isEqualTo(k.accepted());
            if (ours instanceof VerifierResult.Rejected r) assertThat(r.message()).isEqualTo(k.lastMessage());
        }
    }

    /** r0 = bpf_sk_lookup_tcp/udp or bpf_skc_lookup_tcp(ctx, a zeroed IPv4 tuple on the stack, 12, 0, 0). */
    static B lookup(int id) {
        return B.b().movr(6, 1).st(SIZE_DW, 10, -16, 0).st(SIZE_DW, 10, -8, 0)
                .movr(2, 10).alu(ALU_ADD, 2, -16).mov(3, 12).mov(4, 0).mov(5, 0).call(id);
    }

    /** Socket lookups hold a reference: released, leaked, released twice, released unchecked, cast, misused. */
    @Test
    void referencedSocketsAsTheKernel() {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        List<Program> programs = new ArrayList<>();
        for (int id : new int[] {84, 85, 99}) {
            programs.add(lookup(id).jmp(JMP_JEQ, 0, 0, 2).movr(1, 0).call(86).ret(1).p());
            programs.add(lookup(id).ret(1).p());
            programs.add(lookup(id).movr(1, 0).call(86).ret(1).p());
            programs.add(lookup(id).jmp(JMP_JEQ, 0, 0, 4).movr(7, 0).movr(1, 0).call(86).movr(1, 7).call(86).ret(1).p());
            programs.add(lookup(id).jmp(JMP_JEQ, 0, 0, 3).ldx(SIZE_W, 2, 0, 4).movr(1, 0).call(86).ret(1).p());
            programs.add(lookup(id).jmp(JMP_JEQ, 0, 0, 7).movr(7, 0).movr(1, 0).call(95)
                    .jmp(JMP_JEQ, 0, 0, 1).ldx(SIZE_W, 2, 0, 0).movr(1, 7).call(86).ret(1).p());
            programs.add(lookup(id).jmp(JMP_JEQ, 0, 0, 5).movr(1, 0).call(95).jmp(JMP_JEQ, 0, 0, 2).movr(1, 0).call(86)
                    .ret(1).p());
        }
        programs.add(B.b().mov(1, 0).call(86).ret(1).p());
        compareAll(ProgramType.XDP, programs);
        programs.add(B.b().ldx(SIZE_DW, 1, 1, VerifierOps.SKB_SK).jmp(JMP_JEQ, 1, 0, 1).call(86).ret(1).p());
        compareAll(ProgramType.SCHED_CLS, programs);
    }

    /** Helpers that take a socket: with a checked socket, an unchecked one, a context, NULL. */
    @Test
    void socketHelpersAsTheKernel() {
        Assumptions.assumeTrue(KernelOracle.available(), "bpf(2) not available");
        List<Program> tc = new ArrayList<>();
        for (B sk : List.of(Source.SKB_SK.socketInR1(), Source.FULLSOCK.socketInR1(), Source.TCP_SOCK.socketInR1(),
                Source.UNCHECKED_SKB_SK.socketInR1(), B.b().mov(1, 0), B.b())) {
            tc.add(copy(sk).call(128).ret(1).p());
            tc.add(copy(sk).mov(2, 3).call(129).ret(1).p());
            tc.add(copy(sk).movr(2, 1).movr(1, 6).mov(3, 0).call(124).ret(1).p());
            tc.add(copy(sk).st(SIZE_DW, 10, -64, 0).st(SIZE_DW, 10, -56, 0).st(SIZE_DW, 10, -48, 0)
                    .movr(2, 10).alu(ALU_ADD, 2, -64).mov(3, 20).movr(4, 10).alu(ALU_ADD, 4, -40).mov(5, 20)
                    .st(SIZE_DW, 10, -40, 0).st(SIZE_DW, 10, -32, 0).st(SIZE_DW, 10, -24, 0).call(100).ret(1).p());
        }
        compareAll(ProgramType.SCHED_CLS, tc);
        List<Program> lookup = List.of(
                B.b().movr(6, 1).ldx(SIZE_DW, 2, 1, 0).movr(1, 6).mov(3, 0).call(124).ret(1).p(),
                B.b().movr(6, 1).ldx(SIZE_DW, 2, 1, 0).jmp(JMP_JEQ, 2, 0, 3).movr(1, 6).mov(3, 0).call(124).ret(1).p(),
                B.b().mov(2, 0).mov(3, 0).call(124).ret(1).p(),
                B.b().movr(2, 1).mov(3, 0).call(124).ret(1).p());
        compareAll(ProgramType.SK_LOOKUP, lookup);
    }

    /** The program so far, ready to go on: r6 keeps the context for helpers that want it back. */
    private static B copy(B socketInR1) {
        return B.b().movr(6, 1).add(socketInR1.p().insns().toArray(new org.bpf4j.isa.Insn[0]));
    }

    private static void compareAll(ProgramType type, List<Program> programs) {
        AttachType attach = type == ProgramType.SK_LOOKUP ? AttachType.SK_LOOKUP : AttachType.CGROUP_INET_INGRESS;
        for (Program p : programs) {
            VerifierResult ours = Verifier.verify(p, type, List.of(), VerifierOptions.defaults().withExpectedAttachType(attach));
            KernelOracle.Verdict k = KernelOracle.load(p, type, List.of(), 1, "GPL", attach);
            assertThat(ours instanceof VerifierResult.Accepted).as(type + " " + p + ": " + k.lastMessage() + " / " + ours)
                    .isEqualTo(k.accepted());
            if (ours instanceof VerifierResult.Rejected r) assertThat(r.details().getLast()).as(type + " " + p).isEqualTo(k.lastMessage());
        }
    }
}

package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.VerifierTestSupport.*;

import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;

/**
 * Programs the Linux 6.18 kernel accepts that an earlier bpf4j refused (it was stricter): each mirrors a
 * kernel mechanism, and the kernel oracle checks the kernel accepts them too.
 */
class VerifierGapsTest {
    static final ProgramType SF = ProgramType.SOCKET_FILTER;
    static final ProgramType XDP = ProgramType.XDP;
    static final List<MapInfo> ARRAY = List.of(MapInfo.of(MapType.ARRAY, 4, 16, 4));

    /** r6 (scalar) indexes a 16-byte map value: r0 = value[r6]. */
    static B indexValueWithR6(B b) {
        return b.lookup(0).jmp(JMP_JEQ, 0, 0, 3).alur(ALU_ADD, 0, 6).ldx(SIZE_B, 0, 0, 0).exit().ret(0);
    }

    @Test void negIsTrackedAsZeroMinus() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 7).add(new Insn(CLASS_ALU64 | ALU_NEG, 6, 0, 0, 0))
                .alu(ALU_ADD, 6, 7);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void neg32IsTracked() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 7).add(new Insn(CLASS_ALU | ALU_NEG, 6, 0, 0, 0))
                .alu32(ALU_ADD, 6, 7);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void be16SwapsTheTnum() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0x0f00).add(new Insn(CLASS_ALU | ALU_END | END_TO_BE, 6, 0, 0, 16));
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void bswap64SwapsTheTnum() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0xf).alu(ALU_LSH, 6, 56)
                .add(new Insn(CLASS_ALU64 | ALU_END, 6, 0, 0, 64));
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void le16Truncates() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).add(new Insn(CLASS_ALU | ALU_END, 6, 0, 0, 16)).alu(ALU_RSH, 6, 12);
        assertAccepted(indexValueWithR6(b).p(), SF, ARRAY);
    }

    @Test void be32OfUnknownStaysUnbounded() {
        var b = B.b().ldx(SIZE_W, 6, 1, 0).alu(ALU_AND, 6, 0xf).add(new Insn(CLASS_ALU | ALU_END | END_TO_BE, 6, 0, 0, 32));
        assertRejected(indexValueWithR6(b).p(), SF, ARRAY, "R0 max value is outside of the allowed memory range");
    }

    @Test void narrowWriteOverSpilledPointerMakesTheSlotMisc() {
        // the kernel scrubs the whole slot to misc (scrub_spilled_slot): the read is a misc read, not a fill
        var p = B.b().stx(SIZE_DW, 10, 1, -8).st(SIZE_W, 10, -4, 1).ldx(SIZE_W, 0, 10, -8).ret(0).p();
        assertAccepted(p, SF, List.of());
    }

    @Test void narrowWriteOverSpilledScalarMakesTheSlotMisc() {
        var p = B.b().mov(6, 5).stx(SIZE_DW, 10, 6, -8).st(SIZE_B, 10, -1, 1).ldx(SIZE_H, 0, 10, -8)
                .ldx(SIZE_DW, 0, 10, -8).ret(0).p();
        assertAccepted(p, SF, List.of());
    }

    @Test void narrowFillOfSpilledPointerStillRefused() {
        var p = B.b().stx(SIZE_DW, 10, 1, -8).ldx(SIZE_W, 0, 10, -8).ret(0).p();
        assertRejected(p, SF, List.of(), "invalid size of register fill");
    }

    @Test void currentPidTgidAndCgroupIdAreBaseHelpers() {
        assertAccepted(B.b().call(14).call(80).ret(2).p(), XDP, List.of());
        assertAccepted(B.b().call(14).call(80).ret(0).p(), SF, List.of());
    }

    @Test void cgroupSockMayReadTheCurrentTask() {
        // cgroup_current_func_proto: uid/gid and comm for cgroup/sock programs
        var p = B.b().call(15).movr(1, 10).alu(ALU_ADD, 1, -16).mov(2, 16).call(16).ret(1).p();
        assertAccepted(p, ProgramType.CGROUP_SOCK, List.of());
    }

    @Test void everyTypeMayReadTheCurrentUid() {
        // Linux 6.18 accepts get_current_uid_gid and get_current_comm in every program type (6.12 did not)
        assertAccepted(B.b().call(15).ret(1).p(), ProgramType.CGROUP_SKB, List.of());
        assertAccepted(B.b().call(15).ret(0).p(), SF, List.of());
        assertAccepted(B.b().movr(1, 10).alu(ALU_ADD, 1, -16).mov(2, 16).call(16).ret(2).p(), XDP, List.of());
    }

    // ---- global functions (BTF func_info): verified on their own, from their prototypes ----

    /** main: r1 = fp-8 (initialized), call the global g(int *p); g returns *p (checked or not). */
    static org.bpf4j.isa.Program globalCaller(boolean nullCheck) {
        var b = B.b().st(SIZE_DW, 10, -8, 7).movr(1, 10).alu(ALU_ADD, 1, -8).callLocal(1).exit();
        if (nullCheck) b.mov(0, 0).jmp(JMP_JEQ, 1, 0, 1);
        return b.ldx(SIZE_W, 0, 1, 0).exit().p();
    }

    static List<BtfFunc> globalG() {
        return List.of(new BtfFunc(0, "main", true, List.of(), null),
                new BtfFunc(5, "g", true, List.of(new BtfFunc.Arg(BtfFunc.ARG_MEM, 4, true)), null));
    }

    @Test void globalFunctionArgumentIsMemOrNull() {
        VerifierResult r = Verifier.verify(globalCaller(false), SF, List.of(), VerifierOptions.defaults().withLogLevel(1), globalG());
        org.assertj.core.api.Assertions.assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        org.assertj.core.api.Assertions.assertThat(((VerifierResult.Rejected) r).message()).isEqualTo("R1 invalid mem access 'mem_or_null'");
        org.assertj.core.api.Assertions.assertThat(r.log()).contains("Func#1 ('g') is global and assumed valid.", "Validating g() func#1...");
    }

    @Test void globalFunctionWithNullCheckIsAccepted() {
        VerifierResult r = Verifier.verify(globalCaller(true), SF, List.of(), VerifierOptions.defaults(), globalG());
        org.assertj.core.api.Assertions.assertThat(r).as(() -> describe(r)).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test void globalFunctionCallerMustPassReadableMemory() {
        var p = B.b().movr(1, 10).alu(ALU_ADD, 1, -8).callLocal(1).exit().mov(0, 0).jmp(JMP_JEQ, 1, 0, 1)
                .ldx(SIZE_W, 0, 1, 0).exit().p();
        List<BtfFunc> funcs = List.of(new BtfFunc(4, "g", true, List.of(new BtfFunc.Arg(BtfFunc.ARG_MEM, 4, true)), null));
        VerifierResult r = Verifier.verify(p, SF, List.of(), VerifierOptions.defaults().withPrivileged(false), funcs);
        org.assertj.core.api.Assertions.assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        org.assertj.core.api.Assertions.assertThat(((VerifierResult.Rejected) r).details())
                .contains("Caller passes invalid args into func#1 ('g')");
    }

    @Test void globalFunctionScalarArgumentRefusesPointers() {
        var p = B.b().movr(1, 10).callLocal(1).exit().mov(0, 0).exit().p();
        List<BtfFunc> funcs = List.of(new BtfFunc(3, "g", true, List.of(new BtfFunc.Arg(BtfFunc.ARG_SCALAR, 0, false)), null));
        VerifierResult r = Verifier.verify(p, SF, List.of(), VerifierOptions.defaults(), funcs);
        org.assertj.core.api.Assertions.assertThat(((VerifierResult.Rejected) r).details()).contains("R1 is not a scalar");
    }

    // ---- helper prototypes added for the corpus, each checked against the running kernel ----

    @Test void sockOpsSetsockoptFromTheStack() {
        var p = B.b().movr(6, 1).st(SIZE_W, 10, -4, 1).mov(2, 6).mov(3, 1).movr(4, 10).alu(ALU_ADD, 4, -4).mov(5, 4).call(49)
                .call(14).movr(1, 6).mov(2, 1).call(59).ret(1).p();
        assertAccepted(p, ProgramType.SOCK_OPS, List.of());
    }

    @Test void sockOpsGetsockoptFillsUninitializedStack() {
        var p = B.b().mov(2, 6).mov(3, 1).movr(4, 10).alu(ALU_ADD, 4, -8).mov(5, 8).call(57)
                .ldx(SIZE_DW, 0, 10, -8).ret(1).p();
        assertAccepted(p, ProgramType.SOCK_OPS, List.of());
    }

    @Test void xdpFibLookupNeedsInitializedParams() {
        var ok = B.b();
        for (int off = -64; off < 0; off += 8) ok.st(SIZE_DW, 10, off, 0);
        ok.movr(2, 10).alu(ALU_ADD, 2, -64).mov(3, 64).mov(4, 0).call(69).ret(2);
        assertAccepted(ok.p(), XDP, List.of());
        var uninit = B.b().movr(2, 10).alu(ALU_ADD, 2, -64).mov(3, 64).mov(4, 0).call(69).ret(2).p();
        VerifierResult r = Verifier.verify(uninit, XDP, List.of(), VerifierOptions.defaults().withPrivileged(false));
        org.assertj.core.api.Assertions.assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
    }

    @Test void fibLookupNotInSocketFilters() {
        var p = B.b().movr(2, 10).alu(ALU_ADD, 2, -64).mov(3, 64).mov(4, 0).call(69).ret(0).p();
        assertRejected(p, SF, List.of(), "program of this type cannot use helper bpf_fib_lookup#69");
    }

    @Test void sockMapUpdateNotInXdp() {
        var p = B.b().mov(2, 0).mov(3, 0).mov(4, 0).call(53).ret(2).p();
        assertRejected(p, XDP, List.of(), "program of this type cannot use helper bpf_sock_map_update#53");
    }

    @Test void overrideReturnRefusedOnThisKernel() {
        var p = B.b().mov(2, 0).call(58).ret(0).p();
        assertRejected(p, ProgramType.KPROBE, List.of(), "program of this type cannot use helper bpf_override_return#58");
    }

    @Test void perfProgReadValueOnlyInPerfEventPrograms() {
        var p = B.b().movr(2, 10).alu(ALU_ADD, 2, -24).mov(3, 24).call(56).ret(0).p();
        assertAccepted(p, ProgramType.PERF_EVENT, List.of());
        assertRejected(p, ProgramType.KPROBE, List.of(), "program of this type cannot use helper bpf_perf_prog_read_value#56");
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/** The target model with a made-up kernel: no kernel needed. */
class KernelTargetTest {

    /** A kernel that lacks the listed program types, map types and helpers (by id, for every type). */
    record FakeKernel(Set<ProgramType> noTypes, Set<MapType> noMaps, Set<Integer> notForType,
                      Set<Integer> unknownIds) implements KernelOffer {
        @Override
        public boolean loads(ProgramType type, AttachType expectedAttachType) { return !noTypes.contains(type); }

        @Override
        public boolean creates(MapType type) { return !noMaps.contains(type); }

        @Override
        public HelperOffer helper(ProgramType type, AttachType expectedAttachType, int id) {
            if (unknownIds.contains(id)) return HelperOffer.UNKNOWN_ID;
            return notForType.contains(id) ? HelperOffer.NOT_FOR_TYPE : HelperOffer.OFFERED;
        }
    }

    private static VerifierOptions on(FakeKernel k) {
        return VerifierOptions.defaults().withTarget(new KernelTarget.Probed("fake", k));
    }

    private static final FakeKernel EVERYTHING = new FakeKernel(Set.of(), Set.of(), Set.of(), Set.of());
    private static final int SEG6_ACTION = 76, MAP_LOOKUP = 1, KTIME_GET_NS = 5, XDP_ADJUST_HEAD = 44, PROBE_READ = 4;

    private static String message(VerifierResult r) {
        assertThat(r).isInstanceOf(VerifierResult.Rejected.class);
        return ((VerifierResult.Rejected) r).message();
    }

    @Test
    void theDefaultIsLinux618WithEverythingBuiltIn() {
        assertThat(VerifierOptions.defaults().target()).isEqualTo(KernelTarget.LINUX_6_18);
        assertThat(KernelTarget.LINUX_6_18.name()).isEqualTo("6.18");
        Program p = B.b().call(SEG6_ACTION).ret(0).p();
        assertThat(message(Verifier.verify(p, ProgramType.LWT_SEG6LOCAL, List.of())))
                .doesNotContain("cannot use helper");
    }

    @Test
    void aHelperTheKernelLeftOutIsRefusedAsTheKernelRefusesIt() {
        Program p = B.b().call(SEG6_ACTION).ret(0).p();
        FakeKernel noSeg6 = new FakeKernel(Set.of(), Set.of(), Set.of(SEG6_ACTION), Set.of());
        VerifierResult r = Verifier.verify(p, ProgramType.LWT_SEG6LOCAL, List.of(), on(noSeg6));
        assertThat(message(r)).isEqualTo("program of this type cannot use helper bpf_lwt_seg6_action#76");
        assertThat(((VerifierResult.Rejected) r).insn()).isZero();
    }

    @Test
    void aHelperIdTheKernelDoesNotKnowIsAnInvalidFunc() {
        Program p = B.b().call(KTIME_GET_NS).ret(0).p();
        FakeKernel old = new FakeKernel(Set.of(), Set.of(), Set.of(), Set.of(KTIME_GET_NS));
        assertThat(message(Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(), on(old))))
                .isEqualTo("invalid func unknown#5");
    }

    @Test
    void whatTheKernelOffersBeyondTheTableStaysRefused() {
        Program p = B.b().call(XDP_ADJUST_HEAD).ret(0).p();
        assertThat(message(Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(), on(EVERYTHING))))
                .isEqualTo("program of this type cannot use helper bpf_xdp_adjust_head#44");
    }

    @Test
    void theLaterGatesStillApplyToAnOfferedHelper() {
        Program p = B.b().call(PROBE_READ).ret(0).p();
        VerifierOptions proprietary = on(EVERYTHING).withGpl(false);
        assertThat(message(Verifier.verify(p, ProgramType.KPROBE, List.of(), proprietary)))
                .isEqualTo("cannot call GPL-restricted function from non-GPL compatible program");
    }

    @Test
    void aMapTypeTheKernelLacksFailsTheMapCreation() {
        MapInfo hash = MapInfo.of(MapType.HASH, 4, 8, 16);
        Program p = B.b().ldMap(1, 0).movr(2, 10).alu(org.bpf4j.isa.Opcodes.ALU_ADD, 2, -8).st(org.bpf4j.isa.Opcodes.SIZE_DW, 10, -8, 0)
                .call(MAP_LOOKUP).ret(0).p();
        FakeKernel noHash = new FakeKernel(Set.of(), Set.of(MapType.HASH), Set.of(), Set.of());
        VerifierResult r = Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(hash), on(noHash));
        assertThat(message(r)).isEqualTo("map '" + hash.name() + "': BPF_MAP_CREATE: EINVAL: the target kernel (fake) has no "
                + "BPF_MAP_TYPE_HASH");
        assertThat(((VerifierResult.Rejected) r).insn()).isEqualTo(-1);
        assertThat(Verifier.verify(p, ProgramType.SOCKET_FILTER, List.of(hash), on(EVERYTHING)))
                .isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test
    void aProgramTypeTheKernelLacksFailsTheLoad() {
        Program p = B.b().ret(2).p();
        FakeKernel noXdp = new FakeKernel(Set.of(ProgramType.XDP), Set.of(), Set.of(), Set.of());
        assertThat(message(Verifier.verify(p, ProgramType.XDP, List.of(), on(noXdp))))
                .isEqualTo("BPF_PROG_LOAD: EINVAL: the target kernel (fake) has no program type xdp");
        assertThat(message(Verifier.verify(p, ProgramType.XDP, List.of(),
                on(noXdp).withExpectedAttachType(AttachType.XDP_DEVMAP))))
                .endsWith("has no program type xdp with expected_attach_type 33");
        assertThat(Verifier.verify(p, ProgramType.XDP, List.of(), on(EVERYTHING))).isInstanceOf(VerifierResult.Accepted.class);
    }

    /** Regression: Linux 6.18 words check_map_prog_compatibility's sleepable refusal with inner maps. */
    @Test
    void sleepableMapsMessageIsLinux618s() {
        MapInfo progArray = MapInfo.of(MapType.PROG_ARRAY, 4, 4, 4);
        Program p = B.b().ldMap(1, 0).ret(0).p();
        assertThat(message(Verifier.verify(p, ProgramType.SYSCALL, List.of(progArray))))
                .isEqualTo("Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps");
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgFlag;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Program flags as the kernel applies them, the resources a tail call or LD_ABS may not leave behind, and map
 * fds no relocation produced; each verdict is also the running kernel's when it is reachable.
 */
class VerifierFlagsTest {
    static final ProgramType XDP = ProgramType.XDP;
    static final ProgramType SF = ProgramType.SOCKET_FILTER;
    static final ProgramType TC = ProgramType.SCHED_CLS;
    static final int STRICT = ProgFlag.BPF_F_STRICT_ALIGNMENT.bit(), ANY = ProgFlag.BPF_F_ANY_ALIGNMENT.bit();
    static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    private static VerifierResult verify(Program p, ProgramType t, List<MapInfo> maps, int flags) {
        return Verifier.verify(p, t, maps, VerifierOptions.defaults().withLogLevel(1).withProgFlags(flags));
    }

    /** bpf4j's verdict, and the kernel's with the same flags: same acceptance, same last line. */
    private static VerifierResult sameAsKernel(Program p, ProgramType t, List<MapInfo> maps, int flags) {
        VerifierResult ours = verify(p, t, maps, flags);
        assertThat(ours).as(() -> VerifierTestSupport.describe(ours))
                .isInstanceOfAny(VerifierResult.Accepted.class, VerifierResult.Rejected.class);
        if (KernelOracle.available()) {
            KernelOracle.Verdict k = KernelOracle.load(p, t, maps, 1, "GPL", AttachType.CGROUP_INET_INGRESS, flags);
            assertThat(ours instanceof VerifierResult.Accepted).as("kernel log:\n" + k.log()).isEqualTo(k.accepted());
            if (ours instanceof VerifierResult.Rejected r) assertThat(r.lastMessage()).isEqualTo(k.lastMessage());
        }
        return ours;
    }

    /** XDP: a 4-byte load at packet offset {@code off} after a bounds check. */
    private static Program packetLoad(int off) {
        return B.b().xdpData().movr(4, 2).alu(ALU_ADD, 4, 16).jmpr(JMP_JGT, 4, 3, 1)
                .ldx(SIZE_W, 0, 2, off).ret(0).p();
    }

    @Test void strictAlignmentChecksPacketAccessWithNetIpAlign() {
        // NET_IP_ALIGN (2) is added under strict alignment: offset 2 is aligned, offset 0 is not
        assertThat(sameAsKernel(packetLoad(0), XDP, List.of(), 0)).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(sameAsKernel(packetLoad(0), XDP, List.of(), STRICT)).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                r -> assertThat(r.message()).isEqualTo("misaligned packet access off 2+0+0+0 size 4"));
        assertThat(sameAsKernel(packetLoad(2), XDP, List.of(), STRICT)).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test void anyAlignmentWinsOverStrict() {
        assertThat(sameAsKernel(packetLoad(0), XDP, List.of(), STRICT | ANY)).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test void strictAlignmentChecksMapValues() {
        List<MapInfo> array = List.of(MapInfo.of(MapType.ARRAY, 4, 16, 4));
        var p = B.b().lookup(0).jmp(JMP_JEQ, 0, 0, 1).ldx(SIZE_W, 0, 0, 2).ret(0).p();
        assertThat(sameAsKernel(p, SF, array, 0)).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(sameAsKernel(p, SF, array, STRICT)).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                r -> assertThat(r.message()).isEqualTo("misaligned value access off 0+0+2 size 4"));
    }

    @Test void testStateFreqCheckpointsAtEveryPrunePoint() {
        // a chain of diamonds: with a checkpoint at every jump the second path of each is pruned sooner
        B b = B.b().ldx(SIZE_W, 6, 1, 0);
        for (int i = 0; i < 6; i++) b.jmp(JMP_JGT, 6, 10 * i, 1).mov(7, i);
        Program p = b.ret(0).p();
        int flag = ProgFlag.BPF_F_TEST_STATE_FREQ.bit();
        VerifierResult plain = sameAsKernel(p, SF, List.of(), 0), freq = sameAsKernel(p, SF, List.of(), flag);
        assertThat(freq.processedInsns()).isNotEqualTo(plain.processedInsns());
        if (KernelOracle.available()) {
            Matcher m = PROCESSED.matcher(KernelOracle.load(p, SF, List.of(), 1, "GPL", AttachType.CGROUP_INET_INGRESS, flag).log());
            assertThat(m.find()).isTrue();
            assertThat(freq.processedInsns()).isEqualTo(Integer.parseInt(m.group(1)));
        }
        // an unprivileged load gets no such checkpoints (the kernel honours the flag for privileged loads)
        VerifierResult unpriv = Verifier.verify(p, SF, List.of(), VerifierOptions.defaults().withPrivileged(false).withProgFlags(flag));
        assertThat(unpriv.processedInsns()).isEqualTo(plain.processedInsns());
    }

    @Test void callbackReturnValueIsPreciseAcrossStateFreqCheckpoints() {
        // bpf_loop's callback returns prandom > 1000 on one path; that path reaches a checkpoint (goto +0) the
        // other path left with r0 = 0: only r0 marked precise at the callback's exit keeps it from being pruned
        var p = B.b().mov(1, 1).add(Insn.lddw(2, PSEUDO_FUNC, 6)).mov(3, 0).mov(4, 0).call(181).ret(0)
                .call(7).jmp(JMP_JSGT, 0, 1000, 1).mov(0, 0).ja(0).exit().p();
        // as verifier_subprog_precision.c's callback_precise_return_fail, which the kernel refuses so
        List<BtfFunc> funcs = List.of(new BtfFunc(0, "main", true, List.of(), null), new BtfFunc(8, "cb", false, List.of(), null));
        VerifierResult r = Verifier.verify(p, XDP, List.of(),
                VerifierOptions.defaults().withProgFlags(ProgFlag.BPF_F_TEST_STATE_FREQ.bit()), funcs);
        assertThat(r).as(() -> VerifierTestSupport.describe(r)).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                j -> assertThat(j.message()).isEqualTo("At callback return the register R0 has smin=1001 should have been in [0, 1]"));
    }

    @Test void onlySomeProgramTypesMayBeSleepable() {
        assertThat(sameAsKernel(B.b().ret(0).p(), SF, List.of(), ProgFlag.BPF_F_SLEEPABLE.bit()))
                .isInstanceOfSatisfying(VerifierResult.Rejected.class, r -> assertThat(r.message())
                        .isEqualTo("Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable"));
    }

    @Test void flagsByNameOrNumber() {
        assertThat(ProgFlag.parse("BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ")).isEqualTo(1 | 8);
        assertThat(ProgFlag.parse("strict_alignment | BPF_F_SLEEPABLE")).isEqualTo(1 | 16);
        assertThat(ProgFlag.parse("0x9")).isEqualTo(9);
        assertThat(ProgFlag.format(9)).isEqualTo("BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProgFlag.parse("BPF_F_NOPE"))
                .hasMessageContaining("BPF_F_NOPE").hasMessageContaining("BPF_F_XDP_HAS_FRAGS");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ProgFlag.parse("0x100")).hasMessageContaining("0x100");
    }

    // ---- resources at a tail call and LD_ABS (check_resource_leak) ----------------------------------------

    static final List<MapInfo> RINGBUF_AND_PROGS = List.of(MapInfo.of(MapType.RINGBUF, 0, 0, 4096), MapInfo.of(MapType.PROG_ARRAY, 4, 4, 4));

    @Test void tailCallWithARingBufferRecordLeaks() {
        var p = B.b().movr(7, 1).ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).movr(6, 0)
                .movr(1, 7).ldMap(2, 1).mov(3, 0).call(12)
                .jmp(JMP_JEQ, 6, 0, 3).movr(1, 6).mov(2, 0).call(133).ret(0).p();
        VerifierResult r = sameAsKernel(p, XDP, RINGBUF_AND_PROGS, 0);
        assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class, j -> assertThat(j.details())
                .containsExactly("Unreleased reference id=2 alloc_insn=5", "tail_call would lead to reference leak"));
    }

    @Test void tailCallWithASocketReferenceLeaks() {
        // bpf_sk_lookup_tcp(ctx, &tuple on the stack, sizeof tuple.ipv4, -1, 0)
        List<MapInfo> progs = List.of(MapInfo.of(MapType.PROG_ARRAY, 4, 4, 4));
        var p = B.b().movr(7, 1).st(SIZE_DW, 10, -16, 0).st(SIZE_DW, 10, -8, 0)
                .movr(2, 10).alu(ALU_ADD, 2, -16).mov(3, 12).mov(4, -1).mov(5, 0).call(84).movr(6, 0)
                .movr(1, 7).ldMap(2, 0).mov(3, 0).call(12)
                .jmp(JMP_JEQ, 6, 0, 2).movr(1, 6).call(86).ret(0).p();
        VerifierResult r = sameAsKernel(p, TC, progs, 0);
        assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                j -> assertThat(j.lastMessage()).isEqualTo("tail_call would lead to reference leak"));
    }

    @Test void tailCallAfterTheReleaseIsFine() {
        var p = B.b().movr(7, 1).ldMap(1, 0).mov(2, 8).mov(3, 0).call(131)
                .jmp(JMP_JEQ, 0, 0, 3).movr(1, 0).mov(2, 0).call(133)
                .movr(1, 7).ldMap(2, 1).mov(3, 0).call(12).ret(0).p();
        assertThat(sameAsKernel(p, XDP, RINGBUF_AND_PROGS, 0)).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test void ldAbsWithAReferenceLeaks() {
        var p = B.b().movr(6, 1).ldMap(1, 0).mov(2, 8).mov(3, 0).call(131).movr(7, 0)
                .add(new Insn(CLASS_LD | MODE_ABS | SIZE_B, 0, 0, 0, 12))
                .jmp(JMP_JEQ, 7, 0, 3).movr(1, 7).mov(2, 0).call(133).ret(0).p();
        VerifierResult r = sameAsKernel(p, TC, List.of(MapInfo.of(MapType.RINGBUF, 0, 0, 4096)), 0);
        assertThat(r).isInstanceOfSatisfying(VerifierResult.Rejected.class,
                j -> assertThat(j.lastMessage()).isEqualTo("BPF_LD_[ABS|IND] would lead to reference leak"));
    }

    // ---- map fds no relocation produced (resolve_pseudo_ldimm64) -------------------------------------------

    @Test void anLddwOfAMapFdWithoutRelocationNamesNoMap() {
        var p = B.b().st(SIZE_W, 10, -4, 0).movr(2, 10).alu(ALU_ADD, 2, -4).ldMap(1, 0).call(1).ret(0).p();
        BpfObject relocated = object(p, true), raw = object(p, false);
        ProgramSpec spec = relocated.programs().getFirst();
        assertThat(ObjectVerification.verify(relocated, spec, VerifierOptions.defaults())).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(ObjectVerification.verify(raw, raw.programs().getFirst(), VerifierOptions.defaults()))
                .isInstanceOfSatisfying(VerifierResult.Rejected.class,
                        r -> assertThat(r.message()).isEqualTo("fd 0 is not pointing to valid bpf_map"));
    }

    /** A socket filter object with one array map; its lddw relocated to the map or left as a raw fd. */
    private static BpfObject object(Program p, boolean relocate) {
        List<Relocation> relocations = new ArrayList<>();
        for (int pc = 0; pc < p.insns().size(); pc++) {
            Insn in = p.insns().get(pc);
            if (relocate && in.opcode() == LDDW && in.src() == PSEUDO_MAP_FD) relocations.add(new Relocation.MapReference(pc, "array"));
        }
        MapDefinition map = new MapDefinition("array", MapType.ARRAY, 4, 8, 4, 0, 0, MapDefinition.Pinning.NONE, 0, 0, 0,
                Optional.empty(), List.of(), MapDefinition.Definition.BTF, new byte[0], false);
        ProgramType pt = ProgramType.byId(SF.id()).orElseThrow();
        ProgramSpec spec = new ProgramSpec("prog", "socket", pt, Optional.empty(), "", 0, p,
                List.of(new ProgramSpec.Subprogram("prog", "socket", 0, p.insns().size())), relocations, List.of(), List.of(), List.of());
        return new BpfObject("test", "GPL", 0, List.of(spec), List.of(map), Optional.empty());
    }
}

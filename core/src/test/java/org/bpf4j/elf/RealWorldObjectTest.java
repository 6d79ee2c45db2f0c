package org.bpf4j.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapFlags;

/**
 * What objects built for other loaders (iproute2's tc, Cilium, old clang) hold and libbpf refuses or
 * misreads: the test objects iproute2_maps, btfmaps_extra and netdev_sections (src/test/resources/bpf).
 */
class RealWorldObjectTest {

    @Test
    void aPinningValueLibbpfDoesNotKnowLoadsUnpinnedWithAWarning() {
        BpfObject o = TestObjects.load("btfmaps_extra.bpf.o");
        MapDefinition m = o.map("cilium_pinned").orElseThrow();
        assertThat(m.pinning()).isEqualTo(MapDefinition.Pinning.NONE);
        assertThat(m.type()).isEqualTo(MapType.HASH);
        assertThat(o.warnings()).containsExactly("btfmaps_extra.bpf.o: map 'cilium_pinned': unknown pinning 16, loaded unpinned");
    }

    @Test
    void mapExtraIsReadFromUlongAndUintAttributes() {
        BpfObject o = TestObjects.load("btfmaps_extra.bpf.o");
        MapDefinition arena = o.map("arena").orElseThrow();
        assertThat(arena.type()).isEqualTo(MapType.ARENA);
        assertThat(arena.mapExtra()).isEqualTo(0x1000_0000_0000L);
        assertThat(arena.flags()).isEqualTo(MapFlags.BPF_F_MMAPABLE);
        assertThat(o.map("bloom").orElseThrow().mapExtra()).isEqualTo(3);
    }

    @Test
    void iproute2MapsOfMapsBindTheirTemplateByIdAndTheirSlotByInnerIdx() {
        BpfObject o = TestObjects.load("iproute2_maps.bpf.o");
        MapDefinition outer = o.map("map_outer").orElseThrow();
        // inner_id 1 names map_inner (id 1), not the map at index 1 (counters) nor the first map
        assertThat(outer.innerMap().orElseThrow().name()).isEqualTo("map_inner");
        assertThat(outer.innerMap().orElseThrow().valueSize()).isEqualTo(16);
        assertThat(outer.initialSlots()).containsExactly(new MapDefinition.Slot(3, "map_inner"));
        assertThat(o.map("map_inner").orElseThrow().initialSlots()).isEmpty();
        // PIN_GLOBAL_NS pins by name (under tc/globals); PIN_OBJECT_NS needs the object's hash and stays unpinned
        assertThat(o.map("map_inner").orElseThrow().pinning()).isEqualTo(MapDefinition.Pinning.GLOBAL_NS);
        assertThat(o.map("map_outer").orElseThrow().pinning()).isEqualTo(MapDefinition.Pinning.GLOBAL_NS);
        assertThat(o.map("decoy").orElseThrow().pinning()).isEqualTo(MapDefinition.Pinning.NONE);
        assertThat(o.warnings()).containsExactly(
                "iproute2_maps.bpf.o: map 'decoy': iproute2 pinning 1 (PIN_OBJECT_NS) is not supported, loaded unpinned");
    }

    @Test
    void aProgramReadingTheInnerMapsValueVerifiesAgainstTheRightTemplate() {
        BpfObject o = TestObjects.load("iproute2_maps.bpf.o");
        // reads bytes 8..15 of the inner value: past the 4- and 8-byte values of the maps a wrong binding picks
        VerifierResult r = ObjectVerification.verify(o, o.program("cls_entry").orElseThrow(), VerifierOptions.defaults());
        assertThat(r).isInstanceOf(VerifierResult.Accepted.class);
    }

    @Test
    void anInnerIdNoMapHasIsRefused() {
        byte[] data = TestObjects.bytes("iproute2_maps.bpf.o");
        ElfFile elf = ElfFile.parse("x", data);
        ElfFile.Section maps = elf.sections.stream().filter(s -> s.name().equals("maps")).findFirst().orElseThrow();
        ElfFile.Symbol outer = elf.symbols.stream().filter(s -> s.name().equals("map_outer")).findFirst().orElseThrow();
        data[(int) (maps.offset() + outer.value() + 28)] = 99; // inner_id
        assertThatThrownBy(() -> BpfObject.parse("iproute2_maps.bpf.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessage("iproute2_maps.bpf.o: section 'maps': map of maps 'map_outer' has inner_id 99, "
                        + "and no map that is not itself a map of maps has that id");
    }

    @Test
    void unnamedSectionsTakeTheTypeTheNamedOnesAgreeOn() {
        BpfObject o = TestObjects.load("iproute2_maps.bpf.o");
        assertThat(o.program("cls_entry").orElseThrow().type()).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(o.program("cls_tail").orElseThrow().sectionName()).isEqualTo("2/7");
        assertThat(o.program("cls_tail").orElseThrow().type()).isEqualTo(ProgramType.SCHED_CLS);
    }

    @Test
    void theTypeOptionGivesEveryProgramItsTypeAndAttachType() {
        byte[] data = TestObjects.bytes("netdev_sections.bpf.o");
        BpfObject plain = BpfObject.parse("netdev_sections.bpf.o", data);
        assertThat(plain.programs()).extracting(ProgramSpec::type).containsOnly(ProgramType.SOCKET_FILTER);

        BpfObject tc = BpfObject.parse("netdev_sections.bpf.o", data, OpenOptions.defaults().withType("tc"));
        assertThat(tc.programs()).extracting(ProgramSpec::type).containsOnly(ProgramType.SCHED_CLS);
        assertThat(tc.programs()).extracting(ProgramSpec::expectedAttachType).containsOnly(Optional.empty());
        // tc_classid is writable for tc programs, not for socket filters: the type reaches the verifier
        ProgramSpec fromNetdev = tc.program("from_netdev").orElseThrow();
        assertThat(ObjectVerification.verify(tc, fromNetdev, VerifierOptions.defaults())).isInstanceOf(VerifierResult.Accepted.class);
        assertThat(ObjectVerification.verify(plain, plain.program("from_netdev").orElseThrow(), VerifierOptions.defaults()))
                .isInstanceOf(VerifierResult.Rejected.class);

        BpfObject cg = BpfObject.parse("netdev_sections.bpf.o", data, OpenOptions.defaults().withType("cgroup_skb/ingress"));
        assertThat(cg.programs()).extracting(ProgramSpec::type).containsOnly(ProgramType.CGROUP_SKB);
        assertThat(cg.programs()).extracting(ProgramSpec::expectedAttachType).containsOnly(Optional.of(AttachType.CGROUP_INET_INGRESS));

        BpfObject tcx = BpfObject.parse("netdev_sections.bpf.o", data,
                OpenOptions.defaults().withType("sched_cls").withAttachType("tcx_ingress"));
        assertThat(tcx.programs()).extracting(ProgramSpec::type).containsOnly(ProgramType.SCHED_CLS);
        assertThat(tcx.programs()).extracting(ProgramSpec::expectedAttachType).containsOnly(Optional.of(AttachType.TCX_INGRESS));
    }

    @Test
    void theAttachTypeOptionAloneKeepsTheSectionsType() {
        BpfObject o = BpfObject.parse("btfmaps_extra.bpf.o", TestObjects.bytes("btfmaps_extra.bpf.o"),
                OpenOptions.defaults().withAttachType(AttachType.XDP_DEVMAP));
        ProgramSpec p = o.program("use_maps").orElseThrow();
        assertThat(p.type()).isEqualTo(ProgramType.XDP);
        assertThat(p.expectedAttachType()).contains(AttachType.XDP_DEVMAP);
    }

    @Test
    void typeNamesAreBpftoolsAndBadOnesListTheValidOnes() {
        assertThat(OpenOptions.defaults().withType("kprobe").programType()).contains(ProgramType.KPROBE);
        assertThat(OpenOptions.defaults().withType("kprobe/sys_open").programType()).contains(ProgramType.KPROBE);
        assertThat(OpenOptions.defaults().withType("classifier").programType()).contains(ProgramType.SCHED_CLS);
        assertThat(OpenOptions.defaults().withType("action").programType()).contains(ProgramType.SCHED_ACT);
        assertThat(OpenOptions.defaults().withType("socket").programType()).contains(ProgramType.SOCKET_FILTER);
        assertThat(OpenOptions.defaults().withType("cgroup_skb").programType()).contains(ProgramType.CGROUP_SKB);
        assertThat(OpenOptions.defaults().withType("xdp").attachType()).contains(AttachType.XDP);
        assertThat(OpenOptions.typeNames()).contains("xdp", "tc", "classifier", "kprobe", "tracepoint", "socket", "cgroup/skb", "sched_cls");
        // the sloppy prefixes old loaders matched in section names are not type names
        assertThatThrownBy(() -> OpenOptions.defaults().withType("xdp_prog")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown program type 'xdp_prog' (valid: socket, ").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> OpenOptions.defaults().withAttachType("ingress")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown attach type 'ingress' (valid: cgroup_inet_ingress, ");
    }

    @Test
    void anEmNoneObjectWithBpfCodeLoadsWithAWarning() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        data[18] = 0; // e_machine = EM_NONE, as old clang wrote it
        data[19] = 0;
        BpfObject o = BpfObject.parse("old.o", data);
        assertThat(o.programs()).isNotEmpty();
        assertThat(o.warnings()).containsExactly("old.o: ELF machine 0 (EM_NONE, old clang), not EM_BPF: read as BPF since its code is BPF");
        assertThat(o.programs()).isEqualTo(TestObjects.load("features.bpf.o").programs());
    }

    @Test
    void anEmNoneObjectWhoseCodeIsNotBpfIsRefused() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        data[18] = 0;
        data[19] = 0;
        ElfFile elf = ElfFile.parse("x", data);
        ElfFile.Section xdp = elf.sections.stream().filter(s -> s.name().equals("xdp")).findFirst().orElseThrow();
        data[(int) xdp.offset() + 1] = (byte) 0xfc; // registers 12 and 15: no BPF instruction has them
        assertThatThrownBy(() -> BpfObject.parse("x86.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessage("x86.o: section 'xdp': not BPF code (ELF machine 0, and instruction 0 uses register 15)");
    }

    @Test
    void objectsWithoutSurprisesHaveNoWarnings() {
        assertThat(TestObjects.load("features.bpf.o").warnings()).isEqualTo(List.of());
    }
}

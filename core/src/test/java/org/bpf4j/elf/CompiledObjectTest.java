package org.bpf4j.elf;

import org.bpf4j.maps.MapType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt;
import org.bpf4j.btf.BtfType;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.isa.StructuralCheck;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapFlags;

/** Objects compiled with clang-19 for these tests (sources next to them in src/test/resources/bpf). */
class CompiledObjectTest {

    private final BpfObject features = TestObjects.load("features.bpf.o");
    private final BpfObject externs = TestObjects.load("externs.bpf.o");

    @Test
    void btfDefinedMaps() {
        Btf btf = features.btf().orElseThrow();
        MapDefinition flows = features.map("flows").orElseThrow();
        assertThat(flows.type()).isEqualTo(MapType.HASH);
        assertThat(flows.keySize()).isEqualTo(8);
        assertThat(flows.valueSize()).isEqualTo(32);
        assertThat(flows.maxEntries()).isEqualTo(1024);
        assertThat(flows.flags()).isEqualTo(1); // BPF_F_NO_PREALLOC
        assertThat(flows.pinning()).isEqualTo(MapDefinition.Pinning.BY_NAME);
        assertThat(flows.definition()).isEqualTo(MapDefinition.Definition.BTF);
        assertThat(btf.type(flows.btfKeyTypeId()).name()).isEqualTo("key");
        assertThat(btf.type(flows.btfValueTypeId()).name()).isEqualTo("value");

        MapDefinition counters = features.map("counters").orElseThrow();
        assertThat(List.of(counters.type(), counters.keySize(), counters.valueSize(), counters.maxEntries()))
                .containsExactly(MapType.PERCPU_ARRAY, 4, 8, 4);
        assertThat(counters.btfKeyTypeId()).isZero();

        MapDefinition bloom = features.map("bloom").orElseThrow();
        assertThat(List.of(bloom.type(), bloom.keySize(), bloom.valueSize(), bloom.maxEntries()))
                .containsExactly(MapType.BLOOM_FILTER, 0, 4, 128);
        assertThat(bloom.mapExtra()).isEqualTo(3);
    }

    @Test
    void mapsOfMapsAndProgArraysCarryTheirInitialSlots() {
        MapDefinition outer = features.map("outer").orElseThrow();
        assertThat(outer.type()).isEqualTo(MapType.ARRAY_OF_MAPS);
        assertThat(outer.valueSize()).isEqualTo(4);
        MapDefinition inner = outer.innerMap().orElseThrow();
        assertThat(List.of(inner.type(), inner.keySize(), inner.valueSize(), inner.maxEntries()))
                .containsExactly(MapType.ARRAY, 4, 4, 8);
        assertThat(outer.initialSlots()).containsExactly(new MapDefinition.Slot(0, "inner_a"), new MapDefinition.Slot(3, "inner_b"));

        MapDefinition jumps = features.map("jumps").orElseThrow();
        assertThat(jumps.type()).isEqualTo(MapType.PROG_ARRAY);
        assertThat(jumps.innerMap()).isEmpty();
        assertThat(jumps.initialSlots()).containsExactly(new MapDefinition.Slot(1, "tail_a"), new MapDefinition.Slot(2, "tail_b"));
    }

    @Test
    void globalDataSectionsAreSingleElementArrays() {
        MapDefinition data = features.map(".data").orElseThrow();
        assertThat(List.of(data.type(), data.keySize(), data.valueSize(), data.maxEntries())).containsExactly(MapType.ARRAY, 4, 8, 1);
        assertThat(data.definition()).isEqualTo(MapDefinition.Definition.GLOBAL_DATA);
        assertThat(ByteBuffer.wrap(data.initialData()).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(1); // hits = 1
        assertThat(data.frozen()).isFalse();
        assertThat(data.flags()).isEqualTo(MapFlags.BPF_F_MMAPABLE);

        MapDefinition rodata = features.map(".rodata").orElseThrow();
        assertThat(rodata.frozen()).isTrue();
        assertThat(rodata.flags()).isEqualTo(MapFlags.BPF_F_MMAPABLE | MapFlags.BPF_F_RDONLY_PROG);
        assertThat(ByteBuffer.wrap(rodata.initialData()).order(ByteOrder.LITTLE_ENDIAN).getInt()).isEqualTo(42);
        assertThat(features.btf().orElseThrow().type(rodata.btfValueTypeId())).isInstanceOf(BtfType.Datasec.class);

        MapDefinition bss = features.map(".bss").orElseThrow();
        assertThat(bss.initialData()).hasSize(40).containsOnly(0);
        assertThat(features.map(".data.custom").orElseThrow().initialData()).containsExactly(7, 0, 0, 0);

        // the accessor hands out copies: the spec stays immutable
        data.initialData()[0] = 99;
        assertThat(data.initialData()[0]).isEqualTo((byte) 1);
    }

    @Test
    void programTypesAttachTypesAndFlagsFromSectionNames() {
        assertProgram("xdp_main", "xdp", ProgramType.XDP, Optional.of(AttachType.XDP), "", 0);
        assertProgram("tc_main", "tc", ProgramType.SCHED_CLS, Optional.empty(), "", 0);
        assertProgram("tail_a", "tc", ProgramType.SCHED_CLS, Optional.empty(), "", 0);
        assertProgram("probe", "kprobe/do_sys_open", ProgramType.KPROBE, Optional.empty(), "do_sys_open", 0);
        assertProgram("skb_in", "cgroup_skb/ingress", ProgramType.CGROUP_SKB, Optional.of(AttachType.CGROUP_INET_INGRESS), "", 0);
        assertProgram("sleepy", "fentry.s/do_unlinkat", ProgramType.TRACING, Optional.of(AttachType.TRACE_FENTRY), "do_unlinkat",
                org.bpf4j.progtype.ProgFlag.BPF_F_SLEEPABLE.bit());
        assertThat(features.programs()).hasSize(7);
        assertThat(features.license()).isEqualTo("GPL");
        // .text functions are subprograms, not programs, when other sections hold programs
        assertThat(features.program("twice")).isEmpty();
    }

    private void assertProgram(String name, String section, ProgramType type, Optional<AttachType> attach, String target, int flags) {
        ProgramSpec p = features.program(name).orElseThrow();
        assertThat(p.sectionName()).isEqualTo(section);
        assertThat(p.type()).isEqualTo(type);
        assertThat(p.expectedAttachType()).isEqualTo(attach);
        assertThat(p.attachTo()).isEqualTo(target);
        assertThat(p.loadFlags()).isEqualTo(flags);
    }

    @Test
    void subprogramsAreLinkedTransitivelyOncePerProgram() {
        ProgramSpec tc = features.program("tc_main").orElseThrow();
        assertThat(tc.subprograms().getFirst().name()).isEqualTo("tc_main");
        assertThat(tc.subprograms()).extracting(ProgramSpec.Subprogram::name).containsExactlyInAnyOrder("tc_main", "thrice", "twice", "add");
        StructuralCheck.check(tc.program());
        // every bpf-to-bpf call lands on the first instruction of a linked subprogram
        List<Integer> starts = tc.subprograms().stream().map(ProgramSpec.Subprogram::start).toList();
        int calls = 0;
        for (int pc = 0; pc < tc.program().size(); pc++) {
            Insn insn = tc.program().get(pc);
            if (insn.opcode() == Opcodes.CALL && insn.src() == Opcodes.CALL_PSEUDO) {
                calls++;
                assertThat(starts).contains(pc + 1 + insn.imm());
            }
        }
        assertThat(calls).isGreaterThanOrEqualTo(3); // tc_main->thrice, thrice->twice, thrice->add, twice->add
        ProgramSpec tailA = features.program("tail_a").orElseThrow();
        assertThat(tailA.subprograms()).hasSize(1);
        assertThat(tailA.program().size()).isEqualTo(2);
    }

    @Test
    void lddwOfMapsAndGlobalDataIsRecordedAndMarked() {
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        Program code = xdp.program();
        // the symbol's offset in its section is the value offset: `later` is 32 bytes into .bss
        ProgramSpec probe = features.program("probe").orElseThrow();
        assertThat(probe.relocations()).filteredOn(r -> r instanceof Relocation.MapValueReference m && m.map().equals(".bss"))
                .singleElement().satisfies(r -> {
                    assertThat(((Relocation.MapValueReference) r).offset()).isEqualTo(32);
                    assertThat(probe.program().get(r.insn() + 1).imm()).isEqualTo(32);
                });
        for (Relocation r : xdp.relocations()) {
            Insn insn = code.get(r.insn());
            assertThat(insn.opcode()).isEqualTo(Opcodes.LDDW);
            switch (r) {
                case Relocation.MapReference m -> {
                    assertThat(insn.src()).isEqualTo(1);
                    assertThat(code.imm64(r.insn())).isZero();
                }
                case Relocation.MapValueReference v -> {
                    assertThat(insn.src()).isEqualTo(2);
                    assertThat(insn.imm()).isZero();
                    assertThat(code.get(r.insn() + 1).imm()).isEqualTo((int) v.offset());
                }
                default -> throw new AssertionError("unexpected " + r);
            }
        }
        assertThat(xdp.relocations()).filteredOn(r -> r instanceof Relocation.MapReference)
                .extracting(r -> ((Relocation.MapReference) r).map()).containsExactly("flows");
        assertThat(xdp.relocations()).filteredOn(r -> r instanceof Relocation.MapValueReference)
                .extracting(r -> ((Relocation.MapValueReference) r).map()).contains(".data", ".bss", ".data.custom", ".rodata");
        // the .rodata reference comes from subprogram add, appended after xdp_main: it is rebased into it
        ProgramSpec.Subprogram add = xdp.subprograms().stream().filter(s -> s.name().equals("add")).findFirst().orElseThrow();
        assertThat(xdp.relocations()).anySatisfy(r -> {
            assertThat(r).isInstanceOf(Relocation.MapValueReference.class);
            assertThat(((Relocation.MapValueReference) r).map()).isEqualTo(".rodata");
            assertThat(r.insn()).isBetween(add.start(), add.start() + add.length() - 1);
        });
    }

    @Test
    void funcAndLineInfoAreRebasedToTheLinkedProgram() {
        ProgramSpec tc = features.program("tc_main").orElseThrow();
        Btf btf = features.btf().orElseThrow();
        assertThat(tc.funcInfos()).hasSize(tc.subprograms().size());
        for (ProgramSpec.Subprogram s : tc.subprograms()) {
            BtfExt.FuncInfo fi = tc.funcInfos().stream().filter(f -> f.insn() == s.start()).findFirst().orElseThrow();
            assertThat(btf.type(fi.typeId())).isInstanceOf(BtfType.Func.class);
            assertThat(btf.type(fi.typeId()).name()).isEqualTo(s.name());
        }
        BtfExt.LineInfo first = tc.lineOf(0).orElseThrow();
        assertThat(first.fileName()).endsWith("features.bpf.c");
        assertThat(first.line()).contains("tc_main");
        ProgramSpec.Subprogram add = tc.subprograms().stream().filter(s -> s.name().equals("add")).findFirst().orElseThrow();
        assertThat(tc.lineOf(add.start()).orElseThrow().line()).contains("add(");
        assertThat(tc.lineInfos()).isSortedAccordingTo(java.util.Comparator.comparingInt(BtfExt.LineInfo::insn));
    }

    @Test
    void externsKfuncsCallbacksAndCoreRelocationsAreRecorded() {
        ProgramSpec p = externs.program("switcher").orElseThrow();
        assertThat(p.type()).isEqualTo(ProgramType.TRACING);
        assertThat(p.expectedAttachType()).hasValue(AttachType.TRACE_RAW_TP);
        assertThat(p.attachTo()).isEqualTo("sched_switch");
        assertThat(p.relocations()).filteredOn(r -> r instanceof Relocation.ExternCall)
                .extracting(r -> ((Relocation.ExternCall) r).function()).containsExactly("bpf_rcu_read_lock", "bpf_rcu_read_unlock");
        for (Relocation r : p.relocations()) {
            if (r instanceof Relocation.ExternCall) {
                assertThat(p.program().get(r.insn()).src()).isEqualTo(2);
                assertThat(p.program().get(r.insn()).imm()).isZero();
            }
        }
        assertThat(p.relocations()).filteredOn(r -> r instanceof Relocation.ExternVariable)
                .extracting(r -> (Relocation.ExternVariable) r)
                .extracting(Relocation.ExternVariable::name, Relocation.ExternVariable::section)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("LINUX_KERNEL_VERSION", ".kconfig"),
                        org.assertj.core.groups.Tuple.tuple("bpf_prog_active", ".ksyms"));

        // bpf_loop(10, step, ...): the lddw of &step becomes BPF_PSEUDO_FUNC pointing at the appended subprogram
        ProgramSpec.Subprogram step = p.subprograms().stream().filter(s -> s.name().equals("step")).findFirst().orElseThrow();
        int pseudoFuncs = 0;
        for (int pc = 0; pc < p.program().size(); pc++) {
            Insn insn = p.program().get(pc);
            if (insn.opcode() == Opcodes.LDDW && insn.src() == 4) {
                pseudoFuncs++;
                assertThat(pc + 1 + insn.imm()).isEqualTo(step.start());
            }
        }
        assertThat(pseudoFuncs).isEqualTo(1);

        assertThat(p.coreRelocations()).singleElement().satisfies(c -> {
            assertThat(c.kind()).isEqualTo(BtfExt.CoreRelocationKind.FIELD_BYTE_OFFSET);
            assertThat(c.accessString()).isEqualTo("0:1");
            assertThat(externs.btf().orElseThrow().type(c.typeId()).name()).isEqualTo("task");
            assertThat(p.program().get(c.insn()).imm()).isEqualTo(4); // the compiled-in offset of tgid
        });
    }

    // ---- refusals, on bytes of the compiled object changed in one place

    /** The file offset of the relocation entries of {@code .rel<section>}. */
    private static long relOffset(byte[] data, String section) {
        ElfFile elf = ElfFile.parse("x", data);
        return elf.sections.stream().filter(s -> s.name().equals(".rel" + section)).findFirst().orElseThrow().offset();
    }

    @Test
    void unknownRelocationTypesAreRefused() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        long rel = relOffset(data, "xdp");
        data[(int) rel + 8] = 7; // r_info's type: R_BPF 7 does not exist
        assertThatThrownBy(() -> BpfObject.parse("features.bpf.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessageStartingWith("features.bpf.o: section 'xdp': unsupported relocation type 7");
    }

    @Test
    void relocationsAgainstMissingSymbolsAreRefused() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        long rel = relOffset(data, "xdp");
        data[(int) rel + 14] = 0x70; // r_info's symbol index, high bytes
        assertThatThrownBy(() -> BpfObject.parse("features.bpf.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessageStartingWith("features.bpf.o: section '.relxdp':").hasMessageContaining("which does not exist");
    }

    @Test
    void relocationsOutsideTheirSectionAreRefused() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        long rel = relOffset(data, "xdp");
        data[(int) rel + 5] = 0x10; // r_offset far past the section
        assertThatThrownBy(() -> BpfObject.parse("features.bpf.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessageContaining("outside section 'xdp'");
    }

    @Test
    void notABpfObjectIsRefused() {
        assertThatThrownBy(() -> BpfObject.parse("empty", new byte[0])).isInstanceOf(ObjectFormatException.class)
                .hasMessage("empty: file is 0 bytes, too short for an ELF header");
        byte[] data = TestObjects.bytes("features.bpf.o");
        data[18] = 62; // EM_X86_64
        assertThatThrownBy(() -> BpfObject.parse("x86.o", data)).isInstanceOf(ObjectFormatException.class)
                .hasMessageContaining("not a BPF object");
        byte[] big = TestObjects.bytes("features.bpf.o");
        big[5] = 2;
        assertThatThrownBy(() -> BpfObject.parse("be.o", big)).isInstanceOf(ObjectFormatException.class)
                .hasMessageContaining("big-endian");
        byte[] invalid = TestObjects.bytes("features.bpf.o");
        invalid[5] = 7;
        assertThatThrownBy(() -> BpfObject.parse("e.o", invalid)).isInstanceOf(ObjectFormatException.class)
                .hasMessage("e.o: invalid ELF data encoding 7 (1 is little-endian, 2 big-endian)");
    }

    /** ELF fields are unsigned: a relocation section's sh_info or a relocation's type never prints negative. */
    @Test
    void unsignedFieldsPrintUnsigned() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        ElfFile elf = ElfFile.parse("x", data);
        ElfFile.Section rel = elf.sections.stream().filter(s -> s.type() == 9).findFirst().orElseThrow(); // SHT_REL
        byte[] badInfo = data.clone();
        java.nio.ByteBuffer.wrap(badInfo).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt((int) (java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0x28) + 64L * rel.index() + 44), 0xb28d0d2c);
        assertThatThrownBy(() -> BpfObject.parse("i.o", badInfo)).isInstanceOf(ObjectFormatException.class)
                .hasMessageContaining("applies to section 2995588396, which does not exist");
        byte[] badType = data.clone();
        java.nio.ByteBuffer.wrap(badType).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt((int) rel.offset() + 8, -1);
        assertThatThrownBy(() -> BpfObject.parse("t.o", badType)).isInstanceOf(ObjectFormatException.class)
                .hasMessageContaining("unsupported relocation type 4294967295");
    }

    @Test
    void callsAlreadyMarkedAsKfuncsAreRecordedById() {
        byte[] data = TestObjects.bytes("features.bpf.o");
        ElfFile elf = ElfFile.parse("x", data);
        ElfFile.Section tail = elf.sections.stream().filter(s -> s.name().equals("tc")).findFirst().orElseThrow();
        BpfObject before = BpfObject.parse("features.bpf.o", data);
        ProgramSpec tailA = before.program("tail_a").orElseThrow();
        // tail_a is "r0 = 1; exit": turn its first slot into a kfunc call by BTF id 1234
        int start = (int) tail.offset() + 8 * functionStart(elf, "tail_a");
        long word = new Insn(Opcodes.CALL, 0, 2, 0, 1234).encode();
        for (int i = 0; i < 8; i++) data[start + i] = (byte) (word >>> (8 * i));
        ProgramSpec p = BpfObject.parse("features.bpf.o", data).program("tail_a").orElseThrow();
        assertThat(p.relocations()).containsExactly(new Relocation.KfuncCallById(0, 1234, 0));
        assertThat(tailA.relocations()).isEmpty();
    }

    private static int functionStart(ElfFile elf, String name) {
        return (int) (elf.symbols.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().value() / 8);
    }
}

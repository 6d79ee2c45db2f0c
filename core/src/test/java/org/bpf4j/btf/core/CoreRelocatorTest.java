package org.bpf4j.btf.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.bpf4j.btf.core.CoreObjects.isPoison;
import static org.bpf4j.btf.core.CoreObjects.outcomes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfExt.CoreRelocation;
import org.bpf4j.btf.BtfExt.CoreRelocationKind;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.core.TargetBtf.M;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;

/** core_local.bpf.o against target BTF built here, where fields moved, changed size or type, or disappeared. */
class CoreRelocatorTest {

    static final BpfObject OBJ = CoreObjects.load("core_local.bpf.o");
    static final Btf LOCAL = OBJ.btf().orElseThrow();

    /** The target of most tests; its layout is what the expectations below are computed from by hand. */
    static byte[] targetBytes() {
        TargetBtf b = new TargetBtf();
        int i32 = b.integer("int", 4, true);
        int u32 = b.integer("unsigned int", 4, false);
        int u16 = b.integer("unsigned short", 2, false); // TYPE_MATCHES compares the names of integers too
        int i64 = b.integer("long", 8, true);
        int u64 = b.integer("long unsigned int", 8, false);
        int inner = b.struct("inner", 16, M.of("b", u16, 0), M.of("a", i32, 4), M.of("pad", i64, 8));
        int innerPtr = b.ptr(inner);
        int arr = b.array(i32, i32, 6);
        int anon = b.union("", 8, M.of("u2", i32, 0), M.of("u1", i64, 0));
        b.struct("sample", 96,
                M.of("next", innerPtr, 0),     // was at 56
                M.of("arr", arr, 8),           // int[4] at 40, now int[6]
                M.of("count", u64, 40),        // unsigned int -> unsigned long: the load widens
                M.of("x", i32, 48),            // was at 0
                M.of("", anon, 56),            // u1/u2 were at 16
                M.of("in", inner, 64),         // was at 8, and its members swapped
                M.of("sgn", i64, 80),          // int -> long: a signed load cannot be resized, poisoned
                M.bits("level", i32, 704, 5),  // "gone" is gone
                M.bits("flags", u32, 709, 3));
        b.enumeration("color", true, "RED", 0, "GREEN", 50, "PURPLE", -3); // BLUE is gone
        return b.bytes();
    }

    static final Btf TARGET = Btf.parse(targetBytes());

    static int targetId(String name) {
        return TARGET.typeByName(name, BtfType.Struct.class).orElseThrow().id();
    }

    @Test
    void fieldOffsetsFollowTheTargetLayoutAndMissingFieldsArePoisoned() {
        ProgramSpec spec = CoreObjects.program(OBJ, "loads");
        Map<String, String> o = outcomes(new CoreRelocator(LOCAL, TARGET).resolve(spec));
        assertThat(o).containsOnly(
                entry("FIELD_BYTE_OFFSET of struct sample.x", "48"),
                entry("FIELD_BYTE_OFFSET of struct sample.in.a", "68"),
                entry("FIELD_BYTE_OFFSET of struct sample.in.b", "64"),
                entry("FIELD_BYTE_OFFSET of struct sample.u1", "56"),
                entry("FIELD_BYTE_OFFSET of struct sample.u2", "56"),
                entry("FIELD_BYTE_OFFSET of struct sample.count", "40"),
                entry("FIELD_BYTE_OFFSET of struct sample.arr[2]", "16"),
                entry("FIELD_BYTE_OFFSET of struct sample.next", "0"),
                entry("FIELD_BYTE_OFFSET of struct inner.b", "0"),
                entry("FIELD_BYTE_OFFSET of struct sample.sgn", "80"),
                entry("FIELD_EXISTS of struct sample.gone", "0"),
                entry("FIELD_BYTE_OFFSET of struct sample.gone", "poison"),
                entry("FIELD_EXISTS of struct sample___v2.renamed_only_here", "0"),
                entry("FIELD_BYTE_OFFSET of struct sample___v2.renamed_only_here", "poison"),
                entry("FIELD_BYTE_OFFSET of struct sample.flags", "88"),
                entry("FIELD_BYTE_SIZE of struct sample.flags", "4"),
                entry("FIELD_LSHIFT_U64 of struct sample.flags", "56"),
                entry("FIELD_RSHIFT_U64 of struct sample.flags", "61"),
                entry("FIELD_SIGNED of struct sample.flags", "0"),
                entry("FIELD_BYTE_OFFSET of struct sample.level", "88"),
                entry("FIELD_BYTE_SIZE of struct sample.level", "4"),
                entry("FIELD_LSHIFT_U64 of struct sample.level", "59"),
                entry("FIELD_RSHIFT_U64 of struct sample.level", "59"),
                entry("FIELD_SIGNED of struct sample.level", "1"));
    }

    @Test
    void sizesTypesAndEnumeratorsFollowTheTarget() {
        ProgramSpec spec = CoreObjects.program(OBJ, "infos");
        int localSample = LOCAL.typeByName("sample", BtfType.Struct.class).orElseThrow().id();
        Map<String, String> o = outcomes(new CoreRelocator(LOCAL, TARGET).resolve(spec));
        assertThat(o).containsOnly(
                entry("FIELD_BYTE_SIZE of struct sample.in", "16"),
                entry("FIELD_BYTE_SIZE of struct sample.count", "8"),
                entry("FIELD_BYTE_SIZE of struct sample.arr", "24"),
                entry("FIELD_BYTE_OFFSET of struct sample.arr[3]", "20"),
                entry("FIELD_BYTE_OFFSET of struct sample.in.b", "64"),
                entry("FIELD_SIGNED of struct sample.level", "1"),
                entry("FIELD_SIGNED of struct sample.flags", "0"),
                entry("FIELD_SIGNED of struct sample.count", "0"),
                entry("FIELD_EXISTS of struct sample.gone", "0"),
                entry("FIELD_EXISTS of struct sample.arr[1]", "1"),
                entry("TYPE_EXISTS of struct sample", "1"),
                entry("TYPE_EXISTS of typedef sample_t", "0"),
                entry("TYPE_EXISTS of struct sample___v2", "1"),
                entry("TYPE_SIZE of struct sample", "96"),
                entry("TYPE_SIZE of struct inner", "16"),
                entry("TYPE_MATCHES of struct inner", "1"),
                entry("TYPE_ID_TARGET of struct sample", Integer.toString(targetId("sample"))),
                entry("TYPE_ID_LOCAL of struct sample", Integer.toString(localSample)),
                entry("ENUMVAL_EXISTS of enum color::GREEN", "1"),
                entry("ENUMVAL_EXISTS of enum color::BLUE", "0"),
                entry("ENUMVAL_VALUE of enum color::GREEN", "50"),
                entry("ENUMVAL_VALUE of enum color___v2::PURPLE___v2", "-3"),
                entry("ENUMVAL_VALUE of enum color::BLUE", "poison"));
    }

    @Test
    void patchesOffsetsSizesImmediatesAndPoisonsAsLibbpfDoes() {
        ProgramSpec spec = CoreObjects.program(OBJ, "loads");
        ProgramSpec out = CoreRelocator.apply(spec, LOCAL, TARGET);
        assertThat(out.coreRelocations()).isEmpty();
        assertThat(out.program().size()).isEqualTo(spec.program().size());
        for (CoreRelocator.Resolution r : new CoreRelocator(LOCAL, TARGET).resolve(spec)) {
            Insn before = spec.program().get(r.relocation().insn()), after = out.program().get(r.relocation().insn());
            String d = r.description();
            if (r.poisoned() || r.failsSizeChange() && before.insnClass() == Opcodes.CLASS_LDX) {
                assertThat(isPoison(after)).as(d).isTrue();
            } else if (before.insnClass() == Opcodes.CLASS_LDX) {
                assertThat(after.off()).as(d).isEqualTo(r.targetValue());
                int size = d.contains("sample.count") ? Opcodes.SIZE_DW : before.opcode() & 0x18;
                assertThat(after.opcode()).as(d).isEqualTo(before.opcode() & ~0x18 | size);
            } else {
                assertThat(after.imm()).as(d).isEqualTo((int) r.targetValue());
                assertThat(after.opcode()).as(d).isEqualTo(before.opcode());
            }
        }
        // the load of sample.count went from u32 to u64, the one of sample.sgn (signed) was poisoned
        assertThat(out.program().insns()).filteredOn(CoreObjects::isPoison).hasSize(3);
    }

    @Test
    void poisonsBothSlotsOfAnLddwAndPatchesItsImmediate() {
        ProgramSpec spec = CoreObjects.program(OBJ, "infos");
        ProgramSpec out = CoreRelocator.apply(spec, LOCAL, TARGET);
        for (CoreRelocator.Resolution r : new CoreRelocator(LOCAL, TARGET).resolve(spec)) {
            int pc = r.relocation().insn();
            if (!spec.program().get(pc).isWide()) continue;
            if (r.poisoned()) {
                assertThat(isPoison(out.program().get(pc)) && isPoison(out.program().get(pc + 1))).as(r.description()).isTrue();
            } else {
                assertThat(out.program().imm64(pc)).as(r.description()).isEqualTo(r.targetValue());
            }
        }
        assertThat(out.program().insns()).filteredOn(CoreObjects::isPoison).hasSize(2);
    }

    @Test
    void ambiguousCandidatesAreRefused() {
        TargetBtf b = new TargetBtf();
        int i32 = b.integer("int", 4, true);
        b.struct("sample", 8, M.of("pad", i32, 0), M.of("x", i32, 4));
        b.struct("sample___other", 8, M.of("x", i32, 0));
        ProgramSpec spec = CoreObjects.program(OBJ, "loads");
        assertThatThrownBy(() -> CoreRelocator.apply(spec, LOCAL, b.build()))
                .isInstanceOf(CoreRelocationException.class)
                .hasMessageMatching("program loads: insn \\d+: CO-RE relocation FIELD_BYTE_OFFSET of struct sample\\.x \\(0:0\\) "
                        + "cannot be resolved against the target BTF: field offset ambiguity: \\[2\\] struct sample is at bit 32 "
                        + "and \\[3\\] struct sample___other at bit 0");
    }

    @Test
    void candidatesNeedTheSameKindAndEssentialName() {
        TargetBtf b = new TargetBtf();
        int i32 = b.integer("int", 4, true);
        b.union("sample", 4, M.of("x", i32, 0));           // a union is not a candidate for a struct
        b.struct("sample___a___b", 8, M.of("x", i32, 4));   // essential name sample___a
        b.struct("samples", 8, M.of("x", i32, 4));
        b.struct("sample___", 8, M.of("x", i32, 4));        // no flavor: ___ must be followed by a name
        ProgramSpec spec = CoreObjects.program(OBJ, "infos");
        Map<String, String> o = outcomes(new CoreRelocator(LOCAL, b.build()).resolve(spec));
        assertThat(o).containsEntry("TYPE_EXISTS of struct sample", "0").containsEntry("TYPE_SIZE of struct sample", "0")
                .containsEntry("TYPE_ID_TARGET of struct sample", "0").containsEntry("FIELD_BYTE_SIZE of struct sample.in", "poison");
    }

    @Test
    void essentialNamesDropTheLastFlavor() {
        assertThat(CoreTypes.essentialName("task_struct___old")).isEqualTo("task_struct");
        assertThat(CoreTypes.essentialName("a___b___c")).isEqualTo("a___b");
        assertThat(CoreTypes.essentialName("task_struct")).isEqualTo("task_struct");
        assertThat(CoreTypes.essentialName("a____b")).isEqualTo("a____b");
        assertThat(CoreTypes.essentialName("___x")).isEqualTo("___x");
        assertThat(CoreTypes.essentialName("x___")).isEqualTo("x___");
        assertThat(CoreTypes.essentialName("x___y")).isEqualTo("x");
    }

    @Test
    void typeMatchesIsStricterThanTypeExists() {
        TargetBtf b = new TargetBtf();
        int i16 = b.integer("short", 2, true);
        int u16 = b.integer("short unsigned int", 2, false);
        b.struct("inner", 4, M.of("a", i16, 0), M.of("b", u16, 2)); // a is 2 bytes here, b's type has gcc's name
        Map<String, String> o = outcomes(new CoreRelocator(LOCAL, b.build()).resolve(CoreObjects.program(OBJ, "infos")));
        assertThat(o).containsEntry("TYPE_MATCHES of struct inner", "0").containsEntry("TYPE_EXISTS of struct sample", "0")
                .containsEntry("TYPE_SIZE of struct inner", "4");
    }

    @Test
    void anInstructionThatDoesNotHoldTheLocalValueIsRefused() {
        ProgramSpec spec = CoreObjects.program(OBJ, "loads");
        CoreRelocation x = spec.coreRelocations().stream()
                .filter(r -> r.accessString().equals("0:0") && r.kind() == CoreRelocationKind.FIELD_BYTE_OFFSET).findFirst().orElseThrow();
        List<Insn> insns = new ArrayList<>(spec.program().insns());
        Insn i = insns.get(x.insn());
        insns.set(x.insn(), new Insn(i.opcode(), i.dst(), i.src(), 12, i.imm()));
        ProgramSpec bad = withProgram(spec, new Program(insns), spec.coreRelocations());
        assertThatThrownBy(() -> CoreRelocator.apply(bad, LOCAL, TARGET)).isInstanceOf(CoreRelocationException.class)
                .hasMessage("program loads: insn " + x.insn() + ": CO-RE relocation FIELD_BYTE_OFFSET of struct sample.x (0:0) "
                        + "cannot be resolved against the target BTF: the instruction's offset is 12, not the expected 0");
    }

    @Test
    void malformedRecordsAndAnonymousTypesAreRefused() {
        ProgramSpec spec = CoreObjects.program(OBJ, "loads");
        CoreRelocation first = spec.coreRelocations().getFirst();
        int anon = LOCAL.types().stream().filter(t -> t instanceof BtfType.Union && t.name().isEmpty()).findFirst().orElseThrow().id();
        assertThatThrownBy(() -> CoreRelocator.apply(withRelocation(spec, new CoreRelocation(first.insn(), first.typeId(), "0:99",
                CoreRelocationKind.FIELD_BYTE_OFFSET)), LOCAL, TARGET))
                .isInstanceOf(CoreRelocationException.class).hasMessageEndingWith("the local record is malformed: struct sample has no member #99");
        assertThatThrownBy(() -> CoreRelocator.apply(withRelocation(spec, new CoreRelocation(first.insn(), first.typeId(), "0:x",
                CoreRelocationKind.FIELD_BYTE_OFFSET)), LOCAL, TARGET))
                .isInstanceOf(CoreRelocationException.class).hasMessageEndingWith("the local record is malformed: access string '0:x' is malformed");
        assertThatThrownBy(() -> CoreRelocator.apply(withRelocation(spec, new CoreRelocation(first.insn(), anon, "0:0",
                CoreRelocationKind.FIELD_BYTE_OFFSET)), LOCAL, TARGET))
                .isInstanceOf(CoreRelocationException.class)
                .hasMessageEndingWith("of union (anon).u1 (0:0) cannot be resolved against the target BTF: relocations against anonymous types are not supported");
        assertThatThrownBy(() -> CoreRelocator.apply(withRelocation(spec, new CoreRelocation(first.insn(), first.typeId(), "0:0",
                CoreRelocationKind.TYPE_SIZE)), LOCAL, TARGET))
                .isInstanceOf(CoreRelocationException.class).hasMessageContaining("a type relocation's access string must be '0'");
    }

    @Test
    void targetBtfIsTheNamedFileOrTheKernels(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("target.btf");
        java.nio.file.Files.write(file, targetBytes());
        assertThat(CoreRelocator.targetBtf(Optional.of(file))).contains(TARGET);
        assertThat(CoreRelocator.targetBtf(Optional.empty()).isPresent()).isEqualTo(java.nio.file.Files.isReadable(CoreRelocator.KERNEL_BTF));
        assertThatThrownBy(() -> CoreRelocator.targetBtf(Optional.of(dir.resolve("missing"))))
                .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("cannot read BTF from");
    }

    private static ProgramSpec withRelocation(ProgramSpec spec, CoreRelocation r) {
        return withProgram(spec, spec.program(), r == null ? List.of() : List.of(r));
    }

    private static ProgramSpec withProgram(ProgramSpec spec, Program program, List<CoreRelocation> relocations) {
        return new ProgramSpec(spec.name(), spec.sectionName(), spec.type(), spec.expectedAttachType(), spec.attachTo(),
                spec.loadFlags(), program, spec.subprograms(), spec.relocations(), spec.funcInfos(), spec.lineInfos(), relocations);
    }

    /** As libbpf's btf__parse: a target BTF given as an eBPF object is that object's .BTF section. */
    @Test
    void aTargetBtfFileMayBeAnObject(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path object = dir.resolve("target.bpf.o");
        java.nio.file.Files.write(object, CoreObjects.bytes("core_local.bpf.o"));
        org.bpf4j.btf.Btf btf = CoreRelocator.targetBtf(java.util.Optional.of(object)).orElseThrow();
        assertThat(btf.types()).hasSameSizeAs(OBJ.btf().orElseThrow().types());
        java.nio.file.Path notBpf = dir.resolve("x86.o");
        byte[] x86 = CoreObjects.bytes("core_local.bpf.o");
        x86[18] = 62; // EM_X86_64
        java.nio.file.Files.write(notBpf, x86);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoreRelocator.targetBtf(java.util.Optional.of(notBpf)))
                .isInstanceOf(org.bpf4j.btf.BtfFormatException.class).hasMessageContaining("not a BPF object");
    }
}

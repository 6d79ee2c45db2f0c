package org.bpf4j.elf;

import org.bpf4j.maps.MapType;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.StructuralCheck;
import org.junit.jupiter.api.Test;

/** The corpus of real objects against what the kernel saw in them. */
class CorpusTest {

    private final Map<String, Object> cache = new HashMap<>();

    /** The parsed object, or the ObjectFormatException it fails with. */
    private Object load(String object) {
        return cache.computeIfAbsent(object, o -> {
            try {
                return BpfObject.open(Corpus.root().resolve(o));
            } catch (ObjectFormatException e) {
                return e;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void everyProgramTheKernelLoadedIsFoundWithTheSameSectionNameSizeAndType() {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Corpus.Verdict v : Corpus.verdicts()) {
            if (v.verdict().equals("unloadable")) continue;
            checked++;
            Object o = load(v.object());
            if (o instanceof ObjectFormatException e) {
                problems.add(v.object() + ": " + e.getMessage());
                continue;
            }
            BpfObject obj = (BpfObject) o;
            Optional<ProgramSpec> p = obj.programs().stream()
                    .filter(x -> x.name().equals(v.program()) && x.sectionName().equals(v.section())).findFirst();
            if (p.isEmpty()) {
                problems.add(v.object() + ": no program " + v.section() + "/" + v.program() + " among "
                        + obj.programs().stream().map(x -> x.sectionName() + "/" + x.name()).toList());
                continue;
            }
            if (p.get().program().size() != v.insns()) {
                problems.add(v.object() + " " + v.program() + ": " + p.get().program().size() + " insns, kernel saw " + v.insns());
            }
            String type = p.get().type().name().toLowerCase(Locale.ROOT);
            if (!type.equals(v.progType())) problems.add(v.object() + " " + v.section() + " " + v.program() + ": type " + type + ", kernel loaded as " + v.progType());
        }
        assertThat(checked).isGreaterThan(200);
        assertThat(problems).isEmpty();
    }

    /**
     * Malformed files of corpus/invalid: those the ELF reader must refuse, with the message's gist.
     * The others are well-formed ELF whose problems are for later stages: a truncated lddw
     * (invalid-lddw.o, ef2e42...: the verifier's to reject, as the kernel did), programs that
     * loop forever or use another OS's hooks (timeout-..., dac310...).
     */
    private static final Map<String, String> INVALID_REFUSED = Map.of(
            "invalid/58087ea4ff41695f3186d628a3250b26dc8d237a", "outside its string table",
            "invalid/662b334a22904023c13f11008e072076a4f4d215", "outside its string table",
            "invalid/806cc077e56f0ec32236c99055714f63649e7a38", "section header table is outside the file",
            "invalid/ab3408afd06d68dd7e73bf21bde38350d9751a78", "which does not exist",
            "invalid/af99e766f6ba44fd7f2135c3e325c817224b99a3", "outside its string table",
            "invalid/badsymsize.o", "overlaps",
            "invalid/c049438cf649269921736e7306231385350dea58", "outside its string table");

    /** Objects outside invalid/ that this loader refuses, and why. None today: all 134 load. */
    private static final Map<String, String> VALID_REFUSED = Map.of();

    @Test
    void everyCorpusObjectLoadsOrIsRefusedWithAOneLineMessage() {
        List<String> problems = new ArrayList<>();
        int loaded = 0;
        for (String f : Corpus.files("linux", "new_linux", "cilium-examples", "suricata", "prototype-kernel", "build", "invalid")) {
            Object o = load(f);
            String expected = f.startsWith("invalid/") ? INVALID_REFUSED.get(f) : VALID_REFUSED.get(f);
            if (o instanceof ObjectFormatException e) {
                String fileName = f.substring(f.indexOf('/') + 1);
                if (expected == null) problems.add(f + " refused: " + e.getMessage());
                else if (!e.getMessage().contains(expected) || !e.getMessage().startsWith(fileName + ": ") || e.getMessage().contains("\n")) {
                    problems.add(f + " refused with an unexpected message: " + e.getMessage());
                }
            } else {
                loaded++;
                if (expected != null) problems.add(f + " loaded, expected a refusal: " + expected);
            }
        }
        assertThat(problems).isEmpty();
        assertThat(loaded).isGreaterThan(120);
    }

    @Test
    void linkedProgramsAreStructurallySoundAndCallsLandOnSubprograms() {
        List<String> problems = new ArrayList<>();
        int programs = 0;
        for (String f : Corpus.files("linux", "new_linux", "cilium-examples", "suricata", "prototype-kernel", "build")) {
            if (!(load(f) instanceof BpfObject obj)) continue;
            for (ProgramSpec p : obj.programs()) {
                programs++;
                try {
                    StructuralCheck.check(p.program());
                } catch (RuntimeException e) {
                    problems.add(f + " " + p.name() + ": " + e.getMessage());
                }
                List<Integer> starts = p.subprograms().stream().map(ProgramSpec.Subprogram::start).toList();
                assertThat(starts.getFirst()).isZero();
                int total = p.subprograms().stream().mapToInt(ProgramSpec.Subprogram::length).sum();
                assertThat(total).as(f + " " + p.name()).isEqualTo(p.program().size());
                for (int pc = 0; pc < p.program().size(); pc++) {
                    Insn insn = p.program().get(pc);
                    if (insn.opcode() == Opcodes.CALL && insn.src() == Opcodes.CALL_PSEUDO) {
                        int target = pc + 1 + insn.imm();
                        if (!starts.contains(target)) problems.add(f + " " + p.name() + ": call at " + pc + " lands on " + target + ", not a subprogram start " + starts);
                    }
                }
                for (var li : p.lineInfos()) assertThat(li.insn()).isBetween(0, p.program().size() - 1);
                for (var fi : p.funcInfos()) assertThat(starts).as(f + " " + p.name() + " func_info").contains(fi.insn());
            }
        }
        assertThat(programs).isGreaterThan(240);
        assertThat(problems).isEmpty();
    }

    @Test
    void bpfToBpfCallsAppendTheWholeCallGraph() throws IOException {
        // test: func (37 insns) calls add2 in .text, which calls add1: the kernel saw 58 instructions.
        BpfObject obj = (BpfObject) load("build/bpf2bpf.o");
        ProgramSpec p = obj.program("func").orElseThrow();
        assertThat(p.subprograms()).extracting(ProgramSpec.Subprogram::name).containsExactly("func", "add2", "add1");
        assertThat(p.subprograms()).extracting(ProgramSpec.Subprogram::sectionName).containsExactly("test", ".text", ".text");
        assertThat(p.program().size()).isEqualTo(58);
    }

    @Test
    void legacyMapsAndRelocations() {
        BpfObject obj = (BpfObject) load("linux/sockex1_kern.o");
        MapDefinition m = obj.map("my_map").orElseThrow();
        assertThat(m.definition()).isEqualTo(MapDefinition.Definition.LEGACY);
        assertThat(m.type()).isEqualTo(MapType.ARRAY);
        assertThat(m.keySize()).isEqualTo(4);
        assertThat(m.valueSize()).isEqualTo(8);
        assertThat(m.maxEntries()).isEqualTo(256);
        ProgramSpec p = obj.program("bpf_prog1").orElseThrow();
        assertThat(p.relocations()).singleElement().isInstanceOfSatisfying(Relocation.MapReference.class, r -> {
            assertThat(r.map()).isEqualTo("my_map");
            assertThat(p.program().get(r.insn()).opcode()).isEqualTo(Opcodes.LDDW);
            assertThat(p.program().get(r.insn()).src()).isEqualTo(1);
        });
        assertThat(obj.license()).isEqualTo("GPL");
    }

    @Test
    void legacyMapsOfMapsNameTheirInnerMapByIndex() {
        BpfObject obj = (BpfObject) load("linux/test_map_in_map_kern.o");
        MapDefinition outer = obj.map("a_of_port_a").orElseThrow();
        assertThat(outer.type()).isEqualTo(MapType.ARRAY_OF_MAPS);
        assertThat(outer.valueSize()).isEqualTo(4);
        assertThat(outer.innerMap()).hasValueSatisfying(in -> assertThat(in.name()).isEqualTo("port_a"));
    }

    @Test
    void externalFunctionsAreRecordedForALaterStageToRefuse() {
        BpfObject obj = (BpfObject) load("build/externalfunction.o");
        ProgramSpec p = obj.program("func").orElseThrow();
        assertThat(p.relocations()).filteredOn(r -> r instanceof Relocation.ExternCall)
                .singleElement().isEqualTo(new Relocation.ExternCall(6, "bpf_map_lookup_elem"));
        assertThat(p.program().get(6).src()).isEqualTo(2);
    }
}

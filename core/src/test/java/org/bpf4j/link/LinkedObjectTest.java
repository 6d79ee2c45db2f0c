package org.bpf4j.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.Relocation;
import org.bpf4j.isa.Insn;
import org.junit.jupiter.api.Test;

class LinkedObjectTest {

    private static BpfObject object(String name) throws IOException {
        try (InputStream in = LinkedObjectTest.class.getResourceAsStream("/bpf/" + name)) {
            return BpfObject.parse(name, in.readAllBytes());
        }
    }

    @Test
    void everyMapRelocationBecomesTheMapsIndexAndEveryOtherLddwStays() throws IOException {
        BpfObject object = object("features.bpf.o");
        LinkedObject linked = LinkedObject.link(object, Optional.empty());
        assertThat(linked.programs()).hasSameSizeAs(object.programs());
        int references = 0;
        for (LinkedProgram program : linked.programs()) {
            assertThat(program.unresolved()).as(program.name()).isEmpty();
            for (Relocation r : program.spec().relocations()) {
                String map = switch (r) {
                    case Relocation.MapReference m -> m.map();
                    case Relocation.MapValueReference v -> v.map();
                    default -> null;
                };
                if (map == null) continue;
                references++;
                Insn lddw = program.program().get(r.insn());
                int index = object.maps().stream().map(MapDefinition::name).toList().indexOf(map);
                assertThat(lddw.imm()).as(program.name() + " insn " + r.insn()).isEqualTo(index);
                assertThat(lddw.src()).isEqualTo(r instanceof Relocation.MapReference ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE);
                if (r instanceof Relocation.MapValueReference v) {
                    assertThat(program.program().get(r.insn() + 1).imm()).isEqualTo((int) v.offset());
                }
                assertThat(program.mapReferences()).contains(r.insn());
            }
            assertThat(program.rawFdInsns()).isEmpty();
        }
        assertThat(references).as("features.bpf.o refers to maps and global data").isGreaterThan(5);
    }

    @Test
    void bindingPutsWhatTheBackendMakesOfEachReference() throws IOException {
        LinkedProgram program = LinkedObject.link(object("features.bpf.o"), Optional.empty()).program("xdp_main").orElseThrow();
        var bound = program.bind((insn, dst, mapIndex, value, offset) ->
                Insn.lddw(dst, PSEUDO_IMM64, 1000L * (mapIndex + 1) + offset + (value ? 1_000_000 : 0)));
        for (int pc : program.mapReferences()) {
            Insn linked = program.program().get(pc);
            boolean value = linked.src() == PSEUDO_MAP_VALUE;
            long expected = 1000L * (linked.imm() + 1) + (value ? program.program().get(pc + 1).imm() + 1_000_000 : 0);
            assertThat(bound.imm64(pc)).as("insn " + pc).isEqualTo(expected);
        }
        assertThat(program.mapReferences()).isNotEmpty();
    }

    @Test
    void coreRelocationsWithoutATargetLeaveTheProgramUnresolvedWithWhy() throws IOException {
        BpfObject object = object("core_local.bpf.o");
        LinkedProgram loads = LinkedObject.link(object, Optional.empty()).program("loads").orElseThrow();
        assertThat(loads.unresolved()).contains("program loads needs CO-RE relocations and no kernel BTF is available: pass --btf FILE");
    }
}

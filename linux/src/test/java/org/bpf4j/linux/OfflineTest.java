package org.bpf4j.linux;

import org.bpf4j.progtype.ProgramType;
import org.bpf4j.maps.MapType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.Errno;

/** The parts that need no kernel: they run (not skip) everywhere. */
class OfflineTest {

    @Test
    void possibleCpuListsAreCounted() {
        assertThat(PossibleCpus.parse("0\n")).isEqualTo(1);
        assertThat(PossibleCpus.parse("0-1\n")).isEqualTo(2);
        assertThat(PossibleCpus.parse("0-3,6,8-11")).isEqualTo(9);
        assertThatThrownBy(() -> PossibleCpus.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PossibleCpus.parse("3-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theVerifiersReasonIsTheLastLineBeforeTheStatistics() {
        String log = """
                0: R1=ctx() R10=fp0
                0: (bf) r0 = r2
                R2 !read_ok
                processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

                """;
        assertThat(KernelLoadException.lastMeaningfulLine(log)).isEqualTo("R2 !read_ok");
        assertThat(KernelLoadException.lastMeaningfulLine("")).isNull();
        KernelLoadException e = KernelLoadException.of(BpfCommand.BPF_PROG_LOAD, 13, "");
        assertThat(e.getMessage()).isEqualTo("BPF_PROG_LOAD: EACCES (Permission denied) with an empty verifier log");
    }

    @Test
    void errnoNamesIncludeTheKernelInternalOnes() {
        assertThat(Errno.nameOf(2)).isEqualTo("ENOENT");
        assertThat(Errno.nameOf(524)).isEqualTo("ENOTSUPP");
        assertThat(Errno.nameOf(4095)).isEqualTo("errno 4095");
        assertThat(BpfException.of(BpfCommand.BPF_MAP_CREATE, 1, "HASH map").getMessage())
                .isEqualTo("BPF_MAP_CREATE: EPERM (Operation not permitted): HASH map");
    }

    @Test
    void mapReferencesRewriteOnlyMapLddws() {
        Program p = new Program(java.util.stream.Stream.of(
                        Insn.lddw(1, Opcodes.PSEUDO_MAP_FD, 0),
                        Insn.lddw(2, Opcodes.PSEUDO_IMM64, 0x1_0000_0007L),
                        Insn.lddw(3, Opcodes.PSEUDO_MAP_VALUE, 1 | (16L << 32)),
                        new Insn[] {Insn.mov64Imm(0, 1), Insn.exit()})
                .flatMap(java.util.Arrays::stream).toList());
        Map<Integer, Integer> fds = Map.of(0, 40, 1, 41);
        Program r = MapReferences.resolve(p, fds::get);
        assertThat(r.get(0).imm()).isEqualTo(40);
        assertThat(r.imm64(2)).isEqualTo(0x1_0000_0007L);
        assertThat(r.get(4).imm()).isEqualTo(41);
        assertThat(r.get(5).imm()).isEqualTo(16); // the value offset stays
        assertThat(r.get(6)).isEqualTo(p.get(6));
        assertThat(r.size()).isEqualTo(p.size());
    }

    @Test
    void specsRefuseNonsense() {
        assertThatThrownBy(() -> KernelMapSpec.of(MapType.HASH, -1, 4, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadOptions.defaults().withLogSize(LoadOptions.MAX_LOG_SIZE + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadOptions.ProgramBtf(0, new byte[12], 8, null, 16))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KernelMapSpec.of(MapType.HASH, 4, 4, 1).withName("no-dash"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'-'");
        assertThatThrownBy(() -> LoadOptions.defaults().withName("a_name_of_16_chr"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 15");
        assertThat(LoadOptions.defaults().withName("ok_name.v2").name()).isEqualTo("ok_name.v2");
        assertThat(MapType.byId(27)).contains(MapType.RINGBUF);
        assertThat(ProgramType.byId(6)).contains(ProgramType.XDP);
        assertThat(MapType.LRU_PERCPU_HASH.perCpu()).isTrue();
    }
}

package org.bpf4j.linux;

import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.TestRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.bpf4j.linux.Kernel.le32;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** BPF_BTF_LOAD, maps typed by BTF, programs with func_info and line_info. */
class KernelBtfTest {

    @BeforeAll
    static void kernel() { Kernel.assumeAvailable(); }

    @Test
    void mapKeyAndValueTypedByLoadedBtf() {
        BtfBlob b = new BtfBlob();
        int u32 = b.integer("unsigned int", 4, 32);
        try (KernelBtf btf = KernelBtf.load(b.bytes());
             KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 4).withBtf(btf.fd(), u32, u32))) {
            assertThat(btf.log()).isEmpty();
            m.put(le32(1), le32(2));
            assertThat(m.lookup(le32(1)).map(Kernel::int32)).contains(2);
        }
    }

    @Test
    void btfTypeSizeMismatchFailsMapCreate() {
        BtfBlob b = new BtfBlob();
        int u64 = b.integer("long long unsigned int", 8, 64);
        try (KernelBtf btf = KernelBtf.load(b.bytes())) {
            BpfException e = catchThrowableOfType(BpfException.class,
                    () -> KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 4).withBtf(btf.fd(), u64, u64)));
            assertThat(e.errnoName()).isEqualTo("EINVAL");
        }
    }

    @Test
    void invalidBtfIsRejectedWithTheCheckersReason() {
        BtfBlob b = new BtfBlob();
        b.integer("int", 4, 64); // 64 bits do not fit in 4 bytes
        KernelLoadException e = catchThrowableOfType(KernelLoadException.class, () -> KernelBtf.load(b.bytes()));
        assertThat(e.command()).isEqualTo(BpfCommand.BPF_BTF_LOAD);
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.log()).isNotEmpty().contains(e.getMessage());
        assertThat(e.getMessage()).endsWith("nr_bits exceeds type_size");
    }

    @Test
    void programWithFuncAndLineInfoShowsSourceInTheLog() {
        BtfBlob b = new BtfBlob();
        int i32 = b.integer("int", 4, 32 | (1 << 24)); // encoding SIGNED
        int proto = b.funcProto(i32);
        int main = b.func("xdp_main", proto);
        int file = b.string("prog.c");
        int line = b.string("return XDP_PASS;");
        byte[] funcInfo = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(main).array();
        byte[] lineInfo = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0).putInt(file).putInt(line).putInt(7 << 10 | 5).array();
        try (KernelBtf btf = KernelBtf.load(b.bytes());
             KernelProgram p = KernelProgram.load(ProgramType.XDP, Program.of(Insn.mov64Imm(0, 2), Insn.exit()), "GPL",
                     LoadOptions.defaults().withLogLevel(LoadOptions.LOG_LEVEL2)
                             .withBtf(new LoadOptions.ProgramBtf(btf.fd(), funcInfo, 8, lineInfo, 16)))) {
            assertThat(p.verifierLog()).contains("; return XDP_PASS; @ prog.c:7");
            assertThat(p.testRun(TestRun.of(new byte[64])).retval()).isEqualTo(2);
        }
    }
}

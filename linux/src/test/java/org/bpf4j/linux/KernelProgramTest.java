package org.bpf4j.linux;

import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.linux.Kernel.int32;
import static org.bpf4j.linux.Kernel.le32;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loading and test-running programs assembled from {@link Insn} factories in the real kernel. */
class KernelProgramTest {

    static final int XDP_ABORTED = 0, XDP_DROP = 1, XDP_PASS = 2;
    static final int BPF_FUNC_map_lookup_elem = 1;

    @BeforeAll
    static void kernel() { Kernel.assumeAvailable(); }

    private static Program program(Object... parts) {
        List<Insn> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Insn i) out.add(i);
            else out.addAll(Arrays.asList((Insn[]) p));
        }
        return new Program(out);
    }

    private static byte[] frame(int first) {
        byte[] f = new byte[64];
        for (int i = 0; i < f.length; i++) f[i] = (byte) i;
        f[0] = (byte) first;
        return f;
    }

    @Test
    void xdpPassRunsWithRepeatAndEchoesThePacket() {
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP,
                program(Insn.mov64Imm(0, XDP_PASS), Insn.exit()), "GPL")) {
            assertThat(p.verifierLog()).isEmpty();
            byte[] in = frame(0x42);
            TestRunResult r = p.testRun(TestRun.of(in).withRepeat(1000));
            assertThat(r.retval()).isEqualTo(XDP_PASS);
            assertThat(r.dataOut()).isEqualTo(in);
            assertThat(r.contextOut()).isEmpty();
            assertThat(r.durationNanos()).isNotNegative();
        }
    }

    /** Reads the first byte (0xAA: pass, else drop) and writes 0x55 into the second, bounds-checked. */
    static Program firstByteFilter() {
        return program(
                Insn.mov64Imm(0, XDP_ABORTED),
                Insn.load(SIZE_W, 2, 1, 0),            // r2 = ctx->data
                Insn.load(SIZE_W, 3, 1, 4),            // r3 = ctx->data_end
                Insn.mov64Reg(4, 2),
                Insn.alu64Imm(ALU_ADD, 4, 2),
                Insn.jumpReg(JMP_JGT, 4, 3, 5),        // too short: return ABORTED
                Insn.load(SIZE_B, 5, 2, 0),
                Insn.storeImm(SIZE_B, 2, 1, 0x55),
                Insn.mov64Imm(0, XDP_DROP),
                Insn.jumpImm(JMP_JNE, 5, 0xAA, 1),
                Insn.mov64Imm(0, XDP_PASS),
                Insn.exit());
    }

    @Test
    void xdpReadsAndWritesThePacket() {
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP, firstByteFilter(), "GPL",
                LoadOptions.defaults().withName("first_byte"))) {
            TestRunResult pass = p.testRun(TestRun.of(frame(0xAA)).withRepeat(10));
            assertThat(pass.retval()).isEqualTo(XDP_PASS);
            byte[] expected = frame(0xAA);
            expected[1] = 0x55;
            assertThat(pass.dataOut()).isEqualTo(expected);

            assertThat(p.testRun(TestRun.of(frame(0x01))).retval()).isEqualTo(XDP_DROP);
        }
    }

    @Test
    void tooSmallDataOutIsEnospcNamingTheSizeNeeded() {
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP,
                program(Insn.mov64Imm(0, XDP_PASS), Insn.exit()), "GPL")) {
            BpfException e = catchThrowableOfType(BpfException.class,
                    () -> p.testRun(TestRun.of(frame(0)).withDataSizeOut(10)));
            assertThat(e.errnoName()).isEqualTo("ENOSPC");
            assertThat(e.getMessage()).contains("produced 64 bytes", "holds 10");
        }
    }

    @Test
    void schedClsSeesContextInAndReturnsContextOut() {
        // r0 = skb->mark; skb->priority = 7
        Program prog = program(
                Insn.load(SIZE_W, 0, 1, 8),
                Insn.storeImm(SIZE_W, 1, 32, 7),
                Insn.exit());
        byte[] ctx = new byte[192];
        System.arraycopy(le32(77), 0, ctx, 8, 4);
        try (KernelProgram p = KernelProgram.load(ProgramType.SCHED_CLS, prog, "GPL")) {
            TestRunResult r = p.testRun(TestRun.of(frame(0)).withContext(ctx));
            assertThat(r.retval()).isEqualTo(77);
            assertThat(r.contextOut()).hasSize(192);
            assertThat(int32(Arrays.copyOfRange(r.contextOut(), 8, 12))).isEqualTo(77);
            assertThat(int32(Arrays.copyOfRange(r.contextOut(), 32, 36))).isEqualTo(7);
        }
    }

    /** r0 = *lookup(map, &(u32)0) or 0. */
    static Program lookupKeyZero(int pseudo, int ref) {
        return program(
                Insn.storeImm(SIZE_W, 10, -4, 0),
                Insn.mov64Reg(2, 10),
                Insn.alu64Imm(ALU_ADD, 2, -4),
                Insn.lddw(1, pseudo, ref),
                Insn.call(BPF_FUNC_map_lookup_elem),
                Insn.jumpImm(JMP_JNE, 0, 0, 2),
                Insn.mov64Imm(0, 0),
                Insn.exit(),
                Insn.load(SIZE_W, 0, 0, 0),
                Insn.exit());
    }

    @Test
    void socketFilterReadsAMapValueThroughARewrittenMapFd() {
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1))) {
            m.put(le32(0), le32(1234));
            Program prog = MapReferences.resolve(lookupKeyZero(PSEUDO_MAP_FD, 0), ref -> switch (ref) {
                case 0 -> m.fd();
                default -> throw new IllegalArgumentException("no map " + ref);
            });
            assertThat(prog.get(3).imm()).isEqualTo(m.fd());
            try (KernelProgram p = KernelProgram.load(ProgramType.SOCKET_FILTER, prog, "GPL")) {
                assertThat(p.testRun(TestRun.of(frame(0))).retval()).isEqualTo(1234);
                m.put(le32(0), le32(99));
                assertThat(p.testRun(TestRun.of(frame(0))).retval()).isEqualTo(99);
            }
        }
    }

    @Test
    void socketFilterFindsItsMapThroughFdArray() {
        try (KernelMap unused = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1));
             KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.HASH, 4, 4, 4))) {
            m.put(le32(0), le32(5678));
            try (KernelProgram p = KernelProgram.load(ProgramType.SOCKET_FILTER,
                    lookupKeyZero(PSEUDO_MAP_IDX, 1), "GPL",
                    LoadOptions.defaults().withFdArray(List.of(unused.fd(), m.fd())))) {
                assertThat(p.testRun(TestRun.of(frame(0))).retval()).isEqualTo(5678);
                m.delete(le32(0));
                assertThat(p.testRun(TestRun.of(frame(0))).retval()).isZero();
            }
        }
    }

    @Test
    void uninitialisedRegisterIsRejectedWithTheVerifiersOwnWords() {
        KernelLoadException e = catchThrowableOfType(KernelLoadException.class,
                () -> KernelProgram.load(ProgramType.XDP, program(Insn.mov64Reg(0, 2), Insn.exit()), "GPL"));
        assertThat(e.getMessage()).isEqualTo("R2 !read_ok");
        assertThat(e.errnoName()).isEqualTo("EACCES");
        assertThat(e.command()).isEqualTo(BpfCommand.BPF_PROG_LOAD);
        // Log level 0 was asked for; the log was fetched by a retry with level 1.
        assertThat(e.log()).contains("R2 !read_ok", "(bf) r0 = r2");
    }

    @Test
    void missingExitIsRejectedAsAFallThrough() {
        KernelLoadException e = catchThrowableOfType(KernelLoadException.class,
                () -> KernelProgram.load(ProgramType.SOCKET_FILTER, program(Insn.mov64Imm(0, 0)), "GPL"));
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.getMessage()).contains("last insn");
    }

    @Test
    void gplOnlyHelperNeedsAGplLicense() {
        // bpf_trace_printk (6) is gpl_only; a socket filter may call it.
        Program prog = program(
                Insn.storeImm(SIZE_W, 10, -4, 0x0a6968), // "hi\n\0"
                Insn.mov64Reg(1, 10),
                Insn.alu64Imm(ALU_ADD, 1, -4),
                Insn.mov64Imm(2, 4),
                Insn.call(6),
                Insn.mov64Imm(0, 0),
                Insn.exit());
        KernelLoadException e = catchThrowableOfType(KernelLoadException.class,
                () -> KernelProgram.load(ProgramType.SOCKET_FILTER, prog, "Proprietary"));
        assertThat(e.getMessage()).contains("GPL");
        try (KernelProgram p = KernelProgram.load(ProgramType.SOCKET_FILTER, prog, "GPL")) {
            assertThat(p.fd()).isPositive();
        }
    }

    @Test
    void requestedLogGrowsPastASmallFirstBuffer() {
        List<Insn> insns = new ArrayList<>();
        insns.add(Insn.mov64Imm(0, 0));
        for (int i = 0; i < 500; i++) insns.add(Insn.alu64Imm(ALU_ADD, 0, 1));
        insns.add(Insn.exit());
        try (KernelProgram p = KernelProgram.load(ProgramType.SOCKET_FILTER, new Program(insns), "GPL",
                LoadOptions.defaults().withLogLevel(LoadOptions.LOG_LEVEL2).withLogSize(4096))) {
            String log = p.verifierLog();
            assertThat(log.length()).isGreaterThan(4096);
            assertThat(log).contains("processed 502 insns");
            assertThat(log).contains("0: (b7) r0 = 0");
        }
    }

    @Test
    void statsLogOnSuccess() {
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP, program(Insn.mov64Imm(0, XDP_PASS), Insn.exit()),
                "GPL", LoadOptions.defaults().withLogLevel(LoadOptions.LOG_LEVEL1 | LoadOptions.LOG_STATS))) {
            assertThat(p.verifierLog()).contains("processed 2 insns");
        }
    }

    @Test
    void pinnedProgramRunsThroughItsPin() throws Exception {
        Kernel.assumeBpffs();
        Path pin = Kernel.uniquePin();
        try (KernelProgram p = KernelProgram.load(ProgramType.XDP, firstByteFilter(), "GPL")) {
            p.pin(pin);
            try (KernelProgram again = KernelProgram.openPinned(pin)) {
                assertThat(again.type()).isEqualTo(ProgramType.XDP);
                assertThat(again.testRun(TestRun.of(frame(0xAA))).retval()).isEqualTo(XDP_PASS);
                assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> KernelMap.openPinned(pin)))
                        .hasMessageContaining("not a pinned map");
            } finally {
                Files.deleteIfExists(pin);
            }
        }
    }
}

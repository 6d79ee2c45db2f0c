package org.bpf4j.helpers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import java.lang.foreign.ValueLayout;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The memory helpers against sizes no verifier has bounded: they fault, they never allocate the size first. */
class BaseHelpersTest {
    private AddressSpace space;
    private ExecutionStack stack;
    private HelperTable helpers;

    @BeforeEach
    void setUp() {
        space = AddressSpace.reserve(1 << 20);
        stack = new ExecutionStack(space);
        helpers = BaseHelpers.register(HelperTable.builder()).build();
    }

    @AfterEach
    void tearDown() {
        stack.close();
        space.close();
    }

    /** r1 = r10 - 16, r2 = size, r3 = src; call helper; exit. */
    private long call(int helper, int size, long src) {
        Insn[] lddw = Insn.lddw(3, PSEUDO_IMM64, src);
        Program p = Program.of(Insn.mov64Reg(1, 10), Insn.alu64Imm(ALU_ADD, 1, -16), Insn.mov64Imm(2, size),
                lddw[0], lddw[1], Insn.call(helper), Insn.exit());
        return Interpreter.load(p, helpers, space, ExecutionOptions.raw()).run(stack, 0, 0, 0, 0, 0);
    }

    @Test
    void hostileSizesFaultOnTheDestinationInsteadOfAllocating() {
        for (KernelHelper h : new KernelHelper[] {KernelHelper.PROBE_READ, KernelHelper.PROBE_READ_STR, KernelHelper.GET_CURRENT_COMM}) {
            assertThatThrownBy(() -> call(h.id(), Integer.MAX_VALUE, stack.frameTop(0) - 16))
                    .as(h.kernelName())
                    .isInstanceOf(ProgramFault.class)
                    .hasMessageStartingWith("insn 5: invalid write of 2147483647 bytes at 0x");
        }
    }

    @Test
    void unreadableSourceZeroesTheDestinationAndReturnsEfault() {
        space.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, stack.frameTop(0) - 16 - space.base(), -1L);
        assertThat(call(KernelHelper.PROBE_READ.id(), 8, 0x10)).isEqualTo(-14);
        assertThat(space.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, stack.frameTop(0) - 16 - space.base())).isZero();
        assertThat(call(KernelHelper.PROBE_READ.id(), 0, 0)).isZero(); // size 0: nothing to copy
    }

    @Test
    void jiffiesAndTheCoarseClockTickAtTheReferenceKernelsHz() {
        HostEnvironment host = HostEnvironment.deterministic(1, 1, 10_000_000_003L, 0, line -> { });
        assertThat(host.jiffies()).isEqualTo(10_000_000_003L / 4_000_000L + ((-300L * 250) & 0xffffffffL));
        assertThat(host.coarseNanos()).isEqualTo(10_000_000_000L);
    }

    @Test
    void kernelReadsRefuseUserAndNonCanonicalAddressesWithErange() {
        // copy_from_kernel_nofault_allowed (x86): -ERANGE before reading, even for 0 bytes
        assertThat(call(KernelHelper.PROBE_READ_KERNEL.id(), 8, 0x10)).isEqualTo(-34);
        assertThat(call(KernelHelper.PROBE_READ_KERNEL.id(), 0, 0)).isEqualTo(-34);
        assertThat(call(KernelHelper.PROBE_READ_KERNEL.id(), 8, 0x8000000000000000L)).isEqualTo(-34);
        assertThat(call(KernelHelper.PROBE_READ_KERNEL_STR.id(), 1, 0xffffffffff600000L)).isEqualTo(-34);
        // a canonical kernel address that faults is -EFAULT; the user variants fail with -EFAULT
        assertThat(call(KernelHelper.PROBE_READ_KERNEL.id(), 8, 0xffff800000001000L)).isEqualTo(-14);
        assertThat(call(KernelHelper.PROBE_READ_USER.id(), 8, 0x10)).isEqualTo(-14);
        // the string variants read up to size bytes, the last one included
        assertThat(call(KernelHelper.PROBE_READ_KERNEL_STR.id(), 1, 0xffff800000001000L)).isEqualTo(-14);
    }

    /** bpf_csum_diff(NULL, 0, NULL, 0, seed): the seed folded to 16 bits, as Linux 6.18 returns it. */
    private long csumDiffOfSeed(long seed) {
        Insn[] lddw = Insn.lddw(5, PSEUDO_IMM64, seed);
        Program p = Program.of(Insn.mov64Imm(1, 0), Insn.mov64Imm(2, 0), Insn.mov64Imm(3, 0), Insn.mov64Imm(4, 0),
                lddw[0], lddw[1], Insn.call(KernelHelper.CSUM_DIFF.id()), Insn.exit());
        return Interpreter.load(p, helpers, space, ExecutionOptions.raw()).run(stack, 0, 0, 0, 0, 0);
    }

    @Test
    void csumDiffIsFoldedTo16Bits() {
        assertThat(csumDiffOfSeed(0xffffffffL)).isEqualTo(0xffff);
        assertThat(csumDiffOfSeed(0x12345678L)).isEqualTo(0x68ac);
        assertThat(csumDiffOfSeed(0xdeadbeef_0000fffeL)).as("only the low 32 bits are the __wsum").isEqualTo(0xfffe);
        assertThat(csumDiffOfSeed(0)).isZero();
    }
}

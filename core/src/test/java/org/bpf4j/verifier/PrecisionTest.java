package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;
import static org.bpf4j.verifier.VerifierTestSupport.*;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.api.Test;
import org.bpf4j.maps.MapType;

/**
 * Scalar precision tracking: an explored state's imprecise scalar matches any scalar, so every value a
 * decision relied on must have been marked precise, through registers, stack spills and earlier states,
 * or a path that differs only in that value is wrongly pruned. Each program below is safe on its first
 * explored path and unsafe on the second, which reaches the join with a different constant: the kernel
 * refuses them all, and so must bpf4j. The accepted loops check that pruning with precision processes
 * exactly as many instructions as the kernel.
 */
class PrecisionTest {
    static final ProgramType SF = ProgramType.SOCKET_FILTER;
    static final List<MapInfo> ARRAY = List.of(MapInfo.of(MapType.ARRAY, 4, 16, 4));

    /**
     * r6 = 0 on the first explored path, {@code unsafe} on the other, joining at a jump target after
     * enough instructions and jumps for the kernel to keep a checkpoint there.
     */
    static B joinWithR6(int unsafe) {
        return joinWithR6(B.b(), unsafe);
    }

    static B joinWithR6(B b, int unsafe) {
        for (int i = 0; i < 8; i++) b.mov(7, i);
        return b.call(7).mov(6, unsafe).jmp(JMP_JEQ, 0, 0, 1).mov(6, 0);
    }

    @Test void pointerOffsetFromABranchConstant() {
        // value + r6: r6 is precise back to the join, where 0 and 64 differ
        Program p = joinWithR6(64).lookup(0).jmp(JMP_JEQ, 0, 0, 2).alur(ALU_ADD, 0, 6).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=64 size=1");
    }

    @Test void pointerOffsetThroughAStackSpill() {
        // the offset goes through fp-16: backtracking follows the fill into the slot and the spill into r6
        Program p = joinWithR6(64).stx(SIZE_DW, 10, 6, -16).lookup(0).jmp(JMP_JEQ, 0, 0, 3).ldx(SIZE_DW, 1, 10, -16)
                .alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=64 size=1");
    }

    @Test void spilledOffsetFilledThroughACopyOfTheFramePointer() {
        // the paths differ only in fp-16 (0 or 64), which is filled through r2, not r10: the slot is live,
        // and precise, at the join
        B b = B.b();
        for (int i = 0; i < 8; i++) b.mov(7, i);
        Program p = b.call(7).mov(6, 64).stx(SIZE_DW, 10, 6, -16).jmp(JMP_JEQ, 0, 0, 2).mov(6, 0).stx(SIZE_DW, 10, 6, -16)
                .mov(6, 0).lookup(0).jmp(JMP_JEQ, 0, 0, 5).movr(2, 10).alu(ALU_ADD, 2, -16).ldx(SIZE_DW, 1, 2, 0)
                .alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=64 size=1");
    }

    @Test void spilledOffsetReadThroughASpilledStackPointer() {
        // as above, with the stack pointer itself spilled to fp-24 and filled into r3 before the read
        B b = B.b();
        for (int i = 0; i < 8; i++) b.mov(7, i);
        Program p = b.call(7).mov(6, 64).stx(SIZE_DW, 10, 6, -16).jmp(JMP_JEQ, 0, 0, 2).mov(6, 0).stx(SIZE_DW, 10, 6, -16)
                .mov(6, 0).movr(2, 10).alu(ALU_ADD, 2, -16).stx(SIZE_DW, 10, 2, -24).lookup(0).jmp(JMP_JEQ, 0, 0, 4)
                .ldx(SIZE_DW, 3, 10, -24).ldx(SIZE_DW, 1, 3, 0).alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=64 size=1");
    }

    @Test void constantMapKeyReadByTheHelper() {
        // the paths differ only in the 4-byte key spilled at fp-16 (0 or 64), which the lookup reads: with
        // key 0 the array lookup cannot fail, with key 64 it can, so r0 must be checked on that path
        B b = B.b();
        for (int i = 0; i < 8; i++) b.mov(7, i);
        Program p = b.call(7).mov(6, 64).stx(SIZE_W, 10, 6, -16).jmp(JMP_JEQ, 0, 0, 2).mov(6, 0).stx(SIZE_W, 10, 6, -16)
                .mov(6, 0).movr(2, 10).alu(ALU_ADD, 2, -16).ldMap(1, 0).call(1).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "R0 invalid mem access 'map_value_or_null'");
    }

    @Test void pointerOffsetThroughACopyAndArithmetic() {
        // r1 = r6 + 4: both the copy and the addition lead back to r6
        Program p = joinWithR6(60).movr(8, 6).alu(ALU_ADD, 8, 4).lookup(0).jmp(JMP_JEQ, 0, 0, 2).alur(ALU_ADD, 0, 8)
                .ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=64 size=1");
    }

    @Test void branchDecidedByAScalar() {
        // if r6 == 0 is decided by r6's value on both paths: the second one must still be explored
        Program p = joinWithR6(1).jmp(JMP_JEQ, 6, 0, 1).movr(0, 8).ret(0).p();
        assertRejected(p, SF, List.of(), "R8 !read_ok");
    }

    @Test void helperSizeArgument() {
        // bpf_skb_load_bytes(ctx, 0, fp-16, r6): the size is checked against the 16-byte buffer
        Program p = joinWithR6(B.b().movr(9, 1), 32).alu(ALU_ADD, 6, 8).movr(4, 6).movr(1, 9).mov(2, 0).movr(3, 10)
                .alu(ALU_ADD, 3, -16).call(26).ret(0).p();
        assertRejected(p, SF, List.of(), "invalid write to stack R3 off=-16 size=40");
    }

    @Test void zeroWrittenToTheStack() {
        // a 4-byte store of r6 = 0 makes its bytes STACK_ZERO and their fill a known zero, which backtracking
        // cannot follow (it is not a spill): r6 is made precise at the store
        Program p = joinWithR6(8).stx(SIZE_W, 10, 6, -12).lookup(0).jmp(JMP_JEQ, 0, 0, 3).ldx(SIZE_W, 1, 10, -12)
                .alur(ALU_ADD, 0, 1).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "R0 unbounded memory access, make sure to bounds check any such access");
    }

    @Test void boundLearntOnALinkedRegisterMovesToItsCopyPlusAConstant() {
        // r7 = r6 + 4; if r6 < 12 then r7 < 16 indexes the 16-byte value (BPF_ADD_CONST linked scalars)
        Program p = B.b().call(7).movr(6, 0).alu(ALU_AND, 6, 0xff).movr(7, 6).alu(ALU_ADD, 7, 4).lookup(0)
                .jmp(JMP_JEQ, 0, 0, 3).jmp(JMP_JGE, 6, 12, 2).alur(ALU_ADD, 0, 7).ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertAccepted(p, SF, ARRAY);
    }

    @Test void linkedRegisterWithAnotherConstantIsNotBounded() {
        // r7 = r6 + 4 and r8 = r7 + 8: a second constant breaks the link, so r8 stays unbounded
        Program p = B.b().call(7).movr(6, 0).alu(ALU_AND, 6, 0xff).movr(7, 6).alu(ALU_ADD, 7, 4).movr(8, 7)
                .alu(ALU_ADD, 8, 1).lookup(0).jmp(JMP_JEQ, 0, 0, 3).jmp(JMP_JGE, 6, 12, 2).alur(ALU_ADD, 0, 8)
                .ldx(SIZE_B, 0, 0, 0).ret(0).p();
        assertRejected(p, SF, ARRAY, "invalid access to map value, value_size=16 off=260 size=1");
    }

    static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    /** Accepted as by the kernel, with as many processed instructions when the kernel is reachable. */
    static void assertSameProcessedCount(Program p) {
        VerifierResult r = Verifier.verify(p, SF, ARRAY, VerifierOptions.defaults());
        assertThat(r).as(() -> describe(r)).isInstanceOf(VerifierResult.Accepted.class);
        if (!KernelOracle.available()) return;
        KernelOracle.Verdict k = KernelOracle.load(p, SF, ARRAY, 1);
        assertThat(k.accepted()).as(k.log()).isTrue();
        Matcher m = PROCESSED.matcher(k.log());
        assertThat(m.find()).as(k.log()).isTrue();
        assertThat(r.processedInsns()).as("processed instructions, kernel's log:\n" + k.log()).isEqualTo(Integer.parseInt(m.group(1)));
    }

    @Test void loopWithAnImpreciseAccumulatorPrunesAsTheKernel() {
        // r7 accumulates random values (never relied upon), r6 counts to 50
        B b = B.b().mov(6, 0).mov(7, 0);
        int loop = b.pc();
        b.call(7).alur(ALU_ADD, 7, 0).alu(ALU_ADD, 6, 1);
        b.jmp(JMP_JLT, 6, 50, loop - b.pc() - 1);
        assertSameProcessedCount(b.ret(0).p());
    }

    @Test void loopOverAMapValuePrunesAsTheKernel() {
        // for (i = 0; i < 16; i++) if (value[i] <= 9) sum += value[i]
        B b = B.b().lookup(0).jmp(JMP_JEQ, 0, 0, 9).mov(6, 0).mov(7, 0);
        int loop = b.pc();
        b.movr(1, 0).alur(ALU_ADD, 1, 6).ldx(SIZE_B, 1, 1, 0).jmp(JMP_JGT, 1, 9, 1).alur(ALU_ADD, 7, 1).alu(ALU_ADD, 6, 1);
        b.jmp(JMP_JLT, 6, 16, loop - b.pc() - 1);
        assertSameProcessedCount(b.ret(0).p());
    }
}

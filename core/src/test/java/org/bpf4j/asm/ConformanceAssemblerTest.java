package org.bpf4j.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bpf4j.isa.Opcodes.*;

import org.bpf4j.isa.Insn;
import org.junit.jupiter.api.Test;

class ConformanceAssemblerTest {

    private static void assembles(String text, Insn... slots) {
        assertThat(ConformanceAssembler.assemble(text).insns()).as(text).containsExactly(slots);
    }

    private static void rejects(String text, String message) {
        assertThatThrownBy(() -> ConformanceAssembler.assemble(text)).isInstanceOf(AsmException.class).hasMessage(message);
    }

    private static Insn insn(int opcode, int dst, int src, int off, int imm) {
        return new Insn(opcode, dst, src, off, imm);
    }

    @Test
    void alu() {
        assembles("mov %r0, %r1", insn(0xbf, 0, 1, 0, 0));
        assembles("mov32 %r0, 5", insn(0xb4, 0, 0, 0, 5));
        assembles("add %r0, -3", insn(0x07, 0, 0, 0, -3));
        assembles("add32 %r0, %r7", insn(0x0c, 0, 7, 0, 0));
        assembles("sub %r1, 1", insn(0x17, 1, 0, 0, 1));
        assembles("mul32 %r0, 7", insn(0x24, 0, 0, 0, 7));
        assembles("div %r5, 0x80000000", insn(0x37, 5, 0, 0, Integer.MIN_VALUE));
        assembles("mod32 %r0, %r1", insn(0x9c, 0, 1, 0, 0));
        assembles("or %r0, 1", insn(0x47, 0, 0, 0, 1));
        assembles("and %r0, %r1", insn(0x5f, 0, 1, 0, 0));
        assembles("lsh %r0, -60", insn(0x67, 0, 0, 0, -60));
        assembles("rsh32 %r0, 4", insn(0x74, 0, 0, 0, 4));
        assembles("arsh32 %r0, -16", insn(0xc4, 0, 0, 0, -16));
        assembles("xor %r0, %r2", insn(0xaf, 0, 2, 0, 0));
        assembles("neg %r1", insn(0x87, 1, 0, 0, 0));
        assembles("neg32 %r2", insn(0x84, 2, 0, 0, 0));
        assembles("mov %r1, 0xfffffffe", insn(0xb7, 1, 0, 0, -2));
    }

    @Test
    void signedDivisionAndModuloHaveOffsetOne() {
        assembles("sdiv %r0, %r1", insn(0x3f, 0, 1, 1, 0));
        assembles("sdiv32 %r0, -2", insn(0x34, 0, 0, 1, -2));
        assembles("smod %r0, 3", insn(0x97, 0, 0, 1, 3));
        assembles("smod32 %r0, %r1", insn(0x9c, 0, 1, 1, 0));
    }

    @Test
    void signExtendingMoves() {
        assembles("movsx832 %r2, %r1", insn(0xbc, 2, 1, 8, 0));
        assembles("movsx1632 %r4, %r3", insn(0xbc, 4, 3, 16, 0));
        assembles("movsx864 %r6, %r5", insn(0xbf, 6, 5, 8, 0));
        assembles("movsx1664 %r8, %r7", insn(0xbf, 8, 7, 16, 0));
        assembles("movsx3264 %r0, %r9", insn(0xbf, 0, 9, 32, 0));
        rejects("movsx3232 %r0, %r1", "line 1: unknown mnemonic 'movsx3232'");
    }

    @Test
    void byteSwaps() {
        assembles("be16 %r0", insn(0xdc, 0, 0, 0, 16));
        assembles("be64 %r3", insn(0xdc, 3, 0, 0, 64));
        assembles("le32 %r0", insn(0xd4, 0, 0, 0, 32));
        assembles("swap16 %r0", insn(0xd7, 0, 0, 0, 16));
        assembles("bswap64 %r0", insn(0xd7, 0, 0, 0, 64));
    }

    @Test
    void loadsAndStores() {
        assembles("ldxh %r9, [%r0+2]", insn(0x69, 9, 0, 2, 0));
        assembles("ldxb %r0, [%r1]", insn(0x71, 0, 1, 0, 0));
        assembles("ldxw %r0, [%r10-4]", insn(0x61, 0, 10, -4, 0));
        assembles("ldxdw %r0, [%r1+16]", insn(0x79, 0, 1, 16, 0));
        assembles("ldxsb %r0, [%r10-1]", insn(0x91, 0, 10, -1, 0));
        assembles("ldxsh %r0, [%r10-2]", insn(0x89, 0, 10, -2, 0));
        assembles("ldxsw %r0, [%r10-4]", insn(0x81, 0, 10, -4, 0));
        assembles("stw [%r10-8], 5", insn(0x62, 10, 0, -8, 5));
        assembles("stb [%r1+2], 0x11", insn(0x72, 1, 0, 2, 0x11));
        assembles("sth [%r1], -1", insn(0x6a, 1, 0, 0, -1));
        assembles("stdw [%r1+8], 0x7fffffff", insn(0x7a, 1, 0, 8, 0x7fffffff));
        assembles("stxdw [%r10-8], %r1", insn(0x7b, 10, 1, -8, 0));
        assembles("stxb [%r0+1], %r2", insn(0x73, 0, 2, 1, 0));
        assembles("stxh [%r0+2], %r2", insn(0x6b, 0, 2, 2, 0));
        assembles("stxw [%r0+4], %r2", insn(0x63, 0, 2, 4, 0));
        assembles("lddw %r0, 0x1122334455667788", Insn.lddw(0, PSEUDO_IMM64, 0x1122334455667788L));
        assembles("lddw %r1, 0xfedcba9876543210", Insn.lddw(1, PSEUDO_IMM64, 0xfedcba9876543210L));
    }

    @Test
    void atomics() {
        assembles("lock add [%r10-8], %r1", insn(0xdb, 10, 1, -8, ATOMIC_ADD));
        assembles("lock add32 [%r10-4], %r1", insn(0xc3, 10, 1, -4, ATOMIC_ADD));
        assembles("lock or [%r10-8], %r1", insn(0xdb, 10, 1, -8, ATOMIC_OR));
        assembles("lock and32 [%r10-8], %r1", insn(0xc3, 10, 1, -8, ATOMIC_AND));
        assembles("lock xor [%r10-8], %r1", insn(0xdb, 10, 1, -8, ATOMIC_XOR));
        assembles("lock fetch add [%r10-8], %r1", insn(0xdb, 10, 1, -8, ATOMIC_ADD | ATOMIC_FETCH));
        assembles("lock fetch xor32 [%r10-4], %r3", insn(0xc3, 10, 3, -4, ATOMIC_XOR | ATOMIC_FETCH));
        assembles("lock xchg [%r10-8], %r1", insn(0xdb, 10, 1, -8, ATOMIC_XCHG));
        assembles("lock xchg32 [%r10-8], %r1", insn(0xc3, 10, 1, -8, ATOMIC_XCHG));
        assembles("lock cmpxchg [%r10-8], %r1 # compares with r0", insn(0xdb, 10, 1, -8, ATOMIC_CMPXCHG));
        assembles("lock cmpxchg32 [%r10-8], %r1", insn(0xc3, 10, 1, -8, ATOMIC_CMPXCHG));
        rejects("lock fetch xchg [%r10-8], %r1", "line 1: unknown atomic operation 'fetch xchg'");
        rejects("lock sub [%r10-8], %r1", "line 1: unknown atomic operation 'sub'");
    }

    @Test
    void jumpsWithOffsetsAndLabels() {
        assembles("""
                jeq %r1, 0xb, +1
                jne32 %r1, %r2, -1
                jsgt %r1, 0xffffffff, L1
                L1:
                ja L1
                ja32 +2
                jset32 %r1, 4, L1
                """,
                insn(0x15, 1, 0, 1, 0xb),
                insn(0x5e, 1, 2, -1, 0),
                insn(0x65, 1, 0, 0, -1),
                insn(0x05, 0, 0, -1, 0),
                insn(0x06, 0, 0, 0, 2),
                insn(0x46, 1, 0, -3, 4));
        for (var op : Syntax.JmpOp.values()) {
            assembles(op.mnemonic + " %r1, %r2, +0", insn(CLASS_JMP | op.code | SRC_X, 1, 2, 0, 0));
            assembles(op.mnemonic + "32 %r1, 7, +0", insn(CLASS_JMP32 | op.code | SRC_K, 1, 0, 0, 7));
        }
    }

    @Test
    void exitIsAnImplicitLabelForTheFirstExit() {
        assembles("""
                jeq %r1, 0xb, exit
                mov %r0, 2
                exit
                mov %r0, 3
                exit
                """,
                insn(0x15, 1, 0, 1, 0xb), insn(0xb7, 0, 0, 0, 2), Insn.exit(), insn(0xb7, 0, 0, 0, 3), Insn.exit());
        // an explicit label of that name wins
        assembles("""
                ja exit
                exit
                exit:
                exit
                """,
                insn(0x05, 0, 0, 1, 0), Insn.exit(), Insn.exit());
    }

    @Test
    void calls() {
        assembles("call 5", Insn.call(5));
        assembles("call %r2", insn(CALLX, 2, 0, 0, 0));
        assembles("""
                call local func1
                exit
                func1:
                exit
                """, Insn.callLocal(1), Insn.exit(), Insn.exit());
    }

    @Test
    void errorsNameTheLine() {
        rejects("mov %r0, 1\nfrob %r0", "line 2: unknown mnemonic 'frob'");
        rejects("mov %r11, 1", "line 1: unknown register '%r11'");
        rejects("mov %r0, 0x100000000", "line 1: immediate 0x100000000 does not fit in 32 bits");
        rejects("mov %r0", "line 1: unknown instruction 'mov %r0'");
        rejects("ldxw %r0, [%r1+40000]", "line 1: offset +40000 does not fit in 16 bits");
        rejects("\n\nja nowhere", "line 3: undefined label 'nowhere'");
        rejects("jeq %r1, 1, 5", "line 1: unknown instruction 'jeq %r1, 1, 5'");
    }
}

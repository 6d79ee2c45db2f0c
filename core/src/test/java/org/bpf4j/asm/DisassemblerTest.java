package org.bpf4j.asm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import java.util.Optional;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.junit.jupiter.api.Test;

/** The exact text of each form, and that the Assembler reads each one back to the same slots. */
class DisassemblerTest {

    private static void form(String text, Insn... slots) {
        assertThat(Disassembler.format(Program.of(slots), 0)).isEqualTo(text);
        assertThat(Assembler.assemble(text).insns()).containsExactly(slots);
    }

    private static Insn insn(int opcode, int dst, int src, int off, int imm) {
        return new Insn(opcode, dst, src, off, imm);
    }

    @Test
    void aluWithRegistersAndImmediates() {
        form("r1 += r2", insn(0x0f, 1, 2, 0, 0));
        form("w1 += 5", insn(0x04, 1, 0, 0, 5));
        form("w1 += w2", insn(0x0c, 1, 2, 0, 0));
        form("r1 -= -7", insn(0x17, 1, 0, 0, -7));
        form("r1 *= r2", insn(0x2f, 1, 2, 0, 0));
        form("r1 /= r2", insn(0x3f, 1, 2, 0, 0));
        form("r1 %= 3", insn(0x97, 1, 0, 0, 3));
        form("r1 |= r2", insn(0x4f, 1, 2, 0, 0));
        form("r1 &= 255", insn(0x57, 1, 0, 0, 255));
        form("r1 <<= 2", insn(0x67, 1, 0, 0, 2));
        form("r1 >>= 2", insn(0x77, 1, 0, 0, 2));
        form("r1 s>>= 2", insn(0xc7, 1, 0, 0, 2));
        form("w1 s>>= w2", insn(0xcc, 1, 2, 0, 0));
        form("r1 ^= r2", insn(0xaf, 1, 2, 0, 0));
        form("r1 ^= -2147483648", insn(0xa7, 1, 0, 0, Integer.MIN_VALUE));
    }

    @Test
    void signedDivisionAndModulo() {
        form("r1 s/= r2", insn(0x3f, 1, 2, 1, 0));
        form("r1 s%= r2", insn(0x9f, 1, 2, 1, 0));
        form("w1 s/= -3", insn(0x34, 1, 0, 1, -3));
        form("w1 s%= 7", insn(0x94, 1, 0, 1, 7));
    }

    @Test
    void movesSignExtensionsAndNegation() {
        form("r1 = r2", insn(0xbf, 1, 2, 0, 0));
        form("w1 = 5", insn(0xb4, 1, 0, 0, 5));
        form("r1 = -1", insn(0xb7, 1, 0, 0, -1));
        form("r1 = (s8)r2", insn(0xbf, 1, 2, 8, 0));
        form("r1 = (s16)r2", insn(0xbf, 1, 2, 16, 0));
        form("r1 = (s32)r2", insn(0xbf, 1, 2, 32, 0));
        form("w1 = (s8)w2", insn(0xbc, 1, 2, 8, 0));
        form("w1 = (s16)w2", insn(0xbc, 1, 2, 16, 0));
        form("r1 = -r1", insn(0x87, 1, 0, 0, 0));
        form("w3 = -w3", insn(0x84, 3, 0, 0, 0));
    }

    @Test
    void byteSwapsAndAddressSpaceCast() {
        form("r1 = be16 r1", insn(0xdc, 1, 0, 0, 16));
        form("r1 = le32 r1", insn(0xd4, 1, 0, 0, 32));
        form("r1 = bswap64 r1", insn(0xd7, 1, 0, 0, 64));
        form("r1 = addr_space_cast(r2, 1, 0)", insn(0xbf, 1, 2, 1, 1 << 16));
        form("r1 = addr_space_cast(r2, 0, 1)", insn(0xbf, 1, 2, 1, 1));
    }

    @Test
    void loadsAndStores() {
        form("r0 = *(u32 *)(r1 + 4)", insn(0x61, 0, 1, 4, 0));
        form("r0 = *(u64 *)(r10 - 8)", insn(0x79, 0, 10, -8, 0));
        form("r0 = *(u8 *)(r1 + 0)", insn(0x71, 0, 1, 0, 0));
        form("r0 = *(u16 *)(r1 - 32768)", insn(0x69, 0, 1, -32768, 0));
        form("r0 = *(s8 *)(r1 + 4)", insn(0x91, 0, 1, 4, 0));
        form("r0 = *(s16 *)(r1 + 4)", insn(0x89, 0, 1, 4, 0));
        form("r0 = *(s32 *)(r1 + 4)", insn(0x81, 0, 1, 4, 0));
        form("*(u32 *)(r1 + 4) = r2", insn(0x63, 1, 2, 4, 0));
        form("*(u64 *)(r10 - 8) = r1", insn(0x7b, 10, 1, -8, 0));
        form("*(u16 *)(r10 - 8) = 5", insn(0x6a, 10, 0, -8, 5));
        form("*(u8 *)(r1 + 1) = -1", insn(0x72, 1, 0, 1, -1));
    }

    @Test
    void atomics() {
        form("lock *(u64 *)(r0 + 0) += r1", insn(0xdb, 0, 1, 0, ATOMIC_ADD));
        form("lock *(u32 *)(r0 + 0) += w1", insn(0xc3, 0, 1, 0, ATOMIC_ADD));
        form("lock *(u64 *)(r0 + 8) |= r1", insn(0xdb, 0, 1, 8, ATOMIC_OR));
        form("lock *(u64 *)(r0 - 8) &= r1", insn(0xdb, 0, 1, -8, ATOMIC_AND));
        form("lock *(u32 *)(r0 + 0) ^= w1", insn(0xc3, 0, 1, 0, ATOMIC_XOR));
        form("r1 = atomic_fetch_add((u64 *)(r0 + 0), r1)", insn(0xdb, 0, 1, 0, ATOMIC_ADD | ATOMIC_FETCH));
        form("w1 = atomic_fetch_add((u32 *)(r0 + 0), w1)", insn(0xc3, 0, 1, 0, ATOMIC_ADD | ATOMIC_FETCH));
        form("r1 = atomic_fetch_or((u64 *)(r0 + 0), r1)", insn(0xdb, 0, 1, 0, ATOMIC_OR | ATOMIC_FETCH));
        form("r1 = atomic_fetch_and((u64 *)(r0 + 0), r1)", insn(0xdb, 0, 1, 0, ATOMIC_AND | ATOMIC_FETCH));
        form("w1 = atomic_fetch_xor((u32 *)(r0 + 0), w1)", insn(0xc3, 0, 1, 0, ATOMIC_XOR | ATOMIC_FETCH));
        form("r1 = xchg_64(r0 + 0, r1)", insn(0xdb, 0, 1, 0, ATOMIC_XCHG));
        form("w1 = xchg32_32(r0 + 0, w1)", insn(0xc3, 0, 1, 0, ATOMIC_XCHG));
        form("r0 = cmpxchg_64(r1 + 0, r0, r2)", insn(0xdb, 1, 2, 0, ATOMIC_CMPXCHG));
        form("w0 = cmpxchg32_32(r1 + 0, w0, w2)", insn(0xc3, 1, 2, 0, ATOMIC_CMPXCHG));
        form("r0 = load_acquire((u64 *)(r1 + 0))", insn(0xdb, 0, 1, 0, ATOMIC_LOAD_ACQ));
        form("w0 = load_acquire((u32 *)(r1 + 0))", insn(0xc3, 0, 1, 0, ATOMIC_LOAD_ACQ));
        form("w0 = load_acquire((u16 *)(r1 + 0))", insn(0xcb, 0, 1, 0, ATOMIC_LOAD_ACQ));
        form("w0 = load_acquire((u8 *)(r1 + 0))", insn(0xd3, 0, 1, 0, ATOMIC_LOAD_ACQ));
        form("store_release((u64 *)(r1 + 0), r2)", insn(0xdb, 1, 2, 0, ATOMIC_STORE_REL));
        form("store_release((u8 *)(r1 + 0), w2)", insn(0xd3, 1, 2, 0, ATOMIC_STORE_REL));
    }

    @Test
    void lddwWithEachPseudoSource() {
        form("r1 = 0x1122334455667788 ll", Insn.lddw(1, PSEUDO_IMM64, 0x1122334455667788L));
        form("r1 = 0xffffffffffffffff ll", Insn.lddw(1, PSEUDO_IMM64, -1));
        form("r1 = map_fd(3) ll", Insn.lddw(1, PSEUDO_MAP_FD, 3));
        form("r1 = map_value(3, 16) ll", Insn.lddw(1, PSEUDO_MAP_VALUE, 16L << 32 | 3));
        form("r1 = btf_id(5) ll", Insn.lddw(1, PSEUDO_BTF_ID, 5));
        form("r1 = func(+12) ll", Insn.lddw(1, PSEUDO_FUNC, 12));
        form("r1 = map_idx(2) ll", Insn.lddw(1, PSEUDO_MAP_IDX, 2));
        form("r1 = map_idx_value(2, 8) ll", Insn.lddw(1, PSEUDO_MAP_IDX_VALUE, 8L << 32 | 2));
    }

    @Test
    void jumps() {
        form("goto +5", Insn.ja(5));
        form("goto -3", Insn.ja(-3));
        form("goto +0", Insn.ja(0));
        form("gotol +70000", insn(JA32, 0, 0, 0, 70000));
        form("gotol -70000", insn(JA32, 0, 0, 0, -70000));
        form("if r1 > 0x3 goto +5", insn(0x25, 1, 0, 5, 3));
        form("if w1 > 0x3 goto +5", insn(0x26, 1, 0, 5, 3));
        form("if r1 s> r2 goto -1", insn(0x6d, 1, 2, -1, 0));
        form("if w1 s> w2 goto -1", insn(0x6e, 1, 2, -1, 0));
        form("if r1 & 0x4 goto +1", insn(0x45, 1, 0, 1, 4));
        form("if r1 == 0xffffffff goto +1", insn(0x15, 1, 0, 1, -1));
        form("if r1 != r2 goto +1", insn(0x5d, 1, 2, 1, 0));
        form("if r1 >= r2 goto +1", insn(0x3d, 1, 2, 1, 0));
        form("if r1 < r2 goto +1", insn(0xad, 1, 2, 1, 0));
        form("if r1 <= r2 goto +1", insn(0xbd, 1, 2, 1, 0));
        form("if r1 s>= r2 goto +1", insn(0x7d, 1, 2, 1, 0));
        form("if r1 s< r2 goto +1", insn(0xcd, 1, 2, 1, 0));
        form("if r1 s<= 0x80000000 goto +1", insn(0xd5, 1, 0, 1, Integer.MIN_VALUE));
        form("may_goto +5", insn(MAY_GOTO, 0, 0, 5, 0));
    }

    @Test
    void callsAndExit() {
        form("call 12", Insn.call(12));
        form("call pc+3", Insn.callLocal(3));
        form("call pc-7", Insn.callLocal(-7));
        form("call kfunc#1234", insn(CALL, 0, CALL_KFUNC, 0, 1234));
        form("callx r2", insn(CALLX, 2, 0, 0, 0));
        form("exit", Insn.exit());
    }

    @Test
    void helperNamesWhenAResolverKnowsThem() {
        Program p = Program.of(Insn.call(1), Insn.call(99));
        var names = (java.util.function.IntFunction<Optional<String>>) id ->
                id == 1 ? Optional.of("bpf_map_lookup_elem") : Optional.empty();
        assertThat(Disassembler.format(p, 0, names)).isEqualTo("call bpf_map_lookup_elem#1");
        assertThat(Disassembler.format(p, 1, names)).isEqualTo("call 99");
        assertThat(Assembler.assemble("call bpf_map_lookup_elem#1").insns()).containsExactly(Insn.call(1));
    }

    @Test
    void legacyPacketLoads() {
        form("r0 = *(u8 *)skb[12]", insn(0x30, 0, 0, 0, 12));
        form("r0 = *(u16 *)skb[r1 + 4]", insn(0x48, 0, 1, 0, 4));
        form("r0 = *(u32 *)skb[r1 - 4]", insn(0x40, 0, 1, 0, -4));
    }

    @Test
    void anythingElseIsPrintedRaw() {
        form(".insn 0x8e, 0, 0, 0, 0", insn(0x8e, 0, 0, 0, 0));
        form(".insn 0x87, 1, 0, 0, 5", insn(0x87, 1, 0, 0, 5));        // neg with a reserved imm
        form(".insn 0xbf, 11, 0, 0, 0", insn(0xbf, 11, 0, 0, 0));      // r11 does not exist
        form(".insn 0x95, 0, 0, 0, 1", insn(0x95, 0, 0, 0, 1));        // exit with imm
        form(".insn 0xdf, 0, 0, 0, 16", insn(0xdf, 0, 0, 0, 16));      // ALU64 END with the BE bit
        form(".insn 0xdb, 0, 1, 0, 2", insn(0xdb, 0, 1, 0, 2));        // unknown atomic op
        form(".insn 0x85, 0, 3, 0, 1", insn(0x85, 0, 3, 0, 1));        // unknown call source
        form(".insn 0x00, 0, 0, -1, -2147483648", insn(0, 0, 0, -1, Integer.MIN_VALUE));
    }

    @Test
    void malformedLddwIsPrintedSlotBySlot() {
        Insn[] lddw = Insn.lddw(1, PSEUDO_IMM64, 0x1_0000_0002L);
        Program truncated = Program.of(Insn.exit(), lddw[0]);
        assertThat(Disassembler.format(truncated, 1)).isEqualTo(".insn 0x18, 1, 0, 0, 2");
        Program badSecond = Program.of(lddw[0], new Insn(0, 1, 0, 0, 1));
        assertThat(Disassembler.lines(badSecond)).extracting(Disassembler.Line::text)
                .containsExactly(".insn 0x18, 1, 0, 0, 2", ".insn 0x00, 1, 0, 0, 1");
        Program mapFdWithHighHalf = Program.of(Insn.lddw(1, PSEUDO_MAP_FD, 1L << 32 | 3));
        assertThat(Disassembler.text(mapFdWithHighHalf)).isEqualTo(".insn 0x18, 1, 1, 0, 3\n.insn 0x00, 0, 0, 0, 1\n");
        assertThat(Assembler.assemble(Disassembler.text(mapFdWithHighHalf))).isEqualTo(mapFdWithHighHalf);
    }

    @Test
    void linesCarryTheSlotIndex() {
        Insn[] lddw = Insn.lddw(0, PSEUDO_IMM64, 7);
        Program p = Program.of(Insn.mov64Imm(1, 1), lddw[0], lddw[1], Insn.exit());
        assertThat(Disassembler.lines(p)).containsExactly(
                new Disassembler.Line(0, "r1 = 1"),
                new Disassembler.Line(1, "r0 = 0x7 ll"),
                new Disassembler.Line(3, "exit"));
        assertThat(Disassembler.text(p)).isEqualTo("r1 = 1\nr0 = 0x7 ll\nexit\n");
        assertThat(Disassembler.lines(Program.of())).isEqualTo(List.of());
    }
}

package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/** A tiny program builder for tests. */
final class B {
    final List<Insn> insns = new ArrayList<>();

    static B b() { return new B(); }

    B add(Insn... in) { insns.addAll(List.of(in)); return this; }

    B mov(int dst, int imm) { return add(Insn.mov64Imm(dst, imm)); }
    B movr(int dst, int src) { return add(Insn.mov64Reg(dst, src)); }
    B alu(int op, int dst, int imm) { return add(Insn.alu64Imm(op, dst, imm)); }
    B alur(int op, int dst, int src) { return add(Insn.alu64Reg(op, dst, src)); }
    B alu32(int op, int dst, int imm) { return add(Insn.alu32Imm(op, dst, imm)); }
    B ldx(int size, int dst, int src, int off) { return add(Insn.load(size, dst, src, off)); }
    B stx(int size, int dst, int src, int off) { return add(Insn.store(size, dst, src, off)); }
    B st(int size, int dst, int off, int imm) { return add(Insn.storeImm(size, dst, off, imm)); }
    B jmp(int op, int dst, int imm, int off) { return add(Insn.jumpImm(op, dst, imm, off)); }
    B jmpr(int op, int dst, int src, int off) { return add(Insn.jumpReg(op, dst, src, off)); }
    B ja(int off) { return add(Insn.ja(off)); }
    B call(int id) { return add(Insn.call(id)); }
    B callLocal(int rel) { return add(Insn.callLocal(rel)); }
    B exit() { return add(Insn.exit()); }
    B ret(int v) { return mov(0, v).exit(); }
    B ldMap(int dst, int mapIdx) { return add(Insn.lddw(dst, PSEUDO_MAP_FD, mapIdx & 0xffffffffL)); }
    B ld64(int dst, long v) { return add(Insn.lddw(dst, PSEUDO_IMM64, v)); }
    int pc() { return insns.size(); }

    /** r0 = bpf_map_lookup_elem(map, fp-8 key (zeroed)). */
    B lookup(int mapIdx) {
        return st(SIZE_DW, 10, -8, 0).movr(2, 10).alu(ALU_ADD, 2, -8).ldMap(1, mapIdx).call(1);
    }

    /** XDP/tc: r2 = data, r3 = data_end (from ctx in r1). */
    B xdpData() { return ldx(SIZE_W, 2, 1, 0).ldx(SIZE_W, 3, 1, 4); }
    B skbData() { return ldx(SIZE_W, 2, 1, 76).ldx(SIZE_W, 3, 1, 80); }

    Program p() { return new Program(insns); }
}

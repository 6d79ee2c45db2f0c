package org.bpf4j.verifier;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;

/**
 * Seeded generator of plausible programs (not random bytes): typed ctx loads, map lookups with and
 * without null checks, packet bounds checks right and wrong, stack spills and fills, scalar arithmetic,
 * bounded loops. Each program is a straight sequence of "snippets" that keep r6 = ctx, and ends with
 * {@code r0 = 0; exit}; some snippets are deliberately wrong.
 */
final class ProgramGenerator {
    final Random rnd;
    final ProgramType type;
    static final List<MapInfo> MAPS = List.of(
            MapInfo.of(MapType.ARRAY, 4, 16, 4),
            MapInfo.of(MapType.HASH, 8, 24, 16),
            MapInfo.of(MapType.RINGBUF, 0, 0, 4096));

    ProgramGenerator(long seed, ProgramType type) {
        this.rnd = new Random(seed);
        this.type = type;
    }

    private final List<Insn> out = new ArrayList<>();

    private void emit(Insn... in) { out.addAll(List.of(in)); }

    private int pick(int... xs) { return xs[rnd.nextInt(xs.length)]; }

    private boolean packetProgram() { return VerifierOps.directPacketAccess(type, false); }

    Program next() {
        out.clear();
        emit(Insn.mov64Reg(6, 1));
        int snippets = 1 + rnd.nextInt(5);
        for (int i = 0; i < snippets; i++) snippet();
        if (rnd.nextInt(10) == 0) {
            // a mutation: change one random field of one instruction
            int pc = rnd.nextInt(out.size());
            Insn in = out.get(pc);
            if (in.opcode() != LDDW && in.opcode() != 0) {
                out.set(pc, switch (rnd.nextInt(3)) {
                    case 0 -> new Insn(in.opcode(), in.dst(), in.src(), (short) (in.off() + rnd.nextInt(9) - 4), in.imm());
                    case 1 -> new Insn(in.opcode(), in.dst(), in.src(), in.off(), in.imm() + rnd.nextInt(17) - 8);
                    default -> new Insn(in.opcode(), rnd.nextInt(10), in.src(), in.off(), in.imm());
                });
            }
        }
        emit(Insn.mov64Imm(0, rnd.nextInt(4)), Insn.exit());
        return new Program(new ArrayList<>(out));
    }

    private void snippet() {
        switch (rnd.nextInt(9)) {
            case 0 -> ctxLoad();
            case 1 -> mapLookup();
            case 2 -> { if (packetProgram()) packet(); else ctxLoad(); }
            case 3 -> spillFill();
            case 4 -> arith();
            case 5 -> loop();
            case 6 -> { if (packetProgram()) packetVar(); else mapIndex(); }
            case 7 -> mapIndex();
            default -> ringbuf();
        }
        // keep the context in r1 for the next snippet
        emit(Insn.mov64Reg(1, 6));
    }

    private void ctxLoad() {
        int off = switch (type) {
            case XDP -> pick(0, 4, 8, 12, 16, 20, 24, 2);
            default -> pick(0, 4, 8, 16, 48, 52, 76, 80, 140, 72, 88, 191, 192);
        };
        int size = pick(SIZE_W, SIZE_W, SIZE_B, SIZE_H, SIZE_DW);
        if (rnd.nextInt(4) == 0) {
            emit(Insn.storeImm(size, 1, off, rnd.nextInt(5)));
        } else {
            emit(Insn.load(size, 7, 1, off));
        }
    }

    private void lookupInto(int map) {
        int keySize = MAPS.get(map).keySize();
        emit(Insn.storeImm(SIZE_DW, 10, -16, 0));
        emit(Insn.mov64Reg(2, 10), Insn.alu64Imm(ALU_ADD, 2, rnd.nextInt(8) == 0 ? -12 : -16));
        emit(Insn.lddw(1, PSEUDO_MAP_FD, rnd.nextInt(12) == 0 ? 2 : map));
        emit(Insn.call(1));
        if (keySize > 8) throw new IllegalStateException();
    }

    private void mapLookup() {
        int map = rnd.nextInt(2);
        lookupInto(map);
        boolean check = rnd.nextInt(5) != 0;
        int vs = MAPS.get(map).valueSize();
        int off = rnd.nextInt(4) == 0 ? vs - 2 : rnd.nextInt(vs / 4) * 4;
        if (check) {
            emit(Insn.jumpImm(pick(JMP_JEQ, JMP_JEQ, JMP_JNE), 0, 0, 1));
            // for JNE the fallthrough is the null side: deliberately wrong sometimes
        }
        if (rnd.nextBoolean()) emit(Insn.load(SIZE_W, 7, 0, off));
        else emit(Insn.storeImm(SIZE_W, 0, off, 1));
    }

    private void mapIndex() {
        lookupInto(0);
        emit(Insn.jumpImm(JMP_JEQ, 0, 0, 4));
        emit(Insn.load(SIZE_W, 3, 6, 0));
        int mask = pick(15, 12, 7, 31, 0xff);
        if (rnd.nextInt(4) != 0) emit(Insn.alu64Imm(ALU_AND, 3, mask));
        else emit(Insn.jumpImm(JMP_JGT, 3, pick(12, 15, 16), 1));
        emit(Insn.alu64Reg(ALU_ADD, 0, 3));
        emit(Insn.load(pick(SIZE_B, SIZE_B, SIZE_W), 7, 0, 0));
    }

    private void packet() {
        boolean skb = type.ctxName().equals("__sk_buff");
        emit(Insn.load(SIZE_W, 2, 1, skb ? 76 : 0), Insn.load(SIZE_W, 3, 1, skb ? 80 : 4));
        int len = pick(14, 20, 34, 8);
        emit(Insn.mov64Reg(4, 2), Insn.alu64Imm(ALU_ADD, 4, len));
        int form = rnd.nextInt(4);
        int access = len - pick(1, 1, 2, 4, 0);
        int size = pick(SIZE_B, SIZE_H, SIZE_W);
        access = Math.max(0, access - (sizeBytes(CLASS_LDX | size) - 1));
        if (rnd.nextInt(5) == 0) access += rnd.nextInt(3);
        switch (form) {
            case 0 -> { emit(Insn.jumpReg(JMP_JGT, 4, 3, 1)); emit(Insn.load(size, 7, 2, access)); }
            case 1 -> { emit(Insn.jumpReg(JMP_JLT, 3, 4, 1)); emit(Insn.load(size, 7, 2, access)); }
            case 2 -> { emit(Insn.jumpReg(JMP_JGE, 3, 4, 2), Insn.ja(1)); emit(Insn.load(size, 7, 2, access)); }
            default -> { emit(Insn.jumpReg(JMP_JLE, 4, 3, 1)); emit(Insn.load(size, 7, 2, access)); }
        }
    }

    private void packetVar() {
        boolean skb = type.ctxName().equals("__sk_buff");
        emit(Insn.load(SIZE_W, 2, 1, skb ? 76 : 0), Insn.load(SIZE_W, 3, 1, skb ? 80 : 4));
        emit(Insn.load(SIZE_W, 5, 1, skb ? 0 : 12));
        emit(Insn.alu64Imm(ALU_AND, 5, pick(0xf, 0x3f, 0xffff)));
        emit(Insn.alu64Reg(ALU_ADD, 2, 5));
        emit(Insn.mov64Reg(4, 2), Insn.alu64Imm(ALU_ADD, 4, 8));
        emit(Insn.jumpReg(JMP_JGT, 4, 3, 1));
        emit(Insn.load(SIZE_B, 7, 2, pick(0, 4, 7, 8)));
    }

    private void spillFill() {
        int reg = pick(6, 10, 7);
        if (reg == 7) emit(Insn.mov64Imm(7, rnd.nextInt(100)));
        int slot = -8 * (1 + rnd.nextInt(4));
        int size = pick(SIZE_DW, SIZE_DW, SIZE_W);
        emit(Insn.store(size, 10, reg, slot));
        emit(Insn.load(pick(SIZE_DW, SIZE_DW, SIZE_W), 8, 10, slot + (rnd.nextInt(6) == 0 ? 4 : 0)));
        if (reg == 6 && rnd.nextBoolean()) {
            emit(Insn.load(SIZE_W, 7, 8, 0));
        }
    }

    private void arith() {
        emit(Insn.load(SIZE_W, 7, 6, type == ProgramType.XDP ? 12 : 0));
        for (int i = 0; i < 1 + rnd.nextInt(4); i++) {
            int op = pick(ALU_ADD, ALU_SUB, ALU_MUL, ALU_AND, ALU_OR, ALU_XOR, ALU_LSH, ALU_RSH, ALU_ARSH, ALU_DIV, ALU_MOD);
            int imm = op == ALU_LSH || op == ALU_RSH || op == ALU_ARSH ? rnd.nextInt(70) : rnd.nextInt(256) - 64;
            emit(rnd.nextBoolean() ? Insn.alu64Imm(op, 7, imm) : Insn.alu32Imm(op, 7, imm));
        }
        if (rnd.nextInt(3) == 0) {
            // use as a stack offset
            emit(Insn.jumpImm(JMP_JGT, 7, pick(8, 64, 600), 3));
            emit(Insn.mov64Reg(2, 10), Insn.alu64Reg(ALU_SUB, 2, 7));
            emit(Insn.storeImm(SIZE_B, 2, -1, 0));
        }
    }

    private void loop() {
        int bound = pick(4, 16, 100);
        emit(Insn.mov64Imm(7, 0), Insn.mov64Imm(8, 0));
        emit(Insn.alu64Reg(ALU_ADD, 8, 7), Insn.alu64Imm(ALU_ADD, 7, pick(1, 1, 2, 0)));
        emit(Insn.jumpImm(pick(JMP_JLT, JMP_JNE, JMP_JSLT), 7, bound, -3));
    }

    private void ringbuf() {
        emit(Insn.lddw(1, PSEUDO_MAP_FD, rnd.nextInt(8) == 0 ? 0 : 2));
        emit(Insn.mov64Imm(2, pick(8, 16, 0)), Insn.mov64Imm(3, 0), Insn.call(131));
        boolean check = rnd.nextInt(6) != 0;
        if (check) emit(Insn.jumpImm(JMP_JEQ, 0, 0, 4)); else emit(Insn.jumpImm(JMP_JEQ, 1, 0, 4));
        emit(Insn.storeImm(SIZE_DW, 0, rnd.nextInt(5) == 0 ? 8 : 0, 1));
        emit(Insn.mov64Reg(1, 0), Insn.mov64Imm(2, 0));
        if (rnd.nextInt(8) == 0) emit(Insn.mov64Imm(0, 0)); else emit(Insn.call(pick(132, 133)));
    }
}

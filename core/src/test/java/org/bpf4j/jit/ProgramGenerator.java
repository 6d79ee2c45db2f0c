package org.bpf4j.jit;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * Random structurally valid programs for differential testing: ALU of both widths with edge-case
 * operands, JMP/JMP32 forward and backward, loads/stores/atomics on the stack and on a memory block
 * (r1, never written; mostly in bounds), helper calls and callx, bpf-to-bpf calls and function
 * pointers, may_goto, lddw, legacy packet loads.
 */
final class ProgramGenerator {
    static final int BLOCK_SIZE = 64;
    private static final long[] EDGES = {0, 1, -1, 2, 7, 31, 32, 63, 64, 0xff, 0x80, 0x8000, 0x7fffffff, 0x80000000L,
        0xffffffffL, 0x1_0000_0000L, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MIN_VALUE, -2};
    private static final int[] ALU_OPS = {ALU_ADD, ALU_SUB, ALU_MUL, ALU_DIV, ALU_OR, ALU_AND, ALU_LSH, ALU_RSH, ALU_NEG,
        ALU_MOD, ALU_XOR, ALU_MOV, ALU_ARSH, ALU_END};
    private static final int[] JMP_OPS = {JMP_JEQ, JMP_JGT, JMP_JGE, JMP_JSET, JMP_JNE, JMP_JSGT, JMP_JSGE, JMP_JLT,
        JMP_JLE, JMP_JSLT, JMP_JSLE};
    private static final int[] SIZES = {SIZE_B, SIZE_H, SIZE_W, SIZE_DW};
    private static final int[] WRITABLE = {0, 2, 3, 4, 5, 6, 7, 8, 9};

    /** One instruction (or lddw) with symbolic jump / call targets, fixed up at layout. */
    private static final class Item {
        Insn insn;
        long imm64;
        boolean wide;
        int jumpTo = -1;      // item index in the same function
        boolean ja32;
        int callFunction = -1; // bpf-to-bpf call
        int pointerTo = -1;   // lddw of a function pointer
    }

    private final Random rnd;
    private final List<List<Item>> functions = new ArrayList<>();

    ProgramGenerator(long seed) {
        this.rnd = new Random(seed);
    }

    Program generate() {
        int count = 1 + rnd.nextInt(4);
        for (int f = 0; f < count; f++) functions.add(new ArrayList<>());
        for (int f = 0; f < count; f++) body(f, count, 8 + rnd.nextInt(f == 0 ? 40 : 20));
        return layout();
    }

    private long value() {
        return rnd.nextInt(3) == 0 ? rnd.nextLong() : EDGES[rnd.nextInt(EDGES.length)] + (rnd.nextInt(4) == 0 ? rnd.nextInt(5) - 2 : 0);
    }

    private int reg() { return WRITABLE[rnd.nextInt(WRITABLE.length)]; }

    private int anyReg() { return rnd.nextInt(11); }

    private Item add(List<Item> items, Insn insn) {
        Item it = new Item();
        it.insn = insn;
        items.add(it);
        return it;
    }

    private void body(int f, int count, int length) {
        List<Item> items = functions.get(f);
        List<Item> jumps = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            int kind = rnd.nextInt(100);
            if (kind < 32) {
                alu(items);
            } else if (kind < 50) {
                memory(items);
            } else if (kind < 55) {
                atomic(items);
            } else if (kind < 70) {
                int cls = rnd.nextBoolean() ? CLASS_JMP : CLASS_JMP32;
                int op = JMP_OPS[rnd.nextInt(JMP_OPS.length)];
                Insn insn = rnd.nextBoolean()
                        ? new Insn(cls | op | SRC_X, anyReg(), anyReg(), 0, 0)
                        : new Insn(cls | op | SRC_K, anyReg(), 0, 0, (int) value());
                jumps.add(add(items, insn));
            } else if (kind < 73) {
                Item it = add(items, rnd.nextBoolean() ? Insn.ja(0) : new Insn(JA32, 0, 0, 0, 0));
                it.ja32 = it.insn.opcode() == JA32;
                jumps.add(it);
            } else if (kind < 78) {
                add(items, Insn.call(1 + rnd.nextInt(4)));
            } else if (kind < 80) {
                add(items, Insn.mov64Imm(8, rnd.nextInt(6)));
                add(items, new Insn(CALLX, 8, 0, 0, 0));
            } else if (kind < 86 && (f + 1 < count || rnd.nextInt(30) == 0)) {
                // Calls go to later functions; now and then to itself or an earlier one (deep recursion, budget).
                int target = f + 1 < count && rnd.nextInt(30) != 0 ? f + 1 + rnd.nextInt(count - f - 1) : rnd.nextInt(count);
                Item it = add(items, Insn.callLocal(0));
                it.callFunction = target;
            } else if (kind < 89) {
                Item it = add(items, new Insn(LDDW, reg(), 0, 0, 0));
                it.wide = true;
                it.imm64 = value();
            } else if (kind < 91 && count > 1) {
                Item it = add(items, new Insn(LDDW, 9, PSEUDO_FUNC, 0, 0));
                it.wide = true;
                it.pointerTo = 1 + rnd.nextInt(count - 1);
                add(items, new Insn(CALLX, 9, 0, 0, 0));
            } else if (kind < 94) {
                jumps.add(add(items, new Insn(MAY_GOTO, 0, 0, 0, 0)));
            } else if (kind < 97) {
                int size = SIZES[rnd.nextInt(3)];
                boolean ind = rnd.nextBoolean();
                add(items, new Insn(CLASS_LD | (ind ? MODE_IND : MODE_ABS) | size, 0, ind ? reg() : 0, 0, rnd.nextInt(BLOCK_SIZE + 8) - 4));
            } else if (kind < 98) {
                add(items, Insn.exit());
            } else {
                add(items, Insn.mov64Reg(reg(), 10));
            }
        }
        add(items, Insn.mov64Reg(0, reg()));
        add(items, Insn.exit());
        for (Item j : jumps) {
            int self = items.indexOf(j);
            // Mostly forward, sometimes backward (loops that the budget or may_goto ends).
            j.jumpTo = rnd.nextInt(5) == 0 ? rnd.nextInt(self + 1) : self + 1 + rnd.nextInt(items.size() - self - 1);
        }
    }

    private void alu(List<Item> items) {
        boolean alu64 = rnd.nextBoolean();
        int cls = alu64 ? CLASS_ALU64 : CLASS_ALU;
        int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
        int d = reg();
        if (op == ALU_NEG) {
            add(items, new Insn(cls | op, d, 0, 0, 0));
        } else if (op == ALU_END) {
            int width = new int[] {16, 32, 64}[rnd.nextInt(3)];
            int src = alu64 ? END_TO_LE : (rnd.nextBoolean() ? END_TO_BE : END_TO_LE);
            add(items, new Insn(cls | op | src, d, 0, 0, width));
        } else {
            boolean reg = rnd.nextBoolean();
            int off = 0;
            if ((op == ALU_DIV || op == ALU_MOD) && rnd.nextBoolean()) off = 1;
            if (op == ALU_MOV && reg && rnd.nextInt(3) == 0) off = alu64 ? new int[] {8, 16, 32}[rnd.nextInt(3)] : new int[] {8, 16}[rnd.nextInt(2)];
            int k = (op == ALU_LSH || op == ALU_RSH || op == ALU_ARSH) && rnd.nextInt(4) != 0 ? rnd.nextInt(64) : (int) value();
            add(items, reg ? new Insn(cls | op | SRC_X, d, anyReg(), off, 0) : new Insn(cls | op | SRC_K, d, 0, off, k));
        }
    }

    /** Base register and offset: the stack or the block, now and then out of bounds. */
    private int[] address(int size) {
        boolean stack = rnd.nextBoolean();
        int off;
        if (rnd.nextInt(25) == 0) off = rnd.nextInt(1200) - 600;
        else if (stack) off = -size - rnd.nextInt(512 / size) * size;
        else off = rnd.nextInt(BLOCK_SIZE / size) * size;
        if (!stack && rnd.nextInt(6) == 0) off += rnd.nextInt(size); // misaligned, still mostly inside
        return new int[] {stack ? 10 : 1, off};
    }

    private void memory(List<Item> items) {
        int size = SIZES[rnd.nextInt(4)];
        int bytes = sizeBytes(size);
        int[] at = address(bytes);
        switch (rnd.nextInt(4)) {
            case 0 -> add(items, Insn.load(size, reg(), at[0], at[1]));
            case 1 -> add(items, new Insn(CLASS_LDX | (size == SIZE_DW ? MODE_MEM : MODE_MEMSX) | size, reg(), at[0], at[1], 0));
            case 2 -> add(items, Insn.store(size, at[0], anyReg(), at[1]));
            default -> add(items, Insn.storeImm(size, at[0], at[1], (int) value()));
        }
    }

    private void atomic(List<Item> items) {
        int choice = rnd.nextInt(12);
        int size = rnd.nextBoolean() ? SIZE_W : SIZE_DW;
        int op = switch (choice) {
            case 0 -> ATOMIC_ADD; case 1 -> ATOMIC_OR; case 2 -> ATOMIC_AND; case 3 -> ATOMIC_XOR;
            case 4 -> ATOMIC_ADD | ATOMIC_FETCH; case 5 -> ATOMIC_OR | ATOMIC_FETCH; case 6 -> ATOMIC_AND | ATOMIC_FETCH;
            case 7 -> ATOMIC_XOR | ATOMIC_FETCH; case 8 -> ATOMIC_XCHG; case 9 -> ATOMIC_CMPXCHG;
            case 10 -> ATOMIC_LOAD_ACQ; default -> ATOMIC_STORE_REL;
        };
        if (op == ATOMIC_LOAD_ACQ || op == ATOMIC_STORE_REL) size = SIZES[rnd.nextInt(4)];
        int[] at = address(sizeBytes(size));
        if (op == ATOMIC_LOAD_ACQ) add(items, new Insn(CLASS_STX | MODE_ATOMIC | size, reg(), at[0], at[1], op));
        else add(items, new Insn(CLASS_STX | MODE_ATOMIC | size, at[0], reg(), at[1], op));
    }

    private Program layout() {
        List<int[]> slotOf = new ArrayList<>(); // per function: slot of each item
        int[] start = new int[functions.size()];
        int slot = 0;
        for (int f = 0; f < functions.size(); f++) {
            start[f] = slot;
            List<Item> items = functions.get(f);
            int[] slots = new int[items.size()];
            for (int i = 0; i < items.size(); i++) {
                slots[i] = slot;
                slot += items.get(i).wide ? 2 : 1;
            }
            slotOf.add(slots);
        }
        List<Insn> out = new ArrayList<>();
        for (int f = 0; f < functions.size(); f++) {
            List<Item> items = functions.get(f);
            int[] slots = slotOf.get(f);
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                Insn insn = it.insn;
                int pc = slots[i];
                if (it.jumpTo >= 0) {
                    int rel = slots[it.jumpTo] - pc - 1;
                    insn = it.ja32 ? new Insn(insn.opcode(), insn.dst(), insn.src(), 0, rel)
                            : new Insn(insn.opcode(), insn.dst(), insn.src(), rel, insn.imm());
                } else if (it.callFunction >= 0) {
                    insn = Insn.callLocal(start[it.callFunction] - pc - 1);
                }
                if (it.wide) {
                    long value = it.pointerTo >= 0 ? start[it.pointerTo] - pc - 1 : it.imm64;
                    Insn[] two = Insn.lddw(insn.dst(), insn.src(), value);
                    out.add(two[0]);
                    out.add(two[1]);
                } else {
                    out.add(insn);
                }
            }
        }
        return new Program(out);
    }
}

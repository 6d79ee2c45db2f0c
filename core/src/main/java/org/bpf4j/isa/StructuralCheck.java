package org.bpf4j.isa;

import static org.bpf4j.isa.Opcodes.*;

/**
 * The checks every engine relies on before running a program, whatever its profile: each opcode is one
 * Linux 6.18 defines, registers exist and r10 is never written, every jump lands on an instruction
 * (never inside an {@code lddw}), and {@code lddw} has its second slot. Whether the program ends in
 * {@code exit} is a run-time matter for raw ISA programs and the verifier's for typed ones.
 */
public final class StructuralCheck {
    private StructuralCheck() {}

    public static final int FRAME_POINTER = 10;

    /** @throws InvalidProgramException naming the first offending instruction */
    public static void check(Program program) {
        int n = program.size();
        if (n == 0) throw new InvalidProgramException(0, "program is empty");
        boolean[] secondSlot = new boolean[n];
        for (int pc = 0; pc < n; pc++) {
            if (secondSlot[pc]) continue;
            Insn insn = program.get(pc);
            String problem = problem(insn);
            if (problem != null) throw new InvalidProgramException(pc, problem);
            if (insn.isWide()) {
                if (pc + 1 >= n) throw new InvalidProgramException(pc, "lddw is the last slot: its second half is missing");
                Insn hi = program.get(pc + 1);
                if (hi.opcode() != 0 || hi.dst() != 0 || hi.src() != 0 || hi.off() != 0) {
                    throw new InvalidProgramException(pc + 1, "second slot of lddw must have opcode, registers and offset 0");
                }
                secondSlot[pc + 1] = true;
            }
        }
        for (int pc = 0; pc < n; pc++) {
            if (secondSlot[pc]) continue;
            Insn insn = program.get(pc);
            int target = Flow.branchTarget(insn, pc);
            if (target == Flow.NO_TARGET) target = Flow.callTarget(insn, pc);
            if (target == Flow.NO_TARGET) continue;
            if (target < 0 || target >= n) {
                throw new InvalidProgramException(pc, "jump out of range: target " + target + " is outside 0.." + (n - 1));
            }
            if (secondSlot[target]) {
                throw new InvalidProgramException(pc, "jump into the middle of lddw at " + (target - 1));
            }
        }
    }

    /** Why a single instruction is malformed, or null when it is well-formed. */
    static String problem(Insn insn) {
        int op = insn.opcode();
        if (insn.dst() > FRAME_POINTER) return "invalid register r" + insn.dst();
        if (insn.src() > FRAME_POINTER && !(op == LDDW || op == CALL)) return "invalid register r" + insn.src();
        String p = switch (insnClass(op)) {
            case CLASS_ALU, CLASS_ALU64 -> aluProblem(insn);
            case CLASS_JMP, CLASS_JMP32 -> jumpProblem(insn);
            case CLASS_LD -> ldProblem(insn);
            case CLASS_LDX -> switch (mode(op)) {
                case MODE_MEM -> null;
                case MODE_MEMSX -> size(op) == SIZE_DW ? unknown(op) : null;
                default -> unknown(op);
            };
            case CLASS_ST -> mode(op) == MODE_MEM ? null : unknown(op);
            default -> stxProblem(insn);
        };
        if (p != null) return p;
        if (insn.dst() == FRAME_POINTER && writesDst(insn)) return "frame pointer r10 is read-only";
        return null;
    }

    private static String unknown(int op) {
        return String.format("unknown opcode 0x%02x", op);
    }

    private static boolean writesDst(Insn insn) {
        int op = insn.opcode();
        return switch (insnClass(op)) {
            case CLASS_ALU, CLASS_ALU64, CLASS_LDX -> true;
            case CLASS_LD -> op == LDDW;
            case CLASS_STX -> mode(op) == MODE_ATOMIC && insn.imm() == ATOMIC_LOAD_ACQ;
            default -> false;
        };
    }

    private static String aluProblem(Insn insn) {
        int op = insn.opcode();
        boolean alu64 = insnClass(op) == CLASS_ALU64;
        int code = aluOp(op);
        switch (code) {
            case ALU_ADD, ALU_SUB, ALU_MUL, ALU_OR, ALU_AND, ALU_LSH, ALU_RSH, ALU_XOR, ALU_ARSH:
                return insn.off() == 0 ? null : "nonzero offset " + insn.off() + " in ALU instruction";
            case ALU_DIV, ALU_MOD:
                return insn.off() == 0 || insn.off() == 1 ? null : "offset of div/mod must be 0 (unsigned) or 1 (signed), not " + insn.off();
            case ALU_NEG:
                return source(op) == SRC_K ? null : unknown(op);
            case ALU_MOV: {
                int off = insn.off();
                if (off == 0) return null;
                if (source(op) == SRC_X && (off == 8 || off == 16 || (alu64 && off == 32))) return null;
                if (alu64 && source(op) == SRC_X && off == OFF_ADDR_SPACE_CAST) {
                    return insn.imm() == 1 || insn.imm() == 1 << 16 ? null
                            : "addr_space_cast can only convert between address spaces 1 and 0";
                }
                return "invalid offset " + off + " in mov";
            }
            case ALU_END: {
                if (alu64 && source(op) == END_TO_BE) return unknown(op);
                int imm = insn.imm();
                return imm == 16 || imm == 32 || imm == 64 ? null : "byte swap width must be 16, 32 or 64, not " + imm;
            }
            default:
                return unknown(op);
        }
    }

    private static String jumpProblem(Insn insn) {
        int op = insn.opcode();
        boolean jmp32 = insnClass(op) == CLASS_JMP32;
        int code = jmpOp(op);
        switch (code) {
            case JMP_JA:
                return source(op) == SRC_K ? null : unknown(op);
            case JMP_CALL:
                if (jmp32) return unknown(op);
                if (source(op) == SRC_X) return null;
                return insn.src() <= CALL_KFUNC ? null : "invalid call source " + insn.src();
            case JMP_EXIT:
                return !jmp32 && source(op) == SRC_K ? null : unknown(op);
            case JMP_JCOND:
                return !jmp32 && source(op) == SRC_K && insn.src() == JCOND_MAY_GOTO ? null : unknown(op);
            case 0xf0:
                return unknown(op);
            default:
                return null;
        }
    }

    private static String ldProblem(Insn insn) {
        int op = insn.opcode();
        if (op == LDDW) {
            return insn.src() <= PSEUDO_MAP_IDX_VALUE ? null : "invalid lddw source " + insn.src();
        }
        int mode = mode(op);
        if ((mode == MODE_ABS || mode == MODE_IND) && size(op) != SIZE_DW) return null;
        return unknown(op);
    }

    private static String stxProblem(Insn insn) {
        int op = insn.opcode();
        if (mode(op) == MODE_MEM) return null;
        if (mode(op) != MODE_ATOMIC) return unknown(op);
        int imm = insn.imm();
        if (imm == ATOMIC_LOAD_ACQ || imm == ATOMIC_STORE_REL) return null;
        if (size(op) != SIZE_W && size(op) != SIZE_DW) return unknown(op);
        return switch (imm) {
            case ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR,
                 ATOMIC_ADD | ATOMIC_FETCH, ATOMIC_OR | ATOMIC_FETCH, ATOMIC_AND | ATOMIC_FETCH,
                 ATOMIC_XOR | ATOMIC_FETCH, ATOMIC_XCHG, ATOMIC_CMPXCHG -> null;
            default -> String.format("unknown atomic operation 0x%x", imm);
        };
    }
}

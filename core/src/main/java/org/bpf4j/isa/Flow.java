package org.bpf4j.isa;

import static org.bpf4j.isa.Opcodes.*;

/**
 * What an instruction does to control flow and to registers, as the ISA defines it: where execution may
 * go next, and which registers it reads and writes. The one model the structural check, the verifier, the
 * JIT and the context analysis build their own flow analyses on.
 *
 * <p>Register sets are bit masks ({@code 1 << regno}). Calls and the legacy packet loads
 * ({@code LD_ABS}/{@code LD_IND}) touch registers by convention rather than by encoding, and the
 * consumers model those conventions differently (the verifier as the kernel's liveness does, the JIT as
 * bpf4j's engines run them), so {@link #regsRead} and {@link #regsWritten} give only what the encoding
 * says for them and the caller decides the rest (see {@link #hasConventionalRegs}).
 */
public final class Flow {
    private Flow() {}

    /** No jump target: the instruction does not branch. */
    public static final int NO_TARGET = Integer.MIN_VALUE;

    /** The registers of a helper call's arguments, r1-r5. */
    public static final int ARG_REGS = 0b111110;
    /** r0 and the caller-saved argument registers, which a call leaves undefined. */
    public static final int CALLER_SAVED = 0b111111;

    /** The slot after {@code insn} at {@code pc}: two slots for {@code lddw}. */
    public static int next(Insn insn, int pc) {
        return pc + (insn.isWide() ? 2 : 1);
    }

    /** Whether the class is a jump class ({@code JMP} or {@code JMP32}). */
    public static boolean isJumpClass(int opcode) {
        int cls = insnClass(opcode);
        return cls == CLASS_JMP || cls == CLASS_JMP32;
    }

    /** A conditional jump: {@code jeq}, {@code jgt}, ... ({@code may_goto} is not one: see {@link #branchTarget}). */
    public static boolean isConditional(int opcode) {
        if (!isJumpClass(opcode)) return false;
        int code = jmpOp(opcode);
        return code != JMP_JA && code != JMP_CALL && code != JMP_EXIT && code != JMP_JCOND;
    }

    /**
     * Where a jump goes when taken ({@code ja}, {@code gotol}, a conditional jump, {@code may_goto}), or
     * {@link #NO_TARGET}; calls are not jumps (see {@link #callTarget}).
     */
    public static int branchTarget(Insn insn, int pc) {
        int op = insn.opcode();
        if (op == JA32) return pc + 1 + insn.imm();
        if (op == JA || op == MAY_GOTO || isConditional(op)) return pc + 1 + insn.off();
        return NO_TARGET;
    }

    /** The first slot of the function a bpf-to-bpf call enters, or {@link #NO_TARGET} for any other instruction. */
    public static int callTarget(Insn insn, int pc) {
        return insn.opcode() == CALL && insn.src() == CALL_PSEUDO ? pc + 1 + insn.imm() : NO_TARGET;
    }

    /** The first slot of the function whose address an {@code lddw} of {@code PSEUDO_FUNC} loads, or {@link #NO_TARGET}. */
    public static int functionAddress(Insn insn, int pc) {
        return insn.opcode() == LDDW && insn.src() == PSEUDO_FUNC ? pc + 1 + insn.imm() : NO_TARGET;
    }

    /** Whether execution may continue with the next slot ({@code exit}, {@code ja} and {@code gotol} never do). */
    public static boolean fallsThrough(Insn insn) {
        int op = insn.opcode();
        return op != EXIT && op != JA && op != JA32;
    }

    /**
     * Calls and legacy packet loads, whose register effects are a calling convention: {@link #regsRead}
     * and {@link #regsWritten} give their encoded operands only.
     */
    public static boolean hasConventionalRegs(Insn insn) {
        int op = insn.opcode();
        if (op == CALL || op == CALLX) return true;
        return insnClass(op) == CLASS_LD && op != LDDW;
    }

    /**
     * The registers the instruction reads. {@code exit} reads r0; a call reads its target register
     * ({@code callx}) only, a legacy packet load its index register ({@code LD_IND}) only: the convention
     * on top is the caller's.
     */
    public static int regsRead(Insn insn) {
        int op = insn.opcode();
        int d = 1 << insn.dst(), s = 1 << insn.src();
        return switch (insnClass(op)) {
            case CLASS_ALU, CLASS_ALU64 -> {
                int code = aluOp(op);
                boolean srcReg = source(op) == SRC_X && code != ALU_END && code != ALU_NEG;
                if (code == ALU_MOV) yield srcReg ? s : 0;
                yield d | (srcReg ? s : 0);
            }
            case CLASS_LDX -> s;
            case CLASS_ST -> d;
            case CLASS_STX -> {
                if (mode(op) != MODE_ATOMIC) yield d | s;
                int imm = insn.imm();
                if (imm == ATOMIC_LOAD_ACQ) yield s;
                yield d | s | (imm == ATOMIC_CMPXCHG ? 1 : 0);
            }
            case CLASS_LD -> op == LDDW || mode(op) == MODE_ABS ? 0 : s;
            default -> {
                if (op == EXIT) yield 1;
                if (op == CALLX) yield d;
                if (op == CALL || op == JA || op == JA32 || op == MAY_GOTO) yield 0;
                yield d | (source(op) == SRC_X ? s : 0);
            }
        };
    }

    /**
     * The registers the instruction always writes. Calls and legacy packet loads: none here (r0 and the
     * clobbered argument registers are the caller's convention).
     */
    public static int regsWritten(Insn insn) {
        int op = insn.opcode();
        return switch (insnClass(op)) {
            case CLASS_ALU, CLASS_ALU64, CLASS_LDX -> 1 << insn.dst();
            case CLASS_STX -> {
                if (mode(op) != MODE_ATOMIC) yield 0;
                int imm = insn.imm();
                if (imm == ATOMIC_LOAD_ACQ) yield 1 << insn.dst();
                if (imm == ATOMIC_CMPXCHG) yield 1;
                yield (imm & ATOMIC_FETCH) != 0 ? 1 << insn.src() : 0;
            }
            case CLASS_LD -> op == LDDW ? 1 << insn.dst() : 0;
            default -> 0;
        };
    }
}

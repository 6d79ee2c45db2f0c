package org.bpf4j.interp;

import static org.bpf4j.isa.Opcodes.*;

import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Flow;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.isa.StructuralCheck;

/**
 * What every engine checks and resolves when it loads a program, in one place so that the engines
 * refuse exactly the same programs: the structural checks, the helper each {@code call} names (which
 * must be in the table), the value of each {@code lddw} (function pointers tagged with
 * {@link RunState#FUNCTION_POINTER_TAG}; map and kernel-symbol sources refused) and kfunc calls
 * (refused).
 *
 * <p>Engine support, not API: the engines' public entry points are {@link Interpreter#load} and
 * {@code JvmCompiler.compile}.
 */
public final class ResolvedProgram {
    private final Program program;
    private final HelperTable helpers;
    private final HelperTable.Entry[] helperAt;
    private final long[] imm64;

    private ResolvedProgram(Program program, HelperTable helpers) {
        this.program = program;
        this.helpers = helpers;
        this.helperAt = new HelperTable.Entry[program.size()];
        this.imm64 = new long[program.size()];
    }

    /** @throws InvalidProgramException naming the first instruction that cannot run */
    public static ResolvedProgram resolve(Program program, HelperTable helpers) {
        StructuralCheck.check(program);
        ResolvedProgram r = new ResolvedProgram(program, helpers);
        int n = program.size();
        for (int pc = 0; pc < n; pc++) {
            Insn insn = program.get(pc);
            int op = insn.opcode();
            if (op == LDDW) {
                r.imm64[pc] = r.ldImm64(pc, insn);
                pc++; // the second slot is never executed
            } else if (op == CALL) {
                r.resolveCall(pc, insn);
            }
        }
        return r;
    }

    public Program program() { return program; }

    public HelperTable helpers() { return helpers; }

    /** The helper the {@code call} at {@code pc} calls, or null when it is not a helper call. */
    public HelperTable.Entry helperAt(int pc) { return helperAt[pc]; }

    /** The value an {@code lddw} at {@code pc} loads. */
    public long imm64(int pc) { return imm64[pc]; }

    /** Whether {@code pc}'s {@code call} is a bpf-to-bpf call. */
    public boolean isLocalCall(int pc) {
        Insn insn = program.get(pc);
        return insn.opcode() == CALL && insn.src() == CALL_PSEUDO;
    }

    private void resolveCall(int pc, Insn insn) {
        switch (insn.src()) {
            case CALL_HELPER -> {
                HelperTable.Entry e = helpers.entry(insn.imm() & 0xffffffffL);
                if (e == null) throw new InvalidProgramException(pc, "call to unknown helper " + Integer.toUnsignedString(insn.imm()));
                helperAt[pc] = e;
            }
            case CALL_PSEUDO -> { }
            default -> throw new InvalidProgramException(pc, "kfunc call (kfunc id " + insn.imm() + "): kfuncs are not supported");
        }
    }

    private long ldImm64(int pc, Insn insn) {
        return switch (insn.src()) {
            case PSEUDO_IMM64 -> program.imm64(pc);
            case PSEUDO_FUNC -> {
                int target = Flow.functionAddress(insn, pc);
                if (target < 0 || target >= program.size()) {
                    throw new InvalidProgramException(pc, "function pointer out of range: target " + target);
                }
                yield RunState.FUNCTION_POINTER_TAG | target;
            }
            default -> throw new InvalidProgramException(pc, "lddw with pseudo source " + insn.src()
                    + " refers to a map or kernel symbol, which the loader must resolve before the program runs");
        };
    }
}

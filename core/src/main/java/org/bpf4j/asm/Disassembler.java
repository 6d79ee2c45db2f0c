package org.bpf4j.asm;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.IntFunction;
import org.bpf4j.asm.Syntax.AluOp;
import org.bpf4j.asm.Syntax.JmpOp;
import org.bpf4j.asm.Syntax.Pseudo;
import org.bpf4j.asm.Syntax.Size;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.isa.StructuralCheck;

/**
 * Prints instructions in the syntax of the kernel's verifier log and llvm-objdump
 * ({@code r0 = *(u32 *)(r1 + 4)}, {@code if r1 s> r2 goto -1}), which {@link Assembler} reads back.
 *
 * <p>A slot is printed in its readable form only when that form carries every field that is not
 * zero; anything else (unknown opcodes, reserved fields in use, registers above r10) is printed
 * raw as {@code .insn 0x8e, 0, 0, 0, 0}. So disassembly never throws and reassembly always gives
 * the same slots back, which is what makes it safe to show a malformed program to a person.
 */
public final class Disassembler {
    private Disassembler() {}

    /** One printed instruction and the slot it starts at (an {@code lddw} covers two). */
    public record Line(int pc, String text) {
        public Line {
            Objects.requireNonNull(text);
        }
    }

    private static final IntFunction<Optional<String>> NO_NAMES = id -> Optional.empty();

    /** The instruction at {@code pc}; an {@code lddw} there is printed with its second slot. */
    public static String format(Program program, int pc) {
        return format(program, pc, NO_NAMES);
    }

    /**
     * As {@link #format(Program, int)}, with helper calls named when {@code helperNames} knows the
     * id: {@code call bpf_map_lookup_elem#1}.
     */
    public static String format(Program program, int pc, IntFunction<Optional<String>> helperNames) {
        Objects.checkIndex(pc, program.size());
        Insn insn = program.get(pc);
        if (insn.isWide()) return wide(program, pc).orElseGet(() -> raw(insn));
        return readable(insn, helperNames).orElseGet(() -> raw(insn));
    }

    /** Every instruction, one line each; the second slot of a readable {@code lddw} has no line of its own. */
    public static List<Line> lines(Program program) {
        return lines(program, NO_NAMES);
    }

    public static List<Line> lines(Program program, IntFunction<Optional<String>> helperNames) {
        List<Line> out = new ArrayList<>();
        for (int pc = 0; pc < program.size(); pc++) {
            out.add(new Line(pc, format(program, pc, helperNames)));
            if (program.get(pc).isWide() && wide(program, pc).isPresent()) pc++;
        }
        return out;
    }

    /** The whole program as text that {@link Assembler#assemble(String)} turns back into the same slots. */
    public static String text(Program program) {
        StringBuilder sb = new StringBuilder();
        for (Line line : lines(program)) sb.append(line.text()).append('\n');
        return sb.toString();
    }

    // ---- the readable forms; each returns empty when the slot has a field its form cannot show

    private static Optional<String> readable(Insn i, IntFunction<Optional<String>> helperNames) {
        if (i.dst() > StructuralCheck.FRAME_POINTER || i.src() > StructuralCheck.FRAME_POINTER) return Optional.empty();
        return Optional.ofNullable(switch (insnClass(i.opcode())) {
            case CLASS_ALU, CLASS_ALU64 -> alu(i);
            case CLASS_JMP, CLASS_JMP32 -> jump(i, helperNames);
            case CLASS_LD -> legacyLoad(i);
            case CLASS_LDX -> load(i);
            case CLASS_ST -> mode(i.opcode()) == MODE_MEM && i.src() == 0
                    ? "*(" + Size.of(i.opcode()).unsigned() + " *)" + mem(i.dst(), i.off()) + " = " + i.imm()
                    : null;
            default -> store(i);
        });
    }

    // Internally null means "no readable form"; the public methods turn it into the raw form.

    private static String alu(Insn i) {
        int op = i.opcode();
        boolean is64 = insnClass(op) == CLASS_ALU64;
        boolean x = source(op) == SRC_X;
        String d = reg(i.dst(), is64);
        String s = reg(i.src(), is64);
        switch (aluOp(op)) {
            case ALU_NEG:
                return !x && i.src() == 0 && i.off() == 0 && i.imm() == 0 ? d + " = -" + d : null;
            case ALU_END: {
                // ALU|END|TO_LE, ALU|END|TO_BE and ALU64|END|TO_LE (bswap) exist; ALU64 with the BE bit does not.
                String name = is64 ? (x ? null : "bswap") : (x ? "be" : "le");
                boolean width = i.imm() == 16 || i.imm() == 32 || i.imm() == 64;
                if (name == null || !width || i.src() != 0 || i.off() != 0) return null;
                return "r" + i.dst() + " = " + name + i.imm() + " r" + i.dst();
            }
            case ALU_MOV:
                if (!x) return i.src() == 0 && i.off() == 0 ? d + " = " + i.imm() : null;
                if (is64 && i.off() == OFF_ADDR_SPACE_CAST) {
                    return d + " = addr_space_cast(" + s + ", " + (i.imm() >>> 16) + ", " + (i.imm() & 0xffff) + ")";
                }
                if (i.imm() != 0) return null;
                return switch (i.off()) {
                    case 0 -> d + " = " + s;
                    case 8, 16 -> d + " = (s" + i.off() + ")" + s;
                    case 32 -> is64 ? d + " = (s32)" + s : null;
                    default -> null;
                };
            default: {
                AluOp a = AluOp.of(aluOp(op), i.off()).orElse(null);
                if (a == null) return null;
                if (x) return i.imm() == 0 ? d + " " + a.symbol + " " + s : null;
                return i.src() == 0 ? d + " " + a.symbol + " " + i.imm() : null;
            }
        }
    }

    private static String jump(Insn i, IntFunction<Optional<String>> helperNames) {
        int op = i.opcode();
        boolean regsZero = i.dst() == 0 && i.src() == 0;
        switch (op) {
            case JA:
                return regsZero && i.imm() == 0 ? "goto " + signed(i.off()) : null;
            case JA32:
                return regsZero && i.off() == 0 ? "gotol " + signed(i.imm()) : null;
            case MAY_GOTO:
                return regsZero && i.imm() == 0 ? "may_goto " + signed(i.off()) : null;
            case EXIT:
                return regsZero && i.off() == 0 && i.imm() == 0 ? "exit" : null;
            case CALLX:
                return i.src() == 0 && i.off() == 0 && i.imm() == 0 ? "callx r" + i.dst() : null;
            case CALL:
                if (i.dst() != 0 || i.off() != 0) return null;
                return switch (i.src()) {
                    case CALL_HELPER -> "call " + helperNames.apply(i.imm()).map(n -> n + "#").orElse("") + i.imm();
                    case CALL_PSEUDO -> "call pc" + signed(i.imm());
                    case CALL_KFUNC -> "call kfunc#" + i.imm();
                    default -> null;
                };
            default:
                break;
        }
        JmpOp j = JmpOp.of(jmpOp(op)).orElse(null);
        if (j == null) return null;
        boolean is64 = insnClass(op) == CLASS_JMP;
        String rhs;
        if (source(op) == SRC_X) {
            if (i.imm() != 0) return null;
            rhs = reg(i.src(), is64);
        } else {
            if (i.src() != 0) return null;
            rhs = "0x" + Integer.toHexString(i.imm());
        }
        return "if " + reg(i.dst(), is64) + " " + j.symbol + " " + rhs + " goto " + signed(i.off());
    }

    /** The classic packet loads: r0 is implied, so dst and off must be zero. */
    private static String legacyLoad(Insn i) {
        int op = i.opcode();
        if (size(op) == SIZE_DW || i.dst() != 0 || i.off() != 0) return null;
        String load = "r0 = *(" + Size.of(op).unsigned() + " *)skb[";
        if (mode(op) == MODE_ABS && i.src() == 0) return load + i.imm() + "]";
        if (mode(op) == MODE_IND) return load + "r" + i.src() + displacement(i.imm()) + "]";
        return null;
    }

    private static String load(Insn i) {
        int op = i.opcode();
        if (i.imm() != 0) return null;
        Size size = Size.of(op);
        String type = switch (mode(op)) {
            case MODE_MEM -> size.unsigned();
            case MODE_MEMSX -> size == Size.DW ? null : size.signed();
            default -> null;
        };
        return type == null ? null : "r" + i.dst() + " = *(" + type + " *)" + mem(i.src(), i.off());
    }

    private static String store(Insn i) {
        int op = i.opcode();
        Size size = Size.of(op);
        String ptr = "(" + size.unsigned() + " *)" + mem(i.dst(), i.off());
        if (mode(op) == MODE_MEM) return i.imm() == 0 ? "*" + ptr + " = r" + i.src() : null;
        if (mode(op) != MODE_ATOMIC) return null;
        String s = reg(i.src(), size.wide());
        int imm = i.imm();
        if (imm == ATOMIC_LOAD_ACQ) {
            // the one atomic whose base register is src: dst receives the value
            return reg(i.dst(), size.wide()) + " = load_acquire((" + size.unsigned() + " *)" + mem(i.src(), i.off()) + ")";
        }
        if (imm == ATOMIC_STORE_REL) return "store_release(" + ptr + ", " + s + ")";
        if (size != Size.W && size != Size.DW) return null;
        // xchg and cmpxchg are spelled with the width twice, as llvm does: xchg_64, xchg32_32.
        String bits = size.wide() ? "_64" : "32_32";
        String addr = "r" + i.dst() + displacement(i.off());
        if (imm == ATOMIC_XCHG) return s + " = xchg" + bits + "(" + addr + ", " + s + ")";
        if (imm == ATOMIC_CMPXCHG) {
            String r0 = reg(0, size.wide());
            return r0 + " = cmpxchg" + bits + "(" + addr + ", " + r0 + ", " + s + ")";
        }
        AluOp a = AluOp.of(imm & ~ATOMIC_FETCH, 0).filter(AluOp::atomic).orElse(null);
        if (a == null) return null;
        if ((imm & ATOMIC_FETCH) == 0) return "lock *" + ptr + " " + a.symbol + " " + s;
        return s + " = atomic_fetch_" + a.mnemonic + "(" + ptr + ", " + s + ")";
    }

    /** {@code lddw} when both slots are well-formed and the form shows every field, else empty. */
    private static Optional<String> wide(Program p, int pc) {
        Insn lo = p.get(pc);
        if (pc + 1 >= p.size() || lo.dst() > StructuralCheck.FRAME_POINTER || lo.off() != 0) return Optional.empty();
        Insn hi = p.get(pc + 1);
        if (hi.opcode() != 0 || hi.dst() != 0 || hi.src() != 0 || hi.off() != 0) return Optional.empty();
        String d = "r" + lo.dst() + " = ";
        if (lo.src() == PSEUDO_IMM64) return Optional.of(d + "0x" + Long.toHexString(p.imm64(pc)) + " ll");
        return Pseudo.of(lo.src())
                .filter(ps -> ps.withOffset || hi.imm() == 0)
                .map(ps -> d + ps.name + "(" + (ps == Pseudo.FUNC ? signed(lo.imm()) : String.valueOf(lo.imm()))
                        + (ps.withOffset ? ", " + hi.imm() : "") + ") ll");
    }

    /** The form that shows any slot: every field as a number. */
    static String raw(Insn i) {
        return String.format(".insn 0x%02x, %d, %d, %d, %d", i.opcode(), i.dst(), i.src(), i.off(), i.imm());
    }

    private static String reg(int n, boolean is64) {
        return (is64 ? "r" : "w") + n;
    }

    private static String mem(int base, int off) {
        return "(r" + base + displacement(off) + ")";
    }

    /** {@code " + 4"} or {@code " - 8"}; long arithmetic so that -2^31 has a magnitude. */
    private static String displacement(int value) {
        return value < 0 ? " - " + -(long) value : " + " + value;
    }

    private static String signed(int value) {
        return value < 0 ? String.valueOf(value) : "+" + value;
    }
}

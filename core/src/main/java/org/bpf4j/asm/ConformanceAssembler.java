package org.bpf4j.asm;

import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import java.util.Optional;
import org.bpf4j.asm.Builder.Label;
import org.bpf4j.asm.Builder.Relative;
import org.bpf4j.asm.Builder.Target;
import org.bpf4j.asm.Syntax.AluOp;
import org.bpf4j.asm.Syntax.JmpOp;
import org.bpf4j.asm.Syntax.Size;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * The bpf_conformance suite's assembler syntax: {@code mov %r0, %r1}, {@code ldxh %r9, [%r0+2]},
 * {@code stxdw [%r10-8], %r1}, {@code jeq %r1, 5, +3}, {@code lock fetch add [%r10-8], %r1} ...
 *
 * <p>Conventions of the suite that this follows: a {@code 32} suffix selects the 32-bit class;
 * immediates that do not fit in signed 32 bits but do in unsigned ones ({@code 0xfffffffc}) are the
 * 32-bit pattern; {@code #} starts a comment anywhere; and {@code exit} used as a jump target means
 * the first {@code exit} instruction unless the text defines a label of that name.
 */
public final class ConformanceAssembler {
    private ConformanceAssembler() {}

    /** @throws AsmException naming the first line that cannot be assembled */
    public static Program assemble(String text) {
        return assemble(SourceLine.split(text));
    }

    static Program assemble(List<SourceLine> lines) {
        Builder out = new Builder();
        int firstExit = -1;
        int firstExitLine = 0;
        for (SourceLine line : lines) {
            String text = line.text();
            int hash = text.indexOf('#');
            Tokens t = Tokens.lex(line.number(), hash >= 0 ? text.substring(0, hash) : text);
            if (t.atEnd()) continue;
            if (t.peekIs(0, Tokens.Kind.WORD) && t.peekIs(1, ":")) {
                String name = t.word();
                t.expect(":");
                t.end();
                out.label(name, line.number());
                continue;
            }
            if (firstExit < 0 && t.peekIs(0, "exit")) {
                firstExit = out.pc();
                firstExitLine = line.number();
            }
            instruction(t, out);
            t.end();
        }
        if (firstExit >= 0 && !out.hasLabel("exit")) {
            // the suite's implicit label; defining it last lets an explicit "exit:" anywhere win
            out.defineAt("exit", firstExit, firstExitLine);
        }
        return out.build();
    }

    private static void instruction(Tokens t, Builder out) {
        int line = t.line();
        String m = t.word();
        switch (m) {
            case "exit" -> out.emit(Insn.exit());
            case "ja" -> out.emitJump(new Insn(JA, 0, 0, 0, 0), target(t, false), false, line);
            case "ja32" -> out.emitJump(new Insn(JA32, 0, 0, 0, 0), target(t, true), true, line);
            case "call" -> call(t, out);
            case "lddw" -> {
                int dst = reg(t);
                t.expect(",");
                out.emit(Insn.lddw(dst, PSEUDO_IMM64, t.imm64()));
            }
            case "lock" -> lock(t, out);
            default -> {
                if (!memory(m, t, out) && !alu(m, t, out) && !jump(m, t, out)) {
                    throw t.error("unknown mnemonic '" + m + "'");
                }
            }
        }
    }

    /** {@code call 5} (helper), {@code call local f} (bpf-to-bpf), {@code call %r2} (callx, register in dst). */
    private static void call(Tokens t, Builder out) {
        if (t.peekIs(0, "%")) {
            out.emit(new Insn(CALLX, reg(t), 0, 0, 0));
        } else if (t.accept("local")) {
            out.emitJump(Insn.callLocal(0), target(t, true), true, t.line());
        } else {
            out.emit(Insn.call(t.imm32()));
        }
    }

    /** {@code lock [fetch] op[32] [%rD+off], %rS}; xchg and cmpxchg always fetch. */
    private static void lock(Tokens t, Builder out) {
        boolean fetch = t.accept("fetch");
        String word = t.word();
        boolean is32 = word.endsWith("32");
        String name = is32 ? word.substring(0, word.length() - 2) : word;
        int op = switch (name) {
            case "xchg" -> fetch ? -1 : ATOMIC_XCHG;
            case "cmpxchg" -> fetch ? -1 : ATOMIC_CMPXCHG;
            default -> AluOp.byMnemonic(name).filter(AluOp::atomic).map(a -> a.code | (fetch ? ATOMIC_FETCH : 0)).orElse(-1);
        };
        if (op < 0) throw t.error("unknown atomic operation '" + (fetch ? "fetch " : "") + word + "'");
        Mem mem = mem(t);
        t.expect(",");
        int src = reg(t);
        out.emit(new Insn(CLASS_STX | MODE_ATOMIC | (is32 ? SIZE_W : SIZE_DW), mem.base(), src, mem.off(), op));
    }

    /** ldx*, ldxs*, st*, stx*; false when {@code m} is none of them. */
    private static boolean memory(String m, Tokens t, Builder out) {
        Optional<Size> size;
        if ((size = suffix(m, "ldxs")).isPresent() && size.get() != Size.DW) {
            int dst = reg(t);
            t.expect(",");
            Mem mem = mem(t);
            out.emit(new Insn(CLASS_LDX | MODE_MEMSX | size.get().code, dst, mem.base(), mem.off(), 0));
        } else if ((size = suffix(m, "ldx")).isPresent()) {
            int dst = reg(t);
            t.expect(",");
            Mem mem = mem(t);
            out.emit(new Insn(CLASS_LDX | MODE_MEM | size.get().code, dst, mem.base(), mem.off(), 0));
        } else if ((size = suffix(m, "stx")).isPresent()) {
            Mem mem = mem(t);
            t.expect(",");
            out.emit(new Insn(CLASS_STX | MODE_MEM | size.get().code, mem.base(), reg(t), mem.off(), 0));
        } else if ((size = suffix(m, "st")).isPresent()) {
            Mem mem = mem(t);
            t.expect(",");
            out.emit(new Insn(CLASS_ST | MODE_MEM | size.get().code, mem.base(), 0, mem.off(), t.imm32()));
        } else {
            return false;
        }
        return true;
    }

    private static Optional<Size> suffix(String mnemonic, String prefix) {
        return mnemonic.startsWith(prefix) ? Size.bySuffix(mnemonic.substring(prefix.length())) : Optional.empty();
    }

    /** ALU mnemonics; false when {@code m} is none of them. */
    private static boolean alu(String m, Tokens t, Builder out) {
        int end = switch (m) {
            case "be16", "be32", "be64" -> CLASS_ALU | ALU_END | END_TO_BE;
            case "le16", "le32", "le64" -> CLASS_ALU | ALU_END | END_TO_LE;
            case "swap16", "swap32", "swap64", "bswap16", "bswap32", "bswap64" -> CLASS_ALU64 | ALU_END | END_TO_LE;
            default -> -1;
        };
        if (end >= 0) {
            out.emit(new Insn(end, reg(t), 0, 0, Integer.parseInt(m.substring(m.length() - 2))));
            return true;
        }
        if (m.startsWith("movsx")) {
            // movsx<from><to>: the source width goes in off, the destination width picks the class
            int cls = switch (m) {
                case "movsx832", "movsx1632" -> CLASS_ALU;
                case "movsx864", "movsx1664", "movsx3264" -> CLASS_ALU64;
                default -> -1;
            };
            if (cls < 0) return false;
            int off = Integer.parseInt(m.substring("movsx".length(), m.length() - 2));
            int dst = reg(t);
            t.expect(",");
            out.emit(new Insn(cls | ALU_MOV | SRC_X, dst, reg(t), off, 0));
            return true;
        }
        boolean is32 = m.endsWith("32");
        String name = is32 ? m.substring(0, m.length() - 2) : m;
        int cls = is32 ? CLASS_ALU : CLASS_ALU64;
        if (name.equals("neg")) {
            out.emit(new Insn(cls | ALU_NEG | SRC_K, reg(t), 0, 0, 0));
            return true;
        }
        int code;
        int off;
        if (name.equals("mov")) {
            code = ALU_MOV;
            off = 0;
        } else {
            Optional<AluOp> op = AluOp.byMnemonic(name);
            if (op.isEmpty()) return false;
            code = op.get().code;
            off = op.get().off;
        }
        int dst = reg(t);
        t.expect(",");
        if (t.peekIs(0, "%")) {
            out.emit(new Insn(cls | code | SRC_X, dst, reg(t), off, 0));
        } else {
            out.emit(new Insn(cls | code | SRC_K, dst, 0, off, t.imm32()));
        }
        return true;
    }

    /** {@code jXX[32] %rD, %rS|imm, target}; false when {@code m} is none of them. */
    private static boolean jump(String m, Tokens t, Builder out) {
        boolean is32 = m.endsWith("32");
        Optional<JmpOp> op = JmpOp.byMnemonic(is32 ? m.substring(0, m.length() - 2) : m);
        if (op.isEmpty()) return false;
        int cls = (is32 ? CLASS_JMP32 : CLASS_JMP) | op.get().code;
        int dst = reg(t);
        t.expect(",");
        Insn insn = t.peekIs(0, "%")
                ? new Insn(cls | SRC_X, dst, reg(t), 0, 0)
                : new Insn(cls | SRC_K, dst, 0, 0, t.imm32());
        t.expect(",");
        out.emitJump(insn, target(t, false), false, t.line());
        return true;
    }

    /** {@code +3}, {@code -2} or a label. */
    private static Target target(Tokens t, boolean inImm) {
        if (t.peekIs(0, Tokens.Kind.WORD)) return new Label(t.word());
        if (!t.peekIs(0, "+") && !t.peekIs(0, "-")) throw t.unknown();
        Tokens.Num n = t.number();
        return new Relative(inImm ? t.rel32(n) : t.off16(n));
    }

    private record Mem(int base, int off) {}

    /** {@code [%r1]}, {@code [%r0+2]}, {@code [%r10-8]}. */
    private static Mem mem(Tokens t) {
        t.expect("[");
        int base = reg(t);
        int off = 0;
        if (t.peekIs(0, "+") || t.peekIs(0, "-")) off = t.off16(t.number());
        t.expect("]");
        return new Mem(base, off);
    }

    /** {@code %r0} .. {@code %r10}. */
    private static int reg(Tokens t) {
        t.expect("%");
        String word = t.word();
        if (!word.matches("r\\d{1,2}") || Integer.parseInt(word.substring(1)) > 10) {
            throw t.error("unknown register '%" + word + "'");
        }
        return Integer.parseInt(word.substring(1));
    }
}

package org.bpf4j.asm;

import static org.bpf4j.isa.Opcodes.*;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.asm.Builder.Label;
import org.bpf4j.asm.Builder.Relative;
import org.bpf4j.asm.Builder.Target;
import org.bpf4j.asm.Syntax.AluOp;
import org.bpf4j.asm.Syntax.JmpOp;
import org.bpf4j.asm.Syntax.Pseudo;
import org.bpf4j.asm.Syntax.Size;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * Reads the kernel/llvm syntax that {@link Disassembler} prints back into instruction slots.
 *
 * <p>One instruction a line; blank lines; comments from {@code ;}, {@code //} or {@code #} to the end
 * of the line, where {@code #} only starts a comment at the start of a line or after whitespace,
 * because it is part of {@code call kfunc#12} and {@code call bpf_map_lookup_elem#1}. A label is
 * {@code name:} alone on its line and may be used wherever a jump displacement goes
 * ({@code goto loop}, {@code if r1 > 3 goto loop}, {@code call loop}, {@code r1 = func(loop) ll}).
 *
 * <p>Field ranges are checked here (16-bit offsets, 32-bit immediates, where {@code 0xffffffff} and
 * {@code -1} are the same pattern); whether the program makes sense is {@code StructuralCheck}'s job.
 */
public final class Assembler {
    private Assembler() {}

    private static final Pattern REGISTER = Pattern.compile("([rw])(\\d+)");

    /** @throws AsmException naming the first line that cannot be assembled */
    public static Program assemble(String text) {
        Builder out = new Builder();
        for (SourceLine line : SourceLine.split(text)) {
            Tokens t = Tokens.lex(line.number(), stripComment(line.text()));
            if (t.atEnd()) continue;
            if (t.peekIs(0, Tokens.Kind.WORD) && t.peekIs(1, ":")) {
                String name = t.word();
                t.expect(":");
                t.end();
                out.label(name, line.number());
                continue;
            }
            instruction(t, out);
            t.end();
        }
        return out.build();
    }

    private static String stripComment(String line) {
        int cut = line.length();
        for (String marker : List.of(";", "//")) {
            int at = line.indexOf(marker);
            if (at >= 0) cut = Math.min(cut, at);
        }
        for (int i = 0; i < cut; i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                cut = i;
                break;
            }
        }
        return line.substring(0, cut);
    }

    /** A register as written; {@code wide} is false for the 32-bit view {@code wN}. */
    private record Reg(int n, boolean wide) {}

    private static void instruction(Tokens t, Builder out) {
        int line = t.line();
        if (t.peekIs(0, Tokens.Kind.WORD)) {
            switch (t.peek(0).orElseThrow().text()) {
                case ".insn" -> {
                    t.next();
                    int opcode = t.unsigned("opcode", 8);
                    t.expect(",");
                    int dst = t.unsigned("register field", 4);
                    t.expect(",");
                    int src = t.unsigned("register field", 4);
                    t.expect(",");
                    int off = t.off16(t.number());
                    t.expect(",");
                    out.emit(new Insn(opcode, dst, src, off, t.imm32()));
                    return;
                }
                case "exit" -> {
                    t.next();
                    out.emit(Insn.exit());
                    return;
                }
                case "goto" -> {
                    t.next();
                    out.emitJump(new Insn(JA, 0, 0, 0, 0), target(t, false), false, line);
                    return;
                }
                case "gotol" -> {
                    t.next();
                    out.emitJump(new Insn(JA32, 0, 0, 0, 0), target(t, true), true, line);
                    return;
                }
                case "may_goto" -> {
                    t.next();
                    out.emitJump(new Insn(MAY_GOTO, 0, 0, 0, 0), target(t, false), false, line);
                    return;
                }
                case "callx" -> {
                    t.next();
                    out.emit(new Insn(CALLX, wideReg(t), 0, 0, 0));
                    return;
                }
                case "call" -> {
                    t.next();
                    call(t, out);
                    return;
                }
                case "if" -> {
                    t.next();
                    conditional(t, out);
                    return;
                }
                case "lock" -> {
                    t.next();
                    t.expect("*");
                    Pointer p = pointer(t);
                    AluOp op = t.peek(0).flatMap(tok -> AluOp.bySymbol(tok.text())).filter(AluOp::atomic)
                            .orElseThrow(t::unknown);
                    t.next();
                    int src = reg(t, p.size().wide()).n();
                    out.emit(atomic(p, src, op.code));
                    return;
                }
                case "store_release" -> {
                    t.next();
                    t.expect("(");
                    Pointer p = pointer(t);
                    t.expect(",");
                    int src = reg(t, p.size().wide()).n();
                    t.expect(")");
                    out.emit(atomic(p, src, ATOMIC_STORE_REL));
                    return;
                }
                default -> {}
            }
        }
        if (t.accept("*")) {
            Pointer p = pointer(t);
            t.expect("=");
            if (t.atNumber()) {
                out.emit(new Insn(CLASS_ST | MODE_MEM | p.size().code, p.base(), 0, p.off(), t.imm32()));
            } else {
                out.emit(new Insn(CLASS_STX | MODE_MEM | p.size().code, p.base(), wideReg(t), p.off(), 0));
            }
            return;
        }
        Reg dst = reg(t);
        String op = t.next().text();
        if (!op.equals("=")) {
            AluOp alu = AluOp.bySymbol(op).orElseThrow(t::unknown);
            int cls = dst.wide() ? CLASS_ALU64 : CLASS_ALU;
            if (t.atNumber()) {
                out.emit(new Insn(cls | alu.code | SRC_K, dst.n(), 0, alu.off, t.imm32()));
            } else {
                out.emit(new Insn(cls | alu.code | SRC_X, dst.n(), reg(t, dst.wide()).n(), alu.off, 0));
            }
            return;
        }
        assignment(t, dst, out);
    }

    /** Everything of the shape {@code dst = ...}. */
    private static void assignment(Tokens t, Reg dst, Builder out) {
        int cls = dst.wide() ? CLASS_ALU64 : CLASS_ALU;
        int d = dst.n();
        if (t.peekIs(0, "-") && t.peekIs(1, Tokens.Kind.WORD)) {
            t.next();
            same(t, dst, reg(t, dst.wide()));
            out.emit(new Insn(cls | ALU_NEG | SRC_K, d, 0, 0, 0));
            return;
        }
        if (t.atNumber()) {
            Tokens.Num n = t.number();
            if (t.accept("ll")) {
                requireWide(t, dst);
                out.emit(Insn.lddw(d, PSEUDO_IMM64, t.imm64(n)));
            } else {
                out.emit(new Insn(cls | ALU_MOV | SRC_K, d, 0, 0, t.imm32(n)));
            }
            return;
        }
        if (t.accept("(")) {
            // movsx: (s8), (s16), (s32)
            String type = t.word();
            int off = switch (type) {
                case "s8" -> 8;
                case "s16" -> 16;
                case "s32" -> 32;
                default -> throw t.unknown();
            };
            t.expect(")");
            out.emit(new Insn(cls | ALU_MOV | SRC_X, d, reg(t, dst.wide()).n(), off, 0));
            return;
        }
        if (t.accept("*")) {
            t.expect("(");
            String type = t.word();
            t.expect("*");
            t.expect(")");
            if (t.accept("skb")) {
                legacyLoad(t, dst, type, out);
                return;
            }
            requireWide(t, dst);
            t.expect("(");
            int base = wideReg(t);
            int off = offset(t);
            t.expect(")");
            Size size = Size.byName(type).orElse(null);
            int mode = MODE_MEM;
            if (size == null) {
                size = signedSize(type).orElseThrow(t::unknown);
                mode = MODE_MEMSX;
            }
            out.emit(new Insn(CLASS_LDX | mode | size.code, d, base, off, 0));
            return;
        }
        String word = t.word();
        Matcher m = REGISTER.matcher(word);
        if (m.matches()) {
            Reg src = register(t, m, word);
            if (src.wide() != dst.wide()) throw widthMismatch(t, src, dst.wide());
            out.emit(new Insn(cls | ALU_MOV | SRC_X, d, src.n(), 0, 0));
            return;
        }
        Pseudo pseudo = Pseudo.byName(word).orElse(null);
        if (pseudo != null) {
            requireWide(t, dst);
            t.expect("(");
            if (pseudo == Pseudo.FUNC) {
                Target target = target(t, true);
                t.expect(")");
                t.expect("ll");
                Insn[] slots = Insn.lddw(d, pseudo.src, 0);
                out.emitJump(slots[0], target, true, t.line());
                out.emit(slots[1]);
                return;
            }
            int lo = t.imm32();
            int hi = 0;
            if (pseudo.withOffset) {
                t.expect(",");
                hi = t.imm32();
            }
            t.expect(")");
            t.expect("ll");
            out.emit(Insn.lddw(d, pseudo.src, (long) hi << 32 | (lo & 0xffffffffL)));
            return;
        }
        if (word.equals("addr_space_cast")) {
            t.expect("(");
            Reg src = reg(t, true);
            t.expect(",");
            int dstSpace = t.unsigned("address space", 16);
            t.expect(",");
            int srcSpace = t.unsigned("address space", 16);
            t.expect(")");
            requireWide(t, dst);
            out.emit(new Insn(CLASS_ALU64 | ALU_MOV | SRC_X, d, src.n(), OFF_ADDR_SPACE_CAST, dstSpace << 16 | srcSpace));
            return;
        }
        int end = switch (word) {
            case "be16", "be32", "be64" -> CLASS_ALU | ALU_END | END_TO_BE;
            case "le16", "le32", "le64" -> CLASS_ALU | ALU_END | END_TO_LE;
            case "bswap16", "bswap32", "bswap64" -> CLASS_ALU64 | ALU_END | END_TO_LE;
            default -> -1;
        };
        if (end >= 0) {
            requireWide(t, dst);
            same(t, dst, reg(t, true));
            out.emit(new Insn(end, d, 0, 0, Integer.parseInt(word.substring(word.length() - 2))));
            return;
        }
        atomicAssignment(t, dst, word, out);
    }

    /** {@code r0 = *(u8 *)skb[12]} and {@code r0 = *(u16 *)skb[r1 + 4]}. */
    private static void legacyLoad(Tokens t, Reg dst, String type, Builder out) {
        if (!dst.wide() || dst.n() != 0) throw t.error("legacy packet loads always load into r0");
        Size size = Size.byName(type).orElseThrow(t::unknown);
        t.expect("[");
        if (t.atNumber()) {
            int imm = t.imm32();
            t.expect("]");
            out.emit(new Insn(CLASS_LD | MODE_ABS | size.code, 0, 0, 0, imm));
        } else {
            int src = wideReg(t);
            String sign = t.next().text();
            if (!sign.equals("+") && !sign.equals("-")) throw t.unknown();
            Tokens.Num n = t.number();
            // the displacement is the whole 32-bit imm, written with the sign outside as in "r1 - 4"
            int imm = t.rel32(sign.equals("-") ? new Tokens.Num(n.value().negate(), "-" + n.text()) : n);
            t.expect("]");
            out.emit(new Insn(CLASS_LD | MODE_IND | size.code, 0, src, 0, imm));
        }
    }

    /** The atomic forms that assign a register: fetch ops, xchg, cmpxchg, load_acquire. */
    private static void atomicAssignment(Tokens t, Reg dst, String word, Builder out) {
        if (word.equals("load_acquire")) {
            t.expect("(");
            Pointer p = pointer(t);
            t.expect(")");
            if (dst.wide() != p.size().wide()) throw widthMismatch(t, dst, p.size().wide());
            out.emit(new Insn(CLASS_STX | MODE_ATOMIC | p.size().code, dst.n(), p.base(), p.off(), ATOMIC_LOAD_ACQ));
            return;
        }
        if (word.startsWith("atomic_fetch_")) {
            AluOp op = AluOp.byMnemonic(word.substring("atomic_fetch_".length())).filter(AluOp::atomic)
                    .orElseThrow(t::unknown);
            t.expect("(");
            Pointer p = pointer(t);
            t.expect(",");
            Reg src = reg(t, p.size().wide());
            t.expect(")");
            same(t, dst, src);
            out.emit(atomic(p, src.n(), op.code | ATOMIC_FETCH));
            return;
        }
        boolean xchg = word.equals("xchg_64") || word.equals("xchg32_32");
        boolean cmpxchg = word.equals("cmpxchg_64") || word.equals("cmpxchg32_32");
        if (!xchg && !cmpxchg) throw t.unknown();
        Size size = word.endsWith("_64") ? Size.DW : Size.W;
        t.expect("(");
        int base = wideReg(t);
        int off = offset(t);
        t.expect(",");
        Pointer p = new Pointer(size, base, off);
        if (xchg) {
            Reg src = reg(t, size.wide());
            t.expect(")");
            same(t, dst, src);
            out.emit(atomic(p, src.n(), ATOMIC_XCHG));
        } else {
            // cmpxchg compares with and loads into r0 implicitly: the text shows it, the encoding does not
            Reg expected = reg(t, size.wide());
            if (dst.n() != 0 || expected.n() != 0) throw t.error("cmpxchg always compares with and writes r0");
            if (dst.wide() != size.wide()) throw widthMismatch(t, dst, size.wide());
            t.expect(",");
            Reg src = reg(t, size.wide());
            t.expect(")");
            out.emit(atomic(p, src.n(), ATOMIC_CMPXCHG));
        }
    }

    private static void call(Tokens t, Builder out) {
        int line = t.line();
        if (t.accept("pc")) {
            if (!t.peekIs(0, "+") && !t.peekIs(0, "-")) throw t.unknown();
            out.emit(Insn.callLocal(t.rel32(t.number())));
        } else if (t.accept("kfunc")) {
            t.expect("#");
            out.emit(new Insn(CALL, 0, CALL_KFUNC, 0, t.imm32()));
        } else if (t.peekIs(0, Tokens.Kind.WORD) && t.peekIs(1, "#")) {
            t.word(); // a helper's name: only the id after '#' is encoded
            t.expect("#");
            out.emit(Insn.call(t.imm32()));
        } else if (t.peekIs(0, Tokens.Kind.WORD)) {
            out.emitJump(Insn.callLocal(0), new Label(t.word()), true, line);
        } else {
            out.emit(Insn.call(t.imm32()));
        }
    }

    private static void conditional(Tokens t, Builder out) {
        Reg dst = reg(t);
        JmpOp op = t.peek(0).flatMap(tok -> JmpOp.bySymbol(tok.text())).orElseThrow(t::unknown);
        t.next();
        int cls = dst.wide() ? CLASS_JMP : CLASS_JMP32;
        Insn insn;
        if (t.atNumber()) {
            insn = new Insn(cls | op.code | SRC_K, dst.n(), 0, 0, t.imm32());
        } else {
            insn = new Insn(cls | op.code | SRC_X, dst.n(), reg(t, dst.wide()).n(), 0, 0);
        }
        if (!t.accept("goto")) throw t.unknown();
        out.emitJump(insn, target(t, false), false, t.line());
    }

    /** {@code +5}, {@code -3} or a label; 16-bit unless the displacement lives in imm. */
    private static Target target(Tokens t, boolean inImm) {
        if (t.peekIs(0, Tokens.Kind.WORD)) return new Label(t.word());
        Tokens.Num n = t.number();
        return new Relative(inImm ? t.rel32(n) : t.off16(n));
    }

    /** {@code (u32 *)(r1 + 4)}: the part of a memory operand after the leading '*' or '('. */
    private record Pointer(Size size, int base, int off) {}

    private static Pointer pointer(Tokens t) {
        t.expect("(");
        Size size = Size.byName(t.word()).orElseThrow(t::unknown);
        t.expect("*");
        t.expect(")");
        t.expect("(");
        int base = wideReg(t);
        int off = offset(t);
        t.expect(")");
        return new Pointer(size, base, off);
    }

    /** {@code + 4} or {@code - 8} after a base register. */
    private static int offset(Tokens t) {
        String sign = t.next().text();
        if (!sign.equals("+") && !sign.equals("-")) throw t.unknown();
        Tokens.Num n = t.number();
        return t.off16(sign.equals("-") ? new Tokens.Num(n.value().negate(), "-" + n.text()) : n);
    }

    private static Insn atomic(Pointer p, int src, int op) {
        return new Insn(CLASS_STX | MODE_ATOMIC | p.size().code, p.base(), src, p.off(), op);
    }

    private static Optional<Size> signedSize(String type) {
        for (Size s : Size.values()) if (s != Size.DW && s.signed().equals(type)) return Optional.of(s);
        return Optional.empty();
    }

    private static Reg reg(Tokens t) {
        if (!t.peekIs(0, Tokens.Kind.WORD)) throw t.unknown();
        String word = t.word();
        Matcher m = REGISTER.matcher(word);
        if (!m.matches()) throw t.unknown();
        return register(t, m, word);
    }

    private static Reg register(Tokens t, Matcher m, String word) {
        int n;
        try {
            n = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            n = Integer.MAX_VALUE;
        }
        if (n > 10) throw t.error("unknown register '" + word + "'");
        return new Reg(n, m.group(1).equals("r"));
    }

    private static Reg reg(Tokens t, boolean wide) {
        Reg r = reg(t);
        if (r.wide() != wide) throw widthMismatch(t, r, wide);
        return r;
    }

    private static int wideReg(Tokens t) {
        return reg(t, true).n();
    }

    private static AsmException widthMismatch(Tokens t, Reg r, boolean wide) {
        return t.error("register '" + (r.wide() ? "r" : "w") + r.n() + "' should be '" + (wide ? "r" : "w") + r.n() + "' here");
    }

    private static void requireWide(Tokens t, Reg r) {
        if (!r.wide()) throw widthMismatch(t, r, true);
    }

    private static void same(Tokens t, Reg dst, Reg src) {
        if (dst.n() != src.n()) {
            throw t.error("both sides must be the same register, not r" + dst.n() + " and r" + src.n());
        }
    }
}

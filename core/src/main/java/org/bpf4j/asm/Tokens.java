package org.bpf4j.asm;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of assembly (comment already removed) as tokens, with the reading operations both
 * assemblers share. Whitespace separates tokens and is otherwise ignored, so {@code *(u32*)(r1+4)}
 * reads like {@code *(u32 *)(r1 + 4)}.
 */
final class Tokens {

    enum Kind { WORD, NUMBER, SYMBOL }

    record Token(Kind kind, String text) {}

    /** A number as written, kept for error messages that quote it. */
    record Num(BigInteger value, String text) {}

    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger MIN_S64 = BigInteger.ONE.shiftLeft(63).negate();

    private final List<Token> tokens;
    private final int line;
    private final String source;
    private int pos;

    private Tokens(List<Token> tokens, int line, String source) {
        this.tokens = tokens;
        this.line = line;
        this.source = source;
    }

    static Tokens lex(int line, String text) {
        String s = text.strip();
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            String symbol = symbolAt(s, i);
            if (!symbol.isEmpty()) {
                out.add(new Token(Kind.SYMBOL, symbol));
                i += symbol.length();
            } else if (c >= '0' && c <= '9') {
                int end = i + 1;
                while (end < s.length() && isWordChar(s.charAt(end))) end++;
                out.add(new Token(Kind.NUMBER, s.substring(i, end)));
                i = end;
            } else if (isWordStart(c)) {
                int end = i + 1;
                while (end < s.length() && isWordChar(s.charAt(end))) end++;
                out.add(new Token(Kind.WORD, s.substring(i, end)));
                i = end;
            } else {
                throw new AsmException(line, "unexpected character '" + c + "' in '" + s + "'");
            }
        }
        return new Tokens(out, line, s);
    }

    /**
     * The longest operator at {@code i}. Signed operators start with the letter s ({@code s>>=}), so
     * they are only tried where a word cannot be going on, i.e. not right after a word character.
     */
    private static String symbolAt(String s, int i) {
        boolean afterWord = i > 0 && isWordChar(s.charAt(i - 1));
        for (String sym : Syntax.SYMBOLS) {
            if (sym.charAt(0) == 's' && afterWord) continue;
            if (s.startsWith(sym, i)) return sym;
        }
        return "";
    }

    private static boolean isWordStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '.';
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    int line() { return line; }

    boolean atEnd() { return pos >= tokens.size(); }

    /** The token {@code ahead} places on, if the line has one. */
    Optional<Token> peek(int ahead) {
        int p = pos + ahead;
        return p < tokens.size() ? Optional.of(tokens.get(p)) : Optional.empty();
    }

    boolean peekIs(int ahead, Kind kind) {
        return peek(ahead).map(t -> t.kind() == kind).orElse(false);
    }

    boolean peekIs(int ahead, String text) {
        return peek(ahead).map(t -> t.text().equals(text)).orElse(false);
    }

    /** Consumes the next token when it is exactly {@code text}. */
    boolean accept(String text) {
        if (!peekIs(0, text)) return false;
        pos++;
        return true;
    }

    void expect(String text) {
        if (!accept(text)) throw unknown();
    }

    Token next() {
        if (atEnd()) throw unknown();
        return tokens.get(pos++);
    }

    String word() {
        if (!peekIs(0, Kind.WORD)) throw unknown();
        return tokens.get(pos++).text();
    }

    void end() {
        if (!atEnd()) throw unknown();
    }

    /** True when a number (with an optional sign) comes next. */
    boolean atNumber() {
        return peekIs(0, Kind.NUMBER) || ((peekIs(0, "-") || peekIs(0, "+")) && peekIs(1, Kind.NUMBER));
    }

    /** A decimal or 0x-hex number with an optional sign. */
    Num number() {
        String sign = accept("-") ? "-" : accept("+") ? "+" : "";
        if (!peekIs(0, Kind.NUMBER)) throw unknown();
        String digits = tokens.get(pos++).text();
        String written = sign + digits;
        BigInteger magnitude;
        try {
            magnitude = digits.startsWith("0x") || digits.startsWith("0X")
                    ? new BigInteger(digits.substring(2), 16)
                    : new BigInteger(digits, 10);
        } catch (NumberFormatException e) {
            throw error("bad number '" + written + "'");
        }
        return new Num(sign.equals("-") ? magnitude.negate() : magnitude, written);
    }

    /**
     * A 32-bit immediate: anything from -2^31 to 2^32-1, so that both {@code -1} and
     * {@code 0xffffffff} mean the pattern all-ones, as in the kernel's and llvm's output.
     */
    int imm32(Num n) {
        return (int) fit(n, BigInteger.ONE.shiftLeft(31).negate(), BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE),
                "immediate", 32);
    }

    int imm32() { return imm32(number()); }

    /** A 64-bit immediate ({@code lddw}): -2^63 to 2^64-1. */
    long imm64(Num n) {
        return fit(n, MIN_S64, MAX_U64, "immediate", 64);
    }

    long imm64() { return imm64(number()); }

    /** A signed 16-bit offset. */
    int off16(Num n) {
        return (int) fit(n, BigInteger.valueOf(Short.MIN_VALUE), BigInteger.valueOf(Short.MAX_VALUE), "offset", 16);
    }

    /** A signed 32-bit displacement ({@code gotol}, {@code call pc+N}): unlike an immediate, no unsigned patterns. */
    int rel32(Num n) {
        return (int) fit(n, BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(Integer.MAX_VALUE), "offset", 32);
    }

    /** A number from 0 to 2^bits-1 (a field of {@code .insn}, an address space). */
    int unsigned(String what, int bits) {
        return (int) fit(number(), BigInteger.ZERO, BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE), what, bits);
    }

    private long fit(Num n, BigInteger min, BigInteger max, String what, int bits) {
        if (n.value().compareTo(min) < 0 || n.value().compareTo(max) > 0) {
            throw error(what + " " + n.text() + " does not fit in " + bits + " bits");
        }
        return n.value().longValue();
    }

    /** The generic complaint when the line is not any form this syntax knows. */
    AsmException unknown() {
        return error("unknown instruction '" + source + "'");
    }

    AsmException error(String problem) {
        return new AsmException(line, problem);
    }
}

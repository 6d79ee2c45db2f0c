package org.bpf4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link Json} writes back (map states given to {@code --maps-in}, typed values given to
 * {@code --map}): objects as insertion-ordered maps, arrays as lists, strings, integers as {@code Long}
 * (or {@code BigInteger} beyond 64 bits), other numbers as {@code Double}, booleans. {@code null} has no
 * place in what bpf4j reads and is refused. Errors name the offset and what was expected.
 */
final class JsonReader {
    private final String text;
    private final String source;
    private int pos;

    private JsonReader(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /** The one value in {@code text}; {@code source} names where it came from in error messages. */
    static Object parse(String text, String source) {
        JsonReader r = new JsonReader(text, source);
        Object value = r.value(0);
        r.space();
        if (r.pos != text.length()) throw r.error("unexpected '" + text.charAt(r.pos) + "' after the value");
        return value;
    }

    /** Nesting that no map state needs; bounds the recursion against hostile input. */
    private static final int MAX_DEPTH = 256;

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
        space();
        if (pos >= text.length()) throw error("the text ends where a value should be");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> throw error("null is not a value bpf4j reads");
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        pos++;
        space();
        if (peek('}')) return out;
        while (true) {
            space();
            if (pos >= text.length() || text.charAt(pos) != '"') throw error("expected a member name in quotes");
            String name = string();
            space();
            expect(':');
            out.put(name, value(depth + 1));
            space();
            if (peek('}')) return out;
            expect(',');
        }
    }

    private List<Object> array(int depth) {
        List<Object> out = new ArrayList<>();
        pos++;
        space();
        if (peek(']')) return out;
        while (true) {
            out.add(value(depth + 1));
            space();
            if (peek(']')) return out;
            expect(',');
        }
    }

    private String string() {
        StringBuilder out = new StringBuilder();
        pos++; // the opening quote
        while (true) {
            if (pos >= text.length()) throw error("a string is not closed");
            char c = text.charAt(pos++);
            if (c == '"') return out.toString();
            if (c < 0x20) throw error("a control character inside a string");
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) throw error("a string is not closed");
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (pos + 4 > text.length()) throw error("a \\u escape is cut short");
                    try {
                        out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("a \\u escape needs four hex digits");
                    }
                    pos += 4;
                }
                default -> throw error("unknown escape \\" + e);
            }
        }
    }

    private Object number() {
        int start = pos;
        if (text.charAt(pos) == '-') pos++;
        while (pos < text.length() && "0123456789.eE+-".indexOf(text.charAt(pos)) >= 0) pos++;
        String n = text.substring(start, pos);
        try {
            if (n.matches("-?\\d+")) {
                java.math.BigInteger big = new java.math.BigInteger(n);
                return big.bitLength() < 64 ? (Object) big.longValue() : big;
            }
            return Double.parseDouble(n);
        } catch (NumberFormatException e) {
            pos = start;
            throw error("'" + n + "' is not a number");
        }
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) throw error("unexpected '" + text.charAt(pos) + "'");
        pos += word.length();
        return value;
    }

    private boolean peek(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!peek(c)) throw error(pos < text.length() ? "expected '" + c + "', found '" + text.charAt(pos) + "'" : "expected '" + c + "' before the end");
    }

    private void space() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) pos++;
    }

    private UserInputException error(String what) {
        return new UserInputException(source + ": not valid JSON at offset " + pos + ": " + what);
    }
}

package org.bpf4j.asm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * One test of the bpf_conformance suite, read from its {@code .data} file: the program, the memory
 * block it gets in r1/r2, and what r0 must be at exit (all 64 bits) or the error it must fail with.
 *
 * <p>Sections: {@code -- asm} (the suite's {@link ConformanceAssembler} syntax), {@code -- raw}
 * (64-bit instruction words in hex; when present they are the program and the asm is only
 * documentation), {@code -- mem} (hex bytes), {@code -- result} ({@code 0x} hex, else decimal),
 * {@code -- error}; any other section ({@code -- c}) is ignored. {@code #} starts a comment.
 *
 * @param name the file name without {@code .data}
 * @param memory the memory block, empty when the test has none
 */
public record ConformanceCase(String name, Program program, byte[] memory, OptionalLong expectedResult,
                              Optional<String> expectedError) {

    public ConformanceCase {
        Objects.requireNonNull(name);
        Objects.requireNonNull(program);
        memory = memory.clone();
        Objects.requireNonNull(expectedResult);
        Objects.requireNonNull(expectedError);
    }

    /** A copy: the case stays immutable whatever a test run does to the block. */
    @Override
    public byte[] memory() {
        return memory.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConformanceCase c && name.equals(c.name) && program.equals(c.program)
                && Arrays.equals(memory, c.memory) && expectedResult.equals(c.expectedResult)
                && expectedError.equals(c.expectedError);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, program, Arrays.hashCode(memory), expectedResult, expectedError);
    }

    @Override
    public String toString() {
        return "ConformanceCase[" + name + ", " + program.size() + " slots, " + memory.length + " bytes of memory, result "
                + expectedResult + ", error " + expectedError + "]";
    }

    /**
     * @throws AsmException naming the file and line when the file is malformed (or not UTF-8 text)
     * @throws UncheckedIOException when it cannot be read
     */
    public static ConformanceCase parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String text = utf8(file.toString(), bytes);
        String fileName = file.getFileName().toString();
        String name = fileName.endsWith(".data") ? fileName.substring(0, fileName.length() - ".data".length()) : fileName;
        return parse(name, file.toString(), text);
    }

    /** The bytes as UTF-8 text, or an error naming the first byte that is not. */
    private static String utf8(String source, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(in, out, true);
        if (r.isError()) {
            int at = in.position(), line = 1;
            for (int i = 0; i < at; i++) if (bytes[i] == '\n') line++;
            throw new AsmException(source, line, String.format("not UTF-8 text: byte 0x%02x at offset %d", bytes[at] & 0xff, at));
        }
        return out.flip().toString();
    }

    /** The same from text; {@code name} is used in error messages. */
    public static ConformanceCase parse(String name, String text) {
        return parse(name, name, text);
    }

    private static ConformanceCase parse(String name, String source, String text) {
        Map<String, List<SourceLine>> sections = sections(source, text);
        Program program;
        if (sections.containsKey("raw")) {
            program = raw(source, sections.get("raw"));
        } else if (sections.containsKey("asm")) {
            try {
                program = ConformanceAssembler.assemble(sections.get("asm"));
            } catch (AsmException e) {
                throw new AsmException(source, e.line(), e.problem());
            }
        } else {
            throw new AsmException(source, lineCount(text), "no '-- asm' or '-- raw' section: the file has no program");
        }
        if (program.size() == 0) {
            int line = sections.getOrDefault("raw", sections.get("asm")).stream().mapToInt(SourceLine::number).min()
                    .orElse(lineCount(text));
            throw new AsmException(source, line, "the program is empty");
        }
        byte[] memory = sections.containsKey("mem") ? memory(source, sections.get("mem")) : new byte[0];
        OptionalLong result = sections.containsKey("result") ? result(source, sections.get("result")) : OptionalLong.empty();
        Optional<String> error = Optional.ofNullable(sections.get("error"))
                .map(lines -> String.join("\n", lines.stream().map(l -> uncomment(l.text()).strip())
                        .filter(s -> !s.isEmpty()).toList()));
        return new ConformanceCase(name, program, memory, result, error);
    }

    /**
     * The file's sections by name, each with its lines (numbered as in the file). Lines before the
     * first section may only be comments. Package-private so tests can compare a file's asm with its raw words.
     */
    static Map<String, List<SourceLine>> sections(String source, String text) {
        Map<String, List<SourceLine>> sections = new LinkedHashMap<>();
        Map<String, Integer> opened = new LinkedHashMap<>();
        List<SourceLine> current = null;
        for (SourceLine line : SourceLine.split(text)) {
            String stripped = line.text().strip();
            if (stripped.startsWith("--")) {
                String section = stripped.substring(2).strip();
                Integer previous = opened.putIfAbsent(section, line.number());
                if (previous != null) {
                    throw new AsmException(source, line.number(),
                            "section '-- " + section + "' appears twice (first on line " + previous + ")");
                }
                current = new ArrayList<>();
                sections.put(section, current);
            } else if (current != null) {
                current.add(line);
            } else if (!uncomment(stripped).isBlank()) {
                throw new AsmException(source, line.number(), "text before the first section: '" + stripped + "'");
            }
        }
        return sections;
    }

    private static Program raw(String source, List<SourceLine> lines) {
        List<Insn> insns = new ArrayList<>();
        for (SourceLine line : lines) {
            for (String word : words(line)) {
                insns.add(Insn.decode(hex(source, line, word, 64, "instruction word").longValue()));
            }
        }
        return new Program(insns);
    }

    private static byte[] memory(String source, List<SourceLine> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (SourceLine line : lines) {
            for (String word : words(line)) {
                if (word.length() > 2) throw new AsmException(source, line.number(), "bad memory byte '" + word + "'");
                bytes.write(hex(source, line, word, 8, "memory byte").intValue());
            }
        }
        return bytes.toByteArray();
    }

    private static OptionalLong result(String source, List<SourceLine> lines) {
        List<SourceLine> values = lines.stream().filter(l -> !uncomment(l.text()).isBlank()).toList();
        if (values.isEmpty()) return OptionalLong.empty();
        SourceLine line = values.getFirst();
        List<String> words = words(line);
        if (values.size() > 1 || words.size() > 1) {
            throw new AsmException(source, line.number(), "'-- result' must hold one value");
        }
        String word = words.getFirst();
        if (word.startsWith("0x") || word.startsWith("0X")) return OptionalLong.of(hex(source, line, word, 64, "result").longValue());
        // decimal: signed or unsigned, compared as the 64-bit pattern
        BigInteger value;
        try {
            value = new BigInteger(word);
        } catch (NumberFormatException e) {
            throw new AsmException(source, line.number(), "bad result '" + word + "'");
        }
        if (value.compareTo(BigInteger.ONE.shiftLeft(63).negate()) < 0 || value.bitLength() > 64) {
            throw new AsmException(source, line.number(), "result '" + word + "' does not fit in 64 bits");
        }
        return OptionalLong.of(value.longValue());
    }

    /** An unsigned hex number of at most {@code bits} bits, with or without 0x. */
    private static BigInteger hex(String source, SourceLine line, String word, int bits, String what) {
        String digits = word.startsWith("0x") || word.startsWith("0X") ? word.substring(2) : word;
        if (digits.isEmpty() || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new AsmException(source, line.number(), "bad " + what + " '" + word + "': not hex");
        }
        BigInteger value = new BigInteger(digits, 16);
        if (value.bitLength() > bits) {
            throw new AsmException(source, line.number(), what + " '" + word + "' does not fit in " + bits + " bits");
        }
        return value;
    }

    private static List<String> words(SourceLine line) {
        String text = uncomment(line.text()).strip();
        return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
    }

    private static String uncomment(String text) {
        int hash = text.indexOf('#');
        return hash >= 0 ? text.substring(0, hash) : text;
    }

    private static int lineCount(String text) {
        return Math.max(1, SourceLine.split(text).size());
    }
}

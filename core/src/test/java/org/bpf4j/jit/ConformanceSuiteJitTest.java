package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bpf4j.interp.Executable;
import org.bpf4j.interp.ExecutionOptions;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the bpf_conformance suite, compiled by the JIT and run as a raw ISA program (checked,
 * with a budget, the suite's helpers), must give the expected r0 — and the interpreter the same.
 */
class ConformanceSuiteJitTest {
    private static AddressSpace space;
    private static ExecutionStack stack;

    @BeforeAll
    static void setUp() {
        space = AddressSpace.reserve(16L << 20);
        stack = new ExecutionStack(space);
    }

    @AfterAll
    static void tearDown() {
        stack.close();
        space.close();
    }

    static Path suite() {
        return Path.of(System.getProperty("bpf4j.shared", "../../shared"), "conformance", "tests");
    }

    static Stream<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(suite())) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
            assertThat(files).hasSize(313);
            return files.stream();
        }
    }

    /** A parsed test: program, memory block, expected r0. */
    record Case(Program program, byte[] memory, long expected) {}

    static Case parse(Path file) throws IOException {
        Map<String, StringBuilder> sections = new HashMap<>();
        StringBuilder current = null;
        for (String line : Files.readAllLines(file)) {
            String t = line.trim();
            if (t.startsWith("--")) {
                current = sections.computeIfAbsent(t.substring(2).trim(), k -> new StringBuilder());
                continue;
            }
            if (current == null) continue;
            current.append(line).append('\n');
        }
        Program program;
        if (sections.containsKey("raw")) {
            List<Insn> insns = new ArrayList<>();
            for (String w : words(sections.get("raw"))) insns.add(Insn.decode(Long.parseUnsignedLong(w.replace("0x", ""), 16)));
            program = new Program(insns);
        } else {
            program = SuiteAssembler.assemble(sections.get("asm").toString());
        }
        List<String> mem = sections.containsKey("mem") ? words(sections.get("mem")) : List.of();
        byte[] memory = new byte[mem.size()];
        for (int i = 0; i < memory.length; i++) memory[i] = (byte) Integer.parseInt(mem.get(i), 16);
        long expected = SuiteAssembler.number(words(sections.get("result")).getFirst());
        return new Case(program, memory, expected);
    }

    private static List<String> words(StringBuilder text) {
        List<String> out = new ArrayList<>();
        for (String line : text.toString().split("\n")) {
            String t = line.replaceAll("#.*", "").trim();
            if (!t.isEmpty()) out.addAll(List.of(t.split("\\s+")));
        }
        return out;
    }

    static long run(Executable exe, byte[] memory) {
        Region block = memory.length == 0 ? null : space.allocate(memory.length, "conformance memory", true);
        try {
            long address = 0;
            if (block != null) {
                space.slice(block).copyFrom(MemorySegment.ofArray(memory));
                address = block.address();
            }
            return exe.run(stack, address, memory.length, 0, 0, 0);
        } finally {
            if (block != null) space.free(block);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void jitGivesTheExpectedResult(Path file) throws IOException {
        Case c = parse(file);
        ExecutionOptions options = ExecutionOptions.raw();
        long interpreted = run(Interpreter.load(c.program(), SuiteHelpers.TABLE, space, options), c.memory());
        assertThat(interpreted).as("interpreter (checks the test's own assembler)").isEqualTo(c.expected());
        long compiled = run(JvmCompiler.compile(c.program(), SuiteHelpers.TABLE, space, options), c.memory());
        assertThat(compiled).as("JIT").isEqualTo(c.expected());
    }
}

package org.bpf4j.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bpf4j.asm.AsmException;
import org.bpf4j.asm.ConformanceCase;
import org.bpf4j.engine.Engine;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;

/**
 * Runs bpf_conformance {@code .data} files as raw ISA programs: r1/r2 are the memory block and its
 * length, helpers come from {@link ConformanceHelpers}, every run is checked and has an instruction
 * budget.
 */
public final class ConformanceRunner implements AutoCloseable {

    /** What one file gave. */
    public sealed interface Outcome {
        String file();

        boolean passed();
    }

    /** r0 (or the expected error) matched. */
    public record Passed(String file, long result) implements Outcome {
        public boolean passed() { return true; }
    }

    /** The program ran to the end with a different r0, or failed where it should have run. */
    public record Mismatch(String file, String expected, String actual) implements Outcome {
        public boolean passed() { return false; }
    }

    /** The file could not be read, parsed or loaded: the message names the file and the place. */
    public record Broken(String file, String message) implements Outcome {
        public boolean passed() { return false; }
    }

    private final AddressSpace space;
    private final ExecutionStack stack;
    private final ExecutionOptions options;
    private final Executable.Loader engine;

    /** A runner on the interpreter. */
    public ConformanceRunner(ExecutionOptions options) {
        this(options, Engine.INTERPRETER);
    }

    /** A runner on the given engine ({@link Engine#INTERPRETER}, {@link Engine#JIT}, or any other loader). */
    public ConformanceRunner(ExecutionOptions options, Executable.Loader engine) {
        this.engine = engine;
        this.options = options.withChecked(true); // raw ISA programs always run checked
        this.space = AddressSpace.reserve(64L << 20);
        this.stack = new ExecutionStack(space);
    }

    /** The {@code .data} files named, directories expanded (sorted by name). */
    public static List<Path> collect(List<Path> paths) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
                }
            } else {
                files.add(p);
            }
        }
        return files;
    }

    public Outcome run(Path file) {
        String name = file.toString();
        ConformanceCase test;
        try {
            test = ConformanceCase.parse(file);
        } catch (AsmException e) {
            return new Broken(name, "line " + e.line() + ": " + e.problem()); // the file is named by the outcome
        } catch (IllegalArgumentException e) {
            return new Broken(name, e.getMessage());
        } catch (UncheckedIOException e) {
            return new Broken(name, "cannot read: " + e.getCause().getMessage());
        }
        return run(name, test);
    }

    public Outcome run(String name, ConformanceCase test) {
        String actualError;
        long result;
        try {
            result = execute(test.program(), test.memory());
            actualError = null;
        } catch (InvalidProgramException | ProgramFault e) {
            result = 0;
            actualError = e.getMessage();
        }
        if (test.expectedError().isPresent()) {
            String expected = test.expectedError().get();
            if (actualError != null && actualError.toLowerCase(Locale.ROOT).contains(expected.toLowerCase(Locale.ROOT))) {
                return new Passed(name, 0);
            }
            return new Mismatch(name, "error \"" + expected + "\"",
                    actualError != null ? "error \"" + actualError + "\"" : hex(result));
        }
        if (actualError != null) {
            if (test.expectedResult().isEmpty()) return new Broken(name, actualError);
            return new Mismatch(name, hex(test.expectedResult().getAsLong()), "error: " + actualError);
        }
        if (test.expectedResult().isEmpty()) {
            return new Broken(name, "the file has neither a -- result nor an -- error section");
        }
        long expected = test.expectedResult().getAsLong();
        return expected == result ? new Passed(name, result) : new Mismatch(name, hex(expected), hex(result));
    }

    /**
     * Loads and runs one raw program on a copy of {@code memory}; returns r0.
     *
     * @throws InvalidProgramException when the program is malformed
     * @throws ProgramFault when the run faults
     */
    public long execute(Program program, byte[] memory) {
        Executable executable = engine.load(program, ConformanceHelpers.table(), space, options);
        Region block = memory.length == 0 ? null : space.allocate(memory.length, "conformance memory", true);
        try {
            long address = 0;
            if (block != null) {
                space.slice(block).copyFrom(java.lang.foreign.MemorySegment.ofArray(memory));
                address = block.address();
            }
            return executable.run(stack, address, memory.length, 0, 0, 0);
        } finally {
            if (block != null) space.free(block);
        }
    }

    /** r0 as the suite writes results. */
    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    @Override
    public void close() {
        stack.close();
        space.close();
    }
}

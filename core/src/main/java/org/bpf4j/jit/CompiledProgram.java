package org.bpf4j.jit;

import java.util.BitSet;
import java.util.Map;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.RunContext;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;

/**
 * A program compiled to JVM bytecode by {@link JvmCompiler}: one hidden class, which HotSpot compiles
 * to machine code like any other. Same results, faults and messages as the
 * {@link org.bpf4j.interp.Interpreter}. Immutable; may run on many threads at once, each run with its
 * own stack.
 */
public final class CompiledProgram implements Executable {
    private final Program program;
    private final AddressSpace space;
    private final ExecutionOptions options;
    private final CompiledCode code;
    private final byte[] classBytes;
    private final Map<String, Integer> methodSizes;
    private final BitSet functionEntries;

    CompiledProgram(Program program, AddressSpace space, ExecutionOptions options, CompiledCode code,
                    byte[] classBytes, Map<String, Integer> methodSizes, BitSet functionEntries) {
        this.functionEntries = functionEntries;
        this.program = program;
        this.space = space;
        this.options = options;
        this.code = code;
        this.classBytes = classBytes;
        this.methodSizes = methodSizes;
    }

    @Override
    public Program program() { return program; }

    @Override
    public ExecutionOptions options() { return options; }

    AddressSpace space() { return space; }

    CompiledCode code() { return code; }

    boolean isFunctionEntry(int pc) { return functionEntries.get(pc); }

    /** The generated class file (diagnostics, tests). */
    public byte[] classBytes() { return classBytes.clone(); }

    /** Bytecode bytes of each generated method, by name: every one is under HotSpot's 8000-byte limit. */
    public Map<String, Integer> methodSizes() { return methodSizes; }

    @Override
    public long run(RunContext context, long r1, long r2, long r3, long r4, long r5, long packet, long packetLength) {
        JitRun run = new JitRun(this, context, packet, packetLength);
        try {
            return code.run(run, r1, r2, r3, r4, r5, 0);
        } catch (JitRun.Terminated t) {
            return run.terminateValue();
        }
    }
}

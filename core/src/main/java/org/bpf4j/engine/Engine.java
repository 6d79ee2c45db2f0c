package org.bpf4j.engine;

import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.mem.AddressSpace;

/**
 * The engines bpf4j runs programs on. They give the same results, faults and instruction numbers
 * (the conformance suite and the differential fuzz tests hold both to it); the JIT is the fast one,
 * the interpreter the reference and the one without a size limit.
 */
public enum Engine implements Executable.Loader {
    /** The reference interpreter ({@code org.bpf4j.interp}). */
    INTERPRETER {
        @Override
        public Executable load(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options) {
            return Interpreter.load(program, helpers, space, options);
        }
    },
    /** The compiler to JVM bytecode ({@code org.bpf4j.jit}), which C2 turns into native code. */
    JIT {
        @Override
        public Executable load(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options) {
            return JvmCompiler.compile(program, helpers, space, options);
        }
    }
}

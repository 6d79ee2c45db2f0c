package org.bpf4j.bench;

import org.bpf4j.engine.Executable;
import org.bpf4j.jit.JvmCompiler;

/** {@link EngineBenchmark} on the JIT: each program compiled to a hidden class, which C2 compiles in turn. */
public class JitBenchmark extends EngineBenchmark {
    @Override
    Executable.Loader engine() {
        return JvmCompiler::compile;
    }
}

package org.bpf4j.bench;

import org.bpf4j.engine.Executable;
import org.bpf4j.interp.Interpreter;

/** {@link EngineBenchmark} on the reference interpreter. */
public class InterpreterBenchmark extends EngineBenchmark {
    @Override
    Executable.Loader engine() {
        return Interpreter::load;
    }
}

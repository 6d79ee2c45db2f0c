package org.bpf4j.cli;

import org.bpf4j.interp.Executable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.JvmCompiler;

/** The engines a program can run on (--engine). */
enum Engine {
    interp(Interpreter::load),
    jit(JvmCompiler::compile);

    private final Executable.Loader loader;

    Engine(Executable.Loader loader) {
        this.loader = loader;
    }

    Executable.Loader loader() {
        return loader;
    }
}

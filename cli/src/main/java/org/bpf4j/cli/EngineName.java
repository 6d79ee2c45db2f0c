package org.bpf4j.cli;

import org.bpf4j.engine.Engine;

/** The engines as {@code --engine} spells them. */
enum EngineName {
    interp(Engine.INTERPRETER),
    jit(Engine.JIT);

    private final Engine engine;

    EngineName(Engine engine) {
        this.engine = engine;
    }

    Engine engine() {
        return engine;
    }
}

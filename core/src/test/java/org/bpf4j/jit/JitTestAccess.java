package org.bpf4j.jit;

import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;

/** Lets tests of other packages compile with every function split into one-instruction regions. */
public final class JitTestAccess {
    private JitTestAccess() {}

    public static CompiledProgram compileSplit(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options) {
        CompiledProgram p = JvmCompiler.compile(program, helpers, space, options, 1);
        if (p.methodSizes().keySet().stream().noneMatch(name -> name.contains("_"))) {
            throw new AssertionError("nothing was split");
        }
        return p;
    }
}

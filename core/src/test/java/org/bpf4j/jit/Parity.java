package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;

/** Runs a program on both engines: the outcome of a run is r0 or the fault's message. */
final class Parity {
    private Parity() {}

    /** r0, or the fault message prefixed with "fault: ". */
    record Outcome(String text) {
        static Outcome of(LongSupplier run) {
            try {
                return new Outcome("r0=0x" + Long.toHexString(run.getAsLong()));
            } catch (ProgramFault e) {
                return new Outcome("fault: " + e.getMessage());
            }
        }

        boolean budget() { return text.contains("instruction budget of"); }
    }

    static Insn[] flat(Object... parts) {
        List<Insn> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Insn i) out.add(i);
            else out.addAll(List.of((Insn[]) p));
        }
        return out.toArray(new Insn[0]);
    }

    static Executable interp(AddressSpace space, HelperTable helpers, ExecutionOptions options, Program p) {
        return Interpreter.load(p, helpers, space, options);
    }

    static Executable jit(AddressSpace space, HelperTable helpers, ExecutionOptions options, Program p) {
        return JvmCompiler.compile(p, helpers, space, options);
    }

    /** Asserts both engines agree and returns the outcome. */
    static Outcome same(Outcome interpreted, Outcome compiled) {
        assertThat(compiled.text()).as("JIT vs interpreter").isEqualTo(interpreted.text());
        return compiled;
    }
}

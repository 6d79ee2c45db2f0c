package org.bpf4j.runtime;

import static org.bpf4j.isa.Opcodes.CALL;
import static org.bpf4j.isa.Opcodes.CALL_HELPER;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.helpers.Caller;
import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * What of a program bpf4j's runtime cannot run, known before loading: helpers it has no implementation of
 * for the program's type, kfunc calls, extern variables it does not provide. The kernel may well accept such
 * a program; {@code prog verify} says both, and a load refuses with the same lines.
 */
public final class RuntimeSupport {
    private RuntimeSupport() {}

    /** One line per instruction the runtime cannot run ("insn 3: calls bpf_get_current_task#35, ..."); empty when it runs all. */
    public static List<String> gaps(ProgramSpec spec, HelperSpecs helpers) {
        List<String> gaps = new ArrayList<>();
        for (Relocation r : spec.relocations()) {
            switch (r) {
                case Relocation.ExternCall c -> gaps.add("insn " + r.insn() + ": calls kfunc " + c.function() + ": kfuncs are not supported by bpf4j");
                case Relocation.KfuncCallById k -> gaps.add("insn " + r.insn() + ": calls a kfunc (BTF id " + k.btfId()
                        + "): kfuncs are not supported by bpf4j");
                case Relocation.ExternVariable v -> gaps.add(unresolvedExtern(v));
                default -> { }
            }
        }
        Optional<Caller> caller = Caller.of(spec.type(), spec.expectedAttachType());
        for (HelperCall call : helperCalls(spec.program())) {
            Optional<HelperSpec> helper = helpers.spec(call.id());
            if (helper.isEmpty() || !offered(helper.get(), caller)) gaps.add(unimplemented(call.pc(), call.id(), helpers));
        }
        return gaps;
    }

    /** A helper call instruction: where it is and the helper's id. */
    record HelperCall(int pc, long id) {}

    /** The program's helper calls ({@code call} with src 0), in instruction order. */
    static List<HelperCall> helperCalls(Program program) {
        List<HelperCall> calls = new ArrayList<>();
        for (int pc = 0; pc < program.size(); pc++) {
            Insn insn = program.get(pc);
            if (insn.isWide()) {
                pc++;
            } else if (insn.opcode() == CALL && insn.src() == CALL_HELPER) {
                calls.add(new HelperCall(pc, insn.imm() & 0xffffffffL));
            }
        }
        return calls;
    }

    /**
     * An extern variable {@code elf.Externs} could not resolve: a typed {@code __ksym} (a kernel BTF id) or one of
     * a section bpf4j does not know.
     */
    static String unresolvedExtern(Relocation.ExternVariable v) {
        return "insn " + v.insn() + ": uses extern variable " + v.name() + (v.section().isEmpty() ? "" : " (" + v.section() + ")")
                + (v.section().equals(".ksyms") ? ": typed __ksym externs (a kernel BTF id) are not supported; declare it"
                + " 'extern const void " + v.name() + " __ksym' for its address" : ", which bpf4j does not provide");
    }

    /** "insn PC: calls NAME#ID, which bpf4j does not implement[ for this program type]". */
    static String unimplemented(int pc, long id, HelperSpecs helpers) {
        Optional<HelperSpec> helper = helpers.spec(id);
        return "insn " + pc + ": calls " + helper.map(h -> h.name() + "#" + id).orElse("unknown helper #" + id)
                + ", which bpf4j does not implement" + (helper.isPresent() ? " for this program type" : "");
    }

    /**
     * Whether the runtime offers a program of {@code caller}'s kind an implementation of {@code helper}: the spec
     * lets it call the helper and bpf4j implements it. Tracing, LSM, struct_ops and extension programs are no
     * {@link Caller} and are offered every implementation, as tracing_prog_func_proto offers bpf_base_func_proto's.
     */
    static boolean offered(HelperSpec helper, Optional<Caller> caller) {
        return (caller.isEmpty() || helper.callers().contains(caller.get())) && helper.implementation().isPresent();
    }
}

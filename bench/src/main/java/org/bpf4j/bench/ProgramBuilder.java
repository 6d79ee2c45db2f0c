package org.bpf4j.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;

/**
 * A minimal way to write raw ISA programs by hand with symbolic jump targets: instructions come from
 * the {@link Insn} factories, jumps name a label, and {@link #build()} turns each label into the
 * kernel's relative offset ({@code target - (pc + 1)}). Just enough for the benchmark programs; the
 * core assembler is the general tool.
 */
final class ProgramBuilder {
    private record Fixup(int pc, String label) {}

    private final List<Insn> insns = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();

    ProgramBuilder emit(Insn... slots) {
        insns.addAll(List.of(slots));
        return this;
    }

    /** Binds {@code name} to the next instruction. */
    ProgramBuilder label(String name) {
        if (labels.putIfAbsent(name, insns.size()) != null) {
            throw new IllegalArgumentException("label defined twice: " + name);
        }
        return this;
    }

    /** {@code if dst <op> imm goto label} (64-bit compare). */
    ProgramBuilder jumpImm(int op, int dst, int imm, String label) {
        return jump(Insn.jumpImm(op, dst, imm, 0), label);
    }

    /** {@code if dst <op> src goto label} (64-bit compare). */
    ProgramBuilder jumpReg(int op, int dst, int src, String label) {
        return jump(Insn.jumpReg(op, dst, src, 0), label);
    }

    ProgramBuilder ja(String label) {
        return jump(Insn.ja(0), label);
    }

    private ProgramBuilder jump(Insn insn, String label) {
        fixups.add(new Fixup(insns.size(), label));
        insns.add(insn);
        return this;
    }

    Program build() {
        Insn[] out = insns.toArray(new Insn[0]);
        for (Fixup f : fixups) {
            Integer target = labels.get(f.label());
            if (target == null) throw new IllegalStateException("undefined label: " + f.label());
            int off = target - (f.pc() + 1);
            if (off != (short) off) throw new IllegalStateException("jump to " + f.label() + " out of 16-bit range");
            Insn j = out[f.pc()];
            assert Opcodes.isJump(j.opcode());
            out[f.pc()] = new Insn(j.opcode(), j.dst(), j.src(), off, j.imm());
        }
        return Program.of(out);
    }
}

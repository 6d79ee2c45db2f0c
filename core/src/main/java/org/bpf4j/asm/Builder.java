package org.bpf4j.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;

/**
 * Collects the slots both assemblers emit and resolves label references once every label is known
 * (a jump may go forward). Jumps to a label are emitted with a zero displacement and patched here.
 */
final class Builder {

    /** Where a jump goes: a displacement as written, or a label resolved at the end. */
    sealed interface Target permits Relative, Label {}

    record Relative(int value) implements Target {}

    record Label(String name) implements Target {}

    private record Fixup(int pc, String label, int line, boolean inImm) {}

    private record Definition(int pc, int line) {}

    private final List<Insn> slots = new ArrayList<>();
    private final Map<String, Definition> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();

    int pc() { return slots.size(); }

    void emit(Insn... insns) {
        slots.addAll(List.of(insns));
    }

    void label(String name, int line) {
        Definition previous = labels.putIfAbsent(name, new Definition(pc(), line));
        if (previous != null) {
            throw new AsmException(line, "duplicate label '" + name + "' (first defined on line " + previous.line() + ")");
        }
    }

    boolean hasLabel(String name) { return labels.containsKey(name); }

    /** Defines a label at an earlier slot (the conformance syntax's implicit {@code exit}). */
    void defineAt(String name, int pc, int line) {
        labels.putIfAbsent(name, new Definition(pc, line));
    }

    /**
     * Emits {@code insn}, whose displacement (in {@code off}, or in {@code imm} when {@code inImm})
     * is {@code target}'s.
     */
    void emitJump(Insn insn, Target target, boolean inImm, int line) {
        switch (target) {
            case Relative r -> emit(inImm ? withImm(insn, r.value()) : withOff(insn, r.value()));
            case Label l -> {
                fixups.add(new Fixup(pc(), l.name(), line, inImm));
                emit(insn);
            }
        }
    }

    Program build() {
        for (Fixup f : fixups) {
            Definition d = labels.get(f.label());
            if (d == null) throw new AsmException(f.line(), "undefined label '" + f.label() + "'");
            long rel = (long) d.pc() - f.pc() - 1;
            Insn insn = slots.get(f.pc());
            if (f.inImm()) {
                slots.set(f.pc(), withImm(insn, (int) rel));
            } else {
                if (rel != (short) rel) {
                    throw new AsmException(f.line(), "jump to '" + f.label() + "' is " + rel + " slots away: does not fit in 16 bits");
                }
                slots.set(f.pc(), withOff(insn, (int) rel));
            }
        }
        return new Program(slots);
    }

    static Insn withOff(Insn i, int off) {
        return new Insn(i.opcode(), i.dst(), i.src(), off, i.imm());
    }

    static Insn withImm(Insn i, int imm) {
        return new Insn(i.opcode(), i.dst(), i.src(), i.off(), imm);
    }
}

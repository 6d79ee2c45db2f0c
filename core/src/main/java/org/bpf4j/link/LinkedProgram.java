package org.bpf4j.link;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;

/**
 * A program of an object, linked: CO-RE relocations applied to {@code spec}, and in {@code program} every map
 * reference a relocation made is an {@code lddw} of {@code PSEUDO_MAP_FD} (a map) or {@code PSEUDO_MAP_VALUE}
 * (a value, the offset in the second slot) whose immediate is the map's index in the object's maps — the
 * form the kernel's verifier sees once libbpf has put fds there, with indexes for fds.
 *
 * @param spec the program, CO-RE relocations applied (unless {@code unresolved} says why not)
 * @param program the instructions, map references linked to map indexes
 * @param mapReferences the {@code lddw}s a map relocation linked
 * @param rawFdInsns {@code lddw}s of a map fd that no relocation produced (hand-written bytecode)
 * @param unresolved why the program could not be linked (its CO-RE relocations have no target, or fail):
 *     it must not be verified or run as it is
 */
public record LinkedProgram(ProgramSpec spec, Program program, Set<Integer> mapReferences, Set<Integer> rawFdInsns,
                            Optional<String> unresolved) {

    public LinkedProgram {
        mapReferences = Set.copyOf(mapReferences);
        rawFdInsns = Set.copyOf(rawFdInsns);
    }

    public String name() { return spec.name(); }

    /** What an engine or the kernel puts in a linked map reference: the two slots of its {@code lddw}. */
    @FunctionalInterface
    public interface MapBinding {
        /**
         * @param insn the {@code lddw}'s index
         * @param dst its destination register
         * @param mapIndex the map's index in the object's maps; -1 when the object does not define the map
         * @param value whether the reference is to the map's value ({@code PSEUDO_MAP_VALUE}) at {@code offset}
         */
        Insn[] bind(int insn, int dst, int mapIndex, boolean value, int offset);
    }

    /** The program with each linked map reference replaced by what {@code binding} makes of it. */
    public Program bind(MapBinding binding) {
        List<Insn> insns = new ArrayList<>(program.insns());
        for (int pc : mapReferences) {
            Insn first = insns.get(pc);
            boolean value = first.src() == Opcodes.PSEUDO_MAP_VALUE;
            Insn[] lddw = binding.bind(pc, first.dst(), first.imm(), value, value ? insns.get(pc + 1).imm() : 0);
            insns.set(pc, lddw[0]);
            insns.set(pc + 1, lddw[1]);
        }
        return new Program(insns);
    }

    /** Links {@code spec} (already relocated) against the object's map names, in the object's order. */
    static LinkedProgram link(ProgramSpec spec, List<String> mapNames, Optional<String> unresolved) {
        List<Insn> insns = new ArrayList<>(spec.program().insns());
        Set<Integer> relocated = new java.util.HashSet<>();
        for (Relocation r : spec.relocations()) relocated.add(r.insn());
        Set<Integer> rawFds = new java.util.TreeSet<>();
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.opcode() != Opcodes.LDDW) continue;
            if ((in.src() == Opcodes.PSEUDO_MAP_FD || in.src() == Opcodes.PSEUDO_MAP_VALUE) && !relocated.contains(i)) rawFds.add(i);
            i++;
        }
        Set<Integer> references = new java.util.TreeSet<>();
        for (Relocation r : spec.relocations()) {
            Insn i = insns.get(r.insn());
            switch (r) {
                case Relocation.MapReference m -> {
                    insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_FD, 0, mapNames.indexOf(m.map())));
                    references.add(r.insn());
                }
                case Relocation.MapValueReference v -> {
                    insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_VALUE, 0, mapNames.indexOf(v.map())));
                    insns.set(r.insn() + 1, new Insn(0, 0, 0, 0, (int) v.offset()));
                    references.add(r.insn());
                }
                // kfunc calls and extern variables stay as the object has them: each consumer says what it
                // makes of them (the verifier: not modelled; the runtime: refused; the kernel: resolved or refused)
                default -> { }
            }
        }
        return new LinkedProgram(spec, new Program(insns), references, rawFds, unresolved);
    }
}

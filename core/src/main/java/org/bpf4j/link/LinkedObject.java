package org.bpf4j.link;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.core.CoreRelocationException;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;

/**
 * An object with its programs linked ({@link LinkedProgram}): CO-RE relocations resolved against
 * {@code targetBtf} with one relocator for the whole object (as libbpf narrows candidates per object), map
 * references turned into indexes into {@link BpfObject#maps()}. A program that cannot be relocated is kept
 * with the reason, so that one bad program does not hide its siblings' verdicts.
 */
public final class LinkedObject {
    private final BpfObject object;
    private final List<LinkedProgram> programs;

    private LinkedObject(BpfObject object, List<LinkedProgram> programs) {
        this.object = object;
        this.programs = List.copyOf(programs);
    }

    /** Links every program of {@code object}; {@code targetBtf}: the kernel's BTF CO-RE relocations resolve against. */
    public static LinkedObject link(BpfObject object, Optional<Btf> targetBtf) {
        Linker linker = new Linker(object, targetBtf);
        List<LinkedProgram> programs = new ArrayList<>();
        for (ProgramSpec spec : object.programs()) programs.add(linker.link(spec));
        return new LinkedObject(object, programs);
    }

    /**
     * Links one program of {@code object}, which may differ from the object's own (another program type, say):
     * what a test or a tool that rewrites a program verifies.
     */
    public static LinkedProgram link(BpfObject object, ProgramSpec spec, Optional<Btf> targetBtf) {
        return new Linker(object, targetBtf).link(spec);
    }

    public BpfObject object() { return object; }

    public List<LinkedProgram> programs() { return programs; }

    public Optional<LinkedProgram> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    private static final class Linker {
        private final BpfObject object;
        private final Optional<Btf> targetBtf;
        private final List<String> mapNames = new ArrayList<>();
        private CoreRelocator relocator;

        Linker(BpfObject object, Optional<Btf> targetBtf) {
            this.object = object;
            this.targetBtf = targetBtf;
            for (MapDefinition def : object.maps()) mapNames.add(def.name());
        }

        LinkedProgram link(ProgramSpec spec) {
            if (spec.coreRelocations().isEmpty()) return LinkedProgram.link(spec, mapNames, Optional.empty());
            if (object.btf().isEmpty()) {
                return LinkedProgram.link(spec, mapNames,
                        Optional.of("program " + spec.name() + " has CO-RE relocations but the object has no BTF"));
            }
            if (targetBtf.isEmpty()) {
                return LinkedProgram.link(spec, mapNames, Optional.of("program " + spec.name()
                        + " needs CO-RE relocations and no kernel BTF is available: pass --btf FILE"));
            }
            if (relocator == null) relocator = new CoreRelocator(object.btf().get(), targetBtf.get());
            try {
                return LinkedProgram.link(relocator.apply(spec), mapNames, Optional.empty());
            } catch (CoreRelocationException e) {
                return LinkedProgram.link(spec, mapNames, Optional.of(e.getMessage()));
            }
        }
    }
}

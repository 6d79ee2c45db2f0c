package org.bpf4j.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapSpec;

/**
 * Verifies a program of an object as the kernel would see it after libbpf's loading: map references
 * become map indexes into the object's maps (the verifier's {@link MapInfo} list), global data refers
 * to its map with the offset in the second slot, {@code .rodata} is frozen with its contents known.
 */
public final class ObjectVerification {
    private ObjectVerification() {}

    /** CPUs assumed for per-CPU and perf event array sizing: only their sizes matter to the verifier. */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    public static VerifierResult verify(BpfObject object, ProgramSpec spec, VerifierOptions options) {
        return verify(object, spec, options, java.util.Optional.empty());
    }

    /**
     * As {@link #verify(BpfObject, ProgramSpec, VerifierOptions)}, with CO-RE relocations resolved against
     * {@code targetBtf} first (the kernel verifies the relocated program).
     */
    public static VerifierResult verify(BpfObject object, ProgramSpec spec, VerifierOptions options,
                                        java.util.Optional<org.bpf4j.btf.Btf> targetBtf) {
        if (!spec.coreRelocations().isEmpty()) {
            if (object.btf().isEmpty() || targetBtf.isEmpty()) {
                return new VerifierResult.Unsupported("program " + spec.name()
                        + " needs CO-RE relocations and no kernel BTF is available: pass --btf FILE", 0, 0, "");
            }
            try {
                spec = org.bpf4j.btf.core.CoreRelocator.apply(spec, object.btf().get(), targetBtf.get());
            } catch (org.bpf4j.btf.core.CoreRelocationException e) {
                return new VerifierResult.Unsupported(e.getMessage(), 0, 0, "");
            }
        }
        VerifierProgramType type = null;
        for (VerifierProgramType t : VerifierProgramType.values()) {
            if (t.kernelId() == spec.type().id()) type = t;
        }
        if (type == null) {
            return new VerifierResult.Unsupported("program type " + spec.type().name().toLowerCase(Locale.ROOT)
                    + " is not modelled by bpf4j's verifier yet", 0, 0, "");
        }
        List<MapInfo> maps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (MapDefinition def : object.maps()) {
            MapSpec s = def.spec(CPUS);
            byte[] data = def.frozen() ? def.initialData() : null;
            maps.add(new MapInfo(s.type().id(), s.keySize(), s.valueSize(), s.maxEntries(), s.flags(), def.name(), def.frozen(), data));
            names.add(def.name());
        }
        List<Insn> insns = new ArrayList<>(spec.program().insns());
        for (Relocation r : spec.relocations()) {
            Insn i = insns.get(r.insn());
            switch (r) {
                case Relocation.MapReference m ->
                        insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_FD, 0, names.indexOf(m.map())));
                case Relocation.MapValueReference v -> {
                    insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_VALUE, 0, names.indexOf(v.map())));
                    insns.set(r.insn() + 1, new Insn(0, 0, 0, 0, (int) v.offset()));
                }
                default -> { } // kfuncs and externs: the verifier answers Unsupported
            }
        }
        boolean gpl = object.license().isEmpty() || isGplCompatible(object.license());
        return Verifier.verify(new Program(insns), type, maps, options.withGpl(gpl));
    }

    /** license_is_gpl_compatible(): the kernel's list. Objects without a license section are loaded as GPL. */
    static boolean isGplCompatible(String license) {
        return switch (license) {
            case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" -> true;
            default -> false;
        };
    }
}

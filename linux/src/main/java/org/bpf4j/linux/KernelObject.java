package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;

/**
 * An object loaded into the Linux kernel the way libbpf would: its maps created (global data filled in,
 * {@code .rodata} frozen, maps of maps and program arrays populated), its programs' map references bound
 * to the maps' fds and loaded with their type, expected attach type and flags. The same
 * {@link BpfObject} that bpf4j's runtime loads: a user switches backend, not code.
 */
public final class KernelObject implements AutoCloseable {
    private final Map<String, KernelMap> maps;
    private final Map<String, KernelProgram> programs;
    private final Optional<KernelBtf> btf;

    private KernelObject(Map<String, KernelMap> maps, Map<String, KernelProgram> programs, Optional<KernelBtf> btf) {
        this.maps = Collections.unmodifiableMap(maps);
        this.programs = Collections.unmodifiableMap(programs);
        this.btf = btf;
    }

    /**
     * Loads every program of the object (or only {@code only}, when given).
     *
     * @throws KernelLoadException with the verifier's message when the kernel refuses a program
     * @throws BpfException when a map cannot be created
     */
    public static KernelObject load(BpfObject object, Optional<String> only) {
        Map<String, KernelMap> maps = new LinkedHashMap<>();
        Map<String, KernelProgram> programs = new LinkedHashMap<>();
        List<KernelMap> templates = new ArrayList<>();
        KernelBtf btf = null;
        try {
            // The kernel needs the value's BTF to find a struct bpf_spin_lock in it; other maps are created
            // without BTF, as before.
            boolean locks = object.maps().stream().anyMatch(KernelObject::needsBtf);
            if (locks && object.btf().isPresent()) btf = KernelBtf.load(object.btf().get().rawBytes());
            for (MapDefinition def : object.maps()) maps.put(def.name(), createMap(def, templates, btf));
            for (MapDefinition def : object.maps()) {
                KernelMap map = maps.get(def.name());
                if (def.type().isMapOfMaps()) {
                    for (MapDefinition.Slot slot : def.initialSlots()) {
                        map.put(le32(slot.index()), le32(maps.get(slot.target()).fd()));
                    }
                }
            }
            for (ProgramSpec spec : object.programs()) {
                if (only.isPresent() && !only.get().equals(spec.name())) continue;
                programs.put(spec.name(), loadProgram(object, spec, maps));
            }
            for (MapDefinition def : object.maps()) {
                if (def.type() != MapType.PROG_ARRAY) continue;
                for (MapDefinition.Slot slot : def.initialSlots()) {
                    KernelProgram p = programs.get(slot.target());
                    if (p != null) maps.get(def.name()).put(le32(slot.index()), le32(p.fd()));
                }
            }
            return new KernelObject(maps, programs, Optional.ofNullable(btf));
        } catch (RuntimeException e) {
            programs.values().forEach(KernelProgram::close);
            maps.values().forEach(KernelMap::close);
            if (btf != null) btf.close();
            throw e;
        } finally {
            templates.forEach(KernelMap::close); // an inner map template is only needed to create its outer map
        }
    }

    private static KernelMapSpec kernelSpec(MapDefinition def) {
        return new KernelMapSpec(def.type(), def.keySize(), def.valueSize(), def.maxEntries(), def.flags(),
                kernelName(def.name()), 0, 0, 0, 0, def.mapExtra());
    }

    private static boolean needsBtf(MapDefinition def) {
        return def.spec().spinLockOffset() >= 0 && def.btfValueTypeId() != 0;
    }

    private static KernelMap createMap(MapDefinition def, List<KernelMap> templates, KernelBtf btf) {
        KernelMapSpec spec = kernelSpec(def);
        if (btf != null && needsBtf(def)) spec = spec.withBtf(btf.fd(), def.btfKeyTypeId(), def.btfValueTypeId());
        if (def.innerMap().isPresent()) {
            KernelMap template = KernelMap.create(kernelSpec(def.innerMap().get()));
            templates.add(template);
            spec = spec.withInnerMapFd(template.fd());
        }
        KernelMap map = KernelMap.create(spec);
        byte[] initial = def.initialData();
        if (initial.length > 0) map.put(le32(0), initial);
        if (def.frozen()) map.freeze();
        return map;
    }

    /** Kernel object names: at most 15 characters of [A-Za-z0-9_.]. */
    static String kernelName(String name) {
        StringBuilder s = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (s.length() == 15) break;
            s.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return s.toString();
    }

    private static KernelProgram loadProgram(BpfObject object, ProgramSpec spec, Map<String, KernelMap> maps) {
        List<Insn> insns = new ArrayList<>(spec.program().insns());
        for (Relocation r : spec.relocations()) {
            switch (r) {
                case Relocation.MapReference m -> {
                    Insn i = insns.get(r.insn());
                    insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_FD, 0, maps.get(m.map()).fd()));
                }
                case Relocation.MapValueReference v -> {
                    Insn i = insns.get(r.insn());
                    insns.set(r.insn(), new Insn(i.opcode(), i.dst(), Opcodes.PSEUDO_MAP_VALUE, 0, maps.get(v.map()).fd()));
                    insns.set(r.insn() + 1, new Insn(0, 0, 0, 0, (int) v.offset()));
                }
                default -> { } // kfuncs and externs: the kernel refuses what it cannot resolve, with its own message
            }
        }
        LoadOptions options = LoadOptions.defaults()
                .withName(kernelName(spec.name()))
                .withProgFlags(spec.loadFlags())
                .withKernVersion(object.kernelVersion());
        if (spec.expectedAttachType().isPresent()) options = options.withExpectedAttachType(spec.expectedAttachType().get().id());
        String license = object.license().isEmpty() ? "GPL" : object.license();
        return KernelProgram.load(spec.type(), new Program(insns), license, options);
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    public Map<String, KernelMap> maps() { return maps; }

    public Map<String, KernelProgram> programs() { return programs; }

    public Optional<KernelProgram> program(String name) { return Optional.ofNullable(programs.get(name)); }

    public Optional<KernelMap> map(String name) { return Optional.ofNullable(maps.get(name)); }

    @Override
    public void close() {
        programs.values().forEach(KernelProgram::close);
        maps.values().forEach(KernelMap::close);
        btf.ifPresent(KernelBtf::close);
    }
}

package org.bpf4j.linux;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.Externs;
import org.bpf4j.elf.KernelConfig;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.verifier.MapValueFields;

/**
 * An object loaded into the Linux kernel the way libbpf would: its maps created (global data filled in,
 * {@code .rodata} frozen, maps of maps and program arrays populated), its programs' map references bound
 * to the maps' fds and loaded with their type, expected attach type and flags. The same
 * {@link BpfObject} that bpf4j's runtime loads: a user switches backend, not code.
 */
public final class KernelObject implements org.bpf4j.api.ObjectHandle {
    private final Map<String, KernelMap> maps;
    private final Map<String, KernelProgram> programs;
    private final Optional<KernelBtf> btf;
    /** Each loaded program's spec, whose section and type name its hook. */
    private final Map<String, ProgramSpec> specs;

    private KernelObject(Map<String, KernelMap> maps, Map<String, KernelProgram> programs, Optional<KernelBtf> btf,
                         Map<String, ProgramSpec> specs) {
        this.specs = Map.copyOf(specs);
        this.maps = Collections.unmodifiableMap(maps);
        this.programs = Collections.unmodifiableMap(programs);
        this.btf = btf;
    }

    /**
     * Loads every program of the object (or only {@code only}, when given).
     *
     * @throws KernelLoadException with the verifier's message when the kernel refuses a program
     * @throws BpfException when a map cannot be created
     * @throws IllegalArgumentException when a program's CO-RE relocations cannot be resolved against the running
     *     kernel's BTF (libbpf refuses such a load too)
     */
    public static KernelObject load(BpfObject object, Optional<String> only) {
        return load(object, only, 0);
    }

    /**
     * As {@link #load(BpfObject, Optional)}, keeping each program's verifier log at {@code logLevel}
     * ({@link LoadOptions#LOG_STATS} for the kernel's processed count and verification time).
     */
    public static KernelObject load(BpfObject object, Optional<String> only, int logLevel) {
        return load(object, only, logLevel, Optional.empty());
    }

    /** libbpf's default {@code pin_root_path}. */
    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf");

    /**
     * As {@link #load(BpfObject, Optional, int)}, pinning the maps the object marks
     * {@code LIBBPF_PIN_BY_NAME} under {@code pinRoot} (libbpf's {@code pin_root_path}, by default
     * {@link #DEFAULT_PIN_ROOT}) and iproute2's {@code PIN_GLOBAL_NS} maps under {@code pinRoot/tc/globals}: a
     * compatible map already pinned there is reused (its contents kept), a new one is created and pinned.
     * Without a pin root nothing is pinned: the other overloads serve tools and tests that load an object
     * for a verdict or a test run and must leave nothing behind.
     *
     * @throws IllegalArgumentException when an extern cannot be resolved, or a pinned map differs from the
     *     object's (the message says what differs)
     */
    public static KernelObject load(BpfObject compiled, Optional<String> only, int logLevel, Optional<Path> pinRoot) {
        // __kconfig and typeless __ksym externs take the running kernel's values (libbpf's bpf_object__resolve_externs)
        BpfObject object = Externs.resolve(compiled, KernelConfig::host);
        Map<String, KernelMap> maps = new LinkedHashMap<>();
        Map<String, KernelProgram> programs = new LinkedHashMap<>();
        List<KernelMap> templates = new ArrayList<>();
        List<Path> pinned = new ArrayList<>();
        KernelBtf btf = null;
        try {
            // The kernel needs BTF in two cases: a map value's struct bpf_spin_lock or bpf_timer, and the func_info of a
            // program that takes a function's address (callbacks). Everything else loads without BTF, as
            // before.
            boolean needed = object.maps().stream().anyMatch(def -> needsBtf(object, def))
                    || object.programs().stream().anyMatch(KernelObject::needsFuncInfo);
            if (needed && object.btf().isPresent()) btf = KernelBtf.load(withDatasecLayout(object.btf().get().rawBytes()));
            Set<String> reused = new HashSet<>();
            for (MapDefinition def : object.maps()) {
                Optional<Path> pin = pinRoot.flatMap(root -> MapPins.path(def, root));
                Optional<KernelMap> existing = pin.flatMap(path -> MapPins.reuse(def, kernelSpec(def), path));
                KernelMap map = existing.isPresent() ? existing.get()
                        : createMap(def, templates, btf != null && needsBtf(object, def) ? btf : null);
                maps.put(def.name(), map); // before pinning: a failed pin still closes it with the others
                map.declaredAs(def.name(), org.bpf4j.btf.MapBtf.of(object.btf(), def.btfKeyTypeId(), def.btfValueTypeId()));
                if (existing.isPresent()) {
                    reused.add(def.name());
                } else if (pin.isPresent()) {
                    MapPins.pin(map, pin.get());
                    pinned.add(pin.get());
                }
            }
            for (MapDefinition def : object.maps()) {
                KernelMap map = maps.get(def.name());
                if (def.type().isMapOfMaps() && !reused.contains(def.name())) {
                    for (MapDefinition.Slot slot : def.initialSlots()) {
                        map.put(le32(slot.index()), le32(maps.get(slot.target()).fd()));
                    }
                }
            }
            // CO-RE relocations resolve against the running kernel's BTF, as libbpf resolves them
            boolean core = object.programs().stream().anyMatch(p -> !p.coreRelocations().isEmpty());
            LinkedObject linked = LinkedObject.link(object, core ? CoreRelocator.targetBtf(Optional.empty()) : Optional.empty());
            List<KernelMap> byIndex = new ArrayList<>(maps.values());
            for (LinkedProgram program : linked.programs()) {
                if (only.isPresent() && !only.get().equals(program.name())) continue;
                programs.put(program.name(), loadProgram(object, program, byIndex, btf, logLevel));
                programs.get(program.name()).declaredAs(program.name(), program.spec().sectionName());
            }
            for (MapDefinition def : object.maps()) {
                if (def.type() != MapType.PROG_ARRAY) continue;
                for (MapDefinition.Slot slot : def.initialSlots()) {
                    KernelProgram p = programs.get(slot.target());
                    if (p != null) maps.get(def.name()).put(le32(slot.index()), le32(p.fd()));
                }
            }
            Map<String, ProgramSpec> specs = new LinkedHashMap<>();
            for (ProgramSpec spec : object.programs()) if (programs.containsKey(spec.name())) specs.put(spec.name(), spec);
            return new KernelObject(maps, programs, Optional.ofNullable(btf), specs);
        } catch (RuntimeException e) {
            programs.values().forEach(KernelProgram::close);
            maps.values().forEach(KernelMap::close);
            if (btf != null) btf.close();
            pinned.forEach(MapPins::unpin); // libbpf's bpf_object_load unpins what it pinned when the load fails
            throw e;
        } finally {
            templates.forEach(KernelMap::close); // an inner map template is only needed to create its outer map
        }
    }

    private static KernelMapSpec kernelSpec(MapDefinition def) {
        org.bpf4j.maps.MapSpec spec = def.spec(KernelMap.possibleCpus());
        return new KernelMapSpec(spec.type(), spec.keySize(), spec.valueSize(), spec.maxEntries(), spec.flags(),
                kernelName(def.name()), 0, 0, 0, 0, spec.mapExtra());
    }

    /**
     * Whether the map's value has a field the kernel finds through its BTF ({@code struct bpf_spin_lock},
     * {@code struct bpf_timer}, ...): the kernel then needs the value's BTF.
     */
    private static boolean needsBtf(BpfObject object, MapDefinition def) {
        if (def.btfValueTypeId() == 0 || object.btf().isEmpty()) return false;
        return MapValueFields.of(object.btf().get(), def.btfValueTypeId()).hasSpecialFields();
    }

    private static KernelMap createMap(MapDefinition def, List<KernelMap> templates, KernelBtf btf) {
        KernelMapSpec spec = kernelSpec(def);
        if (btf != null) spec = spec.withBtf(btf.fd(), def.btfKeyTypeId(), def.btfValueTypeId());
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

    /**
     * clang leaves each DATASEC's size and its variables' offsets 0 (libbpf fills them in from the ELF
     * symbols), and the kernel refuses a DATASEC of size 0. The kernel uses no DATASEC of what bpf4j gives
     * it BTF for (spin-lock map values and func_info name structs and functions), so laying the
     * variables out one after the other is enough to make the blob loadable.
     */
    static byte[] withDatasecLayout(byte[] raw) {
        byte[] btf = raw.clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(btf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int hdrLen = b.getInt(4);
        int typeOff = hdrLen + b.getInt(8);
        int typeEnd = typeOff + b.getInt(12);
        for (int at = typeOff; at < typeEnd; ) {
            int info = b.getInt(at + 4);
            int vlen = info & 0xffff;
            int kind = (info >>> 24) & 0x1f;
            int extra = switch (kind) {
                case 1, 14, 17 -> 4;            // INT, VAR, DECL_TAG
                case 3 -> 12;                   // ARRAY
                case 4, 5, 15, 19 -> vlen * 12; // STRUCT, UNION, DATASEC, ENUM64
                case 6, 13 -> vlen * 8;         // ENUM, FUNC_PROTO
                default -> 0;
            };
            if (kind == 15 && b.getInt(at + 8) == 0 && vlen > 0) {
                int offset = 0;
                for (int v = 0; v < vlen; v++) {
                    int rec = at + 12 + v * 12;
                    b.putInt(rec + 4, offset);
                    offset += (b.getInt(rec + 8) + 7) & ~7;
                }
                b.putInt(at + 8, offset);
            }
            at += 12 + extra;
        }
        return btf;
    }

    /**
     * Whether the verifier accepts the program only with BTF func_info: it takes a function's address
     * ({@code lddw} source 4, callbacks), or it has subprograms and makes tail calls ("tail_call is not
     * allowed in subprogs without BTF"). Other programs load without BTF, as before.
     */
    private static boolean needsFuncInfo(ProgramSpec spec) {
        if (spec.funcInfos().isEmpty()) return false;
        Program p = spec.program();
        boolean subprograms = false, tailCalls = false;
        for (int pc = 0; pc < p.size(); pc++) {
            Insn insn = p.get(pc);
            if (insn.opcode() == Opcodes.LDDW) {
                if (insn.src() == Opcodes.PSEUDO_FUNC) return true;
                pc++;
            } else if (insn.opcode() == Opcodes.CALL) {
                if (insn.src() == Opcodes.CALL_PSEUDO) subprograms = true;
                else if (insn.src() == Opcodes.CALL_HELPER && insn.imm() == 12) tailCalls = true;
            }
        }
        return subprograms && tailCalls;
    }

    private static LoadOptions.ProgramBtf funcInfo(ProgramSpec spec, KernelBtf btf) {
        byte[] records = new byte[spec.funcInfos().size() * 8];
        int i = 0;
        for (var f : spec.funcInfos()) {
            System.arraycopy(le32(f.insn()), 0, records, i, 4);
            System.arraycopy(le32(f.typeId()), 0, records, i + 4, 4);
            i += 8;
        }
        return new LoadOptions.ProgramBtf(btf.fd(), records, 8, new byte[0], 0);
    }

    private static KernelProgram loadProgram(BpfObject object, LinkedProgram linked, List<KernelMap> maps, KernelBtf btf,
                                             int logLevel) {
        ProgramSpec spec = linked.spec();
        if (linked.unresolved().isPresent()) throw new IllegalArgumentException(linked.unresolved().get());
        for (var r : spec.relocations()) {
            // what Externs.resolve left: a typed __ksym wants a kernel BTF id, an extern without BTF has no known type
            if (r instanceof org.bpf4j.elf.Relocation.ExternVariable v) throw new IllegalArgumentException("program " + spec.name()
                    + ": insn " + v.insn() + ": extern " + v.name() + (v.section().isEmpty() ? " (no BTF declares it)" : " (" + v.section() + ")")
                    + " cannot be resolved: bpf4j resolves __kconfig and typeless __ksym ('extern const void " + v.name() + " __ksym') externs");
        }
        // kfunc calls stay: the kernel resolves them against its BTF or refuses them with its own message
        Program program = linked.bind((insn, dst, mapIndex, value, offset) -> {
            if (mapIndex < 0) throw new IllegalArgumentException("program " + spec.name() + ": insn " + insn
                    + ": refers to a map the object does not define");
            int fd = maps.get(mapIndex).fd();
            return Insn.lddw(dst, value ? Opcodes.PSEUDO_MAP_VALUE : Opcodes.PSEUDO_MAP_FD,
                    (long) offset << 32 | (fd & 0xffffffffL));
        });
        LoadOptions options = LoadOptions.defaults()
                .withLogLevel(logLevel)
                .withName(kernelName(spec.name()))
                .withProgFlags(spec.loadFlags())
                .withKernVersion(object.kernelVersion());
        if (btf != null && needsFuncInfo(spec)) options = options.withBtf(funcInfo(spec, btf));
        if (spec.expectedAttachType().isPresent()) {
            org.bpf4j.progtype.AttachType type = spec.expectedAttachType().get();
            options = options.withExpectedAttachType(type);
            // tracing, LSM and iterator programs are verified against their target's BTF: the kernel needs its id at load
            if (AttachBtf.needsId(type)) options = options.withAttachBtfId(AttachBtf.id(type, spec.sectionName(), spec.attachTo()));
        }
        String license = object.license().isEmpty() ? "GPL" : object.license();
        return KernelProgram.load(spec.type(), program, license, options);
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /**
     * Attaches every program whose section names its hook ({@link AttachPoint#of}), as libbpf's
     * {@code bpf_object__attach_skeleton} does; {@code interfaceName} for XDP and tcx programs. Programs whose
     * section names no hook stay loaded and unattached. On a failure the links made so far are closed.
     */
    @Override
    public List<Link> attachAll(Optional<String> interfaceName) {
        return attachAll(interfaceName, Optional.empty());
    }

    /**
     * As {@link #attachAll(Optional)}, with {@code cgroup} (a cgroup v2 directory) for the cgroup hooks
     * ({@code cgroup/connect4}, {@code cgroup_skb/egress}, ...).
     */
    public List<Link> attachAll(Optional<String> interfaceName, Optional<java.nio.file.Path> cgroup) {
        List<Link> links = new ArrayList<>();
        try {
            for (Map.Entry<String, KernelProgram> p : programs.entrySet()) {
                Optional<AttachPoint> point = AttachPoint.of(specs.get(p.getKey()));
                if (point.isPresent()) links.add(point.get().attach(p.getValue(), interfaceName, cgroup));
            }
        } catch (RuntimeException e) {
            links.forEach(Link::close);
            throw e;
        }
        return links;
    }

    @Override
    public Map<String, KernelMap> maps() { return maps; }

    @Override
    public Map<String, KernelProgram> programs() { return programs; }

    @Override
    public Optional<KernelProgram> program(String name) { return Optional.ofNullable(programs.get(name)); }

    @Override
    public Optional<KernelMap> map(String name) { return Optional.ofNullable(maps.get(name)); }

    @Override
    public void close() {
        programs.values().forEach(KernelProgram::close);
        maps.values().forEach(KernelMap::close);
        btf.ifPresent(KernelBtf::close);
    }
}

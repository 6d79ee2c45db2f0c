package org.bpf4j.runtime;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.Externs;
import org.bpf4j.elf.KernelConfig;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.maps.ArrayMap;
import org.bpf4j.maps.ArrayOfMapsMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.BpfMapException;
import org.bpf4j.maps.BpfMaps;
import org.bpf4j.maps.HashOfMapsMap;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.verifier.MapValueFields;
import org.bpf4j.verifier.VerifierResult;

/** An object loaded into a runtime: its maps, created and filled, and its programs, ready to run. */
public final class LoadedObject implements org.bpf4j.api.ObjectHandle {
    private final BpfRuntime runtime;
    private final BpfObject object;
    private final Map<String, BpfMap> maps;
    private final Map<String, LoadedProgram> programs;
    private final Map<String, String> skipped;

    private LoadedObject(BpfRuntime runtime, BpfObject object, Map<String, BpfMap> maps, Map<String, LoadedProgram> programs,
                         Map<String, String> skipped) {
        this.runtime = runtime;
        this.object = object;
        this.maps = Collections.unmodifiableMap(maps);
        this.programs = Collections.unmodifiableMap(programs);
        this.skipped = Collections.unmodifiableMap(skipped);
    }

    static LoadedObject load(BpfRuntime runtime, BpfObject compiled, RejectedPrograms rejected) {
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        BpfObject object;
        try {
            // __kconfig and __ksym externs: the running kernel's values, as the kernel backend loads them (a test
            // resolves them against another KernelConfig first, and this finds nothing left to do)
            object = Externs.resolve(compiled, KernelConfig::host);
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            throw new LoadException(e.getMessage(), e);
        }
        try {
            for (MapDefinition def : object.maps()) maps.put(def.name(), create(runtime, object, def));
            for (MapDefinition def : object.maps()) fillMapsOfMaps(def, maps);
            List<RingBufMap> rings = new ArrayList<>();
            for (BpfMap m : maps.values()) if (m instanceof RingBufMap r) rings.add(r);
            LinkedObject linked = LinkedObject.link(object, runtime.targetBtf());
            Map<LinkedProgram, RunMode> modes = new LinkedHashMap<>();
            Map<String, VerifierResult> verdicts = new LinkedHashMap<>();
            Map<String, String> skipped = new LinkedHashMap<>();
            for (LinkedProgram program : linked.programs()) {
                VerifierResult verdict;
                try {
                    LoadedProgram.refuseUnresolvedExterns(program);
                    verdict = LoadedProgram.verify(object, program, runtime.options());
                } catch (LoadException e) {
                    if (rejected == RejectedPrograms.FAIL_LOAD) throw e;
                    skipped.put(program.name(), e.getMessage());
                    continue;
                }
                RunMode mode = LoadedProgram.mode(verdict);
                if (mode.verified() && runtime.options().alwaysChecked()) mode = RunMode.checked("accepted, run checked on request");
                modes.put(program, mode);
                verdicts.put(program.name(), verdict);
            }
            sameModeAcrossTailCalls(modes, maps);
            List<BpfMap> byIndex = new ArrayList<>(maps.values());
            Map<String, LoadedProgram> programs = new LinkedHashMap<>();
            modes.forEach((program, mode) -> {
                try {
                    programs.put(program.name(), LoadedProgram.prepare(runtime, program, verdicts.get(program.name()), mode, byIndex, rings));
                } catch (LoadException e) {
                    if (rejected == RejectedPrograms.FAIL_LOAD) throw e;
                    skipped.put(program.name(), e.getMessage());
                }
            });
            for (MapDefinition def : object.maps()) {
                if (maps.get(def.name()) instanceof ProgArrayMap progs) {
                    for (MapDefinition.Slot slot : def.initialSlots()) {
                        LoadedProgram target = programs.get(slot.target());
                        if (target == null && skipped.containsKey(slot.target())) continue;
                        if (target == null) throw new LoadException("map " + def.name() + ": slot " + slot.index() + " names program "
                                + slot.target() + ", which the object does not define");
                        progs.set(slot.index(), target);
                    }
                }
            }
            return new LoadedObject(runtime, object, maps, programs, skipped);
        } catch (RuntimeException e) {
            for (BpfMap m : maps.values()) m.close();
            throw e;
        }
    }

    /**
     * A tail call runs its target in the caller's run, and a run is either checked with a budget or not:
     * in an object with a program array, one program that must run checked makes them all run checked.
     * (The engines refuse a tail call between programs of different modes, e.g. across objects.)
     */
    private static void sameModeAcrossTailCalls(Map<LinkedProgram, RunMode> modes, Map<String, BpfMap> maps) {
        if (maps.values().stream().noneMatch(m -> m instanceof ProgArrayMap)) return;
        modes.entrySet().stream().filter(e -> !e.getValue().verified()).findFirst().ifPresent(checked ->
                modes.replaceAll((spec, mode) -> mode.verified()
                        ? RunMode.checked("shares a program array with program " + checked.getKey().name() + ", which runs checked")
                        : mode));
    }

    /**
     * The map's spec with where its value's spin lock and timer sit, found in the value's BTF as the kernel
     * finds them at map creation (btf_parse_fields): the map copies values around them.
     */
    private static MapSpec spec(BpfObject object, MapDefinition def, int cpus) {
        MapSpec spec = def.spec(cpus).withBtf(org.bpf4j.btf.MapBtf.of(object.btf(), def.btfKeyTypeId(), def.btfValueTypeId()));
        if (def.btfValueTypeId() != 0 && object.btf().isPresent()) {
            MapValueFields f = MapValueFields.of(object.btf().get(), def.btfValueTypeId());
            spec = spec.withSpinLockOffset(f.spinLockOff()).withTimerOffset(f.timerOff());
        }
        return def.innerMap().isPresent() ? spec.withInnerMap(spec(object, def.innerMap().get(), cpus)) : spec;
    }

    private static BpfMap create(BpfRuntime runtime, BpfObject object, MapDefinition def) {
        BpfMap map;
        try {
            map = BpfMaps.create(spec(object, def, runtime.options().cpus()), runtime.maps());
        } catch (BpfMapException | IllegalArgumentException e) {
            throw new LoadException("map " + def.name() + ": " + e.getMessage(), e);
        }
        byte[] initial = def.initialData();
        if (initial.length > 0) {
            if (!(map instanceof ArrayMap array)) throw new LoadException("map " + def.name() + ": initial data for a " + def.type() + " map");
            MemorySegment.copy(MemorySegment.ofArray(initial), 0, runtime.memory().segment(),
                    array.valueAddress(0) - runtime.memory().base(), Math.min(initial.length, def.valueSize()));
        }
        if (def.frozen()) map.freeze();
        return map;
    }

    private static void fillMapsOfMaps(MapDefinition def, Map<String, BpfMap> maps) {
        BpfMap outer = maps.get(def.name());
        if (!(outer instanceof ArrayOfMapsMap) && !(outer instanceof HashOfMapsMap)) return;
        for (MapDefinition.Slot slot : def.initialSlots()) {
            BpfMap inner = maps.get(slot.target());
            if (inner == null) throw new LoadException("map " + def.name() + ": slot " + slot.index() + " names map "
                    + slot.target() + ", which the object does not define");
            try {
                if (outer instanceof ArrayOfMapsMap array) {
                    array.set(slot.index(), inner);
                } else {
                    byte[] key = {(byte) slot.index(), (byte) (slot.index() >> 8), (byte) (slot.index() >> 16), (byte) (slot.index() >> 24)};
                    ((HashOfMapsMap) outer).set(key, inner, MapFlags.BPF_ANY);
                }
            } catch (BpfMapException e) {
                throw new LoadException("map " + def.name() + ": slot " + slot.index() + ": " + e.getMessage(), e);
            }
        }
    }

    public BpfObject object() { return object; }

    /** The maps by ELF name (global data by section name), in the object's order. */
    @Override
    public Map<String, BpfMap> maps() { return maps; }

    @Override
    public Optional<BpfMap> map(String name) { return Optional.ofNullable(maps.get(name)); }

    /** The programs by ELF symbol name, in the object's order. */
    @Override
    public Map<String, LoadedProgram> programs() { return programs; }

    @Override
    public Optional<LoadedProgram> program(String name) { return Optional.ofNullable(programs.get(name)); }

    /**
     * The programs a {@link RejectedPrograms#SKIP} load left out, by name, each with why (the load's message,
     * naming the program); empty for a load that fails on them.
     */
    public Map<String, String> skipped() { return skipped; }

    @Override
    public void close() {
        for (BpfMap m : maps.values()) m.close();
        runtime.forget(this);
    }
}

package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.LDDW;
import static org.bpf4j.isa.Opcodes.PSEUDO_MAP_FD;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.LoadedObject;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The verifier's safety net: every generated program the verifier accepts is loaded into the runtime and
 * run in checked mode, on both engines, on random packets with random map contents. A memory fault, or
 * any other failure of an accepted program, is a verifier bug (it proved something that is not so).
 * Needs no kernel, so it also guards the verifier where the kernel differential cannot run.
 */
class SafetyNetTest {
    static final int PROGRAMS = Integer.getInteger("bpf4j.safety.programs", 2000);
    static final int INPUTS = 4;
    private static final String[] MAP_NAMES = {"array", "hash", "events"};
    private static final VerifierProgramType[] TYPES = {
            VerifierProgramType.XDP, VerifierProgramType.SCHED_CLS, VerifierProgramType.SOCKET_FILTER};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"interp", "jit"})
    void acceptedProgramsNeverFaultInCheckedMode(String engine) {
        RuntimeOptions options = RuntimeOptions.defaults()
                .withEngine("jit".equals(engine) ? JvmCompiler::compile : Interpreter::load)
                .withBudget(10_000_000L);
        long seed0 = Long.getLong("bpf4j.safety.seed", 20261122L);
        int accepted = 0, runs = 0;
        List<String> faults = new ArrayList<>();
        try (BpfRuntime runtime = BpfRuntime.create(options)) {
            for (int i = 0; i < PROGRAMS; i++) {
                VerifierProgramType type = TYPES[i % TYPES.length];
                Program p = new ProgramGenerator(seed0 + i, type).next();
                if (!(Verifier.verify(p, type, ProgramGenerator.MAPS, VerifierOptions.defaults()) instanceof VerifierResult.Accepted)) {
                    continue;
                }
                accepted++;
                Random rnd = new Random(seed0 ^ (i * 0x9E3779B97F4A7C15L));
                try (LoadedObject obj = runtime.load(objectOf(p, type))) {
                    var prog = obj.programs().values().iterator().next();
                    for (int k = 0; k < INPUTS; k++) {
                        fillMaps(obj, rnd);
                        byte[] frame = new byte[14 + rnd.nextInt(120)];
                        rnd.nextBytes(frame);
                        try {
                            prog.testRun(TestRun.of(frame));
                            runs++;
                        } catch (TestRunException e) {
                            faults.add("seed " + (seed0 + i) + " " + type + " input " + k + ": " + e.getMessage());
                        }
                    }
                }
            }
        }
        System.out.printf("safety net (%s): %d programs, %d accepted, %d checked runs, %d faults%n",
                engine, PROGRAMS, accepted, runs, faults.size());
        assertThat(accepted).as("the generator produces accepted programs").isGreaterThan(PROGRAMS / 10);
        assertThat(faults).as("accepted programs that faulted in checked mode (verifier bugs)").isEmpty();
    }

    /** The generated program as an object: its map loads become relocations against three named maps. */
    static BpfObject objectOf(Program p, VerifierProgramType type) {
        List<Relocation> relocations = new ArrayList<>();
        List<Insn> insns = p.insns();
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn in = insns.get(pc);
            if (in.opcode() == LDDW && in.src() == PSEUDO_MAP_FD) relocations.add(new Relocation.MapReference(pc, MAP_NAMES[in.imm()]));
        }
        List<MapDefinition> maps = new ArrayList<>();
        for (int m = 0; m < ProgramGenerator.MAPS.size(); m++) {
            MapInfo info = ProgramGenerator.MAPS.get(m);
            MapType mt = MapType.byId(info.type()).orElseThrow();
            maps.add(new MapDefinition(MAP_NAMES[m], mt, info.keySize(), info.valueSize(), info.maxEntries(), 0, 0,
                    MapDefinition.Pinning.NONE, 0, 0, 0, Optional.empty(), List.of(), MapDefinition.Definition.BTF,
                    new byte[0], false));
        }
        ProgramType pt = ProgramType.byId(type.kernelId()).orElseThrow();
        ProgramSpec spec = new ProgramSpec("generated", pt.name().toLowerCase(), pt, Optional.empty(), "", 0, p,
                List.of(new ProgramSpec.Subprogram("generated", "generated", 0, insns.size())), relocations,
                List.of(), List.of(), List.of());
        return new BpfObject("generated", "GPL", 0, List.of(spec), maps, Optional.empty());
    }

    private static void fillMaps(LoadedObject obj, Random rnd) {
        for (BpfMap map : obj.maps().values()) {
            if (map.type() == MapType.RINGBUF) continue;
            if (map.type() == MapType.HASH) map.keys().forEach(map::delete);
            int keySize = map.spec().keySize(), valueSize = map.spec().valueSize();
            for (int e = 0; e < map.spec().maxEntries(); e++) {
                if (rnd.nextBoolean()) continue;
                byte[] key = new byte[keySize], value = new byte[valueSize];
                if (map.type() == MapType.ARRAY) key[0] = (byte) e;
                else rnd.nextBytes(key);
                if (map.type() == MapType.HASH && rnd.nextInt(4) == 0) key[0] = (byte) rnd.nextInt(4); // keys a program may build
                rnd.nextBytes(value);
                map.update(key, value);
            }
        }
    }
}

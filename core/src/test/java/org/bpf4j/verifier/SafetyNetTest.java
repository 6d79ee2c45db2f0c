package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.LDDW;
import static org.bpf4j.isa.Opcodes.PSEUDO_MAP_FD;

import java.util.ArrayList;
import java.util.HexFormat;
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
import org.bpf4j.runtime.TestRunResult;
import org.junit.jupiter.api.Test;

/**
 * The verifier's safety net and the engines' equivalence on verified programs: every generated program
 * the verifier accepts is loaded into the runtime and run in checked mode on both engines, and as the
 * runtime runs it by default (the JIT, unchecked), on random packets with random map contents. A memory fault of an accepted program is a verifier bug (it proved
 * something that is not so); a difference between the engines is an engine bug. Needs no kernel, so it
 * also guards the verifier where the kernel differential cannot run.
 */
class SafetyNetTest {
    static final int PROGRAMS = Integer.getInteger("bpf4j.safety.programs", 2000);
    static final int INPUTS = 4;
    private static final String[] MAP_NAMES = {"array", "hash", "events"};
    private static final ProgramType[] TYPES = {
            ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER};

    /**
     * Each accepted program runs on the interpreter and on the JIT, each in its own runtime, from the same
     * map contents on the same packets: neither may fault, and both must return the same value, leave the
     * same packet and the same map contents.
     */
    @Test
    void acceptedProgramsNeverFaultAndBothEnginesAgree() {
        long seed0 = Long.getLong("bpf4j.safety.seed", 20261122L);
        int accepted = 0, runs = 0;
        List<String> faults = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        RuntimeOptions checked = RuntimeOptions.defaults().withBudget(10_000_000L).withAlwaysChecked(true);
        try (BpfRuntime interp = BpfRuntime.create(checked.withEngine(Interpreter::load));
             BpfRuntime jit = BpfRuntime.create(checked.withEngine(JvmCompiler::compile));
             BpfRuntime fast = BpfRuntime.create(RuntimeOptions.defaults())) {
            for (int i = 0; i < PROGRAMS; i++) {
                ProgramType type = TYPES[i % TYPES.length];
                Program p = new ProgramGenerator(seed0 + i, type).next();
                if (!(Verifier.verify(p, type, ProgramGenerator.MAPS, VerifierOptions.defaults()) instanceof VerifierResult.Accepted)) {
                    continue;
                }
                accepted++;
                Random rnd = new Random(seed0 ^ (i * 0x9E3779B97F4A7C15L));
                BpfObject object = objectOf(p, type);
                try (LoadedObject a = interp.load(object); LoadedObject b = jit.load(object); LoadedObject c = fast.load(object)) {
                    assertThat(c.programs().values().iterator().next().mode().verified()).isTrue();
                    for (int k = 0; k < INPUTS; k++) {
                        long fill = rnd.nextLong();
                        fillMaps(a, new Random(fill));
                        fillMaps(b, new Random(fill));
                        fillMaps(c, new Random(fill));
                        byte[] frame = new byte[14 + rnd.nextInt(120)];
                        rnd.nextBytes(frame);
                        String where = "seed " + (seed0 + i) + " " + type + " input " + k;
                        String ra = outcome(a, frame, where, faults), rb = outcome(b, frame, where, faults);
                        String rc = outcome(c, frame, where, faults);
                        runs++;
                        if (!ra.equals(rb) || !ra.equals(rc)) {
                            mismatches.add(where + ":\n  interp checked " + ra + "\n  jit checked    " + rb + "\n  jit verified   " + rc);
                        }
                    }
                }
            }
        }
        System.out.printf("safety net: %d programs, %d accepted, %d inputs on both engines, %d faults, %d mismatches%n",
                PROGRAMS, accepted, runs, faults.size(), mismatches.size());
        assertThat(accepted).as("the generator produces accepted programs").isGreaterThan(PROGRAMS / 10);
        assertThat(faults).as("accepted programs that faulted in checked mode (verifier bugs)").isEmpty();
        assertThat(mismatches).as("accepted programs where the engines disagree").isEmpty();
    }

    /** What a run leaves: r0, the packet, every map entry (sorted by key). */
    private static String outcome(LoadedObject obj, byte[] frame, String where, List<String> faults) {
        StringBuilder sb = new StringBuilder();
        try {
            TestRunResult r = obj.programs().values().iterator().next().testRun(TestRun.of(frame));
            sb.append("r0=").append(r.retval()).append(" data=").append(HexFormat.of().formatHex(r.dataOut()));
        } catch (TestRunException e) {
            faults.add(where + ": " + e.getMessage());
            sb.append("fault ").append(e.getMessage());
        }
        for (BpfMap map : obj.maps().values()) {
            if (map.type() == MapType.RINGBUF) continue;
            List<String> entries = new ArrayList<>();
            for (byte[] key : map.keys()) {
                entries.add(HexFormat.of().formatHex(key) + "=" + map.lookup(key).map(v -> HexFormat.of().formatHex(v)).orElse("-"));
            }
            java.util.Collections.sort(entries);
            sb.append(' ').append(map.name()).append(entries);
        }
        return sb.toString();
    }

    /** The generated program as an object: its map loads become relocations against three named maps. */
    static BpfObject objectOf(Program p, ProgramType type) {
        List<Relocation> relocations = new ArrayList<>();
        List<Insn> insns = p.insns();
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn in = insns.get(pc);
            if (in.opcode() == LDDW && in.src() == PSEUDO_MAP_FD) relocations.add(new Relocation.MapReference(pc, MAP_NAMES[in.imm()]));
        }
        List<MapDefinition> maps = new ArrayList<>();
        for (int m = 0; m < ProgramGenerator.MAPS.size(); m++) {
            MapInfo info = ProgramGenerator.MAPS.get(m);
            MapType mt = info.type();
            maps.add(new MapDefinition(MAP_NAMES[m], mt, info.keySize(), info.valueSize(), info.maxEntries(), 0, 0,
                    MapDefinition.Pinning.NONE, 0, 0, 0, Optional.empty(), List.of(), MapDefinition.Definition.BTF,
                    new byte[0], false));
        }
        ProgramType pt = ProgramType.byId(type.id()).orElseThrow();
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

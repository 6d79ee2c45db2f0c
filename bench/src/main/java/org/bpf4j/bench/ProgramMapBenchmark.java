package org.bpf4j.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.RunContext;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.helpers.MapHelpers;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.JvmCompiler;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapType;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Maps used from a program: a raw program ({@link MapPrograms#loop}) visits each of the
 * {@value #KEYS} keys of a prefilled {@code u32 -> u64} map once per run through the map helpers
 * ({@link MapHelpers}, which check the key and value pointers against live BPF memory and then call the
 * map's program-side API). Reported per loop iteration ({@code @OperationsPerInvocation}), so
 * {@code hashLookup - loop} is the cost of one {@code bpf_map_lookup_elem} from a program, call and
 * pointer checks included.
 *
 * <p>Each invocation is one run as {@code LoadedProgram.testRun} makes it: inside an epoch on CPU 0,
 * checked with an instruction budget ({@link ExecutionOptions#raw()}: how the runtime runs programs,
 * there being no verifier yet).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Thread)
public class ProgramMapBenchmark {
    /** Entries of the maps, and loop iterations per run. */
    public static final int KEYS = 1024;

    @Param({"interp", "jit"})
    public String engine;

    /** {@code loop}: no map; {@code hashLookup}, {@code hashLookupUpdate}, {@code arrayLookup}. */
    @Param({"loop", "hashLookup", "hashLookupUpdate", "arrayLookup"})
    public String op;

    AddressSpace space;
    MapContext ctx;
    public BpfMap map;
    ExecutionStack stack;
    RunContext context;
    Executable program;

    @Setup(Level.Trial)
    public void setUp() {
        space = AddressSpace.reserve(MapFixtures.SPACE_SIZE);
        ctx = MapContext.of(space, 1);
        MapType type = op.startsWith("array") ? MapType.ARRAY : MapType.HASH;
        map = MapFixtures.prefilled(ctx, type, KEYS);
        MapPrograms.Body body = switch (op) {
            case "loop" -> MapPrograms.Body.LOOP;
            case "hashLookup", "arrayLookup" -> MapPrograms.Body.LOOKUP;
            case "hashLookupUpdate" -> MapPrograms.Body.LOOKUP_UPDATE;
            default -> throw new IllegalArgumentException("op: " + op);
        };
        Executable.Loader loader = switch (engine) {
            case "interp" -> Interpreter::load;
            case "jit" -> JvmCompiler::compile;
            default -> throw new IllegalArgumentException("engine must be interp or jit: " + engine);
        };
        HelperTable helpers = MapHelpers.register(HelperTable.builder(), ctx, List.of()).build();
        program = loader.load(MapPrograms.loop(body, map.ops().handle(), KEYS), helpers, space,
                ExecutionOptions.raw());
        stack = new ExecutionStack(space);
        context = RunContext.of(stack);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stack.close();
        map.close();
        space.close();
    }

    /** One run of the program, as the runtime runs one (epoch entered on its CPU slot). */
    public long runOnce() {
        ctx.epochs().enter(0);
        try {
            return program.run(context, 0, 0, 0, 0, 0, 0, 0);
        } finally {
            ctx.epochs().exit(0);
        }
    }

    @Benchmark
    @OperationsPerInvocation(KEYS)
    public long run() {
        return runOnce();
    }
}

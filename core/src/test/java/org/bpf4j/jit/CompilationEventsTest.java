package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.isa.Opcodes.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingStream;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.junit.jupiter.api.Test;

/**
 * Proof without timing that a program of several thousand instructions gets compiled by C2 in a JVM
 * with default flags: a forked JVM runs it while watching its own JFR {@code jdk.Compilation} events,
 * until every generated method has been compiled at tier 4, and reports what it saw.
 */
class CompilationEventsTest {

    /**
     * A loop around a long straight-line body: thousands of instructions, half of them memory accesses,
     * split into dozens of region methods.
     */
    static Program manyRegions() {
        Random rnd = new Random(42);
        List<Insn> out = new ArrayList<>();
        out.add(Insn.mov64Imm(6, 0));
        int bodyStart = out.size();
        straightLine(rnd, out, 4000, 2);
        out.add(Insn.alu64Imm(ALU_ADD, 6, 1));
        out.add(Insn.jumpImm(JMP_JLT, 6, 4, bodyStart - out.size() - 1));
        out.add(Insn.mov64Reg(0, 6));
        out.add(Insn.exit());
        return new Program(out);
    }

    /**
     * A loop calling a subprogram, each function one large method (several KB of bytecode, each with as
     * many memory accesses as a method may have without being split): all the code runs in two methods,
     * which C2 must compile alone (too large to inline).
     */
    static Program fewLargeMethods() {
        Random rnd = new Random(7);
        List<Insn> out = new ArrayList<>();
        out.add(Insn.mov64Imm(6, 0));
        int loop = out.size();
        int call = out.size();
        out.add(null); // call sub, patched below
        straightLine(rnd, out, 600, 600 / CodeGen.C1_ACCESS_LIMIT);
        out.add(Insn.alu64Imm(ALU_ADD, 6, 1));
        out.add(Insn.jumpImm(JMP_JLT, 6, 4, loop - out.size() - 1));
        out.add(Insn.mov64Reg(0, 6));
        out.add(Insn.exit());
        out.set(call, Insn.callLocal(out.size() - call - 1));
        straightLine(rnd, out, 600, 600 / CodeGen.C1_ACCESS_LIMIT);
        out.add(Insn.exit());
        return new Program(out);
    }

    /** {@code n} random ALU instructions on r0-r5 with a stack load or store every {@code memoryEvery}-th. */
    private static void straightLine(Random rnd, List<Insn> out, int n, int memoryEvery) {
        int[] ops = {ALU_ADD, ALU_SUB, ALU_MUL, ALU_XOR, ALU_OR, ALU_AND, ALU_LSH, ALU_RSH};
        for (int i = 1; i <= n; i++) {
            int d = rnd.nextInt(6);
            int s = rnd.nextInt(6);
            if (i % memoryEvery == 0) {
                out.add(rnd.nextBoolean() ? Insn.store(SIZE_DW, 10, s, -8 * (1 + rnd.nextInt(32)))
                        : Insn.load(SIZE_DW, d, 10, -8 * (1 + rnd.nextInt(32))));
            } else if (rnd.nextBoolean()) {
                out.add(Insn.alu64Imm(ops[rnd.nextInt(ops.length)], d, rnd.nextInt(31) + 1));
            } else {
                out.add(Insn.alu64Reg(ops[rnd.nextInt(ops.length)], d, s));
            }
        }
    }

    /** The forked JVM: run until C2 has compiled every generated method; print one line per method. */
    public static void main(String[] args) throws Exception {
        Program bpf = args[0].equals("manyRegions") ? manyRegions() : fewLargeMethods();
        // A method counts as compiled by C2 when C2 compiled it, or inlined it into a method it compiled.
        Set<String> compiled = ConcurrentHashMap.newKeySet();
        Set<Integer> c2Compilations = ConcurrentHashMap.newKeySet();
        java.util.Map<Integer, String> failed = new ConcurrentHashMap<>(); // compile id -> method and tier
        java.util.Map<Integer, String> failures = new ConcurrentHashMap<>(); // compile id -> message
        java.util.Map<Integer, Set<String>> inlined = new ConcurrentHashMap<>();
        try (RecordingStream events = new RecordingStream();
             AddressSpace space = AddressSpace.reserve(1 << 20);
             ExecutionStack stack = new ExecutionStack(space)) {
            events.enable("jdk.Compilation").withThreshold(Duration.ZERO);
            events.enable("jdk.CompilerInlining");
            events.enable("jdk.CompilationFailure");
            events.onEvent("jdk.CompilationFailure", e -> failures.put(e.getInt("compileId"), e.getString("failureMessage")));
            events.onEvent("jdk.Compilation", e -> {
                RecordedMethod method = e.getValue("method");
                boolean ours = method.getType().getName().contains("BpfProgram");
                if (!e.getBoolean("succeded")) { // sic, the event's field
                    if (ours) failed.put(e.getInt("compileId"), method.getName() + " at tier " + e.getInt("compileLevel"));
                    return;
                }
                if (e.getInt("compileLevel") != 4) return;
                c2Compilations.add(e.getInt("compileId"));
                if (ours) compiled.add(method.getName());
                Set<String> callees = inlined.get(e.getInt("compileId"));
                if (callees != null) compiled.addAll(callees);
            });
            events.onEvent("jdk.CompilerInlining", e -> {
                try {
                    if (!e.getBoolean("succeeded")) return;
                    jdk.jfr.consumer.RecordedObject callee = e.getValue("callee");
                    Object type = callee.getValue("type");
                    if (!String.valueOf(type).contains("BpfProgram")) return;
                    int id = e.getInt("compileId");
                    Object method = callee.getValue("name");
                    String name = String.valueOf(method);
                    inlined.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(name);
                    if (c2Compilations.contains(id)) compiled.add(name);
                } catch (RuntimeException ex) {
                    System.out.println("event error " + ex); // fails the test: the parent finds no result lines
                    System.exit(3);
                }
            });
            events.startAsync();
            CompiledProgram program = JvmCompiler.compile(bpf, HelperTable.empty(), space,
                    new ExecutionOptions(false, Long.MAX_VALUE));
            // The methods holding BPF code: f<pc> per function, f<pc>_<n> per region of a split function
            // (the constructor and the tiny entry method are inlined into their callers, not compiled alone).
            Set<String> generated = new java.util.TreeSet<>(program.methodSizes().keySet());
            generated.removeIf(name -> !name.matches("f\\d+(_\\d+)?"));
            long runs = 0;
            while (!compiled.containsAll(generated) && runs < 5_000_000) {
                program.run(stack, 0, 0, 0, 0, 0);
                runs++;
            }
            System.out.println("methods " + generated.size() + " runs " + runs);
            for (String m : generated) System.out.println((compiled.contains(m) ? "C2 " : "NOT ") + m + " " + program.methodSizes().get(m));
            failed.forEach((id, what) -> System.out.println("FAILED " + what + ": " + failures.get(id)));
        }
    }

    // Before regions were bounded by their memory accesses (CodeGen.C1_ACCESS_LIMIT), C1 gave up on some
    // region methods at tier 3, and on a loaded machine they stayed at tier 2: never compiled by C2.
    @Test
    void everyRegionOfALargeProgramReachesC2() throws IOException, InterruptedException {
        List<String> methods = reachC2InAForkedJvm("manyRegions", manyRegions());
        assertThat(methods).as("split into several methods").hasSizeGreaterThan(2);
    }

    @Test
    void largeUnsplitFunctionsReachC2() throws IOException, InterruptedException {
        List<String> methods = reachC2InAForkedJvm("fewLargeMethods", fewLargeMethods());
        assertThat(methods).as("one method per function").hasSize(2);
        for (String m : methods) assertThat(size(m)).isGreaterThan(3000);
    }

    /** Runs {@link #main} in a JVM with default flags; asserts every method reached C2, returns their lines. */
    private static List<String> reachC2InAForkedJvm(String name, Program program) throws IOException, InterruptedException {
        assertThat(program.size()).isGreaterThan(1000);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", childClassPath(), CompilationEventsTest.class.getName(), name)
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        List<String> lines = output.lines().filter(l -> l.startsWith("C2 ") || l.startsWith("NOT ")).toList();
        assertThat(lines).as(output).isNotEmpty().allMatch(l -> l.startsWith("C2 "));
        // No compilation failed (C1 out of virtual registers, say: a method C1 gives up on at tier 3 may
        // stay at tier 2 for good), except for dependencies invalidated by class loading, which is retried.
        assertThat(output.lines().filter(l -> l.startsWith("FAILED ") && !l.contains("dependencies")
                && !l.contains("concurrent class loading"))).as(output).isEmpty();
        for (String l : lines) assertThat(size(l)).isLessThan(JvmCompiler.HUGE_METHOD_LIMIT);
        return lines;
    }

    /**
     * The classes of this run for a child JVM on the class path: Surefire runs the tests on the module path
     * (core's classes patched with its test classes), so the class path alone lacks them.
     */
    private static String childClassPath() {
        java.util.LinkedHashSet<String> entries = new java.util.LinkedHashSet<>();
        for (Class<?> c : List.of(CompilationEventsTest.class, Program.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property, "");
            for (String entry : value.split(java.io.File.pathSeparator)) if (!entry.isEmpty()) entries.add(entry);
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static int size(String line) {
        return Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
    }
}

package org.bpf4j.jit;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.ResolvedProgram;
import org.bpf4j.isa.Program;
import org.bpf4j.mem.AddressSpace;

/**
 * Compiles a BPF program to JVM bytecode: one hidden class per program, BPF registers as {@code long}
 * locals, BPF branches as JVM branches, memory through one {@link java.lang.foreign.MemorySegment} bound
 * as a constant, helpers bound as constants so that C2 can inline them. HotSpot then compiles the class
 * to machine code as it compiles any hot Java code.
 *
 * <p>The result behaves as the {@link org.bpf4j.interp.Interpreter} does (see docs/jit.md for the one
 * place the instruction budget makes a difference).
 */
public final class JvmCompiler {
    private JvmCompiler() {}

    /** HotSpot compiles no method with more bytecode than this (-XX:+DontCompileHugeMethods, the default). */
    public static final int HUGE_METHOD_LIMIT = 8000;
    /** First estimate bound of one region; halved while some generated method still ends up too large. */
    static final int REGION_ESTIMATE = 3000;
    private static final int MIN_REGION_ESTIMATE = 500;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.defaultResolver().orElse(
                    ClassHierarchyResolver.ofClassLoading(JvmCompiler.class.getClassLoader()))));

    /**
     * Checks the program as {@link org.bpf4j.interp.Interpreter#load} does and compiles it.
     *
     * @throws org.bpf4j.isa.InvalidProgramException naming the first instruction that cannot run
     * @throws TooLargeForJitException when a function is too large for the JIT even split into regions
     */
    public static CompiledProgram compile(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options) {
        // Whole functions first: a function is split only when HotSpot would not compile it whole. The size
        // estimates are upper bounds (about twice the real size), so splitting on them alone cut loops of
        // 100-150 instructions in two, and every iteration then went through the dispatcher.
        Analysis analysis = new Analysis(ResolvedProgram.resolve(program, helpers));
        // Estimates far over the limit (they are about twice the real size) are not worth a try, and keep
        // a whole function well inside the class file's 64 KiB per method.
        CodeGen whole = new CodeGen(analysis, space, options, WHOLE_FUNCTIONS);
        if (whole.largestFunctionEstimate() <= 3 * HUGE_METHOD_LIMIT) {
            byte[] bytes = whole.generate(CLASS_FILE);
            Map<String, Integer> sizes = methodSizes(bytes);
            if (Collections.max(sizes.values()) < HUGE_METHOD_LIMIT) return define(program, space, options, bytes, whole, sizes, analysis);
        }
        return compile(analysis, program, space, options, REGION_ESTIMATE);
    }

    /** A region estimate no function reaches: {@link CodeGen} then splits only functions with more accesses than C1 takes. */
    private static final int WHOLE_FUNCTIONS = Integer.MAX_VALUE / 2;

    static CompiledProgram compile(Program program, HelperTable helpers, AddressSpace space, ExecutionOptions options,
                                   int regionEstimate) {
        return compile(new Analysis(ResolvedProgram.resolve(program, helpers)), program, space, options, regionEstimate);
    }

    private static CompiledProgram compile(Analysis analysis, Program program, AddressSpace space, ExecutionOptions options,
                                           int regionEstimate) {
        for (int limit = regionEstimate; ; limit /= 2) {
            CodeGen gen = new CodeGen(analysis, space, options, limit);
            byte[] bytes;
            try {
                bytes = gen.generate(CLASS_FILE);
            } catch (IllegalArgumentException e) {
                // The class file API refuses a method over 64 KiB: the dispatcher of a function with tens of
                // thousands of instructions (one case per region). Smaller regions would only make it larger.
                throw new TooLargeForJitException("too large for the JIT: " + e.getMessage(), e);
            }
            Map<String, Integer> sizes = methodSizes(bytes);
            int largest = Collections.max(sizes.values());
            if (largest < HUGE_METHOD_LIMIT) return define(program, space, options, bytes, gen, sizes, analysis);
            if (limit < MIN_REGION_ESTIMATE) {
                throw new TooLargeForJitException("too large for the JIT: a generated method has " + largest
                        + " bytes of bytecode, over HotSpot's limit of " + HUGE_METHOD_LIMIT + ", even in the smallest regions", null);
            }
        }
    }

    static Map<String, Integer> methodSizes(byte[] classBytes) {
        ClassModel model = ClassFile.of().parse(classBytes);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (MethodModel m : model.methods()) {
            m.findAttribute(Attributes.code()).ifPresent(code -> sizes.put(m.methodName().stringValue(), code.codeLength()));
        }
        return Collections.unmodifiableMap(sizes);
    }

    private static CompiledProgram define(Program program, AddressSpace space, ExecutionOptions options, byte[] bytes,
                                          CodeGen gen, Map<String, Integer> sizes, Analysis analysis) {
        try {
            MethodHandles.Lookup hidden = LOOKUP.defineHiddenClassWithClassData(bytes, gen.classData(), true);
            CompiledCode code = (CompiledCode) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
            java.util.BitSet entries = new java.util.BitSet();
            for (int entry : analysis.functions.keySet()) entries.set(entry);
            return new CompiledProgram(program, space, options, code, bytes, sizes, entries);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("JIT: cannot define the generated class", t);
        }
    }
}

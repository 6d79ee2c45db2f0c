package org.bpf4j.runtime;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.elf.Relocation;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.engine.RunContext;
import org.bpf4j.engine.TailCallTarget;
import org.bpf4j.helpers.BaseHelpers;
import org.bpf4j.helpers.CallbackHelpers;
import org.bpf4j.helpers.Caller;
import org.bpf4j.helpers.HelperEnv;
import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.helpers.MapHelpers;
import org.bpf4j.helpers.PacketHelpers;
import org.bpf4j.helpers.TailCall;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.TooLargeForJitException;
import org.bpf4j.link.LinkedProgram;
import org.bpf4j.maps.ArrayMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.Errno;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.progtype.ContextLayout;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.KernelTarget;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;

/**
 * A program bound to its maps and prepared for the runtime's engine: map references resolved to map
 * handles and value addresses, context accesses rewritten to bpf4j's context layout, every helper it
 * calls present. Runs on any thread; each run owns a CPU slot from start to end.
 */
public final class LoadedProgram implements TailCallTarget, org.bpf4j.api.ProgramHandle {
    private final BpfRuntime runtime;
    private final ProgramSpec spec;
    private final TestContext testContext;
    private final Executable executable;
    private final VerifierResult verdict;
    private final RunMode mode;

    private LoadedProgram(BpfRuntime runtime, ProgramSpec spec, TestContext testContext, Executable executable,
                          VerifierResult verdict, RunMode mode) {
        this.runtime = runtime;
        this.spec = spec;
        this.testContext = testContext;
        this.executable = executable;
        this.verdict = verdict;
        this.mode = mode;
    }

    /** Prepares a program {@link #verify verified} into {@code mode}. */
    static LoadedProgram prepare(BpfRuntime runtime, LinkedProgram linked, VerifierResult verdict, RunMode mode,
                                 List<BpfMap> maps, List<RingBufMap> rings) {
        ProgramSpec spec = linked.spec();
        String name = "program " + spec.name();
        List<String> gaps = RuntimeSupport.gaps(spec, runtime.options().helpers());
        if (!gaps.isEmpty()) throw new LoadException(name + ": " + gaps.getFirst());
        Program program = bindMaps(name, linked, maps);
        HelperTable helpers = helpersFor(runtime, spec, rings);
        checkHelpers(name, program, helpers, runtime.options().helpers());
        TestContext context = TestContext.of(spec.type());
        ContextLayout layout = context.layout();
        try {
            if (!layout.pointerFields().isEmpty()) program = layout.rewrite(program);
            ExecutionOptions options = mode.options(runtime.options().instructionBudget());
            Executable executable = runtime.options().engine().load(program, helpers, runtime.memory(), options);
            return new LoadedProgram(runtime, spec, context, executable, verdict, mode);
        } catch (InvalidProgramException e) {
            throw new LoadException(name + ": " + e.getMessage() + source(spec, e.pc()), e);
        } catch (TooLargeForJitException e) {
            throw new LoadException(name + ": " + e.getMessage() + "; the interpreter runs it (RuntimeOptions.withEngine"
                    + "(Engine.INTERPRETER), bpf4j prog run --engine interp)", e);
        }
    }

    /**
     * The verifier's verdict, as the kernel gives it at load: a rejected program is refused with the
     * kernel's message; an accepted one runs verified. A program the verifier does not model yet
     * ({@code Unsupported}), or on which the verifier failed ({@code InternalError}), still loads and runs
     * checked (docs/runtime.md). One whose CO-RE relocations could not be resolved is refused.
     */
    static VerifierResult verify(BpfObject object, LinkedProgram linked, RuntimeOptions options) {
        if (linked.unresolved().isPresent()) throw new LoadException(linked.unresolved().get());
        VerifierOptions verifierOptions = VerifierOptions.defaults().withTarget(options.target()).withProgFlags(options.progFlags())
                .withHelpers(options.helpers());
        VerifierResult result = ObjectVerification.verify(object, linked, verifierOptions);
        ProgramSpec spec = linked.spec();
        switch (result) {
            case VerifierResult.Rejected r when r.insn() < 0 -> throw new LoadException("program " + spec.name() + ": rejected: " + r.message());
            case VerifierResult.Rejected r -> throw new LoadException("program " + spec.name() + ": rejected by the verifier at insn "
                    + r.insn() + ": " + (r.details().isEmpty() ? r.message() : String.join("; ", r.details())) + source(spec, r.insn()));
            default -> { }
        }
        return result;
    }

    /** How a program the verifier answered for runs ({@link #verify}: never a rejection). */
    static RunMode mode(VerifierResult verdict) {
        return switch (verdict) {
            case VerifierResult.Accepted _ -> RunMode.ACCEPTED;
            case VerifierResult.Unsupported u -> RunMode.checked("not modelled by the verifier: " + u.reason());
            case VerifierResult.InternalError e -> RunMode.checked("verifier internal error: " + e.message());
            case VerifierResult.Rejected r -> throw new IllegalArgumentException("a rejected program does not run: " + r.message());
        };
    }

    private static String source(ProgramSpec spec, int pc) {
        return spec.lineOf(pc).map(l -> " (" + l.fileName() + ":" + l.lineNumber() + ")").orElse("");
    }

    /**
     * Refuses, before the verifier sees them, the externs {@link org.bpf4j.elf.Externs#resolve} left: typed
     * {@code __ksym}s (a kernel BTF id) and externs no BTF declares.
     */
    static void refuseUnresolvedExterns(LinkedProgram linked) {
        for (Relocation r : linked.spec().relocations()) {
            if (r instanceof Relocation.ExternVariable v) throw new LoadException("program " + linked.name() + ": " + RuntimeSupport.unresolvedExtern(v));
        }
    }

    /**
     * Puts in each linked map reference what a program register holds for it, as the kernel's
     * resolve_pseudo_ldimm64 does: a map's handle, a value's address.
     */
    private static Program bindMaps(String name, LinkedProgram linked, List<BpfMap> maps) {
        return linked.bind((insn, dst, mapIndex, value, offset) -> {
            if (mapIndex < 0) {
                String map = linked.spec().relocations().stream().filter(r -> r.insn() == insn).findFirst()
                        .map(r -> r instanceof Relocation.MapReference m ? m.map() : ((Relocation.MapValueReference) r).map())
                        .orElse("?");
                throw new LoadException(name + ": insn " + insn + ": refers to map " + map + ", which the object does not define");
            }
            BpfMap map = maps.get(mapIndex);
            if (!value) return Insn.lddw(dst, PSEUDO_IMM64, map.ops().handle());
            if (!(map instanceof ArrayMap array)) {
                throw new LoadException(name + ": insn " + insn + ": takes the address of a value of " + map.name()
                        + ", which is not an array map");
            }
            if (offset < 0 || offset >= array.spec().valueSize()) {
                throw new LoadException(name + ": insn " + insn + ": offset " + offset + " is outside "
                        + map.name() + "'s value of " + array.spec().valueSize() + " bytes");
            }
            return Insn.lddw(dst, PSEUDO_IMM64, array.valueAddress(0) + offset);
        });
    }

    /**
     * The helpers a program may call in bpf4j: of the runtime's helper specs, the implementations of those the
     * program's type (and expected attach type) may call. Tracing, LSM, struct_ops and extension programs are
     * no {@link Caller} (the verifier does not model them, they run checked): they are offered every
     * implementation, as the kernel's tracing_prog_func_proto offers them bpf_base_func_proto's helpers.
     */
    static HelperTable helpersFor(BpfRuntime runtime, ProgramSpec spec, List<RingBufMap> rings) {
        HelperTable.Builder table = HelperTable.builder();
        Optional<Caller> caller = Caller.of(spec.type(), spec.expectedAttachType());
        HelperEnv env = new HelperEnv(spec.type(), runtime.maps(), rings, runtime.callbackState());
        for (HelperSpec helper : runtime.options().helpers().all()) {
            if (!RuntimeSupport.offered(helper, caller)) continue;
            helper.implementation().flatMap(i -> i.bind(helper.id(), env)).ifPresent(h -> table.add(helper.id(), helper.name(), h));
        }
        table.add(CoreRelocator.POISON_HELPER, "bpf4j_core_poison", (c, a, b, d, e, f) -> {
            throw new org.bpf4j.mem.MemoryFault(0, "reached an instruction whose CO-RE relocation could not be resolved"
                    + " against the target BTF (poisoned as libbpf does)");
        });
        return table.build();
    }

    /** A helper whose implementation exists but would not bind for this program (its environment lacks what it needs). */
    private static void checkHelpers(String name, Program program, HelperTable helpers, HelperSpecs specs) {
        for (RuntimeSupport.HelperCall call : RuntimeSupport.helperCalls(program)) {
            if (helpers.entry(call.id()) == null) throw new LoadException(name + ": " + RuntimeSupport.unimplemented(call.pc(), call.id(), specs));
        }
    }

    @Override
    public String name() { return spec.name(); }

    /** The program as the runtime's engine prepared it (what a tail call into it runs). */
    @Override
    public Executable executable() { return executable; }

    public ProgramSpec spec() { return spec; }

    /** Whether the program runs verified (unchecked, no budget) or checked, and why. */
    public RunMode mode() { return mode; }

    /**
     * What the verifier said of the program at load, for the target of the runtime's options: accepted (with
     * the processed count, the stack depths and, when asked for, the log), or not modelled. A rejected program
     * does not load.
     */
    public VerifierResult verdict() { return verdict; }

    @Override
    public ProgramType type() { return spec.type(); }

    /** The in-JVM runtime has no live hooks: it refuses, naming the backend that has them. */
    @Override
    public org.bpf4j.api.LinkHandle attach(Optional<String> interfaceName) {
        throw new UnsupportedOperationException("program " + spec.name() + " (section " + spec.sectionName() + "): the in-JVM runtime"
                + " has no live hooks; load the object with org.bpf4j.linux.KernelObject.load to attach it in the kernel");
    }

    /** The program as the engine runs it (maps bound, context accesses rewritten). */
    public Program program() { return executable.program(); }

    /**
     * Runs the program as {@code BPF_PROG_TEST_RUN} does for its type: the frame becomes its packet, it
     * runs {@code repeat} times on the same packet and maps, and the packet and context after the last
     * run come back. {@code dataSizeOut} and {@code ctxSizeOut}, when given, bound them as the kernel's
     * {@code bpf_test_finish}/{@code bpf_ctx_finish} do.
     *
     * @throws TestRunException for input the kernel refuses, output larger than the room given
     *     ({@code ENOSPC}), or a run that faults
     */
    @Override
    public TestRunResult testRun(TestRun input) {
        return testRun(input, RepeatProgress.NONE);
    }

    /** Runs between two progress reports (and interruption checks) of a long {@code repeat}. */
    private static final int RUNS_PER_REPORT = 1 << 20;

    /**
     * As {@link #testRun(TestRun)}, telling {@code progress} how far a long {@code repeat} got after every
     * {@value #RUNS_PER_REPORT} runs. An interrupt of the calling thread stops the runs there, as a signal stops the
     * kernel's (bpf_test_timer_continue: {@code EINTR}).
     */
    public TestRunResult testRun(TestRun input, RepeatProgress progress) {
        CpuSlots<RunContext> slots = runtime.slots();
        if ((input.flags() & TestRun.F_XDP_LIVE_FRAMES) != 0) {
            throw new TestRunException(Errno.EOPNOTSUPP, "BPF_F_TEST_XDP_LIVE_FRAMES sends frames out of an interface:"
                    + " only the kernel backend does that");
        }
        if ((input.flags() & ~(TestRun.F_RUN_ON_CPU | TestRun.F_XDP_LIVE_FRAMES)) != 0) {
            throw new TestRunException(Errno.EINVAL, "unknown test run flags 0x" + Integer.toHexString(input.flags()));
        }
        if (input.cpu() >= slots.count()) {
            throw new TestRunException(Errno.EINVAL, "cpu " + input.cpu() + " is not one of the runtime's " + slots.count() + " CPU slots");
        }
        TestContext.Prepared prepared = testContext.prepare(runtime.memory(), input);
        try {
            int cpu = input.cpu();
            slots.acquire(cpu);
            RunContext context = slots.slot(cpu);
            long ctx = prepared.context().address();
            long retval = 0;
            long start;
            long elapsed;
            runtime.maps().epochs().enter(cpu);
            try {
                start = System.nanoTime();
                int n = input.runs();
                for (int done = 0; done < n; ) {
                    int chunk = Math.min(n - done, RUNS_PER_REPORT);
                    for (int i = 0; i < chunk; i++) {
                        retval = executable.run(context, ctx, 0, 0, 0, 0, prepared.packetStart(), prepared.packetLength());
                    }
                    done += chunk;
                    if (done < n) {
                        if (Thread.interrupted()) {
                            throw new TestRunException(Errno.EINTR, "interrupted after " + done + " of " + n + " runs");
                        }
                        progress.ran(done, n, System.nanoTime() - start);
                    }
                }
                elapsed = System.nanoTime() - start;
            } catch (ProgramFault e) {
                throw new TestRunException(Errno.EFAULT, "program " + spec.name() + ": " + e.getMessage() + source(spec, e.pc()));
            } finally {
                runtime.maps().epochs().exit(cpu);
                slots.release(cpu);
            }
            return bounded(input, testContext.finish(runtime.memory(), prepared, retval, elapsed / input.runs()));
        } finally {
            runtime.memory().free(prepared.context());
            if (prepared.packet() != null) runtime.memory().free(prepared.packet());
        }
    }

    /** The result within the room the input gives for data_out and ctx_out (-1: all of it). */
    private TestRunResult bounded(TestRun input, TestRunResult result) {
        byte[] ctx = result.contextOut();
        if (input.ctxSizeOut() == 0) {
            ctx = new byte[0];
        } else if (input.ctxSizeOut() > 0 && ctx.length > input.ctxSizeOut()) {
            throw new TestRunException(Errno.ENOSPC, "program " + spec.name() + ": the context is " + ctx.length
                    + " bytes, ctx_out holds " + input.ctxSizeOut());
        }
        int data = result.dataOut().length;
        if (input.dataSizeOut() >= 0 && data > input.dataSizeOut()) {
            throw new TestRunException(Errno.ENOSPC, "program " + spec.name() + ": the program produced " + data
                    + " bytes of data, data_out holds " + input.dataSizeOut());
        }
        return ctx.length == result.contextOut().length ? result
                : new TestRunResult(result.retval(), result.dataOut(), ctx, result.durationNanos());
    }
}

package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.Errno;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.runtime.TestRun;
import org.bpf4j.runtime.TestRunResult;

/**
 * A program loaded into the kernel (so: accepted by the kernel's verifier), owned through its fd.
 */
public final class KernelProgram implements org.bpf4j.api.ProgramHandle, AutoCloseable {

    private final FdHandle handle;
    private final ProgramType type;
    private final String verifierLog;
    /** The ELF symbol name (the kernel keeps 15 characters) and section, when loaded from an object. */
    private volatile String name = "";
    private volatile Optional<String> section = Optional.empty();

    private KernelProgram(FdHandle handle, ProgramType type, String verifierLog) {
        this.handle = handle;
        this.type = type;
        this.verifierLog = verifierLog;
    }

    /** {@link #load(ProgramType, Program, String, LoadOptions)} with {@link LoadOptions#defaults()}. */
    public static KernelProgram load(ProgramType type, Program program, String license) {
        return load(type, program, license, LoadOptions.defaults());
    }

    /**
     * {@code BPF_PROG_LOAD}. Map references in {@code program} must already be fds
     * ({@link MapReferences#resolve}) or indexes into {@link LoadOptions#fdArray()}.
     *
     * @param license e.g. {@code "GPL"}: GPL-only helpers need a GPL-compatible license
     * @throws KernelLoadException when the kernel rejects the program: the message is the verifier's
     *         reason, {@link KernelLoadException#log()} the full log (fetched with log level 1 when
     *         {@code options.logLevel()} was 0)
     */
    public static KernelProgram load(ProgramType type, Program program, String license, LoadOptions options) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(license, "license");
        Objects.requireNonNull(options, "options");
        byte[] code = program.toBytes();
        String what = type + " program" + (options.name().isEmpty() ? "" : " '" + options.name() + "'");
        VerifierLog.Outcome o;
        try {
            o = load(type, program, license, options, code);
        } catch (KernelLoadException e) {
            // EPERM before the verifier ran: say which capability is missing, or that none is
            if (!e.is(Errno.EPERM) || !e.log().isEmpty()) throw e;
            throw new KernelLoadException(e.command(), e.errno(),
                    Capabilities.explain(BpfCommand.BPF_PROG_LOAD, e.errno(), type, what).getMessage(), e.log());
        }
        KernelProgram loaded = new KernelProgram(new FdHandle(o.fd(), what), type, o.log());
        loaded.name = options.name();
        return loaded;
    }

    private static VerifierLog.Outcome load(ProgramType type, Program program, String license, LoadOptions options, byte[] code) {
        return VerifierLog.load(BpfCommand.BPF_PROG_LOAD, options.logLevel(), options.logSize(),
                (a, level, buf, size, trueSize) -> {
                    MemorySegment attr = Attr.allocate(a);
                    fill(a, attr, type, code, program.size(), license, options);
                    Attr.putU32(attr, Attr.ProgLoad.LOG_LEVEL, level);
                    Attr.putU32(attr, Attr.ProgLoad.LOG_SIZE, size);
                    Attr.putPtr(attr, Attr.ProgLoad.LOG_BUF, buf);
                    long r = Sys.bpf(a, BpfCommand.BPF_PROG_LOAD, attr, Attr.ProgLoad.END);
                    trueSize[0] = Attr.getU32(attr, Attr.ProgLoad.LOG_TRUE_SIZE);
                    return r;
                });
    }

    private static void fill(Arena a, MemorySegment attr, ProgramType type, byte[] code, int insnCnt, String license,
                             LoadOptions o) {
        Attr.putU32(attr, Attr.ProgLoad.PROG_TYPE, type.id());
        Attr.putU32(attr, Attr.ProgLoad.INSN_CNT, insnCnt);
        Attr.putPtr(attr, Attr.ProgLoad.INSNS, a.allocateFrom(ValueLayout.JAVA_BYTE, code));
        Attr.putPtr(attr, Attr.ProgLoad.LICENSE, a.allocateFrom(license));
        Attr.putU32(attr, Attr.ProgLoad.KERN_VERSION, o.kernVersion());
        Attr.putU32(attr, Attr.ProgLoad.PROG_FLAGS, o.progFlags());
        Attr.putName(attr, Attr.ProgLoad.PROG_NAME, o.name());
        Attr.putU32(attr, Attr.ProgLoad.EXPECTED_ATTACH_TYPE, o.expectedAttachType().id());
        LoadOptions.ProgramBtf btf = o.btf();
        if (btf != null) {
            Attr.putU32(attr, Attr.ProgLoad.PROG_BTF_FD, btf.btfFd());
            byte[] fi = btf.funcInfo();
            if (fi.length > 0) {
                Attr.putU32(attr, Attr.ProgLoad.FUNC_INFO_REC_SIZE, btf.funcInfoRecSize());
                Attr.putPtr(attr, Attr.ProgLoad.FUNC_INFO, a.allocateFrom(ValueLayout.JAVA_BYTE, fi));
                Attr.putU32(attr, Attr.ProgLoad.FUNC_INFO_CNT, fi.length / btf.funcInfoRecSize());
            }
            byte[] li = btf.lineInfo();
            if (li.length > 0) {
                Attr.putU32(attr, Attr.ProgLoad.LINE_INFO_REC_SIZE, btf.lineInfoRecSize());
                Attr.putPtr(attr, Attr.ProgLoad.LINE_INFO, a.allocateFrom(ValueLayout.JAVA_BYTE, li));
                Attr.putU32(attr, Attr.ProgLoad.LINE_INFO_CNT, li.length / btf.lineInfoRecSize());
            }
        }
        Attr.putU32(attr, Attr.ProgLoad.ATTACH_BTF_ID, o.attachBtfId());
        Attr.putU32(attr, Attr.ProgLoad.ATTACH_PROG_FD, o.attachProgFd());
        List<Integer> fds = o.fdArray();
        if (!fds.isEmpty()) {
            MemorySegment arr = a.allocate(ValueLayout.JAVA_INT, fds.size());
            for (int i = 0; i < fds.size(); i++) arr.setAtIndex(ValueLayout.JAVA_INT, i, fds.get(i));
            Attr.putPtr(attr, Attr.ProgLoad.FD_ARRAY, arr);
        }
    }

    /**
     * {@code BPF_PROG_GET_FD_BY_ID}: the program with kernel id {@code id}, e.g. to attach it.
     *
     * @throws KernelObjects.NotFoundException when no program has that id
     * @throws IllegalArgumentException when its type is one this build does not know
     */
    public static KernelProgram open(int id) {
        FdHandle h = KernelObjects.open(KernelObjects.Kind.PROGRAM, id);
        try {
            KernelObjects.ProgInfo info = KernelObjects.progInfo(h);
            ProgramType type = info.type().orElseThrow(
                    () -> new IllegalArgumentException("program " + id + " has program type " + info.typeId() + ", unknown to bpf4j"));
            return new KernelProgram(h, type, "");
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /**
     * {@code BPF_OBJ_GET} of a pinned program; its type is read from {@code /proc/self/fdinfo}.
     *
     * @throws IllegalArgumentException when the pinned object is not a program
     */
    public static KernelProgram openPinned(Path path) {
        int fd = KernelMap.Pins.get(path);
        FdHandle h = new FdHandle(fd, "pinned program " + path);
        try {
            String info = KernelMap.Pins.fdinfo(fd);
            ProgramType type = info.lines()
                    .filter(l -> l.startsWith("prog_type:"))
                    .map(l -> Integer.parseInt(l.substring("prog_type:".length()).strip()))
                    .findFirst()
                    .flatMap(ProgramType::byId)
                    .orElseThrow(() -> new IllegalArgumentException(path + " is not a pinned program"));
            return new KernelProgram(h, type, "");
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    @Override
    public ProgramType type() { return type; }

    /** The program's name in its object, or the kernel's (at most 15 characters; empty when loaded unnamed). */
    @Override
    public String name() { return name; }

    /** Records the object's name for the program and its section, which names its hook. */
    void declaredAs(String elfName, String sectionName) {
        this.name = elfName;
        this.section = Optional.of(sectionName);
    }

    /**
     * Attaches the program to the hook its section names ({@link AttachPoint#of}), as libbpf's auto-attach does.
     *
     * @throws IllegalArgumentException when the program was not loaded from an object, or its section names no hook
     */
    @Override
    public Link attach(Optional<String> interfaceName) {
        String s = section.orElseThrow(() -> new IllegalArgumentException(this + " was not loaded from an object, so no section names"
                + " its hook: attach it with attachXdp, attachTracepoint, ..."));
        AttachPoint point = AttachPoint.of(s).orElseThrow(() -> new IllegalArgumentException("program " + name + ": section " + s
                + " names no hook to attach to"));
        return point.attach(this, interfaceName);
    }

    public int fd() { return handle.fd(); }

    /** The kernel-wide program id (as {@code bpftool prog show} prints it). */
    public int id() { return handle.objectId(); }

    /** The verifier's log of this load; empty when loaded with log level 0. */
    public String verifierLog() { return verifierLog; }

    /**
     * {@code BPF_PROG_TEST_RUN}, with the same input and result types as bpf4j's runtime
     * ({@code LoadedProgram.testRun}).
     *
     * @throws BpfException {@code ENOSPC} (with the size needed) when the program produced more data
     *         than {@link TestRun#dataSizeOut()} allows; {@code EINVAL}/{@code ENOTSUPP} when this program
     *         type cannot be test-run with these inputs
     */
    @Override
    public TestRunResult testRun(TestRun run) {
        Objects.requireNonNull(run, "run");
        int dataOutCap = run.effectiveDataSizeOut();
        int ctxOutCap = run.effectiveCtxSizeOut();
        byte[] dataIn = run.data();
        byte[] ctxIn = run.context().orElse(new byte[0]);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            MemorySegment dataOut = dataOutCap > 0 ? a.allocate(dataOutCap) : null;
            MemorySegment ctxOut = ctxOutCap > 0 ? a.allocate(ctxOutCap) : null;
            Attr.putU32(attr, Attr.TestRun.PROG_FD, handle.fd());
            if (dataIn.length > 0) {
                Attr.putU32(attr, Attr.TestRun.DATA_SIZE_IN, dataIn.length);
                Attr.putPtr(attr, Attr.TestRun.DATA_IN, a.allocateFrom(ValueLayout.JAVA_BYTE, dataIn));
            }
            Attr.putU32(attr, Attr.TestRun.DATA_SIZE_OUT, dataOutCap);
            Attr.putPtr(attr, Attr.TestRun.DATA_OUT, dataOut);
            Attr.putU32(attr, Attr.TestRun.REPEAT, run.repeat());
            if (ctxIn.length > 0) {
                Attr.putU32(attr, Attr.TestRun.CTX_SIZE_IN, ctxIn.length);
                Attr.putPtr(attr, Attr.TestRun.CTX_IN, a.allocateFrom(ValueLayout.JAVA_BYTE, ctxIn));
            }
            Attr.putU32(attr, Attr.TestRun.CTX_SIZE_OUT, ctxOutCap);
            Attr.putPtr(attr, Attr.TestRun.CTX_OUT, ctxOut);
            Attr.putU32(attr, Attr.TestRun.FLAGS, run.flags());
            Attr.putU32(attr, Attr.TestRun.CPU, run.cpu());
            Attr.putU32(attr, Attr.TestRun.BATCH_SIZE, run.batchSize());
            long r;
            try {
                r = Sys.bpf(a, BpfCommand.BPF_PROG_TEST_RUN, attr, Attr.TestRun.END);
            } finally {
                Reference.reachabilityFence(handle);
            }
            int dataSize = Attr.getU32(attr, Attr.TestRun.DATA_SIZE_OUT);
            if (r == -Errno.ENOSPC.number() && dataSize > dataOutCap) {
                throw BpfException.of(BpfCommand.BPF_PROG_TEST_RUN, Errno.ENOSPC.number(),
                        "the program produced " + dataSize + " bytes of data, data_out holds " + dataOutCap
                                + ": raise TestRun.dataSizeOut");
            }
            if (r < 0) throw BpfException.of(BpfCommand.BPF_PROG_TEST_RUN, (int) -r, type + " program");
            int ctxSize = Attr.getU32(attr, Attr.TestRun.CTX_SIZE_OUT);
            byte[] d = dataOut == null ? new byte[0]
                    : dataOut.asSlice(0, Math.min(dataSize, dataOutCap)).toArray(ValueLayout.JAVA_BYTE);
            byte[] c = ctxOut == null ? new byte[0]
                    : ctxOut.asSlice(0, Math.min(ctxSize, ctxOutCap)).toArray(ValueLayout.JAVA_BYTE);
            return new TestRunResult(Integer.toUnsignedLong(Attr.getU32(attr, Attr.TestRun.RETVAL)), d, c,
                    Integer.toUnsignedLong(Attr.getU32(attr, Attr.TestRun.DURATION)));
        }
    }

    /**
     * Attaches this XDP program to an interface of this process's network namespace with a BPF link.
     *
     * @throws IllegalArgumentException when there is no such interface
     * @throws BpfException with the kernel's errno when it refuses (the mode, the program type, an XDP
     *     program already attached without a link)
     */
    public Link attachXdp(String interfaceName, Link.XdpMode mode) {
        return Link.xdp(this, interfaceName, mode);
    }

    /**
     * Attaches this tc program to an interface's ingress or egress ({@code AttachType.TCX_INGRESS},
     * {@code TCX_EGRESS}) with tcx, the link-based tc attachment of Linux 6.6 and later.
     */
    public Link attachTcx(String interfaceName, org.bpf4j.progtype.AttachType direction) {
        return Link.tcx(this, interfaceName, direction);
    }

    /**
     * Attaches this tracepoint program to {@code category/name} (as {@code SEC("tracepoint/category/name")}
     * names it) through a perf event and a BPF link.
     *
     * @throws IllegalStateException when tracefs is not mounted
     * @throws IllegalArgumentException when the kernel has no such tracepoint
     */
    public Link attachTracepoint(String category, String name) {
        return Link.tracepoint(this, category, name);
    }

    /** Attaches this raw tracepoint program to the raw tracepoint {@code name} ({@code SEC("raw_tp/NAME")}). */
    public Link attachRawTracepoint(String name) {
        return Link.rawTracepoint(this, name);
    }

    /**
     * Attaches this perf_event program to CPU-clock sampling at {@code hertz} on every online CPU, as a
     * profiler does; the link owns one perf event and one BPF link per CPU.
     */
    public Link attachCpuClockSampling(int hertz) {
        return Link.cpuClockSampling(this, hertz);
    }

    /**
     * Attaches this kprobe-type program as a uprobe (or, {@code ret}, a uretprobe) on function {@code symbol}
     * of {@code binary} plus {@code offset}: the file offset comes from the binary's ELF symbols; {@code pid}
     * limits it to one process.
     *
     * @throws IllegalArgumentException when the binary has no such function
     * @throws IllegalStateException when the kernel has no uprobe PMU or refuses the perf event
     */
    public Link attachUprobe(Path binary, String symbol, long offset, boolean ret, java.util.OptionalInt pid) {
        return Link.uprobe(this, binary, symbol, offset, ret, pid);
    }

    /**
     * Attaches this kprobe program to kernel function {@code function} plus {@code offset} (a kprobe), or to
     * its return ({@code ret}: a kretprobe).
     *
     * @throws IllegalStateException when the kernel has no kprobe PMU (built without {@code CONFIG_KPROBES})
     */
    public Link attachKprobe(String function, long offset, boolean ret) {
        return Link.kprobe(this, function, offset, ret);
    }

    /**
     * Attaches this cgroup program to the cgroup v2 directory {@code cgroup} at {@code type} (e.g.
     * {@code CGROUP_INET4_CONNECT}, {@code CGROUP_INET_EGRESS}, {@code CGROUP_SYSCTL}) with a BPF link: it runs for
     * the processes of that cgroup and its descendants.
     *
     * @throws IllegalArgumentException when {@code cgroup} is not a directory of a mounted cgroup2
     */
    public Link attachCgroup(Path cgroup, org.bpf4j.progtype.AttachType type) {
        return Link.cgroup(this, cgroup, type);
    }

    /**
     * Attaches this socket filter to the socket with descriptor {@code socketFd} ({@code SO_ATTACH_BPF}); closing
     * the link detaches it ({@code SO_DETACH_BPF}). {@link Sockets#fd} finds the descriptor of a Java channel.
     *
     * @throws IllegalArgumentException when the kernel refuses (not a socket, not a socket filter)
     */
    public Link attachSocketFilter(int socketFd) {
        return Link.socketFilter(this, socketFd);
    }

    /**
     * Attaches this program, loaded with the {@code attach_btf_id} of {@code target}, with its expected attach
     * {@code type}: {@code TRACE_RAW_TP} (tp_btf), {@code TRACE_FENTRY}, {@code TRACE_FEXIT}, {@code MODIFY_RETURN},
     * {@code LSM_MAC}. The kernel attaches where the program was loaded for; {@code target} names it in the link.
     */
    public Link attachTracing(org.bpf4j.progtype.AttachType type, String target) {
        return Link.tracing(this, type, target);
    }

    /** Attaches this iterator program ({@code iter/target}); {@link Link#readIterator()} runs it and returns its output. */
    public Link attachIterator(String target) {
        return Link.iterator(this, target);
    }

    /**
     * Attaches this kprobe program (loaded with {@code TRACE_KPROBE_MULTI}) to every kernel function the glob
     * {@code pattern} matches, or their returns ({@code ret}), with one kprobe_multi link.
     *
     * @throws IllegalArgumentException when no function matches (naming the closest)
     */
    public Link attachKprobeMulti(String pattern, boolean ret) {
        return Link.kprobeMulti(this, pattern, ret);
    }

    /**
     * Attaches this kprobe program (loaded with {@code TRACE_UPROBE_MULTI}, {@code SEC("uprobe.multi...")}) to every
     * function of {@code binary} the glob {@code pattern} matches, or their returns ({@code ret}), with one
     * uprobe_multi link; {@code pid} limits it to one process.
     *
     * @throws IllegalArgumentException when the binary does not exist or no function matches (naming the closest)
     */
    public Link attachUprobeMulti(Path binary, String pattern, boolean ret, java.util.OptionalInt pid) {
        return Link.uprobeMulti(this, binary, pattern, ret, pid);
    }

    /** {@code BPF_OBJ_PIN}; remove the pin by deleting the file. */
    public void pin(Path path) {
        try {
            KernelMap.Pins.pin(handle.fd(), path);
        } finally {
            Reference.reachabilityFence(handle);
        }
    }

    @Override
    public void close() { handle.close(); }

    @Override
    public String toString() {
        return type + " program" + (handle.isClosed() ? " (closed)" : " fd " + handle.fd());
    }
}

package org.bpf4j.verifier;

import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * Test-only, minimal: loads programs into the running kernel through bpf(2) (BPF_MAP_CREATE and
 * BPF_PROG_LOAD with a verifier log) to compare verdicts. The real kernel backend lives in the linux
 * module; this is just enough for differential tests.
 */
final class KernelOracle {

    record Verdict(boolean accepted, String log, int errno) {
        /** The kernel's error line: the last line before "processed ...", or the last non-empty one. */
        String lastMessage() {
            String[] lines = log.split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                String l = lines[i].strip();
                if (l.isEmpty() || l.startsWith("processed ") || l.startsWith("verification time")
                        || l.startsWith("stack depth")) continue;
                return l;
            }
            return "";
        }

        List<String> lines() { return List.of(log.split("\n")); }
    }

    private static final long SYS_BPF = 321;
    private static final int BPF_MAP_CREATE = 0, BPF_PROG_LOAD = 5, BPF_MAP_FREEZE = 22;
    private static final int BPF_F_SLEEPABLE = org.bpf4j.progtype.ProgFlag.BPF_F_SLEEPABLE.bit();
    private static final MethodHandle SYSCALL;
    private static final MethodHandle CLOSE;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final boolean AVAILABLE;

    static {
        Linker linker = Linker.nativeLinker();
        MethodHandle sys = null, close = null;
        boolean ok = false;
        try {
            sys = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG),
                    Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));
            close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            ok = System.getProperty("os.name").toLowerCase().contains("linux")
                    && "amd64".equals(System.getProperty("os.arch"))
                    && "root".equals(System.getProperty("user.name"));
        } catch (Throwable t) {
            ok = false;
        }
        SYSCALL = sys;
        CLOSE = close;
        boolean works = false;
        if (ok) {
            try {
                int fd = createMap(MapInfo.of(MapType.ARRAY, 4, 8, 1));
                if (fd >= 0) {
                    close(fd);
                    works = true;
                }
            } catch (Throwable t) {
                works = false;
            }
        }
        AVAILABLE = works;
    }

    static boolean available() { return AVAILABLE; }

    private static long bpf(int cmd, MemorySegment attr, long size, MemorySegment capture) throws Throwable {
        return (long) SYSCALL.invokeExact(capture, SYS_BPF, (long) cmd, attr, size);
    }

    static int createMap(MapInfo m) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(72, 8);
            attr.set(JAVA_INT, 0, m.type().id());
            attr.set(JAVA_INT, 4, m.keySize());
            attr.set(JAVA_INT, 8, m.valueSize());
            attr.set(JAVA_INT, 12, m.maxEntries());
            attr.set(JAVA_INT, 16, m.flags());
            MemorySegment cap = a.allocate(CAPTURE);
            int fd = (int) bpf(BPF_MAP_CREATE, attr, 72, cap);
            if (fd >= 0 && m.frozen()) {
                MemorySegment freeze = a.allocate(8, 8);
                freeze.set(JAVA_INT, 0, fd);
                bpf(BPF_MAP_FREEZE, freeze, 8, cap);
            }
            return fd;
        }
    }

    /**
     * The running kernel as a verifier target: {@link KernelProbe} over this class's bpf(2) calls, the way
     * the linux module's RunningKernel probes it. One per test JVM; every fact probed once.
     */
    static KernelTarget running() { return Running.TARGET; }

    private static final class Running implements KernelProbe.Syscalls {
        static final KernelTarget TARGET = new KernelTarget.Probed("running", new KernelProbe(new Running()));

        @Override
        public KernelProbe.LoadAnswer load(ProgramType type, AttachType expectedAttachType, int progFlags, Program program) {
            // KernelOracle.load sets BPF_F_SLEEPABLE for syscall programs, the only flag a probe passes
            Verdict v = KernelOracle.load(program, type, List.of(), 1, "GPL", expectedAttachType, 0, 16 << 10);
            return new KernelProbe.LoadAnswer(v.accepted() ? 0 : v.errno(), v.log());
        }

        @Override
        public int createMap(KernelProbe.MapAttr m) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment cap = a.allocate(CAPTURE);
                int inner = 0;
                if (m.innerMap()) {
                    inner = KernelOracle.createMap(MapInfo.of(MapType.HASH, 4, 4, 1));
                    if (inner < 0) throw new IllegalStateException("cannot create a hash map as the inner map");
                }
                MemorySegment attr = a.allocate(72, 8);
                attr.set(JAVA_INT, 0, m.type().id());
                attr.set(JAVA_INT, 4, m.keySize());
                attr.set(JAVA_INT, 8, m.valueSize());
                attr.set(JAVA_INT, 12, m.maxEntries());
                attr.set(JAVA_INT, 16, m.flags());
                attr.set(JAVA_INT, 20, inner);
                attr.set(JAVA_INT, 48, m.btfFd());
                attr.set(JAVA_INT, 52, m.btfKeyTypeId());
                attr.set(JAVA_INT, 56, m.btfValueTypeId());
                attr.set(JAVA_INT, 60, m.btfVmlinuxValueTypeId());
                int fd = (int) bpf(BPF_MAP_CREATE, attr, 72, cap);
                int errno = fd < 0 ? (int) ERRNO.get(cap, 0L) : 0;
                if (fd >= 0) KernelOracle.close(fd);
                if (inner > 0) KernelOracle.close(inner);
                return errno;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // best effort
        }
    }

    /** Loads {@code p} as {@code type} with its maps created for it; lddw map imms are indexes into maps. */
    static Verdict load(Program p, ProgramType type, List<MapInfo> maps, int logLevel) {
        return load(p, type, maps, logLevel, "GPL", AttachType.CGROUP_INET_INGRESS);
    }

    /**
     * As {@link #load(Program, ProgramType, List, int)} with a license and an expected_attach_type;
     * syscall programs are loaded sleepable, as the kernel requires.
     */
    static Verdict load(Program p, ProgramType type, List<MapInfo> maps, int logLevel, String licenseName,
                        AttachType expectedAttachType) {
        return load(p, type, maps, logLevel, licenseName, expectedAttachType, 0);
    }

    /** As {@link #load(Program, ProgramType, List, int, String, AttachType)} with {@code prog_flags}. */
    static Verdict load(Program p, ProgramType type, List<MapInfo> maps, int logLevel, String licenseName,
                        AttachType expectedAttachType, int progFlags) {
        return load(p, type, maps, logLevel, licenseName, expectedAttachType, progFlags, 16 << 20);
    }

    private static Verdict load(Program p, ProgramType type, List<MapInfo> maps, int logLevel, String licenseName,
                                AttachType expectedAttachType, int progFlags, int logSize) {
        List<Integer> fds = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            for (MapInfo m : maps) {
                int fd = createMap(m);
                if (fd < 0) throw new IllegalStateException("map create failed for " + m);
                fds.add(fd);
            }
            List<Insn> insns = new ArrayList<>(p.insns());
            for (int i = 0; i < insns.size(); i++) {
                Insn in = insns.get(i);
                if (in.opcode() == Opcodes.LDDW && (in.src() == Opcodes.PSEUDO_MAP_FD || in.src() == Opcodes.PSEUDO_MAP_VALUE)
                        && in.imm() >= 0 && in.imm() < fds.size()) {
                    insns.set(i, new Insn(in.opcode(), in.dst(), in.src(), in.off(), fds.get(in.imm())));
                }
            }
            byte[] code = new Program(insns).toBytes();
            MemorySegment insnSeg = a.allocate(Math.max(code.length, 8), 8);
            MemorySegment.copy(MemorySegment.ofArray(code), 0, insnSeg, 0, code.length);
            MemorySegment license = a.allocateFrom(licenseName, StandardCharsets.US_ASCII);
            MemorySegment logBuf = a.allocate(logSize);
            MemorySegment attr = a.allocate(144, 8);
            attr.set(JAVA_INT, 0, type.id());
            attr.set(JAVA_INT, 4, code.length / 8);
            attr.set(JAVA_LONG, 8, insnSeg.address());
            attr.set(JAVA_LONG, 16, license.address());
            attr.set(JAVA_INT, 24, logLevel);
            attr.set(JAVA_INT, 28, logSize);
            attr.set(JAVA_LONG, 32, logBuf.address());
            attr.set(JAVA_INT, 44, progFlags | (type == ProgramType.SYSCALL ? BPF_F_SLEEPABLE : 0));
            attr.set(JAVA_INT, 68, expectedAttachType.id());
            MemorySegment cap = a.allocate(CAPTURE);
            long fd = bpf(BPF_PROG_LOAD, attr, 144, cap);
            int errno = fd < 0 ? (int) ERRNO.get(cap, 0L) : 0;
            String log = logBuf.getString(0, StandardCharsets.UTF_8);
            if (fd >= 0) close((int) fd);
            return new Verdict(fd >= 0, log, errno);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            for (int fd : fds) close(fd);
        }
    }
}

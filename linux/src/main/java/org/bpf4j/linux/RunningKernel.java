package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.KernelProbe;
import org.bpf4j.verifier.KernelTarget;

/**
 * The kernel this process runs on as a verifier target ({@code --target running}): a {@link KernelProbe}
 * whose bpf(2) calls go through FFM. One probe per process, which probes each fact once, when the
 * verifier first asks for it (docs/verifier.md, "Targets").
 */
public final class RunningKernel implements KernelProbe.Syscalls {

    /** Enough for the log of a two-instruction program, whatever the verifier says of it. */
    private static final int LOG_SIZE = 16 * 1024;

    private static final class Holder {
        static final KernelTarget TARGET = new KernelTarget.Probed("running", new KernelProbe(new RunningKernel()));
    }

    private RunningKernel() {}

    /**
     * The running kernel as a target.
     *
     * @throws IllegalStateException when bpf(2) cannot be used here (with {@link KernelAvailability}'s reason)
     */
    public static KernelTarget target() {
        // the probe's own first question, a socket filter every kernel with bpf(2) loads, tells whether bpf(2)
        // works; KernelAvailability (a map and a program through the full backend) only says why not
        boolean works;
        try {
            works = Sys.LINUX && Sys.SYS_BPF >= 0
                    && ((KernelTarget.Probed) Holder.TARGET).offer().loads(ProgramType.SOCKET_FILTER, AttachType.CGROUP_INET_INGRESS);
        } catch (RuntimeException | LinkageError e) {
            works = false; // no FFM here: KernelAvailability words it
        }
        if (!works) {
            KernelAvailability k = KernelAvailability.check();
            throw new IllegalStateException("the running kernel cannot be probed: "
                    + (k.available() ? "it does not load a socket filter" : k.reason()));
        }
        return Holder.TARGET;
    }

    @Override
    public KernelProbe.LoadAnswer load(ProgramType type, AttachType expectedAttachType, int progFlags, Program program) {
        byte[] code = program.toBytes();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            MemorySegment log = a.allocate(LOG_SIZE);
            Attr.putU32(attr, Attr.ProgLoad.PROG_TYPE, type.id());
            Attr.putU32(attr, Attr.ProgLoad.INSN_CNT, program.size());
            Attr.putPtr(attr, Attr.ProgLoad.INSNS, a.allocateFrom(ValueLayout.JAVA_BYTE, code));
            Attr.putPtr(attr, Attr.ProgLoad.LICENSE, a.allocateFrom("GPL"));
            Attr.putU32(attr, Attr.ProgLoad.LOG_LEVEL, LoadOptions.LOG_LEVEL1);
            Attr.putU32(attr, Attr.ProgLoad.LOG_SIZE, LOG_SIZE);
            Attr.putPtr(attr, Attr.ProgLoad.LOG_BUF, log);
            Attr.putU32(attr, Attr.ProgLoad.PROG_FLAGS, progFlags);
            Attr.putU32(attr, Attr.ProgLoad.EXPECTED_ATTACH_TYPE, expectedAttachType.id());
            long r = Sys.bpf(a, BpfCommand.BPF_PROG_LOAD, attr, Attr.ProgLoad.END);
            if (r >= 0) Sys.close((int) r);
            return new KernelProbe.LoadAnswer(r >= 0 ? 0 : (int) -r, VerifierLog.cString(log));
        }
    }

    @Override
    public int createMap(KernelProbe.MapAttr m) {
        try (Arena a = Arena.ofConfined()) {
            int inner = 0;
            if (m.innerMap()) {
                long r = create(a, MapType.HASH.id(), 4, 4, 1, 0, 0, 0, 0, 0, 0);
                if (r < 0) return (int) -r;
                inner = (int) r;
            }
            long r = create(a, m.type().id(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags(), inner, m.btfFd(),
                    m.btfKeyTypeId(), m.btfValueTypeId(), m.btfVmlinuxValueTypeId());
            if (r >= 0) Sys.close((int) r);
            if (inner > 0) Sys.close(inner);
            return r >= 0 ? 0 : (int) -r;
        }
    }

    private static long create(Arena a, int type, int key, int value, int max, int flags, int innerFd, int btfFd,
                               int btfKey, int btfValue, int vmlinuxValue) {
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.MapCreate.MAP_TYPE, type);
        Attr.putU32(attr, Attr.MapCreate.KEY_SIZE, key);
        Attr.putU32(attr, Attr.MapCreate.VALUE_SIZE, value);
        Attr.putU32(attr, Attr.MapCreate.MAX_ENTRIES, max);
        Attr.putU32(attr, Attr.MapCreate.MAP_FLAGS, flags);
        Attr.putU32(attr, Attr.MapCreate.INNER_MAP_FD, innerFd);
        Attr.putU32(attr, Attr.MapCreate.BTF_FD, btfFd);
        Attr.putU32(attr, Attr.MapCreate.BTF_KEY_TYPE_ID, btfKey);
        Attr.putU32(attr, Attr.MapCreate.BTF_VALUE_TYPE_ID, btfValue);
        Attr.putU32(attr, Attr.MapCreate.BTF_VMLINUX_VALUE_TYPE_ID, vmlinuxValue);
        return Sys.bpf(a, BpfCommand.BPF_MAP_CREATE, attr, Attr.MapCreate.END);
    }
}

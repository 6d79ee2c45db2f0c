package org.bpf4j.linux;

import org.bpf4j.progtype.ProgramType;
import org.bpf4j.maps.MapType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.Errno;

/**
 * Whether the kernel backend can work here, and if not, why — so that tests skip with a reason
 * instead of passing silently. Probes by doing: creates a one-element array map and loads
 * {@code r0 = 0; exit} as a socket filter.
 *
 * @param available bpf(2) can create maps and load programs
 * @param reason why not (empty when available)
 * @param bpffs a bpf filesystem is mounted at {@link #BPFFS} (needed for pinning)
 * @param bpffsReason why not (empty when mounted)
 */
public record KernelAvailability(boolean available, String reason, boolean bpffs, String bpffsReason) {

    public static final Path BPFFS = Path.of("/sys/fs/bpf");

    private static volatile KernelAvailability cached;

    /** The probe's result, computed once per JVM. */
    public static KernelAvailability check() {
        KernelAvailability c = cached;
        if (c == null) cached = c = probe();
        return c;
    }

    private static KernelAvailability probe() {
        String reason = bpfReason();
        String fsReason = reason.isEmpty() ? probeBpffs() : "the bpf syscall is unusable: " + reason;
        return new KernelAvailability(reason.isEmpty(), reason, fsReason.isEmpty(), fsReason);
    }

    private static String bpfReason() {
        if (!Sys.LINUX) return "not Linux (os.name=" + Sys.OS + ")";
        if (Sys.SYS_BPF < 0) return "no bpf(2) syscall number known for os.arch=" + Sys.ARCH;
        try (KernelMap m = KernelMap.create(KernelMapSpec.of(MapType.ARRAY, 4, 4, 1))) {
            m.fd();
        } catch (BpfException e) {
            return "bpf(BPF_MAP_CREATE) failed with " + e.errnoName() + hint(e);
        } catch (RuntimeException | LinkageError e) {
            return "cannot call bpf(2) through FFM: " + e;
        }
        try (KernelProgram p = KernelProgram.load(ProgramType.SOCKET_FILTER,
                new Program(List.of(Insn.mov64Imm(0, 0), Insn.exit())), "GPL")) {
            p.fd();
        } catch (BpfException e) {
            return "bpf(BPF_PROG_LOAD) of a trivial socket filter failed with " + e.errnoName() + hint(e)
                    + ": " + e.getMessage();
        }
        return "";
    }

    private static String hint(BpfException e) {
        if (e.is(Errno.EPERM)) {
            return " (needs root or CAP_BPF; kernel.unprivileged_bpf_disabled="
                    + read(Path.of("/proc/sys/kernel/unprivileged_bpf_disabled")) + ")";
        }
        if (e.is(Errno.ENOSYS)) return " (kernel without CONFIG_BPF_SYSCALL, or a seccomp filter)";
        return "";
    }

    private static String probeBpffs() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = line.split(" ");
                if (f.length >= 3 && f[1].equals(BPFFS.toString()) && f[2].equals("bpf")) return "";
            }
        } catch (IOException e) {
            return "cannot read /proc/self/mounts: " + e.getMessage();
        }
        return "no bpf filesystem at " + BPFFS + " (mount -t bpf bpf " + BPFFS + ")";
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}

package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.maps.Errno;
import org.bpf4j.progtype.ProgramType;

/**
 * Which capability an {@code EPERM} from {@code bpf(2)} means is missing: every program needs {@code CAP_BPF}
 * (or {@code CAP_SYS_ADMIN}); tracing types {@code CAP_PERFMON} too, networking types {@code CAP_NET_ADMIN}
 * (the kernel's {@code is_perfmon_prog_type} and {@code is_net_admin_prog_type} in {@code bpf_prog_load}).
 * The capabilities held are this process's effective set ({@code CapEff} of {@code /proc/self/status}).
 */
final class Capabilities {
    private Capabilities() {}

    static final int CAP_NET_ADMIN = 12, CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /** The capabilities, beside CAP_BPF, that a program of {@code type} needs. */
    static List<Integer> needed(ProgramType type) {
        return switch (type) {
            case KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE, TRACING, LSM, STRUCT_OPS, EXT ->
                    List.of(CAP_BPF, CAP_PERFMON);
            case SCHED_CLS, SCHED_ACT, XDP, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL, SOCK_OPS, SK_SKB, SK_MSG,
                 FLOW_DISSECTOR, CGROUP_DEVICE, CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SOCKOPT, CGROUP_SYSCTL, CGROUP_SKB,
                 SK_LOOKUP, SK_REUSEPORT, NETFILTER -> List.of(CAP_BPF, CAP_NET_ADMIN);
            default -> List.of(CAP_BPF);
        };
    }

    static String name(int cap) {
        return switch (cap) {
            case CAP_NET_ADMIN -> "CAP_NET_ADMIN";
            case CAP_SYS_ADMIN -> "CAP_SYS_ADMIN";
            case CAP_PERFMON -> "CAP_PERFMON";
            case CAP_BPF -> "CAP_BPF";
            default -> "capability " + cap;
        };
    }

    /**
     * Of {@code needed}, those {@code effective} lacks; {@code CAP_SYS_ADMIN} stands in for CAP_BPF and CAP_PERFMON
     * as the kernel's {@code bpf_capable} and {@code perfmon_capable} allow.
     */
    static List<String> missing(List<Integer> needed, long effective) {
        boolean sysAdmin = (effective & 1L << CAP_SYS_ADMIN) != 0;
        List<String> missing = new ArrayList<>();
        for (int cap : needed) {
            boolean held = (effective & 1L << cap) != 0 || (sysAdmin && (cap == CAP_BPF || cap == CAP_PERFMON));
            if (!held) missing.add(name(cap));
        }
        return missing;
    }

    /** {@code CapEff} of this process; all ones where it cannot be read (nothing is then called missing). */
    static long effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) return Long.parseUnsignedLong(line.substring(7).strip(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1L;
    }

    /**
     * The exception for {@code command} failing with {@code errno} on a program of {@code type}: for EPERM, the
     * capabilities missing, or — all held — that something else (lockdown, an LSM, a sysctl) refused.
     */
    /**
     * For an EPERM of any {@code bpf(2)} command: {@code ": missing CAP_BPF"} when this process holds neither
     * CAP_BPF nor CAP_SYS_ADMIN (which every command but a few unprivileged ones needs), else nothing.
     */
    static String bpfHint() {
        List<String> missing = missing(List.of(CAP_BPF), effective());
        return missing.isEmpty() ? "" : ": missing CAP_BPF (or CAP_SYS_ADMIN)";
    }

    static BpfException explain(BpfCommand command, int errno, ProgramType type, String what) {
        if (errno != Errno.EPERM.number()) return BpfException.of(command, errno, what);
        List<String> missing = missing(needed(type), effective());
        String why = missing.isEmpty()
                ? "every capability " + type + " programs need is held: the kernel refused for another reason (lockdown,"
                + " a security module, a sysctl such as kernel.unprivileged_bpf_disabled)"
                : "missing " + String.join(" and ", missing) + " (" + type + " programs need "
                + String.join(" and ", needed(type).stream().map(Capabilities::name).toList())
                + "; CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON)";
        return new BpfException(command, errno, BpfException.text(command, errno, what + ": " + why));
    }
}

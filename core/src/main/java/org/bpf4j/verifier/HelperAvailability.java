package org.bpf4j.verifier;

import static org.bpf4j.verifier.VerifierOps.*;

import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * Which helpers each program type may call on Linux 6.18, as the kernel's {@code get_func_proto} of the
 * type answers (with the {@code bpf_base_func_proto} fallbacks and the CAP_BPF/CAP_PERFMON gates of a
 * privileged loader), and whether the prototype it returns is gpl_only.
 *
 * <p>One character per helper id, id 1 first: {@code .} the type cannot use the helper, {@code a}
 * available, {@code s} available only to sleepable programs (might_sleep), {@code p} refused by the
 * prototype's {@code allowed} callback; upper case when the prototype is gpl_only. Measured on the running
 * kernel with a call-only program per id and type, once with a GPL and once with a proprietary license
 * (HelperAvailabilityOracleTest compares every entry with the kernel again). lirc_mode2 is not built into
 * the reference kernel: its row follows lirc_mode2_func_proto of drivers/media/rc/bpf-lirc.c.
 */
final class HelperAvailability {
    private HelperAvailability() {}

    /**
     * What the kernel does with a call of a helper from a program type, before it looks at the arguments;
     * {@code INVALID}: the target kernel does not know the id at all.
     */
    enum Verdict { UNAVAILABLE, AVAILABLE, MIGHT_SLEEP, NOT_ALLOWED, INVALID }

    /**
     * The verdict on {@code target}: Linux 6.18's table, with what a {@link KernelTarget.Probed} kernel does
     * not offer taken away (a helper its configuration compiled out). What it offers beyond the table stays
     * unavailable: bpf4j has no prototype for it.
     */
    static Verdict verdict(int id, ProgramType type, AttachType attachType, KernelTarget target) {
        Verdict v = verdict(id, type, attachType);
        if (v == Verdict.UNAVAILABLE || !(target instanceof KernelTarget.Probed p)) return v;
        return switch (p.offer().helper(type, attachType, id)) {
            case OFFERED -> v;
            case NOT_FOR_TYPE -> Verdict.UNAVAILABLE;
            case UNKNOWN_ID -> Verdict.INVALID;
        };
    }

    static Verdict verdict(int id, ProgramType type, AttachType attachType) {
        char c = entry(id, type, attachType);
        return switch (Character.toLowerCase(c)) {
            case 'a' -> Verdict.AVAILABLE;
            case 's' -> Verdict.MIGHT_SLEEP;
            case 'p' -> Verdict.NOT_ALLOWED;
            default -> Verdict.UNAVAILABLE;
        };
    }

    static boolean gplOnly(int id, ProgramType type, AttachType attachType) {
        return Character.isUpperCase(entry(id, type, attachType));
    }

    private static char entry(int id, ProgramType type, AttachType attachType) {
        String row = row(type, attachType);
        return row == null || id < 1 || id > row.length() ? '.' : row.charAt(id - 1);
    }

    private static String row(ProgramType type, AttachType attachType) {
        return switch (type) {
            case SOCKET_FILTER -> SOCKET_FILTER_ROW;
            case KPROBE -> switch (attachType) {
                case TRACE_KPROBE_MULTI, TRACE_UPROBE_MULTI, TRACE_KPROBE_SESSION, TRACE_UPROBE_SESSION -> KPROBE_MULTI_ROW;
                default -> TRACING_PROBES_ROW;
            };
            case TRACEPOINT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE -> TRACING_PROBES_ROW;
            case SCHED_CLS, SCHED_ACT -> TC_ROW;
            case XDP -> XDP_ROW;
            case PERF_EVENT -> PERF_EVENT_ROW;
            case CGROUP_SKB -> CGROUP_SKB_ROW;
            case CGROUP_SOCK -> CGROUP_SOCK_ROW;
            case LWT_IN -> LWT_IN_ROW;
            case LWT_OUT -> LWT_OUT_ROW;
            case LWT_XMIT -> LWT_XMIT_ROW;
            case LWT_SEG6LOCAL -> LWT_SEG6LOCAL_ROW;
            case SOCK_OPS -> SOCK_OPS_ROW;
            case SK_SKB -> SK_SKB_ROW;
            case CGROUP_DEVICE -> CGROUP_DEVICE_ROW;
            case SK_MSG -> SK_MSG_ROW;
            case CGROUP_SOCK_ADDR -> switch (attachType) {
                case CGROUP_INET4_CONNECT, CGROUP_INET6_CONNECT -> SOCK_ADDR_CONNECT_ROW; // bpf_bind
                case CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME,
                     CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                     CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> SOCK_ADDR_PEER_ROW; // no bpf_set_retval
                default -> SOCK_ADDR_ROW;
            };
            case LIRC_MODE2 -> LIRC_MODE2_ROW;
            case SK_REUSEPORT -> SK_REUSEPORT_ROW;
            case FLOW_DISSECTOR -> FLOW_DISSECTOR_ROW;
            case CGROUP_SYSCTL -> CGROUP_SYSCTL_ROW;
            case CGROUP_SOCKOPT -> attachType == AttachType.CGROUP_SETSOCKOPT ? SETSOCKOPT_ROW : GETSOCKOPT_ROW;
            case SK_LOOKUP -> SK_LOOKUP_ROW;
            case SYSCALL -> SYSCALL_ROW;
            case NETFILTER -> NETFILTER_ROW;
            case TRACING, STRUCT_OPS, EXT, LSM, UNSPEC -> null;
        };
    }

    // each row is five strings: ids 1-50, 51-100, 101-150, 151-200, 201-211
    private static final String SOCKET_FILTER_ROW =
            "aaa.aAaa...a.aaaa....A..Aa........A.a....a...aa..."
            + "....A............a...........a......aaa...aa......"
            + "....aa..a..AAAA.aa.a.aa.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String TRACING_PROBES_ROW =
            "aaaAaAaa...a.aaaa....A..A.A.......A.a....a..A....."
            + "....A...........A............a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAAAaAAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String KPROBE_MULTI_ROW =
            "aaaAaAaa...a.aaaa....A..A.A.......A.a....a..A....."
            + "....A...........A............a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAAaaAAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String TC_ROW =
            "aaa.aAaaaaaaaaaaaaaaaAaaAa.aaaaaaaA.aaaaaaa..aaa.a"
            + "....A..........a.aA.........aa..aaaaaaa...aaaaaaaA"
            + "....aaaaaA.AAAA.aa.a.aaaa....aaaaaaaaaaaa......sa."
            + "aaaaaaaA.a..AaA...AAAA..AAAa.aaa........Sa.aaaaaaa"
            + "aaaAAAAaaaa";
    private static final String XDP_ROW =
            "aaa.aAaa...a.aaaa....Aa.A..a......A.a....a.a......"
            + "a..aA.........a...A..........a...aaaaaa...aa....aA"
            + "....aa..aA.AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a..AaA...AAAA..AAAa.aaa.....aaaS..aaaaaaa"
            + "aaaAAAAaaaa";
    private static final String PERF_EVENT_ROW =
            "aaaAaAaa...a.aaaa....A..A.a.......A.a....a..A....."
            + "....AA..........A............a......aaa...aa......"
            + "....aa..a..AAAA.aaAa..a.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAAAaAAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String CGROUP_SKB_ROW =
            "aaa.aAaa...a.aaaa....A..Aa........A.a....a...aa..."
            + "....A............a..........aaa.aaaaaaa...aaaaaaa."
            + "....aaaaa..AAAA.aa.a.aa.a..aaaaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String CGROUP_SOCK_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a...a...."
            + "....A........................aa.....aaa...aa......"
            + "....aaa.a..AAAA.aa.a.aa.a....aaaaa......a......sa."
            + "..aa.aaA.a...aA...AAAA..AAA..aaa...aa...S..aa.aaaa"
            + "aaa....aaaa";
    private static final String LWT_IN_ROW =
            "aaa.aAaa...a.aaaa....A.aAa.a....aaA.a.a..a........"
            + "....A.................a......a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String LWT_OUT_ROW =
            "aaa.aAaa...a.aaaa....A.aAa.a....aaA.a.a..a........"
            + "....A........................a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String LWT_XMIT_ROW =
            "aaa.aAaaaaaaaaaaa..aaAaaAa.aaa..aaA.aaaaaaa......."
            + "....A.................a......a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaaaaaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SOCK_OPS_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a...a..a."
            + "..a.A.a.a..........a.........aa.....aaa...aa.a...."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa.aaaaaaaaa...sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SK_SKB_ROW =
            "aaa.aAaaa..a.aaaa....A..Aa........A.aaa..aa..aa..a"
            + ".a..A................a.......a...aaaaaa...aa....a."
            + "....aa..a..AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String CGROUP_DEVICE_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a........"
            + "....A........................aa.....aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAA..AAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String SK_MSG_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a........"
            + "....A....aaaa.......a........a......aaaaa.aa......"
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SOCK_ADDR_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a...a..a."
            + "....A.a......................aa..aaaaaa...aa....a."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa...aa...S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SOCK_ADDR_CONNECT_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a...a..a."
            + "....A.a......a...............aa..aaaaaa...aa....a."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa...aa...S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SOCK_ADDR_PEER_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a...a..a."
            + "....A.a......................aa..aaaaaa...aa....a."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String LWT_SEG6LOCAL_ROW =
            "aaa.aAaa...a.aaaa....A.aAa.a....aaA.a.a..a........"
            + "....A..................aaa...a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SK_REUSEPORT_ROW =
            "aaa.aAaa...a.aaaa....A...a........A.a....a...a...."
            + "....A............a...........a.a....aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.a...aA...AAAA..AAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String FLOW_DISSECTOR_ROW =
            "aaa.aAaa...a.aaaa....A...a........A.a....a........"
            + "....A........................a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String CGROUP_SYSCTL_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a........"
            + "....A........................aa.....aaa...aa......"
            + "aaaaaa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.a...aA...AAAA..AAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String GETSOCKOPT_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a........"
            + "....A........................aa.....aaa...aa.a...."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAA..AAA..aaa...aa...S..aa.aaaa"
            + "aaa....aaaa";
    private static final String SETSOCKOPT_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a......a."
            + "....A.a......................aa.....aaa...aa.a...."
            + "....aaaaa..AAAA.aa.a.aa.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAA..AAA..aaa...aa...S..aa.aaaa"
            + "aaa....aaaa";
    private static final String SK_LOOKUP_ROW =
            "aaa.aAaa...a.aaaa....A..A.........A.a....a........"
            + "....A........................a.....aaaa...aa......"
            + "....aa..a..AAAA.aa.a..aaa....aaaaa.aaaaaa......sa."
            + "..aa.aaA.a...aA...AAAA..AAAa.aaa........S..aaaaaaa"
            + "aaa....aaaa";
    private static final String SYSCALL_ROW =
            "aaaAaAaa...a.aaaa....A..A.A.......A.a....a..Aa...."
            + "....A...........A............a......aaa...aa......"
            + "....aappa.AAAAA.aa.aA.a.a....aaaaa.aaaaaa.....paa."
            + "..aa.aaA...a.aAaaaAAAAA.AAAaaaaa.....a..A..aaaaaaa"
            + "aaa....aaaa";
    private static final String NETFILTER_ROW =
            "aaa.aAaa...a.aaaa....A............A.a....a........"
            + "....A........................a......aaa...aa......"
            + "....aa..a..AAAA.aa.a..a.a....aaaaa......a......sa."
            + "..aa.aaA.....aA...AAAA..AAA..aaa........S..aa.aaaa"
            + "aaa....aaaa";
    private static final String LIRC_MODE2_ROW =
            "aaa.aAa....a......................................"
            + "..........................AA........aaa..A........"
            + "........................a........................."
            + ".................................................."
            + "...........";
}

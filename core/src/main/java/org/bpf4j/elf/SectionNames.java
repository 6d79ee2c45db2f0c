package org.bpf4j.elf;

import static org.bpf4j.progtype.ProgramType.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * Section name -> program type, libbpf's table ({@code section_defs} in libbpf.c, 1.x) first, then the
 * sloppy prefix forms older libbpf and samples/bpf's loader accepted ({@code socket1}, {@code xdp_prog},
 * {@code cgroup/sock1}, {@code tc_mark}), which the corpus is full of.
 */
final class SectionNames {

    /** What a section name says about its programs. */
    record Match(ProgramType type, Optional<AttachType> attachType, String attachTo, int flags) {}

    private enum Form {
        /** the name alone */
        EXACT,
        /** the name alone or {@code name/anything}: the rest is the attach target ("+" in libbpf) */
        TARGET,
    }

    private record Def(String name, Form form, ProgramType type, AttachType attach, int flags) {}

    private static final int SLEEPABLE = org.bpf4j.progtype.ProgFlag.BPF_F_SLEEPABLE.bit(),
            FRAGS = org.bpf4j.progtype.ProgFlag.BPF_F_XDP_HAS_FRAGS.bit();
    private static final List<Def> DEFS = new ArrayList<>();

    private static void exact(String name, ProgramType t, AttachType a) { DEFS.add(new Def(name, Form.EXACT, t, a, 0)); }
    private static void exact(String name, ProgramType t, AttachType a, int flags) { DEFS.add(new Def(name, Form.EXACT, t, a, flags)); }
    private static void target(String name, ProgramType t, AttachType a) { DEFS.add(new Def(name, Form.TARGET, t, a, 0)); }
    private static void target(String name, ProgramType t, AttachType a, int flags) { DEFS.add(new Def(name, Form.TARGET, t, a, flags)); }

    static {
        // Order matters only for the legacy prefix pass: longer names before their prefixes.
        exact("socket", SOCKET_FILTER, null);
        exact("sk_reuseport/migrate", SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE);
        exact("sk_reuseport", SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT);
        target("kprobe.multi", KPROBE, AttachType.TRACE_KPROBE_MULTI);
        target("kretprobe.multi", KPROBE, AttachType.TRACE_KPROBE_MULTI);
        target("kprobe.session", KPROBE, AttachType.TRACE_KPROBE_SESSION);
        target("uprobe.multi.s", KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE);
        target("uretprobe.multi.s", KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE);
        target("uprobe.multi", KPROBE, AttachType.TRACE_UPROBE_MULTI);
        target("uretprobe.multi", KPROBE, AttachType.TRACE_UPROBE_MULTI);
        target("uprobe.session.s", KPROBE, AttachType.TRACE_UPROBE_SESSION, SLEEPABLE);
        target("uprobe.session", KPROBE, AttachType.TRACE_UPROBE_SESSION);
        target("uprobe.s", KPROBE, null, SLEEPABLE);
        target("uretprobe.s", KPROBE, null, SLEEPABLE);
        target("kprobe", KPROBE, null);
        target("uprobe", KPROBE, null);
        target("kretprobe", KPROBE, null);
        target("uretprobe", KPROBE, null);
        target("ksyscall", KPROBE, null);
        target("kretsyscall", KPROBE, null);
        target("usdt.s", KPROBE, null, SLEEPABLE);
        target("usdt", KPROBE, null);
        exact("tc/ingress", SCHED_CLS, AttachType.TCX_INGRESS);
        exact("tc/egress", SCHED_CLS, AttachType.TCX_EGRESS);
        exact("tcx/ingress", SCHED_CLS, AttachType.TCX_INGRESS);
        exact("tcx/egress", SCHED_CLS, AttachType.TCX_EGRESS);
        exact("tc", SCHED_CLS, null);
        exact("classifier", SCHED_CLS, null);
        exact("action", SCHED_ACT, null);
        exact("netkit/primary", SCHED_CLS, AttachType.NETKIT_PRIMARY);
        exact("netkit/peer", SCHED_CLS, AttachType.NETKIT_PEER);
        target("raw_tracepoint.w", RAW_TRACEPOINT_WRITABLE, null);
        target("raw_tp.w", RAW_TRACEPOINT_WRITABLE, null);
        target("raw_tracepoint", RAW_TRACEPOINT, null);
        target("raw_tp", RAW_TRACEPOINT, null);
        target("tracepoint", TRACEPOINT, null);
        target("tp_btf", TRACING, AttachType.TRACE_RAW_TP);
        target("tp", TRACEPOINT, null);
        target("fentry.s", TRACING, AttachType.TRACE_FENTRY, SLEEPABLE);
        target("fentry", TRACING, AttachType.TRACE_FENTRY);
        target("fmod_ret.s", TRACING, AttachType.MODIFY_RETURN, SLEEPABLE);
        target("fmod_ret", TRACING, AttachType.MODIFY_RETURN);
        target("fexit.s", TRACING, AttachType.TRACE_FEXIT, SLEEPABLE);
        target("fexit", TRACING, AttachType.TRACE_FEXIT);
        target("freplace", EXT, null);
        target("lsm.s", LSM, AttachType.LSM_MAC, SLEEPABLE);
        target("lsm_cgroup", LSM, AttachType.LSM_CGROUP);
        target("lsm", LSM, AttachType.LSM_MAC);
        target("iter.s", TRACING, AttachType.TRACE_ITER, SLEEPABLE);
        target("iter", TRACING, AttachType.TRACE_ITER);
        exact("syscall", SYSCALL, null, SLEEPABLE);
        exact("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, FRAGS);
        exact("xdp/devmap", XDP, AttachType.XDP_DEVMAP);
        exact("xdp.frags/cpumap", XDP, AttachType.XDP_CPUMAP, FRAGS);
        exact("xdp/cpumap", XDP, AttachType.XDP_CPUMAP);
        exact("xdp.frags", XDP, AttachType.XDP, FRAGS);
        exact("xdp", XDP, AttachType.XDP);
        exact("perf_event", PERF_EVENT, null);
        exact("lwt_in", LWT_IN, null);
        exact("lwt_out", LWT_OUT, null);
        exact("lwt_xmit", LWT_XMIT, null);
        exact("lwt_seg6local", LWT_SEG6LOCAL, null);
        exact("sockops", SOCK_OPS, AttachType.CGROUP_SOCK_OPS);
        exact("sk_skb/stream_parser", SK_SKB, AttachType.SK_SKB_STREAM_PARSER);
        exact("sk_skb/stream_verdict", SK_SKB, AttachType.SK_SKB_STREAM_VERDICT);
        exact("sk_skb/verdict", SK_SKB, AttachType.SK_SKB_VERDICT);
        exact("sk_skb", SK_SKB, null);
        exact("sk_msg", SK_MSG, AttachType.SK_MSG_VERDICT);
        exact("lirc_mode2", LIRC_MODE2, AttachType.LIRC_MODE2);
        exact("flow_dissector", FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR);
        exact("cgroup_skb/ingress", CGROUP_SKB, AttachType.CGROUP_INET_INGRESS);
        exact("cgroup_skb/egress", CGROUP_SKB, AttachType.CGROUP_INET_EGRESS);
        exact("cgroup/skb", CGROUP_SKB, null);
        exact("cgroup/sock_create", CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        exact("cgroup/sock_release", CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE);
        exact("cgroup/sock", CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        exact("cgroup/post_bind4", CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND);
        exact("cgroup/post_bind6", CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND);
        exact("cgroup/bind4", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND);
        exact("cgroup/bind6", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND);
        exact("cgroup/connect4", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT);
        exact("cgroup/connect6", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT);
        exact("cgroup/connect_unix", CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT);
        exact("cgroup/sendmsg4", CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG);
        exact("cgroup/sendmsg6", CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG);
        exact("cgroup/sendmsg_unix", CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG);
        exact("cgroup/recvmsg4", CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG);
        exact("cgroup/recvmsg6", CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG);
        exact("cgroup/recvmsg_unix", CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG);
        exact("cgroup/getpeername4", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME);
        exact("cgroup/getpeername6", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME);
        exact("cgroup/getpeername_unix", CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME);
        exact("cgroup/getsockname4", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME);
        exact("cgroup/getsockname6", CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME);
        exact("cgroup/getsockname_unix", CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME);
        exact("cgroup/sysctl", CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL);
        exact("cgroup/getsockopt", CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT);
        exact("cgroup/setsockopt", CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT);
        exact("cgroup/dev", CGROUP_DEVICE, AttachType.CGROUP_DEVICE);
        target("struct_ops.s", STRUCT_OPS, null, SLEEPABLE);
        target("struct_ops", STRUCT_OPS, null);
        exact("sk_lookup", SK_LOOKUP, AttachType.SK_LOOKUP);
        exact("netfilter", NETFILTER, AttachType.NETFILTER);
    }

    private SectionNames() {}

    /** The type libbpf (current or older) gives this section name, if any. */
    static Optional<Match> match(String section) {
        for (Def d : DEFS) {
            if (section.equals(d.name)) return Optional.of(match(d, ""));
            if (d.form == Form.TARGET && section.startsWith(d.name + "/")) {
                return Optional.of(match(d, section.substring(d.name.length() + 1)));
            }
        }
        // Older libbpf and samples/bpf's bpf_load.c matched by prefix only: "socket1", "xdp_prog",
        // "cgroup/sock1", "kprobe/x" (already above). "tc_" is the form the corpus uses for tc programs.
        for (Def d : DEFS) {
            if (d.form == Form.EXACT && d.name.indexOf('/') < 0 && section.startsWith(d.name) && legacyPrefixOk(d.name)) {
                return Optional.of(match(d, ""));
            }
            if (d.form == Form.EXACT && d.name.indexOf('/') > 0 && section.startsWith(d.name)) return Optional.of(match(d, ""));
        }
        if (section.startsWith("tc_") || section.startsWith("tc/")) return Optional.of(new Match(SCHED_CLS, Optional.empty(), "", 0));
        return Optional.empty();
    }

    /**
     * A program type spelled as bpftool's {@code prog load ... type} takes it ({@code
     * libbpf_prog_type_by_name}, retried with a trailing '/'): a section name of libbpf's table, never
     * the sloppy prefixes; else a kernel type name ({@code sched_cls}).
     */
    static Optional<Match> byTypeName(String name) {
        for (Def d : DEFS) {
            if (name.equals(d.name) || (d.form == Form.TARGET && name.startsWith(d.name + "/"))) {
                return Optional.of(new Match(d.type, Optional.ofNullable(d.attach), "", d.flags));
            }
        }
        for (ProgramType t : ProgramType.values()) {
            if (t != ProgramType.UNSPEC && t.name().toLowerCase(Locale.ROOT).equals(name)) return Optional.of(new Match(t, Optional.empty(), "", 0));
        }
        return Optional.empty();
    }

    /** What {@link #byTypeName} accepts: libbpf's section names, then kernel type names not among them. */
    static List<String> typeNames() {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Def d : DEFS) names.add(d.name);
        for (ProgramType t : ProgramType.values()) if (t != ProgramType.UNSPEC) names.add(t.name().toLowerCase(Locale.ROOT));
        return List.copyOf(names);
    }

    /** Prefixes old loaders matched; excluded are names whose prefixes are common words ("action", "syscall", "tc"). */
    private static boolean legacyPrefixOk(String name) {
        return switch (name) {
            case "socket", "xdp", "perf_event", "lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "sockops", "sk_skb",
                 "sk_msg", "lirc_mode2", "flow_dissector", "classifier", "sk_lookup", "sk_reuseport" -> true;
            default -> false;
        };
    }

    private static Match match(Def d, String target) {
        return new Match(d.type, Optional.ofNullable(d.attach), target, d.flags);
    }

    /**
     * The type for a section nobody names. The object's named programs decide when they agree: tc
     * objects ({@code classifier}, {@code action}, {@code tc}) hold tail-call sections like {@code 2/7}
     * that tc loads with the object's type; tc programs next to tc actions are classifiers, as a tc
     * filter loads them. Without agreement, the object's name ({@code tc_*.o}, {@code *xdp*.o}); otherwise
     * a socket filter, as the kernel's old samples loaded them.
     */
    static ProgramType fallback(String objectName, List<ProgramType> knownInObject) {
        java.util.Set<ProgramType> kinds = java.util.EnumSet.noneOf(ProgramType.class);
        kinds.addAll(knownInObject);
        if (kinds.size() == 1) return kinds.iterator().next();
        if (!kinds.isEmpty() && java.util.Set.of(SCHED_CLS, SCHED_ACT).containsAll(kinds)) return SCHED_CLS;
        String base = objectName.toLowerCase(Locale.ROOT);
        int slash = base.lastIndexOf('/');
        if (slash >= 0) base = base.substring(slash + 1);
        for (String token : base.split("[^a-z0-9]+")) {
            if (token.equals("tc") || token.equals("tcx") || token.equals("cls")) return SCHED_CLS;
        }
        for (String token : base.split("[^a-z0-9]+")) {
            if (token.startsWith("xdp")) return ProgramType.XDP;
        }
        return SOCKET_FILTER;
    }
}

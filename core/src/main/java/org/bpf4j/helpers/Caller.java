package org.bpf4j.helpers;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * The callers a helper is offered to: one constant per distinct answer of the kernel's {@code get_func_proto}
 * (program types, or attach types of one program type, that get the same helpers). Tracing, struct_ops,
 * extension and LSM programs take BTF-typed kernel pointers bpf4j does not model: they are no caller here.
 */
public enum Caller {
    SOCKET_FILTER, // sk_filter_func_proto
    PROBES, // kprobe_prog_func_proto, tp_prog_func_proto, raw_tp_prog_func_proto
    KPROBE_MULTI, // kprobe_prog_func_proto for kprobe/uprobe multi and session links (their own bpf_get_func_ip)
    TC, // tc_cls_act_func_proto
    XDP, // xdp_func_proto
    PERF_EVENT, // pe_prog_func_proto
    CGROUP_SKB, // cg_skb_func_proto
    CGROUP_SOCK, // sock_filter_func_proto
    LWT_IN, // lwt_in_func_proto
    LWT_OUT, // lwt_out_func_proto
    LWT_XMIT, // lwt_xmit_func_proto
    LWT_SEG6LOCAL, // lwt_seg6local_func_proto
    SOCK_OPS, // sock_ops_func_proto
    SK_SKB, // sk_skb_func_proto
    CGROUP_DEVICE, // cgroup_dev_func_proto
    SK_MSG, // sk_msg_func_proto
    CGROUP_SOCK_ADDR, // sock_addr_func_proto
    CGROUP_SOCK_ADDR_CONNECT, // sock_addr_func_proto for inet4/inet6 connect: also bpf_bind
    CGROUP_SOCK_ADDR_PEER, // sock_addr_func_proto for recvmsg, getpeername, getsockname: no bpf_set_retval
    LIRC_MODE2, // lirc_mode2_func_proto (drivers/media/rc/bpf-lirc.c): no bpf_base_func_proto fallback
    SK_REUSEPORT, // sk_reuseport_func_proto
    FLOW_DISSECTOR, // flow_dissector_func_proto
    CGROUP_SYSCTL, // sysctl_func_proto
    CGROUP_GETSOCKOPT, // cg_sockopt_func_proto for getsockopt
    CGROUP_SETSOCKOPT, // cg_sockopt_func_proto for setsockopt
    SK_LOOKUP, // sk_lookup_func_proto
    SYSCALL, // syscall_prog_func_proto
    NETFILTER; // netfilter_prog_func_proto

    /** Every caller. */
    public static final Set<Caller> EVERY = Collections.unmodifiableSet(EnumSet.allOf(Caller.class));
    /** bpf_base_func_proto with the CAP_BPF/CAP_PERFMON parts (a privileged loader): where every type but lirc_mode2 falls back to. */
    public static final Set<Caller> BASE = Collections.unmodifiableSet(EnumSet.complementOf(EnumSet.of(LIRC_MODE2)));
    /** bpf_tracing_func_proto: kprobes, tracepoints, perf events, and syscall programs (through tracing_prog_func_proto). */
    public static final Set<Caller> TRACING = Collections.unmodifiableSet(EnumSet.of(PROBES, KPROBE_MULTI, PERF_EVENT, SYSCALL));
    /** The lightweight-tunnel programs (lwt_*_func_proto share bpf_lwt_in/out's list). */
    public static final Set<Caller> LWT = Collections.unmodifiableSet(EnumSet.of(LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL));
    /** Every cgroup/sock_addr attach type. */
    public static final Set<Caller> SOCK_ADDR = Collections.unmodifiableSet(EnumSet.of(CGROUP_SOCK_ADDR, CGROUP_SOCK_ADDR_CONNECT,
            CGROUP_SOCK_ADDR_PEER));
    /** Both cgroup/sockopt attach types. */
    public static final Set<Caller> SOCKOPT = Collections.unmodifiableSet(EnumSet.of(CGROUP_GETSOCKOPT, CGROUP_SETSOCKOPT));

    /**
     * The caller a program of {@code type} loaded with expected attach type {@code attach} is (the kernel's
     * {@code get_func_proto} of the type, which looks at {@code expected_attach_type} where noted), or empty
     * for a type bpf4j offers no helper.
     */
    public static Optional<Caller> of(ProgramType type, Optional<AttachType> attach) {
        AttachType a = attach.orElse(null);
        return Optional.ofNullable(switch (type) {
            case SOCKET_FILTER -> SOCKET_FILTER;
            case KPROBE -> a == AttachType.TRACE_KPROBE_MULTI || a == AttachType.TRACE_UPROBE_MULTI
                    || a == AttachType.TRACE_KPROBE_SESSION || a == AttachType.TRACE_UPROBE_SESSION ? KPROBE_MULTI : PROBES;
            case TRACEPOINT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE -> PROBES;
            case SCHED_CLS, SCHED_ACT -> TC;
            case XDP -> XDP;
            case PERF_EVENT -> PERF_EVENT;
            case CGROUP_SKB -> CGROUP_SKB;
            case CGROUP_SOCK -> CGROUP_SOCK;
            case LWT_IN -> LWT_IN;
            case LWT_OUT -> LWT_OUT;
            case LWT_XMIT -> LWT_XMIT;
            case LWT_SEG6LOCAL -> LWT_SEG6LOCAL;
            case SOCK_OPS -> SOCK_OPS;
            case SK_SKB -> SK_SKB;
            case CGROUP_DEVICE -> CGROUP_DEVICE;
            case SK_MSG -> SK_MSG;
            case CGROUP_SOCK_ADDR -> a == null ? CGROUP_SOCK_ADDR : switch (a) {
                case CGROUP_INET4_CONNECT, CGROUP_INET6_CONNECT -> CGROUP_SOCK_ADDR_CONNECT;
                case CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME,
                     CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                     CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> CGROUP_SOCK_ADDR_PEER;
                default -> CGROUP_SOCK_ADDR;
            };
            case LIRC_MODE2 -> LIRC_MODE2;
            case SK_REUSEPORT -> SK_REUSEPORT;
            case FLOW_DISSECTOR -> FLOW_DISSECTOR;
            case CGROUP_SYSCTL -> CGROUP_SYSCTL;
            case CGROUP_SOCKOPT -> a == AttachType.CGROUP_SETSOCKOPT ? CGROUP_SETSOCKOPT : CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> SK_LOOKUP;
            case SYSCALL -> SYSCALL;
            case NETFILTER -> NETFILTER;
            case UNSPEC, TRACING, STRUCT_OPS, EXT, LSM -> null;
        });
    }
}

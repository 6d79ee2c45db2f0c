package org.bpf4j.progtype;

/**
 * The kernel's program types ({@code enum bpf_prog_type}), with the kernel's numeric ids, as of
 * Linux 6.18. The id is what {@code BPF_PROG_LOAD} takes; the constant name drops the
 * {@code BPF_PROG_TYPE_} prefix. The kernel's facts about each type live here (id, context struct);
 * the verifier's rules for it ({@code struct bpf_verifier_ops}) in {@code verifier/VerifierOps}, the
 * runtime's context in {@link ContextLayout}, its return codes in {@link ReturnCodes}.
 */
public enum ProgramType {
    UNSPEC(0, "", 0),
    SOCKET_FILTER(1, "__sk_buff", 192),
    KPROBE(2, "pt_regs", 168),
    SCHED_CLS(3, "__sk_buff", 192),
    SCHED_ACT(4, "__sk_buff", 192),
    TRACEPOINT(5, "tracepoint", 8192),
    XDP(6, "xdp_md", 24),
    PERF_EVENT(7, "bpf_perf_event_data", 184),
    CGROUP_SKB(8, "__sk_buff", 192),
    CGROUP_SOCK(9, "bpf_sock", 80),
    LWT_IN(10, "__sk_buff", 192),
    LWT_OUT(11, "__sk_buff", 192),
    LWT_XMIT(12, "__sk_buff", 192),
    SOCK_OPS(13, "bpf_sock_ops", 224),
    SK_SKB(14, "__sk_buff", 192),
    CGROUP_DEVICE(15, "bpf_cgroup_dev_ctx", 12),
    SK_MSG(16, "sk_msg_md", 80),
    RAW_TRACEPOINT(17, "bpf_raw_tracepoint_args", 96),
    CGROUP_SOCK_ADDR(18, "bpf_sock_addr", 72),
    LWT_SEG6LOCAL(19, "__sk_buff", 192),
    LIRC_MODE2(20, "__u32", 4),
    SK_REUSEPORT(21, "sk_reuseport_md", 56),
    FLOW_DISSECTOR(22, "__sk_buff", 192),
    CGROUP_SYSCTL(23, "bpf_sysctl", 8),
    RAW_TRACEPOINT_WRITABLE(24, "bpf_raw_tracepoint_args", 96),
    CGROUP_SOCKOPT(25, "bpf_sockopt", 40),
    TRACING(26, "", 0),
    STRUCT_OPS(27, "", 0),
    EXT(28, "", 0),
    LSM(29, "", 0),
    SK_LOOKUP(30, "bpf_sk_lookup", 72),
    SYSCALL(31, "", 0xffff),
    NETFILTER(32, "bpf_nf_ctx", 16);

    private static final ProgramType[] BY_ID = values();

    private final int id;
    private final String ctxName;
    private final int ctxSize;

    ProgramType(int id, String ctxName, int ctxSize) {
        this.id = id;
        this.ctxName = ctxName;
        this.ctxSize = ctxSize;
    }

    /** The kernel's numeric value ({@code BPF_PROG_TYPE_*} in {@code uapi/linux/bpf.h}). */
    public int id() { return id; }

    /**
     * The struct the program's context (R1 at entry) points to, as the verifier sees it: {@code __sk_buff} for
     * the socket-buffer types, {@code xdp_md}, ...; empty for the types whose context is the BTF-typed
     * arguments of their attach target (tracing, LSM, struct_ops, ext) and for {@link #UNSPEC}, which has none.
     */
    public String ctxName() { return ctxName; }

    /**
     * The size of that struct, the bound of the verifier's context accesses: 0 where {@link #ctxName()} is
     * empty; {@code 0xffff} for syscall programs, whose context is the caller's buffer (U16_MAX in
     * syscall_prog_is_valid_access).
     */
    public int ctxSize() { return ctxSize; }

    /** The constant with the kernel's numeric value, or empty for a value this build does not know. */
    public static java.util.Optional<ProgramType> byId(long id) {
        // Ids are dense from 0, so the ordinal is the id (the constructor arguments say so explicitly).
        return id >= 0 && id < BY_ID.length ? java.util.Optional.of(BY_ID[(int) id]) : java.util.Optional.empty();
    }
}

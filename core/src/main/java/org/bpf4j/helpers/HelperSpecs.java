package org.bpf4j.helpers;

import static org.bpf4j.helpers.Caller.*;
import static org.bpf4j.helpers.HelperFlag.*;
import static org.bpf4j.helpers.KernelHelper.*;
import static org.bpf4j.verifier.HelperProto.*;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.progtype.ProgramType;

/**
 * The helper specifications a verifier and a runtime work with: one {@link HelperSpec} per helper id. {@link
 * #linux618()} is every helper of Linux 6.18; {@link #with} adds or replaces one (a helper the kernel does not
 * have, for a test or an embedding). Adding a helper to bpf4j is one entry of the table below.
 *
 * <p>Prototypes are written from the {@code bpf_func_proto} definitions of the reference kernel source
 * (net/core/filter.c, kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, kernel/bpf/*.c, ...). The callers and
 * gpl_only were measured on the running kernel with a call-only program per id and caller, once with a GPL and
 * once with a proprietary license, for a privileged loader (HelperAvailabilityOracleTest compares them with
 * the kernel again); lirc_mode2 is not built into the reference kernel: its callers follow
 * lirc_mode2_func_proto of drivers/media/rc/bpf-lirc.c.
 */
public final class HelperSpecs {
    private static final int DENSE_LIMIT = 1024;

    private final HelperSpec[] byId; // dense up to the largest id below DENSE_LIMIT; holes are null
    private final TreeMap<Integer, HelperSpec> specs;

    private HelperSpecs(TreeMap<Integer, HelperSpec> specs) {
        this.specs = specs;
        Integer largest = specs.floorKey(DENSE_LIMIT);
        byId = new HelperSpec[largest == null ? 0 : largest + 1];
        specs.forEach((id, s) -> {
            if (id <= DENSE_LIMIT) byId[id] = s;
        });
    }

    /** Every helper of Linux 6.18. */
    public static HelperSpecs linux618() {
        return LINUX_6_18;
    }

    /** These specs with {@code spec} added, or replacing the spec of its id. */
    public HelperSpecs with(HelperSpec spec) {
        if (spec.id() <= 0) throw new IllegalArgumentException("helper id out of range: " + spec.id());
        TreeMap<Integer, HelperSpec> m = new TreeMap<>(specs);
        m.put(spec.id(), spec);
        return new HelperSpecs(m);
    }

    public Optional<HelperSpec> spec(long id) {
        if (id > 0 && id < byId.length) return Optional.ofNullable(byId[(int) id]);
        return id > DENSE_LIMIT && id <= Integer.MAX_VALUE ? Optional.ofNullable(specs.get((int) id)) : Optional.empty();
    }

    /** Every spec, by id. */
    public Collection<HelperSpec> all() {
        return Collections.unmodifiableCollection(specs.values());
    }

    /** The helper's name as the kernel's log spells it, {@code unknown} for an id these specs lack. */
    public String name(long id) {
        return spec(id).map(HelperSpec::name).orElse("unknown");
    }

    public boolean has(long id, HelperFlag flag) {
        return spec(id).map(s -> s.has(flag)).orElse(false);
    }

    public boolean callsCallback(long id) { return has(id, CALLS_CALLBACK); }

    public boolean registersCallback(long id) { return has(id, REGISTERS_CALLBACK); }

    public boolean changesPktData(long id) { return has(id, CHANGES_PKT_DATA); }

    public boolean acquiresSocket(long id) { return has(id, ACQUIRES_SOCKET); }

    public boolean castsSocket(long id) { return has(id, CASTS_SOCKET); }

    // Shorthands for the table.
    private static final int ANY = ARG_ANYTHING, CTX = ARG_PTR_TO_CTX, CTX_OR_NULL = ARG_PTR_TO_CTX | A_MAYBE_NULL,
            MAP = ARG_CONST_MAP_PTR, KEY = ARG_PTR_TO_MAP_KEY, VALUE = ARG_PTR_TO_MAP_VALUE,
            VALUE_OR_NULL = ARG_PTR_TO_MAP_VALUE | A_MAYBE_NULL, VALUE_UNINIT = ARG_PTR_TO_MAP_VALUE | A_UNINIT,
            MEM_W = ARG_PTR_TO_MEM | A_WRITE, MEM_W_OR_NULL = MEM_W | A_MAYBE_NULL,
            MEM_RO = ARG_PTR_TO_MEM | A_RDONLY, MEM_RO_OR_NULL = ARG_PTR_TO_MEM | A_RDONLY | A_MAYBE_NULL,
            UNINIT = ARG_PTR_TO_MEM | A_UNINIT, SIZE = ARG_CONST_SIZE, SIZE0 = ARG_CONST_SIZE_OR_ZERO,
            ALLOC_SIZE0 = ARG_CONST_ALLOC_SIZE_OR_ZERO, RINGBUF_RELEASE = ARG_PTR_TO_RINGBUF_MEM | A_RELEASE,
            CONST_STR = ARG_PTR_TO_CONST_STR, FUNC = ARG_PTR_TO_FUNC, STACK_OR_NULL = ARG_PTR_TO_STACK | A_MAYBE_NULL,
            SOCK = ARG_PTR_TO_BTF_ID_SOCK_COMMON;
    private static final boolean PKT = true, NO_PKT = false;
    /** sizeof(struct iphdr), sizeof(struct ipv6hdr), sizeof(struct tcphdr). */
    private static final int IPHDR = 20, IPV6HDR = 40, TCPHDR = 20;

    private static HelperSpec.Builder h(KernelHelper k) {
        return HelperSpec.builder(k.id(), k.kernelName());
    }

    private static final HelperSpecs LINUX_6_18 = of(List.of(
            h(MAP_LOOKUP_ELEM).def(RET_MAP_VALUE_OR_NULL, PKT, MAP, KEY)
                    .group(EVERY)
                    .implementation(MapHelpers::implementation),
            h(MAP_UPDATE_ELEM).def(RET_INTEGER, PKT, MAP, KEY, VALUE, ANY)
                    .group(EVERY)
                    .implementation(MapHelpers::implementation),
            h(MAP_DELETE_ELEM).def(RET_INTEGER, PKT, MAP, KEY).group(EVERY).implementation(MapHelpers::implementation),
            h(PROBE_READ).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(TRACING)
                    .implementation(BaseHelpers::implementation),
            h(KTIME_GET_NS).def(RET_INTEGER, NO_PKT).group(EVERY).implementation(BaseHelpers::implementation),
            h(TRACE_PRINTK).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE).gplOnly()
                    .group(EVERY)
                    .implementation(BaseHelpers::implementation),
            h(GET_PRANDOM_U32).def(RET_INTEGER, NO_PKT).group(EVERY).implementation(BaseHelpers::implementation),
            h(GET_SMP_PROCESSOR_ID).def(RET_INTEGER, NO_PKT)
                    .group(BASE)
                    // tc, xdp, lwt and tracing programs (bpf_tracing_func_proto) get bpf_get_smp_processor_id_proto, the
                    // others bpf_base_func_proto's bpf_get_raw_smp_processor_id_proto, which is not bpf_fastcall
                    .fastcallFor(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT, ProgramType.XDP, ProgramType.LWT_IN, ProgramType.LWT_OUT,
                            ProgramType.LWT_XMIT, ProgramType.LWT_SEG6LOCAL, ProgramType.KPROBE, ProgramType.TRACEPOINT, ProgramType.PERF_EVENT,
                            ProgramType.RAW_TRACEPOINT, ProgramType.RAW_TRACEPOINT_WRITABLE, ProgramType.TRACING, ProgramType.LSM, ProgramType.SYSCALL)
                    .implementation(BaseHelpers::implementation),
            h(SKB_STORE_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE, ANY)
                    .callers(TC, LWT_XMIT, SK_SKB)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(L3_CSUM_REPLACE).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY, ANY)
                    .callers(TC, LWT_XMIT)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(L4_CSUM_REPLACE).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY, ANY)
                    .callers(TC, LWT_XMIT)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(TAIL_CALL).def(RET_VOID, NO_PKT, CTX, MAP, ANY)
                    .group(EVERY)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(TailCall::implementation),
            h(CLONE_REDIRECT).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC, LWT_XMIT).flags(CHANGES_PKT_DATA),
            h(GET_CURRENT_PID_TGID).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(GET_CURRENT_UID_GID).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(GET_CURRENT_COMM).def(RET_INTEGER, NO_PKT, UNINIT, SIZE)
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(GET_CGROUP_CLASSID).def(RET_INTEGER, NO_PKT, CTX)
                    .group(BASE)
                    // bpf_get_cgroup_classid reads the skb in tc and lwt programs, else the current task's cgroup
                    .variantForAllBut(p -> p.def(RET_INTEGER, NO_PKT), ProgramType.SCHED_CLS, ProgramType.SCHED_ACT, ProgramType.LWT_IN,
                            ProgramType.LWT_OUT, ProgramType.LWT_XMIT, ProgramType.LWT_SEG6LOCAL),
            h(SKB_VLAN_PUSH).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC).flags(CHANGES_PKT_DATA),
            h(SKB_VLAN_POP).def(RET_INTEGER, NO_PKT, CTX).callers(TC).flags(CHANGES_PKT_DATA),
            h(SKB_GET_TUNNEL_KEY).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE, ANY).callers(TC, LWT_XMIT),
            h(SKB_SET_TUNNEL_KEY).def(RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE, ANY).callers(TC, LWT_XMIT),
            h(PERF_EVENT_READ).def(RET_INTEGER, NO_PKT, MAP, ANY).gplOnly().group(BASE),
            h(REDIRECT).def(RET_INTEGER, NO_PKT, ANY, ANY)
                    .callers(TC, XDP, LWT_XMIT)
                    .implementation(PacketHelpers::implementation),
            h(GET_ROUTE_REALM).def(RET_INTEGER, NO_PKT, CTX).group(LWT).callers(TC),
            h(PERF_EVENT_OUTPUT).def(RET_INTEGER, NO_PKT, CTX, MAP, ANY, MEM_RO, SIZE0).gplOnly()
                    .groupExcept(BASE, SK_REUSEPORT, FLOW_DISSECTOR, NETFILTER)
                    .implementation(MapHelpers::implementation),
            h(SKB_LOAD_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE)
                    .group(LWT)
                    .callers(SOCKET_FILTER, TC, CGROUP_SKB, SK_SKB, SK_REUSEPORT, FLOW_DISSECTOR)
                    .implementation(PacketHelpers::implementation),
            h(GET_STACKID).def(RET_INTEGER, NO_PKT, CTX, MAP, ANY).gplOnly().group(TRACING).notGplOnlyFor(PERF_EVENT),
            h(CSUM_DIFF).def(RET_INTEGER, PKT, MEM_RO_OR_NULL, SIZE0, MEM_RO_OR_NULL, SIZE0, ANY)
                    .group(LWT)
                    .callers(TC, XDP)
                    .implementation(BaseHelpers::implementation),
            h(SKB_GET_TUNNEL_OPT).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE).callers(TC, LWT_XMIT),
            h(SKB_SET_TUNNEL_OPT).def(RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE).callers(TC, LWT_XMIT),
            h(SKB_CHANGE_PROTO).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC).flags(CHANGES_PKT_DATA),
            h(SKB_CHANGE_TYPE).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(TC),
            h(SKB_UNDER_CGROUP).def(RET_INTEGER, NO_PKT, CTX, MAP, ANY).group(LWT).callers(TC),
            h(GET_HASH_RECALC).def(RET_INTEGER, NO_PKT, CTX).group(LWT).callers(TC),
            h(GET_CURRENT_TASK).def(RET_INTEGER, NO_PKT).gplOnly().group(BASE),
            h(PROBE_WRITE_USER).def(RET_INTEGER, NO_PKT, ANY, MEM_RO, SIZE),
            h(CURRENT_TASK_UNDER_CGROUP).def(RET_INTEGER, NO_PKT, MAP, ANY).group(BASE),
            h(SKB_CHANGE_TAIL).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC, LWT_XMIT, SK_SKB).flags(CHANGES_PKT_DATA),
            h(SKB_PULL_DATA).def(RET_INTEGER, NO_PKT, CTX, ANY).group(LWT).callers(TC, SK_SKB).flags(CHANGES_PKT_DATA),
            h(CSUM_UPDATE).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(TC, LWT_XMIT),
            h(SET_HASH_INVALID).def(RET_INTEGER, NO_PKT, CTX).callers(TC, LWT_XMIT),
            h(GET_NUMA_NODE_ID).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(SKB_CHANGE_HEAD).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC, LWT_XMIT, SK_SKB).flags(CHANGES_PKT_DATA),
            h(XDP_ADJUST_HEAD).def(RET_INTEGER, NO_PKT, CTX, ANY)
                    .callers(XDP)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(PROBE_READ_STR).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(TRACING)
                    .implementation(BaseHelpers::implementation),
            h(GET_SOCKET_COOKIE).def(RET_INTEGER, NO_PKT, CTX)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, CGROUP_SKB, CGROUP_SOCK, SOCK_OPS, SK_SKB, SK_REUSEPORT, SYSCALL)
                    // socket reuseport and syscall programs get the tracing variant, which takes a BTF-typed socket
                    .variantFor(p -> p.unmodelled("argument 1 is a BTF-typed socket pointer"), ProgramType.SK_REUSEPORT, ProgramType.SYSCALL),
            h(GET_SOCKET_UID).def(RET_INTEGER, NO_PKT, CTX).callers(SOCKET_FILTER, TC, CGROUP_SKB, SK_SKB),
            h(SET_HASH).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(TC),
            h(SETSOCKOPT).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, MEM_RO, SIZE)
                    .group(SOCK_ADDR)
                    .callers(SOCK_OPS, CGROUP_SETSOCKOPT)
                    // setsockopt programs get the socket's own bpf_setsockopt/bpf_getsockopt, on ctx->sk
                    .variantFor(p -> p.unmodelled("argument 1 is a BTF-typed socket pointer"), ProgramType.CGROUP_SOCKOPT),
            h(SKB_ADJUST_ROOM).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY).callers(TC, SK_SKB).flags(CHANGES_PKT_DATA),
            h(REDIRECT_MAP).def(RET_INTEGER, NO_PKT, MAP, ANY, ANY)
                    .callers(XDP)
                    .implementation(PacketHelpers::implementation),
            h(SK_REDIRECT_MAP).def(RET_INTEGER, NO_PKT, CTX, MAP, ANY, ANY).callers(SK_SKB),
            h(SOCK_MAP_UPDATE).def(RET_INTEGER, PKT, CTX, MAP, KEY, ANY).callers(SOCK_OPS),
            h(XDP_ADJUST_META).def(RET_INTEGER, NO_PKT, CTX, ANY)
                    .callers(XDP)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(PERF_EVENT_READ_VALUE).def(RET_INTEGER, NO_PKT, MAP, ANY, UNINIT, SIZE).gplOnly().group(BASE),
            h(PERF_PROG_READ_VALUE).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE).gplOnly().callers(PERF_EVENT),
            h(GETSOCKOPT).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, UNINIT, SIZE)
                    .group(SOCK_ADDR)
                    .callers(SOCK_OPS, CGROUP_SETSOCKOPT)
                    .variantFor(p -> p.unmodelled("argument 1 is a BTF-typed socket pointer"), ProgramType.CGROUP_SOCKOPT),
            h(OVERRIDE_RETURN).def(RET_INTEGER, NO_PKT, CTX, ANY),
            h(SOCK_OPS_CB_FLAGS_SET).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(SOCK_OPS),
            h(MSG_REDIRECT_MAP).def(RET_INTEGER, NO_PKT, CTX, MAP, ANY, ANY).callers(SK_MSG),
            h(MSG_APPLY_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(SK_MSG),
            h(MSG_CORK_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(SK_MSG),
            h(MSG_PULL_DATA).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY).callers(SK_MSG).flags(CHANGES_PKT_DATA),
            h(BIND).def(RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE).callers(CGROUP_SOCK_ADDR_CONNECT),
            h(XDP_ADJUST_TAIL).def(RET_INTEGER, NO_PKT, CTX, ANY)
                    .callers(XDP)
                    .flags(CHANGES_PKT_DATA)
                    .implementation(PacketHelpers::implementation),
            h(SKB_GET_XFRM_STATE).def(RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE, ANY).callers(TC),
            h(GET_STACK).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE0, ANY).gplOnly().group(TRACING),
            h(SKB_LOAD_BYTES_RELATIVE).def(RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE, ANY)
                    .callers(SOCKET_FILTER, TC, CGROUP_SKB, SK_REUSEPORT),
            h(FIB_LOOKUP).def(RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY).gplOnly().callers(TC, XDP),
            h(SOCK_HASH_UPDATE).def(RET_INTEGER, PKT, CTX, MAP, KEY, ANY).callers(SOCK_OPS),
            h(MSG_REDIRECT_HASH).def(RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY).callers(SK_MSG),
            h(SK_REDIRECT_HASH).def(RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY).callers(SK_SKB),
            h(LWT_PUSH_ENCAP).def(RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE)
                    .callers(LWT_IN, LWT_XMIT)
                    .flags(CHANGES_PKT_DATA),
            h(LWT_SEG6_STORE_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE)
                    .callers(LWT_SEG6LOCAL)
                    .flags(CHANGES_PKT_DATA),
            h(LWT_SEG6_ADJUST_SRH).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(LWT_SEG6LOCAL).flags(CHANGES_PKT_DATA),
            h(LWT_SEG6_ACTION).def(RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE)
                    .callers(LWT_SEG6LOCAL)
                    .flags(CHANGES_PKT_DATA),
            h(RC_REPEAT).def(RET_INTEGER, NO_PKT, CTX).gplOnly().callers(LIRC_MODE2),
            h(RC_KEYDOWN).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY).gplOnly().callers(LIRC_MODE2),
            h(SKB_CGROUP_ID).def(RET_INTEGER, NO_PKT, CTX).callers(TC, CGROUP_SKB),
            h(GET_CURRENT_CGROUP_ID).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(GET_LOCAL_STORAGE).def(RET_MAP_VALUE, NO_PKT, MAP, ANY)
                    .group(SOCK_ADDR)
                    .group(SOCKOPT)
                    .callers(CGROUP_SKB, CGROUP_SOCK, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL),
            h(SK_SELECT_REUSEPORT).def(RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY).callers(SK_REUSEPORT),
            h(SKB_ANCESTOR_CGROUP_ID).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(TC, CGROUP_SKB),
            h(SK_LOOKUP_TCP).def(RET_SOCKET_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY)
                    .group(SOCK_ADDR)
                    .callers(TC, XDP, CGROUP_SKB, SK_SKB)
                    .flags(ACQUIRES_SOCKET),
            h(SK_LOOKUP_UDP).def(RET_SOCKET_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY)
                    .group(SOCK_ADDR)
                    .callers(TC, XDP, CGROUP_SKB, SK_SKB)
                    .flags(ACQUIRES_SOCKET),
            h(SK_RELEASE).def(RET_INTEGER, NO_PKT, ARG_PTR_TO_BTF_ID_SOCK_COMMON | A_RELEASE)
                    .group(SOCK_ADDR)
                    .callers(TC, XDP, CGROUP_SKB, SK_SKB, SK_LOOKUP),
            h(MAP_PUSH_ELEM).def(RET_INTEGER, PKT, MAP, VALUE, ANY).group(EVERY).implementation(MapHelpers::implementation),
            h(MAP_POP_ELEM).def(RET_INTEGER, NO_PKT, MAP, VALUE_UNINIT)
                    .group(EVERY)
                    .implementation(MapHelpers::implementation),
            h(MAP_PEEK_ELEM).def(RET_INTEGER, NO_PKT, MAP, VALUE_UNINIT)
                    .group(EVERY)
                    .implementation(MapHelpers::implementation),
            h(MSG_PUSH_DATA).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY).callers(SK_MSG).flags(CHANGES_PKT_DATA),
            h(MSG_POP_DATA).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY).callers(SK_MSG).flags(CHANGES_PKT_DATA),
            h(RC_POINTER_REL).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).gplOnly().callers(LIRC_MODE2),
            h(SPIN_LOCK).def(RET_VOID, NO_PKT, ARG_PTR_TO_SPIN_LOCK)
                    .group(BASE)
                    .implementation(CallbackHelpers::implementation),
            h(SPIN_UNLOCK).def(RET_VOID, NO_PKT, ARG_PTR_TO_SPIN_LOCK)
                    .group(BASE)
                    .implementation(CallbackHelpers::implementation),
            h(SK_FULLSOCK).def(RET_SOCKET_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON)
                    .callers(TC, CGROUP_SKB)
                    .flags(CASTS_SOCKET),
            h(TCP_SOCK).def(RET_TCP_SOCK_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON)
                    .group(SOCKOPT)
                    .callers(TC, CGROUP_SKB, SOCK_OPS)
                    .flags(CASTS_SOCKET),
            h(SKB_ECN_SET_CE).def(RET_INTEGER, NO_PKT, CTX).callers(TC, CGROUP_SKB),
            h(GET_LISTENER_SOCK).def(RET_SOCKET_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON).callers(TC, CGROUP_SKB),
            h(SKC_LOOKUP_TCP).def(RET_SOCK_COMMON_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY)
                    .group(SOCK_ADDR)
                    .callers(TC, XDP, CGROUP_SKB, SK_SKB)
                    .flags(ACQUIRES_SOCKET),
            h(TCP_CHECK_SYNCOOKIE).def(RET_INTEGER, PKT, SOCK, MEM_RO, SIZE, MEM_RO, SIZE).gplOnly().callers(TC, XDP),
            h(SYSCTL_GET_NAME).def(RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY).callers(CGROUP_SYSCTL),
            h(SYSCTL_GET_CURRENT_VALUE).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE).callers(CGROUP_SYSCTL),
            h(SYSCTL_GET_NEW_VALUE).def(RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE).callers(CGROUP_SYSCTL),
            h(SYSCTL_SET_NEW_VALUE).def(RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE).callers(CGROUP_SYSCTL),
            h(STRTOL).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED))
                    .group(BASE),
            h(STRTOUL).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED))
                    .group(BASE),
            // the socket argument also takes BTF-typed sockets, which only the (unmodelled) tracing and LSM programs have
            h(SK_STORAGE_GET).def(RET_MAP_VALUE_OR_NULL, NO_PKT, MAP, SOCK, VALUE_OR_NULL, ANY)
                    .group(SOCK_ADDR)
                    .group(SOCKOPT)
                    .callers(TC, CGROUP_SKB, CGROUP_SOCK, SOCK_OPS, SK_MSG, SYSCALL)
                    .notAllowedFor(SYSCALL)
                    // cgroup/sock programs pass their context, the others a BTF-typed socket
                    .variantFor(p -> p.def(RET_MAP_VALUE_OR_NULL, NO_PKT, MAP, CTX, VALUE_OR_NULL, ANY), ProgramType.CGROUP_SOCK),
            h(SK_STORAGE_DELETE).def(RET_INTEGER, NO_PKT, MAP, SOCK)
                    .group(SOCK_ADDR)
                    .group(SOCKOPT)
                    .callers(TC, CGROUP_SKB, SOCK_OPS, SK_MSG, SYSCALL)
                    .notAllowedFor(SYSCALL),
            h(SEND_SIGNAL).def(RET_INTEGER, NO_PKT, ANY).group(BASE),
            h(TCP_GEN_SYNCOOKIE).def(RET_INTEGER, PKT, SOCK, MEM_RO, SIZE, MEM_RO, SIZE).gplOnly().callers(TC, XDP),
            h(SKB_OUTPUT).unmodelled("argument 1 is a BTF-typed kernel pointer").gplOnly().callers(SYSCALL),
            h(PROBE_READ_USER).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(PROBE_READ_KERNEL).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(PROBE_READ_USER_STR).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(PROBE_READ_KERNEL_STR).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(TCP_SEND_ACK).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(SEND_SIGNAL_THREAD).def(RET_INTEGER, NO_PKT, ANY).group(BASE),
            h(JIFFIES64).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(READ_BRANCH_RECORDS).def(RET_INTEGER, NO_PKT, CTX, MEM_W_OR_NULL, SIZE0, ANY).gplOnly().callers(PERF_EVENT),
            h(GET_NS_CURRENT_PID_TGID).def(RET_INTEGER, NO_PKT, ANY, ANY, UNINIT, SIZE).group(BASE),
            h(XDP_OUTPUT).unmodelled("argument 1 is a BTF-typed kernel pointer").gplOnly().callers(SYSCALL),
            h(GET_NETNS_COOKIE).def(RET_INTEGER, NO_PKT, CTX_OR_NULL)
                    .group(SOCK_ADDR)
                    .group(SOCKOPT)
                    .callers(SOCKET_FILTER, TC, CGROUP_SKB, CGROUP_SOCK, SOCK_OPS, SK_MSG),
            h(GET_CURRENT_ANCESTOR_CGROUP_ID).def(RET_INTEGER, NO_PKT, ANY).group(BASE),
            h(SK_ASSIGN).def(RET_INTEGER, NO_PKT, CTX, SOCK, ANY)
                    .callers(TC, SK_LOOKUP)
                    // sk_lookup programs assign the socket they looked up, or NULL
                    .variantFor(p -> p.def(RET_INTEGER, NO_PKT, CTX, ARG_PTR_TO_SOCKET | A_MAYBE_NULL, ANY), ProgramType.SK_LOOKUP),
            h(KTIME_GET_BOOT_NS).def(RET_INTEGER, NO_PKT).group(EVERY).implementation(BaseHelpers::implementation),
            h(SEQ_PRINTF).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(SEQ_WRITE).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(SK_CGROUP_ID).def(RET_INTEGER, NO_PKT, SOCK).callers(CGROUP_SKB),
            h(SK_ANCESTOR_CGROUP_ID).def(RET_INTEGER, NO_PKT, SOCK, ANY).callers(CGROUP_SKB),
            h(RINGBUF_OUTPUT).def(RET_INTEGER, NO_PKT, MAP, MEM_RO, SIZE0, ANY)
                    .group(BASE)
                    .implementation(MapHelpers::implementation),
            h(RINGBUF_RESERVE).def(RET_RINGBUF_MEM_OR_NULL, NO_PKT, MAP, ALLOC_SIZE0, ANY).allocRetSize(1)
                    .group(BASE)
                    .implementation(MapHelpers::implementation),
            h(RINGBUF_SUBMIT).def(RET_VOID, NO_PKT, RINGBUF_RELEASE, ANY)
                    .group(BASE)
                    .implementation(MapHelpers::implementation),
            h(RINGBUF_DISCARD).def(RET_VOID, NO_PKT, RINGBUF_RELEASE, ANY)
                    .group(BASE)
                    .implementation(MapHelpers::implementation),
            h(RINGBUF_QUERY).def(RET_INTEGER, NO_PKT, MAP, ANY).group(BASE).implementation(MapHelpers::implementation),
            h(CSUM_LEVEL).def(RET_INTEGER, NO_PKT, CTX, ANY).callers(TC, LWT_XMIT),
            h(SKC_TO_TCP6_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(SKC_TO_TCP_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(SKC_TO_TCP_TIMEWAIT_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(SKC_TO_TCP_REQUEST_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(SKC_TO_UDP6_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(GET_TASK_STACK).unmodelled("argument 1 is a BTF-typed kernel pointer").group(BASE),
            h(LOAD_HDR_OPT).def(RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY).callers(SOCK_OPS),
            h(STORE_HDR_OPT).def(RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE, ANY).callers(SOCK_OPS).flags(CHANGES_PKT_DATA),
            h(RESERVE_HDR_OPT).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(SOCK_OPS),
            h(INODE_STORAGE_GET).unmodelled("argument 2 is a BTF-typed kernel pointer"),
            h(INODE_STORAGE_DELETE).unmodelled("argument 2 is a BTF-typed kernel pointer"),
            h(D_PATH).unmodelled("argument 1 is a BTF-typed kernel pointer").callers(SYSCALL).notAllowedFor(SYSCALL),
            h(COPY_FROM_USER).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY).group(BASE).flags(MIGHT_SLEEP),
            h(SNPRINTF_BTF).def(RET_INTEGER, NO_PKT, MEM_W, SIZE, MEM_RO, SIZE, ANY).group(BASE),
            h(SEQ_PRINTF_BTF).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(SKB_CGROUP_CLASSID).def(RET_INTEGER, NO_PKT, CTX).callers(TC),
            h(REDIRECT_NEIGH).def(RET_INTEGER, NO_PKT, ANY, MEM_RO_OR_NULL, SIZE0, ANY).callers(TC),
            h(PER_CPU_PTR).unmodelled("argument 1 is a per-CPU kernel variable (BTF id)").group(BASE),
            h(THIS_CPU_PTR).unmodelled("argument 1 is a per-CPU kernel variable (BTF id)").group(BASE),
            h(REDIRECT_PEER).def(RET_INTEGER, NO_PKT, ANY, ANY).callers(TC),
            h(TASK_STORAGE_GET).unmodelled("argument 2 is a BTF-typed kernel pointer").group(BASE),
            h(TASK_STORAGE_DELETE).unmodelled("argument 2 is a BTF-typed kernel pointer").group(BASE),
            h(GET_CURRENT_TASK_BTF).unmodelled("it returns a BTF-typed kernel pointer").gplOnly().group(BASE),
            h(BPRM_OPTS_SET).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(KTIME_GET_COARSE_NS).def(RET_INTEGER, NO_PKT)
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, CGROUP_SOCK, SOCK_OPS, SK_SKB, SK_MSG, SK_REUSEPORT, FLOW_DISSECTOR, CGROUP_SYSCTL, SK_LOOKUP)
                    .implementation(BaseHelpers::implementation),
            h(IMA_INODE_HASH).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(SOCK_FROM_FILE).unmodelled("argument 1 is a BTF-typed kernel pointer").callers(SYSCALL),
            h(CHECK_MTU).def(RET_INTEGER, NO_PKT, CTX, ANY, fixedSizeMem(4, A_WRITE | A_ALIGNED), ANY, ANY).gplOnly()
                    .callers(TC, XDP),
            h(FOR_EACH_MAP_ELEM).def(RET_INTEGER, NO_PKT, MAP, FUNC, STACK_OR_NULL, ANY)
                    .group(BASE)
                    .flags(CALLS_CALLBACK)
                    .implementation(CallbackHelpers::implementation),
            h(SNPRINTF).def(RET_INTEGER, NO_PKT, MEM_W_OR_NULL, SIZE0, CONST_STR, MEM_RO_OR_NULL, SIZE0).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(SYS_BPF).def(RET_INTEGER, NO_PKT, ANY, MEM_RO, SIZE).callers(SYSCALL),
            h(BTF_FIND_BY_NAME_KIND).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, ANY).callers(SYSCALL),
            h(SYS_CLOSE).def(RET_INTEGER, NO_PKT, ANY).callers(SYSCALL),
            h(TIMER_INIT).def(RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, MAP, ANY).gplOnly().group(BASE),
            h(TIMER_SET_CALLBACK).def(RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, FUNC).gplOnly()
                    .group(BASE)
                    .flags(REGISTERS_CALLBACK),
            h(TIMER_START).def(RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, ANY, ANY).gplOnly().group(BASE),
            h(TIMER_CANCEL).def(RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER).gplOnly().group(BASE),
            h(GET_FUNC_IP).def(RET_INTEGER, NO_PKT, CTX).gplOnly().group(TRACING).notGplOnlyFor(KPROBE_MULTI),
            h(GET_ATTACH_COOKIE).def(RET_INTEGER, NO_PKT, CTX).callers(PROBES, KPROBE_MULTI, PERF_EVENT),
            h(TASK_PT_REGS).unmodelled("argument 1 is a BTF-typed kernel pointer").gplOnly().group(BASE),
            h(GET_BRANCH_SNAPSHOT).def(RET_INTEGER, NO_PKT, UNINIT, SIZE0).gplOnly().group(BASE),
            h(TRACE_VPRINTK).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0).gplOnly()
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(SKC_TO_UNIX_SOCK).unmodelled("argument 1 is a BTF-typed socket pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(KALLSYMS_LOOKUP_NAME).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE0, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED))
                    .callers(SYSCALL),
            h(FIND_VMA).unmodelled("argument 1 is a BTF-typed kernel pointer").group(BASE).flags(CALLS_CALLBACK),
            h(LOOP).def(RET_INTEGER, NO_PKT, ANY, FUNC, STACK_OR_NULL, ANY)
                    .group(BASE)
                    .flags(CALLS_CALLBACK)
                    .implementation(CallbackHelpers::implementation),
            h(STRNCMP).def(RET_INTEGER, NO_PKT, MEM_RO, SIZE, CONST_STR)
                    .group(BASE)
                    .implementation(BaseHelpers::implementation),
            h(GET_FUNC_ARG).def(RET_INTEGER, NO_PKT, CTX, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)),
            h(GET_FUNC_RET).def(RET_INTEGER, NO_PKT, CTX, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)),
            h(GET_FUNC_ARG_CNT).def(RET_INTEGER, NO_PKT, CTX),
            h(GET_RETVAL).def(RET_INTEGER, NO_PKT)
                    .group(SOCKOPT)
                    .callers(CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SOCK_ADDR_CONNECT),
            h(SET_RETVAL).def(RET_INTEGER, NO_PKT, ANY)
                    .group(SOCKOPT)
                    .callers(CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SOCK_ADDR_CONNECT),
            h(XDP_GET_BUFF_LEN).def(RET_INTEGER, NO_PKT, CTX)
                    .callers(XDP, SYSCALL)
                    .variantForAllBut(p -> p.unmodelled("argument 1 is a BTF-typed kernel pointer"), ProgramType.XDP),
            h(XDP_LOAD_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE).callers(XDP),
            h(XDP_STORE_BYTES).def(RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE).callers(XDP),
            h(COPY_FROM_USER_TASK).unmodelled("argument 4 is a BTF-typed kernel pointer").gplOnly()
                    .group(BASE)
                    .flags(MIGHT_SLEEP),
            h(SKB_SET_TSTAMP).def(RET_INTEGER, NO_PKT, CTX, ANY, ANY).callers(TC),
            h(IMA_FILE_HASH).unmodelled("argument 1 is a BTF-typed kernel pointer"),
            h(KPTR_XCHG).unmodelled("argument 1 is a kptr").group(BASE),
            h(MAP_LOOKUP_PERCPU_ELEM).def(RET_MAP_VALUE_OR_NULL, PKT, MAP, KEY, ANY).group(BASE),
            h(SKC_TO_MPTCP_SOCK).unmodelled("it returns a BTF-typed kernel pointer")
                    .group(LWT)
                    .group(SOCK_ADDR)
                    .callers(SOCKET_FILTER, TC, XDP, CGROUP_SKB, SOCK_OPS, SK_SKB, SK_MSG, FLOW_DISSECTOR, SK_LOOKUP, SYSCALL),
            h(DYNPTR_FROM_MEM).unmodelled("argument 4 is a dynptr").group(BASE),
            h(RINGBUF_RESERVE_DYNPTR).unmodelled("argument 4 is a dynptr").group(BASE),
            h(RINGBUF_SUBMIT_DYNPTR).unmodelled("argument 1 is a dynptr").group(BASE),
            h(RINGBUF_DISCARD_DYNPTR).unmodelled("argument 1 is a dynptr").group(BASE),
            h(DYNPTR_READ).unmodelled("argument 3 is a dynptr").group(BASE),
            h(DYNPTR_WRITE).unmodelled("argument 1 is a dynptr").group(BASE),
            h(DYNPTR_DATA).unmodelled("argument 1 is a dynptr").group(BASE),
            h(TCP_RAW_GEN_SYNCOOKIE_IPV4).def(RET_INTEGER, PKT, fixedSizeMem(IPHDR, 0), MEM_RO, SIZE0).gplOnly()
                    .callers(TC, XDP),
            h(TCP_RAW_GEN_SYNCOOKIE_IPV6).def(RET_INTEGER, PKT, fixedSizeMem(IPV6HDR, 0), MEM_RO, SIZE0).gplOnly()
                    .callers(TC, XDP),
            h(TCP_RAW_CHECK_SYNCOOKIE_IPV4).def(RET_INTEGER, PKT, fixedSizeMem(IPHDR, 0), fixedSizeMem(TCPHDR, 0)).gplOnly()
                    .callers(TC, XDP),
            h(TCP_RAW_CHECK_SYNCOOKIE_IPV6).def(RET_INTEGER, PKT, fixedSizeMem(IPV6HDR, 0), fixedSizeMem(TCPHDR, 0)).gplOnly()
                    .callers(TC, XDP),
            h(KTIME_GET_TAI_NS).def(RET_INTEGER, NO_PKT).group(BASE).implementation(BaseHelpers::implementation),
            h(USER_RINGBUF_DRAIN).def(RET_INTEGER, NO_PKT, MAP, FUNC, STACK_OR_NULL, ANY).group(BASE).flags(CALLS_CALLBACK),
            h(CGRP_STORAGE_GET).unmodelled("argument 2 is a BTF-typed kernel pointer").group(BASE),
            h(CGRP_STORAGE_DELETE).unmodelled("argument 2 is a BTF-typed kernel pointer").group(BASE)));

    private static HelperSpecs of(List<HelperSpec.Builder> builders) {
        TreeMap<Integer, HelperSpec> m = new TreeMap<>();
        for (HelperSpec.Builder b : builders) {
            HelperSpec s = b.build();
            if (m.putIfAbsent(s.id(), s) != null) throw new IllegalStateException("helper " + s.name() + " specified twice");
        }
        return new HelperSpecs(m);
    }
}

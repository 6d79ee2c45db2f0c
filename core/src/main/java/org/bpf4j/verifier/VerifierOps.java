package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

import java.util.Optional;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * The verifier's rules for each program type, what the kernel keeps in the type's {@code struct
 * bpf_verifier_ops} and around it: the context access rules (the {@code is_valid_access} functions of
 * net/core/filter.c, kernel/trace/bpf_trace.c, kernel/bpf/cgroup.c, ...), the range the return value must lie
 * in ({@code check_return_code}), whether the type may access packet data directly
 * ({@code may_access_direct_pkt_data}). Rules that depend on the program's {@code expected_attach_type} take
 * it as an argument. The kernel's facts about the type (id, context struct) are {@link ProgramType}'s.
 */
final class VerifierOps {
    private VerifierOps() {}

    /** {@link #ctxAccess}: the access is invalid. */
    static final int INVALID = -1;
    /** {@link #ctxAccess}: the field holds what bpf4j does not model ({@link #unsupportedCtxField}). */
    static final int UNSUPPORTED = -2;

    /**
     * Why bpf4j cannot verify programs of this type at all, if it cannot: their context and most of their
     * helpers' arguments are BTF-typed kernel pointers (the attach target's function arguments, the
     * struct_ops member, the replaced function), which bpf4j's verifier does not model. {@link
     * ProgramType#UNSPEC} has no rules at all (the kernel refuses to load it).
     */
    static Optional<String> unsupportedReason(ProgramType type) {
        return switch (type) {
            // find_prog_type: the kernel has no verifier ops for type 0 and refuses the load
            case UNSPEC -> Optional.of("program type unspec is not a Linux 6.18 program type");
            case TRACING -> Optional.of("tracing programs (fentry/fexit/fmod_ret/tp_btf/iter) read BTF-typed kernel"
                    + " pointers of their attach target: not modelled");
            case LSM -> Optional.of("LSM programs read BTF-typed kernel pointers of their hook: not modelled");
            case STRUCT_OPS -> Optional.of("struct_ops programs implement BTF-typed kernel callbacks: not modelled");
            case EXT -> Optional.of("freplace (ext) programs take the BTF prototype of the function they replace:"
                    + " not modelled");
            default -> Optional.empty();
        };
    }

    /** may_access_direct_pkt_data without a helper: direct loads ({@code write} false) and stores. */
    static boolean directPacketAccess(ProgramType type, boolean write) {
        return switch (type) {
            case SCHED_CLS, SCHED_ACT, XDP, LWT_XMIT, SK_SKB, SK_MSG, CGROUP_SOCKOPT -> true;
            case LWT_IN, LWT_OUT, LWT_SEG6LOCAL, SK_REUSEPORT, FLOW_DISSECTOR, CGROUP_SKB -> !write;
            default -> false;
        };
    }

    /**
     * may_access_direct_pkt_data for a helper argument: the packet types pass packet pointers only to helpers
     * whose prototype says pkt_access; cgroup/sockopt's option buffer may go to any helper.
     */
    static boolean packetArgumentAllowed(ProgramType type, boolean helperPktAccess) {
        if (type == ProgramType.CGROUP_SOCKOPT) return true;
        return helperPktAccess && directPacketAccess(type, false);
    }

    static boolean isTracing(ProgramType type) {
        return switch (type) {
            case KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE -> true;
            default -> false;
        };
    }

    /** The range R0 must lie in at the main program's exit (check_return_code), or null for any value. */
    static RetvalRange returnRange(ProgramType type, AttachType attachType) {
        return switch (type) {
            case CGROUP_SOCK_ADDR -> switch (attachType) {
                case CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME,
                     CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                     CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> new RetvalRange(1, 1);
                case CGROUP_INET4_BIND, CGROUP_INET6_BIND -> new RetvalRange(0, 3);
                default -> new RetvalRange(0, 1);
            };
            case CGROUP_SKB -> attachType == AttachType.CGROUP_INET_EGRESS ? new RetvalRange(0, 3) : new RetvalRange(0, 1);
            case CGROUP_SOCK, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, CGROUP_SOCKOPT, SK_LOOKUP, NETFILTER ->
                    new RetvalRange(0, 1);
            case KPROBE -> attachType == AttachType.TRACE_KPROBE_SESSION ? new RetvalRange(0, 1) : null;
            default -> null;
        };
    }

    /** What a context field that {@link #ctxAccess} answers {@link #UNSUPPORTED} for holds, for the message. */
    static String unsupportedCtxField(ProgramType type) {
        return switch (type) {
            case FLOW_DISSECTOR -> "the flow keys";
            case RAW_TRACEPOINT_WRITABLE -> "the writable tracepoint buffer";
            default -> "a BTF-typed kernel pointer";
        };
    }

    /** An inclusive range of return values. */
    record RetvalRange(long min, long max) {}

    /**
     * Whether a load or store of {@code size} bytes at {@code off} in the context is valid: the register
     * type the load yields, {@link #INVALID}, or {@link #UNSUPPORTED} for a field bpf4j does not model
     * (see {@link #unsupportedCtxField}). {@code attachType} is the program's expected_attach_type.
     */
    static int ctxAccess(ProgramType type, int off, int size, boolean write, boolean ldsx, AttachType attachType) {
        return switch (type) {
            case XDP -> xdp(off, size, write, ldsx, attachType);
            case SOCKET_FILTER -> skFilter(off, size, write, ldsx);
            case SCHED_CLS, SCHED_ACT -> tcClsAct(off, size, write, ldsx);
            case CGROUP_SKB -> cgroupSkb(off, size, write, ldsx);
            case KPROBE -> {
                if (off < 0 || off >= 168 || write || off % size != 0 || off + size > 168) yield INVALID;
                yield SCALAR_VALUE;
            }
            // tp_prog_is_valid_access compares the int offset with sizeof(void *) as unsigned: negative offsets pass
            case TRACEPOINT -> {
                if ((off >= 0 && off < 8) || off >= 8192 || write || off % size != 0) yield INVALID;
                yield SCALAR_VALUE;
            }
            case RAW_TRACEPOINT -> ContextRules.rawTracepoint(off, size, write);
            case RAW_TRACEPOINT_WRITABLE -> ContextRules.rawTracepointWritable(off, size, write);
            case PERF_EVENT -> perfEvent(off, size, write);
            case CGROUP_SOCK -> sock(off, size, write, attachType);
            case SOCK_OPS -> sockOps(off, size, write);
            case LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> lwt(off, size, write, ldsx);
            case SK_SKB -> skSkb(off, size, write, ldsx);
            case FLOW_DISSECTOR -> ContextRules.flowDissector(off, size, write, ldsx);
            case SK_MSG -> ContextRules.skMsg(off, size, write);
            case CGROUP_DEVICE -> ContextRules.cgroupDevice(off, size, write);
            case CGROUP_SOCK_ADDR -> ContextRules.sockAddr(off, size, write, attachType);
            case CGROUP_SYSCTL -> ContextRules.sysctl(off, size, write);
            case CGROUP_SOCKOPT -> ContextRules.sockopt(off, size, write, attachType);
            case SK_REUSEPORT -> ContextRules.skReuseport(off, size, write);
            case SK_LOOKUP -> ContextRules.skLookup(off, size, write);
            case NETFILTER -> ContextRules.netfilter(off, size, write);
            case LIRC_MODE2 -> !write && off == 0 && size == 4 ? SCALAR_VALUE : INVALID;
            case SYSCALL -> off >= 0 && off < 0xffff && off % size == 0 ? SCALAR_VALUE : INVALID;
            case TRACING, STRUCT_OPS, EXT, LSM, UNSPEC -> UNSUPPORTED;
        };
    }

    /** narrow loads of a 4-byte field: bpf_ctx_narrow_access_ok. */
    static boolean narrowOk(int size, int fieldSize) {
        return size <= fieldSize && (size & (size - 1)) == 0;
    }

    /**
     * struct bpf_sock for cgroup/sock programs: bpf_sock_is_valid_access then __sock_filter_check_attach_type.
     * bound_dev_if (0), mark (16), priority (20) are readable and writable at socket creation and release
     * only; the bound address (src_ip4 24, src_ip6 28, src_port 44) is for post-bind programs of its family;
     * the rest is read-only.
     */
    private static int sock(int off, int size, boolean write, AttachType attachType) {
        if (!bpfSockAccess(off, size)) return INVALID;
        boolean createOrRelease = attachType == AttachType.CGROUP_INET_SOCK_CREATE
                || attachType == AttachType.CGROUP_INET_SOCK_RELEASE
                // 0, what a program loaded without one has: bpf_prog_load_fixup_attach_type makes it creation
                || attachType == AttachType.CGROUP_INET_INGRESS;
        if (off == 0 || off == 16 || off == 20) return createOrRelease ? SCALAR_VALUE : INVALID;
        if (in(off, 24, 4) && attachType != AttachType.CGROUP_INET4_POST_BIND) return INVALID;
        if (in(off, 28, 16) && attachType != AttachType.CGROUP_INET6_POST_BIND) return INVALID;
        if (in(off, 44, 4) && attachType != AttachType.CGROUP_INET4_POST_BIND
                && attachType != AttachType.CGROUP_INET6_POST_BIND) {
            return INVALID;
        }
        return write ? INVALID : SCALAR_VALUE;
    }

    /**
     * bpf_sock_is_valid_access, the size and alignment rules of struct bpf_sock (80 bytes): the addresses and
     * the small fields allow narrow loads, dst_port (48) is 2 bytes or a 4-byte load, its padding (50) none.
     */
    static boolean bpfSockAccess(int off, int size) {
        if (off < 0 || off >= 80 || off % size != 0) return false;
        if (off == 4 || off == 8 || off == 12 || off == 44 || off == 76 || off == 72 || in(off, 24, 4) || in(off, 28, 16)
                || in(off, 52, 4) || in(off, 56, 16)) {
            return narrowOk(size, 4);
        }
        if (in(off, 48, 2)) return narrowOk(size, size == 4 ? 4 : 2);
        if (in(off, 50, 2)) return false;
        return size == 4;
    }

    /**
     * struct bpf_sock_ops (224 bytes in Linux 6.12+): sock_ops_is_valid_access. reply (4) and sk_txhash
     * (164) are writable; bytes_received/acked and the pointers are 8-byte loads; sk is a socket pointer,
     * which bpf4j does not model.
     */
    private static int sockOps(int off, int size, boolean write) {
        if (off < 0 || off >= 224 || off % size != 0) return INVALID;
        if (write) return (off == 4 || off == 164) && size == 4 ? SCALAR_VALUE : INVALID;
        if (off >= 168 && off < 184) return size == 8 ? SCALAR_VALUE : INVALID;
        if (in(off, 184, 8)) return size == 8 ? PTR_TO_SOCKET | PTR_MAYBE_NULL : INVALID;
        if (in(off, 192, 8)) return size == 8 ? PTR_TO_PACKET : INVALID;
        if (in(off, 200, 8)) return size == 8 ? PTR_TO_PACKET_END : INVALID;
        if (off == 212) return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        if (in(off, 216, 8)) return size == 8 ? SCALAR_VALUE : INVALID;
        return size == 4 ? SCALAR_VALUE : INVALID;
    }

    // struct xdp_md: data 0, data_end 4, data_meta 8, ingress_ifindex 12, rx_queue_index 16, egress_ifindex 20
    private static int xdp(int off, int size, boolean write, boolean ldsx, AttachType attachType) {
        if (in(off, 20, 4) && attachType != AttachType.XDP_DEVMAP) return INVALID; // egress_ifindex
        if (write) return INVALID;
        if ((off == 0 || off == 4 || off == 8) && ldsx) return INVALID;
        int type = switch (off) {
            case 0 -> PTR_TO_PACKET;
            case 8 -> PTR_TO_PACKET_META;
            case 4 -> PTR_TO_PACKET_END;
            default -> SCALAR_VALUE;
        };
        if (off < 0 || off >= 24 || off % size != 0 || size != 4) return INVALID;
        return type;
    }

    // struct __sk_buff offsets
    static final int SKB_MARK = 8, SKB_QUEUE_MAPPING = 12, SKB_PRIORITY = 32, SKB_TC_INDEX = 44, SKB_CB = 48,
            SKB_CB_END = 68, SKB_TC_CLASSID = 72, SKB_DATA = 76, SKB_DATA_END = 80, SKB_FAMILY = 88,
            SKB_REMOTE_IP4 = 92, SKB_LOCAL_IP4 = 96, SKB_REMOTE_IP6 = 100, SKB_LOCAL_IP6 = 116,
            SKB_LOCAL_PORT_END = 140, SKB_DATA_META = 140, SKB_FLOW_KEYS = 144, SKB_TSTAMP = 152,
            SKB_WIRE_LEN = 160, SKB_SK = 168, SKB_TSTAMP_TYPE = 180, SKB_HWTSTAMP = 184, SKB_SIZE = 192;

    static boolean in(int off, int start, int len) {
        return off >= start && off < start + len;
    }

    private static int skFilter(int off, int size, boolean write, boolean ldsx) {
        if (in(off, SKB_TC_CLASSID, 4) || in(off, SKB_DATA, 4) || in(off, SKB_DATA_META, 4) || in(off, SKB_DATA_END, 4)
                || (off >= SKB_FAMILY && off < SKB_LOCAL_PORT_END) || in(off, SKB_TSTAMP, 8)
                || in(off, SKB_WIRE_LEN, 4) || in(off, SKB_HWTSTAMP, 8)) {
            return INVALID;
        }
        if (write && !(off >= SKB_CB && off < SKB_CB_END)) return INVALID;
        return skb(off, size, write, ldsx);
    }

    private static int tcClsAct(int off, int size, boolean write, boolean ldsx) {
        if (write) {
            boolean ok = in(off, SKB_MARK, 4) || in(off, SKB_TC_INDEX, 4) || in(off, SKB_PRIORITY, 4)
                    || in(off, SKB_TC_CLASSID, 4) || (off >= SKB_CB && off < SKB_CB_END) || in(off, SKB_TSTAMP, 8)
                    || in(off, SKB_QUEUE_MAPPING, 4);
            if (!ok) return INVALID;
        }
        int type = SCALAR_VALUE;
        if (in(off, SKB_DATA, 4)) type = PTR_TO_PACKET;
        else if (in(off, SKB_DATA_META, 4)) type = PTR_TO_PACKET_META;
        else if (in(off, SKB_DATA_END, 4)) type = PTR_TO_PACKET_END;
        else if (off >= SKB_FAMILY && off < SKB_LOCAL_PORT_END) return INVALID;
        else if (off == SKB_TSTAMP_TYPE) return size == 1 ? SCALAR_VALUE : INVALID;
        int r = skb(off, size, write, ldsx);
        return r == INVALID ? INVALID : (r == SCALAR_VALUE ? type : r);
    }

    private static int cgroupSkb(int off, int size, boolean write, boolean ldsx) {
        if (in(off, SKB_TC_CLASSID, 4) || in(off, SKB_FLOW_KEYS, 8)) return INVALID;
        if (in(off, SKB_WIRE_LEN, 4)) return INVALID;
        int type = SCALAR_VALUE;
        if (in(off, SKB_DATA, 4)) type = PTR_TO_PACKET;
        else if (in(off, SKB_DATA_END, 4)) type = PTR_TO_PACKET_END;
        else if (in(off, SKB_DATA_META, 4)) return INVALID;
        if (write) {
            boolean ok = in(off, SKB_MARK, 4) || in(off, SKB_PRIORITY, 4) || (off >= SKB_CB && off < SKB_CB_END)
                    || in(off, SKB_TSTAMP, 8);
            if (!ok) return INVALID;
        }
        int r = skb(off, size, write, ldsx);
        return r == INVALID ? INVALID : (r == SCALAR_VALUE ? type : r);
    }

    /** lwt_is_valid_access: LWT in/out/xmit and seg6local programs. */
    private static int lwt(int off, int size, boolean write, boolean ldsx) {
        if (in(off, SKB_TC_CLASSID, 4) || (off >= SKB_FAMILY && off < SKB_LOCAL_PORT_END) || in(off, SKB_DATA_META, 4)
                || in(off, SKB_TSTAMP, 8) || in(off, SKB_WIRE_LEN, 4) || in(off, SKB_HWTSTAMP, 8)) {
            return INVALID;
        }
        if (write && !(in(off, SKB_MARK, 4) || in(off, SKB_PRIORITY, 4) || (off >= SKB_CB && off < SKB_CB_END))) {
            return INVALID;
        }
        return withPacketPointers(off, skb(off, size, write, ldsx));
    }

    /** sk_skb_is_valid_access: stream parser and verdict programs. */
    private static int skSkb(int off, int size, boolean write, boolean ldsx) {
        if (in(off, SKB_TC_CLASSID, 4) || in(off, SKB_DATA_META, 4) || in(off, SKB_TSTAMP, 8)
                || in(off, SKB_WIRE_LEN, 4) || in(off, SKB_HWTSTAMP, 8) || in(off, SKB_MARK, 4)) {
            return INVALID;
        }
        if (write && !(in(off, SKB_TC_INDEX, 4) || in(off, SKB_PRIORITY, 4))) return INVALID;
        return withPacketPointers(off, skb(off, size, write, ldsx));
    }

    /** data and data_end of a valid __sk_buff access are packet pointers. */
    private static int withPacketPointers(int off, int r) {
        if (r != SCALAR_VALUE) return r;
        if (in(off, SKB_DATA, 4)) return PTR_TO_PACKET;
        if (in(off, SKB_DATA_END, 4)) return PTR_TO_PACKET_END;
        return r;
    }

    /** bpf_skb_is_valid_access. */
    private static int skb(int off, int size, boolean write, boolean ldsx) {
        if (off < 0 || off >= SKB_SIZE) return INVALID;
        if (off % size != 0) return INVALID;
        if (off >= SKB_CB && off < SKB_CB_END) {
            return off + size > SKB_CB_END ? INVALID : SCALAR_VALUE;
        }
        if (in(off, SKB_DATA, 4) || in(off, SKB_DATA_META, 4) || in(off, SKB_DATA_END, 4)) {
            return ldsx || size != 4 ? INVALID : SCALAR_VALUE;
        }
        if (in(off, SKB_REMOTE_IP6, 16) || in(off, SKB_LOCAL_IP6, 16) || in(off, SKB_REMOTE_IP4, 4) || in(off, SKB_LOCAL_IP4, 4)) {
            return size != 4 ? INVALID : SCALAR_VALUE;
        }
        if (in(off, SKB_FLOW_KEYS, 8)) return INVALID;
        if (in(off, SKB_HWTSTAMP, 8)) return write || size != 8 ? INVALID : SCALAR_VALUE;
        if (in(off, SKB_TSTAMP, 8)) return size != 8 ? INVALID : SCALAR_VALUE;
        if (in(off, SKB_SK, 8)) return write || size != 8 ? INVALID : PTR_TO_SOCK_COMMON | PTR_MAYBE_NULL;
        if (off == SKB_TSTAMP_TYPE) return INVALID;
        if (off > SKB_TSTAMP_TYPE && off < SKB_HWTSTAMP) return INVALID;
        if (write) return size != 4 ? INVALID : SCALAR_VALUE;
        return size <= 4 && (size & (size - 1)) == 0 ? SCALAR_VALUE : INVALID;
    }

    // struct bpf_perf_event_data { pt_regs regs (168); u64 sample_period; u64 addr; }
    private static int perfEvent(int off, int size, boolean write) {
        if (off < 0 || off >= 184 || write) return INVALID;
        if (off >= 168) {
            // narrow loads of sample_period/addr are fine
            if (off % size != 0 || size > 8 || (size & (size - 1)) != 0) return INVALID;
            return SCALAR_VALUE;
        }
        if (off % size != 0 || size != 8) return INVALID;
        return SCALAR_VALUE;
    }
}

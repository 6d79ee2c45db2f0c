package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

/**
 * The program types the verifier knows, with the kernel's {@code enum bpf_prog_type} ids, their context
 * access rules (the {@code is_valid_access} functions of net/core/filter.c and kernel/trace/bpf_trace.c)
 * and whether they may access packet data directly. The integrator maps the project's own program-type
 * enum onto this one.
 */
public enum VerifierProgramType {
    SOCKET_FILTER(1, "__sk_buff", 192),
    KPROBE(2, "pt_regs", 168),
    SCHED_CLS(3, "__sk_buff", 192),
    SCHED_ACT(4, "__sk_buff", 192),
    TRACEPOINT(5, "tracepoint", 2048),
    XDP(6, "xdp_md", 24),
    PERF_EVENT(7, "bpf_perf_event_data", 184),
    CGROUP_SKB(8, "__sk_buff", 192),
    CGROUP_SOCK(9, "bpf_sock", 80),
    SOCK_OPS(13, "bpf_sock_ops", 224),
    RAW_TRACEPOINT(17, "bpf_raw_tracepoint_args", 96);

    public static final int INVALID = -1;
    public static final int UNSUPPORTED = -2;

    private final int kernelId;
    private final String ctxName;
    private final int ctxSize;

    VerifierProgramType(int kernelId, String ctxName, int ctxSize) {
        this.kernelId = kernelId;
        this.ctxName = ctxName;
        this.ctxSize = ctxSize;
    }

    public int kernelId() { return kernelId; }

    public String ctxName() { return ctxName; }

    public int ctxSize() { return ctxSize; }

    /** may_access_direct_pkt_data. */
    public boolean directPacketAccess(boolean write) {
        return switch (this) {
            case SCHED_CLS, SCHED_ACT, XDP -> true;
            case CGROUP_SKB -> !write;
            default -> false;
        };
    }

    public boolean isTracing() {
        return this == KPROBE || this == TRACEPOINT || this == PERF_EVENT || this == RAW_TRACEPOINT;
    }

    /**
     * Whether a load or store of {@code size} bytes at {@code off} in the context is valid: the register
     * type the load yields, {@link #INVALID}, or {@link #UNSUPPORTED} for a context bpf4j does not model.
     */
    public int ctxAccess(int off, int size, boolean write, boolean ldsx) {
        return switch (this) {
            case XDP -> xdp(off, size, write, ldsx);
            case SOCKET_FILTER -> skFilter(off, size, write, ldsx);
            case SCHED_CLS, SCHED_ACT -> tcClsAct(off, size, write, ldsx);
            case CGROUP_SKB -> cgroupSkb(off, size, write, ldsx);
            case KPROBE -> {
                if (off < 0 || off >= 168 || write || off % size != 0 || off + size > 168) yield INVALID;
                yield SCALAR_VALUE;
            }
            case TRACEPOINT -> {
                if (off < 8 || off >= 2048 || write || off % size != 0) yield INVALID;
                yield SCALAR_VALUE;
            }
            case RAW_TRACEPOINT -> {
                if (off < 0 || off >= 96 || write || off % size != 0 || size != 8) yield INVALID;
                yield SCALAR_VALUE;
            }
            case PERF_EVENT -> perfEvent(off, size, write);
            case CGROUP_SOCK -> sockCreate(off, size, write);
            case SOCK_OPS -> sockOps(off, size, write);
            default -> UNSUPPORTED;
        };
    }

    /** narrow loads of a 4-byte field: bpf_ctx_narrow_access_ok. */
    private static boolean narrowOk(int size, int fieldSize) {
        return size <= fieldSize && (size & (size - 1)) == 0;
    }

    /**
     * struct bpf_sock for cgroup/sock programs attached at socket creation or release (the attach type the
     * kernel assumes when none is given): bpf_sock_is_valid_access then __sock_filter_check_attach_type.
     * bound_dev_if (0), mark (16), priority (20) are writable; addresses and ports of the bound socket are
     * for post-bind programs only; the rest is read-only.
     */
    private static int sockCreate(int off, int size, boolean write) {
        if (off < 0 || off >= 80 || off % size != 0) return INVALID;
        boolean ok;
        if (off == 4 || off == 8 || off == 12 || off == 44 || off == 76 || off == 72 || in(off, 24, 4) || in(off, 28, 16)
                || in(off, 52, 4) || in(off, 56, 16)) {
            ok = narrowOk(size, 4);
        } else if (in(off, 48, 2)) {
            ok = narrowOk(size, size == 4 ? 4 : 2);
        } else if (in(off, 50, 2)) {
            ok = false;
        } else {
            ok = size == 4;
        }
        if (!ok) return INVALID;
        if (off == 0 || off == 16 || off == 20) return SCALAR_VALUE; // full access at create/release
        if (in(off, 24, 4) || in(off, 28, 16) || in(off, 44, 4)) return INVALID; // post-bind only
        return write ? INVALID : SCALAR_VALUE;
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
        if (in(off, 184, 8)) return size == 8 ? UNSUPPORTED : INVALID;
        if (in(off, 192, 8)) return size == 8 ? PTR_TO_PACKET : INVALID;
        if (in(off, 200, 8)) return size == 8 ? PTR_TO_PACKET_END : INVALID;
        if (off == 212) return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        if (in(off, 216, 8)) return size == 8 ? SCALAR_VALUE : INVALID;
        return size == 4 ? SCALAR_VALUE : INVALID;
    }

    // struct xdp_md: data 0, data_end 4, data_meta 8, ingress_ifindex 12, rx_queue_index 16, egress_ifindex 20
    private static int xdp(int off, int size, boolean write, boolean ldsx) {
        if (off == 20) return INVALID; // egress_ifindex: only for BPF_XDP_DEVMAP programs
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

    private static boolean in(int off, int start, int len) {
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
        if (in(off, SKB_SK, 8)) return UNSUPPORTED; // PTR_TO_SOCK_COMMON_OR_NULL: sockets are not modelled
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

package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;
import static org.bpf4j.verifier.VerifierOps.*;

import org.bpf4j.progtype.AttachType;

/**
 * The context access rules ({@code *_is_valid_access}) of the program types whose context is not a
 * {@code __sk_buff}: each answers the register type a load yields, {@link VerifierOps#INVALID} or
 * {@link VerifierOps#UNSUPPORTED} for a field bpf4j does not model (a BTF-typed kernel pointer, the flow
 * keys, the writable tracepoint buffer). Checked
 * offset by offset, size by size, for loads and stores against the running kernel (CtxAccessOracleTest).
 */
final class ContextRules {
    private ContextRules() {}

    /** raw_tp_prog_is_valid_access: the u64 arguments, read-only, loads of any aligned size. */
    static int rawTracepoint(int off, int size, boolean write) {
        if (off < 0 || off >= 96 || write || off % size != 0) return INVALID;
        return SCALAR_VALUE;
    }

    /** raw_tp_writable_prog_is_valid_access: the first argument is the writable tracepoint buffer. */
    static int rawTracepointWritable(int off, int size, boolean write) {
        if (off == 0) return size == 8 && !write ? UNSUPPORTED : INVALID; // PTR_TO_TP_BUFFER is not modelled
        return rawTracepoint(off, size, write);
    }

    /** flow_dissector_is_valid_access: data, data_end and the flow keys of a __sk_buff, read-only. */
    static int flowDissector(int off, int size, boolean write, boolean ldsx) {
        if (write) return INVALID;
        if (off == SKB_DATA) return size == 4 && !ldsx ? PTR_TO_PACKET : INVALID;
        if (off == SKB_DATA_END) return size == 4 && !ldsx ? PTR_TO_PACKET_END : INVALID;
        if (off == SKB_FLOW_KEYS) return size == 8 ? UNSUPPORTED : INVALID; // PTR_TO_FLOW_KEYS is not modelled
        return INVALID;
    }

    // struct sk_msg_md: data 0, data_end 8, family 16, remote_ip4 20, local_ip4 24, remote_ip6 28,
    // local_ip6 44, remote_port 60, local_port 64, size 68, sk 72
    /** sk_msg_is_valid_access: read-only, 4-byte fields without narrow loads, 8-byte pointers. */
    static int skMsg(int off, int size, boolean write) {
        if (write || off < 0 || off >= 80 || off % size != 0) return INVALID;
        if (off == 0) return size == 8 ? PTR_TO_PACKET : INVALID;
        if (off == 8) return size == 8 ? PTR_TO_PACKET_END : INVALID;
        if (off == 72) return size == 8 ? PTR_TO_SOCKET : INVALID;
        if (off >= 16 && off < 72) return size == 4 ? SCALAR_VALUE : INVALID;
        return INVALID;
    }

    /** struct bpf_cgroup_dev_ctx { access_type; major; minor; }: read-only, access_type narrow. */
    static int cgroupDevice(int off, int size, boolean write) {
        if (write || off < 0 || off + size > 12 || off % size != 0) return INVALID;
        if (off < 4) return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        return size == 4 ? SCALAR_VALUE : INVALID;
    }

    /** struct bpf_sysctl { write; file_pos; }: write is read-only, file_pos is writable with 4-byte stores. */
    static int sysctl(int off, int size, boolean write) {
        if (off < 0 || off + size > 8 || off % size != 0) return INVALID;
        if (off < 4) return !write && narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        if (write) return size == 4 ? SCALAR_VALUE : INVALID;
        return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
    }

    // struct bpf_sockopt: sk 0, optval 8, optval_end 16, level 24, optname 28, optlen 32, retval 36
    /**
     * cg_sockopt_is_valid_access: optval/optval_end are the option buffer as packet pointers; getsockopt
     * programs may read and set retval, setsockopt programs may change level and optname; both set optlen.
     */
    static int sockopt(int off, int size, boolean write, AttachType attachType) {
        if (off < 0 || off >= 40 || off % size != 0) return INVALID;
        boolean get = attachType == AttachType.CGROUP_GETSOCKOPT, set = attachType == AttachType.CGROUP_SETSOCKOPT;
        if (write) {
            if (size != 4) return INVALID;
            return switch (off) {
                case 36 -> get ? SCALAR_VALUE : INVALID;
                case 24, 28 -> set ? SCALAR_VALUE : INVALID;
                case 32 -> SCALAR_VALUE;
                default -> INVALID;
            };
        }
        return switch (off) {
            case 0 -> size == 8 ? PTR_TO_SOCKET : INVALID;
            case 8 -> size == 8 ? PTR_TO_PACKET : INVALID;
            case 16 -> size == 8 ? PTR_TO_PACKET_END : INVALID;
            case 36 -> size == 4 && get ? SCALAR_VALUE : INVALID;
            default -> size == 4 && off >= 24 ? SCALAR_VALUE : INVALID;
        };
    }

    // struct sk_reuseport_md: data 0, data_end 8, len 16, eth_protocol 20, ip_protocol 24, bind_inany 28,
    // hash 32, sk 40, migrating_sk 48
    /** sk_reuseport_is_valid_access: read-only; len, the protocols and bind_inany allow narrow loads. */
    static int skReuseport(int off, int size, boolean write) {
        if (write || off < 0 || off >= 56 || off % size != 0) return INVALID;
        if (off == 0) return size == 8 ? PTR_TO_PACKET : INVALID;
        if (off == 8) return size == 8 ? PTR_TO_PACKET_END : INVALID;
        if (off == 32) return size == 4 ? SCALAR_VALUE : INVALID;
        if (off == 40) return size == 8 ? PTR_TO_SOCKET : INVALID;
        if (off == 48) return size == 8 ? PTR_TO_SOCK_COMMON | PTR_MAYBE_NULL : INVALID; // migrating_sk
        if (in(off, 20, 4)) return size >= 2 && narrowOk(size, 4) ? SCALAR_VALUE : INVALID; // skb->protocol is 2 bytes
        if (in(off, 16, 4) || in(off, 24, 8)) return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        return INVALID;
    }

    // struct bpf_sk_lookup: sk 0, family 8, protocol 12, remote_ip4 16, remote_ip6 20, remote_port 36 (2 bytes
    // and padding), local_ip4 40, local_ip6 44, local_port 60, ingress_ifindex 64
    /** sk_lookup_is_valid_access: read-only, every field after sk allows narrow loads of up to 4 bytes. */
    static int skLookup(int off, int size, boolean write) {
        if (write || off < 0 || off >= 72 || off % size != 0) return INVALID;
        if (off == 0) return size == 8 ? PTR_TO_SOCKET | PTR_MAYBE_NULL : INVALID;
        if (off >= 8 && off < 68) return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        return INVALID;
    }

    /** struct bpf_nf_ctx { state; skb; }: two BTF-typed kernel pointers, read-only. */
    static int netfilter(int off, int size, boolean write) {
        if (write || (off != 0 && off != 8) || size != 8) return INVALID;
        return UNSUPPORTED; // PTR_TO_BTF_ID of nf_hook_state and sk_buff
    }

    // struct bpf_sock_addr: user_family 0, user_ip4 4, user_ip6 8, user_port 24, family 28, type 32, protocol 36,
    // msg_src_ip4 40, msg_src_ip6 44, sk 64
    /**
     * sock_addr_is_valid_access: the addresses of the attach type's family (and the source address of sendmsg)
     * and the port are readable with narrow loads and writable with 4-byte stores (8-byte ones aligned inside
     * the IPv6 addresses); family, type and protocol are read-only 4-byte fields.
     */
    static int sockAddr(int off, int size, boolean write, AttachType attachType) {
        if (off < 0 || off >= 72 || off % size != 0) return INVALID;
        boolean addressField = true;
        if (in(off, 4, 4)) {
            if (!isInet4(attachType)) return INVALID;
        } else if (in(off, 8, 16)) {
            if (!isInet6(attachType)) return INVALID;
        } else if (in(off, 40, 4)) {
            if (attachType != AttachType.CGROUP_UDP4_SENDMSG) return INVALID;
        } else if (in(off, 44, 16)) {
            if (attachType != AttachType.CGROUP_UDP6_SENDMSG) return INVALID;
        } else if (!in(off, 24, 4)) {
            addressField = false;
        }
        if (addressField) {
            boolean wide = size == 8 && off % 8 == 0 && ((off >= 8 && off + 8 <= 24) || (off >= 44 && off + 8 <= 60));
            if (wide) return SCALAR_VALUE;
            if (write) return size == 4 ? SCALAR_VALUE : INVALID;
            return narrowOk(size, 4) ? SCALAR_VALUE : INVALID;
        }
        if (off == 64) return !write && size == 8 ? PTR_TO_SOCKET : INVALID;
        if (off == 0 || off == 28 || off == 32 || off == 36) return !write && size == 4 ? SCALAR_VALUE : INVALID;
        return INVALID;
    }

    private static boolean isInet4(AttachType attachType) {
        return switch (attachType) {
            case CGROUP_INET4_BIND, CGROUP_INET4_CONNECT, CGROUP_INET4_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                 CGROUP_UDP4_SENDMSG, CGROUP_UDP4_RECVMSG -> true;
            default -> false;
        };
    }

    private static boolean isInet6(AttachType attachType) {
        return switch (attachType) {
            case CGROUP_INET6_BIND, CGROUP_INET6_CONNECT, CGROUP_INET6_GETPEERNAME, CGROUP_INET6_GETSOCKNAME,
                 CGROUP_UDP6_SENDMSG, CGROUP_UDP6_RECVMSG -> true;
            default -> false;
        };
    }
}

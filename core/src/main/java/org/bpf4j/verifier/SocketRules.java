package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

/**
 * Loads through socket pointers (check_sock_access): which fields of {@code struct bpf_sock} a
 * {@code sock} or {@code sock_common} pointer may read, and of {@code struct bpf_tcp_sock} a {@code tcp_sock}
 * one. Socket pointers are read-only and allow no arithmetic.
 */
final class SocketRules {
    private SocketRules() {}

    /** type_is_sk_pointer: a socket pointer known not to be NULL. */
    static boolean isSocketPointer(int type) {
        return type == PTR_TO_SOCKET || type == PTR_TO_SOCK_COMMON || type == PTR_TO_TCP_SOCK || type == PTR_TO_XDP_SOCK;
    }

    /**
     * Why a load of {@code size} bytes at {@code off} through register {@code regno} holding a pointer of
     * {@code type} is refused, or null when it is valid.
     */
    static String refusal(int regno, int type, int off, int size) {
        if (type == PTR_TO_TCP_SOCK && (off == 84 || off == 92) && size == 4) {
            // Linux 6.18 lets the upper half of bytes_received/bytes_acked through and then fails to convert it
            return "verifier bug: error during ctx access conversion (0)";
        }
        if (validLoad(type, off, size)) return null;
        return String.format("R%d invalid %s access off=%d size=%d", regno, RegType.str(type), off, size);
    }

    private static boolean validLoad(int type, int off, int size) {
        return switch (type) {
            case PTR_TO_SOCKET -> VerifierOps.bpfSockAccess(off, size);
            // bpf_sock_common_is_valid_access: type, protocol, mark and priority are not common to all sockets
            case PTR_TO_SOCK_COMMON -> !(off >= 8 && off < 24) && VerifierOps.bpfSockAccess(off, size);
            case PTR_TO_TCP_SOCK -> tcpSock(off, size);
            case PTR_TO_XDP_SOCK -> off == 0 && size == 4; // bpf_xdp_sock { queue_id; }
            default -> false;
        };
    }

    // struct bpf_tcp_sock: 4-byte counters up to icsk_retransmits (108), bytes_received (80) and bytes_acked (88)
    // are 8 bytes
    private static boolean tcpSock(int off, int size) {
        if (off < 0 || off >= 112 || off % size != 0) return false;
        if (off == 80 || off == 88) return size == 8;
        return size == 4;
    }
}

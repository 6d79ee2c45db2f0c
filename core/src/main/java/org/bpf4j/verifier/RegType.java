package org.bpf4j.verifier;

/**
 * Base register types as {@code enum bpf_reg_type} in include/linux/bpf.h, and the flags the kernel
 * ORs into them ({@code PTR_MAYBE_NULL}, {@code MEM_RDONLY}, {@code MEM_RINGBUF}, ...). A register's type
 * is {@code base | flags} in one int, as in the kernel.
 */
final class RegType {
    private RegType() {}

    public static final int NOT_INIT = 0;
    public static final int SCALAR_VALUE = 1;
    public static final int PTR_TO_CTX = 2;
    public static final int CONST_PTR_TO_MAP = 3;
    public static final int PTR_TO_MAP_VALUE = 4;
    public static final int PTR_TO_MAP_KEY = 5;
    public static final int PTR_TO_STACK = 6;
    public static final int PTR_TO_PACKET_META = 7;
    public static final int PTR_TO_PACKET = 8;
    public static final int PTR_TO_PACKET_END = 9;
    public static final int PTR_TO_FLOW_KEYS = 10;
    public static final int PTR_TO_SOCKET = 11;
    public static final int PTR_TO_SOCK_COMMON = 12;
    public static final int PTR_TO_TCP_SOCK = 13;
    public static final int PTR_TO_TP_BUFFER = 14;
    public static final int PTR_TO_XDP_SOCK = 15;
    public static final int PTR_TO_BTF_ID = 16;
    public static final int PTR_TO_MEM = 17;
    public static final int PTR_TO_BUF = 18;
    public static final int PTR_TO_FUNC = 19;
    public static final int CONST_PTR_TO_DYNPTR = 20;
    public static final int PTR_TO_ARENA = 21;

    public static final int BASE_MASK = 0xff;
    public static final int PTR_MAYBE_NULL = 1 << 8;
    public static final int MEM_RDONLY = 1 << 9;
    public static final int MEM_RINGBUF = 1 << 10;
    public static final int MEM_USER = 1 << 11;
    public static final int MEM_PERCPU = 1 << 12;
    public static final int MEM_ALLOC = 1 << 13;

    public static int base(int type) { return type & BASE_MASK; }

    public static boolean mayBeNull(int type) { return (type & PTR_MAYBE_NULL) != 0; }

    public static boolean isPktPointer(int type) {
        return type == PTR_TO_PACKET || type == PTR_TO_PACKET_META;
    }

    public static boolean isPktPointerAny(int type) {
        return isPktPointer(type) || type == PTR_TO_PACKET_END;
    }

    private static final String[] NAMES = {
        "?", "scalar", "ctx", "map_ptr", "map_value", "map_key", "fp", "pkt_meta", "pkt", "pkt_end",
        "flow_keys", "sock", "sock_common", "tcp_sock", "tp_buffer", "xdp_sock", "ptr_", "mem", "buf",
        "func", "dynptr_ptr", "arena",
    };

    /** The kernel's reg_type_str: {@code map_value_or_null}, {@code ringbuf_mem_or_null}, ... */
    public static String str(int type) {
        StringBuilder sb = new StringBuilder();
        if ((type & MEM_RDONLY) != 0) sb.append("rdonly_");
        if ((type & MEM_RINGBUF) != 0) sb.append("ringbuf_");
        if ((type & MEM_USER) != 0) sb.append("user_");
        if ((type & MEM_PERCPU) != 0) sb.append("percpu_");
        int b = base(type);
        sb.append(b < NAMES.length ? NAMES[b] : "?");
        if (mayBeNull(type)) sb.append(b == PTR_TO_BTF_ID ? "or_null_" : "_or_null");
        return sb.toString();
    }
}

package org.bpf4j.maps;

/** The kernel's map flags (UAPI {@code linux/bpf.h}), with the same values. */
public final class MapFlags {
    private MapFlags() {}

    // Update flags (bpf_map_update_elem).
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;
    public static final long BPF_F_LOCK = 4;

    // Map creation flags (map_flags).
    public static final int BPF_F_NO_PREALLOC = 1 << 0;
    public static final int BPF_F_NO_COMMON_LRU = 1 << 1;
    public static final int BPF_F_NUMA_NODE = 1 << 2;
    public static final int BPF_F_RDONLY = 1 << 3;
    public static final int BPF_F_WRONLY = 1 << 4;
    public static final int BPF_F_STACK_BUILD_ID = 1 << 5;
    public static final int BPF_F_ZERO_SEED = 1 << 6;
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    public static final int BPF_F_WRONLY_PROG = 1 << 8;
    public static final int BPF_F_CLONE = 1 << 9;
    public static final int BPF_F_MMAPABLE = 1 << 10;
    public static final int BPF_F_PRESERVE_ELEMS = 1 << 11;
    public static final int BPF_F_INNER_MAP = 1 << 12;
    public static final int BPF_F_LINK = 1 << 13;
    public static final int BPF_F_PATH_FD = 1 << 14;
    public static final int BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
    public static final int BPF_F_TOKEN_FD = 1 << 16;
    public static final int BPF_F_SEGV_ON_FAULT = 1 << 17;
    public static final int BPF_F_NO_USER_CONV = 1 << 18;

    /** The map creation flags by bit, as uapi names them: bit i is {@code CREATION_FLAG_NAMES[i]}. */
    private static final String[] CREATION_FLAG_NAMES = {"BPF_F_NO_PREALLOC", "BPF_F_NO_COMMON_LRU", "BPF_F_NUMA_NODE",
            "BPF_F_RDONLY", "BPF_F_WRONLY", "BPF_F_STACK_BUILD_ID", "BPF_F_ZERO_SEED", "BPF_F_RDONLY_PROG", "BPF_F_WRONLY_PROG",
            "BPF_F_CLONE", "BPF_F_MMAPABLE", "BPF_F_PRESERVE_ELEMS", "BPF_F_INNER_MAP", "BPF_F_LINK", "BPF_F_PATH_FD",
            "BPF_F_VTYPE_BTF_OBJ_FD", "BPF_F_TOKEN_FD", "BPF_F_SEGV_ON_FAULT", "BPF_F_NO_USER_CONV"};

    /** The names of the map creation flags set in {@code flags}, low bit first; a bit uapi does not name is its hex value. */
    public static java.util.List<String> creationFlagNames(int flags) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int bit = 0; bit < 32; bit++) {
            if ((flags & (1 << bit)) == 0) continue;
            names.add(bit < CREATION_FLAG_NAMES.length ? CREATION_FLAG_NAMES[bit] : "0x" + Integer.toHexString(1 << bit));
        }
        return names;
    }

    /** The kernel's BPF_F_ACCESS_MASK. */
    public static final int BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

    // bpf_perf_event_output / bpf_perf_event_read flags.
    public static final long BPF_F_INDEX_MASK = 0xffffffffL;
    public static final long BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK;
    public static final long BPF_F_CTXLEN_MASK = 0xfffffL << 32;

    // bpf_get_stackid flags.
    public static final long BPF_F_SKIP_FIELD_MASK = 0xff;
    public static final long BPF_F_USER_STACK = 1 << 8;
    public static final long BPF_F_FAST_STACK_CMP = 1 << 9;
    public static final long BPF_F_REUSE_STACKID = 1 << 10;

    // Ring buffer: bpf_ringbuf_output/submit/discard flags and bpf_ringbuf_query selectors.
    public static final long BPF_RB_NO_WAKEUP = 1;
    public static final long BPF_RB_FORCE_WAKEUP = 2;
    public static final long BPF_RB_AVAIL_DATA = 0;
    public static final long BPF_RB_RING_SIZE = 1;
    public static final long BPF_RB_CONS_POS = 2;
    public static final long BPF_RB_PROD_POS = 3;

    // Ring buffer record header.
    public static final int BPF_RINGBUF_BUSY_BIT = 1 << 31;
    public static final int BPF_RINGBUF_DISCARD_BIT = 1 << 30;
    public static final int BPF_RINGBUF_HDR_SZ = 8;
}

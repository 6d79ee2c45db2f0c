package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Offsets into {@code union bpf_attr} (uapi/linux/bpf.h), one nested class per command's member
 * struct; each {@code END} is {@code offsetofend} of the last member we write, which is the size we
 * pass: the kernel zero-checks every byte after the last member it knows, and accepts a shorter
 * size from an older ABI. Offsets were checked against {@code offsetof} on x86-64 (the layout has no
 * arch dependence: every pointer is a {@code __aligned_u64}).
 */
final class Attr {
    private Attr() {}

    /** Larger than any member struct we write; allocated zeroed. */
    static final long ALLOC = 160;

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    static final int OBJ_NAME_LEN = 16;

    static MemorySegment allocate(java.lang.foreign.SegmentAllocator allocator) {
        // the kernel refuses a bpf_attr with non-zero bytes past the command's fields; scratch memory is not zeroed
        return allocator.allocate(ALLOC, 8).fill((byte) 0);
    }

    static void putU32(MemorySegment attr, long off, int v) { attr.set(U32, off, v); }

    static void putU64(MemorySegment attr, long off, long v) { attr.set(U64, off, v); }

    static void putPtr(MemorySegment attr, long off, MemorySegment p) {
        attr.set(U64, off, p == null ? 0 : p.address());
    }

    static int getU32(MemorySegment attr, long off) { return attr.get(U32, off); }

    /**
     * Checks an object name as the kernel's {@code bpf_obj_name_cpy} does, so that a bad name fails with
     * a message rather than a bare EINVAL.
     */
    static String checkName(String name) {
        if (name == null) return "";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
            if (!ok) throw new IllegalArgumentException("object name '" + name + "' has '" + c + "': only [A-Za-z0-9_.] are allowed");
        }
        if (name.length() >= OBJ_NAME_LEN) {
            throw new IllegalArgumentException("object name '" + name + "' is longer than " + (OBJ_NAME_LEN - 1) + " characters");
        }
        return name;
    }

    /** Copies at most 15 bytes of {@code name} plus NUL into a {@code char[BPF_OBJ_NAME_LEN]}. */
    static void putName(MemorySegment attr, long off, String name) {
        if (name == null || name.isEmpty()) return;
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, OBJ_NAME_LEN - 1);
        MemorySegment.copy(b, 0, attr, ValueLayout.JAVA_BYTE, off, n);
    }

    /** BPF_MAP_CREATE. */
    static final class MapCreate {
        static final long MAP_TYPE = 0, KEY_SIZE = 4, VALUE_SIZE = 8, MAX_ENTRIES = 12, MAP_FLAGS = 16,
                INNER_MAP_FD = 20, NUMA_NODE = 24, MAP_NAME = 28, MAP_IFINDEX = 44, BTF_FD = 48,
                BTF_KEY_TYPE_ID = 52, BTF_VALUE_TYPE_ID = 56, BTF_VMLINUX_VALUE_TYPE_ID = 60, MAP_EXTRA = 64;
        static final long END = 72;
    }

    /** BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY, BPF_MAP_FREEZE (map_fd only). */
    static final class MapElem {
        static final long MAP_FD = 0, KEY = 8, VALUE = 16, NEXT_KEY = 16, FLAGS = 24;
        static final long END = 32;
        static final long FREEZE_END = 4;
    }

    /** BPF_MAP_*_BATCH: {@code in_batch}/{@code out_batch} point at a cursor, {@code count} is in and out. */
    static final class Batch {
        static final long IN_BATCH = 0, OUT_BATCH = 8, KEYS = 16, VALUES = 24, COUNT = 32, MAP_FD = 36, ELEM_FLAGS = 40, FLAGS = 48;
        static final long END = 56;
    }

    /** BPF_PROG_LOAD. */
    static final class ProgLoad {
        static final long PROG_TYPE = 0, INSN_CNT = 4, INSNS = 8, LICENSE = 16, LOG_LEVEL = 24, LOG_SIZE = 28,
                LOG_BUF = 32, KERN_VERSION = 40, PROG_FLAGS = 44, PROG_NAME = 48, PROG_IFINDEX = 64,
                EXPECTED_ATTACH_TYPE = 68, PROG_BTF_FD = 72, FUNC_INFO_REC_SIZE = 76, FUNC_INFO = 80,
                FUNC_INFO_CNT = 88, LINE_INFO_REC_SIZE = 92, LINE_INFO = 96, LINE_INFO_CNT = 104,
                ATTACH_BTF_ID = 108, ATTACH_PROG_FD = 112, CORE_RELO_CNT = 116, FD_ARRAY = 120,
                CORE_RELOS = 128, CORE_RELO_REC_SIZE = 136, LOG_TRUE_SIZE = 140;
        /** Through log_true_size (Linux 6.4): an older kernel sees a larger size with zero tail and accepts it. */
        static final long END = 144;
    }

    /** BPF_OBJ_PIN / BPF_OBJ_GET. */
    static final class Obj {
        static final long PATHNAME = 0, BPF_FD = 8, FILE_FLAGS = 12;
        static final long END = 16;
    }

    /** BPF_PROG_TEST_RUN (the {@code test} member). */
    /** {@code raw_tracepoint}: the tracepoint's name and the program. */
    static final class RawTracepointOpen {
        static final long NAME = 0, PROG_FD = 8;
        static final long END = 16;
    }

    /** {@code link_create}: the program, its target (an fd or an ifindex), the attach type, flags. */
    static final class LinkCreate {
        static final long PROG_FD = 0, TARGET_FD = 4, TARGET_IFINDEX = 4, ATTACH_TYPE = 8, FLAGS = 12;
        /** {@code kprobe_multi}: flags, cnt, syms (an array of {@code char *}); addrs and cookies (to 48) stay 0. */
        static final long KPROBE_MULTI_FLAGS = 16, KPROBE_MULTI_CNT = 20, KPROBE_MULTI_SYMS = 24;
        /** {@code uprobe_multi}: path, offsets, ref_ctr_offsets and cookies (0), cnt, flags, pid. */
        static final long UPROBE_MULTI_PATH = 16, UPROBE_MULTI_OFFSETS = 24, UPROBE_MULTI_CNT = 48, UPROBE_MULTI_FLAGS = 52,
                UPROBE_MULTI_PID = 56;
        /** Through uprobe_multi's pid, the largest member this backend fills. */
        static final long END = 60;
    }

    static final class TestRun {
        static final long PROG_FD = 0, RETVAL = 4, DATA_SIZE_IN = 8, DATA_SIZE_OUT = 12, DATA_IN = 16,
                DATA_OUT = 24, REPEAT = 32, DURATION = 36, CTX_SIZE_IN = 40, CTX_SIZE_OUT = 44, CTX_IN = 48,
                CTX_OUT = 56, FLAGS = 64, CPU = 68, BATCH_SIZE = 72;
        static final long END = 76;
    }

    /** BPF_ITER_CREATE: the iterator's link and flags (0). */
    static final class IterCreate {
        static final long LINK_FD = 0, FLAGS = 4;
        static final long END = 8;
    }

    /** BPF_BTF_LOAD. */
    static final class BtfLoad {
        static final long BTF = 0, BTF_LOG_BUF = 8, BTF_SIZE = 16, BTF_LOG_SIZE = 20, BTF_LOG_LEVEL = 24,
                BTF_LOG_TRUE_SIZE = 28;
        static final long END = 32;
    }

    /** BPF_OBJ_GET_INFO_BY_FD (the {@code info} member). */
    static final class Info {
        static final long BPF_FD = 0, INFO_LEN = 4, INFO = 8;
        static final long END = 16;
    }

    /** {@code *_GET_NEXT_ID} (start_id, next_id) and {@code *_GET_FD_BY_ID} (the id, open_flags). */
    static final class GetId {
        static final long START_ID = 0, NEXT_ID = 4, OPEN_FLAGS = 8;
        static final long END = 12;
    }

    /** BPF_LINK_DETACH. */
    static final class LinkDetach {
        static final long LINK_FD = 0;
        static final long END = 4;
    }

    /** {@code struct bpf_map_info} (Linux 6.12: 88 bytes). */
    static final class MapInfo {
        static final long TYPE = 0, ID = 4, KEY_SIZE = 8, VALUE_SIZE = 12, MAX_ENTRIES = 16, MAP_FLAGS = 20,
                NAME = 24, IFINDEX = 40, BTF_VMLINUX_VALUE_TYPE_ID = 44, BTF_ID = 64, BTF_KEY_TYPE_ID = 68,
                BTF_VALUE_TYPE_ID = 72, MAP_EXTRA = 80;
        static final long SIZE = 88;
    }

    /** {@code struct bpf_prog_info}, through attach_btf_id (232 bytes as of Linux 6.12). */
    static final class ProgInfo {
        static final long TYPE = 0, ID = 4, TAG = 8, JITED_PROG_LEN = 16, XLATED_PROG_LEN = 20, LOAD_TIME = 40,
                CREATED_BY_UID = 48, NR_MAP_IDS = 52, MAP_IDS = 56, NAME = 64, IFINDEX = 80,
                /** {@code __u32 gpl_compatible:1} is bit 0 of the word after ifindex. */
                GPL_COMPATIBLE_WORD = 84,
                BTF_ID = 128, RUN_TIME_NS = 192, RUN_CNT = 200, RECURSION_MISSES = 208, VERIFIED_INSNS = 216;
        static final long SIZE = 232;
        static final int TAG_SIZE = 8;
    }

    /**
     * {@code struct bpf_link_info}: type, id, prog_id, then a union per link type at 16 (64 bytes in all as
     * of Linux 6.12). Each constant is an offset from the start of the struct.
     */
    static final class LinkInfo {
        static final long TYPE = 0, ID = 4, PROG_ID = 8, UNION = 16;
        static final long RAW_TP_NAME = 16, RAW_TP_NAME_LEN = 24;
        static final long TRACING_ATTACH_TYPE = 16, TRACING_TARGET_OBJ_ID = 20, TRACING_TARGET_BTF_ID = 24;
        static final long CGROUP_ID = 16, CGROUP_ATTACH_TYPE = 24;
        static final long NETNS_INO = 16, NETNS_ATTACH_TYPE = 20;
        static final long XDP_IFINDEX = 16;
        /** tcx and netkit share this layout: ifindex, attach_type. */
        static final long TCX_IFINDEX = 16, TCX_ATTACH_TYPE = 20;
        /** perf_event: its kind, then per kind a name buffer (tracepoint, kprobe function, uprobe file) at 24. */
        static final long PERF_EVENT_TYPE = 16, PERF_EVENT_NAME = 24, PERF_EVENT_NAME_LEN = 32, PERF_EVENT_OFFSET = 36,
                PERF_EVENT_CONFIG = 24, PERF_EVENT_EVENT_TYPE = 32;
        static final long SIZE = 64;
    }

    /** {@code struct bpf_btf_info}. */
    static final class BtfInfo {
        static final long BTF = 0, BTF_SIZE = 8, ID = 12, NAME = 16, NAME_LEN = 24, KERNEL_BTF = 28;
        static final long SIZE = 32;
    }
}

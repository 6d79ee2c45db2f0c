package org.bpf4j.verifier;

import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.progtype.ProgramType;

/**
 * A helper prototype ({@code struct bpf_func_proto}): return type, argument types, pkt_access, allow_fastcall.
 * A prototype bpf4j cannot check (BTF-typed kernel pointers, dynptrs, kptrs) carries the reason in
 * {@code unmodelled}: a call is then {@code unsupported}, never a guess. Each helper's prototype, and the
 * variants some program types get, are part of its {@link HelperSpec} ({@link HelperSpecs}).
 */
public record HelperProto(int id, int ret, boolean pktAccess, int[] args, int allocRetSize, String unmodelled,
                          boolean allowFastcall) {

    // Argument types (enum bpf_arg_type base values and flags as the verifier needs them).
    public static final int ARG_DONTCARE = 0, ARG_CONST_MAP_PTR = 1, ARG_PTR_TO_MAP_KEY = 2, ARG_PTR_TO_MAP_VALUE = 3,
            ARG_PTR_TO_MEM = 4, ARG_CONST_SIZE = 5, ARG_CONST_SIZE_OR_ZERO = 6, ARG_PTR_TO_CTX = 7,
            ARG_ANYTHING = 8, ARG_PTR_TO_RINGBUF_MEM = 9, ARG_CONST_ALLOC_SIZE_OR_ZERO = 10,
            ARG_PTR_TO_FUNC = 11, ARG_PTR_TO_STACK = 12, ARG_PTR_TO_CONST_STR = 13, ARG_PTR_TO_SPIN_LOCK = 14,
            ARG_PTR_TO_TIMER = 15, ARG_PTR_TO_SOCK_COMMON = 16, ARG_PTR_TO_BTF_ID_SOCK_COMMON = 17,
            ARG_PTR_TO_SOCKET = 18;
    public static final int ARG_BASE_MASK = 0xff;
    public static final int A_MAYBE_NULL = 1 << 8, A_RDONLY = 1 << 9, A_UNINIT = 1 << 10, A_RELEASE = 1 << 11;
    /** MEM_WRITE without MEM_UNINIT: the helper writes into memory that must be initialized. */
    public static final int A_WRITE = 1 << 12;
    /** MEM_FIXED_SIZE: the memory's size is the prototype's, in the bits above {@link #FIXED_SIZE_SHIFT}. */
    public static final int A_FIXED_SIZE = 1 << 13;
    /** MEM_ALIGNED: the memory must be aligned to its size. */
    public static final int A_ALIGNED = 1 << 14;
    public static final int FIXED_SIZE_SHIFT = 16;

    /** ARG_PTR_TO_FIXED_SIZE_MEM with the prototype's arg_size. */
    public static int fixedSizeMem(int size, int flags) {
        return ARG_PTR_TO_MEM | A_FIXED_SIZE | flags | size << FIXED_SIZE_SHIFT;
    }

    static int fixedSize(int argType) {
        return argType >>> FIXED_SIZE_SHIFT;
    }

    // Return types.
    public static final int RET_INTEGER = 0, RET_VOID = 1, RET_MAP_VALUE_OR_NULL = 2, RET_RINGBUF_MEM_OR_NULL = 3,
            RET_MAP_VALUE = 4, RET_SOCKET_OR_NULL = 5, RET_TCP_SOCK_OR_NULL = 6, RET_SOCK_COMMON_OR_NULL = 7;

    /** A checked prototype. */
    public static HelperProto def(int id, int ret, boolean pktAccess, int... args) {
        return new HelperProto(id, ret, pktAccess, args.clone(), 0, null, false);
    }

    /** A prototype bpf4j cannot check, for {@code reason}. */
    public static HelperProto unmodelled(int id, String reason) {
        return new HelperProto(id, RET_INTEGER, false, new int[0], 0, reason, false);
    }

    public HelperProto withAllocRetSize(int arg) {
        return new HelperProto(id, ret, pktAccess, args, arg, unmodelled, allowFastcall);
    }

    public HelperProto withAllowFastcall() {
        return new HelperProto(id, ret, pktAccess, args, allocRetSize, unmodelled, true);
    }

    /** The prototype of helper {@code id} independent of the program type, or null for an id {@code helpers} lacks. */
    static HelperProto get(HelperSpecs helpers, long id) {
        return helpers.spec(id).map(HelperSpec::proto).orElse(null);
    }

    /** The prototype program type {@code type} gets for helper {@code id}, or null for an id {@code helpers} lacks. */
    static HelperProto of(HelperSpecs helpers, long id, ProgramType type) {
        return helpers.spec(id).map(s -> s.proto(type)).orElse(null);
    }
}

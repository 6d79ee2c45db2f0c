package org.bpf4j.verifier;

import java.util.HashMap;
import java.util.Map;

/**
 * Helper prototypes ({@code struct bpf_func_proto}) of the helpers the verifier models: return type,
 * argument types, gpl_only, pkt_access, which program types may call them.
 */
record HelperProto(int id, int ret, boolean gplOnly, boolean pktAccess, int kinds, int[] args, int allocRetSize) {

    // Argument types (enum bpf_arg_type base values and flags as the verifier needs them).
    static final int ARG_DONTCARE = 0, ARG_CONST_MAP_PTR = 1, ARG_PTR_TO_MAP_KEY = 2, ARG_PTR_TO_MAP_VALUE = 3,
            ARG_PTR_TO_MEM = 4, ARG_CONST_SIZE = 5, ARG_CONST_SIZE_OR_ZERO = 6, ARG_PTR_TO_CTX = 7,
            ARG_ANYTHING = 8, ARG_PTR_TO_RINGBUF_MEM = 9, ARG_CONST_ALLOC_SIZE_OR_ZERO = 10,
            ARG_PTR_TO_FUNC = 11, ARG_PTR_TO_STACK = 12, ARG_PTR_TO_CONST_STR = 13, ARG_PTR_TO_SPIN_LOCK = 14,
            ARG_PTR_TO_TIMER = 15;
    static final int ARG_BASE_MASK = 0xff;
    static final int A_MAYBE_NULL = 1 << 8, A_RDONLY = 1 << 9, A_UNINIT = 1 << 10, A_RELEASE = 1 << 11;
    /** MEM_WRITE without MEM_UNINIT: the helper writes into memory that must be initialized. */
    static final int A_WRITE = 1 << 12;

    // Return types.
    static final int RET_INTEGER = 0, RET_VOID = 1, RET_MAP_VALUE_OR_NULL = 2, RET_RINGBUF_MEM_OR_NULL = 3;

    // Program-type groups.
    static final int K_SF = 1, K_TC = 2, K_XDP = 4, K_TRACE = 8, K_CGSKB = 16, K_OTHER = 32, K_CGSOCK = 64;
    static final int K_ALL = 127, K_SKB = K_SF | K_TC | K_CGSKB;

    static int kindOf(VerifierProgramType t) {
        return switch (t) {
            case SOCKET_FILTER -> K_SF;
            case SCHED_CLS, SCHED_ACT -> K_TC;
            case XDP -> K_XDP;
            case KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT -> K_TRACE;
            case CGROUP_SKB -> K_CGSKB;
            case CGROUP_SOCK -> K_CGSOCK;
            default -> K_OTHER;
        };
    }

    private static final Map<Integer, HelperProto> PROTOS = new HashMap<>();

    private static void def(int id, int ret, boolean gpl, boolean pkt, int kinds, int... args) {
        PROTOS.put(id, new HelperProto(id, ret, gpl, pkt, kinds, args, 0));
    }

    static HelperProto get(int id) { return PROTOS.get(id); }

    static {
        final int MEM_RO = ARG_PTR_TO_MEM | A_RDONLY;
        final int UNINIT = ARG_PTR_TO_MEM | A_UNINIT;
        def(1, RET_MAP_VALUE_OR_NULL, false, true, K_ALL, ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY);
        def(2, RET_INTEGER, false, true, K_ALL, ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_PTR_TO_MAP_VALUE, ARG_ANYTHING);
        def(3, RET_INTEGER, false, true, K_ALL, ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY);
        def(4, RET_INTEGER, true, false, K_TRACE, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING); // probe_read
        def(5, RET_INTEGER, false, false, K_ALL); // ktime_get_ns
        def(6, RET_INTEGER, true, false, K_ALL, MEM_RO, ARG_CONST_SIZE); // trace_printk
        def(7, RET_INTEGER, false, false, K_ALL); // get_prandom_u32
        def(8, RET_INTEGER, false, false, K_ALL); // get_smp_processor_id
        def(9, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, MEM_RO, ARG_CONST_SIZE, ARG_ANYTHING);
        def(10, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING);
        def(11, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING, ARG_ANYTHING);
        def(12, RET_VOID, false, false, K_ALL, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING); // tail_call
        def(13, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING); // clone_redirect
        // get_current_pid_tgid is in bpf_base_func_proto (Linux 6.10+): every program type
        def(14, RET_INTEGER, false, false, K_ALL, new int[0]);
        // Linux 6.18 offers the current task's uid/gid and comm to every program type (checked on the running kernel)
        def(15, RET_INTEGER, false, false, K_ALL, new int[0]); // get_current_uid_gid
        def(16, RET_INTEGER, false, false, K_ALL, UNINIT, ARG_CONST_SIZE); // get_current_comm
        def(17, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX); // get_cgroup_classid
        def(18, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING); // skb_vlan_push
        def(19, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX); // skb_vlan_pop
        def(23, RET_INTEGER, false, false, K_TC | K_XDP, ARG_ANYTHING, ARG_ANYTHING); // redirect
        def(25, RET_INTEGER, true, false, K_ALL, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING, MEM_RO, ARG_CONST_SIZE_OR_ZERO);
        def(26, RET_INTEGER, false, false, K_SF | K_TC | K_CGSKB, ARG_PTR_TO_CTX, ARG_ANYTHING, UNINIT, ARG_CONST_SIZE); // skb_load_bytes
        def(27, RET_INTEGER, true, false, K_TRACE, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING); // get_stackid
        def(28, RET_INTEGER, false, true, K_TC | K_XDP, MEM_RO | A_MAYBE_NULL, ARG_CONST_SIZE_OR_ZERO,
                MEM_RO | A_MAYBE_NULL, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING); // csum_diff
        def(34, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX); // get_hash_recalc
        def(35, RET_INTEGER, true, false, K_ALL); // get_current_task
        def(38, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING); // skb_change_tail
        def(39, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_ANYTHING); // skb_pull_data
        def(41, RET_VOID, false, false, K_TC, ARG_PTR_TO_CTX); // set_hash_invalid
        def(42, RET_INTEGER, false, false, K_ALL); // get_numa_node_id
        def(44, RET_INTEGER, false, false, K_XDP, ARG_PTR_TO_CTX, ARG_ANYTHING); // xdp_adjust_head
        def(45, RET_INTEGER, true, false, K_TRACE, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING); // probe_read_str
        def(46, RET_INTEGER, false, false, K_SF | K_TC | K_CGSKB, ARG_PTR_TO_CTX); // get_socket_cookie
        def(47, RET_INTEGER, false, false, K_SF | K_TC | K_CGSKB, ARG_PTR_TO_CTX); // get_socket_uid
        def(51, RET_INTEGER, false, false, K_XDP, ARG_CONST_MAP_PTR, ARG_ANYTHING, ARG_ANYTHING); // redirect_map
        def(54, RET_INTEGER, false, false, K_XDP, ARG_PTR_TO_CTX, ARG_ANYTHING); // xdp_adjust_meta
        def(65, RET_INTEGER, false, false, K_XDP, ARG_PTR_TO_CTX, ARG_ANYTHING); // xdp_adjust_tail
        def(80, RET_INTEGER, false, false, K_ALL, new int[0]); // get_current_cgroup_id: base (CAP_BPF)
        def(112, RET_INTEGER, true, false, K_ALL, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING); // probe_read_user
        def(113, RET_INTEGER, true, false, K_ALL, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING); // probe_read_kernel
        def(114, RET_INTEGER, true, false, K_ALL, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING);
        def(115, RET_INTEGER, true, false, K_ALL, UNINIT, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING);
        def(118, RET_INTEGER, false, false, K_ALL); // jiffies64
        def(125, RET_INTEGER, false, false, K_ALL); // ktime_get_boot_ns
        def(130, RET_INTEGER, false, false, K_ALL, ARG_CONST_MAP_PTR, MEM_RO, ARG_CONST_SIZE_OR_ZERO, ARG_ANYTHING);
        PROTOS.put(131, new HelperProto(131, RET_RINGBUF_MEM_OR_NULL, false, false, K_ALL,
                new int[] {ARG_CONST_MAP_PTR, ARG_CONST_ALLOC_SIZE_OR_ZERO, ARG_ANYTHING}, 1));
        def(132, RET_VOID, false, false, K_ALL, ARG_PTR_TO_RINGBUF_MEM | A_RELEASE, ARG_ANYTHING);
        def(133, RET_VOID, false, false, K_ALL, ARG_PTR_TO_RINGBUF_MEM | A_RELEASE, ARG_ANYTHING);
        def(134, RET_INTEGER, false, false, K_ALL, ARG_CONST_MAP_PTR, ARG_ANYTHING);
        def(160, RET_INTEGER, false, false, K_ALL); // ktime_get_coarse_ns
        def(182, RET_INTEGER, false, false, K_ALL, MEM_RO, ARG_CONST_SIZE, ARG_PTR_TO_CONST_STR); // strncmp
        def(208, RET_INTEGER, false, false, K_ALL); // ktime_get_tai_ns
        // locks, timers and callback-calling helpers (bpf_base_func_proto: CAP_BPF)
        final int STACK_OR_NULL = ARG_PTR_TO_STACK | A_MAYBE_NULL;
        def(93, RET_VOID, false, false, K_ALL, ARG_PTR_TO_SPIN_LOCK); // spin_lock
        def(94, RET_VOID, false, false, K_ALL, ARG_PTR_TO_SPIN_LOCK); // spin_unlock
        def(164, RET_INTEGER, false, false, K_ALL, ARG_CONST_MAP_PTR, ARG_PTR_TO_FUNC, STACK_OR_NULL, ARG_ANYTHING); // for_each_map_elem
        def(181, RET_INTEGER, false, false, K_ALL, ARG_ANYTHING, ARG_PTR_TO_FUNC, STACK_OR_NULL, ARG_ANYTHING); // loop
        def(209, RET_INTEGER, false, false, K_ALL, ARG_CONST_MAP_PTR, ARG_PTR_TO_FUNC, STACK_OR_NULL, ARG_ANYTHING); // user_ringbuf_drain
        def(169, RET_INTEGER, true, false, K_ALL, ARG_PTR_TO_TIMER, ARG_CONST_MAP_PTR, ARG_ANYTHING); // timer_init
        def(170, RET_INTEGER, true, false, K_ALL, ARG_PTR_TO_TIMER, ARG_PTR_TO_FUNC); // timer_set_callback
        def(171, RET_INTEGER, true, false, K_ALL, ARG_PTR_TO_TIMER, ARG_ANYTHING, ARG_ANYTHING); // timer_start
        def(172, RET_INTEGER, true, false, K_ALL, ARG_PTR_TO_TIMER); // timer_cancel
        // tracing
        def(22, RET_INTEGER, true, false, K_TRACE, ARG_CONST_MAP_PTR, ARG_ANYTHING); // perf_event_read
        def(55, RET_INTEGER, true, false, K_TRACE, ARG_CONST_MAP_PTR, ARG_ANYTHING, UNINIT, ARG_CONST_SIZE); // perf_event_read_value
        def(37, RET_INTEGER, false, false, K_TRACE, ARG_CONST_MAP_PTR, ARG_ANYTHING); // current_task_under_cgroup
        PROTOS.put(56, new HelperProto(56, RET_INTEGER, true, false, K_TRACE, // perf_prog_read_value: perf_event only
                new int[] {ARG_PTR_TO_CTX, UNINIT, ARG_CONST_SIZE}, 0));
        // this kernel refuses these for every program type (kernel lockdown, no CONFIG_BPF_KPROBE_OVERRIDE)
        def(36, RET_INTEGER, true, false, 0, ARG_ANYTHING, MEM_RO, ARG_CONST_SIZE); // probe_write_user
        def(58, RET_INTEGER, true, false, 0, ARG_PTR_TO_CTX, ARG_ANYTHING); // override_return
        // networking
        def(21, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, MEM_RO, ARG_CONST_SIZE, ARG_ANYTHING); // skb_set_tunnel_key
        def(33, RET_INTEGER, false, false, K_TC, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_ANYTHING); // skb_under_cgroup
        // fib_lookup writes its params back: treated as MEM_WRITE (stricter than a read if the kernel reads only)
        def(69, RET_INTEGER, true, false, K_TC | K_XDP, ARG_PTR_TO_CTX, ARG_PTR_TO_MEM | A_WRITE, ARG_CONST_SIZE, ARG_ANYTHING);
        // sock_ops
        def(49, RET_INTEGER, false, false, K_OTHER, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, MEM_RO, ARG_CONST_SIZE); // setsockopt
        def(57, RET_INTEGER, false, false, K_OTHER, ARG_PTR_TO_CTX, ARG_ANYTHING, ARG_ANYTHING, UNINIT, ARG_CONST_SIZE); // getsockopt
        def(59, RET_INTEGER, false, false, K_OTHER, ARG_PTR_TO_CTX, ARG_ANYTHING); // sock_ops_cb_flags_set
        def(53, RET_INTEGER, false, false, K_OTHER, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ARG_ANYTHING); // sock_map_update
    }

    /** Helpers that call a callback before they return (is_sync_callback_calling_function). */
    static boolean callsCallbackSync(int id) {
        return id == 164 || id == 180 || id == 181 || id == 209;
    }

    /** Helpers that register a callback to be run later (is_async_callback_calling_function). */
    static boolean callsCallbackAsync(int id) {
        return id == 170;
    }

    /** Helpers that may change packet data (bpf_helper_changes_pkt_data): packet pointers die. */
    static boolean changesPktData(int id) {
        return switch (id) {
            case 13, 10, 11, 73, 76, 75, 74, 91, 63, 90, 50, 43, 31, 38, 39, 9, 19, 18, 142, 44, 54, 65, 12 -> true;
            default -> false;
        };
    }
}

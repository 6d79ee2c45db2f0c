package org.bpf4j.verifier;

import org.bpf4j.progtype.ProgramType;

/**
 * Helper prototypes ({@code struct bpf_func_proto}) of every Linux 6.18 helper: return type, argument types,
 * pkt_access, allow_fastcall. Which program types may call a helper and whether it is gpl_only is {@link HelperAvailability}.
 * A prototype bpf4j cannot check (BTF-typed kernel pointers, dynptrs, kptrs, callbacks, timers, spin locks)
 * carries the reason in {@code unmodelled}: a call is then
 * {@code unsupported}, never a guess.
 *
 * <p>Written from the {@code bpf_func_proto} definitions of the reference kernel source (net/core/filter.c,
 * kernel/bpf/helpers.c, kernel/trace/bpf_trace.c, kernel/bpf/*.c, ...); where one helper has several
 * prototypes, {@link #of(int, ProgramType)} picks the one the program type gets.
 */
record HelperProto(int id, int ret, boolean pktAccess, int[] args, int allocRetSize, String unmodelled,
                   boolean allowFastcall) {

    // Argument types (enum bpf_arg_type base values and flags as the verifier needs them).
    static final int ARG_DONTCARE = 0, ARG_CONST_MAP_PTR = 1, ARG_PTR_TO_MAP_KEY = 2, ARG_PTR_TO_MAP_VALUE = 3,
            ARG_PTR_TO_MEM = 4, ARG_CONST_SIZE = 5, ARG_CONST_SIZE_OR_ZERO = 6, ARG_PTR_TO_CTX = 7,
            ARG_ANYTHING = 8, ARG_PTR_TO_RINGBUF_MEM = 9, ARG_CONST_ALLOC_SIZE_OR_ZERO = 10,
            ARG_PTR_TO_FUNC = 11, ARG_PTR_TO_STACK = 12, ARG_PTR_TO_CONST_STR = 13, ARG_PTR_TO_SPIN_LOCK = 14,
            ARG_PTR_TO_TIMER = 15, ARG_PTR_TO_SOCK_COMMON = 16, ARG_PTR_TO_BTF_ID_SOCK_COMMON = 17,
            ARG_PTR_TO_SOCKET = 18;
    static final int ARG_BASE_MASK = 0xff;
    static final int A_MAYBE_NULL = 1 << 8, A_RDONLY = 1 << 9, A_UNINIT = 1 << 10, A_RELEASE = 1 << 11;
    /** MEM_WRITE without MEM_UNINIT: the helper writes into memory that must be initialized. */
    static final int A_WRITE = 1 << 12;
    /** MEM_FIXED_SIZE: the memory's size is the prototype's, in the bits above {@link #FIXED_SIZE_SHIFT}. */
    static final int A_FIXED_SIZE = 1 << 13;
    /** MEM_ALIGNED: the memory must be aligned to its size. */
    static final int A_ALIGNED = 1 << 14;
    static final int FIXED_SIZE_SHIFT = 16;

    /** ARG_PTR_TO_FIXED_SIZE_MEM with the prototype's arg_size. */
    static int fixedSizeMem(int size, int flags) {
        return ARG_PTR_TO_MEM | A_FIXED_SIZE | flags | size << FIXED_SIZE_SHIFT;
    }

    static int fixedSize(int argType) {
        return argType >>> FIXED_SIZE_SHIFT;
    }

    // Return types.
    static final int RET_INTEGER = 0, RET_VOID = 1, RET_MAP_VALUE_OR_NULL = 2, RET_RINGBUF_MEM_OR_NULL = 3,
            RET_MAP_VALUE = 4, RET_SOCKET_OR_NULL = 5, RET_TCP_SOCK_OR_NULL = 6, RET_SOCK_COMMON_OR_NULL = 7;

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
    private static final int[] NONE = {};

    private static final HelperProto[] PROTOS = new HelperProto[212];

    private static void def(int id, int ret, boolean pkt, int... args) {
        PROTOS[id] = new HelperProto(id, ret, pkt, args, 0, null, false);
    }

    private static void unmodelled(int id, String reason, int ret, int... args) {
        PROTOS[id] = new HelperProto(id, ret, false, args, 0, reason, false);
    }

    private static void unmodelled(int id, String reason) {
        unmodelled(id, reason, RET_INTEGER, NONE);
    }

    /** The prototype of helper {@code id} independent of the program type, or null for an unknown id. */
    static HelperProto get(int id) {
        return id > 0 && id < PROTOS.length ? PROTOS[id] : null;
    }

    /** The prototype program type {@code type} gets for helper {@code id}, or null for an unknown id. */
    static HelperProto of(int id, ProgramType type) {
        return switch (id) {
            // bpf_get_cgroup_classid reads the skb in tc and lwt programs, else the current task's cgroup
            case 17 -> switch (type) {
                case SCHED_CLS, SCHED_ACT, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> PROTOS[17];
                default -> CGROUP_CLASSID_CURRENT;
            };
            // socket reuseport and syscall programs get the tracing variants, which take BTF-typed kernel pointers
            case 46 -> type == ProgramType.SK_REUSEPORT || type == ProgramType.SYSCALL
                    ? new HelperProto(id, RET_INTEGER, false, NONE, 0, "argument 1 is a BTF-typed socket pointer", false)
                    : PROTOS[46];
            case 188 -> type == ProgramType.XDP ? PROTOS[188]
                    : new HelperProto(id, RET_INTEGER, false, NONE, 0, "argument 1 is a BTF-typed kernel pointer", false);
            // setsockopt programs get the socket's own bpf_setsockopt/bpf_getsockopt, on ctx->sk
            case 49, 57 -> type == ProgramType.CGROUP_SOCKOPT
                    ? new HelperProto(id, RET_INTEGER, false, NONE, 0, "argument 1 is a BTF-typed socket pointer", false)
                    : PROTOS[id];
            // cgroup/sock programs pass their context, the others a BTF-typed socket
            case 107 -> type == ProgramType.CGROUP_SOCK ? SK_STORAGE_GET_CG_SOCK : PROTOS[107];
            // sk_lookup programs assign the socket they looked up, or NULL
            case 124 -> type == ProgramType.SK_LOOKUP ? SK_LOOKUP_ASSIGN : PROTOS[124];
            // tc, xdp, lwt and tracing programs (bpf_tracing_func_proto) get bpf_get_smp_processor_id_proto, the
            // others bpf_base_func_proto's bpf_get_raw_smp_processor_id_proto, which is not bpf_fastcall
            case 8 -> switch (type) {
                case SCHED_CLS, SCHED_ACT, XDP, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL, KPROBE, TRACEPOINT,
                     PERF_EVENT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE, TRACING, LSM, SYSCALL -> SMP_PROCESSOR_ID;
                default -> PROTOS[8];
            };
            default -> get(id);
        };
    }

    /** bpf_get_smp_processor_id_proto: the one helper prototype with allow_fastcall (kernel/bpf/helpers.c). */
    private static final HelperProto SMP_PROCESSOR_ID = new HelperProto(8, RET_INTEGER, false, NONE, 0, null, true);
    private static final HelperProto CGROUP_CLASSID_CURRENT = new HelperProto(17, RET_INTEGER, false, NONE, 0, null, false);
    private static final HelperProto SK_LOOKUP_ASSIGN = new HelperProto(124, RET_INTEGER, false,
            new int[] {CTX, ARG_PTR_TO_SOCKET | A_MAYBE_NULL, ANY}, 0, null, false);
    private static final HelperProto SK_STORAGE_GET_CG_SOCK = new HelperProto(107, RET_MAP_VALUE_OR_NULL, false,
            new int[] {MAP, CTX, VALUE_OR_NULL, ANY}, 0, null, false);

    static {
        def(1, RET_MAP_VALUE_OR_NULL, PKT, MAP, KEY); // map_lookup_elem
        def(2, RET_INTEGER, PKT, MAP, KEY, VALUE, ANY); // map_update_elem
        def(3, RET_INTEGER, PKT, MAP, KEY); // map_delete_elem
        def(4, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read
        def(5, RET_INTEGER, NO_PKT); // ktime_get_ns
        def(6, RET_INTEGER, NO_PKT, MEM_RO, SIZE); // trace_printk
        def(7, RET_INTEGER, NO_PKT); // get_prandom_u32
        def(8, RET_INTEGER, NO_PKT); // get_smp_processor_id
        def(9, RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE, ANY); // skb_store_bytes
        def(10, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY, ANY); // l3_csum_replace
        def(11, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY, ANY); // l4_csum_replace
        def(12, RET_VOID, NO_PKT, CTX, MAP, ANY); // tail_call
        def(13, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // clone_redirect
        def(14, RET_INTEGER, NO_PKT); // get_current_pid_tgid
        def(15, RET_INTEGER, NO_PKT); // get_current_uid_gid
        def(16, RET_INTEGER, NO_PKT, UNINIT, SIZE); // get_current_comm
        def(17, RET_INTEGER, NO_PKT, CTX); // get_cgroup_classid
        def(18, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // skb_vlan_push
        def(19, RET_INTEGER, NO_PKT, CTX); // skb_vlan_pop
        def(20, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE, ANY); // skb_get_tunnel_key
        def(21, RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE, ANY); // skb_set_tunnel_key
        def(22, RET_INTEGER, NO_PKT, MAP, ANY); // perf_event_read
        def(23, RET_INTEGER, NO_PKT, ANY, ANY); // redirect
        def(24, RET_INTEGER, NO_PKT, CTX); // get_route_realm
        def(25, RET_INTEGER, NO_PKT, CTX, MAP, ANY, MEM_RO, SIZE0); // perf_event_output
        def(26, RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE); // skb_load_bytes
        def(27, RET_INTEGER, NO_PKT, CTX, MAP, ANY); // get_stackid
        def(28, RET_INTEGER, PKT, MEM_RO_OR_NULL, SIZE0, MEM_RO_OR_NULL, SIZE0, ANY); // csum_diff
        def(29, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE); // skb_get_tunnel_opt
        def(30, RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE); // skb_set_tunnel_opt
        def(31, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // skb_change_proto
        def(32, RET_INTEGER, NO_PKT, CTX, ANY); // skb_change_type
        def(33, RET_INTEGER, NO_PKT, CTX, MAP, ANY); // skb_under_cgroup
        def(34, RET_INTEGER, NO_PKT, CTX); // get_hash_recalc
        def(35, RET_INTEGER, NO_PKT); // get_current_task
        def(36, RET_INTEGER, NO_PKT, ANY, MEM_RO, SIZE); // probe_write_user
        def(37, RET_INTEGER, NO_PKT, MAP, ANY); // current_task_under_cgroup
        def(38, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // skb_change_tail
        def(39, RET_INTEGER, NO_PKT, CTX, ANY); // skb_pull_data
        def(40, RET_INTEGER, NO_PKT, CTX, ANY); // csum_update
        def(41, RET_INTEGER, NO_PKT, CTX); // set_hash_invalid
        def(42, RET_INTEGER, NO_PKT); // get_numa_node_id
        def(43, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // skb_change_head
        def(44, RET_INTEGER, NO_PKT, CTX, ANY); // xdp_adjust_head
        def(45, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read_str
        def(46, RET_INTEGER, NO_PKT, CTX); // get_socket_cookie
        def(47, RET_INTEGER, NO_PKT, CTX); // get_socket_uid
        def(48, RET_INTEGER, NO_PKT, CTX, ANY); // set_hash
        def(49, RET_INTEGER, NO_PKT, CTX, ANY, ANY, MEM_RO, SIZE); // setsockopt
        def(50, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY); // skb_adjust_room
        def(51, RET_INTEGER, NO_PKT, MAP, ANY, ANY); // redirect_map
        def(52, RET_INTEGER, NO_PKT, CTX, MAP, ANY, ANY); // sk_redirect_map
        def(53, RET_INTEGER, PKT, CTX, MAP, KEY, ANY); // sock_map_update
        def(54, RET_INTEGER, NO_PKT, CTX, ANY); // xdp_adjust_meta
        def(55, RET_INTEGER, NO_PKT, MAP, ANY, UNINIT, SIZE); // perf_event_read_value
        def(56, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE); // perf_prog_read_value
        def(57, RET_INTEGER, NO_PKT, CTX, ANY, ANY, UNINIT, SIZE); // getsockopt
        def(58, RET_INTEGER, NO_PKT, CTX, ANY); // override_return
        def(59, RET_INTEGER, NO_PKT, CTX, ANY); // sock_ops_cb_flags_set
        def(60, RET_INTEGER, NO_PKT, CTX, MAP, ANY, ANY); // msg_redirect_map
        def(61, RET_INTEGER, NO_PKT, CTX, ANY); // msg_apply_bytes
        def(62, RET_INTEGER, NO_PKT, CTX, ANY); // msg_cork_bytes
        def(63, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY); // msg_pull_data
        def(64, RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE); // bind
        def(65, RET_INTEGER, NO_PKT, CTX, ANY); // xdp_adjust_tail
        def(66, RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE, ANY); // skb_get_xfrm_state
        def(67, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE0, ANY); // get_stack
        def(68, RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE, ANY); // skb_load_bytes_relative
        def(69, RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY); // fib_lookup
        def(70, RET_INTEGER, PKT, CTX, MAP, KEY, ANY); // sock_hash_update
        def(71, RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY); // msg_redirect_hash
        def(72, RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY); // sk_redirect_hash
        def(73, RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE); // lwt_push_encap
        def(74, RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE); // lwt_seg6_store_bytes
        def(75, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // lwt_seg6_adjust_srh
        def(76, RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE); // lwt_seg6_action
        def(77, RET_INTEGER, NO_PKT, CTX); // rc_repeat
        def(78, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY); // rc_keydown
        def(79, RET_INTEGER, NO_PKT, CTX); // skb_cgroup_id
        def(80, RET_INTEGER, NO_PKT); // get_current_cgroup_id
        def(81, RET_MAP_VALUE, NO_PKT, MAP, ANY); // get_local_storage
        def(82, RET_INTEGER, NO_PKT, CTX, MAP, KEY, ANY); // sk_select_reuseport
        def(83, RET_INTEGER, NO_PKT, CTX, ANY); // skb_ancestor_cgroup_id
        def(84, RET_SOCKET_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY); // sk_lookup_tcp
        def(85, RET_SOCKET_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY); // sk_lookup_udp
        def(86, RET_INTEGER, NO_PKT, ARG_PTR_TO_BTF_ID_SOCK_COMMON | A_RELEASE); // sk_release
        def(87, RET_INTEGER, PKT, MAP, VALUE, ANY); // map_push_elem
        def(88, RET_INTEGER, NO_PKT, MAP, VALUE_UNINIT); // map_pop_elem
        def(89, RET_INTEGER, NO_PKT, MAP, VALUE_UNINIT); // map_peek_elem
        def(90, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY); // msg_push_data
        def(91, RET_INTEGER, NO_PKT, CTX, ANY, ANY, ANY); // msg_pop_data
        def(92, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // rc_pointer_rel
        def(93, RET_VOID, NO_PKT, ARG_PTR_TO_SPIN_LOCK); // spin_lock
        def(94, RET_VOID, NO_PKT, ARG_PTR_TO_SPIN_LOCK); // spin_unlock
        def(95, RET_SOCKET_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON); // sk_fullsock
        def(96, RET_TCP_SOCK_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON); // tcp_sock
        def(97, RET_INTEGER, NO_PKT, CTX); // skb_ecn_set_ce
        def(98, RET_SOCKET_OR_NULL, NO_PKT, ARG_PTR_TO_SOCK_COMMON); // get_listener_sock
        def(99, RET_SOCK_COMMON_OR_NULL, PKT, CTX, MEM_RO, SIZE0, ANY, ANY); // skc_lookup_tcp
        def(100, RET_INTEGER, PKT, SOCK, MEM_RO, SIZE, MEM_RO, SIZE); // tcp_check_syncookie
        def(101, RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY); // sysctl_get_name
        def(102, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE); // sysctl_get_current_value
        def(103, RET_INTEGER, NO_PKT, CTX, UNINIT, SIZE); // sysctl_get_new_value
        def(104, RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE); // sysctl_set_new_value
        def(105, RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)); // strtol
        def(106, RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)); // strtoul
        // the socket argument also takes BTF-typed sockets, which only the (unmodelled) tracing and LSM programs have
        def(107, RET_MAP_VALUE_OR_NULL, NO_PKT, MAP, SOCK, VALUE_OR_NULL, ANY); // sk_storage_get
        def(108, RET_INTEGER, NO_PKT, MAP, SOCK); // sk_storage_delete
        def(109, RET_INTEGER, NO_PKT, ANY); // send_signal
        def(110, RET_INTEGER, PKT, SOCK, MEM_RO, SIZE, MEM_RO, SIZE); // tcp_gen_syncookie
        unmodelled(111, "argument 1 is a BTF-typed kernel pointer"); // skb_output
        def(112, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read_user
        def(113, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read_kernel
        def(114, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read_user_str
        def(115, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // probe_read_kernel_str
        unmodelled(116, "argument 1 is a BTF-typed kernel pointer"); // tcp_send_ack
        def(117, RET_INTEGER, NO_PKT, ANY); // send_signal_thread
        def(118, RET_INTEGER, NO_PKT); // jiffies64
        def(119, RET_INTEGER, NO_PKT, CTX, MEM_W_OR_NULL, SIZE0, ANY); // read_branch_records
        def(120, RET_INTEGER, NO_PKT, ANY, ANY, UNINIT, SIZE); // get_ns_current_pid_tgid
        unmodelled(121, "argument 1 is a BTF-typed kernel pointer"); // xdp_output
        def(122, RET_INTEGER, NO_PKT, CTX_OR_NULL); // get_netns_cookie
        def(123, RET_INTEGER, NO_PKT, ANY); // get_current_ancestor_cgroup_id
        def(124, RET_INTEGER, NO_PKT, CTX, SOCK, ANY); // sk_assign
        def(125, RET_INTEGER, NO_PKT); // ktime_get_boot_ns
        unmodelled(126, "argument 1 is a BTF-typed kernel pointer"); // seq_printf
        unmodelled(127, "argument 1 is a BTF-typed kernel pointer"); // seq_write
        def(128, RET_INTEGER, NO_PKT, SOCK); // sk_cgroup_id
        def(129, RET_INTEGER, NO_PKT, SOCK, ANY); // sk_ancestor_cgroup_id
        def(130, RET_INTEGER, NO_PKT, MAP, MEM_RO, SIZE0, ANY); // ringbuf_output
        PROTOS[131] = new HelperProto(131, RET_RINGBUF_MEM_OR_NULL, false, new int[] {MAP, ALLOC_SIZE0, ANY}, 1, null, false); // ringbuf_reserve
        def(132, RET_VOID, NO_PKT, RINGBUF_RELEASE, ANY); // ringbuf_submit
        def(133, RET_VOID, NO_PKT, RINGBUF_RELEASE, ANY); // ringbuf_discard
        def(134, RET_INTEGER, NO_PKT, MAP, ANY); // ringbuf_query
        def(135, RET_INTEGER, NO_PKT, CTX, ANY); // csum_level
        unmodelled(136, "argument 1 is a BTF-typed socket pointer"); // skc_to_tcp6_sock
        unmodelled(137, "argument 1 is a BTF-typed socket pointer"); // skc_to_tcp_sock
        unmodelled(138, "argument 1 is a BTF-typed socket pointer"); // skc_to_tcp_timewait_sock
        unmodelled(139, "argument 1 is a BTF-typed socket pointer"); // skc_to_tcp_request_sock
        unmodelled(140, "argument 1 is a BTF-typed socket pointer"); // skc_to_udp6_sock
        unmodelled(141, "argument 1 is a BTF-typed kernel pointer"); // get_task_stack
        def(142, RET_INTEGER, NO_PKT, CTX, MEM_W, SIZE, ANY); // load_hdr_opt
        def(143, RET_INTEGER, NO_PKT, CTX, MEM_RO, SIZE, ANY); // store_hdr_opt
        def(144, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // reserve_hdr_opt
        unmodelled(145, "argument 2 is a BTF-typed kernel pointer"); // inode_storage_get
        unmodelled(146, "argument 2 is a BTF-typed kernel pointer"); // inode_storage_delete
        unmodelled(147, "argument 1 is a BTF-typed kernel pointer"); // d_path
        def(148, RET_INTEGER, NO_PKT, UNINIT, SIZE0, ANY); // copy_from_user (might sleep)
        def(149, RET_INTEGER, NO_PKT, MEM_W, SIZE, MEM_RO, SIZE, ANY); // snprintf_btf
        unmodelled(150, "argument 1 is a BTF-typed kernel pointer"); // seq_printf_btf
        def(151, RET_INTEGER, NO_PKT, CTX); // skb_cgroup_classid
        def(152, RET_INTEGER, NO_PKT, ANY, MEM_RO_OR_NULL, SIZE0, ANY); // redirect_neigh
        unmodelled(153, "argument 1 is a per-CPU kernel variable (BTF id)"); // per_cpu_ptr
        unmodelled(154, "argument 1 is a per-CPU kernel variable (BTF id)"); // this_cpu_ptr
        def(155, RET_INTEGER, NO_PKT, ANY, ANY); // redirect_peer
        unmodelled(156, "argument 2 is a BTF-typed kernel pointer"); // task_storage_get
        unmodelled(157, "argument 2 is a BTF-typed kernel pointer"); // task_storage_delete
        unmodelled(158, "it returns a BTF-typed kernel pointer"); // get_current_task_btf
        unmodelled(159, "argument 1 is a BTF-typed kernel pointer"); // bprm_opts_set
        def(160, RET_INTEGER, NO_PKT); // ktime_get_coarse_ns
        unmodelled(161, "argument 1 is a BTF-typed kernel pointer"); // ima_inode_hash
        unmodelled(162, "argument 1 is a BTF-typed kernel pointer"); // sock_from_file
        def(163, RET_INTEGER, NO_PKT, CTX, ANY, fixedSizeMem(4, A_WRITE | A_ALIGNED), ANY, ANY); // check_mtu
        def(164, RET_INTEGER, NO_PKT, MAP, FUNC, STACK_OR_NULL, ANY); // for_each_map_elem
        def(165, RET_INTEGER, NO_PKT, MEM_W_OR_NULL, SIZE0, CONST_STR, MEM_RO_OR_NULL, SIZE0); // snprintf
        def(166, RET_INTEGER, NO_PKT, ANY, MEM_RO, SIZE); // sys_bpf (might sleep)
        def(167, RET_INTEGER, NO_PKT, MEM_RO, SIZE, ANY, ANY); // btf_find_by_name_kind (might sleep)
        def(168, RET_INTEGER, NO_PKT, ANY); // sys_close (might sleep)
        def(169, RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, MAP, ANY); // timer_init
        def(170, RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, FUNC); // timer_set_callback
        def(171, RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER, ANY, ANY); // timer_start
        def(172, RET_INTEGER, NO_PKT, ARG_PTR_TO_TIMER); // timer_cancel
        def(173, RET_INTEGER, NO_PKT, CTX); // get_func_ip
        def(174, RET_INTEGER, NO_PKT, CTX); // get_attach_cookie
        unmodelled(175, "argument 1 is a BTF-typed kernel pointer"); // task_pt_regs
        def(176, RET_INTEGER, NO_PKT, UNINIT, SIZE0); // get_branch_snapshot
        def(177, RET_INTEGER, NO_PKT, MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0); // trace_vprintk
        unmodelled(178, "argument 1 is a BTF-typed socket pointer"); // skc_to_unix_sock
        def(179, RET_INTEGER, NO_PKT, MEM_RO, SIZE0, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)); // kallsyms_lookup_name
        unmodelled(180, "argument 1 is a BTF-typed kernel pointer"); // find_vma
        def(181, RET_INTEGER, NO_PKT, ANY, FUNC, STACK_OR_NULL, ANY); // loop
        def(182, RET_INTEGER, NO_PKT, MEM_RO, SIZE, CONST_STR); // strncmp
        def(183, RET_INTEGER, NO_PKT, CTX, ANY, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)); // get_func_arg
        def(184, RET_INTEGER, NO_PKT, CTX, fixedSizeMem(8, A_UNINIT | A_WRITE | A_ALIGNED)); // get_func_ret
        def(185, RET_INTEGER, NO_PKT, CTX); // get_func_arg_cnt
        def(186, RET_INTEGER, NO_PKT); // get_retval
        def(187, RET_INTEGER, NO_PKT, ANY); // set_retval
        def(188, RET_INTEGER, NO_PKT, CTX); // xdp_get_buff_len
        def(189, RET_INTEGER, NO_PKT, CTX, ANY, UNINIT, SIZE); // xdp_load_bytes
        def(190, RET_INTEGER, NO_PKT, CTX, ANY, MEM_RO, SIZE); // xdp_store_bytes
        unmodelled(191, "argument 4 is a BTF-typed kernel pointer"); // copy_from_user_task
        def(192, RET_INTEGER, NO_PKT, CTX, ANY, ANY); // skb_set_tstamp
        unmodelled(193, "argument 1 is a BTF-typed kernel pointer"); // ima_file_hash
        unmodelled(194, "argument 1 is a kptr"); // kptr_xchg
        def(195, RET_MAP_VALUE_OR_NULL, PKT, MAP, KEY, ANY); // map_lookup_percpu_elem
        unmodelled(196, "it returns a BTF-typed kernel pointer"); // skc_to_mptcp_sock
        unmodelled(197, "argument 4 is a dynptr"); // dynptr_from_mem
        unmodelled(198, "argument 4 is a dynptr"); // ringbuf_reserve_dynptr
        unmodelled(199, "argument 1 is a dynptr"); // ringbuf_submit_dynptr
        unmodelled(200, "argument 1 is a dynptr"); // ringbuf_discard_dynptr
        unmodelled(201, "argument 3 is a dynptr"); // dynptr_read
        unmodelled(202, "argument 1 is a dynptr"); // dynptr_write
        unmodelled(203, "argument 1 is a dynptr"); // dynptr_data
        def(204, RET_INTEGER, PKT, fixedSizeMem(IPHDR, 0), MEM_RO, SIZE0); // tcp_raw_gen_syncookie_ipv4
        def(205, RET_INTEGER, PKT, fixedSizeMem(IPV6HDR, 0), MEM_RO, SIZE0); // tcp_raw_gen_syncookie_ipv6
        def(206, RET_INTEGER, PKT, fixedSizeMem(IPHDR, 0), fixedSizeMem(TCPHDR, 0)); // tcp_raw_check_syncookie_ipv4
        def(207, RET_INTEGER, PKT, fixedSizeMem(IPV6HDR, 0), fixedSizeMem(TCPHDR, 0)); // tcp_raw_check_syncookie_ipv6
        def(208, RET_INTEGER, NO_PKT); // ktime_get_tai_ns
        def(209, RET_INTEGER, NO_PKT, MAP, FUNC, STACK_OR_NULL, ANY); // user_ringbuf_drain
        unmodelled(210, "argument 2 is a BTF-typed kernel pointer"); // cgrp_storage_get
        unmodelled(211, "argument 2 is a BTF-typed kernel pointer"); // cgrp_storage_delete
    }

    /** is_acquire_function for sockets: the returned socket holds a reference the program must release. */
    static boolean acquiresSocket(int id) {
        return id == 84 || id == 85 || id == 99;
    }

    /** is_ptr_cast_function: the returned socket is the argument's, with its reference. */
    static boolean castsSocket(int id) {
        return id == 95 || id == 96;
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
            case 13, 10, 11, 73, 76, 75, 74, 91, 63, 90, 50, 43, 31, 38, 39, 9, 19, 18, 143, 44, 54, 65, 12 -> true;
            default -> false;
        };
    }
}

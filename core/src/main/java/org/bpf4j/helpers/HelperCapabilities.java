package org.bpf4j.helpers;

import static org.bpf4j.helpers.KernelHelper.*;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The helpers a loader must hold a capability for (kernel/bpf/helpers.c, bpf_base_func_proto): past the first
 * list, {@code bpf_token_capable(CAP_BPF)} gates the second and {@code CAP_PERFMON} the third; and
 * bpf_sk_base_func_proto gates its socket casts on {@code perfmon_capable()}. Without them {@code
 * get_func_proto} returns none: "program of this type cannot use helper". Socket filter and cgroup skb
 * programs, the only types an unprivileged loader may load, reach these lists through their fallbacks and
 * list none of these helpers before them.
 */
public final class HelperCapabilities {
    private HelperCapabilities() {}

    /** bpf_base_func_proto's CAP_BPF section. */
    public static final Set<KernelHelper> CAP_BPF = Collections.unmodifiableSet(EnumSet.of(
            SPIN_LOCK, SPIN_UNLOCK, JIFFIES64, PER_CPU_PTR, THIS_CPU_PTR, TIMER_INIT, TIMER_SET_CALLBACK, TIMER_START,
            TIMER_CANCEL, KPTR_XCHG, FOR_EACH_MAP_ELEM, LOOP, USER_RINGBUF_DRAIN, RINGBUF_RESERVE_DYNPTR,
            RINGBUF_SUBMIT_DYNPTR, RINGBUF_DISCARD_DYNPTR, DYNPTR_FROM_MEM, DYNPTR_READ, DYNPTR_WRITE, DYNPTR_DATA,
            CGRP_STORAGE_GET, CGRP_STORAGE_DELETE, GET_CURRENT_CGROUP_ID, GET_CURRENT_ANCESTOR_CGROUP_ID));

    /** bpf_base_func_proto's CAP_PERFMON section and bpf_sk_base_func_proto's perfmon_capable() casts. */
    public static final Set<KernelHelper> CAP_PERFMON = Collections.unmodifiableSet(EnumSet.of(
            TRACE_PRINTK, GET_CURRENT_TASK, GET_CURRENT_TASK_BTF, PROBE_READ_USER, PROBE_READ_KERNEL,
            PROBE_READ_USER_STR, PROBE_READ_KERNEL_STR, SNPRINTF_BTF, SNPRINTF, TASK_PT_REGS, TRACE_VPRINTK,
            SKC_TO_TCP6_SOCK, SKC_TO_TCP_SOCK, SKC_TO_TCP_TIMEWAIT_SOCK, SKC_TO_TCP_REQUEST_SOCK, SKC_TO_UDP6_SOCK,
            SKC_TO_UNIX_SOCK, SKC_TO_MPTCP_SOCK));

    /** Whether a loader without CAP_BPF and CAP_PERFMON is refused helper {@code id}. */
    public static boolean needsCapability(long id) {
        return KernelHelper.byId(id).map(h -> CAP_BPF.contains(h) || CAP_PERFMON.contains(h)).orElse(false);
    }
}

package org.bpf4j.progtype;

import java.util.Map;
import java.util.Optional;

/**
 * The names uapi gives a program type's return values ({@code enum xdp_action}, {@code TC_ACT_*},
 * {@code enum sk_action}, {@code enum bpf_ret_code}, {@code NF_*}), so that a result reads as the kernel's
 * constants do. Types whose return values have no uapi names (cgroup programs' 0/1, tracing) have none here.
 */
public final class ReturnCodes {
    private ReturnCodes() {}

    private static final Map<Integer, String> XDP = Map.of(0, "XDP_ABORTED", 1, "XDP_DROP", 2, "XDP_PASS", 3, "XDP_TX",
            4, "XDP_REDIRECT");
    private static final Map<Integer, String> TC = Map.ofEntries(Map.entry(-1, "TC_ACT_UNSPEC"), Map.entry(0, "TC_ACT_OK"),
            Map.entry(1, "TC_ACT_RECLASSIFY"), Map.entry(2, "TC_ACT_SHOT"), Map.entry(3, "TC_ACT_PIPE"),
            Map.entry(4, "TC_ACT_STOLEN"), Map.entry(5, "TC_ACT_QUEUED"), Map.entry(6, "TC_ACT_REPEAT"),
            Map.entry(7, "TC_ACT_REDIRECT"), Map.entry(8, "TC_ACT_TRAP"));
    private static final Map<Integer, String> SK = Map.of(0, "SK_DROP", 1, "SK_PASS");
    private static final Map<Integer, String> LWT = Map.of(0, "BPF_OK", 2, "BPF_DROP", 7, "BPF_REDIRECT", 128, "BPF_LWT_REROUTE");
    private static final Map<Integer, String> FLOW_DISSECTOR = Map.of(0, "BPF_OK", 2, "BPF_DROP", 129, "BPF_FLOW_DISSECTOR_CONTINUE");
    private static final Map<Integer, String> NETFILTER = Map.of(0, "NF_DROP", 1, "NF_ACCEPT");

    /** The uapi name of {@code retval} (the run's 32-bit result, as BPF_PROG_TEST_RUN reports it) for {@code type}. */
    public static Optional<String> name(ProgramType type, long retval) {
        Map<Integer, String> names = switch (type) {
            case XDP -> XDP;
            case SCHED_CLS, SCHED_ACT -> TC;
            case SK_SKB, SK_MSG, SK_REUSEPORT, SK_LOOKUP -> SK;
            case LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> LWT;
            case FLOW_DISSECTOR -> FLOW_DISSECTOR;
            case NETFILTER -> NETFILTER;
            default -> Map.of();
        };
        return Optional.ofNullable(names.get((int) retval));
    }

    /**
     * Whether {@code retval} ends the packet's way through this hook (it is not passed on, transmitted or
     * redirected): XDP_ABORTED and XDP_DROP, TC_ACT_SHOT, TC_ACT_STOLEN, TC_ACT_QUEUED and TC_ACT_TRAP (the
     * skb is consumed or freed), a socket filter's or SK_SKB's 0, a cgroup skb program's even return value
     * (bit 0 is allow), BPF_DROP for lwt, NF_DROP. Types without a packet never drop.
     */
    public static boolean drops(ProgramType type, long retval) {
        int rv = (int) retval;
        return switch (type) {
            case XDP -> rv == 0 || rv == 1;
            case SCHED_CLS, SCHED_ACT -> rv == 2 || rv == 4 || rv == 5 || rv == 8;
            case SOCKET_FILTER, SK_SKB -> rv == 0;
            case CGROUP_SKB -> (rv & 1) == 0;
            case LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> rv == 2;
            case NETFILTER -> rv == 0;
            default -> false;
        };
    }
}

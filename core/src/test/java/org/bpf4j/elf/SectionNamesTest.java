package org.bpf4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SectionNamesTest {

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
        // libbpf 1.x names
        "socket, SOCKET_FILTER, -, ''",
        "xdp, XDP, XDP, ''",
        "xdp.frags, XDP, XDP, ''",
        "xdp/devmap, XDP, XDP_DEVMAP, ''",
        "tc, SCHED_CLS, -, ''",
        "tc/ingress, SCHED_CLS, TCX_INGRESS, ''",
        "tcx/egress, SCHED_CLS, TCX_EGRESS, ''",
        "classifier, SCHED_CLS, -, ''",
        "action, SCHED_ACT, -, ''",
        "kprobe/do_sys_open, KPROBE, -, do_sys_open",
        "kretprobe/x, KPROBE, -, x",
        "uprobe/bin:func, KPROBE, -, bin:func",
        "uretprobe/bash_readline, KPROBE, -, bash_readline",
        "kprobe.multi/tcp_*, KPROBE, TRACE_KPROBE_MULTI, tcp_*",
        "tracepoint/syscalls/sys_enter_open, TRACEPOINT, -, syscalls/sys_enter_open",
        "tp/sched/sched_switch, TRACEPOINT, -, sched/sched_switch",
        "raw_tracepoint/sched_switch, RAW_TRACEPOINT, -, sched_switch",
        "raw_tp/sched_switch, RAW_TRACEPOINT, -, sched_switch",
        "raw_tp.w/x, RAW_TRACEPOINT_WRITABLE, -, x",
        "tp_btf/sched_switch, TRACING, TRACE_RAW_TP, sched_switch",
        "fentry/tcp_connect, TRACING, TRACE_FENTRY, tcp_connect",
        "fexit/tcp_close, TRACING, TRACE_FEXIT, tcp_close",
        "fmod_ret/f, TRACING, MODIFY_RETURN, f",
        "freplace/f, EXT, -, f",
        "lsm/file_open, LSM, LSM_MAC, file_open",
        "lsm.s/bprm, LSM, LSM_MAC, bprm",
        "lsm_cgroup/sk, LSM, LSM_CGROUP, sk",
        "iter/task, TRACING, TRACE_ITER, task",
        "perf_event, PERF_EVENT, -, ''",
        "cgroup_skb/ingress, CGROUP_SKB, CGROUP_INET_INGRESS, ''",
        "cgroup_skb/egress, CGROUP_SKB, CGROUP_INET_EGRESS, ''",
        "cgroup/skb, CGROUP_SKB, -, ''",
        "cgroup/sock, CGROUP_SOCK, CGROUP_INET_SOCK_CREATE, ''",
        "cgroup/sock_release, CGROUP_SOCK, CGROUP_INET_SOCK_RELEASE, ''",
        "cgroup/connect4, CGROUP_SOCK_ADDR, CGROUP_INET4_CONNECT, ''",
        "cgroup/recvmsg_unix, CGROUP_SOCK_ADDR, CGROUP_UNIX_RECVMSG, ''",
        "cgroup/sysctl, CGROUP_SYSCTL, CGROUP_SYSCTL, ''",
        "cgroup/getsockopt, CGROUP_SOCKOPT, CGROUP_GETSOCKOPT, ''",
        "cgroup/dev, CGROUP_DEVICE, CGROUP_DEVICE, ''",
        "sockops, SOCK_OPS, CGROUP_SOCK_OPS, ''",
        "sk_skb/stream_parser, SK_SKB, SK_SKB_STREAM_PARSER, ''",
        "sk_skb, SK_SKB, -, ''",
        "sk_msg, SK_MSG, SK_MSG_VERDICT, ''",
        "flow_dissector, FLOW_DISSECTOR, FLOW_DISSECTOR, ''",
        "lwt_xmit, LWT_XMIT, -, ''",
        "lwt_seg6local, LWT_SEG6LOCAL, -, ''",
        "syscall, SYSCALL, -, ''",
        "struct_ops/tcp_ca_init, STRUCT_OPS, -, tcp_ca_init",
        "sk_lookup, SK_LOOKUP, SK_LOOKUP, ''",
        "sk_reuseport/migrate, SK_REUSEPORT, SK_REUSEPORT_SELECT_OR_MIGRATE, ''",
        "netfilter, NETFILTER, NETFILTER, ''",
        "lirc_mode2, LIRC_MODE2, LIRC_MODE2, ''",
        // the older forms the corpus uses
        "socket1, SOCKET_FILTER, -, ''",
        "socket/3, SOCKET_FILTER, -, ''",
        "xdp1, XDP, XDP, ''",
        "xdp_prog, XDP, XDP, ''",
        "xdp_cpu_map0, XDP, XDP, ''",
        "tc_mark, SCHED_CLS, -, ''",
        "classifier_x, SCHED_CLS, -, ''",
        "cgroup/sock1, CGROUP_SOCK, CGROUP_INET_SOCK_CREATE, ''",
        "kprobe/1, KPROBE, -, 1",
    })
    void libbpfNamesAndTheirOlderForms(String section, ProgramType type, AttachType attach, String target) {
        SectionNames.Match m = SectionNames.match(section).orElseThrow();
        assertThat(m.type()).isEqualTo(type);
        assertThat(m.attachType()).isEqualTo(Optional.ofNullable(attach));
        assertThat(m.attachTo()).isEqualTo(target);
    }

    @Test
    void sleepableAndFragsSectionsSetLoadFlags() {
        assertThat(SectionNames.match("fentry.s/f").orElseThrow().flags()).isEqualTo(org.bpf4j.progtype.ProgFlag.BPF_F_SLEEPABLE.bit());
        assertThat(SectionNames.match("uprobe.s/bin:f").orElseThrow().flags()).isEqualTo(org.bpf4j.progtype.ProgFlag.BPF_F_SLEEPABLE.bit());
        assertThat(SectionNames.match("xdp.frags").orElseThrow().flags()).isEqualTo(org.bpf4j.progtype.ProgFlag.BPF_F_XDP_HAS_FRAGS.bit());
        assertThat(SectionNames.match("fentry/f").orElseThrow().flags()).isZero();
    }

    @Test
    void unnamedSectionsFollowTheObject() {
        assertThat(SectionNames.match("2/7")).isEmpty();
        assertThat(SectionNames.match("from-netdev")).isEmpty();
        assertThat(SectionNames.match("filter")).isEmpty();
        assertThat(SectionNames.match("kprobe")).isPresent(); // "kprobe" alone is a libbpf name
        // Cilium-style names: tc, or XDP where the object is an XDP one
        assertThat(SectionNames.fallback("bpf_lxc.o", List.of(ProgramType.SCHED_CLS))).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(SectionNames.fallback("bpf_xdp.o", List.of())).isEqualTo(ProgramType.XDP);
        assertThat(SectionNames.fallback("lb.o", List.of(ProgramType.XDP))).isEqualTo(ProgramType.XDP);
        assertThat(SectionNames.fallback("tc_l2_redirect_kern.o", List.of())).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(SectionNames.fallback("filter.o", List.of())).isEqualTo(ProgramType.SOCKET_FILTER);
        assertThat(SectionNames.fallback("tcp_bufs_kern.o", List.of())).isEqualTo(ProgramType.SOCKET_FILTER);
        // iproute2 tc objects: the named sections' one type, or classifier for tc programs next to tc actions
        assertThat(SectionNames.fallback("bpf_cyclic.o", List.of(ProgramType.SCHED_ACT))).isEqualTo(ProgramType.SCHED_ACT);
        assertThat(SectionNames.fallback("bpf_cyclic.o", List.of(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT))).isEqualTo(ProgramType.SCHED_CLS);
        assertThat(SectionNames.fallback("probe.o", List.of(ProgramType.KPROBE, ProgramType.KPROBE))).isEqualTo(ProgramType.KPROBE);
        // named sections that disagree decide nothing: the object's name, then socket filter
        assertThat(SectionNames.fallback("mixed.o", List.of(ProgramType.XDP, ProgramType.SOCKET_FILTER))).isEqualTo(ProgramType.SOCKET_FILTER);
        assertThat(SectionNames.fallback("xdp_mixed.o", List.of(ProgramType.XDP, ProgramType.SCHED_CLS))).isEqualTo(ProgramType.XDP);
    }
}

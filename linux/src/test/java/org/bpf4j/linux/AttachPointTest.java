package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Section names as libbpf's auto-attach reads them; no kernel needed. */
class AttachPointTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "tracepoint/syscalls/sys_enter_openat | Tracepoint[category=syscalls, name=sys_enter_openat]",
            "tp/sched/sched_switch                | Tracepoint[category=sched, name=sched_switch]",
            "raw_tp/sys_enter                     | RawTracepoint[name=sys_enter]",
            "raw_tracepoint/sched_switch          | RawTracepoint[name=sched_switch]",
            "kprobe/do_unlinkat                   | Kprobe[function=do_unlinkat, offset=0, ret=false]",
            "kprobe/tcp_v4_connect+0x10           | Kprobe[function=tcp_v4_connect, offset=16, ret=false]",
            "kretprobe/do_unlinkat                | Kprobe[function=do_unlinkat, offset=0, ret=true]",
            "uprobe//usr/bin/bash:readline        | Uprobe[binary=/usr/bin/bash, function=readline, offset=0, ret=false]",
            "uretprobe//lib/libc.so.6:malloc+8    | Uprobe[binary=/lib/libc.so.6, function=malloc, offset=8, ret=true]",
            "xdp                                  | Xdp[]",
            "xdp.frags                            | Xdp[]",
            "tcx/ingress                          | Tcx[direction=TCX_INGRESS]",
            "tc/egress                            | Tcx[direction=TCX_EGRESS]",
            "tp_btf/sched_switch                  | Tracing[type=TRACE_RAW_TP, target=sched_switch]",
            "fentry/do_unlinkat                   | Tracing[type=TRACE_FENTRY, target=do_unlinkat]",
            "fentry.s/do_unlinkat                 | Tracing[type=TRACE_FENTRY, target=do_unlinkat]",
            "fexit/do_unlinkat                    | Tracing[type=TRACE_FEXIT, target=do_unlinkat]",
            "fmod_ret/security_file_open          | Tracing[type=MODIFY_RETURN, target=security_file_open]",
            "lsm/file_open                        | Tracing[type=LSM_MAC, target=file_open]",
            "lsm.s/bprm_committed_creds           | Tracing[type=LSM_MAC, target=bprm_committed_creds]",
            "iter/bpf_map                         | Iterator[target=bpf_map]",
            "iter.s/task                          | Iterator[target=task]",
            "kprobe.multi/do_unlinkat*            | KprobeMulti[pattern=do_unlinkat*, ret=false]",
            "kretprobe.multi/tcp_v?_connect       | KprobeMulti[pattern=tcp_v?_connect, ret=true]",
            "ksyscall/openat                      | Ksyscall[syscall=openat, ret=false]",
            "kretsyscall/getppid                  | Ksyscall[syscall=getppid, ret=true]",
            "uprobe.multi//usr/lib/libc.so.6:getpp*d | UprobeMulti[binary=/usr/lib/libc.so.6, pattern=getpp*d, ret=false]",
            "uretprobe.multi.s//bin/bash:read*    | UprobeMulti[binary=/bin/bash, pattern=read*, ret=true]",
    })
    void namesItsHook(String section, String expected) {
        assertThat(AttachPoint.of(section)).map(Object::toString).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tc", "classifier", "socket", "perf_event", "uprobe", "uprobe/bash:readline",
            "tracepoint/syscalls", "tracepoint/../x/y", "kprobe/", "xdp/devmap", "license", "fentry/", "iter/", "lsm/a/b",
            "kprobe.multi/", "kprobe.multi/a b", "ksyscall/../x", "freplace/f", "cgroup/connect4"})
    void namesNoHookLibbpfWouldAttachByItself(String section) {
        assertThat(AttachPoint.of(section)).isEmpty();
    }

    /** libbpf leaves cgroup hooks to bpf_program__attach_cgroup; an object's program knows its attach type. */
    @org.junit.jupiter.api.Test
    void cgroupProgramsOfAnObjectAttachAtTheirSectionsAttachType() throws java.io.IOException {
        org.bpf4j.elf.BpfObject o;
        try (java.io.InputStream in = AttachPointTest.class.getResourceAsStream("/bpf/hooks.bpf.o")) {
            o = org.bpf4j.elf.BpfObject.parse("hooks.bpf.o", in.readAllBytes());
        }
        java.util.Map<String, Optional<AttachPoint>> points = new java.util.LinkedHashMap<>();
        for (org.bpf4j.elf.ProgramSpec p : o.programs()) points.put(p.name(), AttachPoint.of(p));
        assertThat(points).containsEntry("connect4", Optional.of(new AttachPoint.Cgroup(AttachType.CGROUP_INET4_CONNECT)))
                .containsEntry("sock_create", Optional.of(new AttachPoint.Cgroup(AttachType.CGROUP_INET_SOCK_CREATE)))
                .containsEntry("skb_egress", Optional.of(new AttachPoint.Cgroup(AttachType.CGROUP_INET_EGRESS)))
                .containsEntry("sysctl_read", Optional.of(new AttachPoint.Cgroup(AttachType.CGROUP_SYSCTL)))
                .containsEntry("udp_filter", Optional.empty())
                .containsEntry("btf_sys_enter", Optional.of(new AttachPoint.Tracing(AttachType.TRACE_RAW_TP, "sys_enter")))
                .containsEntry("map_ids", Optional.of(new AttachPoint.Iterator("bpf_map")));
    }

    @org.junit.jupiter.api.Test
    void attachBtfNamesTheTypeLibbpfLooksUp() {
        assertThat(AttachBtf.wanted(AttachType.TRACE_RAW_TP, "sys_enter"))
                .isEqualTo(new AttachBtf.Wanted("btf_trace_sys_enter", org.bpf4j.btf.BtfType.Typedef.class, "btf_trace_"));
        assertThat(AttachBtf.wanted(AttachType.LSM_MAC, "file_open").name()).isEqualTo("bpf_lsm_file_open");
        assertThat(AttachBtf.wanted(AttachType.TRACE_ITER, "task").name()).isEqualTo("bpf_iter_task");
        assertThat(AttachBtf.wanted(AttachType.TRACE_FEXIT, "do_unlinkat"))
                .isEqualTo(new AttachBtf.Wanted("do_unlinkat", org.bpf4j.btf.BtfType.Func.class, ""));
        assertThat(AttachBtf.needsId(AttachType.MODIFY_RETURN)).isTrue();
        assertThat(AttachBtf.needsId(AttachType.CGROUP_INET4_CONNECT)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void recordsCarryTypedValues() {
        assertThat(AttachPoint.of("uprobe//bin/true:main")).contains(new AttachPoint.Uprobe(Path.of("/bin/true"), "main", 0, false));
        assertThat(AttachPoint.of("tcx/ingress")).isEqualTo(Optional.of(new AttachPoint.Tcx(AttachType.TCX_INGRESS)));
    }
}

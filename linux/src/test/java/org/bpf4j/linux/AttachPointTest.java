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
    })
    void namesItsHook(String section, String expected) {
        assertThat(AttachPoint.of(section)).map(Object::toString).contains(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tc", "classifier", "socket", "perf_event", "fentry/do_unlinkat", "uprobe", "uprobe/bash:readline",
            "tracepoint/syscalls", "tracepoint/../x/y", "kprobe/", "xdp/devmap", "license"})
    void namesNoHookLibbpfWouldAttachByItself(String section) {
        assertThat(AttachPoint.of(section)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void recordsCarryTypedValues() {
        assertThat(AttachPoint.of("uprobe//bin/true:main")).contains(new AttachPoint.Uprobe(Path.of("/bin/true"), "main", 0, false));
        assertThat(AttachPoint.of("tcx/ingress")).isEqualTo(Optional.of(new AttachPoint.Tcx(AttachType.TCX_INGRESS)));
    }
}

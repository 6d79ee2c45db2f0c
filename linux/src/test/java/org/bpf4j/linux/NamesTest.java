package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The closest names a "no such ..." message offers, and the text helpers behind them; no kernel needed. */
class NamesTest {
    @Test
    void offersUpToThreeNamesByEditDistanceAndNothingUnrelated() {
        List<String> names = List.of("eth0", "lo", "veth1", "eth1", "wlan0", "docker0");
        assertThat(Names.closest("eth2", names)).containsExactly("eth0", "eth1", "veth1");
        assertThat(Names.closest("loo", names)).containsExactly("lo");
        assertThat(Names.closest("completely-different", names)).isEmpty();
        assertThat(Names.suggest("lp", names)).isEqualTo(" (closest: lo)");
        assertThat(Names.suggest("zzzzzzzz", names)).isEmpty();
    }

    @Test
    void editDistanceStopsOnceItExceedsTheLimit() {
        assertThat(Names.distance("kitten", "sitting", 10)).isEqualTo(3);
        assertThat(Names.distance("do_unlinkat", "do_unlinkat", 2)).isZero();
        assertThat(Names.distance("a", "abcdef", 2)).isEqualTo(3);
    }

    @Test
    void globsMatchAsLibbpfsGlobMatch() {
        assertThat(KernelSymbols.globMatch("do_unlinkat", "do_unlinkat")).isTrue();
        assertThat(KernelSymbols.globMatch("do_unlinkat", "do_*")).isTrue();
        assertThat(KernelSymbols.globMatch("tcp_v4_connect", "tcp_v?_connect")).isTrue();
        assertThat(KernelSymbols.globMatch("tcp_v46_connect", "tcp_v?_connect")).isFalse();
        assertThat(KernelSymbols.globMatch("x", "*")).isTrue();
        assertThat(KernelSymbols.globMatch("abcabd", "*abd")).isTrue();
        assertThat(KernelSymbols.globMatch("do_unlinkat", "do_unlink")).isFalse();
        List<String> functions = List.of("do_unlinkat", "do_rmdir", "vfs_unlink", "do_unlinkat.cold");
        assertThat(KernelSymbols.matching("*unlink*", functions)).containsExactly("do_unlinkat", "vfs_unlink", "do_unlinkat.cold");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KernelSymbols.matching("do_rmdri", functions))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no kernel function do_rmdri (closest: do_rmdir)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> KernelSymbols.matching("do unlink", functions))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("'do unlink' is not a kernel function name or glob");
    }

    @Test
    void kernelSymbolFilesParseToFunctionNames() {
        assertThat(KernelSymbols.parseFilterFunction("nf_conntrack_in [nf_conntrack]")).isEqualTo("nf_conntrack_in");
        assertThat(KernelSymbols.parseFilterFunction("do_unlinkat")).isEqualTo("do_unlinkat");
        assertThat(KernelSymbols.parseKallsyms("ffffffff812a0b30 T do_unlinkat")).contains("do_unlinkat");
        assertThat(KernelSymbols.parseKallsyms("ffffffffc0a01000 t nf_ct_get [nf_conntrack]")).contains("nf_ct_get");
        assertThat(KernelSymbols.parseKallsyms("ffffffff82e01000 D jiffies")).isEmpty();
    }

    @Test
    void aSocketsPortIsFoundInProcNet() {
        String header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
        String udp = " 1234: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 987654 2 0000000000000000 0";
        assertThat(Sockets.socketInode(header, 8080)).isEmpty();
        assertThat(Sockets.socketInode(udp, 8080)).contains(987654L);
        assertThat(Sockets.socketInode(udp, 8081)).isEmpty();
        String udp6 = "  12: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0";
        assertThat(Sockets.socketInode(udp6, 8080)).contains(4242L);
    }

    @Test
    void epermNamesTheMissingCapabilities() {
        long bpfOnly = 1L << Capabilities.CAP_BPF, sysAdmin = 1L << Capabilities.CAP_SYS_ADMIN;
        assertThat(Capabilities.missing(Capabilities.needed(org.bpf4j.progtype.ProgramType.XDP), bpfOnly)).containsExactly("CAP_NET_ADMIN");
        assertThat(Capabilities.missing(Capabilities.needed(org.bpf4j.progtype.ProgramType.KPROBE), bpfOnly)).containsExactly("CAP_PERFMON");
        assertThat(Capabilities.missing(Capabilities.needed(org.bpf4j.progtype.ProgramType.KPROBE), sysAdmin)).isEmpty();
        assertThat(Capabilities.missing(Capabilities.needed(org.bpf4j.progtype.ProgramType.CGROUP_SKB), sysAdmin)).containsExactly("CAP_NET_ADMIN");
        assertThat(Capabilities.missing(Capabilities.needed(org.bpf4j.progtype.ProgramType.SOCKET_FILTER), 0)).containsExactly("CAP_BPF");
    }
}

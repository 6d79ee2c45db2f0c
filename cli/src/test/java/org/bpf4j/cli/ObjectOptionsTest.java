package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --type}/{@code --attach-type} on the prog commands, and the loader's warnings on stderr and in -j output. */
class ObjectOptionsTest {
    /** Sections libbpf does not name (from-netdev, to-netdev): socket filters unless --type says otherwise. */
    static final String NETDEV = ProgCommandTest.ROOT.resolve("core/src/test/resources/bpf/netdev_sections.bpf.o").toString();
    /** A BTF map with Cilium's pinning 16. */
    static final String EXTRA = ProgCommandTest.ROOT.resolve("core/src/test/resources/bpf/btfmaps_extra.bpf.o").toString();

    @TempDir
    Path dir;

    private static JsonNode json(CliRunner r) throws IOException {
        return ProgCommandTest.JSON.readTree(r.out());
    }

    @Test
    void showTakesTheTypeAndAttachTypeForEveryProgram() throws IOException {
        JsonNode plain = json(CliRunner.run("prog", "show", "-j", NETDEV));
        assertThat(plain.get("programs").findValuesAsText("type")).containsExactly("socket_filter", "socket_filter");
        CliRunner r = CliRunner.run("prog", "show", "-j", "--type", "cgroup_skb", "--attach-type", "cgroup_inet_egress", NETDEV);
        assertThat(r.exit()).isZero();
        JsonNode j = json(r);
        assertThat(j.get("programs").findValuesAsText("type")).containsExactly("cgroup_skb", "cgroup_skb");
        assertThat(j.get("programs").findValuesAsText("attach_type")).containsExactly("cgroup_inet_egress", "cgroup_inet_egress");
        assertThat(CliRunner.run("prog", "show", "--type", "classifier", NETDEV).out()).contains("type sched_cls");
    }

    @Test
    void verifyChecksWithTheGivenType() throws IOException {
        CliRunner plain = CliRunner.run("prog", "verify", "-j", NETDEV);
        assertThat(plain.exit()).isEqualTo(1); // from_netdev writes tc_classid, which a socket filter may not
        assertThat(json(plain).get("programs").get(0).get("verdict").asText()).isEqualTo("reject");
        CliRunner tc = CliRunner.run("prog", "verify", "-j", "--type", "tc", NETDEV);
        assertThat(tc.exit()).isZero();
        assertThat(json(tc).get("programs").findValuesAsText("verdict")).containsExactly("accept", "accept");
        assertThat(json(tc).get("programs").findValuesAsText("type")).containsExactly("sched_cls", "sched_cls");
    }

    @Test
    void dumpAndRunTakeTheTypeToo() throws IOException {
        assertThat(CliRunner.run("prog", "dump", "--type", "tc", NETDEV, "--prog", "to_netdev").out())
                .startsWith("to_netdev: section to-netdev, type sched_cls");
        Path frame = dir.resolve("frame.bin");
        Files.write(frame, new byte[64]);
        CliRunner run = CliRunner.run("prog", "run", NETDEV, "--type", "tc", "--prog", "to_netdev", "--data-in", frame.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Return value: 0 (TC_ACT_OK),"); // run as a tc program: its return codes are named
    }

    @Test
    void badNamesAreOneLineErrorsListingTheValidOnes() {
        CliRunner t = CliRunner.run("prog", "verify", "--type", "bogus", NETDEV);
        assertThat(t.exit()).isEqualTo(2);
        assertThat(t.out()).isEmpty();
        assertThat(t.err()).startsWith("bpf4j: --type: unknown program type 'bogus' (valid: socket, ").contains(" xdp, ", " sched_cls, ");
        assertThat(t.err().strip()).doesNotContain("\n");
        CliRunner a = CliRunner.run("prog", "show", "--attach-type", "bogus", NETDEV);
        assertThat(a.exit()).isEqualTo(2);
        assertThat(a.err()).startsWith("bpf4j: --attach-type: unknown attach type 'bogus' (valid: cgroup_inet_ingress, ");
        assertThat(a.err().strip()).doesNotContain("\n");
        CliRunner j = CliRunner.run("prog", "run", NETDEV, "--type", "bogus", "--data-in", NETDEV, "-j");
        assertThat(j.exit()).isEqualTo(2);
        assertThat(j.out()).startsWith("{\"error\":\"--type: unknown program type 'bogus'");
    }

    @Test
    void loaderWarningsGoToStderrAndIntoJson() throws IOException {
        CliRunner r = CliRunner.run("prog", "verify", "-j", EXTRA);
        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEqualTo("bpf4j: warning: btfmaps_extra.bpf.o: map 'cilium_pinned': unknown pinning 16, loaded unpinned\n");
        assertThat(json(r).get("warnings").get(0).asText()).isEqualTo("btfmaps_extra.bpf.o: map 'cilium_pinned': unknown pinning 16, loaded unpinned");
        assertThat(json(CliRunner.run("prog", "show", "-j", NETDEV)).get("warnings")).isEmpty();
        JsonNode arena = json(CliRunner.run("prog", "show", "-j", EXTRA)).get("maps").get(1);
        assertThat(arena.get("type").asText()).isEqualTo("arena");
        assertThat(arena.get("map_extra").asLong()).isEqualTo(0x1000_0000_0000L);
    }
}

package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;

/** {@code bpf4j feature}: the running kernel's answers, and bpftool's where both probe the same way. */
class FeatureCommandTest {

    private static JsonNode probe() throws IOException {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        CliRunner r = CliRunner.run("feature", "-j");
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void programTypesMapTypesAndHelpersPerType() throws IOException {
        JsonNode f = probe();
        assertThat(f.get("program_types").get("xdp").asBoolean()).isTrue();
        assertThat(f.get("program_types").get("tracing").asText()).startsWith("not probed");
        assertThat(f.get("map_types").get("hash").asBoolean()).isTrue();
        List<String> xdp = new ArrayList<>(), socketFilter = new ArrayList<>();
        f.get("helpers").get("xdp").forEach(h -> xdp.add(h.asText()));
        f.get("helpers").get("socket_filter").forEach(h -> socketFilter.add(h.asText()));
        assertThat(xdp).contains("bpf_map_lookup_elem", "bpf_xdp_adjust_head", "bpf_redirect_map");
        assertThat(socketFilter).contains("bpf_map_lookup_elem", "bpf_skb_load_bytes").doesNotContain("bpf_xdp_adjust_head");
    }

    @Test
    void programTypesAgreeWithBpftool() throws Exception {
        JsonNode ours = probe();
        Process p;
        try {
            p = new ProcessBuilder("bpftool", "feature", "probe", "kernel", "-j").start();
        } catch (IOException e) {
            assumeTrue(false, "no bpftool to compare with");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor() == 0, "bpftool feature probe failed");
        JsonNode theirs = new ObjectMapper().readTree(out).get("program_types");
        // bpftool probes the types that need an attach target's BTF id its own way; bpf4j says it does not
        Set<String> probedDifferently = Set.of("tracing", "struct_ops", "ext", "lsm");
        List<String> disagreements = new ArrayList<>();
        ours.get("program_types").fieldNames().forEachRemaining(t -> {
            JsonNode b = theirs.get("have_" + t + "_prog_type");
            if (b == null || probedDifferently.contains(t)) return;
            if (b.asBoolean() != ours.get("program_types").get(t).asBoolean()) disagreements.add(t + ": bpftool " + b.asBoolean());
        });
        assertThat(disagreements).isEmpty();
    }
}

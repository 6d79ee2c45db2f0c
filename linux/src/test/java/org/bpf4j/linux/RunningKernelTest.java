package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bpf4j.maps.MapType;
import org.bpf4j.verifier.KernelOffer;
import org.bpf4j.verifier.KernelOffer.HelperOffer;
import org.bpf4j.verifier.KernelTarget;
import org.bpf4j.verifier.VerifierProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The probe of the running kernel: facts every 6.18 configuration has, and agreement with bpftool's probe. */
class RunningKernelTest {

    private static KernelOffer offer() {
        Kernel.assumeAvailable();
        return ((KernelTarget.Probed) RunningKernel.target()).offer();
    }

    @Test
    void probesWhatEveryConfigurationHas() {
        KernelOffer k = offer();
        assertThat(k.loads(VerifierProgramType.SOCKET_FILTER, 0)).isTrue();
        assertThat(k.creates(MapType.HASH)).isTrue();
        assertThat(k.creates(MapType.ARRAY_OF_MAPS)).as("a map of maps, created with an inner map").isTrue();
        assertThat(k.creates(MapType.UNSPEC)).isFalse();
        assertThat(k.helper(VerifierProgramType.SOCKET_FILTER, 0, 1)).isEqualTo(HelperOffer.OFFERED);
        // bpf_xdp_adjust_head is XDP's alone
        assertThat(k.helper(VerifierProgramType.SOCKET_FILTER, 0, 44)).isEqualTo(HelperOffer.NOT_FOR_TYPE);
        assertThat(k.helper(VerifierProgramType.SOCKET_FILTER, 0, 100_000)).isEqualTo(HelperOffer.UNKNOWN_ID);
        // cgroup/sock_addr programs need an attach type they know: 0 (cgroup ingress) is not one
        assertThat(k.loads(VerifierProgramType.CGROUP_SOCK_ADDR, 0)).isFalse();
        assertThat(k.loads(VerifierProgramType.CGROUP_SOCK_ADDR, 10)).isTrue();
    }

    @Test
    void oneTargetPerProcess() {
        Kernel.assumeAvailable();
        assertThat(RunningKernel.target()).isSameAs(RunningKernel.target());
        assertThat(RunningKernel.target().name()).isEqualTo("running");
    }

    /** What a command pays: one program type with ten helpers; and the whole helper row of one type. */
    @Test
    void probeCost() {
        KernelOffer k = offer();
        long t0 = System.nanoTime();
        k.loads(VerifierProgramType.XDP, 0);
        for (int id = 1; id <= 10; id++) k.helper(VerifierProgramType.XDP, 0, id);
        long t1 = System.nanoTime();
        for (int id = 1; id <= 211; id++) k.helper(VerifierProgramType.SCHED_CLS, 0, id);
        long t2 = System.nanoTime();
        for (MapType t : MapType.values()) k.creates(t);
        long t3 = System.nanoTime();
        System.out.printf("probe: xdp + 10 helpers %.2f ms; 211 sched_cls helpers %.2f ms; %d map types %.2f ms%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, MapType.values().length, (t3 - t2) / 1e6);
    }

    /** bpftool feature probe, where installed, is an independent prober: map and program types agree. */
    @Test
    void agreesWithBpftool() throws IOException, InterruptedException {
        KernelOffer k = offer();
        JsonNode probe = bpftool();
        List<String> diffs = new ArrayList<>();
        for (MapType t : MapType.values()) {
            JsonNode have = probe.path("map_types").get("have_" + t.name().toLowerCase(Locale.ROOT) + "_map_type");
            if (have != null && have.asBoolean() != k.creates(t)) diffs.add(t + ": bpftool " + have.asBoolean());
        }
        for (VerifierProgramType t : VerifierProgramType.values()) {
            // bpftool probes these with a BTF attach target bpf4j does not model; its other types load alone
            if (t.unsupportedReason().isPresent()) continue;
            JsonNode have = probe.path("program_types").get("have_" + t.name().toLowerCase(Locale.ROOT) + "_prog_type");
            if (have != null && have.asBoolean() != k.loads(t, libbpfAttachType(t))) diffs.add(t + ": bpftool " + have.asBoolean());
        }
        assertThat(diffs).as("types where bpftool's probe and bpf4j's disagree").isEmpty();
    }

    /** The expected_attach_type libbpf's probe_prog_load loads a type with. */
    private static int libbpfAttachType(VerifierProgramType t) {
        return switch (t) {
            case CGROUP_SOCK_ADDR -> 10; // BPF_CGROUP_INET4_CONNECT
            case CGROUP_SOCKOPT -> 21; // BPF_CGROUP_GETSOCKOPT
            case SK_LOOKUP -> 36;
            case LIRC_MODE2 -> 16;
            case NETFILTER -> 45;
            default -> 0;
        };
    }

    private static JsonNode bpftool() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("bpftool", "feature", "probe", "kernel", "-j").redirectErrorStream(false).start();
        } catch (IOException e) {
            Assumptions.abort("bpftool not installed: " + e.getMessage());
            throw e;
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        Assumptions.assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "bpftool feature probe failed");
        return new ObjectMapper().readTree(out);
    }
}

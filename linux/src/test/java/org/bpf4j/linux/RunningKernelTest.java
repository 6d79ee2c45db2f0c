package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.KernelOffer;
import org.bpf4j.verifier.KernelOffer.HelperOffer;
import org.bpf4j.verifier.KernelTarget;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierResult;
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
        assertThat(k.loads(ProgramType.SOCKET_FILTER, AttachType.CGROUP_INET_INGRESS)).isTrue();
        assertThat(k.creates(MapType.HASH)).isTrue();
        assertThat(k.creates(MapType.ARRAY_OF_MAPS)).as("a map of maps, created with an inner map").isTrue();
        assertThat(k.creates(MapType.UNSPEC)).isFalse();
        assertThat(k.helper(ProgramType.SOCKET_FILTER, AttachType.CGROUP_INET_INGRESS, 1)).isEqualTo(HelperOffer.OFFERED);
        // bpf_xdp_adjust_head is XDP's alone
        assertThat(k.helper(ProgramType.SOCKET_FILTER, AttachType.CGROUP_INET_INGRESS, 44)).isEqualTo(HelperOffer.NOT_FOR_TYPE);
        assertThat(k.helper(ProgramType.SOCKET_FILTER, AttachType.CGROUP_INET_INGRESS, 100_000)).isEqualTo(HelperOffer.UNKNOWN_ID);
        // cgroup/sock_addr programs need an attach type they know: 0 (cgroup ingress) is not one
        assertThat(k.loads(ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET_INGRESS)).isFalse();
        assertThat(k.loads(ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT)).isTrue();
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
        k.loads(ProgramType.XDP, AttachType.CGROUP_INET_INGRESS);
        for (int id = 1; id <= 10; id++) k.helper(ProgramType.XDP, AttachType.CGROUP_INET_INGRESS, id);
        long t1 = System.nanoTime();
        for (int id = 1; id <= 211; id++) k.helper(ProgramType.SCHED_CLS, AttachType.CGROUP_INET_INGRESS, id);
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
        for (ProgramType t : ProgramType.values()) {
            // bpftool probes these with a BTF attach target bpf4j does not model; its other types load alone
            if (Verifier.verify(Program.of(Insn.mov64Imm(0, 0), Insn.exit()), t, List.of())
                    instanceof VerifierResult.Unsupported) {
                continue;
            }
            JsonNode have = probe.path("program_types").get("have_" + t.name().toLowerCase(Locale.ROOT) + "_prog_type");
            if (have != null && have.asBoolean() != k.loads(t, libbpfAttachType(t))) diffs.add(t + ": bpftool " + have.asBoolean());
        }
        assertThat(diffs).as("types where bpftool's probe and bpf4j's disagree").isEmpty();
    }

    /** The expected_attach_type libbpf's probe_prog_load loads a type with. */
    private static AttachType libbpfAttachType(ProgramType t) {
        return switch (t) {
            case CGROUP_SOCK_ADDR -> AttachType.CGROUP_INET4_CONNECT;
            case CGROUP_SOCKOPT -> AttachType.CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> AttachType.SK_LOOKUP;
            case LIRC_MODE2 -> AttachType.LIRC_MODE2;
            case NETFILTER -> AttachType.NETFILTER;
            default -> AttachType.CGROUP_INET_INGRESS; // none: the kernel sees 0
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

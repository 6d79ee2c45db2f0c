package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.jit.CompiledProgram;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.KernelOffer;
import org.bpf4j.verifier.KernelTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Programs the verifier accepts run unchecked and without a budget, in both engines; every other program
 * runs checked with the runtime's budget, and so does every program sharing a program array with one.
 */
class RunModeTest {
    private static final Path FIREWALL = Path.of("../examples/xdp/firewall.bpf.o");
    private static final Path FEATURES = Path.of("src/test/resources/bpf/features.bpf.o");

    private static BpfRuntime runtime(String engine) {
        RuntimeOptions options = RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28).withBudget(12_345);
        return BpfRuntime.create(engine.equals("jit") ? options : options.withEngine(Interpreter::load));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "interp"})
    void anAcceptedProgramRunsUncheckedWithoutABudget(String engine) throws IOException {
        try (BpfRuntime runtime = runtime(engine)) {
            LoadedProgram firewall = runtime.load(BpfObject.open(FIREWALL)).programs().values().iterator().next();
            assertThat(firewall.mode()).isEqualTo(new RunMode(true, "accepted by the verifier"));
            assertThat(firewall.executable().options()).isEqualTo(ExecutionOptions.verified());
            assertThat(firewall.executable() instanceof CompiledProgram).isEqualTo(engine.equals("jit"));
            byte[] tooShort = new byte[14];
            assertThat(firewall.testRun(TestRun.of(tooShort)).retval()).isEqualTo(2); // XDP_PASS: not IPv4
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "interp"})
    void programsSharingAProgramArrayWithACheckedOneRunChecked(String engine) throws IOException {
        try (BpfRuntime runtime = runtime(engine)) {
            Map<String, String> modes = new TreeMap<>();
            runtime.load(BpfObject.open(FEATURES)).programs().forEach((name, p) -> {
                assertThat(p.executable().options()).isEqualTo(new ExecutionOptions(true, 12_345));
                modes.put(name, p.mode().label() + ": " + p.mode().reason());
            });
            String shared = "checked: shares a program array with program sleepy, which runs checked";
            assertThat(modes).isEqualTo(Map.of(
                    "xdp_main", shared, "tc_main", shared, "tail_a", shared, "probe", shared, "skb_in", shared, "tail_b", shared,
                    "sleepy", "checked: not modelled by the verifier: tracing programs (fentry/fexit/fmod_ret/tp_btf/iter) "
                            + "read BTF-typed kernel pointers of their attach target: not modelled"));
        }
    }

    /** A kernel without LPM tries: the target refuses the object as that kernel's map creation would. */
    @Test
    void aTargetKernelWithoutAMapTypeRefusesTheLoad() {
        KernelOffer noLpmTrie = new KernelOffer() {
            @Override public boolean loads(ProgramType type, AttachType expectedAttachType) { return true; }
            @Override public boolean creates(MapType type) { return type != MapType.LPM_TRIE; }
            @Override public HelperOffer helper(ProgramType type, AttachType attach, int id) { return HelperOffer.OFFERED; }
        };
        RuntimeOptions options = RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28)
                .withTarget(new KernelTarget.Probed("no-lpm", noLpmTrie));
        try (BpfRuntime runtime = BpfRuntime.create(options)) {
            assertThatThrownBy(() -> runtime.load(BpfObject.open(FIREWALL))).isInstanceOf(LoadException.class)
                    .hasMessage("program xdp_firewall: rejected: map 'blocked_src': BPF_MAP_CREATE: EINVAL: the target kernel "
                            + "(no-lpm) has no BPF_MAP_TYPE_LPM_TRIE");
        }
    }
}

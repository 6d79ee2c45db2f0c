package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.bpf4j.elf.BpfObject;
import org.junit.jupiter.api.Test;

/** A program that cannot load fails the whole load by default, as bpf_object__load does; a SKIP load leaves it out and says why. */
class RejectedProgramsTest {
    private static final Path OBJECT = Path.of("src/test/resources/bpf/rejected_sibling.bpf.o");

    @Test
    void byDefaultOneRejectedProgramFailsTheLoad() throws IOException {
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1))) {
            BpfObject object = BpfObject.open(OBJECT);
            assertThatThrownBy(() -> runtime.load(object)).isInstanceOf(LoadException.class)
                    .hasMessageStartingWith("program bad: rejected by the verifier at insn 1: invalid access to packet");
        }
    }

    @Test
    void aSkipLoadRunsTheOthersAndATailCallToTheSkippedOneFallsThrough() throws IOException {
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1))) {
            LoadedObject loaded = runtime.load(BpfObject.open(OBJECT), RejectedPrograms.SKIP);
            assertThat(loaded.programs().keySet()).containsExactly("good", "entry");
            assertThat(loaded.skipped()).containsOnlyKeys("bad");
            assertThat(loaded.skipped().get("bad")).startsWith("program bad: rejected by the verifier at insn 1");
            // slot 0 (bad) is empty, so the first tail call falls through to slot 1 (good): XDP_TX
            assertThat(loaded.program("entry").orElseThrow().testRun(TestRun.of(new byte[64])).retval()).isEqualTo(3);
        }
    }
}

package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.btf.core.CoreRelocator;
import org.bpf4j.elf.BpfObject;
import org.junit.jupiter.api.Test;

/** Loading applies CO-RE relocations against the target BTF before anything else looks at the program. */
class CoreLoadTest {
    private static final Path CORE_TASK = Path.of("src/test/resources/bpf/core_task.bpf.o");

    @Test
    void relocatesAgainstTheKernelsBtfThenJudgesTheProgram() throws IOException {
        assumeThat(Files.isReadable(CoreRelocator.KERNEL_BTF)).as("no kernel BTF at %s", CoreRelocator.KERNEL_BTF).isTrue();
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28))) {
            // Past CO-RE, the program is refused for what bpf4j cannot give a tracing program: a kernel task.
            assertThatThrownBy(() -> runtime.load(BpfObject.open(CORE_TASK)))
                    .isInstanceOf(LoadException.class)
                    .hasMessage("program pid_of_current: insn 0: calls bpf_get_current_task#35, which bpf4j does not implement for this program type");
        }
    }

    @Test
    void withoutTargetBtfTheMessageSaysWhatToPass(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path notBtf = dir.resolve("not.btf");
        Files.write(notBtf, new byte[] {1, 2, 3});
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28).withBtf(notBtf))) {
            assertThatThrownBy(() -> runtime.load(BpfObject.open(CORE_TASK)))
                    .isInstanceOf(LoadException.class)
                    .hasMessageStartingWith("target BTF: ");
        }
    }
}

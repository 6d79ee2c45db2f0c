package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.KernelConfig;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.runtime.BpfRuntime;
import org.bpf4j.runtime.RuntimeOptions;
import org.bpf4j.runtime.TestRun;
import org.junit.jupiter.api.Test;

/**
 * {@code __kconfig} and typeless {@code __ksym} externs in the kernel, against the in-JVM runtime:
 * kconfig.bpf.c (core test resources) copies each extern's value into the map {@code seen}; both backends
 * resolve them against this machine's configuration and must see the same ten values.
 */
class KconfigKernelTest {
    private static final Path BPF = Path.of(System.getProperty("bpf4j.root", "../")).resolve("core/src/test/resources/bpf");
    private static final int SLOTS = 10;

    @Test
    void theKernelAndTheRuntimeSeeTheSameExternValues() throws IOException {
        Kernel.assumeAvailable();
        BpfObject object = BpfObject.open(BPF.resolve("kconfig.bpf.o"));
        long[] kernel = new long[SLOTS], jvm = new long[SLOTS];
        try (KernelObject loaded = KernelObject.load(object, Optional.empty())) {
            assertThat(loaded.program("kconfig").orElseThrow().testRun(TestRun.of(new byte[64])).retval()).isEqualTo(2);
            KernelMap seen = loaded.map("seen").orElseThrow();
            for (int i = 0; i < SLOTS; i++) kernel[i] = Kernel.int64(seen.lookup(Kernel.le32(i)).orElseThrow());
            // libbpf's .kconfig map: read-only for programs and frozen
            assertThat(loaded.map(".kconfig").orElseThrow().spec().flags() & org.bpf4j.maps.MapFlags.BPF_F_RDONLY_PROG).isNotZero();
        }
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28))) {
            var loaded = runtime.load(object);
            loaded.program("kconfig").orElseThrow().testRun(TestRun.of(new byte[64]));
            BpfMap seen = loaded.map("seen").orElseThrow();
            for (int i = 0; i < SLOTS; i++) jvm[i] = Kernel.int64(seen.lookup(Kernel.le32(i)).orElseThrow());
        }
        assertThat(jvm).containsExactly(kernel);
        KernelConfig host = KernelConfig.host();
        assertThat(kernel[0]).as("LINUX_KERNEL_VERSION").isEqualTo(Long.parseLong(host.values().get("LINUX_KERNEL_VERSION")));
        assertThat(kernel[1]).as("LINUX_HAS_BPF_COOKIE on 6.18").isEqualTo(1);
        assertThat(kernel[9]).as("&_stext").isEqualTo(host.ksyms().apply("_stext").orElseThrow());
    }

    @Test
    void aTypedKsymIsRefusedBeforeTheKernelSeesIt() throws IOException {
        Kernel.assumeAvailable();
        BpfObject typed = BpfObject.open(BPF.resolve("ksym_typed.bpf.o"));
        assertThatThrownBy(() -> KernelObject.load(typed, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("program typed: insn 0: extern bpf_prog_active (.ksyms) cannot be resolved: bpf4j resolves __kconfig and"
                        + " typeless __ksym ('extern const void bpf_prog_active __ksym') externs");
    }

    @Test
    void aStrongExternTheKernelConfigLacksFailsTheLoadNamingIt() throws IOException {
        Kernel.assumeAvailable();
        BpfObject strong = BpfObject.open(BPF.resolve("kconfig_strong.bpf.o"));
        assertThatThrownBy(() -> KernelObject.load(strong, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("extern __kconfig CONFIG_BPF4J_NOT_A_REAL_OPTION (strong) is not set in ");
    }
}

package org.bpf4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.Externs;
import org.bpf4j.elf.KernelConfig;
import org.bpf4j.maps.BpfMap;
import org.junit.jupiter.api.Test;

/**
 * {@code __kconfig} and typeless {@code __ksym} externs in the in-JVM runtime: kconfig.bpf.c copies what it
 * sees into the map {@code seen}; the values come from a configuration given here (any kernel's), or
 * from the host's. The kernel backend's side is KconfigKernelTest (linux module).
 */
class KconfigLoadTest {
    private static final Path BPF = Path.of("src/test/resources/bpf");
    private static final String CONFIG = """
            #
            # Linux/x86 6.1.2 Kernel Configuration
            CONFIG_BPF=y
            CONFIG_BPF_JIT=y
            CONFIG_BPF_SYSCALL=m
            CONFIG_HZ=1000
            CONFIG_LOCALVERSION="-bpf4j-a-very-long-suffix"
            # CONFIG_BPF4J_NOT_A_REAL_OPTION is not set
            """;
    private static final long PROG_ACTIVE = 0xffffffff8123_4560L;

    static long[] seen(BpfObject object) {
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28))) {
            LoadedObject loaded = runtime.load(object);
            assertThat(loaded.program("kconfig").orElseThrow().testRun(TestRun.of(new byte[64])).retval()).isEqualTo(2); // XDP_PASS
            BpfMap seen = loaded.map("seen").orElseThrow();
            long[] out = new long[10];
            for (int i = 0; i < out.length; i++) out[i] = le64(seen.lookup(le32(i)).orElseThrow());
            return out;
        }
    }

    private static BpfObject object(String name) throws IOException {
        return BpfObject.open(BPF.resolve(name));
    }

    @Test
    void theProgramSeesTheGivenConfigurationInEachExternsType() throws IOException {
        KernelConfig config = KernelConfig.of(CONFIG, 6 << 16 | 1 << 8 | 2, Map.of("_stext", PROG_ACTIVE));
        long[] v = seen(Externs.resolve(object("kconfig.bpf.o"), () -> config));
        assertThat(v[0]).as("LINUX_KERNEL_VERSION").isEqualTo(0x060102);
        assertThat(v[1]).as("LINUX_HAS_BPF_COOKIE: weak, not in the given configuration").isZero();
        assertThat(v[2]).as("CONFIG_BPF as bool").isEqualTo(1);
        assertThat(v[3]).as("CONFIG_BPF_JIT as char").isEqualTo('y');
        assertThat(v[4]).as("CONFIG_BPF_SYSCALL=m as enum libbpf_tristate: TRI_MODULE").isEqualTo(2);
        assertThat(v[5]).as("CONFIG_HZ").isEqualTo(1000);
        // char[16]: truncated to 15 characters and NUL-terminated, as libbpf's set_kcfg_value_str
        byte[] s = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(v[6]).putLong(v[7]).array();
        assertThat(new String(s, StandardCharsets.US_ASCII)).isEqualTo("-bpf4j-a-very-l\0");
        assertThat(v[8]).as("weak CONFIG_ missing: 0").isZero();
        assertThat(v[9]).as("typeless __ksym: its address").isEqualTo(PROG_ACTIVE);
    }

    @Test
    void aStrongExternNothingDefinesIsAnErrorNamingIt() throws IOException {
        BpfObject strong = object("kconfig_strong.bpf.o");
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28))) {
            KernelConfig config = KernelConfig.of(CONFIG, 0x060102, Map.of());
            assertThatThrownBy(() -> runtime.load(Externs.resolve(strong, () -> config)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("extern __kconfig CONFIG_BPF4J_NOT_A_REAL_OPTION (strong) is not set in the given configuration;"
                            + " declare it __weak to read 0 where it is missing");
        }
    }

    @Test
    void aValueTheExternsTypeCannotHoldIsRefusedAsLibbpfRefusesIt() throws IOException {
        BpfObject object = object("kconfig.bpf.o");
        KernelConfig moduleBool = KernelConfig.of(CONFIG.replace("CONFIG_BPF=y", "CONFIG_BPF=m"), 0, Map.of("_stext", 1L));
        assertThatThrownBy(() -> Externs.resolve(object, () -> moduleBool))
                .hasMessage("extern __kconfig CONFIG_BPF = m: 'm' implies tristate or char type, the extern is a bool");
        KernelConfig hugeHz = KernelConfig.of(CONFIG.replace("CONFIG_HZ=1000", "CONFIG_HZ=0x100000000"), 0, Map.of("_stext", 1L));
        assertThatThrownBy(() -> Externs.resolve(object, () -> hugeHz))
                .hasMessage("extern __kconfig CONFIG_HZ = 0x100000000: does not fit in 4 bytes");
        KernelConfig noSymbol = KernelConfig.of(CONFIG, 0, Map.of());
        assertThatThrownBy(() -> Externs.resolve(object, () -> noSymbol))
                .hasMessage("extern __ksym _stext (strong) is not a kernel symbol in /proc/kallsyms");
        KernelConfig hidden = KernelConfig.of(CONFIG, 0, Map.of("_stext", 0L));
        assertThatThrownBy(() -> Externs.resolve(object, () -> hidden))
                .hasMessage("extern __ksym _stext: /proc/kallsyms gives address 0 (kptr_restrict hides addresses from this user; run as root)");
    }

    @Test
    void aTypedKsymIsRefusedWithAMessageSayingWhatBpf4jResolves() throws IOException {
        BpfObject typed = object("ksym_typed.bpf.o");
        try (BpfRuntime runtime = BpfRuntime.create(RuntimeOptions.defaults().withCpus(1).withMemory(1L << 28))) {
            assertThatThrownBy(() -> runtime.load(typed))
                    .isInstanceOf(LoadException.class)
                    .hasMessage("program typed: insn 0: uses extern variable bpf_prog_active (.ksyms): typed __ksym externs (a kernel BTF id)"
                            + " are not supported; declare it 'extern const void bpf_prog_active __ksym' for its address");
        }
    }

    @Test
    void anObjectWithoutExternsIsLeftAloneAndTheConfigurationNotRead() throws IOException {
        BpfObject plain = object("pinning.bpf.o");
        assertThat(Externs.resolve(plain, () -> { throw new AssertionError("read"); })).isSameAs(plain);
    }

    @Test
    void theHostsConfigurationIsWhatTheRuntimeUsesByDefault() throws IOException {
        assumeThat(Files.isReadable(Path.of("/proc/config.gz"))).as("no /proc/config.gz on this machine").isTrue();
        KernelConfig host = KernelConfig.host();
        assertThat(host.values()).containsKey("LINUX_KERNEL_VERSION").containsKey("CONFIG_BPF");
        long[] v = seen(object("kconfig.bpf.o"));
        assertThat(v[0]).isEqualTo(Long.parseLong(host.values().get("LINUX_KERNEL_VERSION")));
        assertThat(v[2]).as("CONFIG_BPF").isEqualTo(host.values().get("CONFIG_BPF").equals("y") ? 1 : 0);
        assertThat(v[9]).as("the address of _stext, as /proc/kallsyms has it")
                .isEqualTo(host.ksyms().apply("_stext").orElse(0));
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static long le64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}

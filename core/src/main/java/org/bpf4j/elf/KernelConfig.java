package org.bpf4j.elf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * What {@code __kconfig} and {@code __ksym} externs are resolved against: the kernel's configuration
 * ({@code CONFIG_*} lines as the config file has them: {@code y}, {@code m}, {@code n}, a number, a quoted
 * string), the virtual {@code LINUX_*} values libbpf defines, and kernel symbol addresses. The
 * {@link #host()} configuration is read as libbpf's {@code bpf_object__read_kconfig_file} reads it;
 * {@link #of} builds one for tests, so that the in-JVM runtime can see any kernel.
 *
 * @param source where the values come from, for error messages ({@code /proc/config.gz})
 * @param values extern name -> the config file's text for it ({@code y}, {@code 250}, {@code "-fc"});
 *        {@code LINUX_KERNEL_VERSION} and the {@code LINUX_HAS_*} values are numbers here too
 * @param ksyms kernel symbol name -> address ({@code /proc/kallsyms}), consulted only for {@code __ksym}s
 */
public record KernelConfig(String source, Map<String, String> values, Function<String, OptionalLong> ksyms) {

    public KernelConfig {
        Objects.requireNonNull(source);
        values = Map.copyOf(values);
        Objects.requireNonNull(ksyms);
    }

    /**
     * A configuration given in code: {@code configText} in the config file's format, the kernel version
     * as {@code KERNEL_VERSION(a, b, c)}, and symbol addresses.
     */
    public static KernelConfig of(String configText, int kernelVersion, Map<String, Long> ksyms) {
        Map<String, String> values = parse(configText, "the given configuration");
        values.put("LINUX_KERNEL_VERSION", Integer.toUnsignedString(kernelVersion));
        Map<String, Long> symbols = Map.copyOf(ksyms);
        return new KernelConfig("the given configuration", values,
                name -> symbols.containsKey(name) ? OptionalLong.of(symbols.get(name)) : OptionalLong.empty());
    }

    private static volatile KernelConfig host;

    /**
     * The running kernel's: {@code /boot/config-$(uname -r)}, else {@code /proc/config.gz} (libbpf's order),
     * {@code LINUX_KERNEL_VERSION} from the release, {@code LINUX_HAS_BPF_COOKIE} and
     * {@code LINUX_HAS_SYSCALL_WRAPPER} as libbpf probes them, symbols from {@code /proc/kallsyms} (read on
     * first use). Read once per JVM.
     *
     * @throws IllegalStateException when neither config file is readable (the error says which were tried)
     */
    public static KernelConfig host() {
        KernelConfig h = host;
        if (h == null) host = h = readHost();
        return h;
    }

    private static KernelConfig readHost() {
        String release = read(Path.of("/proc/sys/kernel/osrelease")).map(String::trim)
                .orElseThrow(() -> new IllegalStateException("cannot read /proc/sys/kernel/osrelease for the kernel release"));
        Path boot = Path.of("/boot/config-" + release), proc = Path.of("/proc/config.gz");
        Path file = Files.isReadable(boot) ? boot : proc;
        String text = read(file).orElseThrow(() -> new IllegalStateException(
                "no kernel configuration to resolve __kconfig externs: neither " + boot + " nor " + proc + " is readable"));
        Map<String, String> values = parse(text, file.toString());
        int version = kernelVersion(release);
        values.put("LINUX_KERNEL_VERSION", Integer.toUnsignedString(version));
        // libbpf probes bpf_get_attach_cookie (Linux 5.15) and a kprobe on the arch's syscall wrapper;
        // the helper's version and the wrapper's symbol say the same without loading anything
        values.put("LINUX_HAS_BPF_COOKIE", version >= (5 << 16 | 15 << 8) ? "1" : "0");
        Kallsyms kallsyms = new Kallsyms();
        String wrapper = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "__x64_sys_bpf";
            case "aarch64" -> "__arm64_sys_bpf";
            case "s390x" -> "__s390x_sys_bpf";
            default -> "";
        };
        values.put("LINUX_HAS_SYSCALL_WRAPPER", !wrapper.isEmpty() && kallsyms.apply(wrapper).isPresent() ? "1" : "0");
        return new KernelConfig(file.toString(), values, kallsyms);
    }

    /** {@code KERNEL_VERSION(a, b, c)} of a release such as {@code 6.18.44-fc}: the patch level capped at 255, as libbpf's get_kernel_version. */
    static int kernelVersion(String release) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*").matcher(release);
        if (!m.matches()) throw new IllegalStateException("kernel release '" + release + "' is not major.minor.patch");
        int patch = m.group(3) == null ? 0 : Math.min(255, Integer.parseInt(m.group(3)));
        return Integer.parseInt(m.group(1)) << 16 | Integer.parseInt(m.group(2)) << 8 | patch;
    }

    /**
     * {@code CONFIG_X=value} lines; comments ({@code # CONFIG_Y is not set}) and blank lines skipped, as
     * libbpf's bpf_object__process_kconfig_line does.
     */
    static Map<String, String> parse(String text, String source) {
        Map<String, String> values = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            line = line.strip();
            if (!line.startsWith("CONFIG_")) continue;
            int eq = line.indexOf('=');
            if (eq < 0 || eq == line.length() - 1) {
                throw new IllegalArgumentException(source + ":" + lineNo + ": '" + line + "' is not CONFIG_NAME=value");
            }
            values.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
        }
        return values;
    }

    private static Optional<String> read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length > 2 && bytes[0] == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                    bytes = gz.readAllBytes();
                }
            }
            return Optional.of(new String(bytes, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code /proc/kallsyms}, read once on first lookup: a few MiB the common object never needs. */
    private static final class Kallsyms implements Function<String, OptionalLong> {
        private volatile Map<String, Long> symbols;

        @Override
        public OptionalLong apply(String name) {
            Map<String, Long> s = symbols;
            if (s == null) symbols = s = load();
            Long address = s.get(name);
            return address == null ? OptionalLong.empty() : OptionalLong.of(address);
        }

        /** Lines {@code address type name [module]}; the first address of a name wins, as libbpf keeps it. */
        private static Map<String, Long> load() {
            Map<String, Long> out = new HashMap<>();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/kallsyms"), StandardCharsets.ISO_8859_1)) {
                    int sp1 = line.indexOf(' '), sp2 = line.indexOf(' ', sp1 + 1);
                    if (sp1 <= 0 || sp2 < 0) continue;
                    int end = line.indexOf('\t', sp2 + 1);
                    String name = line.substring(sp2 + 1, end < 0 ? line.length() : end);
                    try {
                        out.putIfAbsent(name, Long.parseUnsignedLong(line.substring(0, sp1), 16));
                    } catch (NumberFormatException notAnAddress) {
                        // not a symbol line: skipped, as libbpf's sscanf skips it
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/kallsyms to resolve __ksym externs", e);
            }
            return out;
        }
    }
}

package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The kernel functions a kprobe can name: {@code available_filter_functions} of tracefs where it is
 * readable (what libbpf's {@code libbpf_available_kprobes_parse} reads for kprobe_multi globs), else the text
 * symbols of {@code /proc/kallsyms} (libbpf's {@code libbpf_kallsyms_parse}).
 */
final class KernelSymbols {
    private KernelSymbols() {}

    static final Path FILTER_FUNCTIONS = Path.of("/sys/kernel/tracing/available_filter_functions");
    static final Path KALLSYMS = Path.of("/proc/kallsyms");

    private static volatile Set<String> cached;

    /** Every probeable function name, each once, in the file's order. */
    static Set<String> functions() {
        Set<String> c = cached;
        if (c == null) cached = c = java.util.Collections.unmodifiableSet(read());
        return c;
    }

    private static Set<String> read() {
        Set<String> names = new LinkedHashSet<>();
        try {
            if (Files.isReadable(FILTER_FUNCTIONS)) {
                try {
                    for (String line : Files.readAllLines(FILTER_FUNCTIONS)) names.add(parseFilterFunction(line));
                    return names;
                } catch (IOException e) {
                    names.clear(); // readable by mode, refused on read (EPERM without ftrace): kallsyms then
                }
            }
            for (String line : Files.readAllLines(KALLSYMS)) parseKallsyms(line).ifPresent(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + KALLSYMS + ": " + e.getMessage(), e);
        }
        return names;
    }

    /** {@code "do_unlinkat"} or {@code "nf_conntrack_in [nf_conntrack]"}: the name. */
    static String parseFilterFunction(String line) {
        int space = line.indexOf(' ');
        return space < 0 ? line.strip() : line.substring(0, space);
    }

    /** {@code "ffffffff812a0b30 T do_unlinkat"} (or with a {@code [module]}): a text symbol's name. */
    static java.util.Optional<String> parseKallsyms(String line) {
        String[] f = line.split("\\s+");
        if (f.length < 3 || !(f[1].equals("T") || f[1].equals("t"))) return java.util.Optional.empty();
        return java.util.Optional.of(f[2]);
    }

    /** libbpf's {@code glob_match}: {@code *} any run of characters, {@code ?} any one, the rest literally. */
    static boolean globMatch(String text, String pattern) {
        int t = 0, p = 0, star = -1, mark = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                t++;
                p++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                mark = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') p++;
        return p == pattern.length();
    }

    /**
     * The functions {@code pattern} matches, in {@code names}' order.
     *
     * @throws IllegalArgumentException when none does, naming the closest functions
     */
    static List<String> matching(String pattern, java.util.Collection<String> names) {
        if (pattern.isEmpty() || !pattern.matches("[\\w.*?]+")) {
            throw new IllegalArgumentException("'" + pattern + "' is not a kernel function name or glob");
        }
        List<String> matched = new ArrayList<>();
        for (String n : names) if (globMatch(n, pattern)) matched.add(n);
        if (matched.isEmpty()) {
            throw new IllegalArgumentException("no kernel function " + (pattern.matches("[\\w.]+") ? "" : "matches ") + pattern
                    + Names.suggest(pattern.replaceAll("[*?]", ""), names));
        }
        return matched;
    }

    static List<String> matching(String pattern) {
        return matching(pattern, functions());
    }

    /** The syscall-wrapper prefix of this architecture's syscall entry points (libbpf's {@code arch_specific_syscall_pfx}). */
    static String syscallPrefix() {
        return switch (Sys.ARCH) {
            case "amd64", "x86_64" -> "__x64_";
            case "aarch64" -> "__arm64_";
            case "riscv64" -> "__riscv_";
            default -> "";
        };
    }

    /**
     * The kernel function of system call {@code syscall}: {@code __x64_sys_NAME} (this architecture's prefix)
     * where the kernel has syscall wrappers, else {@code sys_NAME}, as libbpf's {@code bpf_program__attach_ksyscall}.
     *
     * @throws IllegalArgumentException when the kernel has neither, naming the closest system calls
     */
    static String syscallFunction(String syscall) {
        String prefix = syscallPrefix() + "sys_";
        if (functions().contains(prefix + syscall)) return prefix + syscall;
        if (functions().contains("sys_" + syscall)) return "sys_" + syscall;
        List<String> syscalls = functions().stream().filter(f -> f.startsWith(prefix)).map(f -> f.substring(prefix.length())).toList();
        throw new IllegalArgumentException("no system call " + syscall + " in this kernel (no function " + prefix + syscall
                + " or sys_" + syscall + ")" + Names.suggest(syscall, syscalls));
    }

    /** @throws IllegalArgumentException when the kernel has no function {@code name}, naming the closest */
    static void requireFunction(String name) {
        if (!functions().contains(name)) {
            throw new IllegalArgumentException("no kernel function " + name + Names.suggest(name, functions()));
        }
    }
}

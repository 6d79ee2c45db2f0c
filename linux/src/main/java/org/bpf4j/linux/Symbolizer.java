package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names for the instruction addresses of sampled stacks, as perf and BCC's profile print them: kernel
 * addresses from {@code /proc/kallsyms}, user addresses through the process's {@code /proc/PID/maps} (the
 * mapped file and the address's offset in it) and the file's ELF function symbols, or a JIT's
 * {@code /tmp/perf-PID.map} for anonymous code (what {@code jcmd PID Compiler.perfmap} writes for the JVM).
 * What it cannot name is {@code [unknown]} (user) or the address in hex (kernel). Files are read once
 * each; a process must still be running to be symbolized.
 */
public final class Symbolizer {
    private static final Path KALLSYMS = Path.of("/proc/kallsyms");
    private static final String UNKNOWN = "[unknown]";

    private long[] kernelAddresses;
    private String[] kernelNames;
    private final Map<Integer, List<Mapping>> processes = new HashMap<>();
    private final Map<Path, Optional<ElfSymbols.Functions>> files = new HashMap<>();
    private final Map<Integer, Optional<ElfSymbols.Functions>> perfMaps = new HashMap<>();

    /** One line of /proc/PID/maps: an executable mapping of a file (or anonymous code, path empty). */
    private record Mapping(long start, long end, long offset, String path) {}

    /** The name of kernel address {@code address}: the kallsyms symbol at or before it, or the address in hex. */
    public synchronized String kernel(long address) {
        if (kernelAddresses == null) readKallsyms();
        int i = Arrays.binarySearch(kernelAddresses, address);
        if (i < 0) i = -i - 2;
        return i < 0 ? "0x" + Long.toHexString(address) : kernelNames[i];
    }

    /** The name of user address {@code address} in process {@code pid}: its function, or {@code [unknown]}. */
    public synchronized String user(int pid, long address) {
        List<Mapping> maps = processes.computeIfAbsent(pid, Symbolizer::readMaps);
        for (Mapping m : maps) {
            if (address < m.start || address >= m.end) continue;
            if (m.path.isEmpty()) return perfMap(pid, address).orElse(UNKNOWN);
            Optional<ElfSymbols.Functions> f = files.computeIfAbsent(Path.of(m.path), Symbolizer::readFunctions);
            return f.flatMap(fs -> fs.at(address - m.start + m.offset)).orElse(UNKNOWN);
        }
        return UNKNOWN;
    }

    private void readKallsyms() {
        List<String> lines;
        try {
            lines = Files.readAllLines(KALLSYMS);
        } catch (IOException e) {
            lines = List.of(); // no kallsyms: every kernel frame prints as its address
        }
        long[] addrs = new long[lines.size()];
        String[] names = new String[lines.size()];
        int n = 0;
        for (String line : lines) {
            String[] f = line.split("\\s+");
            if (f.length < 3 || "tTwW".indexOf(f[1].charAt(0)) < 0) continue; // text symbols only
            long a = Long.parseUnsignedLong(f[0], 16);
            if (a == 0) continue; // kptr_restrict hides them all
            addrs[n] = a;
            names[n++] = f[2];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(addrs[x], addrs[y]));
        kernelAddresses = new long[n];
        kernelNames = new String[n];
        for (int i = 0; i < n; i++) {
            kernelAddresses[i] = addrs[order[i]];
            kernelNames[i] = names[order[i]];
        }
    }

    private static List<Mapping> readMaps(int pid) {
        List<Mapping> maps = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"))) {
                // start-end perms offset dev inode [path]
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 5 || f[1].indexOf('x') < 0) continue;
                int dash = f[0].indexOf('-');
                String path = f.length == 6 ? f[5] : "";
                if (!path.isEmpty() && !path.startsWith("/")) continue; // [vdso], [vsyscall]: no file to read
                maps.add(new Mapping(Long.parseUnsignedLong(f[0], 0, dash, 16), Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16),
                        Long.parseUnsignedLong(f[2], 16), path.endsWith(" (deleted)") ? "" : path));
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended before the stacks were read: its frames stay [unknown]
        }
        return maps;
    }

    private static Optional<ElfSymbols.Functions> readFunctions(Path file) {
        try {
            return Optional.of(ElfSymbols.functions(file));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** A JIT's {@code /tmp/perf-PID.map}: lines {@code START SIZE NAME} in hex, read once per process. */
    private Optional<String> perfMap(int pid, long address) {
        return perfMaps.computeIfAbsent(pid, Symbolizer::readPerfMap).flatMap(f -> f.at(address));
    }

    private static Optional<ElfSymbols.Functions> readPerfMap(int pid) {
        Path file = Path.of("/tmp/perf-" + pid + ".map");
        if (!Files.isReadable(file)) return Optional.empty();
        java.util.TreeMap<Long, Map.Entry<Long, String>> byStart = new java.util.TreeMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(" ", 3);
                if (f.length < 3) continue;
                byStart.put(Long.parseUnsignedLong(f[0].replaceFirst("^0x", ""), 16),
                        Map.entry(Long.parseUnsignedLong(f[1].replaceFirst("^0x", ""), 16), f[2]));
            }
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
        long[] starts = new long[byStart.size()], sizes = new long[byStart.size()];
        String[] names = new String[byStart.size()];
        int i = 0;
        for (Map.Entry<Long, Map.Entry<Long, String>> e : byStart.entrySet()) {
            starts[i] = e.getKey();
            sizes[i] = e.getValue().getKey();
            names[i++] = e.getValue().getValue();
        }
        return Optional.of(new ElfSymbols.Functions(starts, sizes, names));
    }
}

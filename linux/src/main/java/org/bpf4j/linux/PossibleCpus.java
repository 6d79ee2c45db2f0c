package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code num_possible_cpus()} as user space sees it: the count of CPUs in
 * {@code /sys/devices/system/cpu/possible} (a list like {@code 0-3,6,8-11}). Per-CPU map values come
 * in this many slots — not the online count, not {@code availableProcessors()}.
 */
final class PossibleCpus {
    private PossibleCpus() {}

    static final Path FILE = Path.of("/sys/devices/system/cpu/possible");

    private static volatile int cached;

    static int count() {
        int c = cached;
        if (c == 0) {
            try {
                c = parse(Files.readString(FILE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + FILE + " for the per-CPU value count", e);
            }
            cached = c;
        }
        return c;
    }

    /** Counts the CPUs in a kernel cpu list ({@code "0-3,6"} -> 5). */
    static int parse(String list) {
        int n = 0;
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) continue;
            int dash = part.indexOf('-');
            if (dash < 0) {
                Integer.parseInt(part);
                n++;
            } else {
                int lo = Integer.parseInt(part.substring(0, dash));
                int hi = Integer.parseInt(part.substring(dash + 1));
                if (hi < lo) throw new IllegalArgumentException("bad cpu range " + part);
                n += hi - lo + 1;
            }
        }
        if (n == 0) throw new IllegalArgumentException("empty cpu list: '" + list + "'");
        return n;
    }
}

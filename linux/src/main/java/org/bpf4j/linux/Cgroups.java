package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.maps.Errno;

/**
 * cgroup v2 directories as cgroup attach points take them: opened read-only as a directory (what libbpf's
 * callers pass to {@code bpf_program__attach_cgroup}), and the cgroup2 mounts of this mount namespace read from
 * {@code /proc/self/mountinfo}.
 */
public final class Cgroups {
    private Cgroups() {}

    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** The mount points of every cgroup2 file system mounted here, in mount order. */
    public static List<Path> cgroup2Mounts() {
        List<Path> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(MOUNTINFO)) {
                // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("cgroup2")) mounts.add(Path.of(unescape(f[4])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO + ": " + e.getMessage(), e);
        }
        return mounts;
    }

    /** The root of the first cgroup2 mount, the default cgroup for cgroup hooks; empty when none is mounted. */
    public static Optional<Path> defaultRoot() {
        return cgroup2Mounts().stream().findFirst();
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    /**
     * Opens the cgroup v2 directory {@code cgroup} ({@code O_RDONLY | O_DIRECTORY}).
     *
     * @throws IllegalArgumentException when it does not exist or lies in no cgroup2 mount (naming the mounts there are)
     */
    static FdHandle open(Path cgroup) {
        Path abs = cgroup.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) throw new IllegalArgumentException("no cgroup " + cgroup + ": not a directory");
        List<Path> mounts = cgroup2Mounts();
        Path real;
        try {
            real = abs.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + cgroup + ": " + e.getMessage(), e);
        }
        if (mounts.stream().noneMatch(real::startsWith)) {
            throw new IllegalArgumentException(cgroup + " is not in a cgroup v2 hierarchy ("
                    + (mounts.isEmpty() ? "none is mounted: mount -t cgroup2 none DIR" : "cgroup2 is mounted at "
                    + String.join(", ", mounts.stream().map(Path::toString).toList())) + ")");
        }
        int fd = Sys.open(real.toString(), Sys.O_RDONLY | Sys.O_DIRECTORY);
        if (fd < 0) {
            throw new IllegalArgumentException("cannot open cgroup " + cgroup + ": " + Errno.nameOf(-fd)
                    + Errno.of(-fd).map(e -> " (" + e.description() + ")").orElse(""));
        }
        return new FdHandle(fd, "cgroup " + cgroup);
    }
}

package org.bpf4j.helpers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * This JVM's identity as the kernel's task helpers would report it, read from procfs once: where procfs
 * cannot say (not Linux, a sandbox), uid and gid 0 and the root cgroup.
 */
final class ProcessIdentity {
    private ProcessIdentity() {}

    /** The root cgroup's id: cgroup v2's root kernfs node is always 1. */
    static final long ROOT_CGROUP_ID = 1;

    /** bpf_get_current_uid_gid: the real gid in the upper 32 bits, the real uid in the lower (from_kuid in init_user_ns). */
    static long uidGid() {
        try {
            long uid = 0, gid = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) uid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                if (line.startsWith("Gid:")) gid = Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
            return (gid << 32) | (uid & 0xffffffffL);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * bpf_get_current_cgroup_id: the kernfs id of this process's cgroup on the v2 hierarchy, which is the inode
     * number of its folder where cgroup2 is mounted. With no cgroup2 mount (a v1-only system) the process sits in the
     * v2 root as far as the kernel's default hierarchy knows.
     */
    static long cgroupId() {
        try {
            String path = null;
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                if (line.startsWith("0::")) path = line.substring(3);
            }
            if (path == null || path.equals("/")) return ROOT_CGROUP_ID;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // mountinfo: id parent major:minor root mountpoint options ... - fstype source superoptions
                List<String> f = List.of(line.split(" "));
                int dash = f.indexOf("-");
                if (dash < 0 || dash + 1 >= f.size() || !f.get(dash + 1).equals("cgroup2") || !f.get(3).equals("/")) continue;
                Path dir = Path.of(f.get(4), path.substring(1));
                if (Files.isDirectory(dir)) return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
            }
            return ROOT_CGROUP_ID;
        } catch (IOException | RuntimeException e) {
            return ROOT_CGROUP_ID;
        }
    }
}

package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Test support: cgroup2 mounted on a temporary directory (this machine mounts only cgroup v1 where tests
 * expect it) with a child cgroup of a random name; {@link #close()} removes the child and unmounts.
 */
record CgroupV2(Path mount, Path child) implements AutoCloseable {
    static CgroupV2 create() throws IOException, InterruptedException {
        Path mount = Files.createTempDirectory("bpf4j-cgroup2-");
        try {
            VethPair.run("mount", "-t", "cgroup2", "none", mount.toString());
        } catch (IOException e) {
            Files.delete(mount);
            throw e;
        }
        Path child = mount.resolve("bpf4j-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
        try {
            Files.createDirectory(child);
        } catch (IOException e) {
            VethPair.run("umount", mount.toString());
            Files.delete(mount);
            throw e;
        }
        return new CgroupV2(mount, child);
    }

    /** Whether this process may mount cgroup2 (root in the initial namespaces). */
    static String unavailableReason() {
        try {
            CgroupV2 c = create();
            c.close();
            return "";
        } catch (IOException | InterruptedException e) {
            return "cannot mount cgroup2 on a temporary directory: " + e.getMessage();
        }
    }

    /**
     * Runs {@code script} in bash inside the child cgroup (the shell moves itself in first) and waits for it;
     * fails with its output when it fails.
     */
    void runInside(String script) throws IOException, InterruptedException {
        VethPair.run("bash", "-c", "echo $$ > " + child.resolve("cgroup.procs") + " && " + script);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            // the processes run inside have exited: the cgroup is empty and can go
            Files.deleteIfExists(child);
        } finally {
            VethPair.run("umount", mount.toString());
            Files.delete(mount);
        }
    }
}

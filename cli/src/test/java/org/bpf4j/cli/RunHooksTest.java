package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.KernelAvailability;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j run} on hooks that do not exist: one line naming what is missing and the closest names that
 * exist, exit 2; and cgroup programs on {@code --cgroup}.
 */
class RunHooksTest {
    private static Path object(String name) {
        return ProgCommandTest.ROOT.resolve("cli/src/test/resources/bpf/" + name);
    }

    private static void assumeKernel() {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
    }

    /** The one line of a failed run: exit 2, no stack trace. */
    private static String error(String... args) {
        CliRunner r = CliRunner.run(args);
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        return r.err().strip();
    }

    @Test
    void aMisspeltTracepointNamesTheClosestOnes() {
        assumeKernel();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_openat/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
        assertThat(error("run", object("hook_tracepoint.bpf.o").toString(), "--duration", "1"))
                .contains("hook_tracepoint.bpf.o: cannot attach: no tracepoint syscalls/sys_enter_opennat in this kernel (closest: ")
                .contains("syscalls/sys_enter_openat");
    }

    @Test
    void aMisspeltKernelFunctionNamesTheClosestOnes() {
        assumeKernel();
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "no kernel BTF");
        assertThat(error("run", object("hook_fentry.bpf.o").toString(), "--duration", "1"))
                .startsWith("bpf4j: hook_fentry.bpf.o: cannot load: no kernel function do_unlinkatt in the kernel's BTF for fentry/do_unlinkatt (closest: do_unlinkat");
    }

    @Test
    void aMisspeltSystemCallNamesTheClosestOnes() {
        assumeKernel();
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86-64's __x64_sys_ wrappers");
        assertThat(error("run", object("hook_ksyscall.bpf.o").toString(), "--duration", "1"))
                .contains("hook_ksyscall.bpf.o: cannot attach: no system call getppidd in this kernel (no function __x64_sys_getppidd or sys_getppidd) (closest: getppid");
    }

    @Test
    void aMisspeltBinaryNamesTheClosestFiles() {
        assumeKernel();
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash");
        assertThat(error("run", object("hook_uprobe.bpf.o").toString(), "--duration", "1"))
                .contains("hook_uprobe.bpf.o: cannot attach: no file /bin/bashh (closest: /bin/bash");
    }

    @Test
    void aMisspeltInterfaceNamesTheClosestOnes() {
        assumeKernel();
        assertThat(error("run", ProgCommandTest.ROOT.resolve("examples/xdp/firewall.bpf.o").toString(), "--iface", "loo", "--duration", "1"))
                .contains("firewall.bpf.o: cannot attach: no interface loo in this network namespace (closest: lo)");
    }

    @Test
    void aCgroupOutsideCgroup2IsAOneLineError() {
        assumeKernel();
        assertThat(error("run", object("hook_cgroup.bpf.o").toString(), "--cgroup", "/tmp", "--duration", "1"))
                .contains("hook_cgroup.bpf.o: cannot attach: /tmp is not in a cgroup v2 hierarchy (");
    }

    @Test
    void aCgroupProgramAttachesToTheGivenCgroupAndDetachesAtTheEnd() {
        assumeKernel();
        java.util.Optional<Path> root = org.bpf4j.linux.Cgroups.defaultRoot();
        assumeTrue(root.isPresent(), "no cgroup2 mounted: RunHooksTest does not mount one for the command");
        Path child = root.get().resolve("bpf4j-run-" + ProcessHandle.current().pid());
        try {
            Files.createDirectory(child);
            CliRunner r = CliRunner.run("run", object("hook_cgroup.bpf.o").toString(), "--cgroup", child.toString(), "--duration", "0.5");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("bpf4j: attached cgroup cgroup_inet4_connect on " + child);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(child);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}

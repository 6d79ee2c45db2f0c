package org.bpf4j.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code union bpf_attr} offsets the attach kinds of this round write, checked against {@code offsetof}
 * from the system's uapi {@code linux/bpf.h}, compiled and run here (skips without a C compiler or the header).
 */
class AttrLayoutTest {
    private static final Path HEADER = Path.of("/usr/include/linux/bpf.h");

    @Test
    void linkCreateAndIterCreateOffsetsAreTheUapiHeaders() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(HEADER), "no " + HEADER + " (linux-libc-dev) to check against");
        assertThat(offsets(HEADER, """
                O(link_create.prog_fd); O(link_create.target_fd); O(link_create.attach_type); O(link_create.flags);
                O(link_create.kprobe_multi.flags); O(link_create.kprobe_multi.cnt); O(link_create.kprobe_multi.syms);
                O(iter_create.link_fd); O(iter_create.flags); E(iter_create.flags, 4);
                """)).containsExactly(Attr.LinkCreate.PROG_FD, Attr.LinkCreate.TARGET_FD, Attr.LinkCreate.ATTACH_TYPE,
                Attr.LinkCreate.FLAGS, Attr.LinkCreate.KPROBE_MULTI_FLAGS, Attr.LinkCreate.KPROBE_MULTI_CNT,
                Attr.LinkCreate.KPROBE_MULTI_SYMS, Attr.IterCreate.LINK_FD, Attr.IterCreate.FLAGS, Attr.IterCreate.END);
    }

    /** uprobe_multi (Linux 6.6) is newer than some distributions' headers: the kernel source's, where present, has it. */
    @Test
    void uprobeMultiOffsetsAreTheUapiHeaders() throws IOException, InterruptedException {
        Path header = java.util.stream.Stream.of(HEADER, Path.of("/tmp/linux-src/linux-source-6.12/include/uapi/linux/bpf.h"))
                .filter(h -> {
                    try {
                        return Files.isReadable(h) && Files.readString(h).contains("uprobe_multi");
                    } catch (IOException e) {
                        return false;
                    }
                }).findFirst().orElse(null);
        assumeTrue(header != null, "no linux/bpf.h with uprobe_multi (Linux 6.6) here to check against");
        assertThat(offsets(header, """
                O(link_create.uprobe_multi.path); O(link_create.uprobe_multi.offsets); O(link_create.uprobe_multi.cnt);
                O(link_create.uprobe_multi.flags); O(link_create.uprobe_multi.pid); E(link_create.uprobe_multi.pid, 4);
                """)).containsExactly(Attr.LinkCreate.UPROBE_MULTI_PATH, Attr.LinkCreate.UPROBE_MULTI_OFFSETS,
                Attr.LinkCreate.UPROBE_MULTI_CNT, Attr.LinkCreate.UPROBE_MULTI_FLAGS, Attr.LinkCreate.UPROBE_MULTI_PID,
                Attr.LinkCreate.END);
    }

    /** Compiles and runs {@code body} ({@code O(member)}: its offset; {@code E(member, size)}: its end) against {@code header}. */
    private static List<Long> offsets(Path header, String body) throws IOException, InterruptedException {
        String cc = List.of("clang-19", "clang", "cc").stream().filter(AttrLayoutTest::runs).findFirst().orElse(null);
        assumeTrue(cc != null, "no C compiler (clang-19, clang, cc) to compute offsetof");
        Path dir = Files.createTempDirectory("bpf4j-attr");
        try {
            Path c = dir.resolve("offsets.c"), exe = dir.resolve("offsets");
            Files.writeString(c, "#include <stdio.h>\n#include <stddef.h>\n#include \"" + header + "\"\n"
                    + "#define O(f) printf(\"%zu\\n\", offsetof(union bpf_attr, f))\n"
                    + "#define E(f, n) printf(\"%zu\\n\", offsetof(union bpf_attr, f) + n)\n"
                    + "int main(void) {\n" + body + "return 0;\n}\n");
            Process compile = new ProcessBuilder(cc, "-I/usr/include/" + System.getProperty("os.arch").replace("amd64", "x86_64") + "-linux-gnu",
                    "-o", exe.toString(), c.toString()).redirectErrorStream(true).start();
            String log = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(compile.waitFor()).as(log).isZero();
            Process run = new ProcessBuilder(exe.toString()).start();
            List<Long> offsets = new String(run.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().map(Long::parseLong).toList();
            assertThat(run.waitFor()).isZero();
            return offsets;
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    private static boolean runs(String command) {
        try {
            return new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}

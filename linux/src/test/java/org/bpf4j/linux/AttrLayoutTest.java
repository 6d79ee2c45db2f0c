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
        String cc = List.of("clang-19", "clang", "cc").stream().filter(AttrLayoutTest::runs).findFirst().orElse(null);
        assumeTrue(cc != null, "no C compiler (clang-19, clang, cc) to compute offsetof");
        Path dir = Files.createTempDirectory("bpf4j-attr");
        try {
            Path c = dir.resolve("offsets.c"), exe = dir.resolve("offsets");
            Files.writeString(c, """
                    #include <stdio.h>
                    #include <stddef.h>
                    #include <linux/bpf.h>
                    #define O(f) printf("%zu\\n", offsetof(union bpf_attr, f))
                    int main(void) {
                        O(link_create.prog_fd); O(link_create.target_fd); O(link_create.attach_type); O(link_create.flags);
                        O(link_create.kprobe_multi.flags); O(link_create.kprobe_multi.cnt); O(link_create.kprobe_multi.syms);
                        printf("%zu\\n", offsetof(union bpf_attr, link_create.kprobe_multi.cookies) + 8);
                        O(iter_create.link_fd); O(iter_create.flags);
                        printf("%zu\\n", offsetof(union bpf_attr, iter_create.flags) + 4);
                        return 0;
                    }
                    """);
            Process compile = new ProcessBuilder(cc, "-I/usr/include/" + System.getProperty("os.arch").replace("amd64", "x86_64") + "-linux-gnu",
                    "-o", exe.toString(), c.toString()).redirectErrorStream(true).start();
            String log = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(compile.waitFor()).as(log).isZero();
            Process run = new ProcessBuilder(exe.toString()).start();
            List<Long> offsets = new String(run.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).lines().map(Long::parseLong).toList();
            assertThat(run.waitFor()).isZero();
            assertThat(offsets).containsExactly(Attr.LinkCreate.PROG_FD, Attr.LinkCreate.TARGET_FD, Attr.LinkCreate.ATTACH_TYPE,
                    Attr.LinkCreate.FLAGS, Attr.LinkCreate.KPROBE_MULTI_FLAGS, Attr.LinkCreate.KPROBE_MULTI_CNT,
                    Attr.LinkCreate.KPROBE_MULTI_SYMS, Attr.LinkCreate.END, Attr.IterCreate.LINK_FD, Attr.IterCreate.FLAGS,
                    Attr.IterCreate.END);
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

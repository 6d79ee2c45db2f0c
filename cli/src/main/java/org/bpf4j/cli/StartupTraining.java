package org.bpf4j.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run behind the launcher's AOT cache (JDK 25, {@code -XX:AOTCacheOutput}): runs the
 * commands people start {@code bpf4j} for — show, verify, run on both engines — on the repository's
 * examples, output discarded, so that the cache holds the classes (already loaded and linked) and
 * method profiles those commands need. A one-shot {@code bpf4j prog verify} then starts about a third
 * faster. Not a user command: {@code ./bpf4j} runs it once after each build.
 */
public final class StartupTraining {
    private StartupTraining() {}

    public static void main(String[] args) {
        Path examples = Path.of(args.length > 0 ? args[0] : "examples");
        Path firewall = examples.resolve("xdp/firewall.bpf.o");
        Path capture = examples.resolve("xdp/firewall.pcap");
        if (!Files.isRegularFile(firewall) || !Files.isRegularFile(capture)) return; // nothing to train on: no cache
        String obj = firewall.toString(), pcap = capture.toString();
        String[][] commands = {
                {"prog", "show", obj},
                {"prog", "show", obj, "-j"},
                {"prog", "dump", obj},
                {"prog", "verify", obj},
                {"prog", "verify", obj, "-j", "--log-level", "2"},
                // the kernel backend's classes and FFM handles (without bpf(2): the one-line error's)
                {"prog", "verify", obj, "--target", "running"},
                {"prog", "run", obj, "--pcap", pcap},
                {"prog", "run", obj, "--pcap", pcap, "--engine", "interp", "-j"},
        };
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        for (String[] command : commands) {
            Bpf4j.commandLine(sink, sink, new ByteArrayInputStream(new byte[0])).execute(command);
        }
    }
}

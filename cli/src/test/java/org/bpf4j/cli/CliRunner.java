package org.bpf4j.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs the bpf4j command in-process and captures what it prints. */
record CliRunner(int exit, String out, String err) {

    static CliRunner run(String... args) {
        return runWithInput("", args);
    }

    static CliRunner runWithInput(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Bpf4j.commandLine(new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.US_ASCII))).execute(args);
        return new CliRunner(exit, out.toString(), err.toString());
    }

    /** Skips (with why) unless the kernel backend works and tracefs has the syscall tracepoints the live runs use. */
    static void assumeSyscallTracepoints() {
        org.bpf4j.linux.KernelAvailability k = org.bpf4j.linux.KernelAvailability.check();
        org.junit.jupiter.api.Assumptions.assumeTrue(k.available(), () -> "kernel unavailable: " + k.reason());
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isReadable(java.nio.file.Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id")),
                "no tracefs with syscall tracepoints: mount -t tracefs tracefs /sys/kernel/tracing");
    }

    /** Each line of {@code out} as JSON: a live run's -j output is one object per line. */
    static java.util.List<com.fasterxml.jackson.databind.JsonNode> jsonLines(String out) {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        return out.lines().map(l -> {
            try {
                return json.readTree(l);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + l, e);
            }
        }).toList();
    }
}

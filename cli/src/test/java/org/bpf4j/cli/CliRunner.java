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
}

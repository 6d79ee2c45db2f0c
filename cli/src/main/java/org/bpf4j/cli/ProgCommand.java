package org.bpf4j.cli;

import picocli.CommandLine.Command;

/** {@code bpf4j prog ...}: programs in objects. */
@Command(name = "prog", mixinStandardHelpOptions = true,
        description = "Inspect, verify and run the programs of eBPF objects.",
        subcommands = {ProgShowCommand.class, ProgDumpCommand.class, ProgVerifyCommand.class, ProgRunCommand.class})
final class ProgCommand {
}

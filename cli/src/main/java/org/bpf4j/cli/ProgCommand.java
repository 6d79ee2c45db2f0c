package org.bpf4j.cli;

import picocli.CommandLine.Command;

/** {@code bpf4j prog ...}: programs in objects. */
@Command(name = "prog", mixinStandardHelpOptions = true,
        description = "Inspect, verify and run the programs of eBPF objects; list, load and attach the kernel's programs.",
        subcommands = {ProgShowCommand.class, ProgDumpCommand.class, ProgVerifyCommand.class, ProgRunCommand.class,
                ProgListCommand.class, ProgLoadCommand.class, ProgAttachCommand.Attach.class, ProgAttachCommand.Detach.class})
final class ProgCommand {
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code bpf4j help [COMMAND...]}: the help of the command named by the whole path ({@code help prog run} is
 * {@code prog run}'s help; picocli's own help command stops at the first word).
 */
@Command(name = "help", helpCommand = true, description = "Show the help of a command: bpf4j help prog run.")
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {

    @Parameters(paramLabel = "COMMAND", description = "The command, e.g. prog run.")
    List<String> path = List.of();

    private CommandLine parent;

    @Override
    public void init(CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.parent = helpCommandLine.getParent();
    }

    @Override
    public void run() {
        CommandLine target = parent;
        for (String word : path) {
            CommandLine next = target.getSubcommands().get(word);
            if (next == null) {
                throw new CommandLine.ParameterException(target, "Unknown command: '" + word + "'");
            }
            target = next;
        }
        target.usage(target.getOut());
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j man [COMMAND...]}: a man page in roff, from the same command definitions that print
 * {@code --help}, so it cannot drift from them: {@code bpf4j man prog run | man -l -}.
 */
@Command(name = "man", mixinStandardHelpOptions = true,
        description = {"Print the man page (roff) of bpf4j or of one of its commands (bpf4j man prog run | man -l -)."})
final class ManCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command, e.g. 'prog run' (default: bpf4j itself).")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() {
        CommandLine target = spec.root().commandLine();
        for (String name : command) {
            CommandLine sub = target.getSubcommands().get(name);
            if (sub == null) {
                throw new UserInputException("man: '" + String.join(" ", command) + "' is not a command (commands of '"
                        + target.getCommandSpec().qualifiedName(" ") + "': " + String.join(", ", target.getSubcommands().keySet()) + ")");
            }
            target = sub;
        }
        PrintWriter out = spec.commandLine().getOut();
        write(out, target.getCommandSpec());
        out.flush();
        return 0;
    }

    private static void write(PrintWriter out, CommandSpec c) {
        String name = c.qualifiedName("-");
        out.printf(".TH %s 1 \"\" \"bpf4j\" \"bpf4j manual\"%n", roff(name.toUpperCase(java.util.Locale.ROOT)));
        out.println(".SH NAME");
        out.printf("%s \\- %s%n", roff(c.qualifiedName(" ")), roff(first(c.usageMessage().description())));
        out.println(".SH SYNOPSIS");
        out.println(".nf");
        out.println(roff(new CommandLine(c).getHelp().synopsis(0).strip()));
        out.println(".fi");
        out.println(".SH DESCRIPTION");
        for (String line : c.usageMessage().description()) {
            out.println(roff(line));
            out.println(".PP");
        }
        if (!c.positionalParameters().isEmpty() || !c.options().isEmpty()) out.println(".SH OPTIONS");
        for (PositionalParamSpec p : c.positionalParameters()) {
            if (p.hidden()) continue;
            out.println(".TP");
            out.printf("\\fB%s\\fR%n", roff(p.paramLabel()));
            out.println(roff(String.join(" ", p.description())));
        }
        for (OptionSpec o : c.options()) {
            if (o.hidden()) continue;
            out.println(".TP");
            String label = o.arity().max() > 0 ? " \\fI" + roff(o.paramLabel()) + "\\fR" : "";
            out.printf("\\fB%s\\fR%s%n", roff(String.join(", ", o.names())), label);
            out.println(roff(String.join(" ", o.description()).replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()))
                    .replace("${COMPLETION-CANDIDATES}", o.completionCandidates() == null ? "" : String.join(", ", o.completionCandidates()))));
        }
        if (!c.subcommands().isEmpty()) {
            out.println(".SH COMMANDS");
            c.subcommands().forEach((n, sub) -> {
                if (sub.getCommandSpec().usageMessage().hidden()) return;
                out.println(".TP");
                out.printf("\\fB%s\\fR%n", roff(n));
                out.println(roff(first(sub.getCommandSpec().usageMessage().description())));
            });
            out.printf(".PP%nEach command has its page: \\fBbpf4j man %s\\fR \\fICOMMAND\\fR.%n",
                    roff(c.qualifiedName(" ").substring("bpf4j".length()).strip()));
        }
        out.println(".SH EXIT STATUS");
        out.println("0 on success; 1 when a verdict is a rejection; 2 for input a user must fix (one line on stderr says what, where"
                + " and why); 70 for an internal error of bpf4j.");
    }

    private static String first(String[] lines) {
        return lines.length == 0 ? "" : lines[0];
    }

    /** Text as roff reads it: backslashes escaped, a leading dot or quote neutralized. */
    private static String roff(String s) {
        String t = s.replace("\\", "\\e").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}

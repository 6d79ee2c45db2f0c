package org.bpf4j.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import org.bpf4j.helpers.HelperSpecs;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code bpf4j} command: bpftool's shape, verbs per object kind. */
@Command(name = "bpf4j",
        mixinStandardHelpOptions = true,
        versionProvider = Bpf4j.Version.class,
        description = "eBPF for the JVM: load, verify, run and compile eBPF programs.",
        subcommands = {ProgCommand.class, MapCommand.class, LinkCommand.class, BtfCommand.class, RunCommand.class, FeatureCommand.class, ConformanceCommand.class, ConformancePluginCommand.class, HelpCommand.class, ManCommand.class})
public final class Bpf4j {

    /** Exit status for input a user must fix (bad arguments, unreadable or malformed files). */
    public static final int EXIT_USAGE = 2;
    /** Exit status for a failure of bpf4j itself. */
    public static final int EXIT_INTERNAL = 70;

    public static void main(String[] args) {
        System.exit(commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.in).execute(args));
    }

    /** A command line reading {@code in} and writing to the given streams: what tests run in-process. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, InputStream in) {
        return commandLine(out, err, in, HelperSpecs.linux618());
    }

    /**
     * As {@link #commandLine(PrintWriter, PrintWriter, InputStream)} for a tool that embeds the command with
     * helpers of its own: {@code prog verify} and {@code prog run} take {@code helpers} instead of Linux 6.18's.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, InputStream in, HelperSpecs helpers) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == ConformancePluginCommand.class) return type.cast(new ConformancePluginCommand(in));
                K command = defaults.create(type);
                if (command instanceof ProgVerifyCommand v) v.helpers = helpers;
                if (command instanceof ProgRunCommand r) r.helpers = helpers;
                return command;
            }
        };
        CommandLine cl = new CommandLine(new Bpf4j(), factory);
        // `source <(bpf4j completion)`: bash and zsh completion of every command and option, from picocli
        CommandLine completion = new CommandLine(new picocli.AutoComplete.GenerateCompletion());
        completion.getCommandSpec().usageMessage().hidden(false)
                .description("Print a bash/zsh completion script: source <(bpf4j completion).");
        cl.addSubcommand("completion", completion);
        cl.setOut(out);
        cl.setErr(err);
        // a help request does not hide an unknown command: `bpf4j map --help` is an error, not the top-level help
        cl.setExecutionStrategy(parsed -> {
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (!p.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("bpf4j: " + ex.getMessage() + " (see 'bpf4j "
                    + qualifiedName(ex.getCommandLine()) + "--help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, command, parsed) -> {
            PrintWriter e = command.getErr();
            if (ex instanceof UserInputException) {
                // with -j, stdout stays one JSON object for every command: the error is in it too
                if (wantsJson(parsed)) {
                    command.getOut().println(Json.write(java.util.Map.of("error", ex.getMessage())));
                    command.getOut().flush();
                }
                e.println("bpf4j: " + ex.getMessage());
                return EXIT_USAGE;
            }
            e.println("bpf4j: internal error: " + ex + " (please report it; BPF4J_DEBUG=1 shows the stack trace)");
            if (System.getenv("BPF4J_DEBUG") != null) ex.printStackTrace(e);
            return EXIT_INTERNAL;
        });
        return cl;
    }

    private static boolean wantsJson(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult last = parsed;
        while (last.subcommand() != null) last = last.subcommand();
        return last.hasMatchedOption("--json");
    }

    private static String qualifiedName(CommandLine cl) {
        String name = cl.getCommandSpec().qualifiedName(" ");
        return name.equals("bpf4j") ? "" : name.substring("bpf4j ".length()) + " ";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Bpf4j.class.getPackage().getImplementationVersion();
            return new String[] {"bpf4j " + (v != null ? v : "development build") + " on Java " + Runtime.version()};
        }
    }
}

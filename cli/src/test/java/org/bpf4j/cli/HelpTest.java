package org.bpf4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Help as a user reaches it: every path to a command's help, and unknown commands as errors. */
class HelpTest {

    /** The man page comes from the same definitions as --help: every option of the command is in it, in roff. */
    @Test
    void manPrintsARoffPageOfEveryOption() {
        CliRunner r = CliRunner.run("man", "prog", "run");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(".TH BPF4J\\-PROG\\-RUN 1 ").contains("\n.SH SYNOPSIS\n").contains("\n.SH OPTIONS\n");
        for (String option : new String[] {"\\-\\-ctx\\-out", "\\-\\-maps\\-in", "\\-\\-quiet", "\\-\\-cgroup\\-id"}) {
            assertThat(r.out()).containsPattern("\\\\fB(\\\\-[a-z], )?" + java.util.regex.Pattern.quote(option) + "\\\\fR");
        }
        assertThat(CliRunner.run("man").out()).contains("\n.SH COMMANDS\n").contains("\\fBprog\\fR");
        CliRunner bad = CliRunner.run("man", "prog", "frobnicate");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("bpf4j: man: 'prog frobnicate' is not a command (commands of 'bpf4j prog': show, dump, verify, run, list, load, attach, detach)\n");
    }

    @Test
    void anUnknownCommandIsAnErrorEvenWithHelp() {
        for (String[] args : new String[][] {{"frobnicate", "--help"}, {"frobnicate"}, {"prog", "frobnicate", "--help"}}) {
            CliRunner r = CliRunner.run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.out()).as(String.join(" ", args)).isEmpty();
            assertThat(r.err()).as(String.join(" ", args)).startsWith("bpf4j: ").contains("'" + args[args.length > 2 ? 1 : 0] + "'")
                    .hasLineCount(1);
        }
    }

    @Test
    void helpFollowsTheWholeCommandPath() {
        CliRunner run = CliRunner.run("help", "prog", "run");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: bpf4j prog run ");
        assertThat(run.out()).isEqualTo(CliRunner.run("prog", "run", "--help").out());
        assertThat(CliRunner.run("help", "prog").out()).startsWith("Usage: bpf4j prog [");
        assertThat(CliRunner.run("help").out()).startsWith("Usage: bpf4j [");
        CliRunner unknown = CliRunner.run("help", "prog", "nope");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("bpf4j: Unknown command: 'nope' (see 'bpf4j prog --help')\n");
    }

    /** picocli lists a subcommand by its first description line: each must be a whole sentence. */
    @Test
    void commandListsShowWholeSentences() {
        for (String[] args : new String[][] {{"--help"}, {"prog", "--help"}, {"map", "--help"}, {"link", "--help"}, {"btf", "--help"}}) {
            String out = CliRunner.run(args).out();
            String commands = out.substring(out.indexOf("Commands:"));
            for (String entry : commands.split("\n(?=  \\S)")) {
                if (entry.startsWith("Commands:")) continue;
                assertThat(entry.strip()).as(String.join(" ", args)).endsWith(".");
            }
        }
    }

    @Test
    void completionScriptCoversTheCommands() {
        CliRunner r = CliRunner.run("completion");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("complete -F _complete_bpf4j", "prog verify", "--flags", "--target");
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.bpf4j.conformance.ConformanceRunner.Broken;
import org.bpf4j.conformance.ConformanceRunner.Mismatch;
import org.bpf4j.conformance.ConformanceRunner.Outcome;
import org.bpf4j.conformance.ConformanceRunner;
import org.bpf4j.engine.ExecutionOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs the eBPF ISA conformance suite's {@code .data} files. */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = {"Run bpf_conformance .data files as raw ISA programs and compare r0 with each file's result.",
                "Exit status: 0 when every file passed, 1 when any failed, 2 for unusable arguments."})
final class ConformanceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--engine", defaultValue = "jit", // as prog run
            description = "Engine to run on: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    EngineName engine;

    @Option(names = "--budget", defaultValue = "" + ExecutionOptions.DEFAULT_RAW_BUDGET,
            description = "Instructions a program may execute before it is stopped (default: ${DEFAULT-VALUE}).")
    long budget;

    @Option(names = {"-v", "--verbose"}, description = "Also print a line for every passing file.")
    boolean verbose;

    @Parameters(arity = "1..*", paramLabel = "DIR_OR_FILE", description = "Directories of .data files, or single files.")
    List<Path> paths;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (budget <= 0) throw new UserInputException("--budget must be positive, not " + budget);
        for (Path p : paths) {
            if (!Files.exists(p)) throw new UserInputException(p + ": no such file or directory");
        }
        List<Path> files = ConformanceRunner.collect(paths);
        if (files.isEmpty()) throw new UserInputException("no .data files in " + paths);
        int passed = 0;
        int failed = 0;
        try (ConformanceRunner runner = new ConformanceRunner(ExecutionOptions.raw().withBudget(budget), engine.engine())) {
            for (Path file : files) {
                Outcome outcome = runner.run(file);
                if (outcome.passed()) {
                    passed++;
                    if (verbose) out.println("PASS " + file);
                } else {
                    failed++;
                    out.println(switch (outcome) {
                        case Mismatch m -> "FAIL " + m.file() + ": expected " + m.expected() + ", got " + m.actual();
                        case Broken b -> "FAIL " + b.file() + ": " + b.message();
                        default -> "FAIL " + outcome.file();
                    });
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}

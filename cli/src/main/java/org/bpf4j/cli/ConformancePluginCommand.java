package org.bpf4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.bpf4j.conformance.ConformanceRunner;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The upstream bpf_conformance runner's plugin protocol: memory as hex on the command line, the program
 * as hex on stdin, r0 in hex on stdout; on failure the error on stdout and a non-zero exit.
 */
@Command(name = "conformance-plugin", mixinStandardHelpOptions = true,
        description = "Act as a bpf_conformance plugin: read the program as hex bytes on stdin, print r0 in hex.")
final class ConformancePluginCommand implements Callable<Integer> {

    private final InputStream stdin;

    ConformancePluginCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--engine", defaultValue = "interp", description = "Engine: ${COMPLETION-CANDIDATES}.")
    EngineName engine;

    @Option(names = "--budget", defaultValue = "" + ExecutionOptions.DEFAULT_RAW_BUDGET, description = "Instruction budget.")
    long budget;

    @Parameters(arity = "0..*", paramLabel = "MEMHEX", description = "The memory block as hex bytes (%%02x, whitespace between).")
    List<String> memory = List.of();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        try {
            byte[] mem = Hex.parseBytes(String.join(" ", memory), "memory argument");
            byte[] code = Hex.parseBytes(new String(readAll(stdin), StandardCharsets.US_ASCII), "program on stdin");
            if (code.length == 0) throw new IllegalArgumentException("program on stdin: no instructions");
            long r0;
            try (ConformanceRunner runner = new ConformanceRunner(ExecutionOptions.raw().withBudget(budget), engine.engine())) {
                r0 = runner.execute(Program.fromBytes(code), mem);
            }
            out.println(Long.toHexString(r0));
            out.flush();
            return 0;
        } catch (IllegalArgumentException | InvalidProgramException | ProgramFault e) {
            out.println(e.getMessage());
            out.flush();
            return 1;
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return buf.toByteArray();
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.btf.BtfExt.LineInfo;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.link.LinkedObject;
import org.bpf4j.runtime.RuntimeSupport;
import org.bpf4j.verifier.KernelTarget;
import org.bpf4j.verifier.ObjectVerification;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.VerifierResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bpf4j prog verify}: the kernel verifier's verdict, in bpf4j. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify programs as the Linux 6.18 kernel does, or this machine's kernel (--target running).",
                "A privileged loader unless --unprivileged.",
                "Exit status: 0 when every program is accepted, 1 when any is rejected or unsupported, 2 for unusable input,",
                "70 when the verifier failed on a program (an internal error of bpf4j's)."})
final class ProgVerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ObjectOptions objectOptions = new ObjectOptions();

    @Parameters(index = "0", paramLabel = "OBJ", description = "An eBPF ELF object.")
    Path object;

    @Option(names = "--prog", paramLabel = "NAME", description = "Only this program (default: all).")
    String prog;

    @Option(names = "--log-level", defaultValue = "0", description = "0: verdicts; 1: the explored path; 2: the state after every instruction.")
    int logLevel;

    /** What an accepted verdict under --unprivileged does not cover: said with it, never left silent. */
    static final String UNPRIVILEGED_NOT_MODELLED = "Spectre v1/v4 sanitation (sanitize_ptr_alu's masking and refusals, "
            + "the speculative paths the kernel verifies): the kernel may still refuse it";

    @Option(names = "--unprivileged", description = "Verify as a loader without CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN: socket_filter and "
            + "cgroup_skb programs only, no capability-gated helpers, no pointer leaks, arithmetic or comparisons, no back-edges. "
            + "Spectre v1/v4 sanitation is not modelled: an accepted program says so.")
    boolean unprivileged;

    @Option(names = "--target", paramLabel = "KERNEL", defaultValue = "6.18", description = Targets.DESCRIPTION)
    String target;

    @Option(names = "--flags", paramLabel = "FLAGS", description = "prog_flags of the load: BPF_F_* names joined by '|' "
            + "(e.g. 'BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ') or a number; the flags a section implies are added.")
    String flags;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object.")
    boolean json;

    @Option(names = "--btf", paramLabel = "FILE", description = "BTF to resolve CO-RE relocations against: raw BTF or an eBPF object with .BTF (default: the running kernel's).")
    Path btf;

    /** The helpers programs may call: Linux 6.18's, or the table of a tool that embeds this command. */
    HelperSpecs helpers = HelperSpecs.linux618();

    /** __kconfig and typeless __ksym externs take this machine's values, as the kernel backend loads them. */
    static BpfObject resolveExterns(BpfObject obj) {
        try {
            return org.bpf4j.elf.Externs.resolve(obj, org.bpf4j.elf.KernelConfig::host);
        } catch (IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
            throw new UserInputException(obj.name() + ": " + e.getMessage());
        }
    }

    @Override
    public Integer call() {
        if (logLevel < 0 || logLevel > 2) throw new UserInputException("--log-level must be 0, 1 or 2, not " + logLevel);
        KernelTarget kernel = Targets.of(target);
        BpfObject obj = resolveExterns(objectOptions.open(object, spec.commandLine().getErr()));
        List<ProgramSpec> programs = prog == null ? obj.programs() : List.of(Objects.program(obj, prog));
        VerifierOptions options = VerifierOptions.defaults().withHelpers(helpers).withLogLevel(logLevel).withPrivileged(!unprivileged)
                .withTarget(kernel)
                .withProgFlags(flags == null ? 0 : Objects.progFlags(flags));
        PrintWriter out = spec.commandLine().getOut();
        List<Object> results = new ArrayList<>();
        boolean allAccepted = true, internalError = false;
        // a given --btf is read even when no program needs it: a wrong file is an error, not ignored
        Optional<org.bpf4j.btf.Btf> target = btf != null || programs.stream().anyMatch(p -> !p.coreRelocations().isEmpty())
                ? Objects.targetBtf(btf) : Optional.empty();
        LinkedObject linked = LinkedObject.link(obj, target);
        for (ProgramSpec p : programs) {
            VerifierResult r = ObjectVerification.verify(obj, linked.program(p.name()).orElseThrow(), options);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("section", p.sectionName());
            m.put("type", ProgShowCommand.typeName(p));
            switch (r) {
                case VerifierResult.Accepted a -> {
                    m.put("verdict", "accept");
                    m.put("processed_insns", a.processedInsns());
                    // the kernel would load it; bpf4j's runtime cannot run these instructions (prog run refuses it)
                    List<String> gaps = RuntimeSupport.gaps(p, helpers);
                    if (!gaps.isEmpty()) m.put("runtime_cannot_run", gaps);
                    if (unprivileged) m.put("not_modelled", UNPRIVILEGED_NOT_MODELLED);
                    if (logLevel > 0) m.put("log", a.log());
                    if (!json) {
                        printLog(out, a.log());
                        out.printf("%s: accept (processed %d insns)%n", p.name(), a.processedInsns());
                        for (String gap : gaps) out.printf("  bpf4j's runtime cannot run it: %s%n", gap);
                        if (unprivileged) out.printf("  not modelled for an unprivileged loader: %s%n", UNPRIVILEGED_NOT_MODELLED);
                    }
                }
                case VerifierResult.Rejected j -> {
                    allAccepted = false;
                    m.put("verdict", "reject");
                    // the kernel's last line, as a log's tail shows it; every closing line in "error"
                    m.put("message", j.lastMessage());
                    m.put("error", j.details());
                    m.put("insn", j.insn());
                    Optional<LineInfo> line = p.lineOf(j.insn());
                    line.ifPresent(l -> m.put("source", l.fileName() + ":" + l.lineNumber()));
                    line.ifPresent(l -> m.put("source_text", sourceText(l)));
                    Optional<String> hint = j.details().stream().map(ProgVerifyCommand::hint).flatMap(Optional::stream).findFirst();
                    hint.ifPresent(h -> m.put("hint", h));
                    m.put("processed_insns", j.processedInsns());
                    if (logLevel > 0) m.put("log", j.log());
                    if (!json) {
                        printLog(out, j.log());
                        String first = j.details().isEmpty() ? j.message() : j.details().getFirst();
                        // a refusal before the verifier (the target kernel lacks a map or program type) has no insn
                        if (j.insn() < 0) out.printf("%s: reject: %s%n", p.name(), first);
                        else out.printf("%s: reject at insn %d: %s%n", p.name(), j.insn(), first);
                        for (String more : j.details().stream().skip(1).toList()) out.println("  " + more);
                        line.ifPresent(l -> out.printf("  at %s:%d: %s%n", l.fileName(), l.lineNumber(), sourceText(l)));
                        hint.ifPresent(h -> out.println("  hint: " + h));
                    }
                }
                case VerifierResult.Unsupported u -> {
                    allAccepted = false;
                    m.put("verdict", "unsupported");
                    m.put("message", u.reason());
                    if (!json) out.printf("%s: unsupported: %s%n", p.name(), u.reason());
                }
                case VerifierResult.InternalError e -> {
                    internalError = true;
                    m.put("verdict", "internal error");
                    m.put("message", e.message());
                    m.put("insn", e.insn());
                    if (logLevel > 0) m.put("log", e.log());
                    if (!json) {
                        printLog(out, e.log());
                        out.printf("%s: internal error: %s%n", p.name(), e.message());
                    }
                }
            }
            results.add(m);
        }
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("programs", results);
            root.put("warnings", obj.warnings());
            out.println(Json.write(root));
        }
        out.flush();
        return internalError ? Bpf4j.EXIT_INTERNAL : allAccepted ? 0 : 1;
    }

    private void printLog(PrintWriter out, String log) {
        if (logLevel > 0 && log != null && !log.isEmpty()) out.print(log.endsWith("\n") ? log : log + "\n");
    }

    /** The line from the source file when it is at hand, else the text BTF recorded. */
    private static String sourceText(LineInfo l) {
        try {
            Path file = Path.of(l.fileName());
            if (Files.isRegularFile(file)) {
                List<String> lines = Files.readAllLines(file);
                if (l.lineNumber() >= 1 && l.lineNumber() <= lines.size()) return lines.get(l.lineNumber() - 1).strip();
            }
        } catch (java.io.IOException | java.nio.file.InvalidPathException | java.io.UncheckedIOException e) {
            // fall back to BTF's copy of the line
        }
        return l.line().strip();
    }

    /** A short hint for the common failures. */
    static Optional<String> hint(String message) {
        if (message.contains("map_value_or_null")) {
            return Optional.of("the value from bpf_map_lookup_elem may be NULL: check it (if (!value) return ...) before using it");
        }
        if (message.startsWith("invalid access to packet")) {
            return Optional.of("compare data + offset + size against data_end before reading the packet");
        }
        if (message.startsWith("invalid access to map value")) {
            return Optional.of("bound the index or offset into the map value (e.g. if (i >= N) return) before the access");
        }
        if (message.startsWith("Unreleased reference")) {
            return Optional.of("every bpf_ringbuf_reserve needs a bpf_ringbuf_submit or bpf_ringbuf_discard on every path");
        }
        if (message.contains("is too large") || message.contains("too many states")) {
            return Optional.of("the verifier explores too many paths: simplify loops, bound them with constants, or split the program");
        }
        if (message.endsWith("!read_ok")) {
            return Optional.of("a register is read before anything was written to it on this path");
        }
        return Optional.empty();
    }
}

package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelObjects.ProgInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog list [id ID | pinned PATH | name NAME]}: the kernel's programs, as {@code bpftool prog show}. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the programs loaded in the kernel (all, or one by 'id ID', 'pinned PATH', 'name NAME'), as bpftool prog show.")
final class ProgListCommand implements Callable<Integer> {
    /** The words that make {@code prog show} mean a kernel program rather than an object file. */
    static final Set<String> KEYWORDS = Set.of("id", "pinned", "name");

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "PROG", description = "id ID | pinned PATH | name NAME")
    List<String> words = List.of();

    @Option(names = {"-j", "--json"}, description = "Print JSON, with bpftool's field names.")
    boolean json;

    @Override
    public Integer call() {
        return show(words, json, spec.commandLine().getOut(), "prog list");
    }

    static int show(List<String> words, boolean json, PrintWriter out, String command) {
        List<ProgInfo> progs;
        if (words.isEmpty()) {
            progs = KernelRefs.kernel(KernelObjects::programs);
        } else {
            KernelRefs r = new KernelRefs(words, command);
            KernelRefs.Ref ref = r.ref(KernelObjects.Kind.PROGRAM);
            r.end();
            progs = switch (ref) {
                // a name may be shared: bpftool prints every program that has it
                case KernelRefs.Ref.Name n -> {
                    List<ProgInfo> named = KernelRefs.kernel(() -> KernelObjects.programsNamed(n.name()));
                    if (named.isEmpty()) throw new UserInputException("no program named '" + n.name() + "' in the kernel");
                    yield named;
                }
                default -> {
                    int id = KernelRefs.resolve(ref, KernelObjects.Kind.PROGRAM);
                    yield List.of(KernelRefs.kernel(() -> KernelObjects.program(id)));
                }
            };
        }
        if (json) {
            Object body = words.isEmpty() || progs.size() > 1 ? progs.stream().map(KernelViews::json).toList() : KernelViews.json(progs.getFirst());
            out.println(Json.write(body));
        } else {
            for (ProgInfo p : progs) KernelViews.text(p, out);
        }
        out.flush();
        return 0;
    }
}

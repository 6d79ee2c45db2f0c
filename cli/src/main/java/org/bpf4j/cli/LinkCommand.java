package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelObjects.LinkInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j link list|show|detach}: the kernel's BPF links, as {@code bpftool link}. */
@Command(name = "link", mixinStandardHelpOptions = true, description = "List and detach the kernel's BPF links (bpftool link).",
        subcommands = {LinkCommand.ListLinks.class, LinkCommand.Show.class, LinkCommand.Detach.class})
final class LinkCommand {
    private LinkCommand() {}

    static final String LINK = "id ID | pinned PATH";

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the kernel's links (all, or one: " + LINK + ").")
    static class ListLinks implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..*", paramLabel = "LINK", description = LINK)
        List<String> words = List.of();

        @Option(names = {"-j", "--json"}, description = "Print JSON, with bpftool's field names.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<LinkInfo> links;
            if (words.isEmpty()) {
                links = KernelRefs.kernel(KernelObjects::links);
            } else {
                KernelRefs r = new KernelRefs(words, "link " + spec.name());
                int id = KernelRefs.resolve(r.ref(KernelObjects.Kind.LINK), KernelObjects.Kind.LINK);
                r.end();
                links = List.of(KernelRefs.kernel(() -> KernelObjects.link(id)));
            }
            if (json) out.println(Json.write(words.isEmpty() ? links.stream().map(KernelViews::json).toList() : KernelViews.json(links.getFirst())));
            else for (LinkInfo l : links) KernelViews.text(l, out);
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "As 'link list'.")
    static final class Show extends ListLinks {
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Detach a link from its hook (BPF_LINK_DETACH): " + LINK + ". A pin of it stays, defunct, until removed.")
    static final class Detach implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "LINK", description = LINK)
        List<String> words;

        @Option(names = {"-j", "--json"}, description = "Print the detached link's id as JSON.")
        boolean json;

        @Override
        public Integer call() {
            KernelRefs r = new KernelRefs(words, "link detach");
            KernelRefs.Ref ref = r.ref(KernelObjects.Kind.LINK);
            r.end();
            int id = KernelRefs.resolve(ref, KernelObjects.Kind.LINK);
            KernelRefs.kernelRun(() -> KernelObjects.detachLink(id));
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(Json.write(Map.of("detached", id)));
            out.flush();
            return 0;
        }
    }
}

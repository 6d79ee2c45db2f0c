package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelObjects.LinkInfo;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.Link;
import org.bpf4j.progtype.AttachType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j prog attach PROG HOOK dev IF pin PATH} and {@code prog detach PROG HOOK dev IF}: a loaded program
 * attached to an interface through a BPF link, which the pin keeps after bpf4j exits.
 */
final class ProgAttachCommand {
    private ProgAttachCommand() {}

    /**
     * The hooks these verbs take, bpftool's names: {@code xdp} (the driver's mode where it has XDP support, else
     * generic), {@code xdpgeneric}, {@code xdpdrv} (native), and tcx ingress and egress.
     */
    static final String HOOK_LIST = "xdp, xdpgeneric, xdpdrv, tcx_ingress, tcx_egress"; // a constant: help texts quote it

    static final List<String> HOOKS = List.of(HOOK_LIST.split(", "));

    record Target(KernelRefs.Ref prog, String hook, String device) {}

    static Target parse(List<String> words, String command) {
        KernelRefs r = new KernelRefs(words, command);
        KernelRefs.Ref prog = r.ref(KernelObjects.Kind.PROGRAM);
        String hook = r.next("a hook (" + HOOK_LIST + ")");
        if (!HOOKS.contains(hook)) throw new UserInputException(command + ": unknown hook '" + hook + "' (hooks: " + HOOK_LIST + ")");
        String dev = r.next("'dev IF'");
        if (!dev.equals("dev")) throw new UserInputException(command + ": expected 'dev IF' after " + hook + ", not '" + dev + "'");
        String device = r.next("an interface name");
        if (KernelObjects.interfaceIndex(device).isEmpty()) {
            throw new UserInputException(command + ": no interface '" + device + "' in this network namespace (interfaces: "
                    + String.join(", ", KernelObjects.interfaceNames()) + ")");
        }
        return new Target(prog, hook, device);
    }

    @Command(name = "attach", mixinStandardHelpOptions = true,
            description = {"Attach a loaded program to an interface through a BPF link pinned at PATH. Hooks: " + HOOK_LIST + ".",
                    "The pin keeps the program attached after bpf4j exits; 'link detach pinned PATH', or removing the pin, detaches it."})
    static final class Attach implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "PROG HOOK dev IF pin PATH",
                description = "PROG: id ID | pinned PATH | name NAME; HOOK: " + HOOK_LIST)
        List<String> words;

        @Option(names = {"-j", "--json"}, description = "Print the link as JSON (bpftool link show's fields).")
        boolean json;

        @Override
        public Integer call() {
            List<String> w = new ArrayList<>(words);
            int p = w.indexOf("pin");
            if (p < 0 || p != w.size() - 2) {
                throw new UserInputException("prog attach: give 'pin PATH' last: a link bpf4j makes ends with bpf4j unless it is pinned");
            }
            Path pin = Path.of(w.get(p + 1));
            Target t = parse(w.subList(0, p), "prog attach");
            if (Files.exists(pin)) throw new UserInputException("prog attach: " + pin + " exists already");
            KernelRefs.requireBpffs(pin);
            int id = KernelRefs.resolve(t.prog(), KernelObjects.Kind.PROGRAM);
            LinkInfo info = KernelRefs.kernel(() -> {
                try (KernelProgram program = KernelProgram.open(id); Link link = attach(program, t)) {
                    link.pin(pin);
                    return KernelObjects.pinnedLink(pin);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    if (e instanceof KernelObjects.NotFoundException) throw e;
                    throw new UserInputException("prog attach: " + e.getMessage());
                }
            });
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(Json.write(KernelViews.json(info)));
            else KernelViews.text(info, out);
            out.flush();
            return 0;
        }

        private static Link attach(KernelProgram program, Target t) {
            return switch (t.hook()) {
                case "xdp" -> program.attachXdp(t.device(), Link.XdpMode.DEFAULT);
                case "xdpgeneric" -> program.attachXdp(t.device(), Link.XdpMode.GENERIC);
                case "xdpdrv" -> program.attachXdp(t.device(), Link.XdpMode.NATIVE);
                case "tcx_ingress" -> program.attachTcx(t.device(), AttachType.TCX_INGRESS);
                case "tcx_egress" -> program.attachTcx(t.device(), AttachType.TCX_EGRESS);
                default -> throw new IllegalStateException("hook " + t.hook());
            };
        }
    }

    @Command(name = "detach", mixinStandardHelpOptions = true,
            description = "Detach a program from an interface's hook: every BPF link that attaches it there (BPF_LINK_DETACH). Hooks: "
                    + HOOK_LIST + ".")
    static final class Detach implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "PROG HOOK dev IF", description = "PROG: id ID | pinned PATH | name NAME; HOOK: " + HOOK_LIST)
        List<String> words;

        @Option(names = {"-j", "--json"}, description = "Print the detached links' ids as JSON.")
        boolean json;

        @Override
        public Integer call() {
            Target t = parse(words, "prog detach");
            int id = KernelRefs.resolve(t.prog(), KernelObjects.Kind.PROGRAM);
            int ifindex = KernelObjects.interfaceIndex(t.device()).orElseThrow();
            boolean xdp = t.hook().startsWith("xdp");
            List<Integer> detached = new ArrayList<>();
            for (LinkInfo l : KernelRefs.kernel(KernelObjects::links)) {
                if (l.progId() != id) continue;
                boolean match = switch (l.target()) {
                    case KernelObjects.Target.Xdp x -> xdp && x.ifindex() == ifindex;
                    case KernelObjects.Target.Interface i -> !xdp && i.ifindex() == ifindex
                            && i.attachType().map(a -> a.name().equalsIgnoreCase(t.hook())).orElse(false);
                    default -> false;
                };
                if (!match) continue;
                KernelRefs.kernelRun(() -> KernelObjects.detachLink(l.id()));
                detached.add(l.id());
            }
            if (detached.isEmpty()) {
                throw new UserInputException("prog detach: program " + id + " has no " + (xdp ? "xdp" : t.hook()) + " link on " + t.device());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(Json.write(Map.of("detached_link_ids", detached)));
            else for (int l : detached) out.printf("detached link %d (its pins, if any, stay until removed)%n", l);
            out.flush();
            return 0;
        }
    }
}

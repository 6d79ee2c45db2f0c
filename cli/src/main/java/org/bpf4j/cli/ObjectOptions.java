package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.OpenOptions;
import picocli.CommandLine.Option;

/**
 * {@code --type} and {@code --attach-type}, shared by the prog commands: what {@code bpftool prog load
 * OBJ PATH type TYPE} decides for objects whose section names do not (iproute2's tc objects).
 */
final class ObjectOptions {

    @Option(names = "--type", paramLabel = "TYPE",
            description = "Program type of every program, as bpftool prog load's 'type': a libbpf section name (xdp, tc, classifier, "
                    + "action, kprobe, tracepoint, socket, cgroup/skb, cgroup_skb/ingress, ...) or a kernel type name (sched_cls, "
                    + "cgroup_skb, ...). Default: from section names.")
    String type;

    @Option(names = "--attach-type", paramLabel = "ATTACH",
            description = "Expected attach type of every program, libbpf's name (cgroup_inet_ingress, xdp, tcx_ingress, ...). "
                    + "Default: the one the type or section name implies.")
    String attachType;

    /** The options these flags give; a bad name is the user's to fix. */
    OpenOptions openOptions() {
        OpenOptions o = OpenOptions.defaults();
        try {
            if (type != null) o = o.withType(type);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--type: " + e.getMessage());
        }
        try {
            if (attachType != null) o = o.withAttachType(attachType);
        } catch (IllegalArgumentException e) {
            throw new UserInputException("--attach-type: " + e.getMessage());
        }
        return o;
    }

    /** Opens the object with these options; its warnings go to {@code err}, one line each. */
    BpfObject open(Path path, PrintWriter err) {
        BpfObject obj = Objects.open(path, openOptions());
        printWarnings(obj.warnings(), err);
        return obj;
    }

    static void printWarnings(List<String> warnings, PrintWriter err) {
        for (String w : warnings) err.println("bpf4j: warning: " + w);
        err.flush();
    }
}

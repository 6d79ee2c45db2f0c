package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.helpers.KernelHelper;
import org.bpf4j.linux.RunningKernel;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.verifier.KernelOffer;
import org.bpf4j.verifier.KernelTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bpf4j feature}: what the running kernel offers, asked of the kernel itself as {@code bpftool feature
 * probe} asks it — the program types it loads, the map types it creates, the helpers each program type may
 * call (the same probe {@code --target running} verifies against).
 */
@Command(name = "feature", mixinStandardHelpOptions = true,
        description = "Probe the running kernel: program types it loads, map types it creates, helpers per program type (as bpftool feature probe).")
final class FeatureCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-j", "--json"}, description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        KernelTarget target;
        try {
            target = RunningKernel.target();
        } catch (IllegalStateException e) {
            throw new UserInputException(e.getMessage());
        }
        KernelOffer offer = ((KernelTarget.Probed) target).offer();
        Map<String, Object> programTypes = new LinkedHashMap<>(), mapTypes = new LinkedHashMap<>(), helpers = new LinkedHashMap<>();
        for (ProgramType type : ProgramType.values()) {
            if (type == ProgramType.UNSPEC) continue;
            if (NEEDS_BTF_TARGET.contains(type)) {
                programTypes.put(name(type.name()), "not probed: it loads only against the BTF id of an attach target");
                continue;
            }
            AttachType attach = probeAttachType(type);
            boolean loads = offer.loads(type, attach);
            programTypes.put(name(type.name()), loads);
            if (!loads) continue;
            List<Object> offered = new ArrayList<>();
            for (KernelHelper h : KernelHelper.values()) {
                if (offer.helper(type, attach, h.id()) == KernelOffer.HelperOffer.OFFERED) offered.add(h.kernelName());
            }
            helpers.put(name(type.name()), offered);
        }
        for (MapType type : MapType.values()) {
            if (type == MapType.UNSPEC) continue;
            mapTypes.put(name(type.name()), offer.creates(type));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("program_types", programTypes);
            root.put("map_types", mapTypes);
            root.put("helpers", helpers);
            out.println(Json.write(root));
            return 0;
        }
        programTypes.forEach((t, ok) -> {
            if (ok instanceof String why) out.printf("eBPF program_type %s is %s%n", t, why);
            else out.printf("eBPF program_type %s is %savailable%n", t, (Boolean) ok ? "" : "NOT ");
        });
        mapTypes.forEach((t, ok) -> out.printf("eBPF map_type %s is %savailable%n", t, (Boolean) ok ? "" : "NOT "));
        helpers.forEach((t, list) -> {
            out.printf("eBPF helpers supported for program type %s:%n", t);
            for (Object h : (List<?>) list) out.println("\t- " + h);
        });
        return 0;
    }

    /** Types the kernel loads only with {@code attach_btf_id} (a function, an LSM hook, a struct_ops member). */
    private static final java.util.Set<ProgramType> NEEDS_BTF_TARGET =
            java.util.EnumSet.of(ProgramType.TRACING, ProgramType.STRUCT_OPS, ProgramType.EXT, ProgramType.LSM);

    /** The expected attach type a probe loads {@code type} with, as libbpf's probes do where 0 is refused. */
    private static AttachType probeAttachType(ProgramType type) {
        return switch (type) {
            case CGROUP_SOCK_ADDR -> AttachType.CGROUP_INET4_CONNECT;
            case CGROUP_SOCKOPT -> AttachType.CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> AttachType.SK_LOOKUP;
            case NETFILTER -> AttachType.NETFILTER;
            default -> AttachType.CGROUP_INET_INGRESS;
        };
    }

    private static String name(String constant) {
        return constant.toLowerCase(Locale.ROOT);
    }
}

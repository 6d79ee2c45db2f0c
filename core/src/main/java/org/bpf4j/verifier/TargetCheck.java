package org.bpf4j.verifier;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * What a {@link KernelTarget.Probed} kernel refuses before its verifier runs: a map type it lacks fails
 * {@code BPF_MAP_CREATE} (map_create's find_and_alloc_map: EINVAL), and libbpf creates an object's maps
 * before it loads the program; a program type or expected_attach_type it lacks fails {@code BPF_PROG_LOAD}
 * (find_prog_type, bpf_prog_load_check_attach: EINVAL, no log); an unprivileged loader may load two program
 * types only (bpf_prog_load: EPERM). Helpers it lacks are
 * {@link HelperAvailability}'s.
 */
final class TargetCheck {
    private TargetCheck() {}

    static Optional<VerifierResult.Rejected> refusal(ProgramType type, List<MapInfo> maps, VerifierOptions opts) {
        // bpf_prog_load: without CAP_BPF only these two types load, before any verifier (EPERM, no log)
        if (!opts.privileged() && type != ProgramType.SOCKET_FILTER && type != ProgramType.CGROUP_SKB) {
            return Optional.of(refused("BPF_PROG_LOAD: EPERM: an unprivileged loader (without CAP_BPF) may load socket_filter and "
                    + "cgroup_skb programs only, not " + type.name().toLowerCase(Locale.ROOT)));
        }
        if (!(opts.target() instanceof KernelTarget.Probed p)) return Optional.empty();
        String kernel = "the target kernel (" + p.name() + ")";
        for (MapInfo m : maps) {
            if (!p.offer().creates(m.type())) {
                return Optional.of(refused("map '" + m.name() + "': BPF_MAP_CREATE: EINVAL: " + kernel + " has no "
                        + m.type().kernelName()));
            }
        }
        AttachType attach = opts.expectedAttachType();
        if (!p.offer().loads(type, attach)) {
            return Optional.of(refused("BPF_PROG_LOAD: EINVAL: " + kernel + " has no program type "
                    + type.name().toLowerCase(Locale.ROOT) + (attach.id() == 0 ? "" : " with expected_attach_type " + attach.id())));
        }
        return Optional.empty();
    }

    private static VerifierResult.Rejected refused(String message) {
        return new VerifierResult.Rejected(message, List.of(message), -1, 0, "");
    }
}

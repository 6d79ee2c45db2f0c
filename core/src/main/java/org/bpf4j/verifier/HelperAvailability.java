package org.bpf4j.verifier;

import java.util.Optional;
import org.bpf4j.helpers.Caller;
import org.bpf4j.helpers.HelperFlag;
import org.bpf4j.helpers.HelperSpec;
import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * What the kernel does with a call of a helper from a program type before it looks at the arguments, as the
 * helper's {@link HelperSpec} says: the type's {@code get_func_proto} (with the {@code bpf_base_func_proto}
 * fallbacks and the CAP_BPF/CAP_PERFMON gates of a privileged loader) offers it or not, the prototype is
 * gpl_only, might sleep, or its {@code allowed} callback refuses the caller.
 */
final class HelperAvailability {
    private HelperAvailability() {}

    /**
     * What the kernel does with a call of a helper from a program type, before it looks at the arguments;
     * {@code INVALID}: the target kernel does not know the id at all.
     */
    enum Verdict { UNAVAILABLE, AVAILABLE, MIGHT_SLEEP, NOT_ALLOWED, INVALID }

    /**
     * The verdict on {@code target}: the specs' answer, with what a {@link KernelTarget.Probed} kernel does
     * not offer taken away (a helper its configuration compiled out). What it offers beyond the specs stays
     * unavailable: bpf4j has no prototype for it.
     */
    static Verdict verdict(HelperSpecs helpers, int id, ProgramType type, AttachType attachType, KernelTarget target) {
        Verdict v = verdict(helpers, id, type, attachType);
        if (v == Verdict.UNAVAILABLE || !(target instanceof KernelTarget.Probed p)) return v;
        return switch (p.offer().helper(type, attachType, id)) {
            case OFFERED -> v;
            case NOT_FOR_TYPE -> Verdict.UNAVAILABLE;
            case UNKNOWN_ID -> Verdict.INVALID;
        };
    }

    static Verdict verdict(HelperSpecs helpers, int id, ProgramType type, AttachType attachType) {
        Optional<Caller> caller = caller(type, attachType);
        Optional<HelperSpec> spec = helpers.spec(id);
        if (caller.isEmpty() || spec.isEmpty() || !spec.get().callers().contains(caller.get())) return Verdict.UNAVAILABLE;
        if (spec.get().notAllowedFor().contains(caller.get())) return Verdict.NOT_ALLOWED;
        return spec.get().has(HelperFlag.MIGHT_SLEEP) ? Verdict.MIGHT_SLEEP : Verdict.AVAILABLE;
    }

    static boolean gplOnly(HelperSpecs helpers, int id, ProgramType type, AttachType attachType) {
        Optional<Caller> caller = caller(type, attachType);
        return caller.isPresent() && helpers.spec(id).map(s -> s.gplOnlyFor(caller.get())).orElse(false);
    }

    private static Optional<Caller> caller(ProgramType type, AttachType attachType) {
        return Caller.of(type, Optional.of(attachType));
    }
}

package org.bpf4j.elf;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * What opening an object cannot learn from the file: the program type and expected attach type of
 * every program, as {@code bpftool prog load OBJ PATH type TYPE} sets them. Sections libbpf does not
 * name ({@code from-netdev}, {@code 2/7} tail calls in iproute2's tc objects) need it. Start from
 * {@link #defaults()}: types from section names.
 *
 * @param programType the type of every program, instead of what its section name implies
 * @param attachType the expected attach type of every program; when {@code programType} is given and
 *        this is empty, programs load without one (as bpftool does)
 */
public record OpenOptions(Optional<ProgramType> programType, Optional<AttachType> attachType) {

    public OpenOptions {
        Objects.requireNonNull(programType);
        Objects.requireNonNull(attachType);
        if (programType.filter(t -> t == ProgramType.UNSPEC).isPresent()) throw new IllegalArgumentException("program type unspec cannot be loaded");
    }

    /** Types and attach types from section names, libbpf's rules. */
    public static OpenOptions defaults() {
        return new OpenOptions(Optional.empty(), Optional.empty());
    }

    /** Every program of the object gets {@code type}. */
    public OpenOptions withProgramType(ProgramType type) {
        return new OpenOptions(Optional.of(type), attachType);
    }

    /** Every program of the object gets {@code attach} as expected attach type. */
    public OpenOptions withAttachType(AttachType attach) {
        return new OpenOptions(programType, Optional.of(attach));
    }

    /**
     * The type named as bpftool's {@code type} argument takes it: a libbpf section name ({@code xdp},
     * {@code tc}, {@code classifier}, {@code kprobe}, {@code cgroup_skb/ingress}, ...), with the attach
     * type that name implies, or a kernel type name ({@code sched_cls}, {@code cgroup_skb}).
     *
     * @throws IllegalArgumentException naming the valid spellings when {@code name} is none of them
     */
    public OpenOptions withType(String name) {
        SectionNames.Match m = SectionNames.byTypeName(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown program type '" + name + "' (valid: " + String.join(", ", SectionNames.typeNames()) + ")"));
        return new OpenOptions(Optional.of(m.type()), m.attachType());
    }

    /**
     * The attach type with this name: libbpf's spelling, the kernel's {@code BPF_*} name in lower case
     * without the prefix ({@code cgroup_inet_ingress}, {@code xdp}, {@code tcx_ingress}).
     *
     * @throws IllegalArgumentException naming the valid spellings when {@code name} is none of them
     */
    public OpenOptions withAttachType(String name) {
        for (AttachType a : AttachType.values()) {
            if (attachTypeName(a).equals(name)) return withAttachType(a);
        }
        throw new IllegalArgumentException("unknown attach type '" + name + "' (valid: "
                + String.join(", ", List.of(AttachType.values()).stream().map(OpenOptions::attachTypeName).toList()) + ")");
    }

    /** libbpf's name of an attach type ({@code libbpf_bpf_attach_type_str}). */
    public static String attachTypeName(AttachType a) {
        return a.name().toLowerCase(Locale.ROOT);
    }

    /** The spellings {@link #withType(String)} accepts, libbpf's section names first. */
    public static List<String> typeNames() {
        return SectionNames.typeNames();
    }
}

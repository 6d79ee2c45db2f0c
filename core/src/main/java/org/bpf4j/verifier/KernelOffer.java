package org.bpf4j.verifier;

import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * What a kernel offers: the program types (with an {@code expected_attach_type}) it loads, the map types it
 * creates and the helpers each program type may call. Kernels of the same release differ by configuration
 * (a helper compiled out with its {@code CONFIG_}, a map type without its subsystem); {@link KernelProbe}
 * answers for a kernel by asking it, a test answers from a table.
 */
public interface KernelOffer {

    /**
     * Whether the kernel knows {@code type} and accepts {@code expectedAttachType} for it (a program loaded
     * without one has 0, {@link AttachType#CGROUP_INET_INGRESS}).
     */
    boolean loads(ProgramType type, AttachType expectedAttachType);

    /** Whether the kernel creates maps of {@code type}. */
    boolean creates(MapType type);

    /** What the kernel's {@code check_helper_call} says of helper {@code id} for this type and attach type. */
    HelperOffer helper(ProgramType type, AttachType expectedAttachType, int id);

    /** A helper as {@code check_helper_call} sees it before the arguments. */
    enum HelperOffer {
        /** {@code get_func_proto} returns a prototype: later gates (GPL, sleepable) may still refuse the call. */
        OFFERED,
        /** {@code get_func_proto} returns none: "program of this type cannot use helper". */
        NOT_FOR_TYPE,
        /** The id is past the kernel's {@code __BPF_FUNC_MAX_ID}: "invalid func". */
        UNKNOWN_ID
    }
}

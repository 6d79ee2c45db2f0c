package org.bpf4j.verifier;

/**
 * How to verify.
 *
 * @param logLevel 0 (no log), 1 (the explored path and the error), 2 (state after every instruction)
 * @param privileged as a loader with CAP_BPF/CAP_PERFMON (the default); unprivileged is not modelled
 *     beyond the checks it adds to the control-flow pass (back-edges)
 * @param gplCompatible whether the program's license is GPL-compatible (gpl_only helpers need it)
 * @param insnLimit the processed-instruction limit (the kernel's is 1,000,000)
 * @param expectedAttachType the {@code expected_attach_type} the program is loaded with (the kernel's
 *     {@code enum bpf_attach_type} value; 0 when none is given, as the kernel sees it): some program types'
 *     context rules, helpers and return values depend on it
 * @param target the kernel to answer for: Linux 6.18 with everything built in (the default), or a kernel
 *     whose {@link KernelOffer} was probed
 */
public record VerifierOptions(int logLevel, boolean privileged, boolean gplCompatible, int insnLimit,
                              int expectedAttachType, KernelTarget target) {

    public VerifierOptions {
        java.util.Objects.requireNonNull(target, "target");
    }

    public static final int KERNEL_INSN_LIMIT = 1_000_000;

    public static VerifierOptions defaults() {
        return new VerifierOptions(0, true, true, KERNEL_INSN_LIMIT, 0, KernelTarget.LINUX_6_18);
    }

    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(level, privileged, gplCompatible, insnLimit, expectedAttachType, target);
    }

    public VerifierOptions withGpl(boolean gpl) {
        return new VerifierOptions(logLevel, privileged, gpl, insnLimit, expectedAttachType, target);
    }

    public VerifierOptions withPrivileged(boolean priv) {
        return new VerifierOptions(logLevel, priv, gplCompatible, insnLimit, expectedAttachType, target);
    }

    public VerifierOptions withExpectedAttachType(int attachType) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, attachType, target);
    }

    public VerifierOptions withTarget(KernelTarget target) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, expectedAttachType, target);
    }
}

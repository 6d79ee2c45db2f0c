package org.bpf4j.verifier;

import org.bpf4j.helpers.HelperSpecs;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgFlag;

/**
 * How to verify.
 *
 * @param logLevel 0 (no log), 1 (the explored path and the error), 2 (state after every instruction)
 * @param privileged as a loader with CAP_BPF/CAP_PERFMON (the default). Unprivileged models the program types such a
 *     loader may load, the helpers it may call, pointer leaks (into maps, helpers, the return value, through the
 *     stack), pointer arithmetic and comparisons, back-edges and uninitialized stack reads; not the Spectre v1/v4
 *     sanitation (sanitize_ptr_alu's masking and its refusals, the speculative paths it verifies)
 *     beyond the checks it adds to the control-flow pass (back-edges)
 * @param gplCompatible whether the program's license is GPL-compatible (gpl_only helpers need it)
 * @param insnLimit the processed-instruction limit (the kernel's is 1,000,000)
 * @param expectedAttachType the {@code expected_attach_type} the program is loaded with: some program types'
 *     context rules, helpers and return values depend on it. The kernel's field is a number whose 0 is
 *     {@link AttachType#CGROUP_INET_INGRESS}, so a program loaded without one has that (the default)
 * @param progFlags the {@code prog_flags} of the load, as the kernel's bits ({@link ProgFlag})
 * @param target the kernel to answer for: Linux 6.18 with everything built in (the default), or a kernel
 *     whose {@link KernelOffer} was probed
 * @param helpers the helpers programs may call, with their prototypes and callers (Linux 6.18's by default)
 */
public record VerifierOptions(int logLevel, boolean privileged, boolean gplCompatible, int insnLimit,
                              AttachType expectedAttachType, int progFlags, KernelTarget target,
                              HelperSpecs helpers) {

    public static final int KERNEL_INSN_LIMIT = 1_000_000;

    public VerifierOptions {
        java.util.Objects.requireNonNull(expectedAttachType, "expectedAttachType");
        java.util.Objects.requireNonNull(target, "target");
        java.util.Objects.requireNonNull(helpers, "helpers");
    }

    public static VerifierOptions defaults() {
        return new VerifierOptions(0, true, true, KERNEL_INSN_LIMIT, AttachType.CGROUP_INET_INGRESS, 0, KernelTarget.LINUX_6_18, HelperSpecs.linux618());
    }

    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(level, privileged, gplCompatible, insnLimit, expectedAttachType, progFlags, target, helpers);
    }

    public VerifierOptions withGpl(boolean gpl) {
        return new VerifierOptions(logLevel, privileged, gpl, insnLimit, expectedAttachType, progFlags, target, helpers);
    }

    public VerifierOptions withPrivileged(boolean priv) {
        return new VerifierOptions(logLevel, priv, gplCompatible, insnLimit, expectedAttachType, progFlags, target, helpers);
    }

    public VerifierOptions withExpectedAttachType(AttachType attachType) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, attachType, progFlags, target, helpers);
    }

    public VerifierOptions withProgFlags(int flags) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, expectedAttachType, flags, target, helpers);
    }

    public VerifierOptions withTarget(KernelTarget kernel) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, expectedAttachType, progFlags, kernel, helpers);
    }

    /** Verify against these helper specs (e.g. Linux 6.18's with a helper of an embedding added). */
    public VerifierOptions withHelpers(HelperSpecs specs) {
        return new VerifierOptions(logLevel, privileged, gplCompatible, insnLimit, expectedAttachType, progFlags, target, specs);
    }

    /**
     * env->strict_alignment: BPF_F_STRICT_ALIGNMENT unless BPF_F_ANY_ALIGNMENT. x86 has efficient unaligned
     * access, so without the flag alignment is not strict and BPF_F_ANY_ALIGNMENT changes nothing.
     */
    public boolean strictAlignment() {
        return ProgFlag.BPF_F_STRICT_ALIGNMENT.in(progFlags) && !ProgFlag.BPF_F_ANY_ALIGNMENT.in(progFlags);
    }

    /** env->test_state_freq: a checkpoint at every prune point; the kernel honours it for privileged loads only. */
    public boolean testStateFreq() {
        return privileged && ProgFlag.BPF_F_TEST_STATE_FREQ.in(progFlags);
    }

    /** prog->sleepable. */
    public boolean sleepable() {
        return ProgFlag.BPF_F_SLEEPABLE.in(progFlags);
    }
}

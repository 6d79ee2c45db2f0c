package org.bpf4j.verifier;

/**
 * How to verify.
 *
 * @param logLevel 0 (no log), 1 (the explored path and the error), 2 (state after every instruction)
 * @param privileged as a loader with CAP_BPF/CAP_PERFMON (the default); unprivileged is not modelled
 *     beyond the checks it adds to the control-flow pass (back-edges)
 * @param gplCompatible whether the program's license is GPL-compatible (gpl_only helpers need it)
 * @param insnLimit the processed-instruction limit (the kernel's is 1,000,000)
 */
public record VerifierOptions(int logLevel, boolean privileged, boolean gplCompatible, int insnLimit) {

    public static final int KERNEL_INSN_LIMIT = 1_000_000;

    public static VerifierOptions defaults() {
        return new VerifierOptions(0, true, true, KERNEL_INSN_LIMIT);
    }

    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(level, privileged, gplCompatible, insnLimit);
    }

    public VerifierOptions withGpl(boolean gpl) {
        return new VerifierOptions(logLevel, privileged, gpl, insnLimit);
    }

    public VerifierOptions withPrivileged(boolean priv) {
        return new VerifierOptions(logLevel, priv, gplCompatible, insnLimit);
    }
}

package org.bpf4j.cli;

import org.bpf4j.linux.RunningKernel;
import org.bpf4j.verifier.KernelTarget;

/** {@code --target}: the kernel {@code prog verify} and {@code prog run} answer for (docs/verifier.md, "Targets"). */
final class Targets {
    private Targets() {}

    static final String DESCRIPTION = "The kernel to verify for: 6.18 (every program type, map type and helper built in; "
            + "the default) or running (what this machine's kernel offers, probed; needs bpf(2)).";

    static KernelTarget of(String name) {
        return switch (name) {
            case "6.18" -> KernelTarget.LINUX_6_18;
            case "running" -> {
                try {
                    yield RunningKernel.target();
                } catch (IllegalStateException e) {
                    throw new UserInputException("--target running: " + e.getMessage());
                }
            }
            default -> throw new UserInputException("--target must be 6.18 or running, not '" + name + "'");
        };
    }
}

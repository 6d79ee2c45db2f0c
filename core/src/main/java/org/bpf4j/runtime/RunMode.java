package org.bpf4j.runtime;

import org.bpf4j.engine.ExecutionOptions;

/**
 * How the runtime runs a loaded program, and why. A program the verifier accepted runs {@code verified}:
 * no per-access region checks and no instruction budget ({@link ExecutionOptions#verified()}), the address
 * space's bounds still containing a verifier miss. Any other program runs checked (every access looked up
 * in the live regions) with the runtime's instruction budget. Helpers check the pointers they get either way.
 *
 * @param verified whether the verifier's acceptance lets the program run unchecked
 * @param reason why, in a few words (the verifier's verdict, or what made an accepted program run checked)
 */
public record RunMode(boolean verified, String reason) {

    static final RunMode ACCEPTED = new RunMode(true, "accepted by the verifier");

    static RunMode checked(String reason) {
        return new RunMode(false, reason);
    }

    /** The engine options of this mode; {@code budget} applies to checked programs. */
    ExecutionOptions options(long budget) {
        return verified ? ExecutionOptions.verified() : new ExecutionOptions(true, budget);
    }

    /** {@code verified} or {@code checked}, as the CLI prints it. */
    public String label() {
        return verified ? "verified" : "checked";
    }
}

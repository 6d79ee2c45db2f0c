package org.bpf4j.runtime;

/** Told how far a test run with a long {@code repeat} got: a command line shows it while the runs go on. */
@FunctionalInterface
public interface RepeatProgress {
    /** Reports nothing. */
    RepeatProgress NONE = (done, total, elapsedNanos) -> { };

    /** {@code done} of {@code total} runs are over, after {@code elapsedNanos}. */
    void ran(long done, long total, long elapsedNanos);
}

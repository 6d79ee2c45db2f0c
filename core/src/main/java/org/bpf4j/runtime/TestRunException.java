package org.bpf4j.runtime;

/**
 * A test run the kernel would refuse ({@code EINVAL} and friends) or a run that faulted: the message
 * says why in one line.
 */
public final class TestRunException extends RuntimeException {
    private final String errno;

    public TestRunException(String errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The kernel's errno name for the refusal ("EINVAL"), or "EFAULT" for a faulting program. */
    public String errno() {
        return errno;
    }
}

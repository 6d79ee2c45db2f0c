package org.bpf4j.runtime;

import java.util.Objects;
import org.bpf4j.maps.Errno;

/**
 * A test run the kernel would refuse ({@code EINVAL} and friends) or a run that faulted: the message
 * says why in one line.
 */
public final class TestRunException extends org.bpf4j.api.ErrnoException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public TestRunException(Errno errno, String message) {
        super(Objects.requireNonNull(errno, "errno").number(), message);
        this.errno = errno;
    }

    /** The kernel's errno for the refusal ({@code EINVAL}), or {@code EFAULT} for a faulting program. */
    public Errno errno() {
        return errno;
    }
}

package org.bpf4j.api;

import java.util.Optional;
import org.bpf4j.maps.Errno;

/**
 * A map or program operation failed with the errno the kernel returns (or, in the JVM, would return):
 * the one exception type to catch whichever backend runs the code. The in-JVM runtime throws its
 * subclasses {@code BpfMapException} and {@code TestRunException}, the kernel backend {@code BpfException}.
 */
public abstract class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errnoNumber;

    protected ErrnoException(int errnoNumber, String message) {
        super(message);
        this.errnoNumber = errnoNumber;
    }

    protected ErrnoException(int errnoNumber, String message, Throwable cause) {
        super(message, cause);
        this.errnoNumber = errnoNumber;
    }

    /** The positive errno value. */
    public int errnoNumber() { return errnoNumber; }

    /** The errno, when {@link Errno} names it. */
    public Optional<Errno> errnoValue() { return Errno.of(errnoNumber); }

    /** {@code "ENOENT"}, or {@code "errno N"} for a number {@link Errno} does not name. */
    public String errnoName() { return Errno.nameOf(errnoNumber); }

    public boolean is(Errno e) { return e.number() == errnoNumber; }
}

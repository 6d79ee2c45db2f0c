package org.bpf4j.mem;

/** The address space has no room left for a region. */
public final class OutOfBpfMemoryException extends RuntimeException {
    public OutOfBpfMemoryException(String message) {
        super(message);
    }
}

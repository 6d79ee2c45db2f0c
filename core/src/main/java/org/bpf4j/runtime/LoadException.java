package org.bpf4j.runtime;

/** An object or program the runtime cannot load: the message names the program and the reason. */
public final class LoadException extends RuntimeException {
    public LoadException(String message) {
        super(message);
    }

    public LoadException(String message, Throwable cause) {
        super(message, cause);
    }
}

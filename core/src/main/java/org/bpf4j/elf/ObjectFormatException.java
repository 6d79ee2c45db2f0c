package org.bpf4j.elf;

/**
 * An object file that is malformed or uses something this loader does not support. It is the only
 * exception {@link BpfObject#parse} throws for bad input, whatever the bytes: the one-line message
 * names the object, the section (where there is one) and what is wrong.
 */
public final class ObjectFormatException extends RuntimeException {

    public ObjectFormatException(String message) {
        super(message);
    }

    public ObjectFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.bpf4j.elf;

/**
 * An object file that is malformed or uses something this loader does not support. It is the only
 * exception {@link BpfObject#parse} throws for bad input, whatever the bytes: the one-line message
 * names the object, the section (where there is one) and what is wrong.
 */
public final class ObjectFormatException extends RuntimeException {

    public ObjectFormatException(String message) {
        super(oneLine(message));
    }

    public ObjectFormatException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Names come from the file: escape control characters so that the message stays one printable line. */
    static String oneLine(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        message.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0xfffd) sb.append(String.format("\\x%02x", c & 0xff));
            else sb.appendCodePoint(c);
        });
        return sb.toString();
    }
}

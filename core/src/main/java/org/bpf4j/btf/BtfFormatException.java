package org.bpf4j.btf;

/**
 * BTF or BTF.ext data that is malformed: the message says where and what. It is the only exception
 * the BTF parsers throw for bad input, whatever the input; an ELF loader wraps it into its own.
 */
public final class BtfFormatException extends RuntimeException {
    public BtfFormatException(String message) {
        super(oneLine(message));
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

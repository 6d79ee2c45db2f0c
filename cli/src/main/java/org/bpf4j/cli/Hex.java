package org.bpf4j.cli;

import java.io.ByteArrayOutputStream;

/** Hex text as the conformance plugin protocol and the CLI's JSON use it. */
final class Hex {
    private Hex() {}

    /** Parses whitespace-separated hex bytes ({@code "00  01 ff"}); every token is one byte. */
    static byte[] parseBytes(String text, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String trimmed = text.strip();
        if (trimmed.isEmpty()) return new byte[0];
        int index = 0;
        for (String token : trimmed.split("\\s+")) {
            if (token.length() != 2 || Character.digit(token.charAt(0), 16) < 0 || Character.digit(token.charAt(1), 16) < 0) {
                throw new IllegalArgumentException(what + ": byte " + index + " is '" + token + "', not two hex digits");
            }
            out.write(Integer.parseInt(token, 16));
            index++;
        }
        return out.toByteArray();
    }
}

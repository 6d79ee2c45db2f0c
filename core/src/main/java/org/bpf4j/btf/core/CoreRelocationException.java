package org.bpf4j.btf.core;

/**
 * A CO-RE relocation that cannot be applied, where libbpf would fail the whole object load rather
 * than poison the instruction: a malformed local record, an ambiguous target, an instruction that does
 * not hold what the compiler should have put there, or no target BTF at all. The message is one line:
 * {@code program P: insn N: CO-RE relocation KIND of TYPE.access cannot be resolved against the target BTF: reason}.
 */
public final class CoreRelocationException extends RuntimeException {

    public CoreRelocationException(String message) {
        super(oneLine(message));
    }

    /** Names come from object files: keep the message one printable line. */
    private static String oneLine(String message) {
        StringBuilder sb = new StringBuilder(message.length());
        message.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) sb.append(String.format("\\x%02x", c & 0xff));
            else sb.appendCodePoint(c);
        });
        return sb.toString();
    }
}

package org.bpf4j.helpers;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.bpf4j.mem.CheckedMemory;
import org.bpf4j.mem.MemoryFault;

/**
 * The kernel's printf for BPF ({@code bpf_bprintf_prepare} + {@code bstr_printf}): the format checks of
 * {@code bpf_trace_printk}, {@code bpf_trace_vprintk} and {@code bpf_snprintf} and their output.
 *
 * <p>Conversions: {@code %d %i %u %x %X} with {@code l}/{@code ll}, {@code %c}, {@code %s},
 * {@code %%}, {@code %p} with {@code K x s S B} (printed as the raw address: bpf4j has no kernel symbols
 * and no pointer hashing), {@code %pks %pus} (strings), {@code %pi4 %pI4 %pi6 %pI6} (addresses read from
 * memory). Flags {@code 0 + - space} and a width; no precision, as in the kernel.
 */
public final class BpfPrintf {
    private BpfPrintf() {}

    /** Largest formatted output the kernel produces (MAX_BPRINTF_BUF). */
    public static final int MAX_OUTPUT = 1024;
    /** Most arguments bpf_snprintf and bpf_trace_vprintk take (MAX_BPRINTF_VARARGS). */
    public static final int MAX_ARGS = 12;

    /** A rejected format: the kernel returns -EINVAL. */
    public static final class FormatException extends Exception {
        FormatException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Formats {@code fmt} (bytes up to, not including, the NUL) with {@code args}.
     *
     * @throws FormatException where the kernel's checks return -EINVAL
     */
    public static String format(byte[] fmt, long[] args, int argCount, CheckedMemory memory) throws FormatException {
        StringBuilder out = new StringBuilder();
        int used = 0;
        for (int i = 0; i < fmt.length; i++) {
            int c = fmt[i] & 0xff;
            if (!isPrint(c) && !isSpace(c)) throw new FormatException("format has a non-printable character");
            if (c != '%') {
                out.append((char) c);
                continue;
            }
            if (i + 1 < fmt.length && fmt[i + 1] == '%') {
                out.append('%');
                i++;
                continue;
            }
            if (used >= argCount) throw new FormatException("more conversions than arguments");
            i++;
            StringBuilder flags = new StringBuilder();
            while (i < fmt.length && (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')) flags.append((char) fmt[i++]);
            int width = 0;
            if (i < fmt.length && fmt[i] >= '1' && fmt[i] <= '9') {
                while (i < fmt.length && fmt[i] >= '0' && fmt[i] <= '9') {
                    width = width * 10 + (fmt[i++] - '0');
                    if (width > MAX_OUTPUT) throw new FormatException("width too large");
                }
            }
            if (i >= fmt.length) throw new FormatException("format ends inside a conversion");
            long arg = args[used++];
            char conv = (char) fmt[i];
            String text;
            if (conv == 'p') {
                char next = i + 1 < fmt.length ? (char) fmt[i + 1] : 0;
                char after = i + 2 < fmt.length ? (char) fmt[i + 2] : 0;
                if ((next == 'k' || next == 'u') && after == 's') {
                    text = string(memory, arg);
                    i += 2;
                } else if (next == 'i' || next == 'I') {
                    if (after == '4') text = ipv4(memory, arg, next == 'I');
                    else if (after == '6') text = ipv6(memory, arg, next == 'I');
                    else throw new FormatException("unknown %p" + next + " conversion");
                    i += 2;
                } else if (next == 0 || isSpace(next) || isPunct(next) || next == 'K' || next == 'x' || next == 's'
                        || next == 'S' || next == 'B') {
                    text = "0x" + Long.toHexString(arg);
                    if (next == 'K' || next == 'x' || next == 's' || next == 'S' || next == 'B') i++;
                } else {
                    throw new FormatException("unknown %p conversion");
                }
            } else if (conv == 's') {
                text = string(memory, arg);
            } else if (conv == 'c') {
                text = String.valueOf((char) (arg & 0xff));
            } else {
                int lengthMod = 0;
                while (i < fmt.length && fmt[i] == 'l' && lengthMod < 2) {
                    lengthMod++;
                    i++;
                }
                if (i >= fmt.length) throw new FormatException("format ends inside a conversion");
                conv = (char) fmt[i];
                long v = lengthMod == 0 ? (conv == 'd' || conv == 'i' ? (long) (int) arg : arg & 0xffffffffL) : arg;
                text = switch (conv) {
                    case 'd', 'i' -> signed(v, flags);
                    case 'u' -> Long.toUnsignedString(v);
                    case 'x' -> Long.toHexString(v);
                    case 'X' -> Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
                    default -> throw new FormatException("unknown conversion %" + conv);
                };
            }
            out.append(pad(text, width, flags));
            if (out.length() > MAX_OUTPUT) break;
        }
        return out.length() > MAX_OUTPUT - 1 ? out.substring(0, MAX_OUTPUT - 1) : out.toString();
    }

    private static String signed(long v, CharSequence flags) {
        String s = Long.toString(v);
        if (v >= 0 && flagsContain(flags, '+')) return "+" + s;
        if (v >= 0 && flagsContain(flags, ' ')) return " " + s;
        return s;
    }

    private static boolean flagsContain(CharSequence flags, char c) {
        for (int i = 0; i < flags.length(); i++) if (flags.charAt(i) == c) return true;
        return false;
    }

    private static String pad(String text, int width, CharSequence flags) {
        if (text.length() >= width) return text;
        String fill = " ".repeat(width - text.length());
        if (flagsContain(flags, '-')) return text + fill;
        if (flagsContain(flags, '0')) {
            boolean sign = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+');
            String zeros = "0".repeat(width - text.length());
            return sign ? text.charAt(0) + zeros + text.substring(1) : zeros + text;
        }
        return fill + text;
    }

    /** A string argument; one that cannot be read prints as empty, as in the kernel. */
    private static String string(CheckedMemory memory, long address) {
        try {
            return new String(memory.cString(address, MAX_OUTPUT), StandardCharsets.ISO_8859_1);
        } catch (MemoryFault e) {
            return "";
        }
    }

    private static String ipv4(CheckedMemory memory, long address, boolean dotted) {
        byte[] b = readOrZeros(memory, address, 4);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            if (i > 0) s.append('.');
            s.append(dotted ? Integer.toString(b[i] & 0xff) : String.format("%03d", b[i] & 0xff));
        }
        return s.toString();
    }

    private static String ipv6(CheckedMemory memory, long address, boolean colons) {
        byte[] b = readOrZeros(memory, address, 16);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 16; i += 2) {
            if (colons && i > 0) s.append(':');
            s.append(String.format("%02x%02x", b[i] & 0xff, b[i + 1] & 0xff));
        }
        return s.toString();
    }

    /** Address bytes; unreadable ones print as zeros, as in the kernel. */
    private static byte[] readOrZeros(CheckedMemory memory, long address, int len) {
        try {
            return memory.read(address, len);
        } catch (MemoryFault e) {
            return new byte[len];
        }
    }

    private static boolean isPrint(int c) { return c >= 0x20 && c < 0x7f; }

    private static boolean isSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

    private static boolean isPunct(int c) { return isPrint(c) && !Character.isLetterOrDigit(c) && c != ' '; }

    /** The bytes of a formatted string as a C string of at most {@code size} bytes with its NUL. */
    public static byte[] cString(String text, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        int n = Math.min(bytes.length, Math.max(size - 1, 0));
        out.write(bytes, 0, n);
        if (size > 0) out.write(0);
        return out.toByteArray();
    }
}

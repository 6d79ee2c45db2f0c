package org.bpf4j.progtype;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code prog_flags} of {@code BPF_PROG_LOAD} (include/uapi/linux/bpf.h): the one definition of their
 * names and bits, for the verifier, the kernel backend and the command line.
 */
public enum ProgFlag {
    /** Check alignment as architectures without efficient unaligned access must (NET_IP_ALIGN 2 for packets). */
    BPF_F_STRICT_ALIGNMENT(1),
    /** Turn strict alignment off; on x86 (efficient unaligned access) it is already off, so this changes nothing. */
    BPF_F_ANY_ALIGNMENT(1 << 1),
    /** Randomise the upper halves of 32-bit results (a JIT test aid): no effect on the verdict. */
    BPF_F_TEST_RND_HI32(1 << 2),
    /** A verifier state at every jump and prune point (privileged loads only). */
    BPF_F_TEST_STATE_FREQ(1 << 3),
    /** The program may sleep: helpers that might sleep are allowed, some map types are not. */
    BPF_F_SLEEPABLE(1 << 4),
    /** An XDP program that handles multi-buffer packets. */
    BPF_F_XDP_HAS_FRAGS(1 << 5),
    /** An XDP program bound to a device for its kfuncs. */
    BPF_F_XDP_DEV_BOUND_ONLY(1 << 6),
    /** Refuse the program when register bounds become inconsistent (a verifier self-test). */
    BPF_F_TEST_REG_INVARIANTS(1 << 7),
    /** The load passes a BPF token fd. */
    BPF_F_TOKEN_FD(1 << 16);

    private final int bit;

    ProgFlag(int bit) { this.bit = bit; }

    public int bit() { return bit; }

    /** Whether {@code flags} has this flag. */
    public boolean in(int flags) { return (flags & bit) != 0; }

    /** Every bit the kernel accepts in {@code prog_flags} (bpf_prog_load refuses others with EINVAL). */
    public static int all() {
        int m = 0;
        for (ProgFlag f : values()) m |= f.bit;
        return m;
    }

    public static Optional<ProgFlag> byName(String name) {
        String n = name.strip().toUpperCase(Locale.ROOT);
        if (!n.startsWith("BPF_F_")) n = "BPF_F_" + n;
        for (ProgFlag f : values()) if (f.name().equals(n)) return Optional.of(f);
        return Optional.empty();
    }

    /**
     * Flags written as the kernel's names joined by {@code |} (the {@code BPF_F_} prefix optional) or as a
     * number (decimal or 0x hex).
     *
     * @throws IllegalArgumentException naming the unknown flag and the valid names
     */
    public static int parse(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("no program flags given; valid: " + names());
        if (Character.isDigit(t.charAt(0))) {
            long v;
            try {
                v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("program flags '" + text + "' are not a number; valid names: " + names());
            }
            if ((v & ~(all() & 0xffffffffL)) != 0) {
                throw new IllegalArgumentException(String.format("program flags 0x%x have bits the kernel does not know; valid: %s",
                        v, names()));
            }
            return (int) v;
        }
        int flags = 0;
        for (String part : t.split("\\|", -1)) {
            ProgFlag f = byName(part).orElseThrow(() -> new IllegalArgumentException(
                    "unknown program flag '" + part.strip() + "'; valid: " + names()));
            flags |= f.bit;
        }
        return flags;
    }

    /** {@code flags} in the kernel's words, e.g. {@code BPF_F_STRICT_ALIGNMENT|BPF_F_TEST_STATE_FREQ}; "0" for none. */
    public static String format(int flags) {
        List<String> out = new ArrayList<>();
        for (ProgFlag f : values()) if (f.in(flags)) out.add(f.name());
        int rest = flags & ~all();
        if (rest != 0) out.add(String.format("0x%x", rest));
        return out.isEmpty() ? "0" : String.join("|", out);
    }

    private static String names() {
        List<String> n = new ArrayList<>();
        for (ProgFlag f : values()) n.add(f.name());
        return String.join(", ", n);
    }
}

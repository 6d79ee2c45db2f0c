package org.bpf4j.verifier;

/**
 * One entry of a path's instruction history (the kernel's {@code bpf_insn_hist_entry}): an instruction
 * reached non-linearly (a jump target, the instruction after a call), a stack spill or fill, or a
 * conditional jump that linked scalars. Entries form a persistent list from newest to oldest, so a state
 * copied at a branch shares its history prefix with the path it came from, as the kernel's shared array
 * does; {@link #flags} and {@link #linked} of the newest entry may still be combined while its
 * instruction executes (the kernel's {@code cur_hist_ent}).
 */
final class InsnHistory {
    /** The entry is a stack access; bits 3..8 hold the slot (spi), bits 0..2 the frame. */
    static final int STACK_ACCESS = 1 << 9;
    /** A conditional jump's dst/src register was a stack pointer (not a scalar to backtrack). */
    static final int DST_REG_STACK = 1 << 10;
    static final int SRC_REG_STACK = 1 << 11;

    final int idx;
    final int prevIdx;
    final InsnHistory prev;
    /** Number of entries up to and including this one. */
    final int depth;
    int flags;
    /** Scalars sharing an id at a conditional jump, each as {@link #linkedReg}; null when none. */
    int[] linked;

    InsnHistory(int idx, int prevIdx, int flags, int[] linked, InsnHistory prev) {
        this.idx = idx;
        this.prevIdx = prevIdx;
        this.flags = flags;
        this.linked = linked;
        this.prev = prev;
        this.depth = prev == null ? 1 : prev.depth + 1;
    }

    static int stackAccess(int frameno, int spi) {
        return STACK_ACCESS | (spi << 3) | frameno;
    }

    static int spi(int flags) { return (flags >> 3) & 0x3f; }

    static int frameno(int flags) { return flags & 7; }

    /** A linked register or stack slot: frame, register number or slot, and which of the two. */
    static int linkedReg(int frameno, int regOrSpi, boolean isReg) {
        return frameno | (regOrSpi << 3) | (isReg ? 1 << 9 : 0);
    }

    static int linkedFrame(int e) { return e & 7; }

    static int linkedIndex(int e) { return (e >> 3) & 0x3f; }

    static boolean linkedIsReg(int e) { return (e & (1 << 9)) != 0; }

    /** Entries between {@code start} (exclusive) and {@code end}. */
    static int count(InsnHistory start, InsnHistory end) {
        return (end == null ? 0 : end.depth) - (start == null ? 0 : start.depth);
    }
}

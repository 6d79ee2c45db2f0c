package org.bpf4j.verifier;

/**
 * A tristate number, the kernel verifier's bit-level abstraction of a 64-bit value: each bit is known 0,
 * known 1, or unknown. {@code value} holds the known-1 bits, {@code mask} the unknown ones; a bit is never
 * both. The operations follow kernel/bpf/tnum.c: each result contains every concrete result of the
 * operation applied to members of the operands.
 */
record Tnum(long value, long mask) {

    public static final Tnum UNKNOWN = new Tnum(0, -1L);
    public static final Tnum ZERO = new Tnum(0, 0);

    public Tnum {
        if ((value & mask) != 0) throw new IllegalArgumentException("value and mask overlap");
    }

    public static Tnum constant(long v) {
        return new Tnum(v, 0);
    }

    /** The smallest tnum containing every value of the unsigned range [min, max]. */
    public static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) return UNKNOWN;
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    public boolean isConstant() { return mask == 0; }

    public boolean isUnknown() { return mask == -1L; }

    /** Whether the concrete value {@code v} is a member. */
    public boolean contains(long v) {
        return (v & ~mask) == value;
    }

    /** Whether every member of {@code other} is a member of this. */
    public boolean includes(Tnum other) {
        if ((other.mask & ~mask) != 0) return false;
        return (other.value & ~mask) == value;
    }

    public long umin() { return value; }

    public long umax() { return value | mask; }

    /** Signed minimum: the sign bit set when unknown, every other unknown bit clear. */
    public long smin() {
        return value | (mask & Long.MIN_VALUE);
    }

    public long smax() {
        return value | (mask & Long.MAX_VALUE);
    }

    public Tnum lshift(int shift) {
        return new Tnum(value << shift, mask << shift);
    }

    public Tnum rshift(int shift) {
        return new Tnum(value >>> shift, mask >>> shift);
    }

    /** Arithmetic shift of the low {@code width} bits (32 or 64), as tnum_arshift. */
    public Tnum arshift(int shift, int width) {
        if (width == 32) {
            return new Tnum(((int) value >> shift) & 0xffffffffL, ((int) mask >> shift) & 0xffffffffL);
        }
        return new Tnum(value >> shift, mask >> shift);
    }

    public Tnum add(Tnum b) {
        long sm = mask + b.mask;
        long sv = value + b.value;
        long sigma = sm + sv;
        long chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    public Tnum sub(Tnum b) {
        long dv = value - b.value;
        long alpha = dv + mask;
        long beta = dv - b.mask;
        long chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    public Tnum neg() {
        return ZERO.sub(this);
    }

    public Tnum and(Tnum b) {
        long alpha = value | mask;
        long beta = b.value | b.mask;
        long v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    public Tnum or(Tnum b) {
        long v = value | b.value;
        long mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    public Tnum xor(Tnum b) {
        long v = value ^ b.value;
        long mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Multiplication as the kernel computes it since 6.x: shift-and-add over the bits of this. */
    public Tnum mul(Tnum b) {
        Tnum a = this;
        Tnum accV = constant(value * b.value);
        Tnum accM = ZERO;
        while (a.value != 0 || a.mask != 0) {
            if ((a.value & 1) != 0) {
                accM = accM.add(new Tnum(0, b.mask));
            } else if ((a.mask & 1) != 0) {
                accM = accM.add(new Tnum(0, b.value | b.mask));
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        return accV.add(accM);
    }

    /** Both: the bits known in either and consistent (caller guarantees a common member). */
    public Tnum intersect(Tnum b) {
        long v = value | b.value;
        long mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Either: the smallest tnum containing the members of both. */
    public Tnum union(Tnum b) {
        long v = value & b.value;
        long mu = mask | b.mask | (value ^ b.value);
        return new Tnum(v & ~mu, mu);
    }

    /** Truncated to {@code bytes} low bytes (tnum_cast). */
    public Tnum cast(int bytes) {
        if (bytes >= 8) return this;
        long m = (1L << (bytes * 8)) - 1;
        return new Tnum(value & m, mask & m);
    }

    /** The low 32 bits. */
    public Tnum subreg() {
        return cast(4);
    }

    /** The high 32 bits with the low 32 bits replaced by {@code low}'s low 32 bits. */
    public Tnum withSubreg(Tnum low) {
        return new Tnum((value & 0xffffffff00000000L) | (low.value & 0xffffffffL),
                (mask & 0xffffffff00000000L) | (low.mask & 0xffffffffL));
    }

    /** The high 32 bits, with the low 32 bits known zero (tnum_clear_subreg). */
    public Tnum clearSubreg() {
        return new Tnum(value & 0xffffffff00000000L, mask & 0xffffffff00000000L);
    }

    public boolean isAligned(long size) {
        if (size == 0) return true;
        return ((value | mask) & (size - 1)) == 0;
    }

    /** The kernel's log notation: {@code (0x0; 0xff)}. */
    @Override
    public String toString() {
        return "(0x" + Long.toHexString(value) + "; 0x" + Long.toHexString(mask) + ")";
    }
}

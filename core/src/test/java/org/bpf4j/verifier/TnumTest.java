package org.bpf4j.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.BinaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Soundness of every tnum operation: for random abstract operands and random members of them, the
 * concrete result is a member of the abstract result.
 */
class TnumTest {

    private static Tnum randomTnum(Random r) {
        long mask = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> (1L << r.nextInt(8)) - 1;
            case 2 -> r.nextLong() & r.nextLong();
            default -> r.nextLong();
        };
        long value = r.nextLong() & ~mask;
        return new Tnum(value, mask);
    }

    private static long member(Tnum t, Random r) {
        return t.value() | (r.nextLong() & t.mask());
    }

    private static void sound(long seed, String name, BinaryOperator<Tnum> abs, BinaryOperator<Long> conc) {
        Random r = new Random(seed);
        for (int i = 0; i < 4000; i++) {
            Tnum a = randomTnum(r);
            Tnum b = randomTnum(r);
            Tnum result = abs.apply(a, b);
            for (int j = 0; j < 8; j++) {
                long x = member(a, r);
                long y = member(b, r);
                long c = conc.apply(x, y);
                assertThat(result.contains(c)).as("%s %s %s: %x %x -> %x not in %s", name, a, b, x, y, c, result).isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void arithmeticAndBitwiseOperationsAreSound(long seed) {
        sound(seed, "add", Tnum::add, Long::sum);
        sound(seed, "sub", Tnum::sub, (x, y) -> x - y);
        sound(seed, "mul", Tnum::mul, (x, y) -> x * y);
        sound(seed, "and", Tnum::and, (x, y) -> x & y);
        sound(seed, "or", Tnum::or, (x, y) -> x | y);
        sound(seed, "xor", Tnum::xor, (x, y) -> x ^ y);
        sound(seed, "union-left", Tnum::union, (x, y) -> x);
        sound(seed, "union-right", Tnum::union, (x, y) -> y);
    }

    @ParameterizedTest
    @ValueSource(longs = {4, 5})
    void shiftsCastsAndRangesAreSound(long seed) {
        Random r = new Random(seed);
        for (int i = 0; i < 4000; i++) {
            Tnum a = randomTnum(r);
            int shift = r.nextInt(64);
            long x = member(a, r);
            assertThat(a.lshift(shift).contains(x << shift)).isTrue();
            assertThat(a.rshift(shift).contains(x >>> shift)).isTrue();
            assertThat(a.arshift(shift, 64).contains(x >> shift)).isTrue();
            assertThat(a.subreg().arshift(shift & 31, 32).contains(((int) x >> (shift & 31)) & 0xffffffffL)).isTrue();
            int bytes = 1 << r.nextInt(4);
            assertThat(a.cast(bytes).contains(bytes == 8 ? x : x & ((1L << (bytes * 8)) - 1))).isTrue();
            assertThat(a.neg().contains(-x)).isTrue();
            assertThat(Long.compareUnsigned(a.umin(), x) <= 0 && Long.compareUnsigned(x, a.umax()) <= 0).isTrue();
            assertThat(a.smin() <= x && x <= a.smax()).isTrue();
            long lo = r.nextLong();
            long hi = r.nextLong();
            if (Long.compareUnsigned(lo, hi) > 0) { long t = lo; lo = hi; hi = t; }
            long inRange = Long.compareUnsigned(hi - lo, 0) == 0 ? lo : lo + Long.remainderUnsigned(r.nextLong(), hi - lo + 1 == 0 ? -1 : hi - lo + 1);
            assertThat(Tnum.range(lo, hi).contains(inRange)).isTrue();
            Tnum b = randomTnum(r);
            if (a.includes(b)) assertThat(a.contains(member(b, r))).isTrue();
            assertThat(a.union(b).includes(a)).isTrue();
            assertThat(a.withSubreg(b).contains((x & 0xffffffff00000000L) | (member(b, r) & 0xffffffffL))).isTrue();
            assertThat(a.clearSubreg().contains(x & 0xffffffff00000000L)).isTrue();
        }
    }
}

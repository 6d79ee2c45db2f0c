package org.bpf4j.conformance;

import java.util.Arrays;
import org.bpf4j.helpers.HelperContext;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.mem.CheckedMemory;

/**
 * The helper table the bpf_conformance suite expects of a runtime (ids 0-5 are the suite's own, not the
 * kernel's): see the suite's README.
 */
public final class ConformanceHelpers {
    private ConformanceHelpers() {}

    private static final HelperTable TABLE = HelperTable.builder()
            .add(0, "gather_bytes", (ctx, a, b, c, d, e) ->
                    (a & 0xff) << 32 | (b & 0xff) << 24 | (c & 0xff) << 16 | (d & 0xff) << 8 | (e & 0xff))
            .add(1, "memfrob", ConformanceHelpers::memfrob)
            .add(2, "no_op", (ctx, a, b, c, d, e) -> 0)
            .add(3, "sqrti", (ctx, a, b, c, d, e) -> sqrtUnsigned(a))
            .add(4, "strcmp_ext", ConformanceHelpers::strcmp)
            .add(5, "unwind", ConformanceHelpers::unwind)
            .build();

    public static HelperTable table() {
        return TABLE;
    }

    private static long memfrob(HelperContext ctx, long ptr, long len, long c, long d, long e) {
        if (len < 0 || len > Integer.MAX_VALUE) throw new IllegalArgumentException("memfrob length out of range: " + len);
        CheckedMemory memory = ctx.memory();
        byte[] bytes = memory.read(ptr, (int) len);
        for (int i = 0; i < bytes.length; i++) bytes[i] ^= 42;
        memory.write(ptr, bytes);
        return 0;
    }

    private static long strcmp(HelperContext ctx, long a, long b, long c, long d, long e) {
        CheckedMemory memory = ctx.memory();
        byte[] left = memory.cString(a, Integer.MAX_VALUE);
        byte[] right = memory.cString(b, Integer.MAX_VALUE);
        // C strcmp compares unsigned chars; the terminating NUL takes part.
        int n = Math.min(left.length, right.length);
        int mismatch = Arrays.mismatch(left, 0, n, right, 0, n);
        if (mismatch >= 0) return (left[mismatch] & 0xff) - (right[mismatch] & 0xff);
        int l = left.length > n ? left[n] & 0xff : 0;
        int r = right.length > n ? right[n] & 0xff : 0;
        return l - r;
    }

    private static long unwind(HelperContext ctx, long a, long b, long c, long d, long e) {
        if (a == 0) ctx.terminate(0);
        return a;
    }

    /** floor(sqrt(a)) for a as an unsigned 64-bit integer. */
    static long sqrtUnsigned(long a) {
        if (a == 0) return 0;
        long x = (long) Math.sqrt(a >= 0 ? a : (double) (a >>> 1) * 2.0);
        // Correct the floating-point estimate to the exact integer square root.
        while (x > 0 && Long.compareUnsigned(x, 0xffffffffL) > 0) x--;
        while (Long.compareUnsigned(x * x, a) > 0) x--;
        while (x < 0xffffffffL && Long.compareUnsigned((x + 1) * (x + 1), a) <= 0) x++;
        return x;
    }
}

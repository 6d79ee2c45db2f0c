package org.bpf4j.jit;

import org.bpf4j.helpers.HelperContext;
import org.bpf4j.helpers.HelperTable;

/** The helper ids 0-5 the conformance suite expects (see the suite's README), for tests. */
final class SuiteHelpers {
    private SuiteHelpers() {}

    static final HelperTable TABLE = HelperTable.builder()
            .add(0, "gather_bytes", (ctx, a, b, c, d, e) ->
                    (a & 0xff) << 32 | (b & 0xff) << 24 | (c & 0xff) << 16 | (d & 0xff) << 8 | (e & 0xff))
            .add(1, "memfrob", SuiteHelpers::memfrob)
            .add(2, "no_op", (ctx, a, b, c, d, e) -> 0)
            .add(3, "sqrti", (ctx, a, b, c, d, e) -> isqrt(a))
            .add(4, "strcmp_ext", SuiteHelpers::strcmp)
            .add(5, "unwind", (ctx, a, b, c, d, e) -> {
                if (a == 0) ctx.terminate(0);
                return a;
            })
            .build();

    private static long memfrob(HelperContext ctx, long ptr, long len, long c, long d, long e) {
        byte[] bytes = ctx.memory().read(ptr, (int) len);
        for (int i = 0; i < bytes.length; i++) bytes[i] ^= 42;
        ctx.memory().write(ptr, bytes);
        return 0;
    }

    private static long strcmp(HelperContext ctx, long a, long b, long c, long d, long e) {
        byte[] l = ctx.memory().cString(a, 1 << 20);
        byte[] r = ctx.memory().cString(b, 1 << 20);
        for (int i = 0; ; i++) {
            int x = i < l.length ? l[i] & 0xff : 0;
            int y = i < r.length ? r[i] & 0xff : 0;
            if (x != y || x == 0) return x - y;
        }
    }

    /** floor(sqrt(a)), a unsigned. */
    static long isqrt(long a) {
        long lo = 0, hi = 0xffffffffL;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (Long.compareUnsigned(mid * mid, a) <= 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}

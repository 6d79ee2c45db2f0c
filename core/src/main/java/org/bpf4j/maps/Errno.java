package org.bpf4j.maps;

/**
 * The Linux errno values that map operations return, with their numbers on x86-64/arm64. Program-side
 * operations return {@code -errno} as the kernel's helpers do; host-side operations throw a
 * {@link BpfMapException} carrying one of these.
 */
public enum Errno {
    EPERM(1),
    ENOENT(2),
    E2BIG(7),
    EBADF(9),
    EAGAIN(11),
    ENOMEM(12),
    EFAULT(14),
    EBUSY(16),
    EEXIST(17),
    ENODEV(19),
    EINVAL(22),
    ENOSPC(28),
    ERANGE(34),
    EOVERFLOW(75),
    EOPNOTSUPP(95),
    /** Kernel-internal "operation not supported" (never a libc errno, but what the bpf syscall returns). */
    ENOTSUPP(524);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() { return number; }

    /** The negative return value of a program-side operation. */
    public int negative() { return -number; }

    /** The errno for a positive or negative number, or null if this enum does not have it. */
    public static Errno of(int number) {
        int n = Math.abs(number);
        for (Errno e : values()) {
            if (e.number == n) return e;
        }
        return null;
    }

    /** "ENOENT" for -2, "errno 42" for numbers this enum does not have. */
    public static String name(int number) {
        Errno e = of(number);
        return e == null ? "errno " + Math.abs(number) : e.name();
    }
}

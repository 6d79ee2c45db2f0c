package org.bpf4j.maps;

import java.util.Optional;

/**
 * The Linux errno values bpf4j names, with their numbers (the generic numbering shared by x86-64, arm64
 * and riscv64) and {@code strerror} texts: the one table for the kernel backend's {@code bpf(2)} failures,
 * the maps' failures and the helpers' negative returns. Program-side operations return
 * {@link #negative()}, as the kernel's helpers do; host-side map operations throw a
 * {@link BpfMapException} carrying one of these.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENOMSG(42, "No message of desired type"),
    EBADMSG(74, "Bad message"),
    EOVERFLOW(75, "Value too large for defined data type"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EOPNOTSUPP(95, "Operation not supported"),
    /** Kernel-internal "operation not supported": not in libc's headers, yet {@code bpf(2)} returns it. */
    ENOTSUPP(524, "Operation is not supported (kernel-internal ENOTSUPP)");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    public int number() { return number; }

    /** The negative return value of a program-side operation ({@code -EINVAL}). */
    public int negative() { return -number; }

    /** The {@code strerror} text. */
    public String description() { return description; }

    /** The errno for a positive or negative number, or empty if this enum does not name it. */
    public static Optional<Errno> of(int number) {
        int n = Math.abs(number);
        for (Errno e : values()) {
            if (e.number == n) return Optional.of(e);
        }
        return Optional.empty();
    }

    /** The symbolic name: {@code "ENOENT"} for 2 or -2, {@code "errno 4095"} for a number this enum lacks. */
    public static String nameOf(int number) {
        return of(number).map(Enum::name).orElse("errno " + Math.abs(number));
    }
}

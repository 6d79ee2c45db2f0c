package org.bpf4j.linux;

import java.util.Optional;

/**
 * The Linux errno values that {@code bpf(2)} returns, with their names and {@code strerror} texts
 * (the generic numbering shared by x86-64, arm64 and riscv64).
 *
 * <p>{@link #ENOTSUPP} (524) is kernel-internal, not in libc's headers, yet it leaks out of
 * {@code bpf(2)} for some unsupported operations, so it has a name here.
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
    EOPNOTSUPP(95, "Operation not supported"),
    ENOTSUPP(524, "Operation is not supported (kernel-internal ENOTSUPP)");

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    public int number() { return number; }

    /** The {@code strerror} text. */
    public String description() { return description; }

    public static Optional<Errno> of(int number) {
        for (Errno e : values()) if (e.number == number) return Optional.of(e);
        return Optional.empty();
    }

    /** The symbolic name ({@code "ENOENT"}) or {@code "errno 123"} for a number this enum lacks. */
    public static String nameOf(int number) {
        return of(number).map(Enum::name).orElse("errno " + number);
    }
}

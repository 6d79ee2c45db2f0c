package org.bpf4j.linux;

import org.bpf4j.maps.Errno;

/**
 * A {@code bpf(2)} call (or a syscall issued for it) failed: carries the command and the errno so
 * that callers can tell {@code ENOENT} from {@code EPERM} without parsing a message.
 */
public class BpfException extends org.bpf4j.api.ErrnoException {
    private static final long serialVersionUID = 1L;

    private final BpfCommand command;

    public BpfException(BpfCommand command, int errno, String message) {
        super(errno, message);
        this.command = command;
    }

    /** The default message: {@code "BPF_MAP_UPDATE_ELEM: EEXIST (File exists)"} plus context. */
    static BpfException of(BpfCommand command, int errno, String context) {
        return new BpfException(command, errno, text(command, errno, context)
                + (errno == Errno.EPERM.number() ? Capabilities.bpfHint() : ""));
    }

    /** {@code "BPF_MAP_UPDATE_ELEM: EEXIST (File exists)"} plus {@code ": context"}. */
    static String text(BpfCommand command, int errno, String context) {
        return command + ": " + Errno.nameOf(errno)
                + Errno.of(errno).map(e -> " (" + e.description() + ")").orElse("")
                + (context == null || context.isEmpty() ? "" : ": " + context);
    }

    /** The command that failed; {@code null} when the failure was not a {@code bpf(2)} command. */
    public BpfCommand command() { return command; }

    /** The positive errno value ({@link #errnoNumber()}). */
    public int errno() { return errnoNumber(); }
}

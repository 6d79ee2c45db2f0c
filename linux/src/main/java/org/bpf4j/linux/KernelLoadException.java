package org.bpf4j.linux;

import java.util.List;
import org.bpf4j.maps.Errno;

/**
 * The kernel refused a program (or BTF): its message is the verifier's own last meaningful line
 * ({@code "R2 !read_ok"}), so that it can be searched for; {@link #log()} is the whole log.
 */
public final class KernelLoadException extends BpfException {
    private static final long serialVersionUID = 1L;

    private final String log;

    KernelLoadException(BpfCommand command, int errno, String message, String log) {
        super(command, errno, message);
        this.log = log;
    }

    static KernelLoadException of(BpfCommand command, int errno, String log) {
        String line = lastMeaningfulLine(log);
        String message = line != null ? line
                : command + ": " + Errno.nameOf(errno) + Errno.of(errno).map(e -> " (" + e.description() + ")").orElse("")
                        + " with an empty verifier log";
        return new KernelLoadException(command, errno, message, log);
    }

    /** The full verifier (or BTF) log the kernel wrote; empty when it wrote none. */
    public String log() { return log; }

    /**
     * The last line that says why: skips the statistics the verifier appends after the error
     * ({@code processed N insns ...}, {@code verification time ...}, {@code stack depth ...}) and blank lines.
     */
    static String lastMeaningfulLine(String log) {
        if (log == null) return null;
        List<String> lines = log.lines().map(String::strip).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i);
            if (l.isEmpty() || isStatistics(l)) continue;
            return l;
        }
        return null;
    }

    private static boolean isStatistics(String l) {
        return l.startsWith("processed ") || l.startsWith("verification time ")
                || l.startsWith("stack depth ") || l.startsWith("mark_read ")
                || l.startsWith("max_states_per_insn ") || l.startsWith("peak_states ")
                || l.startsWith("-- BEGIN PROG LOAD LOG --") || l.startsWith("-- END PROG LOAD LOG --");
    }
}

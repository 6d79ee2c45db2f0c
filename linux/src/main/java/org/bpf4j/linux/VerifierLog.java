package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.bpf4j.maps.Errno;

/**
 * The load-with-a-log loop shared by {@code BPF_PROG_LOAD} and {@code BPF_BTF_LOAD}: a log buffer
 * that grows on {@code ENOSPC} (to the size the kernel reports it needed, when it reports one) up to
 * {@link LoadOptions#MAX_LOG_SIZE}; a failed load without a log is retried once with log level 1 so
 * the error carries the kernel's reason; {@code EAGAIN} is retried as libbpf does.
 */
final class VerifierLog {
    private VerifierLog() {}

    /** One load attempt: fill the attr with these log parameters and issue the call. */
    interface Attempt {
        /**
         * @param trueSize out: the kernel's {@code log_true_size} (0 if it did not say)
         * @return the fd, or {@code -errno}
         */
        long call(Arena arena, int logLevel, MemorySegment logBuf, int logSize, int[] trueSize);
    }

    record Outcome(int fd, String log) {}

    private static final int MIN_LOG_SIZE = 4096;
    private static final int EAGAIN_RETRIES = 5;

    static Outcome load(BpfCommand cmd, int logLevel, int logSize, Attempt attempt) {
        int level = logLevel;
        int size = level > 0 ? clamp(logSize) : 0;
        boolean retriedForLog = false;
        while (true) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = size > 0 ? a.allocate(size) : null;
                int[] trueSize = {0};
                long r;
                int tries = 0;
                do {
                    trueSize[0] = 0;
                    r = attempt.call(a, level, buf, size, trueSize);
                } while (r == -Errno.EAGAIN.number() && ++tries < EAGAIN_RETRIES);
                String log = buf == null ? "" : cString(buf);
                if (r >= 0) return new Outcome((int) r, log);
                int errno = (int) -r;
                if (errno == Errno.ENOSPC.number() && size > 0 && size < LoadOptions.MAX_LOG_SIZE) {
                    long want = Math.max(2L * size, trueSize[0] + 1L);
                    size = (int) Math.min(LoadOptions.MAX_LOG_SIZE, want);
                    continue;
                }
                if (level == 0 && !retriedForLog) {
                    retriedForLog = true;
                    level = LoadOptions.LOG_LEVEL1;
                    size = LoadOptions.DEFAULT_LOG_SIZE;
                    continue;
                }
                throw KernelLoadException.of(cmd, errno, log);
            }
        }
    }

    private static int clamp(int size) {
        return Math.max(MIN_LOG_SIZE, Math.min(size, LoadOptions.MAX_LOG_SIZE));
    }

    /** The NUL-terminated text in {@code buf} (UTF-8: line info can quote source). */
    static String cString(MemorySegment buf) {
        long n = 0, max = buf.byteSize();
        while (n < max && buf.get(ValueLayout.JAVA_BYTE, n) != 0) n++;
        return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}

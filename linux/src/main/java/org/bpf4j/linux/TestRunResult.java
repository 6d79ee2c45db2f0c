package org.bpf4j.linux;

/**
 * What {@code BPF_PROG_TEST_RUN} reports.
 *
 * @param retval the program's return value (r0, truncated to 32 bits by the kernel)
 * @param dataOut the packet after the run, as long as the kernel says it is
 * @param ctxOut the context after the run, or empty when none was asked for
 * @param durationNs the mean duration of one run in nanoseconds, as the kernel measured it
 */
public record TestRunResult(int retval, byte[] dataOut, byte[] ctxOut, long durationNs) {
    public TestRunResult {
        dataOut = dataOut.clone();
        ctxOut = ctxOut.clone();
    }

    @Override public byte[] dataOut() { return dataOut.clone(); }

    @Override public byte[] ctxOut() { return ctxOut.clone(); }
}

package org.bpf4j.runtime;

/**
 * What a test run gives back, as {@code BPF_PROG_TEST_RUN} does.
 *
 * @param retval r0 of the last run, as the kernel reports it (unsigned 32 bits)
 * @param dataOut the packet after the last run (for XDP including any metadata in front of it)
 * @param contextOut the context after the last run, in the UAPI layout
 * @param durationNanos average time of one run
 */
public record TestRunResult(long retval, byte[] dataOut, byte[] contextOut, long durationNanos) {
    public TestRunResult {
        dataOut = dataOut.clone();
        contextOut = contextOut.clone();
    }

    @Override
    public byte[] dataOut() {
        return dataOut.clone();
    }

    @Override
    public byte[] contextOut() {
        return contextOut.clone();
    }
}

package org.bpf4j.helpers;

import org.bpf4j.mem.CheckedMemory;

/** What a helper may reach of the program run that called it. */
public interface HelperContext {

    /** Checked access to the run's BPF memory. */
    CheckedMemory memory();

    /** The CPU slot the run owns from start to end. */
    int cpu();

    /** Clocks, randomness, task identity and trace output. */
    HostEnvironment host();

    /**
     * Ends the program run as soon as the helper returns, with {@code r0} as its result (the
     * conformance suite's "unwind" helper; the kernel has no such helper, typed programs never see it).
     */
    void terminate(long r0);
}

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

    /**
     * Runs the BPF function that {@code functionPointer} designates (a value an {@code lddw} with source 4
     * loaded) with r1-r5 as its arguments, in a new frame one deeper than the calling function's (its own
     * stack frame and may_goto budget; more than 8 frames is a fault), and returns its r0: how
     * {@code bpf_loop} and {@code bpf_for_each_map_elem} call their callbacks. The calling function's
     * registers are untouched.
     *
     * @throws org.bpf4j.mem.MemoryFault when the value is not a function pointer or the frames run out
     *     (the engine reports it as a fault of the helper call)
     */
    long callFunction(long functionPointer, long r1, long r2, long r3, long r4, long r5);
}

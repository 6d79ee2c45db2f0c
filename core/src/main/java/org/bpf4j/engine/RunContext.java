package org.bpf4j.engine;

import org.bpf4j.helpers.HostEnvironment;
import org.bpf4j.mem.ExecutionStack;

/**
 * What one CPU slot gives a program run: its stack, its CPU id and the host environment. A runtime keeps
 * one per slot and reuses it, so starting a run allocates nothing for it.
 */
public record RunContext(ExecutionStack stack, int cpu, HostEnvironment host) {

    private static final HostEnvironment RAW_HOST = HostEnvironment.system(1, line -> { });

    /** CPU 0 with the system clocks and no trace output: how raw ISA programs run. */
    public static RunContext of(ExecutionStack stack) {
        return new RunContext(stack, 0, RAW_HOST);
    }
}

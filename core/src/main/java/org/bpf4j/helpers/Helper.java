package org.bpf4j.helpers;

/**
 * The implementation of one helper function: called with r1-r5, returns r0. Pointer arguments are BPF
 * addresses; reach their memory through {@link HelperContext#memory()}, which checks every access.
 */
@FunctionalInterface
public interface Helper {
    long call(HelperContext ctx, long r1, long r2, long r3, long r4, long r5);
}

package org.bpf4j.jit;

/** What every generated class implements: the ways into the program's compiled functions. */
interface CompiledCode {
    /** The main function (pc 0) in frame {@code depth}: 0 for a run, the caller's frame for a tail call. */
    long run(JitRun run, long r1, long r2, long r3, long r4, long r5, int depth);

    /** The function starting at {@code entry} (which must be one) in frame {@code depth}: a helper's callback. */
    long call(JitRun run, int entry, long r1, long r2, long r3, long r4, long r5, int depth);
}

package org.bpf4j.jit;

/** What every generated class implements: the entry into the program's main function at depth 0. */
interface CompiledCode {
    long run(JitRun run, long r1, long r2, long r3, long r4, long r5);
}

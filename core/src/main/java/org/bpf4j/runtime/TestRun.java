package org.bpf4j.runtime;

import java.util.Optional;

/**
 * The input of one {@code BPF_PROG_TEST_RUN}: the frame (or, for tracing programs, nothing), an
 * optional context, how often to run it and on which CPU slot.
 *
 * @param data the packet for XDP and socket-buffer programs
 * @param context the context to start from ({@code ctx_in}), in the program type's UAPI layout
 * @param repeat runs on the same frame and maps without reset between them, as the kernel does (0 means 1)
 * @param cpu the CPU slot to run on
 */
public record TestRun(byte[] data, Optional<byte[]> context, int repeat, int cpu) {

    public TestRun {
        data = data.clone();
        context = context.map(byte[]::clone);
        if (repeat < 0) throw new IllegalArgumentException("repeat must not be negative: " + repeat);
        if (cpu < 0) throw new IllegalArgumentException("cpu must not be negative: " + cpu);
    }

    public static TestRun of(byte[] data) {
        return new TestRun(data, Optional.empty(), 1, 0);
    }

    public TestRun withRepeat(int n) {
        return new TestRun(data, context, n, cpu);
    }

    public TestRun withContext(byte[] ctx) {
        return new TestRun(data, Optional.of(ctx), repeat, cpu);
    }

    public TestRun onCpu(int id) {
        return new TestRun(data, context, repeat, id);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Runs to do: {@code repeat}, at least 1. */
    public int runs() {
        return Math.max(1, repeat);
    }
}

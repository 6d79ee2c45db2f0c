package org.bpf4j.runtime;

import java.util.Optional;

/**
 * The input of one {@code BPF_PROG_TEST_RUN}, for either backend: bpf4j's runtime
 * ({@link LoadedProgram#testRun}) or the kernel ({@code org.bpf4j.linux.KernelProgram#testRun}). Start from
 * {@link #of(byte[])} (or {@link #empty()} for program types that take no packet) and refine with the
 * {@code with...} methods.
 *
 * @param data the packet for XDP and socket-buffer programs ({@code data_in})
 * @param context the context to start from ({@code ctx_in}), in the program type's UAPI layout
 * @param repeat runs on the same frame and maps without reset between them, as the kernel does (0 means 1)
 * @param cpu the CPU to run on: bpf4j's CPU slot; for the kernel, with {@link #F_RUN_ON_CPU} in {@code flags}
 * @param flags {@code BPF_F_TEST_*}: {@link #F_RUN_ON_CPU} ({@link #onCpu}), {@link #F_XDP_LIVE_FRAMES}
 *     (the kernel only)
 * @param dataSizeOut room for {@code data_out}: -1 for the kernel's default ({@code data.length + 4096},
 *     room for {@code bpf_xdp_adjust_tail} and friends; 0 when there is no packet); a packet that grew
 *     beyond it fails with {@code ENOSPC}, as in the kernel
 * @param ctxSizeOut room for {@code ctx_out}: -1 for the context's own size, 0 for none
 * @param batchSize the XDP live-frames batch size (the kernel only), 0 for the default
 */
public record TestRun(byte[] data, Optional<byte[]> context, int repeat, int cpu, int flags, int dataSizeOut,
                      int ctxSizeOut, int batchSize) {

    /** {@code BPF_F_TEST_RUN_ON_CPU}. */
    public static final int F_RUN_ON_CPU = 1;
    /** {@code BPF_F_TEST_XDP_LIVE_FRAMES}: frames go out for real (the kernel only). */
    public static final int F_XDP_LIVE_FRAMES = 1 << 1;

    public TestRun {
        data = data.clone();
        context = context.map(byte[]::clone);
        if (repeat < 0) throw new IllegalArgumentException("repeat must not be negative: " + repeat);
        if (cpu < 0) throw new IllegalArgumentException("cpu must not be negative: " + cpu);
        if (dataSizeOut < -1 || ctxSizeOut < -1) throw new IllegalArgumentException("sizes out must be -1 or more");
    }

    public static TestRun of(byte[] data) {
        return new TestRun(data, Optional.empty(), 1, 0, 0, -1, -1, 0);
    }

    /** No packet: tracing and other program types that take only a context. */
    public static TestRun empty() {
        return of(new byte[0]);
    }

    public TestRun withRepeat(int n) {
        return new TestRun(data, context, n, cpu, flags, dataSizeOut, ctxSizeOut, batchSize);
    }

    public TestRun withContext(byte[] ctx) {
        return new TestRun(data, Optional.of(ctx), repeat, cpu, flags, dataSizeOut, ctxSizeOut, batchSize);
    }

    /** Runs on CPU {@code id} ({@link #F_RUN_ON_CPU}; the kernel accepts it for some program types only). */
    public TestRun onCpu(int id) {
        return new TestRun(data, context, repeat, id, flags | F_RUN_ON_CPU, dataSizeOut, ctxSizeOut, batchSize);
    }

    public TestRun withFlags(int f) {
        return new TestRun(data, context, repeat, cpu, f, dataSizeOut, ctxSizeOut, batchSize);
    }

    public TestRun withDataSizeOut(int size) {
        return new TestRun(data, context, repeat, cpu, flags, size, ctxSizeOut, batchSize);
    }

    public TestRun withCtxSizeOut(int size) {
        return new TestRun(data, context, repeat, cpu, flags, dataSizeOut, size, batchSize);
    }

    public TestRun withBatchSize(int size) {
        return new TestRun(data, context, repeat, cpu, flags, dataSizeOut, ctxSizeOut, size);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Runs to do: {@code repeat}, at least 1. */
    public int runs() {
        return Math.max(1, repeat);
    }

    /** The room for {@code data_out} the kernel gives when {@code dataSizeOut} is -1. */
    public int effectiveDataSizeOut() {
        if (dataSizeOut >= 0) return dataSizeOut;
        return data.length == 0 ? 0 : data.length + 4096;
    }

    /** The room for {@code ctx_out}: the context's size when {@code ctxSizeOut} is -1. */
    public int effectiveCtxSizeOut() {
        return ctxSizeOut >= 0 ? ctxSizeOut : context.map(c -> c.length).orElse(0);
    }
}

package org.bpf4j.linux;

/**
 * The inputs of {@code BPF_PROG_TEST_RUN}. Start from {@link #of(byte[])} (or {@link #empty()} for
 * program types that take no packet) and refine with the {@code with...} methods.
 *
 * @param dataIn packet data (for XDP: the frame; for skb types at least an Ethernet header)
 * @param dataSizeOut capacity of the data_out buffer; -1 for {@code dataIn.length + 4096} (room for
 *        {@code bpf_xdp_adjust_tail} and friends); 0 for no data_out
 * @param ctxIn context to pass ({@code struct xdp_md}, {@code struct __sk_buff} ...), or empty
 * @param ctxSizeOut capacity of the ctx_out buffer; -1 for {@code ctxIn.length}; 0 for none
 * @param repeat how many times to run (the kernel treats 0 as 1); durations are averaged
 * @param flags {@code BPF_F_TEST_*} flags ({@link #F_RUN_ON_CPU}, {@link #F_XDP_LIVE_FRAMES})
 * @param cpu the CPU with {@link #F_RUN_ON_CPU}
 * @param batchSize XDP live-frames batch size, 0 for the default
 */
public record TestRun(byte[] dataIn, int dataSizeOut, byte[] ctxIn, int ctxSizeOut, int repeat, int flags, int cpu,
                      int batchSize) {

    public static final int F_RUN_ON_CPU = 1;
    public static final int F_XDP_LIVE_FRAMES = 1 << 1;

    public TestRun {
        dataIn = dataIn == null ? new byte[0] : dataIn.clone();
        ctxIn = ctxIn == null ? new byte[0] : ctxIn.clone();
        if (repeat < 0) throw new IllegalArgumentException("negative repeat");
    }

    public static TestRun of(byte[] data) { return new TestRun(data, -1, null, -1, 1, 0, 0, 0); }

    public static TestRun empty() { return of(new byte[0]); }

    @Override public byte[] dataIn() { return dataIn.clone(); }

    @Override public byte[] ctxIn() { return ctxIn.clone(); }

    public TestRun withRepeat(int repeat) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize);
    }

    public TestRun withContext(byte[] ctxIn) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize);
    }

    public TestRun withDataSizeOut(int dataSizeOut) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize);
    }

    public TestRun withCtxSizeOut(int ctxSizeOut) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize);
    }

    public TestRun withFlags(int flags) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags, cpu, batchSize);
    }

    /** Runs on the given CPU ({@link #F_RUN_ON_CPU}; only some program types accept it). */
    public TestRun onCpu(int cpu) {
        return new TestRun(dataIn, dataSizeOut, ctxIn, ctxSizeOut, repeat, flags | F_RUN_ON_CPU, cpu, batchSize);
    }

    int effectiveDataSizeOut() {
        if (dataSizeOut >= 0) return dataSizeOut;
        return dataIn.length == 0 ? 0 : dataIn.length + 4096;
    }

    int effectiveCtxSizeOut() {
        return ctxSizeOut >= 0 ? ctxSizeOut : ctxIn.length;
    }
}

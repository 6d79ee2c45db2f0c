package org.bpf4j.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** A BTF object loaded into the kernel ({@code BPF_BTF_LOAD}), for maps' and programs' type info. */
public final class KernelBtf implements AutoCloseable {
    private final FdHandle handle;
    private final String log;

    private KernelBtf(FdHandle handle, String log) {
        this.handle = handle;
        this.log = log;
    }

    /** Loads raw BTF (header, types, strings: a {@code .BTF} section's bytes). */
    public static KernelBtf load(byte[] btf) { return load(btf, 0, LoadOptions.DEFAULT_LOG_SIZE); }

    /**
     * @throws KernelLoadException when the kernel's BTF checker rejects the blob; the message is its
     *         reason, the log is the whole BTF log
     */
    public static KernelBtf load(byte[] btf, int logLevel, int logSize) {
        Objects.requireNonNull(btf, "btf");
        VerifierLog.Outcome o = VerifierLog.load(BpfCommand.BPF_BTF_LOAD, logLevel, logSize,
                (a, level, buf, size, trueSize) -> {
                    MemorySegment attr = Attr.allocate(a);
                    Attr.putPtr(attr, Attr.BtfLoad.BTF, a.allocateFrom(ValueLayout.JAVA_BYTE, btf));
                    Attr.putU32(attr, Attr.BtfLoad.BTF_SIZE, btf.length);
                    Attr.putPtr(attr, Attr.BtfLoad.BTF_LOG_BUF, buf);
                    Attr.putU32(attr, Attr.BtfLoad.BTF_LOG_SIZE, size);
                    Attr.putU32(attr, Attr.BtfLoad.BTF_LOG_LEVEL, level);
                    long r = Sys.bpf(a, BpfCommand.BPF_BTF_LOAD, attr, Attr.BtfLoad.END);
                    trueSize[0] = Attr.getU32(attr, Attr.BtfLoad.BTF_LOG_TRUE_SIZE);
                    return r;
                });
        return new KernelBtf(new FdHandle(o.fd(), "BTF"), o.log());
    }

    public int fd() { return handle.fd(); }

    /** The BTF checker's log; empty when loaded with log level 0. */
    public String log() { return log; }

    @Override
    public void close() { handle.close(); }
}

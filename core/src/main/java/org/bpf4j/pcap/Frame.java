package org.bpf4j.pcap;

/**
 * One captured frame: its captured bytes, the time it was captured and its length on the wire.
 *
 * @param data the captured bytes (what a program run sees)
 * @param timestampNanos capture time in nanoseconds since the epoch
 * @param originalLength the frame's length on the wire, at least {@code data.length}
 */
public record Frame(byte[] data, long timestampNanos, int originalLength) {
    public Frame {
        data = data.clone();
        if (originalLength < data.length) originalLength = data.length;
    }

    public static Frame of(byte[] data) {
        return new Frame(data, 0, data.length);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public int length() {
        return data.length;
    }
}

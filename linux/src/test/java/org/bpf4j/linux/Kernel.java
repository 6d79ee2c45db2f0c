package org.bpf4j.linux;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Test support: skip (never pass) where the kernel is unreachable; little-endian bytes. */
final class Kernel {
    private Kernel() {}

    static void assumeAvailable() {
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.available(), () -> "kernel oracle unavailable: " + k.reason());
    }

    static void assumeBpffs() {
        assumeAvailable();
        KernelAvailability k = KernelAvailability.check();
        assumeTrue(k.bpffs(), () -> "bpffs unavailable: " + k.bpffsReason());
    }

    /** A fresh path under the bpffs: {@code /sys/fs/bpf/bpf4j-test-<random>}. */
    static Path uniquePin() {
        return KernelAvailability.BPFFS.resolve("bpf4j-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1));
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static int int32(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    static long int64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}

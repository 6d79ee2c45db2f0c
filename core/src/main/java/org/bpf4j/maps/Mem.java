package org.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Allocation-free memory primitives shared by the maps. Every method takes a segment and an offset, so
 * the same code serves BPF memory (the address space's segment, offset = address - base) and the host
 * API's byte arrays ({@code MemorySegment.ofArray}).
 */
final class Mem {
    private Mem() {}

    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final VarHandle ATOMIC_INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.varHandle();

    /** A 32-bit hash of {@code len} bytes (64-bit multiply-xorshift mixing; not the kernel's jhash). */
    static int hash(MemorySegment s, long off, int len, int seed) {
        long h = (seed & 0xffffffffL) * 0x9E3779B97F4A7C15L + len;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            h = mix(h ^ s.get(LONG, off + i));
        }
        if (i + 4 <= len) {
            h = mix(h ^ (s.get(INT, off + i) & 0xffffffffL) ^ 0x5bd1e995L);
            i += 4;
        }
        long tail = 0;
        int shift = 0;
        for (; i < len; i++, shift += 8) {
            tail |= (s.get(ValueLayout.JAVA_BYTE, off + i) & 0xffL) << shift;
        }
        h = mix(h ^ tail ^ ((long) shift << 56));
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    static boolean equal(MemorySegment a, long aOff, MemorySegment b, long bOff, int len) {
        if (len <= 16) {
            int i = 0;
            for (; i + 8 <= len; i += 8) {
                if (a.get(LONG, aOff + i) != b.get(LONG, bOff + i)) return false;
            }
            for (; i < len; i++) {
                if (a.get(ValueLayout.JAVA_BYTE, aOff + i) != b.get(ValueLayout.JAVA_BYTE, bOff + i)) return false;
            }
            return true;
        }
        return MemorySegment.mismatch(a, aOff, aOff + len, b, bOff, bOff + len) < 0;
    }

    static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long len) {
        MemorySegment.copy(src, srcOff, dst, dstOff, len);
    }

    static void zero(MemorySegment s, long off, long len) {
        long i = 0;
        for (; i + 8 <= len; i += 8) s.set(LONG, off + i, 0L);
        for (; i < len; i++) s.set(ValueLayout.JAVA_BYTE, off + i, (byte) 0);
    }

    static int u32(MemorySegment s, long off) {
        return s.get(INT, off);
    }

    static int u32(byte[] b) {
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    static long u64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    static MemorySegment heap(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    static int getIntVolatile(MemorySegment s, long off) {
        return (int) ATOMIC_INT.getVolatile(s, off);
    }

    static void setIntRelease(MemorySegment s, long off, int v) {
        ATOMIC_INT.setRelease(s, off, v);
    }

    static int getAndSetInt(MemorySegment s, long off, int v) {
        return (int) ATOMIC_INT.getAndSet(s, off, v);
    }

    static long getLongAcquire(MemorySegment s, long off) {
        return (long) ATOMIC_LONG.getAcquire(s, off);
    }

    // ---- struct bpf_spin_lock: see {@link SpinLocks}, shared with the bpf_spin_lock helpers ----

    static void spinLock(MemorySegment s, long off) {
        SpinLocks.lock(s, off);
    }

    static void spinUnlock(MemorySegment s, long off) {
        SpinLocks.unlock(s, off);
    }
}

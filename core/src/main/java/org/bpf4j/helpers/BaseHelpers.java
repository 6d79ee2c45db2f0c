package org.bpf4j.helpers;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.bpf4j.mem.CheckedMemory;
import org.bpf4j.mem.MemoryFault;
import org.bpf4j.maps.Errno;

/**
 * The kernel helpers that need nothing but BPF memory and the host environment: time, randomness, CPU
 * and task identity, trace output and string formatting, checksums, memory probes. Each follows the
 * kernel's implementation of the same id, including its error returns.
 */
public final class BaseHelpers {
    private BaseHelpers() {}


    /** The implementation of helper {@code id} ({@link HelperSpec.Implementation}), for any program type. */
    public static Optional<Helper> implementation(int id, HelperEnv env) {
        return register(HelperTable.builder()).build().lookup(id).map(HelperTable.Entry::helper);
    }

    /** Registers every helper of this class in {@code table}. */
    public static HelperTable.Builder register(HelperTable.Builder table) {
        return table
                .add(KernelHelper.KTIME_GET_NS, (c, a, b, d, e, f) -> c.host().monotonicNanos())
                .add(KernelHelper.KTIME_GET_BOOT_NS, (c, a, b, d, e, f) -> c.host().bootNanos())
                .add(KernelHelper.KTIME_GET_COARSE_NS, (c, a, b, d, e, f) -> c.host().coarseNanos())
                .add(KernelHelper.KTIME_GET_TAI_NS, (c, a, b, d, e, f) -> c.host().taiNanos())
                .add(KernelHelper.JIFFIES64, (c, a, b, d, e, f) -> c.host().jiffies())
                .add(KernelHelper.GET_PRANDOM_U32, (c, a, b, d, e, f) -> c.host().prandom(c.cpu()) & 0xffffffffL)
                .add(KernelHelper.GET_SMP_PROCESSOR_ID, (c, a, b, d, e, f) -> c.cpu())
                .add(KernelHelper.GET_NUMA_NODE_ID, (c, a, b, d, e, f) -> 0)
                .add(KernelHelper.GET_CURRENT_PID_TGID, (c, a, b, d, e, f) -> c.host().pidTgid())
                .add(KernelHelper.GET_CURRENT_UID_GID, (c, a, b, d, e, f) -> c.host().uidGid())
                .add(KernelHelper.GET_CURRENT_CGROUP_ID, (c, a, b, d, e, f) -> c.host().cgroupId())
                .add(KernelHelper.GET_CURRENT_COMM, BaseHelpers::currentComm)
                .add(KernelHelper.TRACE_PRINTK, BaseHelpers::tracePrintk)
                .add(KernelHelper.TRACE_VPRINTK, BaseHelpers::traceVprintk)
                .add(KernelHelper.SNPRINTF, BaseHelpers::snprintf)
                .add(KernelHelper.CSUM_DIFF, BaseHelpers::csumDiff)
                .add(KernelHelper.STRNCMP, BaseHelpers::strncmp)
                .add(KernelHelper.PROBE_READ, (c, dst, size, src, r4, r5) -> probeRead(c, dst, size, src, false))
                .add(KernelHelper.PROBE_READ_KERNEL, (c, dst, size, src, r4, r5) -> probeRead(c, dst, size, src, true))
                .add(KernelHelper.PROBE_READ_USER, (c, dst, size, src, r4, r5) -> probeRead(c, dst, size, src, false))
                .add(KernelHelper.PROBE_READ_STR, (c, dst, size, src, r4, r5) -> probeReadStr(c, dst, size, src, false))
                .add(KernelHelper.PROBE_READ_KERNEL_STR, (c, dst, size, src, r4, r5) -> probeReadStr(c, dst, size, src, true))
                .add(KernelHelper.PROBE_READ_USER_STR, (c, dst, size, src, r4, r5) -> probeReadStr(c, dst, size, src, false));
    }

    private static long currentComm(HelperContext c, long buf, long size, long r3, long r4, long r5) {
        if (size <= 0) return Errno.EINVAL.negative();
        CheckedMemory memory = c.memory();
        memory.zero(buf, size); // strscpy_pad: what the name leaves is zero; checks the buffer before anything else
        byte[] comm = c.host().comm();
        int n = (int) Math.min(size - 1, indexOfNul(comm));
        memory.write(buf, java.util.Arrays.copyOf(comm, n));
        return 0;
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return i;
        return b.length;
    }

    /** The format at {@code fmt} of {@code size} bytes, which must end in its NUL, without that NUL. */
    private static byte[] format(CheckedMemory memory, long fmt, long size) {
        if (size <= 0 || size > 64 * 1024) return null;
        byte[] bytes = memory.read(fmt, (int) size);
        int nul = indexOfNul(bytes);
        if (nul == bytes.length) return null; // the kernel requires the NUL inside fmt_size
        return java.util.Arrays.copyOf(bytes, nul);
    }

    private static long tracePrintk(HelperContext c, long fmt, long size, long a1, long a2, long a3) {
        byte[] f = format(c.memory(), fmt, size);
        if (f == null) return Errno.EINVAL.negative();
        try {
            String line = BpfPrintf.format(f, new long[] {a1, a2, a3}, 3, c.memory());
            c.host().trace(line);
            return line.getBytes(StandardCharsets.ISO_8859_1).length;
        } catch (BpfPrintf.FormatException e) {
            return Errno.EINVAL.negative();
        }
    }

    /** Arguments packed as u64s at {@code data}; null when the kernel refuses their size. */
    private static long[] packedArgs(CheckedMemory memory, long data, long len) {
        if (len % 8 != 0 || len > BpfPrintf.MAX_ARGS * 8L || len < 0) return null;
        if (len > 0 && data == 0) return null;
        long[] args = new long[(int) (len / 8)];
        for (int i = 0; i < args.length; i++) args[i] = memory.loadU64(data + 8L * i);
        return args;
    }

    private static long traceVprintk(HelperContext c, long fmt, long size, long data, long len, long r5) {
        byte[] f = format(c.memory(), fmt, size);
        long[] args = packedArgs(c.memory(), data, len);
        if (f == null || args == null) return Errno.EINVAL.negative();
        try {
            String line = BpfPrintf.format(f, args, args.length, c.memory());
            c.host().trace(line);
            return line.getBytes(StandardCharsets.ISO_8859_1).length;
        } catch (BpfPrintf.FormatException e) {
            return Errno.EINVAL.negative();
        }
    }

    private static long snprintf(HelperContext c, long str, long strSize, long fmt, long data, long len) {
        CheckedMemory memory = c.memory();
        byte[] f = memory.cString(fmt, 64 * 1024); // the verifier proves fmt is a NUL-terminated read-only string
        long[] args = packedArgs(memory, data, len);
        if (args == null || strSize < 0 || strSize > Integer.MAX_VALUE) return Errno.EINVAL.negative();
        try {
            String text = BpfPrintf.format(f, args, args.length, memory);
            if (strSize > 0) memory.write(str, BpfPrintf.cString(text, (int) strSize));
            return text.getBytes(StandardCharsets.ISO_8859_1).length + 1L;
        } catch (BpfPrintf.FormatException e) {
            return Errno.EINVAL.negative();
        }
    }

    /**
     * bpf_csum_diff as Linux 6.18 computes it: csum_partial of {@code to} from the seed, minus csum_partial of
     * {@code from}, folded to 16 bits (csum_from32to16, on every architecture; kernels before 6.13 returned
     * the 32-bit x86 sum). The ones' complement operations are the kernel's, so that the representation of
     * zero (0 or 0xffff) is the kernel's too.
     */
    private static long csumDiff(HelperContext c, long from, long fromSize, long to, long toSize, long seed) {
        // 6.18 sums the buffers in place with csum_partial, which takes any length: no size is refused (the
        // 512-byte scratch buffer and the multiple-of-4 rule of older kernels are gone); the verifier bounds both
        CheckedMemory memory = c.memory();
        int wsum = (int) seed; // __wsum: the argument's low 32 bits
        int ret;
        if (fromSize != 0 && toSize != 0) {
            ret = PacketHelpers.csumAdd(csumPartial(memory.read(to, (int) toSize), wsum), ~csumPartial(memory.read(from, (int) fromSize), 0));
        } else if (toSize != 0) {
            ret = csumPartial(memory.read(to, (int) toSize), wsum);
        } else if (fromSize != 0) {
            ret = ~csumPartial(memory.read(from, (int) fromSize), ~wsum);
        } else {
            ret = wsum;
        }
        return csumFrom32To16(ret);
    }

    /**
     * csum_partial (arch/x86/lib/csum-partial_64.c): the seed plus the buffer's 32-bit words as the CPU loads
     * them (a trailing 1 to 3 bytes zero-padded above), carries added back in; 0 only when the seed and every
     * word are 0.
     */
    private static int csumPartial(byte[] bytes, int seed) {
        byte[] b = java.util.Arrays.copyOf(bytes, (bytes.length + 3) & ~3);
        long sum = seed & 0xffffffffL;
        for (int i = 0; i < b.length; i += 4) sum += le32(b, i) & 0xffffffffL;
        while ((sum >>> 32) != 0) sum = (sum & 0xffffffffL) + (sum >>> 32);
        return (int) sum;
    }

    /** csum_from32to16: the two halves added with end-around carry, not complemented. */
    private static long csumFrom32To16(int sum) {
        int rotated = (sum >>> 16) | (sum << 16);
        return ((sum + rotated) >>> 16) & 0xffffL;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    /** lib/string.c strncmp: -1, 0 or 1, comparing at most s1Size bytes. */
    private static long strncmp(HelperContext c, long s1, long s1Size, long s2, long r4, long r5) {
        CheckedMemory memory = c.memory();
        for (long i = 0; i < s1Size; i++) {
            int a = memory.loadU8(s1 + i);
            int b = memory.loadU8(s2 + i);
            if (a != b) return a < b ? -1 : 1;
            if (a == 0) break;
        }
        return 0;
    }

    /** x86-64 TASK_SIZE_MAX + PAGE_SIZE: where kernel addresses may start (4-level paging). */
    private static final long KERNEL_START = 1L << 47;
    /** The vsyscall page, above TASK_SIZE_MAX but a user address for the kernel. */
    private static final long VSYSCALL_PAGE = 0xffffffffff600000L;

    /**
     * What a failed read of {@code src} returns. bpf4j's memory stands in for the kernel's, so a read of it
     * succeeds; one that fails gives the kernel's errno for that address: the kernel variants refuse a user,
     * vsyscall or non-canonical address with -ERANGE before reading (copy_from_kernel_nofault_allowed, x86),
     * a kernel address that faults is -EFAULT, and the user and legacy variants fail with -EFAULT.
     */
    private static long readFailure(long src, boolean kernel) {
        if (!kernel) return Errno.EFAULT.negative();
        boolean canonical = (src >> 47) == -1L || (src >> 47) == 0;
        boolean user = Long.compareUnsigned(src, KERNEL_START) < 0 || (src & ~0xfffL) == VSYSCALL_PAGE;
        return user || !canonical ? Errno.ERANGE.negative() : Errno.EFAULT.negative();
    }

    /** Whether a kernel read refuses {@code src} before reading: outside bpf4j's memory, at a user or non-canonical address. */
    private static boolean refused(CheckedMemory memory, long src, boolean kernel) {
        return kernel && memory.space().lookup(src, 1) == null && readFailure(src, true) == Errno.ERANGE.negative();
    }

    private static long probeRead(HelperContext c, long dst, long size, long src, boolean kernel) {
        if (size < 0 || size > Integer.MAX_VALUE) return Errno.EFAULT.negative();
        CheckedMemory memory = c.memory();
        // Nothing to copy, but copy_from_kernel_nofault checks the address first: -ERANGE even for 0 bytes
        if (size == 0) return refused(memory, src, kernel) ? Errno.ERANGE.negative() : 0;
        // The destination is the program's own buffer (the verifier's to prove): a bad one is a fault of
        // the run, checked before any copy is made. Only the source may be unreadable.
        memory.require(dst, size, true);
        try {
            memory.write(dst, memory.read(src, (int) size));
            return 0;
        } catch (MemoryFault e) {
            memory.zero(dst, size); // the kernel zeroes the destination on failure
            return readFailure(src, kernel);
        }
    }

    private static long probeReadStr(HelperContext c, long dst, long size, long src, boolean kernel) {
        if (size <= 0 || size > Integer.MAX_VALUE) return size == 0 ? 0 : Errno.EFAULT.negative();
        CheckedMemory memory = c.memory();
        memory.require(dst, size, true); // bounds the copy below by the destination's region
        if (refused(memory, src, kernel)) { // strncpy_from_kernel_nofault checks the address before the first byte
            memory.zero(dst, size);
            return Errno.ERANGE.negative();
        }
        // strncpy_from_kernel_nofault / strncpy_from_user_nofault: up to size bytes are read (the last one
        // too, though it is then overwritten by the NUL), so a fault in it fails the call
        byte[] out = new byte[(int) size];
        int n = 0;
        try {
            while (n < out.length) {
                int b = memory.loadU8(src + n);
                out[n++] = (byte) b;
                if (b == 0) break;
            }
        } catch (MemoryFault e) {
            memory.zero(dst, size);
            return readFailure(src, kernel);
        }
        out[n - 1] = 0;
        memory.write(dst, java.util.Arrays.copyOf(out, n));
        return n;
    }
}

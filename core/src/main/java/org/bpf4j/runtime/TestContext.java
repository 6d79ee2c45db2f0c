package org.bpf4j.runtime;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.bpf4j.helpers.PacketHelpers;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.Region;
import org.bpf4j.progtype.ContextLayout;
import org.bpf4j.progtype.ProgramType;
import org.bpf4j.maps.Errno;

/**
 * How a program type is test-run: which context it gets, how the input frame becomes its packet, and what
 * comes back — {@code BPF_PROG_TEST_RUN}'s semantics per type (net/bpf/test_run.c).
 */
sealed interface TestContext {

    ContextLayout layout();

    /** Lays out context and packet for one test run (all its repeats); the caller frees the regions. */
    Prepared prepare(AddressSpace space, TestRun input);

    /** The memory of one prepared run. */
    record Prepared(Region context, Region packet, long packetStart, long packetLength) {}

    /** Reads the results after the last repeat. */
    TestRunResult finish(AddressSpace space, Prepared prepared, long retval, long durationNanos);

    /** Every type has one: a new program type is added here too (ProgramTypeCompletenessTest). */
    static TestContext of(ProgramType type) {
        return switch (type) {
            case XDP -> new Xdp();
            case SCHED_CLS, SCHED_ACT -> new Skb(true);
            case SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> new Skb(false);
            case KPROBE, PERF_EVENT -> new Plain(ContextLayout.plain(type.ctxName(), type.ctxSize()));
            // no layout bpf4j builds from a frame (the kernel test-runs few of these, each with its own
            // context): they run on the context the caller gives, as raw bytes
            case UNSPEC, TRACEPOINT, CGROUP_SOCK, SOCK_OPS, SK_SKB, CGROUP_DEVICE, SK_MSG, RAW_TRACEPOINT,
                 CGROUP_SOCK_ADDR, LIRC_MODE2, SK_REUSEPORT, FLOW_DISSECTOR, CGROUP_SYSCTL, RAW_TRACEPOINT_WRITABLE,
                 CGROUP_SOCKOPT, TRACING, STRUCT_OPS, EXT, LSM, SK_LOOKUP, SYSCALL, NETFILTER ->
                    new Plain(ContextLayout.plain("context", 0));
        };
    }

    private static long u64(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, off);
    }

    private static void put64(MemorySegment s, long off, long v) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, off, v);
    }

    private static void put32(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_INT_UNALIGNED, off, v);
    }

    private static int get32(byte[] b, int off) {
        return off + 4 <= b.length ? (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24 : 0;
    }

    private static TestRunException einval(String why) {
        return new TestRunException(Errno.EINVAL, why);
    }

    /** XDP: a page with 256 bytes of headroom, the frame, and the tailroom of skb_shared_info. */
    final class Xdp implements TestContext {
        static final int PAGE = 4096, HEADROOM = 256, TAILROOM = 320;
        static final int MAX_LINEAR = PAGE - HEADROOM - TAILROOM;

        @Override
        public ContextLayout layout() { return ContextLayout.XDP_MD; }

        @Override
        public Prepared prepare(AddressSpace space, TestRun input) {
            byte[] data = input.data();
            int metaSize = 0;
            int ingress = 1;
            int rxQueue = 0;
            if (input.context().isPresent()) {
                byte[] c = input.context().get();
                if (c.length > 24) checkZeroTail(c, 24, "xdp_md");
                int ctxData = get32(c, 0), ctxEnd = get32(c, 4), ctxMeta = get32(c, 8);
                if (ctxMeta != 0 || Integer.compareUnsigned(ctxEnd, data.length) > 0 || Integer.compareUnsigned(ctxData, ctxEnd) > 0) {
                    throw einval("xdp_md in the context must have data_meta 0 and data <= data_end <= frame length");
                }
                metaSize = ctxData;
                if (PacketHelpers.metaLengthInvalid(metaSize) || metaSize > HEADROOM - PacketHelpers.XDP_FRAME_SIZE) {
                    throw einval("metadata size " + metaSize + " must be a multiple of 4 of at most " + (HEADROOM - PacketHelpers.XDP_FRAME_SIZE) + " bytes (the headroom after struct xdp_frame)");
                }
                if (ctxEnd != 0 && ctxEnd != data.length) data = Arrays.copyOf(data, ctxEnd);
                ingress = get32(c, 12) == 0 ? 1 : get32(c, 12);
                rxQueue = get32(c, 16);
                if (get32(c, 20) != 0) throw einval("xdp_md.egress_ifindex must be 0 in a test run");
            }
            if (data.length - metaSize < 14) {
                throw einval("frame of " + data.length + " bytes is shorter than an Ethernet header (14): the kernel refuses it (EINVAL)");
            }
            if (data.length > MAX_LINEAR) {
                throw new TestRunException(Errno.E2BIG, "frame of " + data.length + " bytes is longer than " + MAX_LINEAR
                        + ", which needs multi-buffer XDP (fragments): bpf4j does not support it");
            }
            Region packet = space.allocate(PAGE, 64, "xdp packet", true);
            MemorySegment p = space.slice(packet);
            int headroom = HEADROOM - metaSize;
            MemorySegment.copy(data, 0, p, ValueLayout.JAVA_BYTE, headroom, data.length);
            long start = packet.address();
            long dataAddr = start + HEADROOM;
            ContextLayout l = layout();
            Region ctx = space.allocate(l.realSize(), 64, "xdp_md", true);
            MemorySegment c = space.slice(ctx);
            put64(c, l.slot("data"), dataAddr);
            put64(c, l.slot("data_end"), start + headroom + data.length);
            put64(c, l.slot("data_meta"), start + headroom);
            put64(c, l.slot(ContextLayout.HARD_START), start);
            put64(c, l.slot(ContextLayout.HARD_END), start + PAGE - TAILROOM);
            put32(c, 12, ingress);
            put32(c, 16, rxQueue);
            return new Prepared(ctx, packet, dataAddr, start + headroom + data.length - dataAddr);
        }

        @Override
        public TestRunResult finish(AddressSpace space, Prepared prepared, long retval, long durationNanos) {
            MemorySegment c = space.slice(prepared.context());
            ContextLayout l = layout();
            long data = u64(c, l.slot("data")), end = u64(c, l.slot("data_end")), meta = u64(c, l.slot("data_meta"));
            // The kernel copies out from data_meta: metadata comes first in data_out.
            byte[] out = space.segment().asSlice(meta - space.base(), end - meta).toArray(ValueLayout.JAVA_BYTE);
            byte[] ctxOut = new byte[24];
            MemorySegment co = MemorySegment.ofArray(ctxOut);
            put32(co, 0, (int) (data - meta));
            put32(co, 4, (int) (end - meta));
            put32(co, 12, c.get(ValueLayout.JAVA_INT_UNALIGNED, 12));
            put32(co, 16, c.get(ValueLayout.JAVA_INT_UNALIGNED, 16));
            return new TestRunResult(retval & 0xffffffffL, out, ctxOut, durationNanos);
        }
    }

    /**
     * Socket buffers: 64 bytes of headroom (NET_SKB_PAD); the Ethernet header is pulled before the run
     * for socket filters and cgroup programs (their data starts at the network header) and kept for tc;
     * after a socket filter's run the kernel pushes 14 zero bytes back in front of data_out.
     */
    final class Skb implements TestContext {
        static final int HEADROOM = 64, TAILROOM = 320, ETH_HLEN = 14;
        private final boolean l2;

        Skb(boolean l2) {
            this.l2 = l2;
        }

        @Override
        public ContextLayout layout() { return ContextLayout.SK_BUFF; }

        @Override
        public Prepared prepare(AddressSpace space, TestRun input) {
            byte[] frame = input.data();
            if (frame.length < ETH_HLEN) {
                throw einval("frame of " + frame.length + " bytes is shorter than an Ethernet header (14): the kernel refuses it (EINVAL)");
            }
            int proto = (frame[12] & 0xff) << 8 | (frame[13] & 0xff);
            int payload = frame.length - ETH_HLEN;
            if (proto == 0x0800 && payload < 20) throw einval("IPv4 frame with " + payload + " bytes after the Ethernet header, less than an IP header (20): the kernel refuses it (EINVAL)");
            if (proto == 0x86dd && payload < 40) throw einval("IPv6 frame with " + payload + " bytes after the Ethernet header, less than an IPv6 header (40): the kernel refuses it (EINVAL)");
            Region packet = space.allocate(HEADROOM + frame.length + TAILROOM, 64, "skb data", true);
            MemorySegment p = space.slice(packet);
            MemorySegment.copy(frame, 0, p, ValueLayout.JAVA_BYTE, HEADROOM, frame.length);
            long mac = packet.address() + HEADROOM;
            long data = l2 ? mac : mac + ETH_HLEN;
            long len = l2 ? frame.length : payload;
            ContextLayout l = layout();
            Region ctx = space.allocate(l.realSize(), 64, "__sk_buff", true);
            MemorySegment c = space.slice(ctx);
            byte[] in = input.context().orElse(new byte[0]);
            if (in.length > 192) checkZeroTail(in, 192, "__sk_buff");
            // Fields a test run takes from ctx_in (convert___skb_to_skb); the rest must be zero there.
            put32(c, 8, get32(in, 8));            // mark
            put32(c, 32, get32(in, 32));          // priority
            for (int i = 0; i < 20; i += 4) put32(c, 48 + i, get32(in, 48 + i)); // cb[5]
            put32(c, 0, (int) len);               // len
            put32(c, 4, pktType(frame));          // pkt_type (eth_type_trans against loopback's address)
            put32(c, 16, proto >= 1536 ? Short.toUnsignedInt(Short.reverseBytes((short) proto)) : 0x0100); // protocol, network order
            put32(c, 40, 1);                      // ifindex: loopback
            put32(c, 160, get32(in, 160) != 0 ? get32(in, 160) : frame.length); // wire_len
            put64(c, 152, in.length >= 160 ? MemorySegment.ofArray(in).get(ValueLayout.JAVA_LONG_UNALIGNED, 152) : 0); // tstamp
            put64(c, l.slot("data"), data);
            put64(c, l.slot("data_end"), data + len);
            put64(c, l.slot("data_meta"), data);
            put64(c, l.slot(ContextLayout.HARD_START), packet.address());
            put64(c, l.slot(ContextLayout.HARD_END), packet.address() + HEADROOM + frame.length);
            return new Prepared(ctx, packet, data, len);
        }

        private static int pktType(byte[] frame) {
            boolean zeroDest = true;
            for (int i = 0; i < 6; i++) zeroDest &= frame[i] == 0;
            if (zeroDest) return 0;                  // PACKET_HOST: loopback's address is all zeros
            if ((frame[0] & 1) != 0) {
                boolean broadcast = true;
                for (int i = 0; i < 6; i++) broadcast &= frame[i] == (byte) 0xff;
                return broadcast ? 1 : 2;             // PACKET_BROADCAST, PACKET_MULTICAST
            }
            return 3;                                 // PACKET_OTHERHOST
        }

        @Override
        public TestRunResult finish(AddressSpace space, Prepared prepared, long retval, long durationNanos) {
            MemorySegment c = space.slice(prepared.context());
            ContextLayout l = layout();
            long data = u64(c, l.slot("data"));
            long len = c.get(ValueLayout.JAVA_INT_UNALIGNED, 0) & 0xffffffffL;
            byte[] out;
            if (l2) {
                out = space.segment().asSlice(data - space.base(), len).toArray(ValueLayout.JAVA_BYTE);
            } else {
                out = new byte[(int) len + ETH_HLEN]; // the kernel pushes a zeroed Ethernet header back
                MemorySegment.copy(space.segment(), ValueLayout.JAVA_BYTE, data - space.base(), out, ETH_HLEN, (int) len);
            }
            byte[] ctxOut = new byte[192];
            MemorySegment co = MemorySegment.ofArray(ctxOut);
            for (int off : new int[] {8, 32, 48, 52, 56, 60, 64, 160, 164, 176}) {
                put32(co, off, c.get(ValueLayout.JAVA_INT_UNALIGNED, off));
            }
            put32(co, 40, 1);
            put64(co, 152, u64(c, 152));
            return new TestRunResult(retval & 0xffffffffL, out, ctxOut, durationNanos);
        }
    }

    /** Tracing-style contexts: the context is {@code ctx_in}'s bytes, zero-extended to the type's size. */
    final class Plain implements TestContext {
        static final int MAX_RAW_CONTEXT = 0xffff;

        private final ContextLayout layout;

        Plain(ContextLayout layout) {
            this.layout = layout;
        }

        @Override
        public ContextLayout layout() { return layout; }

        @Override
        public Prepared prepare(AddressSpace space, TestRun input) {
            if (input.context().isEmpty() && layout.uapiSize() == 0) {
                throw new TestRunException(Errno.EINVAL, "this program type's context has no fixed layout (the kernel cannot"
                        + " test-run it): give the context to run on with --ctx-in");
            }
            byte[] in = input.context().orElse(new byte[0]);
            if (layout.uapiSize() > 0 && in.length > layout.uapiSize()) checkZeroTail(in, layout.uapiSize(), layout.name());
            if (layout.uapiSize() == 0 && in.length > MAX_RAW_CONTEXT) {
                // the largest context the kernel takes in a test run (syscall programs: U16_MAX)
                throw new TestRunException(Errno.E2BIG, "context of " + in.length + " bytes is larger than " + MAX_RAW_CONTEXT);
            }
            int size = Math.max(Math.max(layout.uapiSize(), in.length), 8);
            Region ctx = space.allocate(size, 64, layout.name(), true);
            MemorySegment.copy(in, 0, space.slice(ctx), ValueLayout.JAVA_BYTE, 0, Math.min(in.length, size));
            return new Prepared(ctx, null, 0, 0);
        }

        @Override
        public TestRunResult finish(AddressSpace space, Prepared prepared, long retval, long durationNanos) {
            return new TestRunResult(retval & 0xffffffffL, new byte[0], space.slice(prepared.context()).toArray(ValueLayout.JAVA_BYTE), durationNanos);
        }
    }

    private static void checkZeroTail(byte[] ctx, int from, String struct) {
        for (int i = from; i < ctx.length; i++) {
            if (ctx[i] != 0) throw einval("context is longer than struct " + struct + " and the extra bytes are not zero");
        }
    }
}

package org.bpf4j.helpers;

import java.util.Optional;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.CpuMap;
import org.bpf4j.maps.DevMap;
import org.bpf4j.maps.DevMapHash;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapOps;
import org.bpf4j.maps.XskMap;
import org.bpf4j.mem.CheckedMemory;
import org.bpf4j.progtype.ContextLayout;
import org.bpf4j.maps.Errno;

/**
 * Helpers that work on the packet a context describes: XDP's head, tail and metadata adjustments and
 * redirects, and the socket buffer's byte loads, stores and checksum fix-ups. They read and move the
 * packet pointers in the context's memory (its pointer and hidden slots, see {@link ContextLayout}),
 * exactly as the kernel moves {@code xdp_buff} and {@code sk_buff} fields.
 */
public final class PacketHelpers {
    private PacketHelpers() {}

    static final int ETH_HLEN = 14;
    /** xdp_metalen_invalid: metadata is a multiple of 4 bytes of at most type_max(skb_shared_info.meta_len), a u8. */
    public static boolean metaLengthInvalid(long metalen) {
        return (metalen & 3) != 0 || metalen > 255;
    }

    /** sizeof(struct xdp_frame): the kernel keeps it at the start of the headroom. */
    public static final int XDP_FRAME_SIZE = 40;
    static final long XDP_ABORTED = 0, XDP_REDIRECT = 4;
    static final long TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;
    static final long BPF_F_INGRESS = 1, BPF_F_ACTION_MASK = 3, BPF_F_BROADCAST = 1 << 3, BPF_F_EXCLUDE_INGRESS = 1 << 4;
    static final long BPF_F_HDR_FIELD_MASK = 0xf, BPF_F_PSEUDO_HDR = 1 << 4, BPF_F_MARK_MANGLED_0 = 1 << 5, BPF_F_MARK_ENFORCE = 1 << 6,
            BPF_F_IPV6 = 1 << 7;

    /** The packet a context describes: its first byte and its length. */
    public record Packet(long start, long length) {}

    /** Where an XDP context's packet is (data to data_end). */
    public static Packet xdpPacket(CheckedMemory m, long ctx) {
        ContextLayout l = ContextLayout.XDP_MD;
        long data = m.loadU64(ctx + l.slot("data"));
        return new Packet(data, m.loadU64(ctx + l.slot("data_end")) - data);
    }

    /** Where a socket buffer's packet is (data, skb->len bytes: __sk_buff.len). */
    public static Packet skbPacket(CheckedMemory m, long ctx) {
        return new Packet(m.loadU64(ctx + ContextLayout.SK_BUFF.slot("data")), m.loadU64(ctx) & 0xffffffffL);
    }

    /**
     * The implementation of packet helper {@code id} ({@link HelperSpec.Implementation}) for the env's program
     * type: XDP programs get the xdp_buff helpers, programs on an skb the sk_buff ones, others none.
     */
    public static Optional<Helper> implementation(int id, HelperEnv env) {
        HelperTable.Builder table = HelperTable.builder();
        switch (env.type()) {
            case XDP -> registerXdp(table, env.maps());
            case SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> registerSkb(table);
            default -> { }
        }
        return table.build().lookup(id).map(HelperTable.Entry::helper);
    }

    /** XDP programs' packet helpers. */
    public static HelperTable.Builder registerXdp(HelperTable.Builder table, MapContext maps) {
        ContextLayout l = ContextLayout.XDP_MD;
        int data = l.slot("data"), end = l.slot("data_end"), meta = l.slot("data_meta");
        int hardStart = l.slot(ContextLayout.HARD_START), hardEnd = l.slot(ContextLayout.HARD_END);
        return table
                .add(KernelHelper.XDP_ADJUST_HEAD, (c, ctx, delta, r3, r4, r5) -> {
                    CheckedMemory m = c.memory();
                    long d = m.loadU64(ctx + data), e = m.loadU64(ctx + end), mt = m.loadU64(ctx + meta);
                    long metalen = d - mt;
                    long newData = d + (int) delta;
                    if (newData < m.loadU64(ctx + hardStart) + XDP_FRAME_SIZE + metalen || newData > e - ETH_HLEN) return Errno.EINVAL.negative();
                    if (metalen > 0) m.write(mt + (int) delta, m.read(mt, (int) metalen));
                    m.storeU64(ctx + meta, mt + (int) delta);
                    m.storeU64(ctx + data, newData);
                    return 0;
                })
                .add(KernelHelper.XDP_ADJUST_META, (c, ctx, delta, r3, r4, r5) -> {
                    CheckedMemory m = c.memory();
                    long d = m.loadU64(ctx + data);
                    long newMeta = m.loadU64(ctx + meta) + (int) delta;
                    if (newMeta < m.loadU64(ctx + hardStart) + XDP_FRAME_SIZE || newMeta > d) return Errno.EINVAL.negative();
                    long metalen = d - newMeta;
                    if (metaLengthInvalid(metalen)) return Errno.EACCES.negative();
                    m.storeU64(ctx + meta, newMeta);
                    return 0;
                })
                .add(KernelHelper.XDP_ADJUST_TAIL, (c, ctx, delta, r3, r4, r5) -> {
                    CheckedMemory m = c.memory();
                    long e = m.loadU64(ctx + end);
                    long newEnd = e + (int) delta;
                    if (newEnd > m.loadU64(ctx + hardEnd) || newEnd < m.loadU64(ctx + data) + ETH_HLEN) return Errno.EINVAL.negative();
                    if ((int) delta > 0) m.zero(e, (int) delta); // growth is zeroed, as in the kernel
                    m.storeU64(ctx + end, newEnd);
                    return 0;
                })
                .add(KernelHelper.REDIRECT, (c, ifindex, flags, r3, r4, r5) ->
                        flags != 0 ? XDP_ABORTED : XDP_REDIRECT)
                .add(KernelHelper.REDIRECT_MAP, (c, map, key, flags, r4, r5) -> {
                    MapOps target = maps.mapByHandle(map);
                    long allowed = BPF_F_ACTION_MASK | (target instanceof DevMap || target instanceof DevMapHash
                            ? BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS : 0);
                    if ((flags & ~allowed) != 0) return XDP_ABORTED;
                    boolean present = switch (target) {
                        case DevMap d -> d.has(key);
                        case DevMapHash d -> d.lookup(new byte[] {(byte) key, (byte) (key >> 8), (byte) (key >> 16), (byte) (key >> 24)}).isPresent();
                        case CpuMap cpu -> cpu.has(key);
                        case XskMap x -> x.has(key);
                        case null, default -> false;
                    };
                    // __bpf_xdp_redirect_map: a broadcast redirects whether or not the key is present
                    return present || (flags & BPF_F_BROADCAST) != 0 ? XDP_REDIRECT : flags & BPF_F_ACTION_MASK;
                });
    }

    /** Socket buffer (socket filter, tc, cgroup skb) packet helpers. */
    public static HelperTable.Builder registerSkb(HelperTable.Builder table) {
        ContextLayout l = ContextLayout.SK_BUFF;
        int data = l.slot("data");
        return table
                .add(KernelHelper.SKB_LOAD_BYTES, (c, skb, offset, to, len, r5) -> {
                    CheckedMemory m = c.memory();
                    long skbLen = m.loadU64(skb) & 0xffffffffL; // __sk_buff.len
                    if (len <= 0 || len > 0xffff) return Errno.EINVAL.negative();
                    if (offset > Integer.MAX_VALUE || offset < 0 || offset + len > skbLen) {
                        m.zero(to, len);
                        return Errno.EFAULT.negative();
                    }
                    m.write(to, m.read(m.loadU64(skb + data) + offset, (int) len));
                    return 0;
                })
                .add(KernelHelper.SKB_STORE_BYTES, (c, skb, offset, from, len, flags) -> {
                    CheckedMemory m = c.memory();
                    if ((flags & ~3L) != 0) return Errno.EINVAL.negative();
                    if (offset > Integer.MAX_VALUE || offset < 0) return Errno.EFAULT.negative();
                    long skbLen = m.loadU64(skb) & 0xffffffffL;
                    if (len < 0 || offset + len > skbLen) return Errno.EFAULT.negative(); // bpf_try_make_writable failed
                    if (len > 0) m.write(m.loadU64(skb + data) + offset, m.read(from, (int) len));
                    return 0;
                })
                .add(KernelHelper.L3_CSUM_REPLACE, (c, skb, offset, from, to, flags) -> {
                    if ((flags & ~BPF_F_HDR_FIELD_MASK) != 0) return Errno.EINVAL.negative();
                    return csumReplace(c.memory(), skb, data, offset, from, to, flags, false);
                })
                .add(KernelHelper.L4_CSUM_REPLACE, (c, skb, offset, from, to, flags) -> {
                    if ((flags & ~(BPF_F_HDR_FIELD_MASK | BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_IPV6)) != 0) {
                        return Errno.EINVAL.negative();
                    }
                    return csumReplace(c.memory(), skb, data, offset, from, to, flags, true);
                })
                .add(KernelHelper.REDIRECT, (c, ifindex, flags, r3, r4, r5) ->
                        (flags & ~BPF_F_INGRESS) != 0 ? TC_ACT_SHOT : TC_ACT_REDIRECT);
    }

    /**
     * The checksum at {@code offset} in the packet updated for a field changing from {@code from} to
     * {@code to} (size 2 or 4), or by a precomputed difference (size 0, {@code from} must be 0). Values are
     * taken as the bytes sit in memory, loaded little-endian, as the program passes them. A socket buffer
     * in a test run has no checksum offload (CHECKSUM_NONE), so layer 4 updates are the same arithmetic as
     * layer 3 (inet_proto_csum_replace*), except that a 2-byte layer 4 field is replaced as 4 bytes, and
     * BPF_F_MARK_MANGLED_0 keeps a zero checksum zero and writes a computed 0 as 0xffff (unless
     * BPF_F_MARK_ENFORCE). As the kernel, the complement of the old checksum is taken over 32 bits
     * (~csum_unfold), which decides whether a zero sum comes out as 0 or 0xffff.
     */
    private static long csumReplace(CheckedMemory m, long skb, int dataSlot, long offset, long from, long to, long flags,
                                    boolean l4) {
        if (offset > 0xffff || offset < 0 || (offset & 1) != 0) return Errno.EFAULT.negative();
        long skbLen = m.loadU64(skb) & 0xffffffffL;
        if (offset + 2 > skbLen) return Errno.EFAULT.negative(); // bpf_try_make_writable
        long at = m.loadU64(skb + dataSlot) + offset;
        int sum = m.loadU8(at) | m.loadU8(at + 1) << 8;
        boolean mangledZero = l4 && (flags & BPF_F_MARK_MANGLED_0) != 0;
        if (mangledZero && (flags & BPF_F_MARK_ENFORCE) == 0 && sum == 0) return 0;
        int result;
        switch ((int) (flags & BPF_F_HDR_FIELD_MASK)) {
            case 0 -> {
                if (from != 0) return Errno.EINVAL.negative();
                result = csumFold(csumAdd((int) to, ~sum));                                   // csum_replace_by_diff
            }
            case 2 -> result = l4 ? csumFold(csumAdd(csumAdd(~sum, ~((int) from & 0xffff)), (int) to & 0xffff)) // replace4
                    : ~csum16Add(csum16Add(~sum & 0xffff, ~(int) from & 0xffff), (int) to & 0xffff) & 0xffff; // csum_replace2
            case 4 -> result = csumFold(csumAdd(csumAdd(~sum, ~(int) from), (int) to));         // csum_replace4
            default -> {
                return Errno.EINVAL.negative();
            }
        }
        if (mangledZero && result == 0) result = 0xffff; // CSUM_MANGLED_0
        m.storeU8(at, result & 0xff);
        m.storeU8(at + 1, (result >>> 8) & 0xff);
        return 0;
    }

    /** 32-bit ones' complement addition (csum_add). */
    static int csumAdd(int a, int b) {
        long r = (a & 0xffffffffL) + (b & 0xffffffffL);
        return (int) (r + (r >>> 32));
    }

    /** 16-bit ones' complement addition (csum16_add). */
    static int csum16Add(int a, int b) {
        int r = (a & 0xffff) + (b & 0xffff);
        return (r + (r >>> 16)) & 0xffff;
    }

    /** Folds a 32-bit partial sum to the 16-bit complemented checksum (csum_fold). */
    static int csumFold(int csum) {
        long sum = (csum & 0xffff) + ((csum >>> 16) & 0xffff);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }
}

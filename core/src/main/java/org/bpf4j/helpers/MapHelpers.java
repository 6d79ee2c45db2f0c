package org.bpf4j.helpers;

import java.util.Optional;
import java.util.function.BiFunction;

import java.util.List;
import org.bpf4j.maps.Errno;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapOps;
import org.bpf4j.maps.PerfEventArrayMap;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.mem.CheckedMemory;

/**
 * The map helpers: lookup/update/delete, push/pop/peek, ring buffers and perf event output. A map
 * argument is the handle the loader put into the program's {@code lddw}; key and value pointers are
 * checked against live BPF memory before the map reads them, since nothing else has proven them yet.
 */
public final class MapHelpers {
    private MapHelpers() {}


    /**
     * The implementation of map helper {@code id} ({@link HelperSpec.Implementation}) for the env's maps and ring
     * buffers; bpf_perf_event_output appends the packet of XDP and skb programs.
     */
    public static Optional<Helper> implementation(int id, HelperEnv env) {
        Optional<BiFunction<CheckedMemory, Long, PacketHelpers.Packet>> packet = switch (env.type()) {
            case XDP -> Optional.of(PacketHelpers::xdpPacket);
            case SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> Optional.of(PacketHelpers::skbPacket);
            default -> Optional.empty();
        };
        return register(HelperTable.builder(), env.maps(), env.rings(), packet).build().lookup(id).map(HelperTable.Entry::helper);
    }

    /** Registers the map helpers for maps of {@code maps}; {@code rings} are the ring buffers a sample may belong to. */
    public static HelperTable.Builder register(HelperTable.Builder table, MapContext maps, List<RingBufMap> rings) {
        return register(table, maps, rings, Optional.empty());
    }

    /**
     * As {@link #register(HelperTable.Builder, MapContext, List)} for a packet program: {@code packet} finds the
     * packet of its context, which bpf_perf_event_output appends the first BPF_F_CTXLEN_MASK bytes of
     * (bpf_xdp_event_output, bpf_skb_event_output).
     */
    public static HelperTable.Builder register(HelperTable.Builder table, MapContext maps, List<RingBufMap> rings,
                                               Optional<BiFunction<CheckedMemory, Long, PacketHelpers.Packet>> packet) {
        return table
                .add(KernelHelper.MAP_LOOKUP_ELEM, (c, map, key, r3, r4, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return 0;
                    require(c, key, m.spec().keySize());
                    return m.lookup(key, c.cpu());
                })
                .add(KernelHelper.MAP_UPDATE_ELEM, (c, map, key, value, flags, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return Errno.EINVAL.negative();
                    require(c, key, m.spec().keySize());
                    require(c, value, m.spec().valueSize());
                    return m.update(key, value, flags, c.cpu());
                })
                .add(KernelHelper.MAP_DELETE_ELEM, (c, map, key, r3, r4, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return Errno.EINVAL.negative();
                    require(c, key, m.spec().keySize());
                    return m.delete(key);
                })
                .add(KernelHelper.MAP_PUSH_ELEM, (c, map, value, flags, r4, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return Errno.EINVAL.negative();
                    require(c, value, m.spec().valueSize());
                    return m.push(value, flags);
                })
                .add(KernelHelper.MAP_POP_ELEM, (c, map, value, r3, r4, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return Errno.EINVAL.negative();
                    requireWritable(c, value, m.spec().valueSize());
                    return m.pop(value);
                })
                .add(KernelHelper.MAP_PEEK_ELEM, (c, map, value, r3, r4, r5) -> {
                    MapOps m = map(maps, map);
                    if (m == null) return Errno.EINVAL.negative();
                    requireWritable(c, value, m.spec().valueSize());
                    return m.peek(value);
                })
                .add(KernelHelper.RINGBUF_OUTPUT, (c, map, data, size, flags, r5) -> {
                    if (!(map(maps, map) instanceof RingBufMap ring)) return Errno.EINVAL.negative();
                    if (size > 0) require(c, data, size);
                    return ring.output(data, size, flags);
                })
                .add(KernelHelper.RINGBUF_RESERVE, (c, map, size, flags, r4, r5) -> {
                    if (!(map(maps, map) instanceof RingBufMap ring)) return 0;
                    return ring.reserve(size, flags);
                })
                .add(KernelHelper.RINGBUF_SUBMIT, (c, sample, flags, r3, r4, r5) -> {
                    ringOf(rings, sample).submit(sample, flags);
                    return 0;
                })
                .add(KernelHelper.RINGBUF_DISCARD, (c, sample, flags, r3, r4, r5) -> {
                    ringOf(rings, sample).discard(sample, flags);
                    return 0;
                })
                .add(KernelHelper.RINGBUF_QUERY, (c, map, flags, r3, r4, r5) -> {
                    if (!(map(maps, map) instanceof RingBufMap ring)) return 0;
                    return ring.query(flags);
                })
                .add(KernelHelper.PERF_EVENT_OUTPUT, (c, ctx, map, flags, data, size) -> {
                    if (!(map(maps, map) instanceof PerfEventArrayMap perf)) return Errno.EINVAL.negative();
                    if (size > 0) require(c, data, size);
                    if (packet.isEmpty()) return perf.output(flags, data, size, c.cpu());
                    if ((flags & ~(MapFlags.BPF_F_CTXLEN_MASK | MapFlags.BPF_F_INDEX_MASK)) != 0) return Errno.EINVAL.negative();
                    long ctxLen = (flags & MapFlags.BPF_F_CTXLEN_MASK) >>> 32;
                    PacketHelpers.Packet p = packet.get().apply(c.memory(), ctx);
                    if (ctxLen > p.length()) return Errno.EFAULT.negative();
                    return perf.output(flags & MapFlags.BPF_F_INDEX_MASK, data, size, c.cpu(), p.start(), ctxLen);
                });
    }

    private static MapOps map(MapContext maps, long handle) {
        return maps.mapByHandle(handle);
    }

    private static void require(HelperContext c, long address, long size) {
        CheckedMemory memory = c.memory();
        memory.require(address, size, false);
    }

    private static void requireWritable(HelperContext c, long address, long size) {
        c.memory().require(address, size, true);
    }

    /** The ring buffer a reserved sample lies in (what the kernel finds from the record header). */
    private static RingBufMap ringOf(List<RingBufMap> rings, long sample) {
        for (RingBufMap ring : rings) {
            long start = ring.dataAddress();
            if (sample - start >= 0 && sample - start < 2 * ring.ringSize()) return ring;
        }
        throw new org.bpf4j.mem.MemoryFault(sample, String.format(
                "bpf_ringbuf_submit/discard of 0x%x: not a sample reserved from a ring buffer", sample));
    }
}

package org.bpf4j.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bpf4j.maps.MapFixture.asInt;
import static org.bpf4j.maps.MapFixture.asLong;
import static org.bpf4j.maps.MapFixture.u32;
import static org.bpf4j.maps.MapFixture.u64;
import static org.bpf4j.maps.MapFlags.*;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded random operation sequences against simple Java models of each map's semantics. */
class ModelTest {
    private static final int ENOENT = -2, EEXIST = -17, E2BIG = -7, ENOSPC = -28, EINVAL = -22;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 12);
    }

    private static long flagsOf(Random r) {
        return switch (r.nextInt(4)) {
            case 0, 1 -> BPF_ANY;
            case 2 -> BPF_NOEXIST;
            default -> BPF_EXIST;
        };
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void hashMatchesAJavaHashMap(long seed) {
        Random r = new Random(seed);
        try (MapFixture f = new MapFixture(2, seed)) {
            int max = 1 + r.nextInt(40);
            BpfMap m = f.create(MapSpec.of("h", MapType.HASH, 4, 8, max).withFlags(r.nextBoolean() ? BPF_F_NO_PREALLOC : 0));
            Map<Integer, Long> model = new HashMap<>();
            for (int op = 0; op < 3000; op++) {
                int k = r.nextInt(max + 20);
                long kAddr = f.put(u32(k));
                int cpu = r.nextInt(2);
                switch (r.nextInt(4)) {
                    case 0, 1 -> {
                        long v = r.nextLong();
                        long flags = flagsOf(r);
                        boolean exists = model.containsKey(k);
                        int want = exists && flags == BPF_NOEXIST ? EEXIST
                                : !exists && flags == BPF_EXIST ? ENOENT
                                : !exists && model.size() == max ? E2BIG : 0;
                        assertThat(m.ops().update(kAddr, f.put(u64(v)), flags, cpu)).as("op %d update %d", op, k).isEqualTo(want);
                        if (want == 0) model.put(k, v);
                    }
                    case 2 -> {
                        int want = model.containsKey(k) ? 0 : ENOENT;
                        assertThat(m.ops().delete(kAddr)).as("op %d delete %d", op, k).isEqualTo(want);
                        model.remove(k);
                    }
                    default -> {
                        long a = m.ops().lookup(kAddr, cpu);
                        if (model.containsKey(k)) {
                            assertThat(a).isNotZero();
                            assertThat(f.readLong(a)).isEqualTo(model.get(k));
                        } else {
                            assertThat(a).isZero();
                        }
                    }
                }
            }
            Set<Integer> keys = new HashSet<>();
            for (byte[] k : m.keys()) {
                assertThat(keys.add(asInt(k))).isTrue();
                assertThat(asLong(m.lookup(k).orElseThrow())).isEqualTo(model.get(asInt(k)));
            }
            assertThat(keys).isEqualTo(model.keySet());
        }
    }

    /** The LRU semantics bpf4j promises: insertion order plus a second chance for looked-up keys. */
    private static final class LruModel {
        final int max;
        final ArrayDeque<Integer> list = new ArrayDeque<>(); // most recent first
        final Set<Integer> referenced = new HashSet<>();
        final Map<Integer, Long> values = new HashMap<>();

        LruModel(int max) {
            this.max = max;
        }

        Long lookup(int k) {
            if (values.containsKey(k)) referenced.add(k);
            return values.get(k);
        }

        int update(int k, long v, long flags) {
            if (values.size() == max) evict();
            boolean exists = values.containsKey(k);
            if (exists && flags == BPF_NOEXIST) return EEXIST;
            if (!exists && flags == BPF_EXIST) return ENOENT;
            list.remove(k);
            referenced.remove(k);
            list.addFirst(k);
            values.put(k, v);
            return 0;
        }

        int delete(int k) {
            if (!values.containsKey(k)) return ENOENT;
            list.remove(k);
            referenced.remove(k);
            values.remove(k);
            return 0;
        }

        private void evict() {
            while (true) {
                int k = list.removeLast();
                if (referenced.remove(k)) {
                    list.addFirst(k);
                } else {
                    values.remove(k);
                    return;
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void lruMatchesTheSecondChanceModel(long seed) {
        Random r = new Random(seed);
        try (MapFixture f = new MapFixture(2, seed)) {
            int max = 1 + r.nextInt(12);
            BpfMap m = f.create(MapSpec.of("lru", MapType.LRU_HASH, 4, 8, max));
            LruModel model = new LruModel(max);
            for (int op = 0; op < 3000; op++) {
                int k = r.nextInt(max * 2 + 2);
                long kAddr = f.put(u32(k));
                switch (r.nextInt(5)) {
                    case 0, 1 -> {
                        long v = r.nextLong();
                        long flags = flagsOf(r);
                        assertThat(m.ops().update(kAddr, f.put(u64(v)), flags, 0)).as("op %d update %d", op, k).isEqualTo(model.update(k, v, flags));
                    }
                    case 2 -> assertThat(m.ops().delete(kAddr)).as("op %d delete", op).isEqualTo(model.delete(k));
                    default -> {
                        Long want = model.lookup(k);
                        long a = m.ops().lookup(kAddr, 0);
                        if (want == null) {
                            assertThat(a).as("op %d lookup %d", op, k).isZero();
                        } else {
                            assertThat(a).as("op %d lookup %d", op, k).isNotZero();
                            assertThat(f.readLong(a)).isEqualTo(want);
                        }
                    }
                }
            }
            assertThat(m.keys()).extracting(MapFixture::asInt).containsExactlyInAnyOrderElementsOf(model.values.keySet());
        }
    }

    private record Prefix(int len, int data) {
        static Prefix of(int len, int data) {
            return new Prefix(len, data & mask(len));
        }

        static int mask(int len) {
            return len == 0 ? 0 : -1 << (32 - len);
        }

        boolean covers(int addr, int addrLen) {
            return len <= addrLen && (addr & mask(len)) == data;
        }
    }

    private static byte[] lpmKey(int len, int data) {
        return ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(len)
                .order(java.nio.ByteOrder.BIG_ENDIAN).putInt(data).array();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void lpmTrieMatchesBruteForceLongestPrefix(long seed) {
        Random r = new Random(seed);
        try (MapFixture f = new MapFixture(2, seed)) {
            int max = 1 + r.nextInt(60);
            BpfMap m = f.create(MapSpec.of("lpm", MapType.LPM_TRIE, 8, 8, max).withFlags(BPF_F_NO_PREALLOC));
            int[] bases = {0x0a000000, 0x0a010000, 0x0a010100, 0xc0a80000, 0xc0a80101, 0xffffffff, 0};
            Map<Prefix, Long> model = new HashMap<>();
            for (int op = 0; op < 3000; op++) {
                int data = bases[r.nextInt(bases.length)] ^ (r.nextInt(4) == 0 ? r.nextInt() : r.nextInt(256) << (r.nextInt(4) * 8));
                int len = r.nextInt(4) == 0 ? 32 : r.nextInt(33);
                Prefix p = Prefix.of(len, data);
                long kAddr = f.put(lpmKey(len, data));
                switch (r.nextInt(6)) {
                    case 0, 1 -> {
                        long v = r.nextLong();
                        long flags = flagsOf(r);
                        boolean exists = model.containsKey(p);
                        int want = exists && flags == BPF_NOEXIST ? EEXIST
                                : !exists && flags == BPF_EXIST ? ENOENT
                                : !exists && model.size() == max ? ENOSPC : 0;
                        assertThat(m.ops().update(kAddr, f.put(u64(v)), flags, 0)).as("op %d update %s", op, p).isEqualTo(want);
                        if (want == 0) model.put(p, v);
                    }
                    case 2 -> {
                        int want = model.containsKey(p) ? 0 : ENOENT;
                        assertThat(m.ops().delete(kAddr)).as("op %d delete %s", op, p).isEqualTo(want);
                        model.remove(p);
                    }
                    default -> {
                        Prefix best = null;
                        for (Prefix q : model.keySet()) {
                            if (q.covers(data, len) && (best == null || q.len > best.len)) best = q;
                        }
                        long a = m.ops().lookup(kAddr, 0);
                        if (best == null) {
                            assertThat(a).as("op %d lookup %d/%x", op, len, data).isZero();
                        } else {
                            assertThat(a).as("op %d lookup %d/%x", op, len, data).isNotZero();
                            assertThat(f.readLong(a)).as("op %d lookup %d/%x -> %s", op, len, data, best).isEqualTo(model.get(best));
                        }
                    }
                }
            }
            assertThat(m.ops().update(f.put(lpmKey(33, 0)), f.put(u64(0)), BPF_ANY, 0)).isEqualTo(EINVAL);
            List<Prefix> order = new ArrayList<>();
            for (byte[] k : m.keys()) {
                ByteBuffer b = ByteBuffer.wrap(k);
                int len = b.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
                order.add(Prefix.of(len, b.order(java.nio.ByteOrder.BIG_ENDIAN).getInt(4)));
            }
            assertThat(order).containsExactlyInAnyOrderElementsOf(model.keySet());
            // Post-order: a prefix comes after every more specific prefix it covers.
            for (int i = 0; i < order.size(); i++) {
                for (int j = i + 1; j < order.size(); j++) {
                    Prefix early = order.get(i);
                    Prefix late = order.get(j);
                    assertThat(early.len < late.len && early.covers(late.data, late.len))
                            .as("%s listed before the more specific %s", early, late).isFalse();
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void queueAndStackMatchArrayDeque(long seed) {
        Random r = new Random(seed);
        try (MapFixture f = new MapFixture(2, seed)) {
            for (boolean lifo : new boolean[] {false, true}) {
                int max = 1 + r.nextInt(10);
                QueueStackBase m = (QueueStackBase) f.create(MapSpec.of("qs", lifo ? MapType.STACK : MapType.QUEUE, 0, 4, max));
                ArrayDeque<Integer> model = new ArrayDeque<>(); // newest last
                for (int op = 0; op < 2000; op++) {
                    long out = f.buffer(4);
                    switch (r.nextInt(3)) {
                        case 0 -> {
                            int v = r.nextInt();
                            long flags = flagsOf(r);
                            int want = flags == BPF_NOEXIST ? EINVAL : model.size() == max && flags != BPF_EXIST ? E2BIG : 0;
                            assertThat(m.push(f.put(u32(v)), flags)).isEqualTo(want);
                            if (want == 0) {
                                if (model.size() == max) model.removeFirst();
                                model.addLast(v);
                            }
                        }
                        case 1 -> {
                            Integer want = lifo ? model.pollLast() : model.pollFirst();
                            assertThat(m.pop(out)).isEqualTo(want == null ? ENOENT : 0);
                            if (want != null) assertThat(asInt(f.read(out, 4))).isEqualTo(want);
                        }
                        default -> {
                            Integer want = lifo ? model.peekLast() : model.peekFirst();
                            assertThat(m.peek(out)).isEqualTo(want == null ? ENOENT : 0);
                            if (want != null) assertThat(asInt(f.read(out, 4))).isEqualTo(want);
                        }
                    }
                    assertThat(m.size()).isEqualTo(model.size());
                }
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ringBufferDeliversCommittedRecordsInOrderAcrossWrapAround(long seed) {
        Random r = new Random(seed);
        try (MapFixture f = new MapFixture(2, seed)) {
            RingBufMap rb = (RingBufMap) f.create(MapSpec.of("rb", MapType.RINGBUF, 0, 0, 4096));
            RingBufferReader reader = rb.reader();
            long mask = 4095;
            // Model: records in production order; state 0 busy, 1 submitted, 2 discarded.
            record Rec(long pos, long addr, byte[] data, int[] state) {}
            ArrayDeque<Rec> produced = new ArrayDeque<>();
            List<Rec> outstanding = new ArrayList<>();
            long prod = 0;
            long cons = 0;
            int wrapped = 0;
            for (int op = 0; op < 4000; op++) {
                int choice = r.nextInt(10);
                if (choice < 4) {
                    int size = r.nextInt(4) == 0 ? r.nextInt(1500) : r.nextInt(64);
                    long len = (size + 8 + 7) & ~7L;
                    long pend = prod;
                    for (Rec x : produced) {
                        if (x.state[0] == 0) {
                            pend = x.pos;
                            break;
                        }
                    }
                    boolean fits = prod + len - cons <= mask && prod + len - pend <= mask;
                    byte[] data = new byte[size];
                    r.nextBytes(data);
                    if (choice == 0) {
                        int rc = rb.output(f.put(data), size, 0);
                        assertThat(rc).as("op %d output %d", op, size).isEqualTo(fits ? 0 : -11);
                        if (fits) {
                            produced.add(new Rec(prod, 0, data, new int[] {1}));
                            if ((prod & mask) + len > 4096) wrapped++;
                            prod += len;
                        }
                    } else {
                        long a = rb.reserve(size, 0);
                        assertThat(a != 0).as("op %d reserve %d", op, size).isEqualTo(fits);
                        if (fits) {
                            assertThat(f.read(a - 8, 4)).isEqualTo(u32(size | BPF_RINGBUF_BUSY_BIT));
                            assertThat(asInt(f.read(a - 4, 4))).isEqualTo(3 + (int) ((prod & mask) >>> 12));
                            f.write(a, data); // may run into the shadow area when the record wraps
                            Rec x = new Rec(prod, a, data, new int[] {0});
                            produced.add(x);
                            outstanding.add(x);
                            if ((prod & mask) + len > 4096) wrapped++;
                            prod += len;
                        }
                    }
                } else if (choice < 7 && !outstanding.isEmpty()) {
                    Rec x = outstanding.remove(r.nextInt(outstanding.size()));
                    if (r.nextInt(4) == 0) {
                        rb.discard(x.addr, 0);
                        x.state[0] = 2;
                    } else {
                        rb.submit(x.addr, 0);
                        x.state[0] = 1;
                    }
                } else {
                    byte[] want = null;
                    while (!produced.isEmpty() && produced.peek().state[0] != 0) {
                        Rec x = produced.poll();
                        cons = x.pos + ((x.data.length + 8 + 7) & ~7L);
                        if (x.state[0] == 1) {
                            want = x.data;
                            break;
                        }
                    }
                    var got = reader.poll();
                    if (want == null) {
                        assertThat(got).as("op %d poll", op).isEmpty();
                    } else {
                        assertThat(got).as("op %d poll", op).isPresent();
                        assertThat(got.get()).isEqualTo(want);
                    }
                }
                assertThat(rb.query(BPF_RB_PROD_POS)).isEqualTo(prod);
                assertThat(rb.query(BPF_RB_CONS_POS)).isEqualTo(cons);
                assertThat(rb.query(BPF_RB_AVAIL_DATA)).isEqualTo(prod - cons);
                assertThat(rb.query(BPF_RB_RING_SIZE)).isEqualTo(4096);
            }
            assertThat(wrapped).as("records that wrapped around the end").isPositive();
        }
    }
}

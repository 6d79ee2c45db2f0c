package org.bpf4j.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.QueueMap;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.maps.StackMap;

/**
 * The contents of an object's maps at one moment, to put back later: what lets a caller warm a program
 * up on the real maps and then run it as if the warm-up never happened. Ring buffers get their consumer and
 * producer positions back (the warm-up's records are forgotten, earlier unread ones kept, and
 * bpf_ringbuf_query sees what a cold run would); maps programs cannot change (program arrays,
 * maps of maps, device maps) are left alone. A bloom filter cannot forget what was added to it, so an
 * object with one cannot be snapshotted.
 */
public final class MapsSnapshot {
    private record Saved(BpfMap map, List<byte[]> keys, List<Object> values) {}

    private record SavedRing(RingBufMap ring, RingBufMap.Positions positions) {}

    /** Queues and stacks have no keys: their host API takes an empty one. */
    private static final byte[] NO_KEY = new byte[0];

    private final List<Saved> saved;
    private final List<SavedRing> rings;

    private MapsSnapshot(List<Saved> saved, List<SavedRing> rings) {
        this.saved = saved;
        this.rings = rings;
    }

    /** Whether {@link #of} can snapshot these maps. */
    public static boolean supported(Map<String, BpfMap> maps) {
        return maps.values().stream().noneMatch(m -> m.type() == MapType.BLOOM_FILTER);
    }

    public static MapsSnapshot of(Map<String, BpfMap> maps) {
        if (!supported(maps)) throw new IllegalStateException("a bloom filter cannot be restored to an earlier state");
        List<Saved> saved = new ArrayList<>();
        List<SavedRing> rings = new ArrayList<>();
        for (BpfMap map : maps.values()) {
            switch (map.type()) {
                case RINGBUF -> rings.add(new SavedRing((RingBufMap) map, ((RingBufMap) map).positions()));
                case QUEUE, STACK -> {
                    List<Object> values = new ArrayList<>();
                    for (Optional<byte[]> v = map.lookupAndDelete(NO_KEY); v.isPresent(); v = map.lookupAndDelete(NO_KEY)) values.add(v.get());
                    // Put them back as they were: a queue in order, a stack bottom first.
                    List<Object> order = new ArrayList<>(values);
                    if (map instanceof StackMap) java.util.Collections.reverse(order);
                    for (Object v : order) map.update(NO_KEY, (byte[]) v, MapFlags.BPF_ANY);
                    saved.add(new Saved(map, List.of(), order));
                }
                case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, LPM_TRIE, ARRAY, PERCPU_ARRAY -> {
                    List<byte[]> keys = map.keys();
                    List<Object> values = new ArrayList<>();
                    for (byte[] k : keys) {
                        values.add(map.type().perCpu() ? map.lookupPerCpu(k).orElseThrow() : map.lookup(k).orElseThrow());
                    }
                    saved.add(new Saved(map, keys, values));
                }
                default -> { }
            }
        }
        return new MapsSnapshot(saved, rings);
    }

    private static boolean sameValues(Optional<List<byte[]>> current, List<byte[]> saved) {
        if (current.isEmpty() || current.get().size() != saved.size()) return false;
        for (int i = 0; i < saved.size(); i++) if (!Arrays.equals(current.get().get(i), saved.get(i))) return false;
        return true;
    }

    /** Puts every saved map back as it was, ring buffer positions included. */
    @SuppressWarnings("unchecked")
    public void restore() {
        for (Saved s : saved) {
            BpfMap map = s.map();
            if (map instanceof QueueMap || map instanceof StackMap) {
                while (map.lookupAndDelete(NO_KEY).isPresent()) { }
                for (Object v : s.values()) map.update(NO_KEY, (byte[]) v, MapFlags.BPF_ANY);
                continue;
            }
            boolean array = map.type() == MapType.ARRAY || map.type() == MapType.PERCPU_ARRAY;
            if (!array) {
                for (byte[] k : map.keys()) {
                    if (s.keys().stream().noneMatch(saved -> Arrays.equals(saved, k))) map.delete(k);
                }
            }
            // Only values that changed are written back: a frozen map (.rodata) refuses every update.
            for (int i = 0; i < s.keys().size(); i++) {
                byte[] key = s.keys().get(i);
                if (map.type().perCpu()) {
                    List<byte[]> values = (List<byte[]>) s.values().get(i);
                    if (!sameValues(map.lookupPerCpu(key), values)) map.updatePerCpu(key, values, MapFlags.BPF_ANY);
                } else {
                    byte[] value = (byte[]) s.values().get(i);
                    if (!map.lookup(key).map(v -> Arrays.equals(v, value)).orElse(false)) map.update(key, value, MapFlags.BPF_ANY);
                }
            }
        }
        for (SavedRing r : rings) r.ring().rewind(r.positions());
    }
}

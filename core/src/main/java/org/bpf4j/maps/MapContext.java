package org.bpf4j.maps;

import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.bpf4j.mem.AddressSpace;

/**
 * What maps are created in: the BPF address space their memory lives in, the number of CPU slots
 * (per-CPU values, perf buffers, epochs), the clock and the random source (hash seeds, bloom filter
 * seeds) — both fixable by tests — the {@link Epochs} every map of the runtime shares, and the registry
 * that gives every map an id and the handle a program register holds for it.
 */
public final class MapContext {
    /** High bits of a map handle: never a valid BPF address, never a helper id or function pointer. */
    public static final long MAP_HANDLE_TAG = 0xbf4d_0000_0000_0000L;
    private static final long HANDLE_MASK = 0xffff_0000_0000_0000L;

    private final AddressSpace space;
    private final int cpus;
    private final LongSupplier nanoClock;
    private final RandomGenerator random;
    private final Epochs epochs;
    private final Object registryLock = new Object();
    private volatile AtomicReferenceArray<BpfMap> maps = new AtomicReferenceArray<>(16);
    private int nextId = 1; // guarded by registryLock

    private MapContext(AddressSpace space, int cpus, LongSupplier nanoClock, RandomGenerator random) {
        this.space = Objects.requireNonNull(space, "space");
        if (cpus <= 0) throw new IllegalArgumentException("need at least one CPU slot: " + cpus);
        this.cpus = cpus;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.random = Objects.requireNonNull(random, "random");
        this.epochs = new Epochs(cpus);
    }

    /** A context with the real clock and an unpredictable random source. */
    public static MapContext of(AddressSpace space, int cpus) {
        return new MapContext(space, cpus, System::nanoTime, new SplittableRandom());
    }

    /** A deterministic context: fixed seed, and a clock the caller controls. */
    public static MapContext of(AddressSpace space, int cpus, LongSupplier nanoClock, long seed) {
        return new MapContext(space, cpus, nanoClock, new SplittableRandom(seed));
    }

    public AddressSpace space() { return space; }

    public int cpus() { return cpus; }

    public long nanoTime() { return nanoClock.getAsLong(); }

    public Epochs epochs() { return epochs; }

    /** A 32-bit random number (seeds); creation-time only. */
    public int randomInt() {
        synchronized (random) {
            return random.nextInt();
        }
    }

    /** The map with this id, if it is live. */
    public Optional<BpfMap> mapById(int id) {
        AtomicReferenceArray<BpfMap> m = maps;
        return id > 0 && id < m.length() ? Optional.ofNullable(m.get(id)) : Optional.empty();
    }

    /** Hot path: the map a handle stands for, or null. */
    public MapOps mapByHandle(long handle) {
        if ((handle & HANDLE_MASK) != MAP_HANDLE_TAG) return null;
        long id = handle & ~HANDLE_MASK;
        AtomicReferenceArray<BpfMap> m = maps;
        return id > 0 && id < m.length() ? (MapOps) m.getAcquire((int) id) : null;
    }

    static long handleOf(int id) {
        return MAP_HANDLE_TAG | id;
    }

    int reserveId() {
        synchronized (registryLock) {
            return nextId++;
        }
    }

    void publish(int id, BpfMap map) {
        synchronized (registryLock) {
            AtomicReferenceArray<BpfMap> m = maps;
            if (id >= m.length()) {
                AtomicReferenceArray<BpfMap> bigger = new AtomicReferenceArray<>(Math.max(m.length() * 2, id + 1));
                for (int i = 0; i < m.length(); i++) bigger.set(i, m.get(i));
                m = bigger;
            }
            m.setRelease(id, map);
            maps = m;
        }
    }

    void unregister(int id) {
        synchronized (registryLock) {
            maps.set(id, null);
        }
    }
}

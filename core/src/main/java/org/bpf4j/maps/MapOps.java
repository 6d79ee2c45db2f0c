package org.bpf4j.maps;

/**
 * A map as programs use it, through helpers (the kernel's {@code struct bpf_map_ops}): allocation-free,
 * pointers are BPF addresses, results are the kernel's — a value address or 0, 0 or {@code -errno}. The
 * key (and value) memory is read where the address points; the caller (a helper in checked mode, or the
 * verifier for typed programs) has made sure it lies inside live BPF memory. A value address returned by
 * {@link #lookup(long, int)} stays valid for the rest of the calling run, as long as the run is inside
 * {@link Epochs#enter}/{@link Epochs#exit}. Every {@link BpfMap} is one ({@link BpfMap#ops()}).
 */
public sealed interface MapOps permits MapBase {

    /** The map's definition: key and value sizes for the helpers' argument checks. */
    MapSpec spec();

    /** What a program register holds for this map ({@link MapContext#mapByHandle}). */
    long handle();

    /** bpf_map_lookup_elem: the value's address for {@code cpu}, or 0. */
    long lookup(long keyAddr, int cpu);

    /** bpf_map_update_elem from a program: 0 or -errno. */
    int update(long keyAddr, long valueAddr, long flags, int cpu);

    /** bpf_map_delete_elem: 0 or -errno. */
    int delete(long keyAddr);

    /** bpf_map_push_elem (queue, stack, bloom filter): 0 or -errno. */
    default int push(long valueAddr, long flags) { return Errno.EINVAL.negative(); }

    /** bpf_map_pop_elem (queue, stack): copies the value to {@code valueAddr}; 0 or -errno. */
    default int pop(long valueAddr) { return Errno.EINVAL.negative(); }

    /** bpf_map_peek_elem (queue, stack, bloom filter): 0 or -errno. */
    default int peek(long valueAddr) { return Errno.EINVAL.negative(); }

    /**
     * What {@link #forEachElement} calls for each element: the key's and the value's addresses, both valid
     * BPF memory for the duration of the call; a non-zero result stops the walk.
     */
    @FunctionalInterface
    interface ElementVisitor {
        long visit(long keyAddr, long valueAddr);
    }

    /**
     * bpf_for_each_map_elem: visits the elements in the kernel's order (arrays by index; hash maps bucket
     * by bucket, each chain newest first), per-CPU maps with {@code cpu}'s value, until {@code visitor}
     * returns non-zero. Array keys are written to {@code keyScratch} (4 bytes of BPF memory the caller
     * owns) since an array stores none. Returns the number of elements visited (the stopping one
     * included), or -EOPNOTSUPP for map types the kernel has no walk for (the verifier refuses those).
     */
    default long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return Errno.EOPNOTSUPP.negative();
    }
}

package org.bpf4j.maps;

import java.util.List;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_PERCPU_HASH} and {@code BPF_MAP_TYPE_LRU_PERCPU_HASH} (the spec's type says which):
 * see {@link HashEngine} for layout, concurrency, semantics and the LRU policy.
 */
public final class PerCpuHashMap extends HashEngine implements BpfMap {

    PerCpuHashMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, true, spec.type() == MapType.LRU_PERCPU_HASH, spec.valueSize(), !spec.hasFlag(MapFlags.BPF_F_RDONLY_PROG));
    }

    @Override
    public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        return lookupPerCpuImpl(key);
    }

    @Override
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        updatePerCpuImpl(key, values, flags);
    }

    @Override
    public long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return forEachImpl(cpu, visitor);
    }
}

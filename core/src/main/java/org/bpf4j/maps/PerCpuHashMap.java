package org.bpf4j.maps;

import java.util.List;
import java.util.Optional;

/** {@code BPF_MAP_TYPE_PERCPU_HASH}: see {@link HashEngine} for layout, concurrency and semantics. */
public final class PerCpuHashMap extends HashEngine implements BpfMap {

    PerCpuHashMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, true, false, spec.valueSize(), !spec.hasFlag(MapFlags.BPF_F_RDONLY_PROG));
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

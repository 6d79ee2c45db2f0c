package org.bpf4j.maps;

/**
 * {@code BPF_MAP_TYPE_HASH} and {@code BPF_MAP_TYPE_LRU_HASH} (the spec's type says which): see
 * {@link HashEngine} for layout, concurrency, semantics and the LRU policy.
 */
public final class HashTableMap extends HashEngine implements BpfMap {

    HashTableMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, false, spec.type() == MapType.LRU_HASH, spec.valueSize(), !spec.hasFlag(MapFlags.BPF_F_RDONLY_PROG));
    }

    @Override
    public long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return forEachImpl(cpu, visitor);
    }
}

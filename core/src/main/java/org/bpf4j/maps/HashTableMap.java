package org.bpf4j.maps;


/** {@code BPF_MAP_TYPE_HASH}: see {@link HashEngine} for layout, concurrency and semantics. */
public final class HashTableMap extends HashEngine implements BpfMap {

    HashTableMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id, false, false, spec.valueSize(), !spec.hasFlag(MapFlags.BPF_F_RDONLY_PROG));
    }

    @Override
    public long forEachElement(int cpu, long keyScratch, ElementVisitor visitor) {
        return forEachImpl(cpu, visitor);
    }
}

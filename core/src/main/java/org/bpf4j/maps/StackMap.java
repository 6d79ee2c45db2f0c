package org.bpf4j.maps;

/** {@code BPF_MAP_TYPE_STACK} (LIFO: the newest value is popped first); see {@link QueueStackBase}. */
public final class StackMap extends QueueStackBase implements BpfMap {

    StackMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    @Override
    boolean lifo() { return true; }
}

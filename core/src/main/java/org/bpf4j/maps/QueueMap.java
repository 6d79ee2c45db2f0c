package org.bpf4j.maps;

/** {@code BPF_MAP_TYPE_QUEUE} (FIFO: the oldest value is popped first); see {@link QueueStackBase}. */
public final class QueueMap extends QueueStackBase implements BpfMap {

    QueueMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    @Override
    boolean lifo() { return false; }
}

package org.bpf4j.helpers;

import java.util.List;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.RingBufMap;
import org.bpf4j.progtype.ProgramType;

/**
 * What an implementation is bound to when a program is loaded: the program's type, the maps, the ring
 * buffers a sample may belong to, and the callback and spin-lock state.
 */
public record HelperEnv(ProgramType type, MapContext maps, List<RingBufMap> rings, CallbackHelpers.State callbacks) {
    public HelperEnv {
        rings = List.copyOf(rings);
    }
}

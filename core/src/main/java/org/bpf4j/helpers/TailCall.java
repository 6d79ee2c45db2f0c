package org.bpf4j.helpers;

import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.mem.MemoryFault;

/**
 * {@code bpf_tail_call} (helper 12). It cannot be an ordinary helper: on success the target program
 * replaces the calling function, and on failure r0 keeps its value. So the engines recognise this helper
 * in the table and compile the call themselves (see {@code RunState.tailCallTarget}); this object only
 * says which maps the program's map handles stand for.
 */
public final class TailCall implements Helper {
    /** The kernel's MAX_TAIL_CALL_CNT: a run makes at most this many tail calls; the next one fails. */
    public static final int MAX_TAIL_CALL_CNT = 33;

    private final MapContext maps;

    public TailCall(MapContext maps) {
        this.maps = maps;
    }

    /** bpf_tail_call ({@link HelperSpec.Implementation}) on the env's maps. */
    public static java.util.Optional<Helper> implementation(int id, HelperEnv env) {
        return java.util.Optional.of(new TailCall(env.maps()));
    }

    /** Registers the tail call helper for maps of {@code maps}. */
    public static HelperTable.Builder register(HelperTable.Builder table, MapContext maps) {
        return table.add(KernelHelper.TAIL_CALL, new TailCall(maps));
    }

    /** The PROG_ARRAY a map handle stands for, or null (the verifier allows no other map here). */
    public ProgArrayMap progArray(long handle) {
        return maps.mapByHandle(handle) instanceof ProgArrayMap array ? array : null;
    }

    /** Reached only through {@code callx} by helper id, which the kernel does not allow for tail calls. */
    @Override
    public long call(HelperContext ctx, long r1, long r2, long r3, long r4, long r5) {
        throw new MemoryFault(0, "bpf_tail_call must be called directly (call 12), not through callx");
    }
}

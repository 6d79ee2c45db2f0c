package org.bpf4j.maps;

import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: tail-call targets. Slots hold program references as opaque objects
 * (programs live in the runtime); {@link #program(long)} is the tail call's allocation-free read.
 * The byte-array host API cannot name a program (the kernel takes a program fd and reports an id):
 * use {@link #set}, {@link #get} and {@link #clear}.
 */
public final class ProgArrayMap extends FdArrayBase implements BpfMap {

    ProgArrayMap(MapSpec spec, MapContext ctx, int id) {
        super(spec, ctx, id);
    }

    /** Hot path (bpf_tail_call): the program in slot {@code index}, or null. */
    public Object program(long index) {
        return slot(index);
    }

    public void set(int index, Object program) {
        ensureOpen();
        check(setSlot(index, java.util.Objects.requireNonNull(program, "program"), MapFlags.BPF_ANY), "update");
    }

    public Optional<Object> get(int index) {
        return Optional.ofNullable(slot(Integer.toUnsignedLong(index)));
    }

    public void clear(int index) {
        ensureOpen();
        check(clearSlot(index), "delete");
    }

    @Override
    byte[] hostLookup(byte[] key) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "lookup: program slots are read with get(index)");
    }

    @Override
    int hostUpdate(byte[] key, byte[] value, long flags) {
        throw BpfMapException.of(Errno.EOPNOTSUPP, spec, "update: program slots are set with set(index, program)");
    }
}

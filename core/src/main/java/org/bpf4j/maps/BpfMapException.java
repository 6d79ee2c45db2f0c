package org.bpf4j.maps;

/**
 * A map operation or map creation failed with the errno the kernel would return. The message is one
 * line and names the map: {@code map 'counters' (HASH): update: E2BIG: map is full (max_entries 1024)}.
 */
public final class BpfMapException extends org.bpf4j.api.ErrnoException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String mapName;

    public BpfMapException(Errno errno, String mapName, String message) {
        super(errno.number(), message);
        this.errno = errno;
        this.mapName = mapName;
    }

    public Errno errno() { return errno; }

    public String mapName() { return mapName; }

    static BpfMapException of(Errno errno, MapSpec spec, String what) {
        return new BpfMapException(errno, spec.name(),
                "map '" + spec.name() + "' (" + spec.type() + "): " + errno + ": " + what);
    }

    static BpfMapException of(int negErrno, MapSpec spec, String op, String detail) {
        Errno e = Errno.of(negErrno).orElse(Errno.EINVAL);
        return new BpfMapException(e, spec.name(), "map '" + spec.name() + "' (" + spec.type() + "): "
                + op + ": " + e + (detail == null ? "" : ": " + detail));
    }
}

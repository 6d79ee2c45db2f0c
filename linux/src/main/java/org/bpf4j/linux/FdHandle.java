package org.bpf4j.linux;

import java.lang.ref.Cleaner;

/**
 * Owns one kernel file descriptor: closed exactly once, by {@link #close()} or — as a safety net for a
 * forgotten close — when the owner becomes unreachable. Callers that pass {@link #fd()} to a syscall
 * keep the handle reachable until the call returns ({@code Reference.reachabilityFence}).
 */
final class FdHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The state the cleaner holds: must not refer back to the handle. */
    private static final class State implements Runnable {
        private volatile int fd;

        State(int fd) { this.fd = fd; }

        @Override
        public synchronized void run() {
            int f = fd;
            fd = -1;
            Sys.close(f);
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String what;

    FdHandle(int fd, String what) {
        if (fd < 0) throw new IllegalArgumentException("negative fd " + fd);
        this.state = new State(fd);
        this.cleanable = CLEANER.register(this, state);
        this.what = what;
    }

    /** The descriptor; throws if closed. */
    int fd() {
        int f = state.fd;
        if (f < 0) throw new IllegalStateException(what + " is closed");
        return f;
    }

    boolean isClosed() { return state.fd < 0; }

    /**
     * The kernel-wide id of the program or link this fd refers to ({@code BPF_OBJ_GET_INFO_BY_FD}: {@code id}
     * follows {@code type} in both {@code struct bpf_prog_info} and {@code struct bpf_link_info}).
     */
    int objectId() {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment info = a.allocate(8, 8);
            java.lang.foreign.MemorySegment attr = Attr.allocate(a);
            Attr.putU32(attr, Attr.Info.BPF_FD, fd());
            Attr.putU32(attr, Attr.Info.INFO_LEN, 8);
            Attr.putPtr(attr, Attr.Info.INFO, info);
            try {
                Sys.bpfOrThrow(a, BpfCommand.BPF_OBJ_GET_INFO_BY_FD, attr, Attr.Info.END, what);
            } finally {
                java.lang.ref.Reference.reachabilityFence(this);
            }
            return info.get(Attr.U32, 4);
        }
    }

    @Override
    public void close() { cleanable.clean(); }
}

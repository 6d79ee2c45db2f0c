package org.bpf4j.mem;

/**
 * The stack memory of one program run: {@value #MAX_FRAMES} frames of {@value #FRAME_SIZE} bytes,
 * each its own region, so that checked mode catches an access that crosses from one frame into the
 * next while a pointer a caller passes to its callee stays valid. One stack serves one run at a time.
 */
public final class ExecutionStack implements AutoCloseable {
    public static final int MAX_FRAMES = 8;
    public static final int FRAME_SIZE = 512;

    private final AddressSpace space;
    private final Region[] frames = new Region[MAX_FRAMES];

    public ExecutionStack(AddressSpace space) {
        this.space = space;
        for (int i = 0; i < MAX_FRAMES; i++) {
            frames[i] = space.allocate(FRAME_SIZE, 64, "stack frame " + i, true);
        }
    }

    public AddressSpace space() { return space; }

    /** r10 of frame {@code depth}: one past the frame's highest byte. */
    public long frameTop(int depth) {
        return frames[depth].end();
    }

    public Region frame(int depth) { return frames[depth]; }

    @Override
    public void close() {
        for (Region r : frames) space.free(r);
    }
}

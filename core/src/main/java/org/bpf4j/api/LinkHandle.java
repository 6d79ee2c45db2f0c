package org.bpf4j.api;

import java.nio.file.Path;

/** A program attached to a hook ({@code org.bpf4j.linux.Link}): detached by {@link #close()} unless pinned. */
public interface LinkHandle extends AutoCloseable {

    /** {@code BPF_OBJ_PIN}: the attachment outlives this process until the pin is removed. */
    void pin(Path path);

    boolean isClosed();

    /** Detaches (unless pinned) and releases the link. */
    @Override
    void close();
}

package org.bpf4j.api;

import java.util.List;
import java.util.Optional;

/**
 * What one batch lookup returned: keys and values in the {@link MapHandle} layout, in the same order, and the
 * cursor to continue from; {@code next} is empty when the kernel reported the end ({@code ENOENT}).
 */
public record Batch(List<byte[]> keys, List<byte[]> values, Optional<BatchCursor> next) {
    public Batch {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (keys.size() != values.size()) throw new IllegalArgumentException(keys.size() + " keys, " + values.size() + " values");
    }

    /** Whether this batch ends the walk. */
    public boolean done() { return next.isEmpty(); }
}

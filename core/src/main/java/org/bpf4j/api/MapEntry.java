package org.bpf4j.api;

import java.util.Objects;

/** One key and its value, in the layout of {@link MapHandle}. */
public record MapEntry(byte[] key, byte[] value) {
    public MapEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}

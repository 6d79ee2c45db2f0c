package org.bpf4j.api;

import java.util.Objects;

/**
 * Where a batch operation stopped, to continue from ({@code in_batch}/{@code out_batch}): opaque, its bytes
 * are the backend's (a hash bucket index in the kernel's hash maps, the last key elsewhere).
 */
public record BatchCursor(byte[] token) {
    public BatchCursor {
        Objects.requireNonNull(token, "token");
        token = token.clone();
    }

    @Override
    public byte[] token() { return token.clone(); }
}

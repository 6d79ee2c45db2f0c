package org.bpf4j.btf;

import java.util.Objects;

/**
 * A map's key and value types in the BTF of the object that declared it ({@code __type(key, ...)},
 * {@code __type(value, ...)}): what {@link BtfCodec} encodes keys and values with.
 */
public record MapBtf(Btf btf, int keyTypeId, int valueTypeId) {
    public MapBtf {
        Objects.requireNonNull(btf, "btf");
        btf.type(keyTypeId);
        btf.type(valueTypeId);
    }

    /** The types of a map declared with BTF key and value types, or empty when either id is 0 (unknown). */
    public static java.util.Optional<MapBtf> of(java.util.Optional<Btf> btf, int keyTypeId, int valueTypeId) {
        if (btf.isEmpty() || keyTypeId == 0 || valueTypeId == 0) return java.util.Optional.empty();
        return java.util.Optional.of(new MapBtf(btf.get(), keyTypeId, valueTypeId));
    }
}

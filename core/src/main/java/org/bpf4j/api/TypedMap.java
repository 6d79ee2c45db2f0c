package org.bpf4j.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.BtfCodec;
import org.bpf4j.btf.MapBtf;
import org.bpf4j.maps.MapFlags;

/**
 * A {@link MapHandle} with keys and values as Java values, encoded with the map's BTF key and value types by a
 * {@link BtfCodec} (records by member name, numbers, strings, arrays, or {@code Map<String, Object>}). Every
 * operation is the map's own, with its semantics and errors; a per-CPU map's values are one per possible CPU.
 */
public final class TypedMap<K, V> {
    private final MapHandle map;
    private final BtfCodec<K> keys;
    private final BtfCodec<V> values;

    /**
     * @throws IllegalArgumentException when a class does not match its BTF type, or the BTF types' sizes are not
     *     the map's key and value sizes
     */
    public TypedMap(MapHandle map, MapBtf types, Class<K> keyType, Class<V> valueType) {
        this.map = map;
        try {
            this.keys = BtfCodec.of(types.btf(), types.keyTypeId(), keyType);
            this.values = BtfCodec.of(types.btf(), types.valueTypeId(), valueType);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("map " + map.name() + ": " + e.getMessage(), e);
        }
        if (keys.size() != map.keySize() || values.size() != map.valueSize()) {
            throw new IllegalArgumentException("map " + map.name() + ": its BTF key and value are " + keys.size() + " and "
                    + values.size() + " bytes, the map's key_size and value_size " + map.keySize() + " and " + map.valueSize());
        }
    }

    public MapHandle map() { return map; }

    private boolean perCpu() { return map.type().perCpu(); }

    private void requireNotPerCpu(String op) {
        if (perCpu()) throw new UnsupportedOperationException("map " + map.name() + " is per-CPU: " + op + "PerCpu gives every CPU's value");
    }

    public Optional<V> lookup(K key) {
        requireNotPerCpu("lookup");
        return map.lookup(keys.encode(key)).map(values::decode);
    }

    public void update(K key, V value, long flags) {
        requireNotPerCpu("update");
        map.update(keys.encode(key), values.encode(value), flags);
    }

    public void update(K key, V value) { update(key, value, MapFlags.BPF_ANY); }

    public void delete(K key) { map.delete(keys.encode(key)); }

    public Optional<V> lookupAndDelete(K key) {
        requireNotPerCpu("lookupAndDelete");
        return map.lookupAndDelete(keys.encode(key)).map(values::decode);
    }

    /** A per-CPU map's value on every possible CPU. */
    public Optional<List<V>> lookupPerCpu(K key) {
        return map.lookupPerCpu(keys.encode(key)).map(list -> list.stream().map(values::decode).toList());
    }

    /** Sets a per-CPU map's value on every possible CPU. */
    public void updatePerCpu(K key, List<V> perCpu, long flags) {
        List<byte[]> raw = new ArrayList<>(perCpu.size());
        for (V v : perCpu) raw.add(values.encode(v));
        map.updatePerCpu(keys.encode(key), raw, flags);
    }

    public List<K> keys() { return map.keys().stream().map(keys::decode).toList(); }

    /** Every entry, in the map's key order (not for per-CPU maps: {@link #lookupPerCpu}). */
    public Map<K, V> entries() {
        requireNotPerCpu("entries: lookup");
        Map<K, V> out = new LinkedHashMap<>();
        for (MapEntry e : map.entries()) out.put(keys.decode(e.key()), values.decode(e.value()));
        return out;
    }

    /** {@code BPF_MAP_UPDATE_BATCH} of every entry of {@code entries}, in its order; returns how many. */
    public int updateBatch(Map<K, V> entries) {
        requireNotPerCpu("updateBatch: update");
        List<byte[]> k = new ArrayList<>(entries.size());
        List<byte[]> v = new ArrayList<>(entries.size());
        entries.forEach((key, value) -> {
            k.add(keys.encode(key));
            v.add(values.encode(value));
        });
        return map.updateBatch(k, v, 0);
    }

    public byte[] encodeKey(K key) { return keys.encode(key); }

    public K decodeKey(byte[] key) { return keys.decode(key); }

    public byte[] encodeValue(V value) { return values.encode(value); }

    public V decodeValue(byte[] value) { return values.decode(value); }
}

package org.bpf4j.maps;

import java.util.Objects;
import java.util.Optional;
import org.bpf4j.btf.MapBtf;

/**
 * What a map is, as {@code BPF_MAP_CREATE} receives it: the ELF loader produces these from an object's
 * {@code .maps} section, a host program may write them by hand. The record checks only what every map
 * needs to be described (a name, a type, sizes that are not negative as u32); the kernel's per-type rules
 * are checked when the map is created ({@link BpfMaps#create}).
 *
 * @param name the map's name (for messages; the kernel's 15-character limit is not enforced)
 * @param type the map type
 * @param keySize key size in bytes (u32)
 * @param valueSize value size in bytes (u32)
 * @param maxEntries max_entries (u32)
 * @param flags map_flags ({@link MapFlags}: {@code BPF_F_*})
 * @param innerMap for ARRAY_OF_MAPS and HASH_OF_MAPS: the spec every inner map must be compatible with
 *     (the kernel's {@code inner_map_fd} template)
 * @param mapExtra map_extra: for BLOOM_FILTER the number of hash functions in the low 4 bits (0 = 5)
 * @param spinLockOffset offset of a {@code struct bpf_spin_lock} in the value, from BTF, or -1: what makes
 *     {@code BPF_F_LOCK} legal
 * @param timerOffset offset of a {@code struct bpf_timer} in the value, from BTF, or -1; updates and lookups
 *     copy values around both fields, as the kernel does
 * @param btf the key's and value's BTF types, from the object that declares the map: what typed access reads
 *     them with ({@link org.bpf4j.api.MapHandle#typed}); they do not change the map's behaviour
 */
public record MapSpec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
                      Optional<MapSpec> innerMap, long mapExtra, int spinLockOffset, int timerOffset, Optional<MapBtf> btf) {

    public MapSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(innerMap, "innerMap");
        Objects.requireNonNull(btf, "btf");
        if (spinLockOffset < -1) throw new IllegalArgumentException("spinLockOffset must be -1 or an offset: " + spinLockOffset);
        if (timerOffset < -1) throw new IllegalArgumentException("timerOffset must be -1 or an offset: " + timerOffset);
    }

    /** A spec with no flags, no inner map, no map_extra, no spin lock and no timer. */
    public static MapSpec of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, 0, Optional.empty(), 0, -1, -1, Optional.empty());
    }

    public MapSpec withFlags(int newFlags) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, newFlags, innerMap, mapExtra, spinLockOffset, timerOffset, btf);
    }

    public MapSpec withInnerMap(MapSpec inner) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, Optional.of(inner), mapExtra, spinLockOffset, timerOffset, btf);
    }

    public MapSpec withMapExtra(long extra) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, extra, spinLockOffset, timerOffset, btf);
    }

    public MapSpec withSpinLockOffset(int offset) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, mapExtra, offset, timerOffset, btf);
    }

    public MapSpec withTimerOffset(int offset) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, mapExtra, spinLockOffset, offset, btf);
    }

    public MapSpec withBtf(Optional<MapBtf> types) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, innerMap, mapExtra, spinLockOffset, timerOffset, types);
    }

    public MapSpec withMaxEntries(int max) {
        return new MapSpec(name, type, keySize, valueSize, max, flags, innerMap, mapExtra, spinLockOffset, timerOffset, btf);
    }

    public MapSpec withName(String newName) {
        return new MapSpec(newName, type, keySize, valueSize, maxEntries, flags, innerMap, mapExtra, spinLockOffset, timerOffset, btf);
    }

    /** key_size as the kernel's u32. */
    public long keySizeU32() { return Integer.toUnsignedLong(keySize); }

    /** value_size as the kernel's u32. */
    public long valueSizeU32() { return Integer.toUnsignedLong(valueSize); }

    /** max_entries as the kernel's u32. */
    public long maxEntriesU32() { return Integer.toUnsignedLong(maxEntries); }

    public boolean hasFlag(int flag) { return (flags & flag) != 0; }

    @Override
    public String toString() {
        return String.format("MapSpec[%s %s key=%d value=%d max=%d flags=0x%x%s%s", name, type,
                keySizeU32(), valueSizeU32(), maxEntriesU32(), flags,
                innerMap.map(i -> " inner=" + i).orElse(""), mapExtra != 0 ? " extra=" + mapExtra : "")
                + (spinLockOffset >= 0 ? " spin_lock@" + spinLockOffset : "") + (timerOffset >= 0 ? " timer@" + timerOffset : "") + "]";
    }
}

package org.bpf4j.linux;

import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import java.util.Objects;

/**
 * What {@code BPF_MAP_CREATE} needs. Build with {@link #of} and the {@code with...} methods.
 *
 * @param type the map type
 * @param keySize key size in bytes (0 for queue, stack, ringbuf, bloom filter)
 * @param valueSize value size in bytes (per CPU for per-CPU maps)
 * @param maxEntries capacity (for ringbuf: the data size, a power-of-2 multiple of the page size)
 * @param flags {@code BPF_F_*} map creation flags ({@link MapFlags}: {@code BPF_F_NO_PREALLOC}, ...)
 * @param name up to 15 characters of {@code [A-Za-z0-9_.]}, or empty (checked here, as the kernel would)
 * @param innerMapFd template map fd for map-in-map types, 0 for none
 * @param btfFd BTF object fd describing key and value, 0 for none
 * @param btfKeyTypeId the key's BTF type id (with btfFd)
 * @param btfValueTypeId the value's BTF type id (with btfFd)
 * @param mapExtra {@code map_extra} (bloom filter hash count, arena address)
 */
public record KernelMapSpec(MapType type, int keySize, int valueSize, int maxEntries, int flags, String name,
                      int innerMapFd, int btfFd, int btfKeyTypeId, int btfValueTypeId, long mapExtra) {

    public KernelMapSpec {
        Objects.requireNonNull(type, "type");
        name = Attr.checkName(name);
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) throw new IllegalArgumentException("negative size in " + name);
    }

    public static KernelMapSpec of(MapType type, int keySize, int valueSize, int maxEntries) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, 0, "", 0, 0, 0, 0, 0);
    }

    public KernelMapSpec withFlags(int flags) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, flags, name, innerMapFd, btfFd, btfKeyTypeId, btfValueTypeId, mapExtra);
    }

    public KernelMapSpec withName(String name) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, flags, name, innerMapFd, btfFd, btfKeyTypeId, btfValueTypeId, mapExtra);
    }

    public KernelMapSpec withInnerMapFd(int innerMapFd) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, flags, name, innerMapFd, btfFd, btfKeyTypeId, btfValueTypeId, mapExtra);
    }

    public KernelMapSpec withBtf(int btfFd, int keyTypeId, int valueTypeId) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, flags, name, innerMapFd, btfFd, keyTypeId, valueTypeId, mapExtra);
    }

    public KernelMapSpec withMapExtra(long mapExtra) {
        return new KernelMapSpec(type, keySize, valueSize, maxEntries, flags, name, innerMapFd, btfFd, btfKeyTypeId, btfValueTypeId, mapExtra);
    }
}

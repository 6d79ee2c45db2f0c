package org.bpf4j.verifier;

import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapSpec;
import org.bpf4j.maps.MapType;

/**
 * What the verifier needs to know of a map a program references (by index: {@code lddw} with
 * {@code src=PSEUDO_MAP_FD/IDX} carries the index into the list handed to the verifier in its imm).
 * Built from the map's {@link MapSpec} ({@link #of(MapSpec, boolean, byte[])}) plus what only the
 * verifier reads: frozen contents and the value's BTF fields.
 *
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries maximum entries
 * @param flags map flags ({@link MapFlags}: {@code BPF_F_RDONLY_PROG}, ...)
 * @param name the map's name for the log (may be empty)
 * @param frozen whether the map is frozen: with {@code BPF_F_RDONLY_PROG}, loads of constant offsets read
 *     {@code data}
 * @param data the value of the single element of a frozen read-only array (or null)
 * @param fields where the value's spin lock and timer sit (from its BTF)
 * @param inner for maps of maps: the inner map template every inner map matches, else null
 */
public record MapInfo(MapType type, int keySize, int valueSize, int maxEntries, int flags, String name,
                      boolean frozen, byte[] data, MapValueFields fields, MapInfo inner) {

    public MapInfo {
        name = name == null ? "" : name;
        fields = fields == null ? MapValueFields.NONE : fields;
    }

    /** A map without BTF of its value and without inner map. */
    public MapInfo(MapType type, int keySize, int valueSize, int maxEntries, int flags, String name, boolean frozen, byte[] data) {
        this(type, keySize, valueSize, maxEntries, flags, name, frozen, data, MapValueFields.NONE, null);
    }

    public static MapInfo of(MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapInfo(type, keySize, valueSize, maxEntries, 0, "", false, null);
    }

    /**
     * The verifier's view of {@code spec} (its inner map is not carried over: it needs its own BTF fields,
     * see {@link #withInner}).
     */
    public static MapInfo of(MapSpec spec, boolean frozen, byte[] data) {
        return new MapInfo(spec.type(), spec.keySize(), spec.valueSize(), spec.maxEntries(), spec.flags(), spec.name(),
                frozen, data);
    }

    public MapInfo withFields(MapValueFields f) {
        return new MapInfo(type, keySize, valueSize, maxEntries, flags, name, frozen, data, f, inner);
    }

    public MapInfo withInner(MapInfo m) {
        return new MapInfo(type, keySize, valueSize, maxEntries, flags, name, frozen, data, fields, m);
    }

    public boolean isMapOfMaps() { return type.isMapOfMaps(); }

    public boolean readOnlyForProgram() { return (flags & MapFlags.BPF_F_RDONLY_PROG) != 0; }

    public boolean writeOnlyForProgram() { return (flags & MapFlags.BPF_F_WRONLY_PROG) != 0; }
}

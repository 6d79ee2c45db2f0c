package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.elf.MapDefinition;

/**
 * Map pinning at load, as libbpf's {@code bpf_object__create_maps} does it: a map the object marks for
 * pinning is looked for at its path; a compatible one there is reused ({@code bpf_object__reuse_map},
 * {@code map_is_reuse_compat}), an incompatible one is an error saying what differs, and a map created
 * instead is pinned there.
 */
final class MapPins {
    private MapPins() {}

    /**
     * Where {@code def} is pinned: {@code root/NAME} for {@code LIBBPF_PIN_BY_NAME} (libbpf's
     * {@code pin_root_path}), {@code root/tc/globals/NAME} for iproute2's {@code PIN_GLOBAL_NS}; empty when
     * the map is not pinned.
     */
    static Optional<Path> path(MapDefinition def, Path root) {
        return switch (def.pinning()) {
            case NONE -> Optional.empty();
            case BY_NAME -> Optional.of(root.resolve(def.name()));
            case GLOBAL_NS -> Optional.of(root.resolve("tc").resolve("globals").resolve(def.name()));
        };
    }

    /**
     * The map pinned at {@code path} when there is one and it matches {@code want}; empty when nothing is
     * pinned there.
     *
     * @throws IllegalArgumentException when something else is pinned there, or a map that differs
     */
    static Optional<KernelMap> reuse(MapDefinition def, KernelMapSpec want, Path path) {
        if (!Files.exists(path)) return Optional.empty();
        KernelMap map;
        try {
            map = KernelMap.openPinned(path);
        } catch (IllegalArgumentException | BpfException e) {
            throw new IllegalArgumentException("map '" + def.name() + "': cannot reuse " + path + ": " + e.getMessage(), e);
        }
        List<String> differs = differences(want, map.spec());
        if (differs.isEmpty()) return Optional.of(map);
        map.close();
        throw new IllegalArgumentException("map '" + def.name() + "': the map pinned at " + path + " differs from the object's: "
                + String.join(", ", differs) + " (remove the pin or use another --pin-root)");
    }

    /** libbpf's map_is_reuse_compat: type, key and value size, max_entries, flags and map_extra must agree. */
    static List<String> differences(KernelMapSpec want, KernelMapSpec have) {
        List<String> d = new ArrayList<>();
        if (want.type() != have.type()) d.add("type " + have.type() + " pinned, " + want.type() + " in the object");
        if (want.keySize() != have.keySize()) d.add("key_size " + have.keySize() + " pinned, " + want.keySize() + " in the object");
        if (want.valueSize() != have.valueSize()) d.add("value_size " + have.valueSize() + " pinned, " + want.valueSize() + " in the object");
        if (want.maxEntries() != have.maxEntries()) d.add("max_entries " + Integer.toUnsignedString(have.maxEntries()) + " pinned, "
                + Integer.toUnsignedString(want.maxEntries()) + " in the object");
        if (want.flags() != have.flags()) d.add("map_flags 0x" + Integer.toHexString(have.flags()) + " pinned, 0x"
                + Integer.toHexString(want.flags()) + " in the object");
        if (want.mapExtra() != have.mapExtra()) d.add("map_extra " + Long.toUnsignedString(have.mapExtra()) + " pinned, "
                + Long.toUnsignedString(want.mapExtra()) + " in the object");
        return d;
    }

    /** Pins {@code map} at {@code path}, making the directories (libbpf's make_parent_dir). */
    static void pin(KernelMap map, Path path) {
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create pin directory " + path.getParent() + ": " + e.getMessage(), e);
        }
        map.pin(path);
    }

    /** Removes a pin this load made; a pin already gone is not an error. */
    static void unpin(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the load's own error is the one to report
        }
    }
}

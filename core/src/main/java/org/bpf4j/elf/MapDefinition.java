package org.bpf4j.elf;

import org.bpf4j.maps.MapType;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A map as the object declares it: what {@code BPF_MAP_CREATE} needs, plus where it came from and its
 * initial contents. Immutable ({@link #initialData()} returns a copy). Sizes, counts and flags are
 * the kernel's unsigned 32-bit values held in {@code int}s: read them with
 * {@link Integer#toUnsignedLong} where a value above 2^31 matters.
 *
 * @param name the ELF symbol name (BTF-defined and legacy maps) or the section name (global data)
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes (4 for maps of maps and prog arrays: the value is an id/fd)
 * @param maxEntries the maximum number of entries
 * @param flags {@code map_flags} ({@code BPF_F_*})
 * @param numaNode the NUMA node ({@code BPF_F_NUMA_NODE} must be in flags for the kernel to use it)
 * @param pinning how libbpf would pin it
 * @param mapExtra {@code map_extra} (bloom filter hash count, arena address)
 * @param btfKeyTypeId the BTF type id of the key, 0 when unknown
 * @param btfValueTypeId the BTF type id of the value, 0 when unknown
 * @param innerMap for maps of maps: the spec every inner map must match
 * @param initialSlots initial entries of prog arrays and maps of maps: index -> program or map name
 * @param definition where the declaration comes from
 * @param initialData the initial value of a global-data map (zeros for {@code .bss}); empty otherwise
 * @param frozen true for {@code .rodata}-like maps: read-only for programs and frozen after loading
 */
public record MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags, int numaNode,
                      Pinning pinning, long mapExtra, int btfKeyTypeId, int btfValueTypeId, Optional<MapDefinition> innerMap,
                      List<Slot> initialSlots, Definition definition, byte[] initialData, boolean frozen) {

    /** Where a map declaration lives in the object. */
    public enum Definition {
        /** the {@code .maps} section, described by BTF (libbpf's current form) */
        BTF,
        /** a {@code maps} or {@code maps/*} section of {@code struct bpf_map_def} */
        LEGACY,
        /** a global-data section: {@code .data}, {@code .rodata}, {@code .bss} and their {@code .*} variants, {@code .kconfig} */
        GLOBAL_DATA
    }

    /**
     * Where the map is pinned when loaded: libbpf's {@code pinning} attribute ({@code LIBBPF_PIN_BY_NAME}:
     * {@code BY_NAME}, under the pin root) or iproute2's {@code struct bpf_elf_map} {@code PIN_GLOBAL_NS}
     * ({@code GLOBAL_NS}: under {@code tc/globals} of the pin root).
     */
    public enum Pinning { NONE, BY_NAME, GLOBAL_NS }

    /** One initial entry of a prog array or map of maps: slot {@code index} holds program or map {@code target}. */
    public record Slot(int index, String target) {}

    public MapDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(pinning);
        Objects.requireNonNull(innerMap);
        Objects.requireNonNull(definition);
        initialSlots = List.copyOf(initialSlots);
        initialData = initialData.clone();
    }

    /**
     * What to create for this definition on a host with {@code cpus} CPUs: the maps package's spec
     * (contents and pinning stay here), with libbpf's fix-ups of what BTF map definitions say loosely:
     * ring buffers' {@code __type(key/value)} are annotations (sizes 0), a perf event array holds u32
     * fds and defaults to one slot per CPU.
     */
    public org.bpf4j.maps.MapSpec spec(int cpus) {
        int key = keySize, value = valueSize, max = maxEntries;
        switch (type) {
            case RINGBUF, USER_RINGBUF -> { key = 0; value = 0; }
            case PERF_EVENT_ARRAY -> {
                key = 4;
                value = 4;
                if (max == 0) max = cpus;
            }
            default -> { }
        }
        org.bpf4j.maps.MapSpec spec = org.bpf4j.maps.MapSpec.of(name, type, key, value, max)
                .withFlags(flags).withMapExtra(mapExtra);
        return innerMap.isPresent() ? spec.withInnerMap(innerMap.get().spec(cpus)) : spec;
    }

    /** A copy of the initial value bytes (global data); empty for other maps. */
    @Override
    public byte[] initialData() { return initialData.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapDefinition m && name.equals(m.name) && type == m.type && keySize == m.keySize
                && valueSize == m.valueSize && maxEntries == m.maxEntries && flags == m.flags && numaNode == m.numaNode
                && pinning == m.pinning && mapExtra == m.mapExtra && btfKeyTypeId == m.btfKeyTypeId
                && btfValueTypeId == m.btfValueTypeId && innerMap.equals(m.innerMap) && initialSlots.equals(m.initialSlots)
                && definition == m.definition && Arrays.equals(initialData, m.initialData) && frozen == m.frozen;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, keySize, valueSize, maxEntries, flags, innerMap, initialSlots, Arrays.hashCode(initialData));
    }

    @Override
    public String toString() {
        return "MapDefinition[" + name + " " + type + " key=" + keySize + " value=" + valueSize + " max=" + maxEntries
                + (flags != 0 ? " flags=0x" + Integer.toHexString(flags) : "") + (innerMap.isPresent() ? " inner=" + innerMap.get() : "")
                + (initialSlots.isEmpty() ? "" : " slots=" + initialSlots) + " " + definition + (frozen ? " frozen" : "") + "]";
    }
}

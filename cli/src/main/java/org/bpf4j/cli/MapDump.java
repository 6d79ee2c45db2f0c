package org.bpf4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfValues;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.maps.ArrayOfMapsMap;
import org.bpf4j.maps.BpfMap;
import org.bpf4j.maps.HashOfMapsMap;
import org.bpf4j.maps.MapType;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.runtime.LoadedProgram;

/**
 * A map's contents as the CLI prints them: array maps every index, hash-like maps sorted by key bytes,
 * per-CPU maps one value per CPU slot, program arrays and maps of maps the names of what they hold;
 * queues, stacks, bloom filters and event buffers have no listing.
 */
final class MapDump {
    private MapDump() {}

    static List<Map<String, Object>> entries(BpfMap map) {
        List<Map<String, Object>> out = new ArrayList<>();
        MapType type = map.type();
        switch (type) {
            case QUEUE, STACK, BLOOM_FILTER, RINGBUF, USER_RINGBUF, PERF_EVENT_ARRAY, STACK_TRACE -> {
                return out;
            }
            default -> { }
        }
        List<byte[]> keys = new ArrayList<>(map.keys());
        if (!isArrayLike(type)) keys.sort(Arrays::compareUnsigned);
        for (byte[] key : keys) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("key", Json.hex(key));
            switch (map) {
                case ProgArrayMap progs -> {
                    Optional<Object> p = progs.get(index(key));
                    if (p.isEmpty()) continue;
                    e.put("value", p.get() instanceof LoadedProgram lp ? lp.name() : String.valueOf(p.get()));
                }
                case ArrayOfMapsMap outer -> {
                    Optional<BpfMap> inner = outer.get(index(key));
                    if (inner.isEmpty()) continue;
                    e.put("value", inner.get().name());
                }
                case HashOfMapsMap outer -> {
                    Optional<BpfMap> inner = outer.get(key);
                    if (inner.isEmpty()) continue;
                    e.put("value", inner.get().name());
                }
                default -> {
                    if (type.perCpu()) {
                        Optional<List<byte[]>> values = map.lookupPerCpu(key);
                        if (values.isEmpty()) continue;
                        e.put("values", values.get().stream().map(Json::hex).toList());
                    } else {
                        Optional<byte[]> value = map.lookup(key);
                        if (value.isEmpty()) continue;
                        e.put("value", Json.hex(value.get()));
                    }
                }
            }
            out.add(e);
        }
        return out;
    }

    /**
     * The entries with their keys and values also read through the object's BTF (bpftool's formatted output,
     * {@code formatted_key}, {@code formatted_value(s)}) where the map's definition names BTF types; the hex stays.
     */
    static List<Map<String, Object>> formatted(List<Map<String, Object>> entries, BpfObject object, BpfMap map) {
        if (object.btf().isEmpty() || map.type() == MapType.PROG_ARRAY || map.type().isMapOfMaps()) return entries;
        Optional<MapDefinition> def = object.maps().stream().filter(d -> d.name().equals(map.name())).findFirst();
        if (def.isEmpty()) return entries;
        Btf btf = object.btf().get();
        int keyType = def.get().btfKeyTypeId(), valueType = def.get().btfValueTypeId();
        HexFormat hex = HexFormat.of();
        for (Map<String, Object> e : entries) {
            if (keyType != 0) e.put("formatted_key", BtfValues.decode(btf, keyType, hex.parseHex((String) e.get("key"))));
            if (valueType == 0) continue;
            if (e.get("values") instanceof List<?> values) {
                e.put("formatted_values", values.stream().map(v -> BtfValues.decode(btf, valueType, hex.parseHex((String) v))).toList());
            } else if (e.get("value") instanceof String v) {
                e.put("formatted_value", BtfValues.decode(btf, valueType, hex.parseHex(v)));
            }
        }
        return entries;
    }

    private static boolean isArrayLike(MapType type) {
        return switch (type) {
            case ARRAY, PERCPU_ARRAY, PROG_ARRAY, ARRAY_OF_MAPS, DEVMAP, CPUMAP, XSKMAP, CGROUP_ARRAY -> true;
            default -> false;
        };
    }

    private static int index(byte[] key) {
        return (key[0] & 0xff) | (key[1] & 0xff) << 8 | (key[2] & 0xff) << 16 | (key[3] & 0xff) << 24;
    }
}

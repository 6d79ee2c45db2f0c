package org.bpf4j.helpers;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** An immutable table of helpers by id, as the host supplies it to an engine. */
public final class HelperTable {

    /** A helper with its id and name (the name appears in errors and disassembly). */
    public record Entry(int id, String name, Helper helper) {}

    private static final HelperTable EMPTY = new HelperTable(new Entry[0], Map.of());

    /** Ids up to this are looked up in a dense array; larger ones (bpf4j's own markers) in a map. */
    private static final int DENSE_LIMIT = 0xffff;

    private final Entry[] byId; // dense for the ids up to the largest dense one; holes are null
    private final Map<Integer, Entry> entries;

    private HelperTable(Entry[] byId, Map<Integer, Entry> entries) {
        this.byId = byId;
        this.entries = entries;
    }

    public static HelperTable empty() { return EMPTY; }

    public static Builder builder() { return new Builder(); }

    public Optional<Entry> lookup(long id) {
        return Optional.ofNullable(entry(id));
    }

    /** Hot-path lookup: the entry for {@code id}, or null. */
    public Entry entry(long id) {
        if (id >= 0 && id < byId.length) return byId[(int) id];
        return id > DENSE_LIMIT && id <= Integer.MAX_VALUE ? entries.get((int) id) : null;
    }

    public Map<Integer, Entry> entries() { return entries; }

    public static final class Builder {
        private final TreeMap<Integer, Entry> entries = new TreeMap<>();

        public Builder add(int id, String name, Helper helper) {
            if (id < 0) throw new IllegalArgumentException("helper id out of range: " + id);
            if (entries.putIfAbsent(id, new Entry(id, name, helper)) != null) {
                throw new IllegalArgumentException("helper id " + id + " registered twice");
            }
            return this;
        }

        /** Adds a kernel helper under its kernel name. */
        public Builder add(KernelHelper helper, Helper implementation) {
            return add(helper.id(), helper.kernelName(), implementation);
        }

        public HelperTable build() {
            Integer largestDense = entries.floorKey(DENSE_LIMIT);
            Entry[] byId = new Entry[largestDense == null ? 0 : largestDense + 1];
            entries.forEach((id, e) -> {
                if (id <= DENSE_LIMIT) byId[id] = e;
            });
            return new HelperTable(byId, Collections.unmodifiableMap(new TreeMap<>(entries)));
        }
    }
}

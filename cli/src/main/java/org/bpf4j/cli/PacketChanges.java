package org.bpf4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a run changed its packet: the length, and the byte ranges that differ where the length stayed
 * (a rewritten address, a decremented TTL). A frame whose head or tail moved is described by its lengths,
 * as offsets no longer line up.
 *
 * @param lengthIn the frame's length before the run
 * @param lengthOut its length after
 * @param ranges changed byte ranges {@code [from, to)} when the length stayed
 */
record PacketChanges(int lengthIn, int lengthOut, List<int[]> ranges) {

    static PacketChanges of(byte[] in, byte[] out) {
        List<int[]> ranges = new ArrayList<>();
        if (in.length == out.length) {
            for (int i = 0; i < in.length; i++) {
                if (in[i] == out[i]) continue;
                int from = i;
                while (i < in.length && in[i] != out[i]) i++;
                ranges.add(new int[] {from, i});
            }
        }
        return new PacketChanges(in.length, out.length, List.copyOf(ranges));
    }

    boolean unchanged() {
        return lengthIn == lengthOut && ranges.isEmpty();
    }

    /** "length 60 -> 46" or "bytes 12-13, 22 changed"; empty when nothing changed. */
    Optional<String> text() {
        if (unchanged()) return Optional.empty();
        if (lengthIn != lengthOut) return Optional.of("length " + lengthIn + " -> " + lengthOut);
        List<String> parts = new ArrayList<>();
        for (int[] r : ranges) parts.add(r[1] - r[0] == 1 ? Integer.toString(r[0]) : r[0] + "-" + (r[1] - 1));
        return Optional.of((parts.size() == 1 && ranges.getFirst()[1] - ranges.getFirst()[0] == 1 ? "byte " : "bytes ")
                + String.join(", ", parts) + " changed");
    }

    /** {@code {"length_in", "length_out", "ranges": [[from, to), ...]}}. */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("length_in", lengthIn);
        m.put("length_out", lengthOut);
        m.put("ranges", ranges.stream().map(r -> List.of(r[0], r[1])).toList());
        return m;
    }
}

package org.bpf4j.linux;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** "Did you mean": the existing names closest to one that does not exist, by edit distance. */
final class Names {
    private Names() {}

    /** How many names a message offers. */
    private static final int OFFERED = 3;

    /**
     * Up to three of {@code names} nearest {@code wanted} (Levenshtein distance, ties in the names' order),
     * only those within about a third of its length: a typo, not an unrelated name.
     */
    static List<String> closest(String wanted, Collection<String> names) {
        int limit = Math.max(2, wanted.length() / 3);
        record Scored(String name, int distance) {}
        return names.stream().distinct()
                .map(n -> new Scored(n, distance(wanted, n, limit)))
                .filter(s -> s.distance <= limit)
                .sorted(Comparator.comparingInt(Scored::distance))
                .limit(OFFERED).map(Scored::name).toList();
    }

    /** {@code ""}, or {@code " (closest: a, b, c)"} for the end of a message. */
    static String suggest(String wanted, Collection<String> names) {
        List<String> c = closest(wanted, names);
        return c.isEmpty() ? "" : " (closest: " + String.join(", ", c) + ")";
    }

    /** The edit distance, or anything above {@code limit} once it must exceed it (names differ in length). */
    static int distance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) > limit) return limit + 1;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > limit) return limit + 1;
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}

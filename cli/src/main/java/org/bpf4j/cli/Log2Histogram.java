package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.bpf4j.btf.Btf;
import org.bpf4j.btf.BtfType;
import org.bpf4j.btf.BtfValues;
import org.bpf4j.elf.BpfObject;
import org.bpf4j.elf.MapDefinition;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.maps.MapType;

/**
 * Maps that print as histograms: a map whose value's BTF type is {@code struct log2_hist} with one member,
 * an integer array {@code slots}. Slot 0 counts the value 0, slot k the values in [2^(k-1), 2^k): the value's
 * bit length, bpftrace's hist() buckets. Each key's value prints as bpftrace 0.17 prints hist()
 * ({@code TextOutput::hist_to_str}): {@code @NAME: } (or {@code @NAME[KEY]: } when the map has more than one
 * entry), one row per bucket from the first non-empty to the last, a 52-character bar scaled to the
 * largest count, then a blank line. Per-CPU values are summed over the CPUs, as bpftrace sums them.
 */
final class Log2Histogram {
    static final String STRUCT = "log2_hist";
    private static final int BAR = 52;

    private Log2Histogram() {}

    /** The element size of the value's {@code slots} when {@code def}'s value is a {@code struct log2_hist}. */
    static Optional<Integer> slotSize(Btf btf, MapDefinition def) {
        if (def.btfValueTypeId() == 0) return Optional.empty();
        if (!(btf.resolve(def.btfValueTypeId()) instanceof BtfType.Struct s) || !s.name().equals(STRUCT) || s.members().size() != 1) {
            return Optional.empty();
        }
        BtfType.Member m = s.members().getFirst();
        if (!m.name().equals("slots") || !(btf.resolve(m.type()) instanceof BtfType.Array a)) return Optional.empty();
        if (!(btf.resolve(a.type()) instanceof BtfType.Int i) || (i.size() != 4 && i.size() != 8)) return Optional.empty();
        return Optional.of(i.size());
    }

    /** Prints every entry of {@code map} as a histogram when its value is one; false (nothing printed) otherwise. */
    static boolean print(BpfObject obj, String name, KernelMap map, PrintWriter out) {
        Optional<MapDefinition> def = obj.map(name);
        if (obj.btf().isEmpty() || def.isEmpty()) return false;
        Btf btf = obj.btf().get();
        Optional<Integer> size = slotSize(btf, def.get());
        if (size.isEmpty()) return false;
        MapType type = map.type();
        boolean perCpu = type == MapType.PERCPU_ARRAY || type == MapType.PERCPU_HASH || type == MapType.LRU_PERCPU_HASH;
        List<byte[]> keys = map.keys();
        for (byte[] key : keys) {
            long[] slots = null;
            List<byte[]> values = perCpu ? map.lookupPerCpu(key).orElse(List.of()) : map.lookup(key).map(List::of).orElse(List.of());
            for (byte[] v : values) {
                long[] s = slots(v, size.get());
                if (slots == null) slots = s;
                else for (int i = 0; i < s.length; i++) slots[i] += s[i];
            }
            if (slots == null) continue;
            String label = keys.size() == 1 ? "" : "[" + keyText(btf, def.get(), key) + "]";
            out.print(format("@" + name + label, slots));
        }
        return true;
    }

    private static String keyText(Btf btf, MapDefinition def, byte[] key) {
        if (def.btfKeyTypeId() == 0) return Json.hex(key);
        Object k = BtfValues.decode(btf, def.btfKeyTypeId(), key);
        return k instanceof String || k instanceof Number ? k.toString() : Json.write(k);
    }

    static long[] slots(byte[] value, int size) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[value.length / size];
        for (int i = 0; i < out.length; i++) out[i] = size == 8 ? b.getLong(i * 8) : Integer.toUnsignedLong(b.getInt(i * 4));
        return out;
    }

    /** {@code title: }, the rows, a blank line: bpftrace's map print of a hist(). */
    static String format(String title, long[] slots) {
        int first = -1, last = -1;
        long max = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != 0) {
                if (first < 0) first = i;
                last = i;
            }
            max = Math.max(max, slots[i]);
        }
        StringBuilder s = new StringBuilder(title).append(": \n");
        for (int i = first; first >= 0 && i <= last; i++) {
            String header = i == 0 ? "[0]" : i == 1 ? "[1]" : "[" + label(i - 1) + ", " + label(i) + ")";
            int bar = (int) (slots[i] / (float) max * BAR);
            s.append(String.format("%-16s%8d |%-" + BAR + "s|%n", header, slots[i], "@".repeat(bar)));
        }
        return s.append('\n').toString();
    }

    /** 2^power with bpftrace's K/M/G/T suffixes (hist_index_label): 1024 is 1K, 2^45 is 32T. */
    private static String label(int power) {
        int unit = Math.min(power / 10, 4);
        return (1L << (power - unit * 10)) + new String[] {"", "K", "M", "G", "T"}[unit];
    }
}

package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bpf4j.elf.OpenOptions;
import org.bpf4j.linux.KernelObjects;
import org.bpf4j.linux.KernelObjects.KernelMapInfo;
import org.bpf4j.linux.KernelObjects.LinkInfo;
import org.bpf4j.linux.KernelObjects.ProgInfo;
import org.bpf4j.linux.KernelObjects.Target;

/**
 * Kernel objects printed as {@code bpftool prog|map|link|btf show} prints them: the same text lines, and with
 * {@code -j} the same JSON field names ({@code bytes_xlated}, {@code bytes_key}, {@code prog_id}, ...).
 */
final class KernelViews {
    private KernelViews() {}

    static String progType(ProgInfo p) {
        return p.type().map(t -> t.name().toLowerCase(Locale.ROOT)).orElse("type " + p.typeId());
    }

    static String mapType(KernelMapInfo m) {
        return m.type().map(t -> t.name().toLowerCase(Locale.ROOT)).orElse("type " + m.typeId());
    }

    /**
     * Seconds since the epoch at which a program was loaded: its load time is on the boot-time clock, so now minus
     * the time since boot ({@code /proc/uptime}) plus the load time, as bpftool's {@code print_boot_time} computes it.
     */
    static long loadedAt(ProgInfo p) {
        double uptime;
        try {
            uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            uptime = 0;
        }
        long bootMillis = System.currentTimeMillis() - (long) (uptime * 1000);
        return (bootMillis + p.loadTimeNs() / 1_000_000L) / 1000;
    }

    static Map<String, Object> json(ProgInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("type", progType(p));
        if (!p.name().isEmpty()) m.put("name", p.name());
        m.put("tag", p.tag());
        m.put("gpl_compatible", p.gplCompatible());
        m.put("loaded_at", loadedAt(p));
        m.put("uid", p.uid());
        m.put("bytes_xlated", p.xlatedBytes());
        m.put("jited", p.jitedBytes() > 0);
        if (p.jitedBytes() > 0) m.put("bytes_jited", p.jitedBytes());
        m.put("bytes_memlock", p.memlock());
        if (!p.mapIds().isEmpty()) m.put("map_ids", p.mapIds());
        if (p.btfId() != 0) m.put("btf_id", p.btfId());
        if (p.runCount() != 0) {
            m.put("run_time_ns", p.runTimeNs());
            m.put("run_cnt", p.runCount());
        }
        return m;
    }

    static void text(ProgInfo p, PrintWriter out) {
        out.printf("%d: %s  %stag %s%s%n", p.id(), progType(p), p.name().isEmpty() ? "" : "name " + p.name() + "  ", p.tag(),
                p.gplCompatible() ? "  gpl" : "");
        String at = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx").format(Instant.ofEpochSecond(loadedAt(p)).atOffset(ZoneOffset.UTC));
        out.printf("\tloaded_at %s  uid %d%n", at, p.uid());
        out.printf("\txlated %dB  %s  memlock %dB%s%n", p.xlatedBytes(), p.jitedBytes() > 0 ? "jited " + p.jitedBytes() + "B" : "not jited",
                p.memlock(), p.mapIds().isEmpty() ? "" : "  map_ids " + String.join(",", p.mapIds().stream().map(String::valueOf).toList()));
        if (p.btfId() != 0) out.printf("\tbtf_id %d%n", p.btfId());
    }

    static Map<String, Object> json(KernelMapInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("type", mapType(i));
        if (!i.name().isEmpty()) m.put("name", i.name());
        m.put("flags", i.flags());
        m.put("bytes_key", i.keySize());
        m.put("bytes_value", i.valueSize());
        m.put("max_entries", i.maxEntries());
        m.put("bytes_memlock", i.memlock());
        m.put("frozen", i.frozen() ? 1 : 0);
        if (i.btfId() != 0) m.put("btf_id", i.btfId());
        if (i.mapExtra() != 0) m.put("map_extra", i.mapExtra());
        return m;
    }

    static void text(KernelMapInfo i, PrintWriter out) {
        out.printf("%d: %s  %sflags 0x%x%n", i.id(), mapType(i), i.name().isEmpty() ? "" : "name " + i.name() + "  ", i.flags());
        out.printf("\tkey %dB  value %dB  max_entries %d  memlock %dB%n", i.keySize(), i.valueSize(), i.maxEntries(), i.memlock());
        if (i.btfId() != 0 || i.frozen()) {
            out.printf("\t%s%s%n", i.btfId() != 0 ? "btf_id " + i.btfId() : "", i.frozen() ? (i.btfId() != 0 ? "  " : "") + "frozen" : "");
        }
    }

    static Map<String, Object> json(LinkInfo l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", l.id());
        m.put("type", l.typeName());
        m.put("prog_id", l.progId());
        m.putAll(targetFields(l.target()));
        return m;
    }

    /** The link type's own fields, named as bpftool's {@code show_link_header_json} and its per-type helpers name them. */
    static Map<String, Object> targetFields(Target t) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (t) {
            case Target.Xdp x -> {
                m.put("ifindex", x.ifindex());
                KernelObjects.interfaceName(x.ifindex()).ifPresent(n -> m.put("devname", n));
            }
            case Target.Interface i -> {
                m.put("ifindex", i.ifindex());
                KernelObjects.interfaceName(i.ifindex()).ifPresent(n -> m.put("devname", n));
                i.attachType().ifPresent(a -> m.put("attach_type", OpenOptions.attachTypeName(a)));
            }
            case Target.RawTracepoint r -> m.put("tp_name", r.name());
            case Target.Tracing tr -> {
                tr.attachType().ifPresent(a -> m.put("attach_type", OpenOptions.attachTypeName(a)));
                m.put("target_obj_id", tr.targetObjId());
                m.put("target_btf_id", tr.targetBtfId());
            }
            case Target.Cgroup c -> {
                m.put("cgroup_id", c.cgroupId());
                c.attachType().ifPresent(a -> m.put("attach_type", OpenOptions.attachTypeName(a)));
            }
            case Target.Netns n -> {
                m.put("netns_ino", n.inode());
                n.attachType().ifPresent(a -> m.put("attach_type", OpenOptions.attachTypeName(a)));
            }
            case Target.PerfEvent p -> {
                m.put("event_type", p.kind());
                switch (p.kind()) {
                    case "tracepoint" -> m.put("tp_name", p.name());
                    case "kprobe", "kretprobe" -> {
                        m.put("func", p.name());
                        m.put("offset", p.offset());
                    }
                    case "uprobe", "uretprobe" -> {
                        m.put("file", p.name());
                        m.put("offset", p.offset());
                    }
                    default -> m.put("event", p.name());
                }
            }
            case Target.Other o -> { }
        }
        return m;
    }

    static void text(LinkInfo l, PrintWriter out) {
        out.printf("%d: %s  prog %d%n", l.id(), l.typeName(), l.progId());
        Map<String, Object> fields = targetFields(l.target());
        if (fields.isEmpty()) return;
        StringBuilder s = new StringBuilder("\t");
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (s.length() > 1) s.append("  ");
            s.append(e.getKey()).append(' ').append(e.getValue());
        }
        out.println(s);
    }

    static Map<String, Object> json(KernelObjects.BtfInfo b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", b.id());
        m.put("size", b.size());
        m.put("kernel", b.kernel());
        if (!b.name().isEmpty()) m.put("name", b.name());
        return m;
    }

    static void text(KernelObjects.BtfInfo b, PrintWriter out) {
        out.printf("%d: %ssize %dB%n", b.id(), b.name().isEmpty() ? "" : "name " + (b.kernel() ? "[" + b.name() + "]" : b.name()) + "  ",
                b.size());
    }

    /** bpftool's JSON bytes: {@code ["0x01","0x00"]}. */
    static List<String> jsonBytes(byte[] b) {
        String[] out = new String[b.length];
        for (int k = 0; k < b.length; k++) out[k] = String.format("0x%02x", b[k] & 0xff);
        return List.of(out);
    }

    /** bpftool's text bytes ({@code fprint_hex}): {@code 01 00 00 00}, a second space after every eighth. */
    static String textBytes(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < b.length; k++) {
            if (k > 0) s.append(k % 8 == 0 ? "  " : " ");
            s.append(String.format("%02x", b[k] & 0xff));
        }
        return s.toString();
    }
}

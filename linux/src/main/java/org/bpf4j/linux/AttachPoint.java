package org.bpf4j.linux;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.progtype.AttachType;

/**
 * Where a program attaches, as libbpf's auto-attach reads it from the program's section name:
 * {@code tracepoint/syscalls/sys_enter_openat} (or {@code tp/...}), {@code raw_tp/sched_switch} (or
 * {@code raw_tracepoint/...}), {@code kprobe/do_unlinkat}, {@code kretprobe/do_unlinkat},
 * {@code uprobe//usr/bin/bash:readline} (or {@code uretprobe/...}, an optional {@code +offset}),
 * {@code xdp} and {@code tcx/ingress}/{@code tcx/egress} (also {@code tc/ingress}, {@code tc/egress}) on the
 * interface the user names.
 */
public sealed interface AttachPoint {
    record Tracepoint(String category, String name) implements AttachPoint {}

    record RawTracepoint(String name) implements AttachPoint {}

    record Kprobe(String function, long offset, boolean ret) implements AttachPoint {}

    record Uprobe(Path binary, String function, long offset, boolean ret) implements AttachPoint {}

    /** XDP on an interface: the section does not say which. */
    record Xdp() implements AttachPoint {}

    /** tcx at {@code direction} ({@code TCX_INGRESS}, {@code TCX_EGRESS}) of an interface. */
    record Tcx(AttachType direction) implements AttachPoint {}

    Pattern TRACEPOINT = Pattern.compile("(?:tracepoint|tp)/(\\w+)/(\\w+)");
    Pattern RAW_TRACEPOINT = Pattern.compile("(?:raw_tracepoint|raw_tp)/(\\w+)");
    Pattern KPROBE = Pattern.compile("(kprobe|kretprobe)/([\\w.]+)(?:\\+(\\d+|0x[0-9a-fA-F]+))?");
    Pattern UPROBE = Pattern.compile("(uprobe|uretprobe)/(/[^:]+):([\\w.@]+)(?:\\+(\\d+|0x[0-9a-fA-F]+))?");

    /** The attach point a section names, or empty when libbpf would not auto-attach it. */
    static Optional<AttachPoint> of(String section) {
        Matcher m;
        if ((m = TRACEPOINT.matcher(section)).matches()) return Optional.of(new Tracepoint(m.group(1), m.group(2)));
        if ((m = RAW_TRACEPOINT.matcher(section)).matches()) return Optional.of(new RawTracepoint(m.group(1)));
        if ((m = KPROBE.matcher(section)).matches()) {
            return Optional.of(new Kprobe(m.group(2), offset(m.group(3)), m.group(1).equals("kretprobe")));
        }
        if ((m = UPROBE.matcher(section)).matches()) {
            return Optional.of(new Uprobe(Path.of(m.group(2)), m.group(3), offset(m.group(4)), m.group(1).equals("uretprobe")));
        }
        return switch (section) {
            case "xdp", "xdp.frags" -> Optional.of(new Xdp());
            case "tcx/ingress", "tc/ingress" -> Optional.of(new Tcx(AttachType.TCX_INGRESS));
            case "tcx/egress", "tc/egress" -> Optional.of(new Tcx(AttachType.TCX_EGRESS));
            default -> Optional.empty();
        };
    }

    private static long offset(String text) {
        if (text == null) return 0;
        return text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }

    /**
     * Attaches {@code program} here; {@code interfaceName} for XDP and tcx.
     *
     * @throws IllegalArgumentException when XDP or tcx is given no interface
     */
    default Link attach(KernelProgram program, Optional<String> interfaceName) {
        return switch (this) {
            case Tracepoint t -> program.attachTracepoint(t.category(), t.name());
            case RawTracepoint r -> program.attachRawTracepoint(r.name());
            case Kprobe k -> program.attachKprobe(k.function(), k.offset(), k.ret());
            case Uprobe u -> program.attachUprobe(u.binary(), u.function(), u.offset(), u.ret(), OptionalInt.empty());
            case Xdp x -> program.attachXdp(interfaceName.orElseThrow(() -> noInterface("xdp")), Link.XdpMode.DEFAULT);
            case Tcx t -> program.attachTcx(interfaceName.orElseThrow(() -> noInterface("tcx")), t.direction());
        };
    }

    private static IllegalArgumentException noInterface(String what) {
        return new IllegalArgumentException(what + " attaches to an interface: name one");
    }
}

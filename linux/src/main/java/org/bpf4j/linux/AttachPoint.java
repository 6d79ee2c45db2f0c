package org.bpf4j.linux;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.elf.ProgramSpec;
import org.bpf4j.progtype.AttachType;

/**
 * Where a program attaches, as libbpf's auto-attach reads it from the program's section name:
 * {@code tracepoint/syscalls/sys_enter_openat} (or {@code tp/...}), {@code raw_tp/sched_switch} (or
 * {@code raw_tracepoint/...}), {@code kprobe/do_unlinkat}, {@code kretprobe/do_unlinkat},
 * {@code uprobe//usr/bin/bash:readline} (or {@code uretprobe/...}, an optional {@code +offset}),
 * {@code xdp} and {@code tcx/ingress}/{@code tcx/egress} (also {@code tc/ingress}, {@code tc/egress}) on the
 * interface the user names; {@code tp_btf/X}, {@code fentry/X}, {@code fexit/X}, {@code fmod_ret/X}, {@code lsm/X}
 * (and their sleepable {@code .s} forms), {@code iter/X}, {@code kprobe.multi/GLOB}, {@code kretprobe.multi/GLOB},
 * {@code ksyscall/X}, {@code kretsyscall/X}, {@code uprobe.multi//PATH:GLOB}, {@code uretprobe.multi//PATH:GLOB}; and the cgroup hooks ({@code cgroup/connect4}, {@code cgroup_skb/egress},
 * {@code cgroup/sysctl}, ... every cgroup section of libbpf's table) on the cgroup the user names, which libbpf
 * leaves to {@code bpf_program__attach_cgroup} ({@link #of(ProgramSpec)} knows those: their attach type is the
 * section's expected attach type).
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

    /** A cgroup hook at {@code type} of the cgroup the user names. */
    record Cgroup(AttachType type) implements AttachPoint {}

    /**
     * A program loaded with {@code attach_btf_id}: {@code TRACE_RAW_TP} (tp_btf), {@code TRACE_FENTRY},
     * {@code TRACE_FEXIT}, {@code MODIFY_RETURN}, {@code LSM_MAC}; {@code target} is the tracepoint, function or hook.
     */
    record Tracing(AttachType type, String target) implements AttachPoint {}

    /** A BPF iterator ({@code iter/bpf_map}, {@code iter/task}, ...): attached, it runs each time it is read. */
    record Iterator(String target) implements AttachPoint {}

    /** One kprobe_multi link on every kernel function {@code pattern} (a glob) matches. */
    record KprobeMulti(String pattern, boolean ret) implements AttachPoint {}

    /**
     * A kprobe on system call {@code syscall}'s kernel entry point ({@code __x64_sys_NAME} where the kernel
     * wraps syscalls, as libbpf's {@code bpf_program__attach_ksyscall} resolves it).
     */
    record Ksyscall(String syscall, boolean ret) implements AttachPoint {}

    /** One uprobe_multi link on every function of {@code binary} that {@code pattern} (a glob) matches. */
    record UprobeMulti(Path binary, String pattern, boolean ret) implements AttachPoint {}

    Pattern TRACEPOINT = Pattern.compile("(?:tracepoint|tp)/(\\w+)/(\\w+)");
    Pattern RAW_TRACEPOINT = Pattern.compile("(?:raw_tracepoint|raw_tp)/(\\w+)");
    Pattern KPROBE = Pattern.compile("(kprobe|kretprobe)/([\\w.]+)(?:\\+(\\d+|0x[0-9a-fA-F]+))?");
    Pattern TRACING = Pattern.compile("(tp_btf|fentry|fexit|fmod_ret|lsm)(?:\\.s)?/(\\w+)");
    Pattern ITER = Pattern.compile("iter(?:\\.s)?/(\\w+)");
    Pattern KPROBE_MULTI = Pattern.compile("(kprobe|kretprobe)\\.multi/([\\w.*?]+)");
    Pattern KSYSCALL = Pattern.compile("(ksyscall|kretsyscall)/(\\w+)");
    Pattern UPROBE_MULTI = Pattern.compile("(uprobe|uretprobe)\\.multi(?:\\.s)?/(/[^:]+):([\\w.@*?]+)");
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
        if ((m = TRACING.matcher(section)).matches()) {
            AttachType type = switch (m.group(1)) {
                case "tp_btf" -> AttachType.TRACE_RAW_TP;
                case "fentry" -> AttachType.TRACE_FENTRY;
                case "fexit" -> AttachType.TRACE_FEXIT;
                case "fmod_ret" -> AttachType.MODIFY_RETURN;
                default -> AttachType.LSM_MAC;
            };
            return Optional.of(new Tracing(type, m.group(2)));
        }
        if ((m = ITER.matcher(section)).matches()) return Optional.of(new Iterator(m.group(1)));
        if ((m = KPROBE_MULTI.matcher(section)).matches()) return Optional.of(new KprobeMulti(m.group(2), m.group(1).equals("kretprobe")));
        if ((m = UPROBE_MULTI.matcher(section)).matches()) {
            return Optional.of(new UprobeMulti(Path.of(m.group(2)), m.group(3), m.group(1).equals("uretprobe")));
        }
        if ((m = KSYSCALL.matcher(section)).matches()) return Optional.of(new Ksyscall(m.group(2), m.group(1).equals("kretsyscall")));
        return switch (section) {
            case "xdp", "xdp.frags" -> Optional.of(new Xdp());
            case "tcx/ingress", "tc/ingress" -> Optional.of(new Tcx(AttachType.TCX_INGRESS));
            case "tcx/egress", "tc/egress" -> Optional.of(new Tcx(AttachType.TCX_EGRESS));
            default -> Optional.empty();
        };
    }

    /**
     * The attach point of a program of an object: {@link #of(String)} of its section, or — for the program
     * types that attach to a cgroup ({@code cgroup/...}, {@code cgroup_skb/...}, {@code sockops}) — a
     * {@link Cgroup} at its expected attach type ({@code cgroup/skb}, loaded with none, is ingress: the
     * kernel's 0).
     */
    static Optional<AttachPoint> of(ProgramSpec spec) {
        return switch (spec.type()) {
            case CGROUP_SKB, CGROUP_SOCK, CGROUP_SOCK_ADDR, CGROUP_SYSCTL, CGROUP_SOCKOPT, CGROUP_DEVICE, SOCK_OPS ->
                    Optional.of(new Cgroup(spec.expectedAttachType().orElse(AttachType.CGROUP_INET_INGRESS)));
            default -> of(spec.sectionName());
        };
    }

    private static long offset(String text) {
        if (text == null) return 0;
        return text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
    }

    /** {@link #attach(KernelProgram, Optional, Optional)} with no cgroup. */
    default Link attach(KernelProgram program, Optional<String> interfaceName) {
        return attach(program, interfaceName, Optional.empty());
    }

    /**
     * Attaches {@code program} here; {@code interfaceName} for XDP and tcx, {@code cgroup} (a cgroup v2
     * directory) for cgroup hooks.
     *
     * @throws IllegalArgumentException when XDP or tcx is given no interface, or a cgroup hook no cgroup
     */
    default Link attach(KernelProgram program, Optional<String> interfaceName, Optional<Path> cgroup) {
        return switch (this) {
            case Cgroup c -> program.attachCgroup(cgroup.orElseThrow(() -> new IllegalArgumentException(
                    "cgroup hooks attach to a cgroup v2 directory: name one")), c.type());
            case Tracing t -> program.attachTracing(t.type(), t.target());
            case Iterator i -> program.attachIterator(i.target());
            case KprobeMulti k -> program.attachKprobeMulti(k.pattern(), k.ret());
            case UprobeMulti u -> program.attachUprobeMulti(u.binary(), u.pattern(), u.ret(), OptionalInt.empty());
            case Ksyscall k -> program.attachKprobe(KernelSymbols.syscallFunction(k.syscall()), 0, k.ret());
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

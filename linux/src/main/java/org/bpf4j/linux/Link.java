package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;

/**
 * A program attached to a hook through a BPF link ({@code BPF_LINK_CREATE}): it stays attached while the
 * link is open, and the kernel detaches it when the link's last reference goes — {@link #close()}, or this
 * process's end — so that nothing is left behind. A {@link #pin pinned} link outlives the process until its
 * pin is removed.
 */
public final class Link implements org.bpf4j.api.LinkHandle {
    /** {@code XDP_FLAGS_SKB_MODE}, {@code XDP_FLAGS_DRV_MODE}. */
    private static final int XDP_FLAGS_SKB_MODE = 1 << 1, XDP_FLAGS_DRV_MODE = 1 << 2;
    private static final Path[] TRACEFS = {Path.of("/sys/kernel/tracing"), Path.of("/sys/kernel/debug/tracing")};

    /** Where an XDP program runs: in the driver, or in the generic (skb) path every interface has. */
    public enum XdpMode {
        /** The kernel's choice: the driver's when it has XDP support, else generic. */
        DEFAULT(0),
        /** {@code XDP_FLAGS_SKB_MODE}: after the skb is built; works on every interface. */
        GENERIC(XDP_FLAGS_SKB_MODE),
        /** {@code XDP_FLAGS_DRV_MODE}: in the driver; refused where it has no XDP support. */
        NATIVE(XDP_FLAGS_DRV_MODE);

        private final int flags;

        XdpMode(int flags) { this.flags = flags; }
    }

    /** The links: one, or one per CPU for a perf event sampled on every CPU; none for a socket filter. */
    private final List<FdHandle> links;
    /** The perf events the links attach to (closed with them). */
    private final List<FdHandle> perfEvents;
    /** What closing undoes besides closing fds: a socket filter's {@code SO_DETACH_BPF}. */
    private final Runnable detach;
    /** Whether this is an iterator's link, which {@link #readIterator()} reads. */
    private final boolean iterator;
    private volatile boolean closed;
    private final String description;

    private Link(List<FdHandle> links, List<FdHandle> perfEvents, String description) {
        this(links, perfEvents, () -> {}, false, description);
    }

    private Link(List<FdHandle> links, List<FdHandle> perfEvents, Runnable detach, boolean iterator, String description) {
        this.links = List.copyOf(links);
        this.perfEvents = List.copyOf(perfEvents);
        this.detach = detach;
        this.iterator = iterator;
        this.description = description;
    }

    private Link(FdHandle link, String description) {
        this(List.of(link), List.of(), description);
    }

    /** Attaches an XDP program to {@code interfaceName} of this process's network namespace. */
    static Link xdp(KernelProgram program, String interfaceName, XdpMode mode) {
        try (Arena a = Arena.ofConfined()) {
            int ifindex = ifindex(a, interfaceName);
            String what = "xdp on " + interfaceName + (mode == XdpMode.DEFAULT ? "" : " (" + mode.name().toLowerCase() + ")");
            return new Link(create(a, program, ifindex, AttachType.XDP, mode.flags, what), what);
        }
    }

    /** Attaches a tc program to {@code interfaceName}'s ingress or egress with tcx ({@code BPF_TCX_*}). */
    static Link tcx(KernelProgram program, String interfaceName, AttachType direction) {
        if (direction != AttachType.TCX_INGRESS && direction != AttachType.TCX_EGRESS) {
            throw new IllegalArgumentException("tcx attaches at TCX_INGRESS or TCX_EGRESS, not " + direction);
        }
        try (Arena a = Arena.ofConfined()) {
            int ifindex = ifindex(a, interfaceName);
            String what = "tcx " + (direction == AttachType.TCX_INGRESS ? "ingress" : "egress") + " on " + interfaceName;
            return new Link(create(a, program, ifindex, direction, 0, what), what);
        }
    }

    /**
     * Attaches a program to the tracepoint {@code category/name} as libbpf does: a perf event of the
     * tracepoint (its id from tracefs), then a {@code BPF_PERF_EVENT} link to it.
     */
    static Link tracepoint(KernelProgram program, String category, String name) {
        String what = "tracepoint " + category + "/" + name;
        long id = tracepointId(category, name);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = PerfEventAttr.allocate(a, PerfEventAttr.TYPE_TRACEPOINT, id);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.SAMPLE_PERIOD, 1);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.SAMPLE_TYPE, PerfEventAttr.SAMPLE_RAW);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, PerfEventAttr.WAKEUP_EVENTS, 1);
            // pid -1, cpu 0: a tracepoint's BPF program runs on every CPU and for every task
            return onPerfEvent(a, program, PerfEventAttr.open(a, attr, -1, 0, what).orElseThrow(
                    () -> new IllegalStateException("perf_event_open for " + what + ": CPU 0 is offline")), what);
        }
    }

    /**
     * Attaches a program to a raw tracepoint ({@code BPF_RAW_TRACEPOINT_OPEN}): the tracepoint's arguments
     * as they are, without the tracefs format ({@code SEC("raw_tp/NAME")}).
     */
    static Link rawTracepoint(KernelProgram program, String name) {
        if (!name.matches("\\w+")) throw new IllegalArgumentException("'" + name + "' is not a tracepoint name");
        String what = "raw tracepoint " + name;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            Attr.putPtr(attr, Attr.RawTracepointOpen.NAME, a.allocateFrom(name));
            Attr.putU32(attr, Attr.RawTracepointOpen.PROG_FD, program.fd());
            long fd;
            try {
                fd = Sys.bpfOrThrow(a, BpfCommand.BPF_RAW_TRACEPOINT_OPEN, attr, Attr.RawTracepointOpen.END, what);
            } finally {
                Reference.reachabilityFence(program);
            }
            return new Link(new FdHandle((int) fd, "link " + what), what);
        }
    }

    /**
     * Attaches a perf_event program to CPU-clock sampling at {@code hertz} on every online CPU, as profilers
     * do ({@code PERF_COUNT_SW_CPU_CLOCK}, a frequency, one perf event and one link per CPU).
     */
    static Link cpuClockSampling(KernelProgram program, int hertz) {
        if (hertz <= 0) throw new IllegalArgumentException("sampling frequency must be positive: " + hertz);
        String what = "cpu-clock sampling at " + hertz + " Hz";
        List<FdHandle> links = new ArrayList<>(), events = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            for (int cpu = 0; cpu < PossibleCpus.count(); cpu++) {
                MemorySegment attr = PerfEventAttr.allocate(a, PerfEventAttr.TYPE_SOFTWARE, PerfEventAttr.COUNT_SW_CPU_CLOCK);
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.SAMPLE_PERIOD, hertz); // sample_freq
                attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.FLAGS, PerfEventAttr.FLAG_FREQ);
                Optional<FdHandle> event = PerfEventAttr.open(a, attr, -1, cpu, what + " on CPU " + cpu);
                if (event.isEmpty()) continue; // an offline CPU
                events.add(event.get());
                links.add(create(a, program, event.get().fd(), AttachType.PERF_EVENT, 0, what));
            }
        } catch (RuntimeException e) {
            links.forEach(FdHandle::close);
            events.forEach(FdHandle::close);
            throw e;
        }
        if (links.isEmpty()) throw new IllegalStateException(what + ": no online CPU");
        return new Link(links, events, what + " on " + links.size() + " CPUs");
    }

    /**
     * Attaches a kprobe-type program to the entry (or, {@code ret}, the return) of function {@code symbol} of
     * {@code binary} plus {@code offset}, through the uprobe PMU and a perf event link; {@code pid}: one
     * process, or every process running the binary.
     */
    static Link uprobe(KernelProgram program, Path binary, String symbol, long offset, boolean ret, java.util.OptionalInt pid) {
        String what = (ret ? "uretprobe " : "uprobe ") + binary + ":" + symbol + (offset == 0 ? "" : "+" + offset)
                + pid.stream().mapToObj(p -> " (pid " + p + ")").findFirst().orElse("");
        long fileOffset = ElfSymbols.functionOffset(binary, symbol) + offset;
        int type = pmuType("uprobe");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = PerfEventAttr.allocate(a, type, ret ? 1L << retprobeBit("uprobe") : 0);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.CONFIG1, a.allocateFrom(binary.toAbsolutePath().toString()).address()); // uprobe_path
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.CONFIG2, fileOffset);                                                   // probe_offset
            // one process on any CPU, or every process (pid -1) on CPU 0, which the kernel takes as all
            return onPerfEvent(a, program, PerfEventAttr.open(a, attr, pid.orElse(-1), pid.isPresent() ? -1 : 0, what).orElseThrow(
                    () -> new IllegalStateException("perf_event_open for " + what + ": CPU 0 is offline")), what);
        }
    }

    /**
     * Attaches a kprobe-type program to kernel function {@code function} plus {@code offset} (or its return),
     * through the kprobe PMU and a perf event link, as libbpf does on kernels with perf links.
     *
     * @throws IllegalStateException when the kernel has no kprobe PMU (built without {@code CONFIG_KPROBES})
     */
    static Link kprobe(KernelProgram program, String function, long offset, boolean ret) {
        if (!function.matches("[\\w.]+")) throw new IllegalArgumentException("'" + function + "' is not a kernel function name");
        String what = (ret ? "kretprobe " : "kprobe ") + function + (offset == 0 ? "" : "+" + offset);
        KernelSymbols.requireFunction(function); // a typo is named even where kprobes cannot attach
        int type = pmuType("kprobe");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = PerfEventAttr.allocate(a, type, ret ? 1L << retprobeBit("kprobe") : 0);
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.CONFIG1, a.allocateFrom(function).address()); // kprobe_func
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, PerfEventAttr.CONFIG2, offset);                            // probe_offset
            return onPerfEvent(a, program, PerfEventAttr.open(a, attr, -1, 0, what).orElseThrow(
                    () -> new IllegalStateException("perf_event_open for " + what + ": CPU 0 is offline")), what);
        }
    }

    /** A dynamic PMU's type ({@code /sys/bus/event_source/devices/NAME/type}). */
    private static int pmuType(String pmu) {
        Path file = Path.of("/sys/bus/event_source/devices", pmu, "type");
        try {
            return Integer.parseInt(Files.readString(file).strip());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new IllegalStateException("this kernel has no " + pmu + " PMU (no " + file + ")"
                    + (pmu.equals("kprobe") ? ": it is built without CONFIG_KPROBES" : ""), e);
        }
    }

    /** The config bit that makes a kprobe/uprobe event a return probe ({@code format/retprobe}: "config:N"). */
    private static int retprobeBit(String pmu) {
        Path file = Path.of("/sys/bus/event_source/devices", pmu, "format", "retprobe");
        try {
            String format = Files.readString(file).strip();
            return Integer.parseInt(format.substring(format.indexOf(':') + 1));
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code perf_event_open(attr, -1, cpu, -1, CLOEXEC)}; empty for a CPU that is offline (ENODEV). */
    /** A BPF link of {@code program} on perf event {@code event}, which the link owns; the event is closed if the link fails. */
    private static Link onPerfEvent(Arena a, KernelProgram program, FdHandle event, String what) {
        try {
            return new Link(List.of(create(a, program, event.fd(), AttachType.PERF_EVENT, 0, what)), List.of(event), what);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    private static FdHandle create(Arena a, KernelProgram program, int target, AttachType type, int flags, String what) {
        return create(a, program, target, type, flags, attr -> {}, what);
    }

    /** {@code BPF_LINK_CREATE}; {@code extra} fills the attach type's own member of the union. */
    private static FdHandle create(Arena a, KernelProgram program, int target, AttachType type, int flags,
                                   java.util.function.Consumer<MemorySegment> extra, String what) {
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.LinkCreate.PROG_FD, program.fd());
        Attr.putU32(attr, Attr.LinkCreate.TARGET_FD, target);
        Attr.putU32(attr, Attr.LinkCreate.ATTACH_TYPE, type.id());
        Attr.putU32(attr, Attr.LinkCreate.FLAGS, flags);
        extra.accept(attr);
        long fd;
        try {
            fd = Sys.bpf(a, BpfCommand.BPF_LINK_CREATE, attr, Attr.LinkCreate.END);
        } finally {
            Reference.reachabilityFence(program);
        }
        if (fd < 0) throw Capabilities.explain(BpfCommand.BPF_LINK_CREATE, (int) -fd, program.type(), what);
        return new FdHandle((int) fd, "link " + what);
    }

    /**
     * Attaches a cgroup program to the cgroup v2 directory {@code cgroup} at {@code type} (as
     * libbpf's {@code bpf_program__attach_cgroup}: a link on the cgroup's fd); it runs for the processes of that
     * cgroup and its descendants.
     */
    static Link cgroup(KernelProgram program, Path cgroup, AttachType type) {
        String what = "cgroup " + type.name().toLowerCase(java.util.Locale.ROOT) + " on " + cgroup;
        // the link holds the cgroup: its directory's fd closes once the link exists
        try (FdHandle dir = Cgroups.open(cgroup); Arena a = Arena.ofConfined()) {
            return new Link(create(a, program, dir.fd(), type, 0, what), what);
        }
    }

    /**
     * Attaches a socket filter to the socket {@code socketFd} with {@code SO_ATTACH_BPF}, as
     * {@code setsockopt} in C does: no BPF link exists for sockets; closing detaches ({@code SO_DETACH_BPF}),
     * and the socket's own end detaches too.
     */
    static Link socketFilter(KernelProgram program, int socketFd) {
        String what = "socket filter on fd " + socketFd;
        int r;
        try {
            r = Sys.setSocketOption(socketFd, Sys.SO_ATTACH_BPF, program.fd());
        } finally {
            Reference.reachabilityFence(program);
        }
        if (r < 0) {
            throw new IllegalArgumentException("setsockopt(SO_ATTACH_BPF) on fd " + socketFd + ": " + org.bpf4j.maps.Errno.nameOf(-r)
                    + org.bpf4j.maps.Errno.of(-r).map(e -> " (" + e.description() + ")").orElse("")
                    + (-r == org.bpf4j.maps.Errno.ENOTSOCK.number() ? ": not a socket" : ""));
        }
        // SO_DETACH_BPF's result is of no use at close: ENOENT or EBADF when closing the socket detached it already
        return new Link(List.of(), List.of(), () -> Sys.setSocketOption(socketFd, Sys.SO_DETACH_BPF, 0), false, what);
    }

    /**
     * Attaches a program loaded with {@code attach_btf_id} — {@code tp_btf}, {@code fentry}, {@code fexit},
     * {@code fmod_ret}, {@code lsm} — at the kernel function or tracepoint it was loaded for ({@code
     * BPF_LINK_CREATE} with the program's expected attach type, as libbpf's {@code bpf_program__attach_trace}
     * and {@code _attach_lsm}).
     */
    static Link tracing(KernelProgram program, AttachType type, String target) {
        String what = switch (type) {
            case TRACE_RAW_TP -> "tp_btf/";
            case TRACE_FENTRY -> "fentry/";
            case TRACE_FEXIT -> "fexit/";
            case MODIFY_RETURN -> "fmod_ret/";
            case LSM_MAC -> "lsm/";
            default -> throw new IllegalArgumentException(type + " is not a tracing attach type");
        } + target;
        try (Arena a = Arena.ofConfined()) {
            return new Link(create(a, program, 0, type, 0, what), what);
        }
    }

    /** Attaches an iterator program ({@code BPF_TRACE_ITER}); {@link #readIterator()} runs it. */
    static Link iterator(KernelProgram program, String target) {
        String what = "iter/" + target;
        try (Arena a = Arena.ofConfined()) {
            return new Link(List.of(create(a, program, 0, AttachType.TRACE_ITER, 0, what)), List.of(), () -> {}, true, what);
        }
    }

    /** {@code BPF_F_UPROBE_MULTI_RETURN}: the uretprobe flavour of a uprobe_multi link. */
    static final int UPROBE_MULTI_RETURN = 1;

    /**
     * Attaches a kprobe program (loaded with {@code TRACE_UPROBE_MULTI}) to every function of {@code binary} whose
     * name the glob {@code pattern} matches, their entries or returns ({@code ret}), one {@code BPF_TRACE_UPROBE_MULTI}
     * link for all (libbpf's {@code bpf_program__attach_uprobe_multi}); {@code pid}: one process, or every one.
     */
    static Link uprobeMulti(KernelProgram program, Path binary, String pattern, boolean ret, java.util.OptionalInt pid) {
        java.util.Map<String, Long> functions = ElfSymbols.matching(binary, pattern);
        String what = (ret ? "uretprobe.multi/" : "uprobe.multi/") + binary + ":" + pattern + " (" + functions.size()
                + (functions.size() == 1 ? " function" : " functions")
                + pid.stream().mapToObj(p -> ", pid " + p).findFirst().orElse("") + ")";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment offsets = a.allocate(ValueLayout.JAVA_LONG, functions.size());
            int i = 0;
            for (long offset : functions.values()) offsets.setAtIndex(ValueLayout.JAVA_LONG, i++, offset);
            MemorySegment path = a.allocateFrom(binary.toAbsolutePath().toString());
            return new Link(create(a, program, 0, AttachType.TRACE_UPROBE_MULTI, 0, attr -> {
                Attr.putPtr(attr, Attr.LinkCreate.UPROBE_MULTI_PATH, path);
                Attr.putPtr(attr, Attr.LinkCreate.UPROBE_MULTI_OFFSETS, offsets);
                Attr.putU32(attr, Attr.LinkCreate.UPROBE_MULTI_CNT, functions.size());
                Attr.putU32(attr, Attr.LinkCreate.UPROBE_MULTI_FLAGS, ret ? UPROBE_MULTI_RETURN : 0);
                Attr.putU32(attr, Attr.LinkCreate.UPROBE_MULTI_PID, pid.orElse(0));
            }, what), what);
        }
    }

    /** {@code BPF_F_KPROBE_MULTI_RETURN}: the kretprobe flavour of a kprobe_multi link. */
    static final int KPROBE_MULTI_RETURN = 1;

    /**
     * Attaches a kprobe program to every kernel function {@code pattern} matches (a glob with {@code *} and
     * {@code ?}, resolved against the functions the kernel can probe, as libbpf's
     * {@code bpf_program__attach_kprobe_multi_opts}), one {@code BPF_TRACE_KPROBE_MULTI} link for all.
     *
     * @throws IllegalArgumentException when the pattern matches no function (with the closest names)
     */
    static Link kprobeMulti(KernelProgram program, String pattern, boolean ret) {
        List<String> functions = KernelSymbols.matching(pattern);
        String what = (ret ? "kretprobe.multi/" : "kprobe.multi/") + pattern + " (" + functions.size()
                + (functions.size() == 1 ? " function)" : " functions)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment syms = a.allocate(ValueLayout.ADDRESS, functions.size());
            for (int i = 0; i < functions.size(); i++) syms.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(functions.get(i)));
            return new Link(create(a, program, 0, AttachType.TRACE_KPROBE_MULTI, 0, attr -> {
                Attr.putU32(attr, Attr.LinkCreate.KPROBE_MULTI_FLAGS, ret ? KPROBE_MULTI_RETURN : 0);
                Attr.putU32(attr, Attr.LinkCreate.KPROBE_MULTI_CNT, functions.size());
                Attr.putPtr(attr, Attr.LinkCreate.KPROBE_MULTI_SYMS, syms);
            }, what), what);
        } catch (BpfException e) {
            if (!e.is(org.bpf4j.maps.Errno.EOPNOTSUPP)) throw e;
            throw new BpfException(e.command(), e.errno(), e.getMessage() + ": this kernel has no kprobe_multi (built without CONFIG_FPROBE)");
        }
    }

    private static int ifindex(Arena a, String interfaceName) {
        if (interfaceName.isEmpty() || interfaceName.length() > 15 || interfaceName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("'" + interfaceName + "' is not an interface name (1-15 characters, no '/')");
        }
        int ifindex = Sys.ifNameToIndex(a, interfaceName);
        if (ifindex <= 0) {
            throw new IllegalArgumentException("no interface " + interfaceName + " in this network namespace"
                    + Names.suggest(interfaceName, interfaces()));
        }
        return ifindex;
    }

    /** The interfaces of this process's network namespace ({@code /proc/self/net/dev}: "  name: counters"). */
    static List<String> interfaces() {
        try {
            return Files.readAllLines(Path.of("/proc/self/net/dev")).stream().filter(l -> l.indexOf(':') > 0)
                    .map(l -> l.substring(0, l.indexOf(':')).strip()).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** The tracepoint's id from tracefs ({@code events/CATEGORY/NAME/id}). */
    static long tracepointId(String category, String name) {
        if (!category.matches("\\w+") || !name.matches("\\w+")) {
            throw new IllegalArgumentException("'" + category + "/" + name + "' is not a tracepoint name");
        }
        for (Path tracefs : TRACEFS) {
            Path id = tracefs.resolve("events").resolve(category).resolve(name).resolve("id");
            if (!Files.isReadable(id)) continue;
            try {
                return Long.parseLong(Files.readString(id).strip());
            } catch (java.io.IOException | NumberFormatException e) {
                throw new IllegalStateException("cannot read " + id + ": " + e.getMessage(), e);
            }
        }
        if (!Files.isDirectory(TRACEFS[0].resolve("events")) && !Files.isDirectory(TRACEFS[1].resolve("events"))) {
            throw new IllegalStateException("tracefs is not mounted: mount -t tracefs tracefs /sys/kernel/tracing");
        }
        throw new IllegalArgumentException("no tracepoint " + category + "/" + name + " in this kernel"
                + Names.suggest(category + "/" + name, tracepoints()));
    }

    /** Every tracepoint tracefs lists, as {@code category/name}. */
    static List<String> tracepoints() {
        for (Path tracefs : TRACEFS) {
            Path events = tracefs.resolve("events");
            if (!Files.isDirectory(events)) continue;
            try (var categories = Files.list(events)) {
                List<String> names = new ArrayList<>();
                for (Path c : categories.filter(Files::isDirectory).sorted().toList()) {
                    try (var inCategory = Files.list(c)) {
                        inCategory.filter(Files::isDirectory).sorted()
                                .forEach(e -> names.add(c.getFileName() + "/" + e.getFileName()));
                    }
                }
                return names;
            } catch (java.io.IOException e) {
                return List.of();
            }
        }
        return List.of();
    }

    /**
     * {@code BPF_OBJ_PIN}: the link, and so the attachment, lasts until the pin is removed.
     *
     * @throws IllegalStateException for a link of several CPUs' perf events, which is not one kernel object
     */
    @Override
    public void pin(Path path) {
        if (links.isEmpty()) throw new IllegalStateException(description + " is no BPF link: the socket holds the program");
        if (links.size() != 1) throw new IllegalStateException(description + " is " + links.size() + " links: pin each CPU's own");
        KernelMap.Pins.pin(links.getFirst().fd(), path);
    }

    /**
     * An iterator link's output ({@code SEC("iter/...")}): a fresh {@code BPF_ITER_CREATE} fd read to its end,
     * which runs the program once per object iterated, as {@code cat} of a pinned iterator does.
     *
     * @throws IllegalStateException when this is not an iterator's link
     */
    public byte[] readIterator() {
        if (!iterator) throw new IllegalStateException(description + " is not an iterator");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            FdHandle link = links.getFirst();
            Attr.putU32(attr, Attr.IterCreate.LINK_FD, link.fd());
            long fd;
            try {
                fd = Sys.bpfOrThrow(a, BpfCommand.BPF_ITER_CREATE, attr, Attr.IterCreate.END, description);
            } finally {
                Reference.reachabilityFence(link);
            }
            try (FdHandle iter = new FdHandle((int) fd, "iterator of " + description)) {
                return Sys.readAll(iter.fd(), description);
            }
        }
    }

    /** The kernel-wide ids of its BPF links (as {@code bpftool link show} prints them); none for a socket filter. */
    public List<Integer> ids() {
        return links.stream().map(FdHandle::objectId).toList();
    }

    /** Whether {@link #close()} has run. */
    @Override
    public boolean isClosed() { return closed; }

    /** Detaches (unless the link is pinned) and releases the link's descriptors. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            detach.run();
        } finally {
            links.forEach(FdHandle::close);
            perfEvents.forEach(FdHandle::close);
        }
    }

    @Override
    public String toString() { return description; }
}

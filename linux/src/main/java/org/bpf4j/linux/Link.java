package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bpf4j.progtype.AttachType;

/**
 * A program attached to a hook through a BPF link ({@code BPF_LINK_CREATE}): it stays attached while the
 * link is open, and the kernel detaches it when the link's last reference goes — {@link #close()}, or this
 * process's end — so that nothing is left behind. A {@link #pin pinned} link outlives the process until its
 * pin is removed.
 */
public final class Link implements AutoCloseable {
    /** {@code XDP_FLAGS_SKB_MODE}, {@code XDP_FLAGS_DRV_MODE}. */
    private static final int XDP_FLAGS_SKB_MODE = 1 << 1, XDP_FLAGS_DRV_MODE = 1 << 2;
    /** {@code PERF_TYPE_TRACEPOINT}, {@code PERF_SAMPLE_RAW}, {@code PERF_FLAG_FD_CLOEXEC}. */
    private static final int PERF_TYPE_TRACEPOINT = 2, PERF_FLAG_FD_CLOEXEC = 8;
    private static final long PERF_SAMPLE_RAW = 1L << 10;
    /** {@code sizeof(struct perf_event_attr)} as of PERF_ATTR_SIZE_VER8: the kernel takes any known size. */
    private static final int PERF_ATTR_SIZE = 136;
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

    private final FdHandle link;
    private final Optional<FdHandle> perfEvent;
    private final String description;

    private Link(FdHandle link, Optional<FdHandle> perfEvent, String description) {
        this.link = link;
        this.perfEvent = perfEvent;
        this.description = description;
    }

    /** Attaches an XDP program to {@code interfaceName} of this process's network namespace. */
    static Link xdp(KernelProgram program, String interfaceName, XdpMode mode) {
        try (Arena a = Arena.ofConfined()) {
            int ifindex = ifindex(a, interfaceName);
            String what = "xdp on " + interfaceName + (mode == XdpMode.DEFAULT ? "" : " (" + mode.name().toLowerCase() + ")");
            return new Link(create(a, program, ifindex, AttachType.XDP, mode.flags, what), Optional.empty(), what);
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
            return new Link(create(a, program, ifindex, direction, 0, what), Optional.empty(), what);
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
            MemorySegment attr = a.allocate(PERF_ATTR_SIZE);
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, 0, PERF_TYPE_TRACEPOINT); // type
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, 4, PERF_ATTR_SIZE);       // size
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, id);                  // config
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 1);                  // sample_period
            attr.set(ValueLayout.JAVA_LONG_UNALIGNED, 24, PERF_SAMPLE_RAW);    // sample_type
            attr.set(ValueLayout.JAVA_INT_UNALIGNED, 48, 1);                   // wakeup_events
            // pid -1, cpu 0: a tracepoint's BPF program runs on every CPU and for every task
            long fd = Sys.perfEventOpen(a, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
            if (fd < 0) {
                int errno = (int) -fd;
                throw new IllegalStateException("perf_event_open for " + what + ": " + org.bpf4j.maps.Errno.nameOf(errno)
                        + org.bpf4j.maps.Errno.of(errno).map(e -> " (" + e.description() + ")").orElse(""));
            }
            FdHandle event = new FdHandle((int) fd, "perf event of " + what);
            try {
                return new Link(create(a, program, event.fd(), AttachType.PERF_EVENT, 0, what), Optional.of(event), what);
            } catch (RuntimeException e) {
                event.close();
                throw e;
            }
        }
    }

    private static FdHandle create(Arena a, KernelProgram program, int target, AttachType type, int flags, String what) {
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.LinkCreate.PROG_FD, program.fd());
        Attr.putU32(attr, Attr.LinkCreate.TARGET_FD, target);
        Attr.putU32(attr, Attr.LinkCreate.ATTACH_TYPE, type.id());
        Attr.putU32(attr, Attr.LinkCreate.FLAGS, flags);
        long fd;
        try {
            fd = Sys.bpfOrThrow(a, BpfCommand.BPF_LINK_CREATE, attr, Attr.LinkCreate.END, what);
        } finally {
            Reference.reachabilityFence(program);
        }
        return new FdHandle((int) fd, "link " + what);
    }

    private static int ifindex(Arena a, String interfaceName) {
        if (interfaceName.isEmpty() || interfaceName.length() > 15 || interfaceName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("'" + interfaceName + "' is not an interface name (1-15 characters, no '/')");
        }
        int ifindex = Sys.ifNameToIndex(a, interfaceName);
        if (ifindex <= 0) {
            throw new IllegalArgumentException("no interface " + interfaceName + " in this network namespace");
        }
        return ifindex;
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
        throw new IllegalArgumentException("no tracepoint " + category + "/" + name + " in this kernel");
    }

    /** {@code BPF_OBJ_PIN}: the link, and so the attachment, lasts until the pin is removed. */
    public void pin(Path path) {
        KernelMap.Pins.pin(link.fd(), path);
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() { return link.isClosed(); }

    /** Detaches (unless the link is pinned) and releases the link's descriptors. */
    @Override
    public void close() {
        link.close();
        perfEvent.ifPresent(FdHandle::close);
    }

    @Override
    public String toString() { return description; }
}

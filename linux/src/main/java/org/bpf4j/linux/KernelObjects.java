package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.bpf4j.maps.Errno;
import org.bpf4j.progtype.AttachType;

/**
 * The kernel's BPF objects — programs, maps, links, BTF — as {@code bpftool prog|map|link|btf show} finds
 * them: every id ({@code BPF_*_GET_NEXT_ID}), an fd for an id ({@code BPF_*_GET_FD_BY_ID}) or a pin
 * ({@code BPF_OBJ_GET}), and what the kernel says of each ({@code BPF_OBJ_GET_INFO_BY_FD}). An object can go
 * away between its id being listed and its fd being taken: listings skip it, lookups by id say it is gone.
 */
public final class KernelObjects {
    private KernelObjects() {}

    /** The four kinds of object, each with its next-id and fd-by-id commands and its fdinfo marker. */
    public enum Kind {
        PROGRAM("program", BpfCommand.BPF_PROG_GET_NEXT_ID, BpfCommand.BPF_PROG_GET_FD_BY_ID, "prog_type:"),
        MAP("map", BpfCommand.BPF_MAP_GET_NEXT_ID, BpfCommand.BPF_MAP_GET_FD_BY_ID, "map_type:"),
        LINK("link", BpfCommand.BPF_LINK_GET_NEXT_ID, BpfCommand.BPF_LINK_GET_FD_BY_ID, "link_type:"),
        BTF("BTF", BpfCommand.BPF_BTF_GET_NEXT_ID, BpfCommand.BPF_BTF_GET_FD_BY_ID, "btf_id:");

        private final String noun;
        private final BpfCommand next, byId;
        private final String fdinfoKey;

        Kind(String noun, BpfCommand next, BpfCommand byId, String fdinfoKey) {
            this.noun = noun;
            this.next = next;
            this.byId = byId;
            this.fdinfoKey = fdinfoKey;
        }

        public String noun() { return noun; }
    }

    /** No object of the kind has that id, or no pin at that path: a message naming it. */
    public static final class NotFoundException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NotFoundException(String message) { super(message); }
    }

    // ---- what the kernel says of each object -------------------------------------------------

    /**
     * A loaded program ({@code struct bpf_prog_info}); {@code memlock} from its fdinfo, as bpftool reads it.
     *
     * @param typeId {@code enum bpf_prog_type}; {@link #type()} names it where this build knows it
     * @param tag the program's tag (hash of its instructions), 16 hex digits as bpftool prints it
     * @param loadTimeNs when it was loaded, in ns since boot
     */
    public record ProgInfo(int id, int typeId, String name, String tag, boolean gplCompatible, long loadTimeNs, int uid,
                           int xlatedBytes, int jitedBytes, List<Integer> mapIds, int btfId, int verifiedInsns,
                           long runTimeNs, long runCount, long memlock) {
        public ProgInfo { mapIds = List.copyOf(mapIds); }

        public Optional<org.bpf4j.progtype.ProgramType> type() { return org.bpf4j.progtype.ProgramType.byId(typeId); }
    }

    /** A map ({@code struct bpf_map_info}); {@code frozen} and {@code memlock} from its fdinfo. */
    public record KernelMapInfo(int id, int typeId, String name, int keySize, int valueSize, int maxEntries, int flags,
                                int btfId, int btfKeyTypeId, int btfValueTypeId, long mapExtra, boolean frozen, long memlock) {
        public Optional<org.bpf4j.maps.MapType> type() { return org.bpf4j.maps.MapType.byId(typeId); }
    }

    /** A BTF object ({@code struct bpf_btf_info}): {@code kernel} for vmlinux's and modules' own BTF. */
    public record BtfInfo(int id, String name, int size, boolean kernel) {}

    /** A link ({@code struct bpf_link_info}): what it attaches, and to what ({@link Target}, per link type). */
    public record LinkInfo(int id, int typeId, int progId, Target target) {
        /** libbpf's name of the link type ({@code enum bpf_link_type}, {@code link_type_name}). */
        public String typeName() {
            return typeId >= 0 && typeId < LINK_TYPES.length ? LINK_TYPES[typeId] : "type " + typeId;
        }
    }

    /** {@code enum bpf_link_type} names as libbpf spells them, by id (Linux 6.12). */
    private static final String[] LINK_TYPES = {"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp",
            "perf_event", "kprobe_multi", "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap"};

    /** What a link attaches to: the link type's member of {@code bpf_link_info}'s union. */
    public sealed interface Target {
        record Xdp(int ifindex) implements Target {}

        /** tcx and netkit: an interface and a direction. */
        record Interface(int ifindex, Optional<AttachType> attachType) implements Target {}

        record RawTracepoint(String name) implements Target {}

        record Tracing(Optional<AttachType> attachType, int targetObjId, int targetBtfId) implements Target {}

        record Cgroup(long cgroupId, Optional<AttachType> attachType) implements Target {}

        record Netns(long inode, Optional<AttachType> attachType) implements Target {}

        /**
         * A perf event link: {@code kind} is {@code enum bpf_perf_event_type}'s name (tracepoint, kprobe,
         * kretprobe, uprobe, uretprobe, event), {@code name} the tracepoint, function or file.
         */
        record PerfEvent(String kind, String name, long offset) implements Target {}

        /** A link type whose union member bpf4j does not read. */
        record Other() implements Target {}
    }

    // ---- enumeration -------------------------------------------------------------------------

    /** Every id of the kind, ascending ({@code BPF_*_GET_NEXT_ID} from 0 until ENOENT). */
    public static List<Integer> ids(Kind kind) {
        List<Integer> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            int id = 0;
            while (true) {
                Attr.putU32(attr, Attr.GetId.START_ID, id);
                long r = Sys.bpf(a, kind.next, attr, Attr.GetId.END);
                if (r == -Errno.ENOENT.number()) return out;
                if (r < 0) throw BpfException.of(kind.next, (int) -r, "listing " + kind.noun + "s");
                id = Attr.getU32(attr, Attr.GetId.NEXT_ID);
                out.add(id);
            }
        }
    }

    public static List<ProgInfo> programs() { return list(Kind.PROGRAM, KernelObjects::progInfo); }

    public static List<KernelMapInfo> maps() { return list(Kind.MAP, KernelObjects::mapInfo); }

    public static List<LinkInfo> links() { return list(Kind.LINK, KernelObjects::linkInfo); }

    public static List<BtfInfo> btfs() { return list(Kind.BTF, KernelObjects::btfInfo); }

    public static ProgInfo program(int id) { return byId(Kind.PROGRAM, id, KernelObjects::progInfo); }

    public static KernelMapInfo map(int id) { return byId(Kind.MAP, id, KernelObjects::mapInfo); }

    public static LinkInfo link(int id) { return byId(Kind.LINK, id, KernelObjects::linkInfo); }

    public static BtfInfo btf(int id) { return byId(Kind.BTF, id, KernelObjects::btfInfo); }

    public static ProgInfo pinnedProgram(Path path) { return pinned(Kind.PROGRAM, path, KernelObjects::progInfo); }

    public static KernelMapInfo pinnedMap(Path path) { return pinned(Kind.MAP, path, KernelObjects::mapInfo); }

    public static LinkInfo pinnedLink(Path path) { return pinned(Kind.LINK, path, KernelObjects::linkInfo); }

    /** The programs whose kernel name is {@code name} (at most 15 characters are kept: compare those). */
    public static List<ProgInfo> programsNamed(String name) {
        String k = KernelObject.kernelName(name);
        return programs().stream().filter(p -> p.name().equals(k)).toList();
    }

    public static List<KernelMapInfo> mapsNamed(String name) {
        String k = KernelObject.kernelName(name);
        return maps().stream().filter(m -> m.name().equals(k)).toList();
    }

    /** The raw BTF of BTF object {@code id} (header, types, strings), as {@code /sys/kernel/btf/vmlinux} holds it. */
    public static byte[] btfData(int id) {
        try (FdHandle h = open(Kind.BTF, id)) {
            return btfData(h);
        }
    }

    /**
     * {@code BPF_LINK_DETACH}: detaches link {@code id} from its hook even though pins or other processes hold
     * it; the link object lives on, defunct, until its last reference goes.
     */
    public static void detachLink(int id) {
        try (FdHandle h = open(Kind.LINK, id)) {
            detach(h, "link " + id);
        }
    }

    /** {@link #detachLink(int)} for a pinned link; the pin stays (remove it to free the link). */
    public static void detachPinnedLink(Path path) {
        try (FdHandle h = openPinned(Kind.LINK, path)) {
            detach(h, path.toString());
        }
    }

    /** The index of interface {@code name} in this process's network namespace; empty when there is none. */
    public static java.util.OptionalInt interfaceIndex(String name) {
        if (name.isEmpty() || name.length() > 15 || name.indexOf('/') >= 0) return java.util.OptionalInt.empty();
        try (Arena a = Arena.ofConfined()) {
            int i = Sys.ifNameToIndex(a, name);
            return i > 0 ? java.util.OptionalInt.of(i) : java.util.OptionalInt.empty();
        }
    }

    /** The names of this namespace's interfaces ({@code /sys/class/net}), sorted. */
    public static List<String> interfaceNames() {
        try (var s = java.nio.file.Files.list(Path.of("/sys/class/net"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** The name of interface {@code ifindex} (bpftool's {@code devname}); empty when it is gone. */
    public static Optional<String> interfaceName(int ifindex) {
        return interfaceNames().stream().filter(n -> interfaceIndex(n).orElse(-1) == ifindex).findFirst();
    }

    // ---- opening -----------------------------------------------------------------------------

    /** An fd for object {@code id} of the kind; {@link NotFoundException} when there is none. */
    static FdHandle open(Kind kind, int id) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            Attr.putU32(attr, Attr.GetId.START_ID, id);
            long r = Sys.bpf(a, kind.byId, attr, Attr.GetId.END);
            if (r == -Errno.ENOENT.number()) throw new NotFoundException("no " + kind.noun + " with id " + id);
            if (r < 0) throw BpfException.of(kind.byId, (int) -r, kind.noun + " " + id);
            return new FdHandle((int) r, kind.noun + " " + id);
        }
    }

    /** An fd for the object pinned at {@code path}, checked to be of the kind (by its fdinfo, as bpftool does). */
    static FdHandle openPinned(Kind kind, Path path) {
        int fd;
        try {
            fd = KernelMap.Pins.get(path);
        } catch (BpfException e) {
            if (e.is(Errno.ENOENT)) throw new NotFoundException("nothing is pinned at " + path);
            if (e.is(Errno.EINVAL) || e.is(Errno.EPERM)) {
                throw new NotFoundException(path + " is not a pin in a bpffs (" + e.errnoName() + ")");
            }
            throw e;
        }
        FdHandle h = new FdHandle(fd, "pinned " + kind.noun + " " + path);
        String info = KernelMap.Pins.fdinfo(fd);
        if (!info.isEmpty() && !info.contains(kind.fdinfoKey)) {
            h.close();
            String what = info.contains("prog_type:") ? "a program" : info.contains("map_type:") ? "a map"
                    : info.contains("link_type:") ? "a link" : "another kind of object";
            throw new NotFoundException(path + " is " + what + ", not a " + kind.noun);
        }
        return h;
    }

    private static <T> List<T> list(Kind kind, Function<FdHandle, T> read) {
        List<T> out = new ArrayList<>();
        for (int id : ids(kind)) {
            try (FdHandle h = open(kind, id)) {
                out.add(read.apply(h));
            } catch (NotFoundException gone) {
                // released between the listing and the open
            }
        }
        return out;
    }

    private static <T> T byId(Kind kind, int id, Function<FdHandle, T> read) {
        try (FdHandle h = open(kind, id)) {
            return read.apply(h);
        }
    }

    private static <T> T pinned(Kind kind, Path path, Function<FdHandle, T> read) {
        try (FdHandle h = openPinned(kind, path)) {
            return read.apply(h);
        }
    }

    // ---- BPF_OBJ_GET_INFO_BY_FD --------------------------------------------------------------

    /** Fills {@code info} (its first bytes preset by the caller, e.g. buffers for names) for the object. */
    private static void info(Arena a, FdHandle h, MemorySegment info) {
        MemorySegment attr = Attr.allocate(a);
        Attr.putU32(attr, Attr.Info.BPF_FD, h.fd());
        Attr.putU32(attr, Attr.Info.INFO_LEN, (int) info.byteSize());
        Attr.putPtr(attr, Attr.Info.INFO, info);
        try {
            Sys.bpfOrThrow(a, BpfCommand.BPF_OBJ_GET_INFO_BY_FD, attr, Attr.Info.END, "object info");
        } finally {
            java.lang.ref.Reference.reachabilityFence(h);
        }
    }

    static ProgInfo progInfo(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Attr.ProgInfo.SIZE, 8);
            info(a, h, i);
            int nMaps = u32(i, Attr.ProgInfo.NR_MAP_IDS);
            List<Integer> mapIds = new ArrayList<>();
            if (nMaps > 0) {
                // a second call with room for the map ids: the kernel fills at most nr_map_ids of them
                MemorySegment ids = a.allocate(4L * nMaps, 4);
                MemorySegment j = a.allocate(Attr.ProgInfo.SIZE, 8);
                j.set(ValueLayout.JAVA_INT_UNALIGNED, Attr.ProgInfo.NR_MAP_IDS, nMaps);
                j.set(ValueLayout.JAVA_LONG_UNALIGNED, Attr.ProgInfo.MAP_IDS, ids.address());
                info(a, h, j);
                int n = Math.min(nMaps, u32(j, Attr.ProgInfo.NR_MAP_IDS));
                for (int k = 0; k < n; k++) mapIds.add(ids.getAtIndex(ValueLayout.JAVA_INT, k));
            }
            byte[] tag = i.asSlice(Attr.ProgInfo.TAG, Attr.ProgInfo.TAG_SIZE).toArray(ValueLayout.JAVA_BYTE);
            return new ProgInfo(u32(i, Attr.ProgInfo.ID), u32(i, Attr.ProgInfo.TYPE), name(i, Attr.ProgInfo.NAME),
                    HexFormat.of().formatHex(tag), (u32(i, Attr.ProgInfo.GPL_COMPATIBLE_WORD) & 1) != 0,
                    u64(i, Attr.ProgInfo.LOAD_TIME), u32(i, Attr.ProgInfo.CREATED_BY_UID),
                    u32(i, Attr.ProgInfo.XLATED_PROG_LEN), u32(i, Attr.ProgInfo.JITED_PROG_LEN), mapIds,
                    u32(i, Attr.ProgInfo.BTF_ID), u32(i, Attr.ProgInfo.VERIFIED_INSNS), u64(i, Attr.ProgInfo.RUN_TIME_NS),
                    u64(i, Attr.ProgInfo.RUN_CNT), fdinfoNumber(h, "memlock:"));
        }
    }

    static KernelMapInfo mapInfo(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Attr.MapInfo.SIZE, 8);
            info(a, h, i);
            return new KernelMapInfo(u32(i, Attr.MapInfo.ID), u32(i, Attr.MapInfo.TYPE), name(i, Attr.MapInfo.NAME),
                    u32(i, Attr.MapInfo.KEY_SIZE), u32(i, Attr.MapInfo.VALUE_SIZE), u32(i, Attr.MapInfo.MAX_ENTRIES),
                    u32(i, Attr.MapInfo.MAP_FLAGS), u32(i, Attr.MapInfo.BTF_ID), u32(i, Attr.MapInfo.BTF_KEY_TYPE_ID),
                    u32(i, Attr.MapInfo.BTF_VALUE_TYPE_ID), u64(i, Attr.MapInfo.MAP_EXTRA),
                    fdinfoNumber(h, "frozen:") != 0, fdinfoNumber(h, "memlock:"));
        }
    }

    static BtfInfo btfInfo(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocate(64);
            MemorySegment i = a.allocate(Attr.BtfInfo.SIZE, 8);
            i.set(ValueLayout.JAVA_LONG_UNALIGNED, Attr.BtfInfo.NAME, name.address());
            i.set(ValueLayout.JAVA_INT_UNALIGNED, Attr.BtfInfo.NAME_LEN, (int) name.byteSize());
            info(a, h, i);
            return new BtfInfo(u32(i, Attr.BtfInfo.ID), name.getString(0, StandardCharsets.UTF_8),
                    u32(i, Attr.BtfInfo.BTF_SIZE), u32(i, Attr.BtfInfo.KERNEL_BTF) != 0);
        }
    }

    private static byte[] btfData(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Attr.BtfInfo.SIZE, 8);
            info(a, h, i);
            int size = u32(i, Attr.BtfInfo.BTF_SIZE);
            MemorySegment data = a.allocate(Math.max(1, size));
            MemorySegment j = a.allocate(Attr.BtfInfo.SIZE, 8);
            j.set(ValueLayout.JAVA_LONG_UNALIGNED, Attr.BtfInfo.BTF, data.address());
            j.set(ValueLayout.JAVA_INT_UNALIGNED, Attr.BtfInfo.BTF_SIZE, size);
            info(a, h, j);
            return data.asSlice(0, Math.min(size, u32(j, Attr.BtfInfo.BTF_SIZE))).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** {@code enum bpf_perf_event_type} names, by value. */
    private static final String[] PERF_EVENT_KINDS = {"unspec", "uprobe", "uretprobe", "kprobe", "kretprobe", "tracepoint", "event"};
    private static final int LINK_RAW_TRACEPOINT = 1, LINK_TRACING = 2, LINK_CGROUP = 3, LINK_NETNS = 5, LINK_XDP = 6,
            LINK_PERF_EVENT = 7, LINK_TCX = 11, LINK_NETKIT = 13;

    static LinkInfo linkInfo(FdHandle h) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment i = a.allocate(Attr.LinkInfo.SIZE, 8);
            info(a, h, i);
            int type = u32(i, Attr.LinkInfo.TYPE);
            Target target = switch (type) {
                case LINK_XDP -> new Target.Xdp(u32(i, Attr.LinkInfo.XDP_IFINDEX));
                case LINK_TCX, LINK_NETKIT -> new Target.Interface(u32(i, Attr.LinkInfo.TCX_IFINDEX),
                        AttachType.ofId(u32(i, Attr.LinkInfo.TCX_ATTACH_TYPE)));
                case LINK_TRACING -> new Target.Tracing(AttachType.ofId(u32(i, Attr.LinkInfo.TRACING_ATTACH_TYPE)),
                        u32(i, Attr.LinkInfo.TRACING_TARGET_OBJ_ID), u32(i, Attr.LinkInfo.TRACING_TARGET_BTF_ID));
                case LINK_CGROUP -> new Target.Cgroup(u64(i, Attr.LinkInfo.CGROUP_ID),
                        AttachType.ofId(u32(i, Attr.LinkInfo.CGROUP_ATTACH_TYPE)));
                case LINK_NETNS -> new Target.Netns(u32(i, Attr.LinkInfo.NETNS_INO) & 0xffffffffL,
                        AttachType.ofId(u32(i, Attr.LinkInfo.NETNS_ATTACH_TYPE)));
                case LINK_RAW_TRACEPOINT -> new Target.RawTracepoint(named(a, h, Attr.LinkInfo.RAW_TP_NAME,
                        Attr.LinkInfo.RAW_TP_NAME_LEN).name);
                case LINK_PERF_EVENT -> perfEvent(a, h);
                default -> new Target.Other();
            };
            return new LinkInfo(u32(i, Attr.LinkInfo.ID), type, u32(i, Attr.LinkInfo.PROG_ID), target);
        }
    }

    private record Named(MemorySegment info, String name) {}

    /**
     * The link's info again, with a buffer for the name the kernel copies out at {@code nameOff} (the buffer's
     * address) and {@code lenOff} (its length): raw tracepoint names, perf events' tracepoints, functions, files.
     */
    private static Named named(Arena a, FdHandle h, long nameOff, long lenOff) {
        MemorySegment buf = a.allocate(4096);
        MemorySegment i = a.allocate(Attr.LinkInfo.SIZE, 8);
        i.set(ValueLayout.JAVA_LONG_UNALIGNED, nameOff, buf.address());
        i.set(ValueLayout.JAVA_INT_UNALIGNED, lenOff, (int) buf.byteSize());
        try {
            info(a, h, i);
        } catch (BpfException e) {
            return new Named(i, ""); // a perf event kind without a name (a hardware or software event)
        }
        return new Named(i, buf.getString(0, StandardCharsets.UTF_8));
    }

    private static Target perfEvent(Arena a, FdHandle h) {
        MemorySegment plain = a.allocate(Attr.LinkInfo.SIZE, 8);
        info(a, h, plain);
        int kind = u32(plain, Attr.LinkInfo.PERF_EVENT_TYPE);
        String kindName = kind >= 0 && kind < PERF_EVENT_KINDS.length ? PERF_EVENT_KINDS[kind] : "perf event type " + kind;
        if (kindName.equals("event")) {
            return new Target.PerfEvent(kindName, "type " + u32(plain, Attr.LinkInfo.PERF_EVENT_EVENT_TYPE) + " config "
                    + u64(plain, Attr.LinkInfo.PERF_EVENT_CONFIG), 0);
        }
        Named n = named(a, h, Attr.LinkInfo.PERF_EVENT_NAME, Attr.LinkInfo.PERF_EVENT_NAME_LEN);
        long offset = kindName.equals("tracepoint") ? 0 : u32(n.info, Attr.LinkInfo.PERF_EVENT_OFFSET) & 0xffffffffL;
        return new Target.PerfEvent(kindName, n.name, offset);
    }

    private static void detach(FdHandle h, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Attr.allocate(a);
            Attr.putU32(attr, Attr.LinkDetach.LINK_FD, h.fd());
            try {
                Sys.bpfOrThrow(a, BpfCommand.BPF_LINK_DETACH, attr, Attr.LinkDetach.END, what);
            } finally {
                java.lang.ref.Reference.reachabilityFence(h);
            }
        }
    }

    private static int u32(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_INT_UNALIGNED, off); }

    private static long u64(MemorySegment s, long off) { return s.get(ValueLayout.JAVA_LONG_UNALIGNED, off); }

    private static String name(MemorySegment s, long off) {
        byte[] b = s.asSlice(off, Attr.OBJ_NAME_LEN).toArray(ValueLayout.JAVA_BYTE);
        int len = 0;
        while (len < b.length && b[len] != 0) len++;
        return new String(b, 0, len, StandardCharsets.US_ASCII);
    }

    /** A number from the object's {@code /proc/self/fdinfo} ({@code memlock:}, {@code frozen:}), 0 when absent. */
    private static long fdinfoNumber(FdHandle h, String key) {
        try {
            return KernelMap.Pins.fdinfo(h.fd()).lines().filter(l -> l.startsWith(key))
                    .map(l -> Long.parseLong(l.substring(key.length()).strip())).findFirst().orElse(0L);
        } finally {
            java.lang.ref.Reference.reachabilityFence(h);
        }
    }
}

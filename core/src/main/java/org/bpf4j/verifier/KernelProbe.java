package org.bpf4j.verifier;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Program;
import org.bpf4j.maps.Errno;
import org.bpf4j.maps.MapFlags;
import org.bpf4j.maps.MapType;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgFlag;
import org.bpf4j.progtype.ProgramType;

/**
 * A kernel's {@link KernelOffer}, found out as {@code bpftool feature probe} does (libbpf's
 * {@code libbpf_probe_bpf_prog_type}, {@code _map_type} and {@code _helper}): a program type by loading
 * {@code r0 = 0; exit}, a map type by creating a minimal map, a helper by loading {@code call id; exit} and
 * reading the verifier log. Each fact is probed the first time it is asked for and kept: a command that
 * verifies one program pays for its own program type, maps and helpers only (one bpf(2) call each, tens of
 * microseconds), not for the ~7,000 loads of every helper of every type. The bpf(2) calls themselves are the
 * kernel backend's ({@link Syscalls}): core does not issue system calls.
 */
public final class KernelProbe implements KernelOffer {

    /** The two commands a probe issues. */
    public interface Syscalls {
        /**
         * {@code BPF_PROG_LOAD} of {@code program} with a GPL license and a verifier log at level 1; the
         * program is closed again at once.
         */
        LoadAnswer load(ProgramType type, AttachType expectedAttachType, int progFlags, Program program);

        /** {@code BPF_MAP_CREATE}; the map (and its inner map) closed again at once. Returns 0 or the errno. */
        int createMap(MapAttr attr);
    }

    /** A load's outcome: the errno (0 when loaded) and the verifier's log. */
    public record LoadAnswer(int errno, String log) {
        public boolean loaded() { return errno == 0; }
    }

    /**
     * The {@code bpf_attr} of a probe's {@code BPF_MAP_CREATE}. {@code innerMap}: create a one-element hash map
     * (4-byte key and value) first and pass it as {@code inner_map_fd}.
     */
    public record MapAttr(MapType type, int keySize, int valueSize, int maxEntries, int flags, boolean innerMap,
                          int btfFd, int btfKeyTypeId, int btfValueTypeId, int btfVmlinuxValueTypeId) {}

    private final Syscalls sys;
    private final Map<Long, Boolean> loads = new ConcurrentHashMap<>();
    private final Map<MapType, Boolean> creates = new ConcurrentHashMap<>();
    private final Map<Long, HelperOffer> helpers = new ConcurrentHashMap<>();

    public KernelProbe(Syscalls sys) {
        this.sys = java.util.Objects.requireNonNull(sys, "sys");
    }

    @Override
    public boolean loads(ProgramType type, AttachType expectedAttachType) {
        return loads.computeIfAbsent(key(type, expectedAttachType, 0), k -> {
            LoadAnswer a = load(type, expectedAttachType, Insn.mov64Imm(0, 0));
            // a type or attach type the kernel does not know fails before the verifier (find_prog_type,
            // bpf_prog_load_check_attach: EINVAL, no log); one it knows reaches the verifier, which logs
            // even when it refuses r0 = 0 as a return value
            return a.loaded() || !a.log().isEmpty();
        });
    }

    @Override
    public HelperOffer helper(ProgramType type, AttachType expectedAttachType, int id) {
        return helpers.computeIfAbsent(key(type, expectedAttachType, id), k -> {
            if (!loads(type, expectedAttachType)) return HelperOffer.NOT_FOR_TYPE;
            String log = load(type, expectedAttachType, Insn.call(id)).log();
            // check_helper_call: past __BPF_FUNC_MAX_ID "invalid func"; no prototype from the type's
            // get_func_proto "program of this type cannot use helper" ("unknown func" before Linux 5.17);
            // any other verdict (accepted, an argument refused, GPL, sleepable) means the type has the helper
            if (log.contains("invalid func ")) return HelperOffer.UNKNOWN_ID;
            if (log.contains("program of this type cannot use helper ") || log.contains("unknown func ")) {
                return HelperOffer.NOT_FOR_TYPE;
            }
            return HelperOffer.OFFERED;
        });
    }

    @Override
    public boolean creates(MapType type) {
        return creates.computeIfAbsent(type, t -> {
            MapAttr attr = minimalMap(t);
            if (attr == null) return false;
            int errno = sys.createMap(attr);
            return switch (t) {
                // without BTF a local storage map fails at btf_get_by_fd (EBADF for fd -1), which map_create
                // reaches only after find_and_alloc_map found the type (EINVAL when it is not built in)
                case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> errno == Errno.EBADF.number();
                // bpf_struct_ops_map_alloc looks the value type up in vmlinux BTF: ENOTSUPP for id 1
                case STRUCT_OPS -> errno == Errno.ENOTSUPP.number();
                default -> errno == 0;
            };
        });
    }

    private LoadAnswer load(ProgramType type, AttachType expectedAttachType, Insn first) {
        // the verifier models syscall programs as sleepable, which the kernel requires of them
        int flags = type == ProgramType.SYSCALL ? ProgFlag.BPF_F_SLEEPABLE.bit() : 0;
        return sys.load(type, expectedAttachType, flags, new Program(List.of(first, Insn.exit())));
    }

    private static long key(ProgramType type, AttachType attach, int id) {
        return ((long) type.id() << 48) | ((long) attach.id() << 32) | (id & 0xffffffffL);
    }

    /** The smallest map of each type the kernel creates (the sizes libbpf's probe_map_create uses). */
    static MapAttr minimalMap(MapType t) {
        return switch (t) {
            case UNSPEC -> null;
            case STACK_TRACE -> attr(t, 4, 8, 1, 0);
            case LPM_TRIE -> attr(t, 8, 8, 1, MapFlags.BPF_F_NO_PREALLOC);
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> attr(t, 8, 8, 0, 0); // key: the cgroup inode id alone
            case QUEUE, STACK, BLOOM_FILTER -> attr(t, 0, 4, 1, 0);
            case RINGBUF, USER_RINGBUF -> attr(t, 0, 0, 4096, 0);
            case ARENA -> attr(t, 0, 0, 1, MapFlags.BPF_F_MMAPABLE);
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE ->
                new MapAttr(t, 4, 8, 0, MapFlags.BPF_F_NO_PREALLOC, false, -1, 1, 3, 0);
            case STRUCT_OPS -> new MapAttr(t, 4, 4, 1, 0, false, 0, 0, 0, 1);
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> new MapAttr(t, 4, 4, 1, 0, true, 0, 0, 0, 0);
            default -> attr(t, 4, 4, 1, 0);
        };
    }

    private static MapAttr attr(MapType t, int key, int value, int max, int flags) {
        return new MapAttr(t, key, value, max, flags, false, 0, 0, 0, 0);
    }
}

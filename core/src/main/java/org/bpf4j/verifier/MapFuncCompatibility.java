package org.bpf4j.verifier;

import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.maps.MapType.*;

import org.bpf4j.maps.MapType;

import java.util.List;
import org.bpf4j.progtype.ProgramType;

/**
 * check_map_func_compatibility: which helpers a map type may be passed to, and which map types a helper
 * takes, both ways as the kernel checks them.
 */
final class MapFuncCompatibility {
    private MapFuncCompatibility() {}

    /** The verifier's error lines for passing a map of {@code mapType} to helper {@code funcId}; empty if fine. */
    static List<String> check(MapType mapType, int funcId, String name, ProgramType type) {
        boolean sockmapUpdate = (funcId == KernelHelper.MAP_UPDATE_ELEM.id() || funcId == KernelHelper.MAP_DELETE_ELEM.id()) && (mapType == SOCKMAP || mapType == SOCKHASH);
        boolean ok = mapSideAllows(mapType, funcId, type) && funcSideAllows(mapType, funcId);
        if (ok) return List.of();
        if (funcId == KernelHelper.TAIL_CALL.id()) return List.of("expected prog array map for tail call");
        String error = String.format("cannot pass map_type %d into func %s#%d", mapType.id(), name, funcId);
        if (sockmapUpdate && !maySockmapUpdate(funcId, type)) return List.of("cannot update sockmap in this context", error);
        return List.of(error);
    }

    private static boolean mapSideAllows(MapType mapType, int f, ProgramType type) {
        return switch (mapType) {
            case PROG_ARRAY -> f == KernelHelper.TAIL_CALL.id();
            case PERF_EVENT_ARRAY -> f == KernelHelper.PERF_EVENT_READ.id() || f == KernelHelper.PERF_EVENT_OUTPUT.id() || f == KernelHelper.SKB_OUTPUT.id() || f == KernelHelper.PERF_EVENT_READ_VALUE.id() || f == KernelHelper.XDP_OUTPUT.id();
            case RINGBUF -> f == KernelHelper.RINGBUF_OUTPUT.id() || f == KernelHelper.RINGBUF_RESERVE.id() || f == KernelHelper.RINGBUF_QUERY.id() || f == KernelHelper.RINGBUF_RESERVE_DYNPTR.id() || f == KernelHelper.RINGBUF_SUBMIT_DYNPTR.id() || f == KernelHelper.RINGBUF_DISCARD_DYNPTR.id();
            case USER_RINGBUF -> f == KernelHelper.USER_RINGBUF_DRAIN.id();
            case STACK_TRACE -> f == KernelHelper.GET_STACKID.id();
            case CGROUP_ARRAY -> f == KernelHelper.SKB_UNDER_CGROUP.id() || f == KernelHelper.CURRENT_TASK_UNDER_CGROUP.id();
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> f == KernelHelper.GET_LOCAL_STORAGE.id();
            case DEVMAP, DEVMAP_HASH, XSKMAP -> f == KernelHelper.REDIRECT_MAP.id() || f == KernelHelper.MAP_LOOKUP_ELEM.id();
            case CPUMAP -> f == KernelHelper.REDIRECT_MAP.id();
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> f == KernelHelper.MAP_LOOKUP_ELEM.id();
            case SOCKMAP -> f == KernelHelper.SK_REDIRECT_MAP.id() || f == KernelHelper.SOCK_MAP_UPDATE.id() || f == KernelHelper.MSG_REDIRECT_MAP.id() || f == KernelHelper.SK_SELECT_REUSEPORT.id() || f == KernelHelper.MAP_LOOKUP_ELEM.id() || maySockmapUpdate(f, type);
            case SOCKHASH -> f == KernelHelper.SK_REDIRECT_HASH.id() || f == KernelHelper.SOCK_HASH_UPDATE.id() || f == KernelHelper.MSG_REDIRECT_HASH.id() || f == KernelHelper.SK_SELECT_REUSEPORT.id() || f == KernelHelper.MAP_LOOKUP_ELEM.id() || maySockmapUpdate(f, type);
            case REUSEPORT_SOCKARRAY -> f == KernelHelper.SK_SELECT_REUSEPORT.id();
            case QUEUE, STACK -> f == KernelHelper.MAP_PUSH_ELEM.id() || f == KernelHelper.MAP_POP_ELEM.id() || f == KernelHelper.MAP_PEEK_ELEM.id();
            case SK_STORAGE -> f == KernelHelper.SK_STORAGE_GET.id() || f == KernelHelper.SK_STORAGE_DELETE.id() || f == KernelHelper.KPTR_XCHG.id();
            case INODE_STORAGE -> f == KernelHelper.INODE_STORAGE_GET.id() || f == KernelHelper.INODE_STORAGE_DELETE.id() || f == KernelHelper.KPTR_XCHG.id();
            case TASK_STORAGE -> f == KernelHelper.TASK_STORAGE_GET.id() || f == KernelHelper.TASK_STORAGE_DELETE.id() || f == KernelHelper.KPTR_XCHG.id();
            case CGRP_STORAGE -> f == KernelHelper.CGRP_STORAGE_GET.id() || f == KernelHelper.CGRP_STORAGE_DELETE.id() || f == KernelHelper.KPTR_XCHG.id();
            case BLOOM_FILTER -> f == KernelHelper.MAP_PEEK_ELEM.id() || f == KernelHelper.MAP_PUSH_ELEM.id();
            default -> true;
        };
    }

    private static boolean funcSideAllows(MapType m, int funcId) {
        return switch (KernelHelper.byId(funcId).orElse(null)) {
            case TAIL_CALL -> m == PROG_ARRAY;
            case PERF_EVENT_READ, PERF_EVENT_OUTPUT, PERF_EVENT_READ_VALUE, SKB_OUTPUT, XDP_OUTPUT -> m == PERF_EVENT_ARRAY;
            case RINGBUF_OUTPUT, RINGBUF_RESERVE, RINGBUF_QUERY, RINGBUF_RESERVE_DYNPTR, RINGBUF_SUBMIT_DYNPTR, RINGBUF_DISCARD_DYNPTR -> m == RINGBUF;
            case USER_RINGBUF_DRAIN -> m == USER_RINGBUF;
            case GET_STACKID -> m == STACK_TRACE;
            case CURRENT_TASK_UNDER_CGROUP, SKB_UNDER_CGROUP -> m == CGROUP_ARRAY;
            case REDIRECT_MAP -> m == DEVMAP || m == DEVMAP_HASH || m == CPUMAP || m == XSKMAP;
            case SK_REDIRECT_MAP, MSG_REDIRECT_MAP, SOCK_MAP_UPDATE -> m == SOCKMAP;
            case SK_REDIRECT_HASH, MSG_REDIRECT_HASH, SOCK_HASH_UPDATE -> m == SOCKHASH;
            case GET_LOCAL_STORAGE -> m == CGROUP_STORAGE || m == PERCPU_CGROUP_STORAGE;
            case SK_SELECT_REUSEPORT -> m == REUSEPORT_SOCKARRAY || m == SOCKMAP || m == SOCKHASH;
            case MAP_POP_ELEM -> m == QUEUE || m == STACK;
            case MAP_PEEK_ELEM, MAP_PUSH_ELEM -> m == QUEUE || m == STACK || m == BLOOM_FILTER;
            case MAP_LOOKUP_PERCPU_ELEM -> m == PERCPU_ARRAY || m == PERCPU_HASH || m == LRU_PERCPU_HASH;
            case SK_STORAGE_GET, SK_STORAGE_DELETE -> m == SK_STORAGE;
            case INODE_STORAGE_GET, INODE_STORAGE_DELETE -> m == INODE_STORAGE;
            case TASK_STORAGE_GET, TASK_STORAGE_DELETE -> m == TASK_STORAGE;
            case CGRP_STORAGE_GET, CGRP_STORAGE_DELETE -> m == CGRP_STORAGE;
            case null, default -> true;
        };
    }

    /** may_update_sockmap: map_update_elem/map_delete_elem on a sockmap where no socket is locked. */
    private static boolean maySockmapUpdate(int funcId, ProgramType type) {
        if (funcId != KernelHelper.MAP_UPDATE_ELEM.id() && funcId != KernelHelper.MAP_DELETE_ELEM.id()) return false;
        return switch (type) {
            case SOCK_OPS -> funcId == KernelHelper.MAP_DELETE_ELEM.id();
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, XDP, SK_REUSEPORT, FLOW_DISSECTOR, SK_LOOKUP -> true;
            default -> false;
        };
    }

    /** check_map_prog_compatibility: the map types a sleepable program may use. */
    static boolean sleepableMayUse(MapType mapType) {
        return switch (mapType) {
            case HASH, LRU_HASH, ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, ARRAY_OF_MAPS, HASH_OF_MAPS,
                 RINGBUF, USER_RINGBUF, INODE_STORAGE, SK_STORAGE, TASK_STORAGE, CGRP_STORAGE, QUEUE, STACK, ARENA -> true;
            default -> false;
        };
    }
}

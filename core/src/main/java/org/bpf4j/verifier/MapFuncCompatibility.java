package org.bpf4j.verifier;

import org.bpf4j.helpers.KernelHelper;
import static org.bpf4j.verifier.MapInfo.*;

import java.util.List;

/**
 * check_map_func_compatibility: which helpers a map type may be passed to, and which map types a helper
 * takes, both ways as the kernel checks them.
 */
final class MapFuncCompatibility {
    private MapFuncCompatibility() {}

    /** The verifier's error lines for passing a map of {@code mapType} to helper {@code funcId}; empty if fine. */
    static List<String> check(int mapType, int funcId, String name, VerifierProgramType type) {
        boolean sockmapUpdate = (funcId == KernelHelper.MAP_UPDATE_ELEM.id() || funcId == KernelHelper.MAP_DELETE_ELEM.id()) && (mapType == SOCKMAP || mapType == SOCKHASH);
        boolean ok = mapSideAllows(mapType, funcId, type) && funcSideAllows(mapType, funcId);
        if (ok) return List.of();
        if (funcId == KernelHelper.TAIL_CALL.id()) return List.of("expected prog array map for tail call");
        String error = String.format("cannot pass map_type %d into func %s#%d", mapType, name, funcId);
        if (sockmapUpdate && !maySockmapUpdate(funcId, type)) return List.of("cannot update sockmap in this context", error);
        return List.of(error);
    }

    private static boolean mapSideAllows(int mapType, int f, VerifierProgramType type) {
        return switch (mapType) {
            case PROG_ARRAY -> f == 12;
            case PERF_EVENT_ARRAY -> f == 22 || f == 25 || f == 111 || f == 55 || f == 121;
            case RINGBUF -> f == 130 || f == 131 || f == 134 || f == 198 || f == 199 || f == 200;
            case USER_RINGBUF -> f == 209;
            case STACK_TRACE -> f == 27;
            case CGROUP_ARRAY -> f == 33 || f == 37;
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> f == 81;
            case DEVMAP, DEVMAP_HASH, XSKMAP -> f == 51 || f == 1;
            case CPUMAP -> f == 51;
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> f == 1;
            case SOCKMAP -> f == 52 || f == 53 || f == 60 || f == 82 || f == 1 || maySockmapUpdate(f, type);
            case SOCKHASH -> f == 72 || f == 70 || f == 71 || f == 82 || f == 1 || maySockmapUpdate(f, type);
            case REUSEPORT_SOCKARRAY -> f == 82;
            case QUEUE, STACK -> f == 87 || f == 88 || f == 89;
            case SK_STORAGE -> f == 107 || f == 108 || f == 194;
            case INODE_STORAGE -> f == 145 || f == 146 || f == 194;
            case TASK_STORAGE -> f == 156 || f == 157 || f == 194;
            case CGRP_STORAGE -> f == 210 || f == 211 || f == 194;
            case BLOOM_FILTER -> f == 89 || f == 87;
            default -> true;
        };
    }

    private static boolean funcSideAllows(int m, int funcId) {
        return switch (funcId) {
            case 12 -> m == PROG_ARRAY;
            case 22, 25, 55, 111, 121 -> m == PERF_EVENT_ARRAY;
            case 130, 131, 134, 198, 199, 200 -> m == RINGBUF;
            case 209 -> m == USER_RINGBUF;
            case 27 -> m == STACK_TRACE;
            case 37, 33 -> m == CGROUP_ARRAY;
            case 51 -> m == DEVMAP || m == DEVMAP_HASH || m == CPUMAP || m == XSKMAP;
            case 52, 60, 53 -> m == SOCKMAP;
            case 72, 71, 70 -> m == SOCKHASH;
            case 81 -> m == CGROUP_STORAGE || m == PERCPU_CGROUP_STORAGE;
            case 82 -> m == REUSEPORT_SOCKARRAY || m == SOCKMAP || m == SOCKHASH;
            case 88 -> m == QUEUE || m == STACK;
            case 89, 87 -> m == QUEUE || m == STACK || m == BLOOM_FILTER;
            case 195 -> m == PERCPU_ARRAY || m == PERCPU_HASH || m == LRU_PERCPU_HASH;
            case 107, 108 -> m == SK_STORAGE;
            case 145, 146 -> m == INODE_STORAGE;
            case 156, 157 -> m == TASK_STORAGE;
            case 210, 211 -> m == CGRP_STORAGE;
            default -> true;
        };
    }

    /** may_update_sockmap: map_update_elem/map_delete_elem on a sockmap where no socket is locked. */
    private static boolean maySockmapUpdate(int funcId, VerifierProgramType type) {
        if (funcId != KernelHelper.MAP_UPDATE_ELEM.id() && funcId != KernelHelper.MAP_DELETE_ELEM.id()) return false;
        return switch (type) {
            case SOCK_OPS -> funcId == KernelHelper.MAP_DELETE_ELEM.id();
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, XDP, SK_REUSEPORT, FLOW_DISSECTOR, SK_LOOKUP -> true;
            default -> false;
        };
    }

    /** check_map_prog_compatibility: the map types a sleepable program may use. */
    static boolean sleepableMayUse(int mapType) {
        return switch (mapType) {
            case HASH, LRU_HASH, ARRAY, PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, ARRAY_OF_MAPS, HASH_OF_MAPS,
                 RINGBUF, USER_RINGBUF, INODE_STORAGE, SK_STORAGE, TASK_STORAGE, CGRP_STORAGE, QUEUE, STACK, ARENA -> true;
            default -> false;
        };
    }
}

package org.bpf4j.verifier;

import static org.bpf4j.verifier.RegType.*;

import org.bpf4j.maps.MapType;
import org.bpf4j.verifier.VState.Frame;

/**
 * The callee frames of the callback-calling helpers, as kernel/bpf/verifier.c sets them up
 * ({@code init_func_state} and {@code set_loop_callback_state}, {@code set_map_elem_callback_state},
 * {@code set_timer_callback_state}, {@code set_user_ringbuf_callback_state}): what the callback receives
 * in R1-R5 and what it may return.
 */
final class Callbacks {
    private Callbacks() {}

    static final int FOR_EACH_MAP_ELEM = 164, TIMER_SET_CALLBACK = 170, LOOP = 181, USER_RINGBUF_DRAIN = 209;

    /** init_func_state: every register uninitialized but R10, the new frame's own frame pointer. */
    static Frame newFrame(int callsite, int frameno, int subprog) {
        Frame f = new Frame();
        for (int i = 0; i < 11; i++) {
            f.regs[i] = new Reg();
            f.regs[i].markNotInit();
        }
        f.regs[10].markKnownZeroPtr(PTR_TO_STACK);
        f.regs[10].frameno = frameno;
        f.callsite = callsite;
        f.frameno = frameno;
        f.subprog = subprog;
        return f;
    }

    /** Whether bpf_for_each_map_elem may iterate a map of this type (map_set_for_each_callback_args). */
    static boolean iterable(MapType mapType) {
        return switch (mapType) {
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, ARRAY, PERCPU_ARRAY -> true;
            default -> false;
        };
    }

    /**
     * The callback's arguments for helper {@code helperId} called from {@code caller} (whose R1-R5 still hold
     * the helper's arguments); {@code dynptrId} is a fresh id for user_ringbuf_drain's dynptr.
     */
    static void setCalleeState(int helperId, Frame caller, Frame callee, int dynptrId) {
        Reg[] in = caller.regs, out = callee.regs;
        switch (helperId) {
            case LOOP -> { // callback_fn(u32 index, void *callback_ctx)
                out[1].markUnknown();
                out[2].set(in[3]);
            }
            case FOR_EACH_MAP_ELEM -> { // callback_fn(struct bpf_map *map, void *key, void *value, void *callback_ctx)
                out[1].set(in[1]);
                mapPointer(out[2], PTR_TO_MAP_KEY, in[1].mapIdx);
                mapPointer(out[3], PTR_TO_MAP_VALUE, in[1].mapIdx);
                out[4].set(in[3]);
            }
            case TIMER_SET_CALLBACK -> { // callback_fn(struct bpf_map *map, void *key, void *value)
                int map = in[1].mapIdx; // the map whose value holds the timer
                mapPointer(out[1], CONST_PTR_TO_MAP, map);
                mapPointer(out[2], PTR_TO_MAP_KEY, map);
                mapPointer(out[3], PTR_TO_MAP_VALUE, map);
            }
            case USER_RINGBUF_DRAIN -> { // callback_fn(const struct bpf_dynptr *dynptr, void *callback_ctx)
                out[1].markKnownZeroPtr(CONST_PTR_TO_DYNPTR);
                out[1].id = dynptrId;
                out[2].set(in[3]);
            }
            default -> throw new IllegalArgumentException("helper " + helperId + " calls no callback");
        }
        if (helperId == TIMER_SET_CALLBACK) callee.inAsyncCallback = true;
        else callee.inCallback = true;
        callee.callbackRetMin = 0;
        callee.callbackRetMax = helperId == TIMER_SET_CALLBACK ? 0 : 1;
    }

    private static void mapPointer(Reg r, int type, int mapIdx) {
        r.markKnownZeroPtr(type);
        r.mapIdx = mapIdx;
    }
}

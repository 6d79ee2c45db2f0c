package org.bpf4j.helpers;

import org.bpf4j.maps.Errno;
import org.bpf4j.maps.MapContext;
import org.bpf4j.maps.MapOps;
import org.bpf4j.maps.SpinLocks;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.MemoryFault;
import org.bpf4j.mem.Region;

/**
 * The helpers that call back into the program or order it against other runs: {@code bpf_loop},
 * {@code bpf_for_each_map_elem} (both through {@link HelperContext#callFunction}) and
 * {@code bpf_spin_lock}/{@code bpf_spin_unlock} (the {@link SpinLocks} protocol the maps' BPF_F_LOCK
 * uses). Each follows the kernel's implementation of the same id, including its error returns.
 */
public final class CallbackHelpers {
    private CallbackHelpers() {}

    /** The kernel's BPF_MAX_LOOPS: the most iterations bpf_loop accepts. */
    public static final long MAX_LOOPS = 1L << 23;


    /**
     * What the helpers keep per CPU slot for a runtime: the memory bpf_for_each_map_elem hands an array
     * callback as its key (the kernel's is a u32 on its own stack; here one 8-byte slot per nesting level
     * per CPU, read-only for programs, as the verifier types it PTR_TO_MAP_KEY), and the lock each CPU
     * holds. A run owns its CPU slot from start to end, so neither needs synchronisation.
     */
    public static final class State implements AutoCloseable {
        private static final int LEVELS = ExecutionStack.MAX_FRAMES;
        private final AddressSpace space;
        private final Region keys;
        private final int cpus;
        private final int[] nesting;
        private final long[] held;

        public State(AddressSpace space, int cpus) {
            this.space = space;
            this.cpus = cpus;
            this.keys = space.allocate((long) cpus * LEVELS * 8, 64, "bpf_for_each_map_elem keys", false);
            this.nesting = new int[cpus];
            this.held = new long[cpus];
        }

        long enterKey(int cpu) {
            int level = nesting[cpu];
            if (level >= LEVELS) {
                throw new MemoryFault(0, "call stack overflow: more than " + ExecutionStack.MAX_FRAMES + " frames");
            }
            nesting[cpu] = level + 1;
            return keys.address() + ((long) cpu * LEVELS + level) * 8;
        }

        void exitKey(int cpu) {
            nesting[cpu]--;
        }

        @Override
        public void close() {
            space.free(keys);
        }

        int cpus() { return cpus; }
    }

    /** The implementation of helper {@code id} ({@link HelperSpec.Implementation}) on the env's maps and callback state. */
    public static java.util.Optional<Helper> implementation(int id, HelperEnv env) {
        return register(HelperTable.builder(), env.maps(), env.callbacks()).build().lookup(id).map(HelperTable.Entry::helper);
    }

    /** Registers the helpers of this class; {@code state} must be of the maps' address space. */
    public static HelperTable.Builder register(HelperTable.Builder table, MapContext maps, State state) {
        if (state.space != maps.space()) throw new IllegalArgumentException("state belongs to another address space");
        return table
                .add(KernelHelper.LOOP, CallbackHelpers::loop)
                .add(KernelHelper.FOR_EACH_MAP_ELEM, (c, map, fn, ctx, flags, r5) -> forEachMapElem(c, maps, state, map, fn, ctx, flags))
                .add(KernelHelper.SPIN_LOCK, (c, lock, r2, r3, r4, r5) -> spinLock(c, state, lock))
                .add(KernelHelper.SPIN_UNLOCK, (c, lock, r2, r3, r4, r5) -> spinUnlock(c, state, lock));
    }

    /** bpf_loop(nr_loops (u32), callback_fn, callback_ctx, flags): the iterations done, the stopping one included. */
    static long loop(HelperContext c, long nrLoops, long fn, long ctx, long flags, long r5) {
        if (flags != 0) return Errno.EINVAL.negative();
        long n = nrLoops & 0xffffffffL;
        // The kernel's verifier inlines bpf_loop when flags is 0 (inline_bpf_loop), and the inlined code
        // sets -E2BIG with a 32-bit move: r0 is 0xfffffff9, not -7 (the helper proper returns -7 as a long,
        // but with flags 0 a verified program never reaches it).
        if (n > MAX_LOOPS) return Errno.E2BIG.negative() & 0xffffffffL;
        for (long i = 0; i < n; i++) {
            if (c.callFunction(fn, i, ctx, 0, 0, 0) != 0) return i + 1;
        }
        return n;
    }

    static long forEachMapElem(HelperContext c, MapContext maps, State state, long handle, long fn, long ctx, long flags) {
        MapOps map = maps.mapByHandle(handle);
        if (map == null) return Errno.EINVAL.negative();
        if (flags != 0) return Errno.EINVAL.negative();
        int cpu = c.cpu();
        long key = state.enterKey(cpu);
        try {
            return map.forEachElement(cpu, key, (k, v) -> c.callFunction(fn, handle, k, v, ctx, 0));
        } finally {
            state.exitKey(cpu);
        }
    }

    static long spinLock(HelperContext c, State state, long lock) {
        requireLockWord(c, lock);
        int cpu = c.cpu();
        // The verifier allows one lock at a time and none held at exit; bpf4j has no verifier yet, so a
        // second lock (which would deadlock the kernel) is a fault instead of a hang.
        if (state.held[cpu] != 0) {
            throw new MemoryFault(lock, String.format("bpf_spin_lock of 0x%x while this CPU already holds the lock at 0x%x",
                    lock, state.held[cpu]));
        }
        AddressSpace space = c.memory().space();
        SpinLocks.lock(space.segment(), lock - space.base());
        state.held[cpu] = lock;
        return 0;
    }

    static long spinUnlock(HelperContext c, State state, long lock) {
        requireLockWord(c, lock);
        int cpu = c.cpu();
        if (state.held[cpu] != lock) {
            throw new MemoryFault(lock, String.format("bpf_spin_unlock of 0x%x, which this run does not hold", lock));
        }
        state.held[cpu] = 0;
        AddressSpace space = c.memory().space();
        SpinLocks.unlock(space.segment(), lock - space.base());
        return 0;
    }

    private static void requireLockWord(HelperContext c, long lock) {
        if ((lock & 3) != 0) throw new MemoryFault(lock, String.format("misaligned bpf_spin_lock at 0x%x", lock));
        c.memory().require(lock, 4, true);
    }
}

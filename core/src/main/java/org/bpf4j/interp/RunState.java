package org.bpf4j.interp;

import static org.bpf4j.isa.Opcodes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.engine.ProgramFault;
import org.bpf4j.engine.RunContext;
import org.bpf4j.engine.TailCallTarget;
import org.bpf4j.helpers.HelperContext;
import org.bpf4j.helpers.HostEnvironment;
import org.bpf4j.helpers.TailCall;
import org.bpf4j.maps.ProgArrayMap;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.CheckedMemory;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.MemoryFault;
import org.bpf4j.mem.Region;

/**
 * The state of one program run that every engine shares, and the semantics both engines execute the
 * same way by calling here: the checked-mode access check with its two-entry region cache, atomics,
 * legacy packet loads, and what helpers see of the run ({@link HelperContext}).
 *
 * <p>Engine support, not API: engines extend it with their own per-run state.
 */
public abstract class RunState implements HelperContext {

    /** Marks a function pointer ({@code lddw} source 4) so that {@code callx} can tell it from a helper id. */
    public static final long FUNCTION_POINTER_TAG = 0xbf4f_0000_0000_0000L;
    public static final long FUNCTION_POINTER_MASK = 0xffff_0000_0000_0000L;

    private static final VarHandle ATOMIC_LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle ATOMIC_INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle ATOMIC_SHORT = ValueLayout.JAVA_SHORT.varHandle();
    private static final VarHandle ATOMIC_BYTE = ValueLayout.JAVA_BYTE.varHandle();

    private final AddressSpace space;
    private final MemorySegment memory;
    private final long base;
    private final boolean checked;
    private final long offsetMask;
    protected final RunContext context;
    protected final ExecutionStack stack;
    protected final long packet;
    protected final long packetLength;
    private boolean terminated;
    private long terminateValue;
    private int tailCalls;
    // Two-entry cache of the regions last accessed (checked mode).
    private long c0Start, c0Len = -1, c1Start, c1Len = -1;
    private boolean c0Write, c1Write;

    protected RunState(AddressSpace space, boolean checked, RunContext context, long packet, long packetLength) {
        this.space = space;
        this.memory = space.segment();
        this.base = space.base();
        this.checked = checked;
        this.offsetMask = space.offsetMask();
        this.context = context;
        this.stack = context.stack();
        this.packet = packet;
        this.packetLength = packetLength;
        if (stack.space() != space) throw new IllegalArgumentException("stack belongs to another address space");
    }

    @Override
    public final CheckedMemory memory() {
        return space.checked();
    }

    @Override
    public final int cpu() {
        return context.cpu();
    }

    @Override
    public final HostEnvironment host() {
        return context.host();
    }

    @Override
    public final void terminate(long r0) {
        terminated = true;
        terminateValue = r0;
    }

    /** Whether a helper asked to end the run ({@link #terminate}). */
    public final boolean terminated() { return terminated; }

    /** r0 the run ends with after {@link #terminate}. */
    public final long terminateValue() { return terminateValue; }

    /**
     * {@code bpf_tail_call(ctx, map, index)}: the program to jump into, or null when the call fails and
     * execution goes on after it. As the kernel's x86 JIT: {@code index} is a u32; an index at or past
     * max_entries fails; then a run that already made {@link TailCall#MAX_TAIL_CALL_CNT} tail calls fails;
     * then an empty slot fails; only a call that jumps counts. The count is per run (shared by every
     * frame and by tail-called programs).
     *
     * @throws ProgramFault when the slot holds something that is not a prepared program
     */
    public final TailCallTarget tailCallTarget(TailCall helper, long map, long index, int pc) {
        ProgArrayMap array = helper.progArray(map);
        if (array == null) return null;
        long i = index & 0xffffffffL;
        if (i >= Integer.toUnsignedLong(array.spec().maxEntries())) return null;
        if (tailCalls >= TailCall.MAX_TAIL_CALL_CNT) return null;
        Object slot = array.program(i);
        if (slot == null) return null;
        if (!(slot instanceof TailCallTarget target)) {
            throw new ProgramFault(pc, "bpf_tail_call: slot " + i + " of " + array.name() + " holds " + slot.getClass().getName()
                    + ", not a prepared program");
        }
        tailCalls++;
        return target;
    }

    /**
     * A tail call between programs prepared with different options: the target would run with the caller's
     * checks and budget (a checked program without its budget, say), so it is refused.
     */
    public static ProgramFault otherOptions(TailCallTarget target, ExecutionOptions callerOptions, int pc) {
        return new ProgramFault(pc, "bpf_tail_call into program " + target.name() + ", which runs " + describe(target.executable().options())
                + " while the caller runs " + describe(callerOptions));
    }

    private static String describe(ExecutionOptions options) {
        return (options.checked() ? "checked" : "unchecked")
                + (options.instructionBudget() == Long.MAX_VALUE ? " without a budget" : " with a budget of " + options.instructionBudget());
    }

    /** Tail calls made so far in this run. */
    public final int tailCalls() { return tailCalls; }

    /** r10 of frame {@code depth}. */
    public final long frameTop(int depth) { return stack.frameTop(depth); }

    /**
     * The checks every engine makes before a helper calls back into the program (bpf_loop,
     * for_each_map_elem): the value is a function pointer and a frame is free above {@code callerDepth}.
     * Returns the callback's entry instruction.
     */
    protected static int callbackEntry(long functionPointer, int callerDepth) {
        if ((functionPointer & FUNCTION_POINTER_MASK) != FUNCTION_POINTER_TAG) {
            throw new MemoryFault(functionPointer, "callback 0x" + Long.toHexString(functionPointer) + " is not a function pointer");
        }
        if (callerDepth + 1 >= ExecutionStack.MAX_FRAMES) {
            throw new MemoryFault(functionPointer, "call stack overflow: more than " + ExecutionStack.MAX_FRAMES + " frames");
        }
        return (int) (functionPointer & ~FUNCTION_POINTER_MASK);
    }

    /**
     * Checks an access and returns its offset into the address space's segment: in unchecked mode only
     * the offset, reduced modulo the space's size (a wild access, a verifier miss, lands inside the space),
     * in checked mode {@link #checkRegion}.
     *
     * @throws MemoryFault when the access is not allowed
     */
    public final long check(long address, int size, boolean write) {
        if (!checked) return (address - base) & offsetMask;
        return checkRegion(address, size, write);
    }

    /**
     * The checked-mode rule: the access must lie wholly inside one live region, and a write needs a
     * writable one. The two regions last accessed are cached, so that the table of live regions is
     * searched only when a program moves between more than two regions.
     *
     * @return the access's offset into the address space's segment
     * @throws MemoryFault when the access is not allowed
     */
    public final long checkRegion(long address, int size, boolean write) {
        long d = address - c0Start;
        if (d >= 0 && d <= c0Len - size && (c0Write || !write)) return address - base;
        d = address - c1Start;
        if (d >= 0 && d <= c1Len - size && (c1Write || !write)) return address - base;
        return lookupRegion(address, size, write);
    }

    private long lookupRegion(long address, int size, boolean write) {
        Region region = space.lookup(address, size);
        if (region == null) throw new MemoryFault(address, String.format(
                "invalid %s of %d bytes at 0x%x: not inside any live region", write ? "write" : "read", size, address));
        if (write && !region.writable()) throw new MemoryFault(address, String.format(
                "invalid write of %d bytes at 0x%x: %s is read-only", size, address, region.name()));
        c1Start = c0Start;
        c1Len = c0Len;
        c1Write = c0Write;
        c0Start = region.address();
        c0Len = region.size();
        c0Write = region.writable();
        return address - base;
    }

    /** Which register receives {@link #atomic}'s result: -1 for none, -2 for the source register. */
    public static int atomicResultRegister(int op, int dst) {
        if (op == ATOMIC_LOAD_ACQ) return dst;
        if (op == ATOMIC_CMPXCHG) return 0;
        return (op & ATOMIC_FETCH) != 0 && op != ATOMIC_STORE_REL ? -2 : -1;
    }

    /**
     * One {@code STX | ATOMIC} instruction of {@code size} bytes at {@code address}: {@code load_acquire}
     * (returns the value read), {@code store_release} (writes {@code value}), or a read-modify-write
     * (returns the old value, zero-extended for 32 bits; {@code cmpxchg} compares with {@code r0}).
     *
     * @throws MemoryFault when the access is misaligned or not allowed
     */
    public final long atomic(int op, int size, long address, long value, long r0) {
        if ((address & (size - 1)) != 0) {
            throw new MemoryFault(address, String.format("misaligned atomic access of %d bytes at 0x%x", size, address));
        }
        if (op == ATOMIC_LOAD_ACQ) {
            long at = check(address, size, false);
            return switch (size) {
                case 1 -> (byte) ATOMIC_BYTE.getAcquire(memory, at) & 0xffL;
                case 2 -> (short) ATOMIC_SHORT.getAcquire(memory, at) & 0xffffL;
                case 4 -> (int) ATOMIC_INT.getAcquire(memory, at) & 0xffffffffL;
                default -> (long) ATOMIC_LONG.getAcquire(memory, at);
            };
        }
        long at = check(address, size, true);
        if (op == ATOMIC_STORE_REL) {
            switch (size) {
                case 1 -> ATOMIC_BYTE.setRelease(memory, at, (byte) value);
                case 2 -> ATOMIC_SHORT.setRelease(memory, at, (short) value);
                case 4 -> ATOMIC_INT.setRelease(memory, at, (int) value);
                default -> ATOMIC_LONG.setRelease(memory, at, value);
            }
            return 0;
        }
        return size == 8 ? atomic64(op, at, value, r0) : atomic32(op, at, (int) value, (int) r0) & 0xffffffffL;
    }

    private long atomic64(int op, long at, long v, long r0) {
        return switch (op & ~ATOMIC_FETCH) {
            case ATOMIC_ADD -> (long) ATOMIC_LONG.getAndAdd(memory, at, v);
            case ATOMIC_OR -> (long) ATOMIC_LONG.getAndBitwiseOr(memory, at, v);
            case ATOMIC_AND -> (long) ATOMIC_LONG.getAndBitwiseAnd(memory, at, v);
            case ATOMIC_XOR -> (long) ATOMIC_LONG.getAndBitwiseXor(memory, at, v);
            case ATOMIC_XCHG & ~ATOMIC_FETCH -> (long) ATOMIC_LONG.getAndSet(memory, at, v);
            case ATOMIC_CMPXCHG & ~ATOMIC_FETCH -> (long) ATOMIC_LONG.compareAndExchange(memory, at, r0, v);
            default -> throw unknownAtomic(op);
        };
    }

    private int atomic32(int op, long at, int v, int r0) {
        return switch (op & ~ATOMIC_FETCH) {
            case ATOMIC_ADD -> (int) ATOMIC_INT.getAndAdd(memory, at, v);
            case ATOMIC_OR -> (int) ATOMIC_INT.getAndBitwiseOr(memory, at, v);
            case ATOMIC_AND -> (int) ATOMIC_INT.getAndBitwiseAnd(memory, at, v);
            case ATOMIC_XOR -> (int) ATOMIC_INT.getAndBitwiseXor(memory, at, v);
            case ATOMIC_XCHG & ~ATOMIC_FETCH -> (int) ATOMIC_INT.getAndSet(memory, at, v);
            case ATOMIC_CMPXCHG & ~ATOMIC_FETCH -> (int) ATOMIC_INT.compareAndExchange(memory, at, r0, v);
            default -> throw unknownAtomic(op);
        };
    }

    private static IllegalStateException unknownAtomic(int op) {
        // StructuralCheck refuses these at load: reaching here is a bug of ours.
        return new IllegalStateException(String.format("unknown atomic operation 0x%x", op));
    }

    /**
     * The big-endian value of a legacy packet load ({@code LD_ABS}/{@code LD_IND} with opcode
     * {@code op}; {@code index} is the index register's value, ignored for {@code LD_ABS}), or -1 when it
     * reads outside the packet: the kernel then ends the program with r0 = 0.
     */
    public final long legacyPacketLoad(int op, long index, int k) {
        int size = sizeBytes(op);
        long offset = mode(op) == MODE_IND ? (int) (index + k) : k;
        if (offset < 0 || offset + size > packetLength) return -1;
        long at = check(packet + offset, size, false);
        return switch (size) {
            case 1 -> memory.get(ValueLayout.JAVA_BYTE, at) & 0xffL;
            case 2 -> Short.reverseBytes(memory.get(ValueLayout.JAVA_SHORT_UNALIGNED, at)) & 0xffffL;
            default -> Integer.reverseBytes(memory.get(ValueLayout.JAVA_INT_UNALIGNED, at)) & 0xffffffffL;
        };
    }
}

package org.bpf4j.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;

/**
 * One address space with the three benchmark programs loaded on one engine and their inputs in place:
 * the log2 values and the copy source in read-only regions, the copy destination in a writable one.
 * Shared by the engine benchmarks and by the tests that hold each program to its Java reference.
 */
public final class EngineSetup implements AutoCloseable {
    private static final long SPACE_SIZE = 1 << 20;

    private final AddressSpace space;
    private final ExecutionStack stack;
    private final Executable primes;
    private final Executable log2Sum;
    private final Executable copyChecksum;
    private final long primesN;
    private final Region log2Block;
    private final Region copySource;
    private final Region copyDest;
    private final long log2Length;
    private final long copyLength;

    /**
     * @param engine {@code Interpreter::load} or {@code JvmCompiler::compile}
     * @param options how the engine runs the programs ({@link ExecutionOptions#raw()} for checked)
     * @param primesN N of the primes program
     * @param log2Values the u32 values of the log2 program
     * @param copyBytes the bytes the copy program copies
     */
    public EngineSetup(Executable.Loader engine, ExecutionOptions options, long primesN, int[] log2Values, byte[] copyBytes) {
        this.space = AddressSpace.reserve(SPACE_SIZE);
        try {
            this.stack = new ExecutionStack(space);
            this.primes = engine.load(BenchPrograms.primes(), HelperTable.empty(), space, options);
            this.log2Sum = engine.load(BenchPrograms.log2Sum(), HelperTable.empty(), space, options);
            this.copyChecksum = engine.load(BenchPrograms.copyChecksum(), HelperTable.empty(), space, options);
            this.primesN = primesN;
            this.log2Length = 4L * log2Values.length;
            this.copyLength = copyBytes.length;
            this.log2Block = readOnly(BenchPrograms.littleEndian(log2Values), "log2 values");
            this.copySource = readOnly(copyBytes, "copy source");
            this.copyDest = space.allocate(Math.max(1, copyBytes.length), "copy destination", true);
        } catch (RuntimeException | Error e) {
            space.close();
            throw e;
        }
    }

    /** The benchmarks' standard inputs, from {@link BenchPrograms#DEFAULT_SEED}. */
    public static EngineSetup standard(Executable.Loader engine, ExecutionOptions options) {
        return new EngineSetup(engine, options, BenchPrograms.PRIMES_N,
                BenchPrograms.log2Input(BenchPrograms.DEFAULT_SEED, BenchPrograms.LOG2_VALUES),
                BenchPrograms.copyInput(BenchPrograms.DEFAULT_SEED, BenchPrograms.COPY_BYTES));
    }

    private Region readOnly(byte[] content, String name) {
        // A zero-length input still gets a region so that r1 is a valid address.
        Region region = space.allocate(Math.max(1, content.length), name, false);
        MemorySegment.copy(content, 0, space.slice(region), ValueLayout.JAVA_BYTE, 0, content.length);
        return region;
    }

    public long runPrimes() {
        return primes.run(stack, primesN, 0, 0, 0, 0);
    }

    public long runLog2Sum() {
        return log2Sum.run(stack, log2Block.address(), log2Length, 0, 0, 0);
    }

    public long runCopyChecksum() {
        return copyChecksum.run(stack, copySource.address(), copyLength, copyDest.address(), 0, 0);
    }

    /** What the copy program wrote. */
    public byte[] copyDestination() {
        return space.slice(copyDest).asSlice(0, copyLength).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public void close() {
        stack.close();
        space.close();
    }
}

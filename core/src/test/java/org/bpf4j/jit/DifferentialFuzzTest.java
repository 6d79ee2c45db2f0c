package org.bpf4j.jit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.bpf4j.engine.Executable;
import org.bpf4j.engine.ExecutionOptions;
import org.bpf4j.helpers.HelperTable;
import org.bpf4j.interp.Interpreter;
import org.bpf4j.isa.Program;
import org.bpf4j.jit.Parity.Outcome;
import org.bpf4j.mem.AddressSpace;
import org.bpf4j.mem.ExecutionStack;
import org.bpf4j.mem.Region;
import org.junit.jupiter.api.Test;

/**
 * Seeded differential fuzzing: random programs ({@link ProgramGenerator}) run on the interpreter and the
 * JIT from the same memory with the same inputs must end with the same r0 or the same fault message, and
 * leave the same memory behind.
 */
class DifferentialFuzzTest {
    private static final int PROGRAMS = Integer.getInteger("bpf4j.fuzz.programs", 1500);
    private static final long SEED = Long.getLong("bpf4j.fuzz.seed", 0x6a17_f00dL);
    private static final long BUDGET = 3000;

    static final HelperTable HELPERS = HelperTable.builder()
            .add(1, "mix", (ctx, a, b, c, d, e) -> a * 31 + (b ^ c) - d * 7 + e)
            .add(2, "load", (ctx, a, b, c, d, e) -> ctx.memory().loadU64(a + (b & 56)) + b)
            .add(3, "maybe_end", (ctx, a, b, c, d, e) -> {
                if ((b & 7) == 0) ctx.terminate(b * 3);
                return b * 5;
            })
            .add(4, "poke", (ctx, a, b, c, d, e) -> {
                ctx.memory().storeU8(a + (b & 63), (int) c);
                return c;
            })
            .add(5, "cpu", (ctx, a, b, c, d, e) -> ctx.cpu())
            .build();

    @Test
    void interpreterAndJitAgreeOnRandomPrograms() {
        fuzz(PROGRAMS, SEED, JvmCompiler.REGION_ESTIMATE);
    }

    /** The same with every function cut into regions of a few instructions: region entries, exits and frames. */
    @Test
    void interpreterAndJitAgreeWhenEveryFunctionIsSplitIntoTinyRegions() {
        fuzz(PROGRAMS / 3, SEED ^ 0x5eed, 1);
    }

    private static void fuzz(int programs, long firstSeed, int regionEstimate) {
        try (AddressSpace space = AddressSpace.reserve(1L << 20); ExecutionStack stack = new ExecutionStack(space)) {
            Region block = space.allocate(ProgramGenerator.BLOCK_SIZE, "block", true);
            java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
            int faults = 0, budgets = 0, documentedBudgetDifferences = 0, forgedPointers = 0, completed = 0;
            for (int i = 0; i < programs; i++) {
                long seed = firstSeed + i;
                Program program = new ProgramGenerator(seed).generate();
                ExecutionOptions options = new ExecutionOptions(i % 4 != 3, BUDGET);
                Random inputs = new Random(seed * 31 + 7);
                byte[] memory = new byte[ProgramGenerator.BLOCK_SIZE];
                inputs.nextBytes(memory);
                long r3 = inputs.nextLong(), r4 = inputs.nextInt(100), r5 = -inputs.nextInt(3);
                Executable interp = Interpreter.load(program, HELPERS, space, options);
                Executable jit;
                try {
                    jit = JvmCompiler.compile(program, HELPERS, space, options, regionEstimate);
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + seed + ": JIT failed on\n" + dump(program), e);
                }
                reset(space, stack, block, memory, options.checked());
                Outcome expected = Outcome.of(() -> interp.run(stack, block.address(), memory.length, r3, r4, r5));
                byte[] expectedMemory = snapshot(space, stack, block, options.checked());
                reset(space, stack, block, memory, options.checked());
                Outcome actual = Outcome.of(() -> jit.run(stack, block.address(), memory.length, r3, r4, r5));
                byte[] actualMemory = snapshot(space, stack, block, options.checked());
                if (!expected.equals(actual)) {
                    // Documented: the JIT charges a basic block at its entry, so when the budget runs out
                    // inside a block the instructions before the named one do not run.
                    if (actual.budget() && !expected.budget()) {
                        documentedBudgetDifferences++;
                        continue;
                    }
                    // Documented: callx through a forged function pointer into the middle of the program.
                    if (actual.text().contains("no function starts at insn")) {
                        forgedPointers++;
                        continue;
                    }
                    fail("seed " + seed + " (" + options + "): interpreter " + expected.text() + ", JIT " + actual.text()
                            + "\n" + dump(program));
                }
                if (actual.budget()) {
                    budgets++;
                    continue; // memory may differ by the last block's stores
                }
                if (actual.text().startsWith("fault")) {
                    faults++;
                    kinds.merge(actual.text().replaceAll("^fault: insn \\d+: ", "").replaceAll("[ :(].*", ""), 1, Integer::sum);
                } else {
                    completed++;
                }
                if (!Arrays.equals(expectedMemory, actualMemory)) {
                    fail("seed " + seed + ": memory differs after " + actual.text() + "\n" + dump(program));
                }
            }
            System.out.printf("differential fuzz: %d programs, %d completed, %d faulted alike, %d budget alike, %d budget-vs-other (documented)%n",
                    programs, completed, faults, budgets, documentedBudgetDifferences);
            System.out.println("faults by kind: " + kinds + "; callx through forged pointers (documented): " + forgedPointers);
            assertThat(completed).as("programs that ran to the end").isGreaterThan(programs / 4);
            assertThat(documentedBudgetDifferences).isLessThan(programs / 50);
        }
    }

    /**
     * The memory a run may have changed: block and stack frames in checked mode; in unchecked mode the
     * whole (small) address space, since a wild store may land between regions.
     */
    private static void reset(AddressSpace space, ExecutionStack stack, Region block, byte[] memory, boolean checked) {
        if (!checked) space.segment().fill((byte) 0);
        space.slice(block).copyFrom(MemorySegment.ofArray(memory));
        for (int f = 0; f < ExecutionStack.MAX_FRAMES; f++) space.slice(stack.frame(f)).fill((byte) 0);
    }

    private static byte[] snapshot(AddressSpace space, ExecutionStack stack, Region block, boolean checked) {
        if (!checked) return space.segment().toArray(ValueLayout.JAVA_BYTE);
        byte[] out = new byte[ProgramGenerator.BLOCK_SIZE + ExecutionStack.MAX_FRAMES * ExecutionStack.FRAME_SIZE];
        MemorySegment.copy(space.slice(block), ValueLayout.JAVA_BYTE, 0, out, 0, ProgramGenerator.BLOCK_SIZE);
        for (int f = 0; f < ExecutionStack.MAX_FRAMES; f++) {
            MemorySegment.copy(space.slice(stack.frame(f)), ValueLayout.JAVA_BYTE, 0, out,
                    ProgramGenerator.BLOCK_SIZE + f * ExecutionStack.FRAME_SIZE, ExecutionStack.FRAME_SIZE);
        }
        return out;
    }

    static String dump(Program p) {
        StringBuilder sb = new StringBuilder();
        for (int pc = 0; pc < p.size(); pc++) sb.append(pc).append(": ").append(p.get(pc)).append('\n');
        return sb.toString();
    }
}

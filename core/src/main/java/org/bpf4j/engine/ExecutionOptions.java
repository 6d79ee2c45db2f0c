package org.bpf4j.engine;

/**
 * How an engine runs a program.
 *
 * @param checked look every memory access up in the table of live regions (always for raw ISA
 *     programs); unchecked runs rely on the verifier and the address space's bounds
 * @param instructionBudget instructions a run may execute before it is stopped; raw ISA programs have no
 *     verifier to prove termination, so this is what turns an endless loop into a clean error
 */
public record ExecutionOptions(boolean checked, long instructionBudget) {

    /** Default budget for raw ISA programs: ample for real work, a fraction of a second when a loop never ends. */
    public static final long DEFAULT_RAW_BUDGET = 100_000_000L;

    public ExecutionOptions {
        if (instructionBudget <= 0) throw new IllegalArgumentException("instruction budget must be positive: " + instructionBudget);
    }

    /** Raw ISA programs: checked, with the default budget. */
    public static ExecutionOptions raw() {
        return new ExecutionOptions(true, DEFAULT_RAW_BUDGET);
    }

    /** Verified typed programs: the verifier has proven safety and termination. */
    public static ExecutionOptions verified() {
        return new ExecutionOptions(false, Long.MAX_VALUE);
    }

    public ExecutionOptions withBudget(long budget) {
        return new ExecutionOptions(checked, budget);
    }

    public ExecutionOptions withChecked(boolean on) {
        return new ExecutionOptions(on, instructionBudget);
    }
}

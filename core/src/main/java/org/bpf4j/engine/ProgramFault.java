package org.bpf4j.engine;

/**
 * A program run that could not go on: a memory fault in checked mode, an exhausted instruction budget,
 * running off the end, a call too deep. The message names the instruction.
 */
public final class ProgramFault extends RuntimeException {
    private final int pc;

    public ProgramFault(int pc, String reason) {
        super("insn " + pc + ": " + reason);
        this.pc = pc;
    }

    public int pc() { return pc; }
}

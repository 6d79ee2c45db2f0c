package org.bpf4j.isa;

/** A program that is not well-formed eBPF: the message names the instruction and the reason. */
public final class InvalidProgramException extends RuntimeException {
    private final int pc;

    public InvalidProgramException(int pc, String reason) {
        super("insn " + pc + ": " + reason);
        this.pc = pc;
    }

    /** The index of the offending instruction slot. */
    public int pc() { return pc; }
}

package org.bpf4j.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * An immutable sequence of instruction slots, indexed as the kernel indexes them ({@code lddw}
 * takes two). Structure is not checked here: see {@link StructuralCheck}.
 */
public record Program(List<Insn> insns) {

    public Program {
        insns = List.copyOf(insns);
    }

    public static Program of(Insn... insns) {
        return new Program(List.of(insns));
    }

    /**
     * Decodes little-endian instruction bytes.
     *
     * @throws InvalidProgramException when the length is not a multiple of 8
     */
    public static Program fromBytes(byte[] code) {
        if (code.length % Insn.SIZE != 0) {
            throw new InvalidProgramException(code.length / Insn.SIZE,
                    "program is " + code.length + " bytes, not a multiple of 8: the last instruction is truncated");
        }
        ByteBuffer buf = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        Insn[] insns = new Insn[code.length / Insn.SIZE];
        for (int i = 0; i < insns.length; i++) insns[i] = Insn.decode(buf.getLong());
        return new Program(List.of(insns));
    }

    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(insns.size() * Insn.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn insn : insns) buf.putLong(insn.encode());
        return buf.array();
    }

    public int size() { return insns.size(); }

    public Insn get(int pc) { return insns.get(pc); }

    /** The 64-bit immediate of the {@code lddw} at {@code pc} (low half in its slot, high in the next). */
    public long imm64(int pc) {
        long lo = insns.get(pc).imm() & 0xffffffffL;
        long hi = pc + 1 < insns.size() ? insns.get(pc + 1).imm() : 0;
        return (hi << 32) | lo;
    }
}

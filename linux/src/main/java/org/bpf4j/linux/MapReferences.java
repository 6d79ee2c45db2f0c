package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.Opcodes;
import org.bpf4j.isa.Program;

/**
 * Binds an instruction stream's map references to kernel map fds before {@code BPF_PROG_LOAD}.
 *
 * <p>An assembler or loader writes each map reference as {@code lddw rX, <ref>} with source
 * {@link Opcodes#PSEUDO_MAP_FD} (the map itself) or {@link Opcodes#PSEUDO_MAP_VALUE} (an address inside
 * its value: the second slot's imm is the offset and stays). {@link #resolve} replaces each
 * {@code <ref>} by the fd the caller maps it to. The alternative, which needs no rewrite, is
 * {@code BPF_PSEUDO_MAP_IDX} with {@link LoadOptions#withFdArray}.
 */
public final class MapReferences {
    private MapReferences() {}

    /**
     * @param fdForReference maps the {@code imm} an lddw carries to the map fd; it may throw for an
     *        unknown reference
     * @return the program with every map-fd and map-value {@code lddw} rewritten; other slots untouched
     */
    public static Program resolve(Program program, IntUnaryOperator fdForReference) {
        List<Insn> out = new ArrayList<>(program.insns());
        for (int pc = 0; pc < out.size(); pc++) {
            Insn i = out.get(pc);
            if (!i.isWide()) continue;
            if (i.src() == Opcodes.PSEUDO_MAP_FD || i.src() == Opcodes.PSEUDO_MAP_VALUE) {
                int fd = fdForReference.applyAsInt(i.imm());
                out.set(pc, new Insn(i.opcode(), i.dst(), i.src(), i.off(), fd));
            }
            pc++; // the second slot of lddw is data, never an instruction
        }
        return new Program(out);
    }
}

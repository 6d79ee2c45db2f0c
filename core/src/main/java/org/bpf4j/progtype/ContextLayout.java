package org.bpf4j.progtype;

import static org.bpf4j.isa.Opcodes.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.isa.Insn;
import org.bpf4j.isa.InvalidProgramException;
import org.bpf4j.isa.Program;

/**
 * A program type's context as programs see it (the UAPI structure, e.g. {@code struct xdp_md}) and as
 * bpf4j lays it out in BPF memory: the UAPI structure itself, followed by 64-bit slots for the fields
 * that the UAPI declares as 32-bit but that hold pointers ({@code data}, {@code data_end},
 * {@code data_meta}). Loads of those fields are rewritten into 64-bit loads of their slots — the kernel's
 * {@code convert_ctx_access}; every other field is read and written in place.
 *
 * <p>After the pointer slots come hidden slots programs cannot address (the packet buffer's hard start
 * and end), which the packet helpers ({@code bpf_xdp_adjust_head} ...) read and move, so that a helper
 * works on the context's memory alone.
 *
 * @param name the UAPI structure, for messages
 * @param uapiSize bytes a program may address
 * @param pointerFields the 32-bit UAPI fields that hold pointers
 * @param hiddenSlots names of the further 8-byte slots after the pointer slots
 */
public record ContextLayout(String name, int uapiSize, List<PointerField> pointerFields, List<String> hiddenSlots) {

    /** A UAPI 32-bit pointer field and the 8-byte slot bpf4j keeps the real pointer in. */
    public record PointerField(String name, int uapiOffset, int realOffset) {}

    public ContextLayout {
        pointerFields = List.copyOf(pointerFields);
        hiddenSlots = List.copyOf(hiddenSlots);
    }

    private int slotsStart() {
        return (uapiSize + 7) & ~7;
    }

    /** Bytes of BPF memory the context takes: the UAPI structure, pointer slots and hidden slots. */
    public int realSize() {
        return slotsStart() + 8 * (pointerFields.size() + hiddenSlots.size());
    }

    /** The real offset of a pointer field's or hidden slot's 8 bytes. */
    public int slot(String name) {
        for (PointerField f : pointerFields) if (f.name().equals(name)) return f.realOffset();
        int i = hiddenSlots.indexOf(name);
        if (i < 0) throw new IllegalArgumentException(this.name + " has no slot " + name);
        return slotsStart() + 8 * (pointerFields.size() + i);
    }

    public Optional<PointerField> pointerField(String name) {
        return pointerFields.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** A plain context without pointer fields (tracepoint records, pt_regs, raw tracepoint args). */
    public static ContextLayout plain(String name, int size) {
        return new ContextLayout(name, size, List.of(), List.of());
    }

    /** Hidden slot: first byte of the packet buffer (the headroom's start). */
    public static final String HARD_START = "hard_start";
    /** Hidden slot: one past the last byte the packet may grow into. */
    public static final String HARD_END = "hard_end";

    /** {@code struct xdp_md}: data, data_end, data_meta are pointers. */
    public static final ContextLayout XDP_MD = withPointers(ProgramType.XDP.ctxName(), ProgramType.XDP.ctxSize(),
            "data", 0, "data_end", 4, "data_meta", 8);

    /** {@code struct __sk_buff}: data, data_end, data_meta are pointers. */
    public static final ContextLayout SK_BUFF = withPointers(ProgramType.SCHED_CLS.ctxName(),
            ProgramType.SCHED_CLS.ctxSize(), "data", 76, "data_end", 80, "data_meta", 140);

    private static ContextLayout withPointers(String name, int uapiSize, Object... fields) {
        List<PointerField> list = new ArrayList<>();
        int real = (uapiSize + 7) & ~7;
        for (int i = 0; i < fields.length; i += 2) {
            list.add(new PointerField((String) fields[i], (Integer) fields[i + 1], real));
            real += 8;
        }
        return new ContextLayout(name, uapiSize, list, List.of(HARD_START, HARD_END));
    }

    /**
     * Rewrites a program's context accesses to this layout: pointer fields become 64-bit loads of their
     * slots; accesses outside the structure, stores to pointer fields and partial loads of them are
     * refused with the kernel's message.
     */
    public Program rewrite(Program program) {
        ContextAccesses accesses = ContextAccesses.find(program);
        List<Insn> insns = new ArrayList<>(program.insns());
        for (ContextAccesses.Access a : accesses.byPc().values()) {
            if (a.offset() < 0 || a.offset() + a.size() > uapiSize) {
                throw new InvalidProgramException(a.pc(), "invalid bpf_context access off=" + a.offset() + " size=" + a.size());
            }
            for (PointerField f : pointerFields) {
                if (a.offset() + a.size() <= f.uapiOffset() || a.offset() >= f.uapiOffset() + 4) continue;
                if (a.store() || a.offset() != f.uapiOffset() || a.size() != 4) {
                    throw new InvalidProgramException(a.pc(), "invalid bpf_context access off=" + a.offset() + " size=" + a.size());
                }
                Insn old = insns.get(a.pc());
                // Same slot count, so no jump needs fixing: a 32-bit load of the UAPI field becomes a
                // 64-bit load of the real pointer, from the same base register.
                insns.set(a.pc(), new Insn(CLASS_LDX | MODE_MEM | SIZE_DW, old.dst(), old.src(),
                        old.off() + (f.realOffset() - f.uapiOffset()), 0));
            }
        }
        return new Program(insns);
    }
}

package org.bpf4j.elf;

/**
 * What one instruction of a linked program refers to outside itself, for a later stage to bind:
 * the runtime puts map handles and value addresses in, and refuses what it does not support (a
 * program that calls a kfunc, say) with the names recorded here. The instruction index counts slots
 * as the kernel does ({@code lddw} takes two) in the linked program.
 */
public sealed interface Relocation {

    /** The index of the instruction (the first slot of an {@code lddw}) in the linked program. */
    int insn();

    /**
     * {@code lddw rX, map}: the {@code lddw} carries {@code BPF_PSEUDO_MAP_FD} (src 1) and imm 0;
     * the runtime binds the map named {@code map}.
     */
    record MapReference(int insn, String map) implements Relocation {}

    /**
     * {@code lddw rX, &global}: the address of {@code offset} bytes into the single value of the
     * global-data map {@code map} ({@code .data}, {@code .rodata}, {@code .bss}, ...). The {@code lddw}
     * carries {@code BPF_PSEUDO_MAP_VALUE} (src 2), imm 0 in its first slot and the offset in its
     * second slot, as the kernel expects.
     */
    record MapValueReference(int insn, String map, long offset) implements Relocation {}

    /**
     * A call to a function the object does not define (a kfunc, or a misspelt helper declared
     * extern): the call carries {@code BPF_PSEUDO_KFUNC_CALL} (src 2) and imm 0, to be resolved
     * against kernel BTF or refused.
     */
    record ExternCall(int insn, String function) implements Relocation {}

    /**
     * A call already marked {@code BPF_PSEUDO_KFUNC_CALL} (src 2) in the object, without a relocation:
     * it names a kernel function by BTF id ({@code imm}) and module BTF slot ({@code off}) directly,
     * which only means something for the kernel the object was prepared for.
     */
    record KfuncCallById(int insn, int btfId, int moduleSlot) implements Relocation {}

    /**
     * {@code lddw} of an extern variable ({@code __kconfig}, {@code __ksym}): {@code section} is the
     * BTF data section that declares it ({@code .kconfig}, {@code .ksyms}) or empty when the object
     * has no BTF saying so; {@code weak} when its ELF symbol is {@code STB_WEAK} (a missing one reads as 0).
     * The instruction is left as compiled: {@link Externs#resolve} binds those it can.
     */
    record ExternVariable(int insn, String name, String section, boolean weak) implements Relocation {}
}

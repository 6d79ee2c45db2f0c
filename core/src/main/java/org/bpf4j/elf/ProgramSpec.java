package org.bpf4j.elf;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.btf.BtfExt.CoreRelocation;
import org.bpf4j.btf.BtfExt.FuncInfo;
import org.bpf4j.btf.BtfExt.LineInfo;
import org.bpf4j.isa.Program;
import org.bpf4j.progtype.AttachType;
import org.bpf4j.progtype.ProgramType;

/**
 * One program of an object, linked: its own code first, then every subprogram it calls (directly or
 * through other subprograms) appended after it as libbpf does, with the {@code call} offsets fixed,
 * so that the program is self-contained. Instruction indexes everywhere here are indexes into
 * {@link #program()}.
 *
 * @param name the function's ELF symbol name
 * @param sectionName the ELF section ({@code SEC()} name) it is defined in
 * @param type the program type the section name implies
 * @param expectedAttachType the attach type the section implies, which the kernel wants at load time for some types
 * @param attachTo what the section names as attach target ({@code sys_execve} in {@code kprobe/sys_execve}), or empty
 * @param loadFlags {@code prog_flags} the section implies ({@link org.bpf4j.progtype.ProgFlag}: BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS)
 * @param program the linked instructions
 * @param subprograms the functions the program consists of, the program's own function first
 * @param relocations what instructions refer to (maps, global data, externs), in instruction order
 * @param funcInfos BTF function info rebased to the linked program (empty without BTF)
 * @param lineInfos BTF line info rebased to the linked program: instruction -> source line
 * @param coreRelocations CO-RE relocation records rebased to the linked program, not yet resolved
 */
public record ProgramSpec(String name, String sectionName, ProgramType type, Optional<AttachType> expectedAttachType,
                          String attachTo, int loadFlags, Program program, List<Subprogram> subprograms,
                          List<Relocation> relocations, List<FuncInfo> funcInfos, List<LineInfo> lineInfos,
                          List<CoreRelocation> coreRelocations) {


    /** A function placed in the linked program at {@code [start, start + length)}. */
    public record Subprogram(String name, String sectionName, int start, int length) {}

    public ProgramSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(sectionName);
        Objects.requireNonNull(type);
        Objects.requireNonNull(expectedAttachType);
        Objects.requireNonNull(attachTo);
        Objects.requireNonNull(program);
        subprograms = List.copyOf(subprograms);
        relocations = List.copyOf(relocations);
        funcInfos = List.copyOf(funcInfos);
        lineInfos = List.copyOf(lineInfos);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /** The source line instruction {@code insn} comes from: the last line info at or before it. */
    public Optional<LineInfo> lineOf(int insn) {
        LineInfo best = null;
        for (LineInfo l : lineInfos) {
            if (l.insn() <= insn && (best == null || l.insn() >= best.insn())) best = l;
        }
        return Optional.ofNullable(best);
    }
}

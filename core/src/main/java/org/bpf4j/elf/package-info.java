/**
 * Reading clang-compiled eBPF objects with libbpf's conventions.
 *
 * <p>{@link org.bpf4j.elf.BpfObject#open} is the entry point; it yields immutable specs: a
 * {@link org.bpf4j.elf.ProgramSpec} per program (linked with its subprograms, its
 * {@link org.bpf4j.elf.Relocation}s recorded for the runtime to bind) and a
 * {@link org.bpf4j.elf.MapDefinition} per map. Binding (map handles, addresses, kfuncs, CO-RE) is later
 * stages' work: this package only says what the object asks for. Anything malformed or refused is
 * an {@link org.bpf4j.elf.ObjectFormatException}; the ELF reader and the loader are package-private.
 */
package org.bpf4j.elf;

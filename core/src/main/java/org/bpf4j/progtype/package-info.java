/**
 * Program types: the kernel's {@link org.bpf4j.progtype.ProgramType} and
 * {@link org.bpf4j.progtype.AttachType} ids; later, per type, the context layout, allowed helpers
 * and return-value range.
 */
package org.bpf4j.progtype;

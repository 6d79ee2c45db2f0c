/**
 * Program types: the kernel's {@link org.bpf4j.progtype.ProgramType} (ids, context structs) and
 * {@link org.bpf4j.progtype.AttachType}, the one definition the loader, the runtime, the verifier and the
 * kernel backend share; per type, the runtime's {@link org.bpf4j.progtype.ContextLayout} and the uapi names of
 * its {@link org.bpf4j.progtype.ReturnCodes}. The verifier's rules per type are {@code verifier.VerifierOps}.
 */
package org.bpf4j.progtype;

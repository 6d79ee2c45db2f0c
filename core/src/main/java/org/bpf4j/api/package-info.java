/**
 * One API for both backends: an object ({@link org.bpf4j.api.ObjectHandle}), its programs
 * ({@link org.bpf4j.api.ProgramHandle}) and maps ({@link org.bpf4j.api.MapHandle}, typed through BTF with
 * {@link org.bpf4j.api.TypedMap}), ring buffer readers ({@link org.bpf4j.api.RingReader}) and links
 * ({@link org.bpf4j.api.LinkHandle}), shaped as cilium/ebpf's Collection, Program, Map and Link. bpf4j's
 * in-JVM runtime and its kernel backend implement them with the kernel's semantics; failures carry the
 * kernel's errno ({@link org.bpf4j.api.ErrnoException}).
 */
package org.bpf4j.api;

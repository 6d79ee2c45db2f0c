/**
 * CO-RE ("compile once, run everywhere"): resolving an object's CO-RE relocation records against a
 * target BTF, usually the running kernel's, and patching the instructions they name, with libbpf's
 * rules. {@link org.bpf4j.btf.core.CoreRelocator} is the entry point; a relocation libbpf would
 * refuse is a {@link org.bpf4j.btf.core.CoreRelocationException}. Everything else here is internal.
 */
package org.bpf4j.btf.core;

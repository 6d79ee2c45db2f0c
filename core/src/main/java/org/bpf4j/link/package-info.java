/**
 * The first step of every load, as libbpf's {@code bpf_object__relocate} does it: CO-RE relocations resolved
 * against the target kernel's BTF, map references turned into indexes into the object's maps. What
 * {@code prog verify} verifies, what the runtime runs and what the kernel backend loads all come from one
 * {@link org.bpf4j.link.LinkedObject}, so that what is verified is exactly what runs.
 */
package org.bpf4j.link;

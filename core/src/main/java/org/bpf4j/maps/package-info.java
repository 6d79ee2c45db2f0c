/**
 * BPF maps: the kernel's map types with the kernel's semantics (Linux 6.18), their values living in BPF
 * memory.
 *
 * <p>{@link org.bpf4j.maps.BpfMaps#create} turns a {@link org.bpf4j.maps.MapSpec} into a
 * {@link org.bpf4j.maps.BpfMap} after the kernel's create-time checks, inside a
 * {@link org.bpf4j.maps.MapContext} (address space, CPU slots, clock, random source, epochs, map
 * registry). Each map has a program side (BPF addresses in, value addresses or {@code -errno} out, no
 * allocation) and a host side (byte arrays in the syscall layout, {@link org.bpf4j.maps.BpfMapException}
 * with the kernel's errno on failure).
 *
 * <h2>Memory layout</h2>
 * <ul>
 *   <li>ARRAY: one region, value {@code i} at {@code base + i * round_up(value_size, 8)}.
 *   <li>PERCPU_ARRAY: one region, CPU {@code c}'s array at {@code base + c * cpuStride} (64-byte aligned).
 *   <li>Hash maps (HASH, PERCPU_HASH, LRU_*, HASH_OF_MAPS, DEVMAP_HASH): pooled elements
 *       {@code [key, round 8][value, round 8]} (per-CPU: one rounded value per CPU); buckets and links
 *       in Java arrays. A non-per-CPU update of an existing key publishes a new element.
 *   <li>LPM_TRIE: pooled nodes {@code [prefixlen, data, round 8][value, round 8]}.
 *   <li>RINGBUF: data area plus an equal shadow area for records that wrap (copied back on submit);
 *       the kernel's 8-byte record header.
 *   <li>QUEUE/STACK: {@code max_entries + 1} packed values in one region.
 *   <li>DEVMAP/CPUMAP/XSKMAP: one read-only (for programs) region of rounded values.
 *   <li>Java-only state (programs never address it): bloom filter bits, fd-array slots, perf buffers,
 *       stack traces.
 * </ul>
 *
 * <h2>Lifetimes</h2>
 * Element pools never move an element. Anything unlinked while programs may hold a pointer to it is
 * retired through {@link org.bpf4j.maps.Epochs} and reused only after every run that started before
 * has ended; a pool grows rather than wait. A closed map's regions are freed the same way.
 */
package org.bpf4j.maps;

/**
 * The Linux kernel backend: {@code bpf(2)} through FFM ({@code syscall} with errno captured; no JNI).
 *
 * <p>{@link org.bpf4j.linux.KernelMap} and {@link org.bpf4j.linux.KernelProgram} own kernel objects
 * through their fds ({@code AutoCloseable}); {@link org.bpf4j.linux.KernelProgram#testRun} is
 * {@code BPF_PROG_TEST_RUN}; a rejected load is a {@link org.bpf4j.linux.KernelLoadException} whose
 * message is the verifier's own line. {@link org.bpf4j.linux.KernelAvailability} says whether any of
 * this works here and why not. The kernel is the oracle the core verifier and interpreter are tested
 * against. A loaded program attaches to live hooks with a BPF {@link org.bpf4j.linux.Link}
 * ({@code BPF_LINK_CREATE}: XDP and tcx by interface name, tracepoints through a perf event, CPU-clock
 * sampling on every CPU, uprobes and uretprobes by binary and function, kprobes where the kernel has them;
 * {@code BPF_RAW_TRACEPOINT_OPEN} for raw tracepoints), which the
 * kernel detaches when the link is closed or the process ends. {@link org.bpf4j.linux.KernelObject#attachAll}
 * attaches every program whose section names its hook ({@link org.bpf4j.linux.AttachPoint}), as libbpf's
 * auto-attach does. A kernel ring buffer maps into the JVM ({@link org.bpf4j.linux.KernelMap#ringBuffer}) and reads
 * with the same {@link org.bpf4j.maps.RingBufferReader} as bpf4j's own, woken through epoll.
 *
 * <p>Memory: every call uses a confined arena that is closed when the call returns; {@code union
 * bpf_attr} is zeroed and passed with the size of the members written (offsets in {@code Attr}).
 */
package org.bpf4j.linux;

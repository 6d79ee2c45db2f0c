/**
 * BTF, the kernel's type format: {@link org.bpf4j.btf.Btf} (an object's {@code .BTF} or a raw file
 * such as {@code /sys/kernel/btf/vmlinux}), one {@link org.bpf4j.btf.BtfType} record per kind, and
 * {@link org.bpf4j.btf.BtfExt} (function info, line info, CO-RE relocation records). Malformed
 * input is a {@link org.bpf4j.btf.BtfFormatException}. CO-RE records are kept as data here;
 * {@link org.bpf4j.btf.core.CoreRelocator} resolves them against kernel BTF.
 */
package org.bpf4j.btf;

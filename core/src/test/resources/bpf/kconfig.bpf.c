// SPDX-License-Identifier: GPL-2.0
// Test object for .kconfig and typeless __ksym externs: the program copies what it sees into the
// array map 'seen', slot by slot, so that both backends can be compared.
#include <linux/bpf.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
extern bool CONFIG_BPF __kconfig;                       /* y as a bool: 1 */
extern char CONFIG_BPF_JIT __kconfig;                   /* y as a char: 'y' */
extern enum libbpf_tristate CONFIG_BPF_SYSCALL __kconfig; /* y as a tristate: TRI_YES */
extern int CONFIG_HZ __kconfig;                         /* a number */
extern char CONFIG_LOCALVERSION[16] __kconfig;          /* a string */
extern int CONFIG_BPF4J_NOT_A_REAL_OPTION __kconfig __weak; /* missing, weak: 0 */
extern const void _stext __ksym;                        /* typeless: its kallsyms address */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

static __always_inline void put(__u32 slot, __u64 value)
{
	bpf_map_update_elem(&seen, &slot, &value, BPF_ANY);
}

SEC("xdp")
int kconfig(struct xdp_md *ctx)
{
	__u64 s = 0;
	put(0, LINUX_KERNEL_VERSION);
	put(1, LINUX_HAS_BPF_COOKIE);
	put(2, CONFIG_BPF);
	put(3, CONFIG_BPF_JIT);
	put(4, CONFIG_BPF_SYSCALL);
	put(5, CONFIG_HZ);
	__builtin_memcpy(&s, CONFIG_LOCALVERSION, 8);
	put(6, s);
	__builtin_memcpy(&s, CONFIG_LOCALVERSION + 8, 8);
	put(7, s);
	put(8, CONFIG_BPF4J_NOT_A_REAL_OPTION);
	put(9, (__u64)&_stext);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";

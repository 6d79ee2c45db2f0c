// SPDX-License-Identifier: GPL-2.0
// Test object: a strong __kconfig extern that no kernel configuration defines; loading must name it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int CONFIG_BPF4J_NOT_A_REAL_OPTION __kconfig;

SEC("xdp")
int strong(struct xdp_md *ctx)
{
	return CONFIG_BPF4J_NOT_A_REAL_OPTION ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
// Test object: a typed __ksym (the kernel's per-CPU int bpf_prog_active, by BTF id), which bpf4j does not
// resolve: both backends must refuse it with a message saying so.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const int bpf_prog_active __ksym;

SEC("xdp")
int typed(struct xdp_md *ctx)
{
	return bpf_prog_active == 12345 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";

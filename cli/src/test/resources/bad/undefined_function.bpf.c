// SPDX-License-Identifier: GPL-2.0
// Calls a function that no section of the object defines (a missing library, a typo): the loader must
// refuse it in one line naming the function, as libbpf does.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int not_defined_anywhere(int x);

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int calls_missing(struct xdp_md *ctx)
{
	return not_defined_anywhere(ctx->ingress_ifindex);
}

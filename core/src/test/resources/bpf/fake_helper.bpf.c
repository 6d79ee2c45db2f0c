// A call of helper #300, which Linux does not have: FakeHelperTest adds it to the helper table.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static long (*bpf_fake)(long a) = (void *) 300;

SEC("xdp")
int fake_xdp(struct xdp_md *ctx)
{
	return bpf_fake(20) == 42 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";

// An object with one program the verifier rejects, named by slot 0 of a program array, beside programs
// that load: a SKIP load leaves the slot empty, so the tail call to it falls through.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bad(struct xdp_md *ctx)
{
	return *(int *)(long)ctx->data; // no bounds check: rejected
}

SEC("xdp")
int good(struct xdp_md *ctx)
{
	return XDP_TX;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, int(void *));
} jumps SEC(".maps") = {
	.values = { [0] = (void *)&bad, [1] = (void *)&good },
};

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jumps, 0); // empty after a SKIP load: falls through
	bpf_tail_call(ctx, &jumps, 1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";

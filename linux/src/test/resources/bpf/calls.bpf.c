// Control-flow helpers for the kernel differential test (CallsDifferentialTest): bpf_loop,
// bpf_for_each_map_elem over an array and a hash, bpf_spin_lock on a map value, and tail calls
// through a PROG_ARRAY (a self-tail-call loop that counts its runs, and a tail call from a subprogram).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 count;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} locked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

int tail_self(struct xdp_md *ctx);
int tail_target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} progs SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_self,
		[1] = (void *)&tail_target,
	},
};

static void put(__u32 key, __u64 value)
{
	bpf_map_update_elem(&results, &key, &value, BPF_ANY);
}

static void add(__u32 key, __u64 value)
{
	__u64 *v = bpf_map_lookup_elem(&results, &key);

	if (v)
		__sync_fetch_and_add(v, value);
}

struct sum_ctx {
	__u64 sum;
	__u64 stop_at;
};

static long sum_cb(__u64 i, struct sum_ctx *c)
{
	c->sum += i;
	return i == c->stop_at ? 1 : 0;
}

static long inner_cb(__u64 i, __u64 *count)
{
	*count += 1;
	return 0;
}

static long outer_cb(__u64 i, __u64 *count)
{
	bpf_loop(4, inner_cb, count, 0);
	return 0;
}

static long fill_cb(__u64 i, void *unused)
{
	__u32 key = i;
	__u64 value = i * i + 1;

	bpf_map_update_elem(&arr, &key, &value, BPF_ANY);
	key = i + 1;
	value = key * 3;
	bpf_map_update_elem(&hash, &key, &value, BPF_ANY);
	return 0;
}

static long visit_cb(void *map, __u32 *key, __u64 *value, __u64 *acc)
{
	acc[0] += 1;
	acc[1] += *key * 1000 + *value;
	*value += 1; // values are writable from the callback
	return 0;
}

static long stop_cb(void *map, __u32 *key, __u64 *value, __u64 *acc)
{
	acc[0] += 1;
	return *key == 2;
}

SEC("xdp")
int loops(struct xdp_md *ctx)
{
	struct sum_ctx c = { .sum = 0, .stop_at = 100 };
	__u64 count = 0;
	__u64 acc[2] = {};
	long ret;

	ret = bpf_loop(10, sum_cb, &c, 0);
	put(0, ret << 32 | c.sum);
	c.sum = 0;
	c.stop_at = 3;
	ret = bpf_loop(100, sum_cb, &c, 0);
	put(1, ret << 32 | c.sum);
	put(2, bpf_loop(10, sum_cb, &c, 1));
	put(3, bpf_loop((1 << 23) + 1, sum_cb, &c, 0));
	bpf_loop(3, outer_cb, &count, 0);
	put(4, count);
	bpf_loop(8, fill_cb, 0, 0);
	ret = bpf_for_each_map_elem(&arr, visit_cb, acc, 0);
	put(5, ret << 32 | acc[0]);
	put(6, acc[1]);
	acc[0] = acc[1] = 0;
	ret = bpf_for_each_map_elem(&hash, visit_cb, acc, 0);
	put(7, ret << 32 | acc[0]);
	put(8, acc[1]);
	acc[0] = 0;
	ret = bpf_for_each_map_elem(&arr, stop_cb, acc, 0);
	put(9, ret << 32 | acc[0]);
	return XDP_PASS;
}

SEC("xdp")
int spin(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locked, &key);

	if (!v)
		return XDP_ABORTED;
	bpf_spin_lock(&v->lock);
	v->count += 1;
	v->bytes += ctx->data_end - ctx->data;
	bpf_spin_unlock(&v->lock);
	return XDP_PASS;
}

SEC("xdp")
int tail_self(struct xdp_md *ctx)
{
	add(10, 1);
	bpf_tail_call(ctx, &progs, 0);
	return XDP_TX; // the 34th tail call fails: the run ends here
}

SEC("xdp")
int tail_target(struct xdp_md *ctx)
{
	add(11, 1);
	return 40;
}

static __attribute__((noinline)) int sub(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &progs, 3); // empty slot: goes on
	bpf_tail_call(ctx, &progs, 9); // past the end: goes on
	bpf_tail_call(ctx, &progs, 1); // tail_target replaces sub: returns 40 to tail_entry
	return ctx->rx_queue_index + 1; // not a constant, so that clang keeps sub's r0 (a constant would be folded into tail_entry)
}

SEC("xdp")
int tail_entry(struct xdp_md *ctx)
{
	return sub(ctx) + 2;
}

char LICENSE[] SEC("license") = "GPL";

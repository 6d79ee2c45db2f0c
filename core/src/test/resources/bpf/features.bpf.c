// SPDX-License-Identifier: GPL-2.0
// Test object for bpf4j's ELF loader: BTF-defined maps of several shapes, global data,
// subprograms in .text (global and static, nested), several section names.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct key { __u32 a; __u16 b; };
struct value { __u64 packets; __u64 bytes; char name[16]; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct key);
	__type(value, struct value);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(max_entries, 4);
	__uint(numa_node, 0);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__type(value, __u32);
	__uint(max_entries, 128);
	__uint(map_extra, 3);
} bloom SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [3] = &inner_b },
};

int tail_a(struct __sk_buff *skb);
int tail_b(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail_a, [2] = (void *)&tail_b },
};

__u64 hits = 1;                      /* .data */
const volatile __u32 threshold = 42; /* .rodata */
__u64 zeros[4];                      /* .bss */
__u64 later;                         /* .bss, 32 bytes in */
__u32 custom SEC(".data.custom") = 7;

static __attribute__((noinline)) __u64 add(__u64 a, __u64 b)
{
	return a + b + threshold;
}

__attribute__((noinline)) __u64 twice(__u64 a)
{
	return add(a, a);
}

static __attribute__((noinline)) __u64 thrice(__u64 a)
{
	return add(twice(a), a);
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	struct key k = { .a = ctx->ingress_ifindex, .b = 1 };
	struct value *v = bpf_map_lookup_elem(&flows, &k);
	if (v)
		v->packets = twice(v->packets);
	hits++;
	zeros[2] = custom;
	return XDP_PASS;
}

SEC("tc")
int tc_main(struct __sk_buff *skb)
{
	__u32 idx = 0;
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);
	if (c)
		*c = thrice(*c);
	bpf_tail_call(skb, &jumps, 1);
	return 0;
}

SEC("tc")
int tail_a(struct __sk_buff *skb)
{
	return 1;
}

SEC("tc")
int tail_b(struct __sk_buff *skb)
{
	__u32 k = 0;
	void *in = bpf_map_lookup_elem(&outer, &k);
	if (!in)
		return 0;
	return bpf_map_peek_elem(&bloom, &k) == 0;
}

SEC("kprobe/do_sys_open")
int probe(void *ctx)
{
	later++;
	return twice(hits) > 3;
}

SEC("cgroup_skb/ingress")
int skb_in(struct __sk_buff *skb)
{
	return 1;
}

SEC("fentry.s/do_unlinkat")
int sleepy(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";

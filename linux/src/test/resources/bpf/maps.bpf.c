// SPDX-License-Identifier: GPL-2.0
/*
 * Maps of the kinds the one-API tests (ApiDifferentialTest) drive through both backends, with BTF key and
 * value types for typed access (a struct with a char array, an enum, a nested struct, an array and a
 * bitfield), and an XDP program that writes to them and to a ring buffer, so that what a program does is
 * compared too.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum verdict { V_PASS = 1, V_DROP = 2, V_LOG = 3 };

struct flow_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 flags;
};

struct peer {
	__s32 weight;
	__u16 id;
	__u16 zone;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
	char comm[12];
	enum verdict verdict;
	struct peer peer;
	__u32 hist[4];
	__s64 delta;
	unsigned int low : 4, high : 12;
};

struct event {
	__u64 packets;
	__u32 len;
	char tag[4];
};

/* BPF_F_ZERO_SEED: the kernel's buckets are the same on every run, so whether a batch of 3, 5 or 7 meets a
 * bucket larger than that (ENOSPC, which bpf4j's bucketless maps never give) does not depend on a random seed */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct flow_stats);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct peer);
} peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("xdp")
int fill(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct flow_key key = { .addr = len, .port = 80, .proto = 6 };
	struct flow_stats *s = bpf_map_lookup_elem(&flows, &key);
	__u64 packets = 1;
	__u32 zero = 0;
	__u64 *total;
	struct event *e;

	if (s) {
		packets = __sync_fetch_and_add(&s->packets, 1) + 1;
		__sync_fetch_and_add(&s->bytes, len);
	} else {
		struct flow_stats init = { .packets = 1, .bytes = len, .comm = "xdp", .verdict = V_LOG,
					   .peer = { .weight = -len, .id = 7 }, .hist = { 1, 2, 3, 4 }, .delta = -1,
					   .low = 9, .high = 0xabc };
		bpf_map_update_elem(&flows, &key, &init, BPF_NOEXIST);
	}
	total = bpf_map_lookup_elem(&totals, &zero);
	if (total)
		*total += len;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->packets = packets;
		e->len = len;
		__builtin_memcpy(e->tag, "fil", 4);
		bpf_ringbuf_submit(e, 0);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

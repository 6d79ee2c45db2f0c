// SPDX-License-Identifier: GPL-2.0
// Test object for map pinning: pinning.bpf.c with 8 entries in pinned_hits, which a map pinned by
// pinning.bpf.o (4 entries) does not match: loading this one over that pin must fail and say so.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define HITS_ENTRIES 8
#ifndef HITS_ENTRIES
#define HITS_ENTRIES 4
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HITS_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} private_hits SEC(".maps");

SEC("xdp")
int count_hits(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&pinned_hits, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&private_hits, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";

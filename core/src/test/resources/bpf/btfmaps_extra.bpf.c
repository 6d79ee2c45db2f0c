// BTF-defined maps as real-world objects write them: a pinning value only their own loader knows
// (Cilium's CILIUM_PIN_REPLACE, 1 << 4), and an arena whose map_extra (the user-space address hint) is
// given with __ulong, libbpf's 64-bit attribute (an enum type with one value).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#ifndef __ulong
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name
#endif

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, 16);
} cilium_pinned SEC(".maps");

struct {
	__uint(type, 33); // BPF_MAP_TYPE_ARENA, newer than the uapi headers here
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
	__ulong(map_extra, 0x100000000000ULL);
} arena SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__type(value, __u32);
	__uint(map_extra, 3);
} bloom SEC(".maps");

SEC("xdp")
int use_maps(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&cilium_pinned, &key);
	return v ? XDP_PASS : XDP_DROP;
}

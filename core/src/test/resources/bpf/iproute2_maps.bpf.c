// An object written for iproute2's tc loader: struct bpf_elf_map definitions (iproute2 include/bpf_elf.h,
// declared here), a map of maps bound by id/inner_id with its inner map at slot inner_idx, PIN_GLOBAL_NS
// and PIN_OBJECT_NS pinning, a "classifier" section and an unnamed tail-call section "2/7".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

char LICENSE[] SEC("license") = "GPL";

// The first map: a loader taking the id field (1) for an index into the maps binds this one, whose value is 4 bytes.
struct bpf_elf_map SEC("maps") decoy = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 1, .pinning = 1,
};

// Also a decoy: index 1, where a loader reading id 1 as an index would look.
struct bpf_elf_map SEC("maps") counters = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 8, .max_elem = 2,
};

struct bpf_elf_map SEC("maps") map_inner = {
	.type = BPF_MAP_TYPE_ARRAY, .size_key = 4, .size_value = 16, .max_elem = 1, .id = 1, .inner_idx = 3, .pinning = 2,
};

struct bpf_elf_map SEC("maps") map_outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 4, .inner_id = 1, .pinning = 2,
};

struct bpf_elf_map SEC("maps") jmp_tc = {
	.type = BPF_MAP_TYPE_PROG_ARRAY, .size_key = 4, .size_value = 4, .max_elem = 8,
};

SEC("classifier")
int cls_entry(struct __sk_buff *skb)
{
	__u32 key = 3;
	void *inner = bpf_map_lookup_elem(&map_outer, &key);
	if (!inner)
		return 0;
	key = 0;
	__u64 *v = bpf_map_lookup_elem(inner, &key);
	if (!v)
		return 0;
	// bytes 8..15 of the inner map's 16-byte value: beyond the decoys' values
	bpf_tail_call(skb, &jmp_tc, (__u32)v[1]);
	return 0;
}

SEC("2/7")
int cls_tail(struct __sk_buff *skb)
{
	return skb->mark == 7 ? 2 : 0; // TC_ACT_SHOT; mark is a tc context field
}

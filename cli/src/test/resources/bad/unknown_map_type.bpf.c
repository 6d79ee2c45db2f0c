// A map of a type no kernel defines (type 200): the loader refuses it, naming the map.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, 200);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} strange SEC(".maps");

SEC("xdp")
int prog(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

// A hash map whose key is larger than the kernel allows (KMALLOC_MAX_SIZE): the kernel's
// BPF_MAP_CREATE refuses it with E2BIG, and so must bpf4j, in one line.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct big_key { char bytes[8 << 20]; };

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1);
    __type(key, struct big_key);
    __type(value, __u64);
} too_big SEC(".maps");

SEC("xdp")
int prog(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

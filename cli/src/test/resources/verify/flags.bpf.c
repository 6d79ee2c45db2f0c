// Two XDP programs for `prog verify`: `unaligned` reads a 4-byte word at packet offset 0, which the kernel
// refuses only under BPF_F_STRICT_ALIGNMENT (NET_IP_ALIGN makes it offset 2); `beyond` reads past its
// bounds check, which the kernel refuses with two closing lines.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int unaligned(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 4 > end)
        return XDP_PASS;
    return *(volatile __u32 *)data == 7 ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int beyond(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    if (data + 14 > end)
        return XDP_PASS;
    return *(volatile __u8 *)(data + 14) == 7 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

/*
 * The XDP wrapper shared by the side-by-side programs: check that the frame holds `frame` bytes, run
 * the computation on it (`data`, `end` in scope), store the 64-bit result into the frame's last 8 bytes
 * (offset frame - 8), pass the packet.
 */
#ifndef SBS_XDP_H
#define SBS_XDP_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "kernels.h"

#define SBS_XDP(name, frame, expr)                                            \
    SEC("xdp")                                                                \
    int name(struct xdp_md *ctx)                                              \
    {                                                                         \
        u8 *data = (u8 *)(long)ctx->data;                                     \
        u8 *end = (u8 *)(long)ctx->data_end;                                  \
        if (data + (frame) > end)                                             \
            return XDP_ABORTED;                                               \
        u64 result = (expr);                                                  \
        STORE64(data + (frame) - 8, result);                                  \
        return XDP_PASS;                                                      \
    }                                                                         \
    char LICENSE[] SEC("license") = "GPL"

#endif

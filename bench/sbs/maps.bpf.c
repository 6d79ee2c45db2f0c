/* Side-by-side: 64 hash-map updates, 64 hits and 64 misses, keys from the frame. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024); /* MAP_ENTRIES */
    __type(key, __u32);
    __type(value, __u64);
} sbs_hash SEC(".maps");

static __always_inline void sbs_map_update(__u32 k, __u64 v) { bpf_map_update_elem(&sbs_hash, &k, &v, BPF_ANY); }
static __always_inline const __u64 *sbs_map_lookup(__u32 k) { return bpf_map_lookup_elem(&sbs_hash, &k); }
#define SBS_MAP_UPDATE(k, v) sbs_map_update((k), (v))
#define SBS_MAP_LOOKUP(k) sbs_map_lookup(k)

#include "sbs_xdp.h"
SBS_XDP(sbs_maps_xdp, MAP_FRAME, sbs_maps(data));

// SPDX-License-Identifier: GPL-2.0
/*
 * Per-protocol traffic counters.
 *
 * Every frame is counted (packets and bytes) under the key
 * (ethertype, IP protocol), after skipping up to two VLAN tags (802.1Q and
 * 802.1ad, so QinQ is counted by its payload). The protocol is the IPv4
 * protocol or the IPv6 next header (the first one: extension headers are not
 * walked, so a hop-by-hop header counts as protocol 0), and 0 for
 * everything else. A separate per-CPU array counts frames by VLAN depth.
 *
 * Frames that cannot be parsed are still counted, under keys that say how far
 * parsing got, because a counter that silently skips garbage hides attacks:
 *   ethertype 0                 frame shorter than an Ethernet header
 *   ethertype ETH_P_802_3 (1)   802.3 frame (length field instead of a type)
 *   proto 255                   L3 header (or VLAN tag) truncated; ethertype
 *                               is the type that promised it. 255 is IANA
 *                               "reserved", never a real protocol.
 * The program never drops: XDP_PASS for every frame.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_VLAN_DEPTH	2
#define PROTO_TRUNCATED	255

/* The uapi headers do not define a VLAN tag; the kernel's struct vlan_hdr is
 * internal. This is the 4 bytes that follow the outer ethertype. */
struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct proto_key {
	__u16 ethertype;	/* host byte order, for readable dumps */
	__u8 proto;
	__u8 pad;		/* always zero: hash keys compare every byte */
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct proto_key);
	__type(value, struct counter);
} proto_stats SEC(".maps");

/* Index = number of VLAN tags (0..MAX_VLAN_DEPTH), MAX_VLAN_DEPTH + 1 = more
 * tags than we parse. Per CPU: no atomics, user space sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_VLAN_DEPTH + 2);
	__type(key, __u32);
	__type(value, __u64);
} vlan_depth SEC(".maps");

static __always_inline int is_vlan(__be16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) ||
	       h_proto == bpf_htons(ETH_P_8021AD);
}

static __always_inline void count(__u16 ethertype, __u8 proto, __u64 bytes)
{
	struct proto_key key = { .ethertype = ethertype, .proto = proto, .pad = 0 };
	struct counter *c = bpf_map_lookup_elem(&proto_stats, &key);

	if (!c) {
		/* First frame of this kind. NOEXIST: if another CPU inserted
		 * the key meanwhile, keep its entry and add to it below. */
		struct counter zero = {};

		bpf_map_update_elem(&proto_stats, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&proto_stats, &key);
		if (!c)		/* map full */
			return;
	}
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, bytes);
}

static __always_inline void count_depth(__u32 depth)
{
	__u64 *n = bpf_map_lookup_elem(&vlan_depth, &depth);

	if (n)
		*n += 1;
}

SEC("xdp")
int xdp_counters(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	void *cursor;
	__be16 h_proto;
	__u32 depth = 0;
	__u8 proto = 0;

	if ((void *)(eth + 1) > data_end) {
		count(0, 0, bytes);
		return XDP_PASS;
	}
	h_proto = eth->h_proto;
	cursor = eth + 1;

	/* Constant bound: the verifier walks each iteration. */
#pragma unroll
	for (int i = 0; i < MAX_VLAN_DEPTH; i++) {
		struct vlan_hdr *vh = cursor;

		if (!is_vlan(h_proto))
			break;
		if ((void *)(vh + 1) > data_end) {
			count_depth(depth);
			count(bpf_ntohs(h_proto), PROTO_TRUNCATED, bytes);
			return XDP_PASS;
		}
		h_proto = vh->encapsulated_proto;
		cursor = vh + 1;
		depth++;
	}
	/* Still a tag after MAX_VLAN_DEPTH: counted by that tag's type. */
	count_depth(is_vlan(h_proto) ? MAX_VLAN_DEPTH + 1 : depth);

	if (bpf_ntohs(h_proto) < ETH_P_802_3_MIN) {
		count(ETH_P_802_3, 0, bytes);
		return XDP_PASS;
	}

	if (h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = cursor;

		if ((void *)(iph + 1) > data_end)
			proto = PROTO_TRUNCATED;
		else
			proto = iph->protocol;
	} else if (h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = cursor;

		if ((void *)(ip6h + 1) > data_end)
			proto = PROTO_TRUNCATED;
		else
			proto = ip6h->nexthdr;
	}

	count(bpf_ntohs(h_proto), proto, bytes);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

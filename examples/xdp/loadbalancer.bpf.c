// SPDX-License-Identifier: GPL-2.0
/*
 * XDP layer-4 load balancer (destination NAT, sent back out of the same port).
 *
 * IPv4 TCP and UDP packets addressed to the virtual IP (cfg_vip) are spread
 * over a table of backends by a hash of their 5-tuple, so that every packet
 * of a flow reaches the same backend without keeping per-flow state. The
 * packet is rewritten in place:
 *   - destination IP  := backend IP
 *   - source MAC      := the MAC it was sent to (ours)
 *   - destination MAC := backend MAC
 *   - IP header checksum recomputed over the header (bounded loop),
 *   - TCP/UDP checksum updated incrementally with bpf_csum_diff (the
 *     pseudo-header contains the destination address),
 * and sent back out with XDP_TX. Everything else, including packets to the VIP
 * the balancer cannot parse safely (IP options, fragments, truncated
 * headers, other protocols such as ICMP), goes to the kernel stack with
 * XDP_PASS: the stack has the full validation logic and the counters for it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_BACKENDS	4

struct backend {
	__be32 addr;
	__u8 mac[ETH_ALEN];
	__u16 pad;
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

/* Virtual IP, host byte order (10.0.0.100), set by the loader before load. */
const volatile __u32 cfg_vip = 0x0a000064;
/* How many entries of backends[] are in use (1..MAX_BACKENDS). */
const volatile __u32 cfg_num_backends = 3;

/* The backend table lives in .data rather than in .rodata so that an operator
 * can replace a backend at run time (through the .data map) without reloading
 * the program. */
struct backend backends[MAX_BACKENDS] = {
	{ .addr = bpf_htonl(0x0a000101), .mac = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x01 } },
	{ .addr = bpf_htonl(0x0a000102), .mac = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x02 } },
	{ .addr = bpf_htonl(0x0a000103), .mac = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x03 } },
	{ .addr = bpf_htonl(0x0a000104), .mac = { 0x02, 0x00, 0x00, 0x00, 0x01, 0x04 } },
};

/* Packets and bytes sent to each backend. A plain array shared by all CPUs,
 * hence the atomic adds. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct counter);
} backend_stats SEC(".maps");

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

/* Fold a 32-bit one's complement sum to 16 bits and complement it. */
static __always_inline __u16 csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* RFC 1071 checksum of a 20-byte IPv4 header (no options: the caller checked
 * ihl == 5). The loop has a constant bound, so the verifier sees it end. */
static __always_inline __u16 ipv4_csum(struct iphdr *iph)
{
	__u16 *word = (__u16 *)iph;
	__u32 sum = 0;

	iph->check = 0;
#pragma unroll
	for (int i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += word[i];
	return csum_fold(sum);
}

/* 32-bit FNV-1a over words, finished with murmur3's avalanche: cheap, and
 * every input bit moves the backend choice. */
static __always_inline __u32 mix(__u32 h, __u32 v)
{
	return (h ^ v) * 0x01000193;
}

static __always_inline __u32 flow_hash(__be32 saddr, __be32 daddr,
				       __be16 sport, __be16 dport, __u8 proto)
{
	__u32 h = 0x811c9dc5;

	h = mix(h, bpf_ntohl(saddr));
	h = mix(h, bpf_ntohl(daddr));
	h = mix(h, ((__u32)bpf_ntohs(sport) << 16) | bpf_ntohs(dport));
	h = mix(h, proto);
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__sum16 *l4_check;
	__be16 sport, dport;
	__u32 idx, n;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return XDP_PASS;
	if (iph->daddr != bpf_htonl(cfg_vip))
		return XDP_PASS;
	/* Options would move the L4 header and are rare enough to leave to
	 * the stack; fragments other than the first carry no ports, and
	 * hashing the first one would split a datagram over two backends. */
	if (iph->version != 4 || iph->ihl != 5)
		return XDP_PASS;
	if (iph->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return XDP_PASS;

	if (iph->protocol == IPPROTO_TCP) {
		struct tcphdr *th = (void *)(iph + 1);

		if ((void *)(th + 1) > data_end)
			return XDP_PASS;
		sport = th->source;
		dport = th->dest;
		l4_check = &th->check;
	} else if (iph->protocol == IPPROTO_UDP) {
		struct udphdr *uh = (void *)(iph + 1);

		if ((void *)(uh + 1) > data_end)
			return XDP_PASS;
		sport = uh->source;
		dport = uh->dest;
		/* A zero UDP checksum means "none" and must stay zero. */
		l4_check = uh->check ? &uh->check : NULL;
	} else {
		return XDP_PASS;
	}

	n = cfg_num_backends;
	if (n == 0 || n > MAX_BACKENDS)
		return XDP_PASS;
	idx = flow_hash(iph->saddr, iph->daddr, sport, dport, iph->protocol) % n;
	/* clang knows idx < n <= MAX_BACKENDS and would delete the check
	 * below, but the verifier does not track bounds through a modulo:
	 * hide idx from the optimiser (barrier_var from bpf_helpers.h is an
	 * empty asm that "may change" it) so the check stays. */
	barrier_var(idx);
	if (idx >= MAX_BACKENDS)
		return XDP_ABORTED;
	struct backend *be = &backends[idx];

	__be32 old_daddr = iph->daddr;
	__be32 new_daddr = be->addr;

	if (l4_check) {
		/* The L4 checksum covers the pseudo-header, so it changes with
		 * daddr: add the new address, subtract the old one (RFC 1624). */
		__s64 sum = bpf_csum_diff(&old_daddr, sizeof(old_daddr),
					  &new_daddr, sizeof(new_daddr),
					  ~((__u32)*l4_check) & 0xffff);
		__u16 folded;

		if (sum < 0)
			return XDP_ABORTED;
		folded = csum_fold((__u32)sum);
		/* For UDP, a computed 0 is sent as 0xffff (RFC 768). */
		if (folded == 0 && iph->protocol == IPPROTO_UDP)
			folded = 0xffff;
		*l4_check = folded;
	}

	iph->daddr = new_daddr;
	iph->check = ipv4_csum(iph);

	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, be->mac, ETH_ALEN);

	struct counter *c = bpf_map_lookup_elem(&backend_stats, &idx);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, data_end - data);
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";

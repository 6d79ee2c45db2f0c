// SPDX-License-Identifier: GPL-2.0
/*
 * XDP firewall with a dynamic blocklist.
 *
 * Policy, in the order it is applied to every frame:
 *   1. Anything that is not IPv4 passes: this firewall only has IPv4 rules,
 *      and ARP/IPv6 must keep working when it is attached.
 *   2. IPv4 packets whose header cannot be trusted are dropped: truncated
 *      header, version != 4, IHL < 5, header or total length beyond the frame.
 *      A later rule must never read a field the sender did not actually send.
 *   3. Non-first fragments are dropped: they carry no L4 header, so the port
 *      rules cannot be applied to them (the classic tiny-fragment evasion).
 *   4. TTL 0 is dropped: no router forwards it, so only scanners send it.
 *   5. Source address in the blocked_src LPM trie (longest prefix wins) -> drop.
 *   6. TCP/UDP to cfg_drop_port (a load-time constant, telnet by default) -> drop.
 *   7. (protocol, destination port) in the blocked_ports hash -> drop.
 *   8. Everything else passes.
 *
 * Rules 2-4 and 6 need no user space, so a run with empty maps already shows
 * drops; rules 5 and 7 take effect once user space fills the maps. Every
 * verdict is counted per reason in a per-CPU array (no atomics needed), and
 * every blocklist entry counts its own hits so an operator can see which
 * rule matched.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Why a frame got its verdict; index into the stats array. */
enum reason {
	REASON_PASS = 0,
	REASON_MALFORMED,	/* header truncated or inconsistent */
	REASON_FRAGMENT,	/* non-first IPv4 fragment */
	REASON_TTL_ZERO,
	REASON_BLOCKED_SRC,	/* matched blocked_src */
	REASON_DEFAULT_PORT,	/* matched cfg_drop_port */
	REASON_BLOCKED_PORT,	/* matched blocked_ports */
	REASON_MAX,
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

/* LPM trie keys must start with the prefix length in bits, followed by the
 * data to match, most significant byte first: the address stays in network
 * byte order. */
struct src_key {
	__u32 prefixlen;
	__be32 addr;
};

struct port_key {
	__be16 port;	/* destination port, network byte order */
	__u8 proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;	/* always zero: hash keys compare every byte */
};

/* Blocklist entries only count their hits; the entry's presence is the rule. */
struct rule {
	__u64 hits;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__type(key, struct src_key);
	__type(value, struct rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* required for LPM tries */
} blocked_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct port_key);
	__type(value, struct rule);
} blocked_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REASON_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} stats SEC(".maps");

/* Set by the loader before load (.rodata is frozen afterwards, so the
 * verifier treats it as a constant). 0 disables the rule. */
const volatile __u16 cfg_drop_port = 23;	/* telnet, host byte order */

#define IP_MF		0x2000
#define IP_OFFSET	0x1fff

static __always_inline int verdict(enum reason why, __u64 len)
{
	__u32 key = why;
	struct counter *c = bpf_map_lookup_elem(&stats, &key);

	/* Per-CPU slot: this CPU is the only writer, plain adds are safe. */
	if (c) {
		c->packets += 1;
		c->bytes += len;
	}
	return why == REASON_PASS ? XDP_PASS : XDP_DROP;
}

/* Stores the destination port (network byte order) in *dport and returns 1
 * for TCP/UDP; returns 0 for protocols without ports and -1 if the L4 header
 * is truncated. The whole header must be there, not only the port field: a
 * packet too short to be TCP is not TCP to port N. */
static __always_inline int parse_dport(void *l4, void *data_end, __u8 proto,
				       __be16 *dport)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return -1;
		*dport = th->dest;
		return 1;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return -1;
		*dport = uh->dest;
		return 1;
	}
	return 0;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct ethhdr *eth = data;
	struct iphdr *iph;
	__u32 ihl_bytes, tot_len;
	__be16 dport = 0;
	int has_port;

	if ((void *)(eth + 1) > data_end)
		return verdict(REASON_MALFORMED, len);
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return verdict(REASON_PASS, len);

	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end)
		return verdict(REASON_MALFORMED, len);
	if (iph->version != 4 || iph->ihl < 5)
		return verdict(REASON_MALFORMED, len);
	ihl_bytes = iph->ihl * 4;
	/* Options included: the L4 header starts after the whole IP header. */
	if ((void *)iph + ihl_bytes > data_end)
		return verdict(REASON_MALFORMED, len);
	/* Ethernet may pad short packets, so the frame can be longer than
	 * tot_len, but never shorter. */
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < ihl_bytes || (void *)iph + tot_len > data_end)
		return verdict(REASON_MALFORMED, len);

	if (iph->frag_off & bpf_htons(IP_OFFSET))
		return verdict(REASON_FRAGMENT, len);
	if (iph->ttl == 0)
		return verdict(REASON_TTL_ZERO, len);

	struct src_key skey = { .prefixlen = 32, .addr = iph->saddr };
	struct rule *r = bpf_map_lookup_elem(&blocked_src, &skey);

	if (r) {
		/* Shared entry, every CPU may hit it: add atomically. */
		__sync_fetch_and_add(&r->hits, 1);
		return verdict(REASON_BLOCKED_SRC, len);
	}

	has_port = parse_dport((void *)iph + ihl_bytes, data_end, iph->protocol,
			       &dport);
	if (has_port < 0)
		return verdict(REASON_MALFORMED, len);
	if (has_port == 0)	/* ICMP, GRE, ...: no port rules apply */
		return verdict(REASON_PASS, len);

	if (cfg_drop_port && dport == bpf_htons(cfg_drop_port))
		return verdict(REASON_DEFAULT_PORT, len);

	struct port_key pkey = {
		.port = dport,
		.proto = iph->protocol,
		.pad = 0,
	};
	r = bpf_map_lookup_elem(&blocked_ports, &pkey);
	if (r) {
		__sync_fetch_and_add(&r->hits, 1);
		return verdict(REASON_BLOCKED_PORT, len);
	}

	return verdict(REASON_PASS, len);
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * tc (clsact) classifier for egress QoS: sorts TCP/UDP traffic into classes
 * by port and marks it three ways, so that whatever comes next — a qdisc,
 * an ip rule, the next router — can act on it:
 *   - DSCP in the IPv4 TOS / IPv6 traffic class byte (ECN bits kept),
 *   - skb->priority (the band prio/pfifo_fast pick),
 *   - skb->mark (for fwmark routing rules and iptables/nft).
 *
 *   class        ports (either end)      DSCP     priority
 *   interactive  22 ssh, 53 dns          EF (46)  TC_PRIO_INTERACTIVE
 *   bulk         873 rsync, 20 ftp-data  CS1 (8)  TC_PRIO_BULK
 *   blocked      dst cfg_block_port (25) -        dropped: TC_ACT_SHOT
 *   default      anything else           as is    as is
 *
 * Blocking outbound SMTP is what hosting providers do against spam from
 * compromised machines. Frames the classifier cannot parse (non-IP, short or
 * truncated headers, later fragments) are left alone with TC_ACT_OK: a
 * classifier that drops what it does not understand breaks ARP and friends.
 * Packets and bytes per class are counted in an ARRAY (atomic adds).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum class_id {
	CLASS_DEFAULT = 0,
	CLASS_INTERACTIVE,
	CLASS_BULK,
	CLASS_BLOCKED,
	CLASS_MAX,
};

#define DSCP_EF		46
#define DSCP_CS1	8

struct counter {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CLASS_MAX);
	__type(key, __u32);
	__type(value, struct counter);
} class_stats SEC(".maps");

/* Destination port (host byte order) whose packets are dropped; 0 = none. */
const volatile __u16 cfg_block_port = 25;
/* skb->mark = cfg_mark_base | class, so the marks do not collide with
 * marks of other tools. */
const volatile __u32 cfg_mark_base = 0xb0000;

/* Incremental checksum update for one changed 16-bit word (RFC 1624,
 * eqn. 3): HC' = ~(~HC + ~m + m'). One's complement sums do not care about
 * byte order, so old/new are the raw words as they sit in the packet. */
static __always_inline void csum_replace2(__sum16 *sum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~*sum + (__u16)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*sum = (__u16)~s;
}

static __always_inline int port_is(__u16 sport, __u16 dport, __u16 port)
{
	return sport == port || dport == port;
}

static __always_inline enum class_id classify(__u8 proto, __u16 sport, __u16 dport)
{
	if (cfg_block_port && dport == cfg_block_port)
		return CLASS_BLOCKED;
	if (port_is(sport, dport, 22) || port_is(sport, dport, 53))
		return CLASS_INTERACTIVE;
	if (proto == IPPROTO_TCP &&
	    (port_is(sport, dport, 873) || port_is(sport, dport, 20)))
		return CLASS_BULK;
	return CLASS_DEFAULT;
}

/* Reads the ports of a TCP or UDP header at l4 (host byte order). Returns 0
 * if the header is not entirely in the packet or the protocol has none. */
static __always_inline int read_ports(void *l4, void *data_end, __u8 proto,
				      __u16 *sport, __u16 *dport)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end)
			return 0;
		*sport = bpf_ntohs(th->source);
		*dport = bpf_ntohs(th->dest);
		return 1;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end)
			return 0;
		*sport = bpf_ntohs(uh->source);
		*dport = bpf_ntohs(uh->dest);
		return 1;
	}
	return 0;
}

static __always_inline void set_dscp_ipv4(struct iphdr *iph, __u8 dscp)
{
	/* TOS shares a 16-bit checksum word with version/IHL. */
	__u16 *word = (__u16 *)iph;
	__u16 old = *word;

	iph->tos = (dscp << 2) | (iph->tos & 0x3);
	csum_replace2(&iph->check, old, *word);
}

static __always_inline void set_dscp_ipv6(struct ipv6hdr *ip6h, __u8 dscp)
{
	/* version:4 | traffic class:8 | flow label:20; no header checksum. */
	__be32 *first = (__be32 *)ip6h;
	__u32 w = bpf_ntohl(*first);
	__u32 tclass = (w >> 20) & 0xff;

	tclass = (dscp << 2) | (tclass & 0x3);
	w = (w & ~(0xffU << 20)) | (tclass << 20);
	*first = bpf_htonl(w);
}

static __always_inline void count(enum class_id cls, __u32 bytes)
{
	__u32 key = cls;
	struct counter *c = bpf_map_lookup_elem(&class_stats, &key);

	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
	}
}

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = NULL;
	struct ipv6hdr *ip6h = NULL;
	__u16 sport = 0, dport = 0;
	enum class_id cls = CLASS_DEFAULT;
	int ok = 0;

	if ((void *)(eth + 1) > data_end)
		goto out;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		iph = (void *)(eth + 1);
		if ((void *)(iph + 1) > data_end || iph->ihl < 5)
			goto out;
		/* Later fragments have no ports to classify by. */
		if (iph->frag_off & bpf_htons(0x1fff))
			goto out;
		ok = read_ports((void *)iph + iph->ihl * 4, data_end,
				iph->protocol, &sport, &dport);
		if (ok)
			cls = classify(iph->protocol, sport, dport);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6h = (void *)(eth + 1);
		if ((void *)(ip6h + 1) > data_end)
			goto out;
		ok = read_ports(ip6h + 1, data_end, ip6h->nexthdr,
				&sport, &dport);
		if (ok)
			cls = classify(ip6h->nexthdr, sport, dport);
	}

	if (cls == CLASS_BLOCKED) {
		count(cls, skb->len);
		return TC_ACT_SHOT;
	}
	if (cls != CLASS_DEFAULT) {
		__u8 dscp = cls == CLASS_INTERACTIVE ? DSCP_EF : DSCP_CS1;

		if (iph)
			set_dscp_ipv4(iph, dscp);
		else if (ip6h)
			set_dscp_ipv6(ip6h, dscp);
		skb->priority = cls == CLASS_INTERACTIVE ? TC_PRIO_INTERACTIVE
							 : TC_PRIO_BULK;
		skb->mark = cfg_mark_base | cls;
	}
out:
	count(cls, skb->len);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Connection-attempt event stream over a BPF ring buffer.
 *
 * Two kinds of records go to the same ring buffer, told apart by their first
 * byte:
 *   EVENT_SYN      one per TCP SYN (SYN set, ACK clear), IPv4 or IPv6: the
 *                  5-tuple, TCP flags and packet length. Written in place
 *                  with bpf_ringbuf_reserve/submit (no copy). SYNs to
 *                  cfg_quiet_port are probes we do not want to report:
 *                  their reserved record is dropped with bpf_ringbuf_discard.
 *   EVENT_ANOMALY  a frame whose IPv4/IPv6/TCP header is truncated: a small
 *                  record built on the stack and copied with
 *                  bpf_ringbuf_output, the simpler API when the record is
 *                  tiny and rare.
 * No record carries a timestamp: a consumer that needs one stamps the
 * record when it reads it. Reserve/output failures (ring full) are counted.
 * Every frame is passed on: XDP_PASS.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum event_kind {
	EVENT_SYN = 1,
	EVENT_ANOMALY = 2,
};

enum anomaly {
	ANOMALY_SHORT_IPV4 = 1,
	ANOMALY_SHORT_IPV6 = 2,
	ANOMALY_SHORT_TCP = 3,
};

/* 48 bytes, no implicit padding: every byte is written before submit, since
 * reserved ring memory is not zeroed and user space sees all of it. */
struct syn_event {
	__u8 kind;		/* EVENT_SYN */
	__u8 ip_version;	/* 4 or 6 */
	__u8 proto;		/* IPPROTO_TCP */
	__u8 tcp_flags;		/* byte 13 of the TCP header: CWR..FIN */
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u32 pkt_len;		/* frame length */
	__u32 reserved;		/* zero */
	__u8 saddr[16];		/* IPv4: first 4 bytes, the rest zero */
	__u8 daddr[16];
};

struct anomaly_event {
	__u8 kind;		/* EVENT_ANOMALY */
	__u8 reason;		/* enum anomaly */
	__u16 ethertype;	/* host byte order */
	__u32 pkt_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);	/* bytes; a power of 2, page multiple */
} events SEC(".maps");

/* [0] = records lost because the ring was full. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* SYNs to this port (host byte order) are not reported; 0 reports all. */
const volatile __u16 cfg_quiet_port = 9;	/* "discard" service probes */

#define TCP_FLAG_SYN	0x02
#define TCP_FLAG_ACK	0x10

static __always_inline void count_lost(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void report_anomaly(__u8 reason, __be16 h_proto,
					   __u32 pkt_len)
{
	struct anomaly_event ev = {
		.kind = EVENT_ANOMALY,
		.reason = reason,
		.ethertype = bpf_ntohs(h_proto),
		.pkt_len = pkt_len,
	};

	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
		count_lost();
}

/* The flags byte follows the 4-bit data offset; uapi tcphdr only has them as
 * bitfields. */
static __always_inline __u8 tcp_flags(struct tcphdr *th)
{
	return ((__u8 *)th)[13];
}

SEC("xdp")
int xdp_events(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 pkt_len = data_end - data;
	struct ethhdr *eth = data;
	struct tcphdr *th;
	__u8 version;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > data_end || iph->ihl < 5) {
			report_anomaly(ANOMALY_SHORT_IPV4, eth->h_proto, pkt_len);
			return XDP_PASS;
		}
		if (iph->protocol != IPPROTO_TCP)
			return XDP_PASS;
		/* Only the first fragment has the TCP header. */
		if (iph->frag_off & bpf_htons(0x1fff))
			return XDP_PASS;
		th = (void *)iph + iph->ihl * 4;
		version = 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		if ((void *)(ip6h + 1) > data_end) {
			report_anomaly(ANOMALY_SHORT_IPV6, eth->h_proto, pkt_len);
			return XDP_PASS;
		}
		/* Extension headers are not walked: TCP right after the
		 * fixed header only. */
		if (ip6h->nexthdr != IPPROTO_TCP)
			return XDP_PASS;
		th = (void *)(ip6h + 1);
		version = 6;
	} else {
		return XDP_PASS;
	}

	if ((void *)(th + 1) > data_end) {
		report_anomaly(ANOMALY_SHORT_TCP, eth->h_proto, pkt_len);
		return XDP_PASS;
	}
	if ((tcp_flags(th) & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return XDP_PASS;

	struct syn_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost();
		return XDP_PASS;
	}

	/* Fill every byte (see struct syn_event). */
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = EVENT_SYN;
	e->ip_version = version;
	e->proto = IPPROTO_TCP;
	e->tcp_flags = tcp_flags(th);
	e->sport = bpf_ntohs(th->source);
	e->dport = bpf_ntohs(th->dest);
	e->pkt_len = pkt_len;
	/* The IP header's bounds were checked above and the verifier
	 * remembers that for every pointer derived from data. */
	if (version == 4) {
		struct iphdr *iph = (void *)(eth + 1);

		__builtin_memcpy(e->saddr, &iph->saddr, 4);
		__builtin_memcpy(e->daddr, &iph->daddr, 4);
	} else {
		struct ipv6hdr *ip6h = (void *)(eth + 1);

		__builtin_memcpy(e->saddr, &ip6h->saddr, 16);
		__builtin_memcpy(e->daddr, &ip6h->daddr, 16);
	}

	/* The record is already written when we decide it is not wanted: a
	 * discard only flips a bit in its header, cheaper than parsing twice. */
	if (cfg_quiet_port && e->dport == cfg_quiet_port)
		bpf_ringbuf_discard(e, 0);
	else
		bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

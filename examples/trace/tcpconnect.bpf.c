// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect: every outgoing TCP connection attempt (IPv4 and IPv6) as it happens: who (pid, command)
 * connects where (source and destination address, destination port).
 *
 * A tracepoint program on sock/inet_sock_set_state sees every TCP state change; a connect() is the change
 * to TCP_SYN_SENT, made in the connecting task (tcp_v4_connect, tcp_v6_connect), so pid and command are
 * the caller's. Each attempt becomes a ring buffer record; attempts per destination port go to a hash map:
 *
 *     bpf4j run examples/trace/tcpconnect.bpf.o --duration 5
 *
 * tcpconnect_kprobe.bpf.c does the same from kprobes on tcp_v4_connect, for kernels without the tracepoint.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_SYN_SENT 2

/* The record each connection attempt becomes: IPv4 addresses in the first 4 bytes of saddr/daddr. */
struct event {
	__u32 pid;
	__u16 family;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
	__type(value, struct event);	/* an annotation for readers: ring buffers have no value size */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u16);		/* destination port */
	__type(value, __u64);		/* attempts */
} connects SEC(".maps");

/* The tracepoint's record (tracefs events/sock/inet_sock_set_state/format). */
struct inet_sock_set_state {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	const void *skaddr;
	__s32 oldstate;
	__s32 newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
};

SEC("tracepoint/sock/inet_sock_set_state")
int trace_connect(struct inet_sock_set_state *ctx)
{
	__u64 one = 1, *n;
	struct event *e;
	__u16 dport;

	if (ctx->protocol != IPPROTO_TCP || ctx->newstate != TCP_SYN_SENT)
		return 0;
	dport = ctx->dport;
	n = bpf_map_lookup_elem(&connects, &dport);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&connects, &dport, &one, BPF_NOEXIST);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->family = ctx->family;
	e->dport = dport;
	if (ctx->family == AF_INET) {
		__builtin_memcpy(e->saddr, ctx->saddr, 4);
		__builtin_memcpy(e->daddr, ctx->daddr, 4);
	} else {
		__builtin_memcpy(e->saddr, ctx->saddr_v6, 16);
		__builtin_memcpy(e->daddr, ctx->daddr_v6, 16);
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconnect from kprobes, as bcc's tcpconnect does it where the sock/inet_sock_set_state tracepoint is
 * missing: kprobe/tcp_v4_connect keeps the socket of each connecting task, kretprobe/tcp_v4_connect reads
 * the addresses and port tcp_v4_connect filled in (CO-RE: struct sock_common's fields are found in the
 * running kernel's BTF) and emits the same record as tcpconnect.bpf.c.
 *
 *     bpf4j prog verify examples/trace/tcpconnect_kprobe.bpf.o     # anywhere
 *     bpf4j run examples/trace/tcpconnect_kprobe.bpf.o --duration 5 # needs CONFIG_KPROBES
 *
 * x86-64 only as written (the argument registers of bpf_tracing.h's PT_REGS_PARM1).
 */
#ifndef __TARGET_ARCH_x86
#define __TARGET_ARCH_x86
#endif
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define COMM_LEN 16
#define AF_INET 2

struct event {
	__u32 pid;
	__u16 family;
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[COMM_LEN];
};

/* The fields this program reads; their offsets come from the kernel's BTF at load (CO-RE). */
struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
	__type(value, struct event);
} events SEC(".maps");

/* Connecting task (pid_tgid) -> its socket, from entry to return. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct sock *);
} connecting SEC(".maps");

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(tcp_v4_connect_entry, struct sock *sk)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&connecting, &id, &sk, BPF_ANY);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(tcp_v4_connect_return, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct sock **skp = bpf_map_lookup_elem(&connecting, &id);
	struct sock *sk;
	struct event *e;

	if (!skp)
		return 0;
	sk = *skp;
	bpf_map_delete_elem(&connecting, &id);
	if (ret != 0)
		return 0;	/* the connect failed before sending a SYN */
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = id >> 32;
	e->family = AF_INET;
	e->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	BPF_CORE_READ_INTO(e->saddr, sk, __sk_common.skc_rcv_saddr);
	BPF_CORE_READ_INTO(e->daddr, sk, __sk_common.skc_daddr);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

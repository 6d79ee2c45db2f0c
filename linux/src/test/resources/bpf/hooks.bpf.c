// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the live hook tests (HooksTest): cgroup v2 hooks, a socket filter, tp_btf, an iterator, uprobe.multi.
 * Each counts what it sees in its slot of `counts`; slot 9 holds the thread-group id whose syscalls
 * tp_btf and whose getppid calls uprobe.multi count, set by the test. hooks_tracing.bpf.c holds the kinds a kernel may refuse to load.
 * Build: clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -c hooks.bpf.c -o hooks.bpf.o
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	count(0);
	return 1; /* allow */
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk)
{
	count(1);
	return 1;
}

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb)
{
	count(2);
	return 1;
}

SEC("cgroup/sysctl")
int sysctl_read(struct bpf_sysctl *ctx)
{
	if (!ctx->write)
		count(3);
	return 1;
}

/* Counts the datagrams of the socket it is attached to and keeps them whole. */
SEC("socket")
int udp_filter(struct __sk_buff *skb)
{
	count(4);
	return skb->len;
}

/* BTF-typed raw tracepoint: this process's system calls. */
SEC("tp_btf/sys_enter")
int btf_sys_enter(unsigned long long *ctx)
{
	__u32 key = 9;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &key);

	if (tgid && *tgid == bpf_get_current_pid_tgid() >> 32)
		count(5);
	return 0;
}

/* The kernel's struct bpf_map, as far as CO-RE needs it. */
struct bpf_map {
	__u32 id;
} __attribute__((preserve_access_index));

struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __attribute__((preserve_access_index));

/* One line per map of the kernel: its id. */
SEC("iter/bpf_map")
int map_ids(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	__u64 id;

	if (!map)
		return 0;
	id = map->id;
	count(6);
	bpf_seq_printf(ctx->meta->seq, "%llu\n", sizeof("%llu\n"), &id, sizeof(id));
	return 0;
}

/* Attached by the test to libc's getppid through a glob: this process's calls. */
SEC("uprobe.multi")
int multi_getppid(void *ctx)
{
	__u32 key = 9;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &key);

	if (tgid && *tgid == bpf_get_current_pid_tgid() >> 32)
		count(10);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * profile: a CPU profiler. Every CPU is sampled 99 times a second (a CPU-clock perf event); each sample
 * counts the running task's pid, command name and kernel and user stacks, the stacks kept by id in a
 * stack trace map, as BCC's profile does. bpf4j prints them folded, ready for flamegraph.pl:
 *
 *     bpf4j run examples/trace/profile.bpf.o --duration 10 --folded > profile.folded
 *     flamegraph.pl profile.folded > profile.svg
 *
 * --folded finds the counts map by its key's field names (pid, comm, user_stack_id, kern_stack_id).
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16
#define MAX_STACKS 16384
#define PERF_MAX_STACK_DEPTH 127

struct key {
	__u32 pid;
	__s32 user_stack_id;	/* negative: no user stack (a kernel thread) or none could be taken */
	__s32 kern_stack_id;	/* negative: the sample interrupted user code */
	char comm[COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PERF_MAX_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_STACKS);
	__type(key, struct key);
	__type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int profile(struct bpf_perf_event_data *ctx)
{
	struct key k = {};
	__u64 one = 1, *count;

	k.pid = bpf_get_current_pid_tgid() >> 32;
	k.kern_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	k.user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	count = bpf_map_lookup_elem(&counts, &k);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

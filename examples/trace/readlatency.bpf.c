// SPDX-License-Identifier: GPL-2.0
/*
 * readlatency: how long read(2) calls take, as a log2 histogram in microseconds, like bpftrace's
 *
 *     tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; }
 *     tracepoint:syscalls:sys_exit_read /@start[tid]/ { @usecs = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }
 *
 * sys_enter_read keeps each thread's start time; sys_exit_read counts the call in the bucket of its
 * duration. The histogram is a `struct log2_hist` (slot 0: 0 µs; slot k: [2^(k-1), 2^k) µs), which
 * `bpf4j run` prints as bpftrace prints hist():
 *
 *     bpf4j run examples/trace/readlatency.bpf.o --duration 5
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SLOTS 40

/* The convention bpf4j run prints as a histogram: a struct named log2_hist whose one member is slots[]. */
struct log2_hist {
	__u64 slots[SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct log2_hist);
} usecs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);	/* thread id */
	__type(value, __u64);	/* bpf_ktime_get_ns() at entry */
} start SEC(".maps");

/* Only the threads of this process, when set (0: every thread). */
const volatile __u32 cfg_tgid = 0;

/* The bucket of v: its bit length (0 for 0), capped at the last slot. */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 bits = 0;

	for (int i = 0; i < 64 && v; i++) {
		bits++;
		v >>= 1;
	}
	return bits < SLOTS ? bits : SLOTS - 1;
}

SEC("tracepoint/syscalls/sys_enter_read")
int read_enter(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	__u32 tid = (__u32)id;

	if (cfg_tgid && (id >> 32) != cfg_tgid)
		return 0;
	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_read")
int read_exit(void *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	__u64 *t0 = bpf_map_lookup_elem(&start, &tid);
	struct log2_hist *h;
	__u32 slot;

	if (!t0)
		return 0;
	slot = log2_slot((bpf_ktime_get_ns() - *t0) / 1000);
	bpf_map_delete_elem(&start, &tid);
	h = bpf_map_lookup_elem(&usecs, &zero);
	if (h && slot < SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

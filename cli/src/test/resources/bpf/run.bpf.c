// SPDX-License-Identifier: GPL-2.0
// For `bpf4j run`: every getppid() call on the machine becomes a ring buffer record (sequence number, tgid)
// and counts per tgid in a hash map, which the command prints at the end.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 65536);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

__u64 seq;

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getppid")
int record_getppid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n = bpf_map_lookup_elem(&calls, &tgid);
	__u64 rec[2] = {__sync_fetch_and_add(&seq, 1), tgid};

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&calls, &tgid, &one, BPF_NOEXIST);
	bpf_ringbuf_output(&events, rec, sizeof(rec), 0);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * opensnoop: every openat(2) on the machine, as it happens: who (pid, command) opened what.
 *
 * A tracepoint program on syscalls/sys_enter_openat reserves a record in a ring buffer, fills it and
 * submits it; user space streams the records. The ring's value type annotates the record layout, so
 * `bpf4j run` prints each record by field name:
 *
 *     bpf4j run examples/trace/opensnoop.bpf.o --duration 5
 *
 * Per-command counts go to a hash map, printed when the run ends.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16
#define NAME_LEN 128

/* The record each openat becomes. */
struct event {
	__u32 pid;
	__s32 flags;
	char comm[COMM_LEN];
	char filename[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
	__type(value, struct event);	/* an annotation for readers: ring buffers have no value size */
} events SEC(".maps");

struct comm_key {
	char comm[COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct comm_key);
	__type(value, __u64);
} opens SEC(".maps");

/* The tracepoint's record (tracefs events/syscalls/sys_enter_openat/format): common header, then the
 * syscall number and its arguments (dfd, filename, flags, mode). */
struct sys_enter_openat {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s64 syscall_nr;
	__u64 dfd;
	const char *filename;
	__u64 flags;
	__u64 mode;
};

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat(struct sys_enter_openat *ctx)
{
	struct comm_key key = {};
	__u64 one = 1, *n;
	struct event *e;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	n = bpf_map_lookup_elem(&opens, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&opens, &key, &one, BPF_NOEXIST);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->flags = (__s32)ctx->flags;
	__builtin_memcpy(e->comm, key.comm, sizeof(e->comm));
	if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), ctx->filename) < 0)
		e->filename[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

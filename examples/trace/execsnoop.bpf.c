// SPDX-License-Identifier: GPL-2.0
/*
 * execsnoop: every program started on the machine (a successful execve), as it happens: the pid, the
 * command name after the exec, and the file executed.
 *
 *     bpf4j run examples/trace/execsnoop.bpf.o --duration 5
 *
 * The tracepoint sched/sched_process_exec fires once the new program is in place; its record holds the
 * file name as a __data_loc field (offset and length within the record).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define COMM_LEN 16
#define NAME_LEN 128

struct event {
	__u32 pid;
	__u32 old_pid;
	char comm[COMM_LEN];
	char filename[NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
	__type(value, struct event);	/* an annotation for readers: ring buffers have no value size */
} events SEC(".maps");

/* tracefs events/sched/sched_process_exec/format */
struct sched_process_exec {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__u32 filename_loc;	/* __data_loc char[]: offset in the low 16 bits, length in the high 16 */
	__s32 pid;
	__s32 old_pid;
};

SEC("tracepoint/sched/sched_process_exec")
int trace_exec(struct sched_process_exec *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = ctx->pid;
	e->old_pid = ctx->old_pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + (ctx->filename_loc & 0xffff)) < 0)
		e->filename[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
// Test object for loading with CO-RE: a tracepoint program that reads the current task's pid through a
// CO-RE relocation, then calls a helper the in-JVM runtime cannot give a tracing program (a kernel task
// pointer). CoreLoadTest checks that loading relocates first and judges the relocated program.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getpid")
int pid_of_current(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, pid);
}

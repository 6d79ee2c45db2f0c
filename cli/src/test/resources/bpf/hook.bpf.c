// SPDX-License-Identifier: GPL-2.0
/*
 * One program on the hook named by -DHOOK, for RunHooksTest's bad-input cases (a misspelt tracepoint, kernel
 * function, system call or binary) and its cgroup case. Build each object with:
 *   clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -DHOOK='"SECTION"' -c hook.bpf.c -o NAME.bpf.o
 * hook_tracepoint.bpf.o  HOOK "tracepoint/syscalls/sys_enter_opennat"
 * hook_fentry.bpf.o      HOOK "fentry/do_unlinkatt"
 * hook_ksyscall.bpf.o    HOOK "ksyscall/getppidd"
 * hook_uprobe.bpf.o      HOOK "uprobe//bin/bashh:readline"
 * hook_cgroup.bpf.o      HOOK "cgroup/connect4" (returns 1: allow)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC(HOOK)
int hook(void *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";

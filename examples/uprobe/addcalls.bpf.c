// SPDX-License-Identifier: GPL-2.0
/*
 * A uprobe on a function of a user program (target.c's bpf4j_add(int a, int b)): counts the calls per
 * process and captures the arguments: the sum of every a, the last b.
 *
 * The section names no binary (each build of target.c lives somewhere else), so the program is attached
 * from Java, as UprobeLiveTest does:
 *
 *     program.attachUprobe(Path.of("/tmp/target"), "bpf4j_add", 0, false, OptionalInt.empty())
 *
 * x86-64 only as written (the argument registers of bpf_tracing.h's PT_REGS_PARM1/2).
 */
#ifndef __TARGET_ARCH_x86
#define __TARGET_ARCH_x86
#endif
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* What one process's calls looked like. */
struct calls {
	__u64 count;
	__s64 sum_a;
	__s32 last_b;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);		/* pid */
	__type(value, struct calls);
} calls SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(on_add, int a, int b)	/* BPF_KPROBE reads a uprobe's arguments too */
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct calls *c = bpf_map_lookup_elem(&calls, &pid), fresh = {};

	if (!c) {
		bpf_map_update_elem(&calls, &pid, &fresh, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&calls, &pid);
		if (!c)
			return 0;
	}
	__sync_fetch_and_add(&c->count, 1);
	__sync_fetch_and_add(&c->sum_a, a);
	c->last_b = b;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

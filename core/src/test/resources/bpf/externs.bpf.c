// SPDX-License-Identifier: GPL-2.0
// Test object for bpf4j's ELF loader: what a later stage must bind or refuse: kfunc calls,
// __kconfig and __ksym externs, callbacks (bpf_loop), CO-RE field accesses.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

extern int LINUX_KERNEL_VERSION __kconfig;
extern const void bpf_prog_active __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

struct task {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

static int step(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

SEC("tp_btf/sched_switch")
int switcher(__u64 *ctx)
{
	__u64 sum = 0;
	struct task *t = (void *)ctx[0];
	bpf_rcu_read_lock();
	bpf_loop(10, step, &sum, 0);
	bpf_rcu_read_unlock();
	if (LINUX_KERNEL_VERSION > 0 && ((__u64)&bpf_prog_active & 1))
		sum += BPF_CORE_READ(t, tgid);
	return sum;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * The hooks HooksTest attaches where the kernel lets it, and skips with the kernel's reason where it does not:
 * fentry, fexit, lsm (refused under lockdown), kprobe.multi (needs CONFIG_FPROBE). Apart from hooks.bpf.o so
 * that the rest loads everywhere. Each counts what it sees in its slot of `counts`.
 * Build: clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -c hooks_tracing.bpf.c -o hooks_tracing.bpf.o
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("fentry/do_unlinkat")
int fentry_unlinkat(unsigned long long *ctx)
{
	count(0);
	return 0;
}

SEC("fexit/do_unlinkat")
int fexit_unlinkat(unsigned long long *ctx)
{
	count(1);
	return 0;
}

SEC("lsm/file_open")
int lsm_file_open(unsigned long long *ctx)
{
	count(2);
	return 0;
}

SEC("kprobe.multi/do_unlinkat*")
int multi_unlinkat(void *ctx)
{
	count(3);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
// For `bpf4j run`'s perf and printk streams: every getppid() call on the machine becomes a perf sample
// (struct sample, which the command finds by its size in the object's BTF) and a bpf_printk line; the
// tests keep those of their own process.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} total SEC(".maps");

struct sample {
	__u32 tgid;
	__u32 cpu;
	char comm[16];
};

/* puts struct sample into the object's BTF (as cilium/ebpf's bpf2go -type asks): a local's type is not */
const struct sample *unused_sample __attribute__((unused));

SEC("tracepoint/syscalls/sys_enter_getppid")
int perf_getppid(void *ctx)
{
	struct sample s = {};
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&total, &zero);

	if (n)
		__sync_fetch_and_add(n, 1);
	s.tgid = bpf_get_current_pid_tgid() >> 32;
	s.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &s, sizeof(s));
	bpf_printk("getppid by %u", s.tgid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* The perf buffer reader's tests: a sample per getppid() call of the test's process. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} config SEC(".maps"); /* [0]: the test's tgid, [1]: the next sequence number */

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

/* 40 bytes: 44 with the u32 size, 52 with the header, 56 in the ring: a one-page ring wraps mid-record */
struct sample {
	__u64 seq;
	__u64 tgid;
	__u32 cpu;
	char tag[20];
};

SEC("tracepoint/syscalls/sys_enter_getppid")
int perf_getppid(void *ctx)
{
	__u32 zero = 0, one = 1;
	__u64 *tgid = bpf_map_lookup_elem(&config, &zero);
	__u64 *seq = bpf_map_lookup_elem(&config, &one);
	struct sample s = {};

	if (!tgid || !seq || (bpf_get_current_pid_tgid() >> 32) != *tgid)
		return 0;
	s.seq = __sync_fetch_and_add(seq, 1);
	s.tgid = *tgid;
	s.cpu = bpf_get_smp_processor_id();
	__builtin_memcpy(s.tag, "bpf4j perf sample", 18);
	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &s, sizeof(s));
	return 0;
}


/* A printk line per getppid() call of the test's process, for the trace pipe reader. */
SEC("tracepoint/syscalls/sys_enter_getppid")
int printk_getppid(void *ctx)
{
	__u32 zero = 0;
	__u64 *tgid = bpf_map_lookup_elem(&config, &zero);

	if (!tgid || (bpf_get_current_pid_tgid() >> 32) != *tgid)
		return 0;
	bpf_printk("bpf4j printk %llu", *tgid);
	return 0;
}

/* For the differential test: three samples of 5, 16 and 8 + 4 packet bytes, the same in bpf4j and the kernel. */
SEC("xdp")
int perf_xdp(struct xdp_md *ctx)
{
	char five[5] = {1, 2, 3, 4, 5};
	__u64 two[2] = {0x1122334455667788ULL, 42};
	__u64 eight = 0xfeedULL;

	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, five, sizeof(five));
	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, two, sizeof(two));
	/* the upper 32 bits of the flags: how many packet bytes to append (bpf_xdp_event_output) */
	bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU | (4ULL << 32), &eight, sizeof(eight));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

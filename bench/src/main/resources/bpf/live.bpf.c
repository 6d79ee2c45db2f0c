// SPDX-License-Identifier: GPL-2.0
/*
 * The producers of the live reader benchmarks (bench/README.md, "Live readers"), shared by the Java
 * benchmarks (LiveReaderBenchmark) and the libbpf reference (bench/native/live.c): each BPF_PROG_TEST_RUN
 * repetition of an XDP program writes RECORDS_PER_RUN 32-byte records into the ring buffer or the perf
 * event array; a tracepoint program that does nothing, to time attach and detach.
 *
 * Rebuild: clang-19 -O2 -g -target bpf -mcpu=v4 -I/usr/include/x86_64-linux-gnu -c live.bpf.c -o live.bpf.o
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define RECORDS_PER_RUN 64

struct record {
	__u64 seq;
	__u64 a, b, c;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 23); /* 8 MiB: 200,000 records of 40 bytes */
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

__u64 seq;

SEC("xdp")
int ring_produce(struct xdp_md *ctx)
{
	struct record r = {.a = 1, .b = 2, .c = 3};

	for (int i = 0; i < RECORDS_PER_RUN; i++) {
		r.seq = seq++;
		bpf_ringbuf_output(&ring, &r, sizeof(r), 0);
	}
	return XDP_PASS;
}

SEC("xdp")
int perf_produce(struct xdp_md *ctx)
{
	struct record r = {.a = 1, .b = 2, .c = 3};

	for (int i = 0; i < RECORDS_PER_RUN; i++) {
		r.seq = seq++;
		bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &r, sizeof(r));
	}
	return XDP_PASS;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int attach_target(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

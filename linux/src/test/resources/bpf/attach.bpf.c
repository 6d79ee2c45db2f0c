// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the live attach tests (AttachTest): each counts in its slot of `counts` what it sees on its
 * hook. Slot 3 holds the thread-group id whose getppid() calls the tracepoint programs count, set by the test.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 9);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &slot);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_getppid(void *ctx)
{
	__u32 slot = 3;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &slot);

	if (tgid && (bpf_get_current_pid_tgid() >> 32) == *tgid)
		count(0);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* A record per getppid() call of the test's process: a sequence number and the tgid (16 bytes + header). */
SEC("tracepoint/syscalls/sys_enter_getppid")
int ring_getppid(void *ctx)
{
	__u32 slot = 3, seq_slot = 8;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &slot);
	__u64 *seq = bpf_map_lookup_elem(&counts, &seq_slot);
	__u64 rec[2];

	if (!tgid || !seq || (bpf_get_current_pid_tgid() >> 32) != *tgid)
		return 0;
	rec[0] = __sync_fetch_and_add(seq, 1);
	rec[1] = *tgid;
	bpf_ringbuf_output(&events, rec, sizeof(rec), 0);
	return 0;
}

/* sys_enter's raw arguments: the registers, then the syscall number. */
SEC("raw_tp/sys_enter")
int raw_count_getppid(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 slot = 3;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &slot);

	if (tgid && (bpf_get_current_pid_tgid() >> 32) == *tgid && ctx->args[1] == 110 /* __NR_getppid, x86-64 */)
		count(4);
	return 0;
}

/* CPU-clock samples that hit the test's process. */
SEC("perf_event")
int sample(void *ctx)
{
	__u32 slot = 3;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &slot);

	if (tgid && (bpf_get_current_pid_tgid() >> 32) == *tgid)
		count(5);
	return 0;
}

/* Entries into and returns from the probed function in the test's process. */
static void count_if_test(__u32 slot)
{
	__u32 tgid_slot = 3;
	__u64 *tgid = bpf_map_lookup_elem(&counts, &tgid_slot);

	if (tgid && (bpf_get_current_pid_tgid() >> 32) == *tgid)
		count(slot);
}

SEC("uprobe")
int probe_entry(void *ctx)
{
	count_if_test(6);
	return 0;
}

SEC("uretprobe")
int probe_return(void *ctx)
{
	count_if_test(7);
	return 0;
}

/* Counts IPv4 UDP frames and drops them; everything else (ARP above all) passes. */
SEC("xdp")
int xdp_drop_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	count(1);
	return XDP_DROP;
}

/* Counts every frame and lets it through (TCX_PASS). */
SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	count(2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

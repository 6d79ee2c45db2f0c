// Programs for prog run as a debugger: per-frame verdicts, context out, maps seeded and saved, the task a
// run happens in, and a sibling the verifier rejects.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} blocked_first_byte SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

struct frame_record {
	__u32 first_byte;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} records SEC(".maps");

// also a global, so that the object's BTF describes the record (clang keeps no BTF for a local's type)
struct frame_record last_record;

// tc: marks every skb, counts frames by their first byte, drops the first byte the map names (0 names none),
// and rewrites byte 1 of passed frames to 0xaa
SEC("tc")
int classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 *p = data;
	if (p + 2 > (__u8 *)end)
		return TC_ACT_OK;
	__u32 first = p[0], zero = 0;
	__u64 one = 1, *n = bpf_map_lookup_elem(&seen, &first);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&seen, &first, &one, BPF_NOEXIST);
	skb->mark = 7;
	skb->priority = 3;
	last_record.first_byte = first;
	last_record.len = skb->len;
	bpf_ringbuf_output(&records, &last_record, sizeof(last_record), 0);
	bpf_printk("first byte %u", first);
	__u32 *blocked = bpf_map_lookup_elem(&blocked_first_byte, &zero);
	if (blocked && *blocked && *blocked == first)
		return TC_ACT_SHOT;
	p[1] = 0xaa;
	return TC_ACT_OK;
}

struct task_seen {
	__u64 pid_tgid, uid_gid, cgroup_id;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct task_seen);
} task SEC(".maps");

// raw tracepoint: no packet, a context of arguments; records the task it ran in
SEC("raw_tracepoint/sys_enter")
int whoami(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 zero = 0;
	struct task_seen *t = bpf_map_lookup_elem(&task, &zero);
	if (!t)
		return 0;
	t->pid_tgid = bpf_get_current_pid_tgid();
	t->uid_gid = bpf_get_current_uid_gid();
	t->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(t->comm, sizeof(t->comm));
	return ctx->args[1];
}

// rejected: reads the packet without a bounds check
SEC("xdp")
int unchecked(struct xdp_md *ctx)
{
	return *(int *)(long)ctx->data;
}

// accepted by the kernel's verifier, but calls a helper bpf4j's runtime does not implement
SEC("xdp")
int uses_task(struct xdp_md *ctx)
{
	return bpf_get_current_task() ? XDP_PASS : XDP_DROP;
}

// socket filters, the one type an unprivileged loader may load besides cgroup skb programs
SEC("socket")
int sock_len(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("socket")
int sock_printk(struct __sk_buff *skb)
{
	bpf_printk("len %u", skb->len);
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";

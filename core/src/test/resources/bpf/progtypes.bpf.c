// One small, typical program per program type beyond sockets, tc, XDP and tracing: context fields and
// helpers as real programs use them. ProgramTypesKernelTest verifies each with bpf4j and the running kernel.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} sockmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} reuseport_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 key)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&counters, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counters, &key, &one, BPF_ANY);
}

SEC("lwt_in")
int lwt_in_ipv4_only(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	if ((void *)(ip + 1) > data_end)
		return BPF_DROP;
	count(ip->protocol);
	return ip->version == 4 ? BPF_OK : BPF_DROP;
}

SEC("lwt_xmit")
int lwt_xmit_mark(struct __sk_buff *skb)
{
	__u8 tos;
	if (bpf_skb_load_bytes(skb, 1, &tos, 1) < 0)
		return BPF_OK;
	skb->mark = tos;
	skb->cb[0] = skb->len;
	return BPF_OK;
}

SEC("lwt_seg6local")
int seg6_pass(struct __sk_buff *skb)
{
	count(skb->protocol);
	return BPF_OK;
}

SEC("sk_skb/stream_parser")
int stream_parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int stream_verdict(struct __sk_buff *skb)
{
	__u32 port = skb->local_port;
	return bpf_sk_redirect_map(skb, &sockmap, port & 3, 0);
}

SEC("sk_msg")
int msg_verdict(struct sk_msg_md *msg)
{
	void *data = msg->data, *data_end = msg->data_end;
	if (data + 4 > data_end)
		return SK_PASS;
	bpf_msg_apply_bytes(msg, 64);
	return *(__u8 *)data == 'X' ? SK_DROP : SK_PASS;
}

SEC("sockops")
int sockops_rtt(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		bpf_sock_ops_cb_flags_set(skops, BPF_SOCK_OPS_RTT_CB_FLAG);
		break;
	case BPF_SOCK_OPS_RTT_CB:
		count(skops->srtt_us >> 3);
		break;
	case BPF_SOCK_OPS_TIMEOUT_INIT:
		skops->reply = 200;
		break;
	}
	return 1;
}

SEC("cgroup/dev")
int dev_allow_mem(struct bpf_cgroup_dev_ctx *ctx)
{
	short type = ctx->access_type & 0xffff;
	if (type == BPF_DEVCG_DEV_CHAR && ctx->major == 1)
		return 1;
	return ctx->minor == 0;
}

SEC("cgroup/connect4")
int connect4_redirect(struct bpf_sock_addr *ctx)
{
	if (ctx->user_port == bpf_htons(53)) {
		ctx->user_ip4 = bpf_htonl(0x7f000001);
		ctx->user_port = bpf_htons(5353);
	}
	return 1;
}

SEC("cgroup/sendmsg6")
int sendmsg6_source(struct bpf_sock_addr *ctx)
{
	if (ctx->user_ip6[0] == 0) {
		ctx->msg_src_ip6[0] = 0;
		ctx->msg_src_ip6[3] = bpf_htonl(1);
	}
	return 1;
}

SEC("cgroup/recvmsg4")
int recvmsg4_restore(struct bpf_sock_addr *ctx)
{
	if (ctx->user_port == bpf_htons(5353))
		ctx->user_port = bpf_htons(53);
	return 1;
}

SEC("cgroup/post_bind4")
int post_bind4_low_ports(struct bpf_sock *sk)
{
	return sk->src_port >= 1024 || sk->src_ip4 == bpf_htonl(0x7f000001);
}

SEC("cgroup/sysctl")
int sysctl_read_only(struct bpf_sysctl *ctx)
{
	char name[32];
	if (bpf_sysctl_get_name(ctx, name, sizeof(name), 0) < 0)
		return 0;
	if (name[0] == 'k' && ctx->write)
		return 0;
	return 1;
}

SEC("cgroup/getsockopt")
int getsockopt_fixup(struct bpf_sockopt *ctx)
{
	__u8 *optval = ctx->optval, *optval_end = ctx->optval_end;
	if (ctx->level == 1 && optval + 1 <= optval_end) {
		*optval = 1;
		ctx->retval = 0;
	}
	return 1;
}

SEC("cgroup/setsockopt")
int setsockopt_passthrough(struct bpf_sockopt *ctx)
{
	if (ctx->level == 0xff) {
		ctx->level = 1;
		ctx->optlen = -1;
	}
	return 1;
}

SEC("sk_lookup")
int lookup_count(struct bpf_sk_lookup *ctx)
{
	if (ctx->protocol == 6)
		count(ctx->local_port);
	return SK_PASS;
}

SEC("flow_dissector")
int dissect_ipv4(struct __sk_buff *skb)
{
	struct iphdr ip;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
		return BPF_DROP;
	return ip.version == 4 ? BPF_OK : BPF_DROP;
}

SEC("sk_reuseport")
int reuseport_by_hash(struct sk_reuseport_md *ctx)
{
	__u32 key = ctx->hash & 3;
	if (ctx->ip_protocol != 17)
		return SK_PASS;
	if (bpf_sk_select_reuseport(ctx, &reuseport_array, &key, 0) < 0)
		return SK_DROP;
	return SK_PASS;
}

SEC("xdp/devmap")
int devmap_egress(struct xdp_md *ctx)
{
	count(ctx->egress_ifindex);
	return XDP_PASS;
}

SEC("netfilter")
int nf_accept(void *ctx)
{
	return 1;
}

struct syscall_args {
	__u32 key;
	__u64 value;
};

SEC("syscall")
int syscall_update(struct syscall_args *args)
{
	__u32 key = args->key;
	__u64 value = args->value;
	return bpf_map_update_elem(&counters, &key, &value, BPF_ANY);
}

// Sections libbpf does not name (Cilium and iproute2 style): the program type must come from the
// user (--type), as bpftool prog load ... type TYPE takes it.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("from-netdev")
int from_netdev(struct __sk_buff *skb)
{
	skb->tc_classid = 1; // writable for tc programs only: a socket filter may not
	return 0;
}

SEC("to-netdev")
int to_netdev(struct __sk_buff *skb)
{
	return skb->len > 100 ? 2 : 0;
}

// Helpers whose results the kernel differential test (HelpersDifferentialTest) compares: each program
// reads its inputs from the frame and writes the helper's results back into it, so that the output
// frame (and the return value) carries everything to compare.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

// ---- bpf_csum_diff: frame = struct csum_in, then CSUM_AREA bytes of from data, CSUM_AREA of to data ----

#define CSUM_AREA 1024

struct csum_in {
	__u32 from_size;
	__u32 to_size;
	__u64 seed;
	__u32 mode; // bit 0: from is NULL (size 0), bit 1: to is NULL (size 0)
	__u32 pad;
};

SEC("xdp")
int csum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct csum_in *in = data;
	if ((void *)(in + 1) + 2 * CSUM_AREA > end)
		return XDP_ABORTED;
	__u32 fs = in->from_size & 0x3ff, ts = in->to_size & 0x3ff, mode = in->mode;
	__u64 seed = in->seed;
	void *from = (void *)(in + 1), *to = from + CSUM_AREA;
	__s64 r;
	if (mode & 1)
		r = (mode & 2) ? bpf_csum_diff(0, 0, 0, 0, seed) : bpf_csum_diff(0, 0, to, ts, seed);
	else
		r = (mode & 2) ? bpf_csum_diff(from, fs, 0, 0, seed) : bpf_csum_diff(from, fs, to, ts, seed);
	*(__s64 *)data = r;
	return XDP_PASS;
}

// ---- ring buffer: frame = struct rb_in; results over the header ----

#define RB_AREA 2048

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

// bpf_ringbuf_output takes no packet memory: its records come from here, stamped first
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[RB_AREA]);
} rb_scratch SEC(".maps");

struct rb_in {
	__u32 op;          // 0 reserve+submit, 1 reserve+discard, 2 output, 3 reserve with flags
	__u32 size_class;  // reserve sizes: 0 -> 8, 1 -> 100, 2 -> 1000, 3 -> 3000, 4 -> 4096
	__u32 out_size;    // output: bytes of record data (masked to RB_AREA - 1)
	__u32 stamp;       // written at the start of every record
	__u64 flags;       // submit/discard/output/reserve flags
	__u64 query_flags; // one more bpf_ringbuf_query, with these flags
};

struct rb_out {
	__s64 reserved; // 1 when reserve gave a record, 0 when NULL; the output's return value for op 2
	__u64 avail, ring_size, cons, prod, other;
};

static __always_inline void *rb_reserve(__u32 size_class, __u64 flags)
{
	switch (size_class) {
	case 0: return bpf_ringbuf_reserve(&rb, 8, flags);
	case 1: return bpf_ringbuf_reserve(&rb, 100, flags);
	case 2: return bpf_ringbuf_reserve(&rb, 1000, flags);
	case 3: return bpf_ringbuf_reserve(&rb, 3000, flags);
	default: return bpf_ringbuf_reserve(&rb, 4096, flags);
	}
}

SEC("xdp")
int ring(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct rb_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 op = in->op, stamp = in->stamp, out_size = in->out_size & (RB_AREA - 1);
	__u64 flags = in->flags, query_flags = in->query_flags;
	__s64 result;
	if (op == 2) {
		__u32 zero = 0;
		__u32 *src = bpf_map_lookup_elem(&rb_scratch, &zero);
		if (!src)
			return XDP_ABORTED;
		*src = stamp;
		result = bpf_ringbuf_output(&rb, src, out_size, flags);
	} else {
		__u32 *rec = rb_reserve(in->size_class, op == 3 ? flags : 0);
		result = rec != 0;
		if (rec) {
			*rec = stamp;
			if (op == 1)
				bpf_ringbuf_discard(rec, flags);
			else
				bpf_ringbuf_submit(rec, flags);
		}
	}
	struct rb_out *out = data;
	if ((void *)(out + 1) > end)
		return XDP_ABORTED;
	out->reserved = result;
	out->avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	out->ring_size = bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE);
	out->cons = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS);
	out->prod = bpf_ringbuf_query(&rb, BPF_RB_PROD_POS);
	out->other = bpf_ringbuf_query(&rb, query_flags);
	return XDP_PASS;
}

// ---- spin locks: values with a bpf_spin_lock and a bpf_timer, updated from the host and from programs ----

struct lval {
	struct bpf_spin_lock lock;
	__u32 a;
	struct bpf_timer timer;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct lval);
} locked_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct lval);
} locked_hash SEC(".maps");

struct lock_in {
	__u32 key;
	__u32 hash; // 0: locked_array, 1: locked_hash
	__u64 flags;
	struct lval value;
};

// Takes the lock and counts: a += 1, count += 2; returns count (or 0xdead when the key is absent).
SEC("xdp")
int lock_inc(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct lock_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 key = in->key;
	struct lval *v = in->hash ? bpf_map_lookup_elem(&locked_hash, &key) : bpf_map_lookup_elem(&locked_array, &key);
	if (!v)
		return 0xdead;
	bpf_spin_lock(&v->lock);
	v->a += 1;
	v->count += 2;
	__u64 count = v->count;
	bpf_spin_unlock(&v->lock);
	return count;
}

// bpf_map_update_elem with the frame's key, flags and value (lock and timer bytes included); returns its result.
SEC("xdp")
int lock_update(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct lock_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 key = in->key;
	struct lval value;
	__builtin_memcpy(&value, &in->value, sizeof(value));
	long r = in->hash ? bpf_map_update_elem(&locked_hash, &key, &value, in->flags)
			  : bpf_map_update_elem(&locked_array, &key, &value, in->flags);
	return (__u32)r;
}

// ---- socket buffer helpers: frame = Ethernet header (EtherType 0x88b5), struct skb_in, payload ----

struct skb_in {
	__u32 op;      // 0 l3_csum_replace, 1 l4_csum_replace, 2 skb_load_bytes, 3 skb_store_bytes
	__u32 offset;
	__u64 from;
	__u64 to;
	__u64 flags;
	__u32 len_class; // load/store sizes: 0 -> 1, 1 -> 2, 2 -> 4, 3 -> 16, 4 -> 64
	__u32 pad;
	__s64 result;    // written back: the helper's return value
	__u8 bytes[64];  // store: the bytes to store; load: the bytes loaded
};

#define SKB_IN 14

static __always_inline long skb_load(struct __sk_buff *skb, __u32 offset, __u8 *buf, __u32 len_class)
{
	switch (len_class) {
	case 0: return bpf_skb_load_bytes(skb, offset, buf, 1);
	case 1: return bpf_skb_load_bytes(skb, offset, buf, 2);
	case 2: return bpf_skb_load_bytes(skb, offset, buf, 4);
	case 3: return bpf_skb_load_bytes(skb, offset, buf, 16);
	default: return bpf_skb_load_bytes(skb, offset, buf, 64);
	}
}

static __always_inline long skb_store(struct __sk_buff *skb, __u32 offset, __u8 *buf, __u32 len_class, __u64 flags)
{
	switch (len_class) {
	case 0: return bpf_skb_store_bytes(skb, offset, buf, 1, flags);
	case 1: return bpf_skb_store_bytes(skb, offset, buf, 2, flags);
	case 2: return bpf_skb_store_bytes(skb, offset, buf, 4, flags);
	case 3: return bpf_skb_store_bytes(skb, offset, buf, 16, flags);
	default: return bpf_skb_store_bytes(skb, offset, buf, 64, flags);
	}
}

SEC("tc")
int skb(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct skb_in *in = data + SKB_IN;
	if ((void *)(in + 1) > end)
		return TC_ACT_SHOT;
	__u32 op = in->op, offset = in->offset, len_class = in->len_class;
	__u64 from = in->from, to = in->to, flags = in->flags;
	__u8 buf[64];
	__builtin_memcpy(buf, in->bytes, sizeof(buf));
	long r;
	switch (op) {
	case 0: r = bpf_l3_csum_replace(skb, offset, from, to, flags); break;
	case 1: r = bpf_l4_csum_replace(skb, offset, from, to, flags); break;
	case 2: r = skb_load(skb, offset, buf, len_class); break;
	default: r = skb_store(skb, offset, buf, len_class, flags); break;
	}
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	in = data + SKB_IN;
	if ((void *)(in + 1) > end)
		return TC_ACT_SHOT;
	in->result = r;
	if (op == 2)
		__builtin_memcpy(in->bytes, buf, sizeof(buf));
	return TC_ACT_OK;
}

// ---- helpers that need only memory: strncmp, snprintf, probe reads; frame = struct base_in ----

struct base_in {
	__u32 op;          // 0 strncmp, 1-3 snprintf (fmt1-3), 4 probe_read_kernel,
	                   // 5 probe_read_kernel_str, 6 probe_read_kernel from the stack, 7 probe_read_kernel_str from it,
	                   // 8 trace_printk, 9 trace_vprintk (fmt2; size class 4: a data length not a multiple of 8)
	__u32 size_class;
	__u64 addr;        // probe reads: the source
	__u64 args[6];     // snprintf's arguments
	char text[16];     // strncmp's s1
	__s64 result;      // written back
	char out[64];      // written back: snprintf's or the probe read's bytes
};

static const char strncmp_s2[] = "bpf4j-strncmp";

static __always_inline long base_strncmp(char *s1, __u32 size_class)
{
	switch (size_class) {
	case 0: return bpf_strncmp(s1, 1, strncmp_s2);
	case 1: return bpf_strncmp(s1, 4, strncmp_s2);
	case 2: return bpf_strncmp(s1, 8, strncmp_s2);
	case 3: return bpf_strncmp(s1, 14, strncmp_s2);
	default: return bpf_strncmp(s1, 16, strncmp_s2);
	}
}

static const char fmt1[] = "%d|%u|%x|%llx|%c|%08x";
static const char fmt2[] = "%i %lld %llu %X %% %lx %02d";
static const char fmt_trace[] = "bpf4j %d %llx %5u\n";
static const char fmt3[] = "%-8d|%+d|% d|%llu|%3c|%-20x";

static __always_inline long base_snprintf(char *out, __u32 size_class, const char *fmt, __u32 fmt_size, __u64 *args)
{
	switch (size_class) {
	case 0: return bpf_snprintf(out, 0, fmt, args, 48);
	case 1: return bpf_snprintf(out, 8, fmt, args, 48);
	case 2: return bpf_snprintf(out, 20, fmt, args, 48);
	default: return bpf_snprintf(out, 64, fmt, args, 48);
	}
}

static __always_inline long base_probe(char *out, __u32 size_class, const void *src, int str)
{
	switch (size_class) {
	case 0: return str ? bpf_probe_read_kernel_str(out, 1, src) : bpf_probe_read_kernel(out, 1, src);
	case 1: return str ? bpf_probe_read_kernel_str(out, 5, src) : bpf_probe_read_kernel(out, 4, src);
	case 2: return str ? bpf_probe_read_kernel_str(out, 0, src) : bpf_probe_read_kernel(out, 0, src);
	default: return str ? bpf_probe_read_kernel_str(out, 16, src) : bpf_probe_read_kernel(out, 16, src);
	}
}

SEC("xdp")
int base(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct base_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 op = in->op, size_class = in->size_class;
	const void *addr = (const void *)in->addr;
	__u64 args[6];
	char text[16], out[64];
	__builtin_memcpy(args, in->args, sizeof(args));
	__builtin_memcpy(text, in->text, sizeof(text));
	__builtin_memset(out, 0x5a, sizeof(out));
	long r;
	switch (op) {
	case 0: r = base_strncmp(text, size_class); break;
	case 1: r = base_snprintf(out, size_class, fmt1, sizeof(fmt1), args); break;
	case 2: r = base_snprintf(out, size_class, fmt2, sizeof(fmt2), args); break;
	case 3: r = base_snprintf(out, size_class, fmt3, sizeof(fmt3), args); break;
	case 4: r = base_probe(out, size_class, addr, 0); break;
	case 5: r = base_probe(out, size_class, addr, 1); break;
	case 6:
	case 7: r = base_probe(out, size_class, text, op == 7); break;
	case 8: r = bpf_trace_printk(fmt_trace, sizeof(fmt_trace), args[0], args[1], args[2]); break;
	default: r = bpf_trace_vprintk(fmt2, sizeof(fmt2), args, size_class == 4 ? 44 : 48); break;
	}
	in->result = r;
	__builtin_memcpy(in->out, out, sizeof(out));
	return XDP_PASS;
}

// ---- helpers whose results depend on the environment: time, randomness, the CPU, the task ----
// (bpf_ktime_get_coarse_ns is not an XDP helper)

struct env_out {
	__u64 ktime, boot, tai, jiffies, prandom1, prandom2, cpu, numa, pid_tgid, uid_gid, cgroup_id;
};

SEC("xdp")
int env(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct env_out *out = data;
	if ((void *)(out + 1) > end)
		return XDP_ABORTED;
	out->ktime = bpf_ktime_get_ns();
	out->boot = bpf_ktime_get_boot_ns();
	out->tai = bpf_ktime_get_tai_ns();
	out->jiffies = bpf_jiffies64();
	out->prandom1 = bpf_get_prandom_u32();
	out->prandom2 = bpf_get_prandom_u32();
	out->cpu = bpf_get_smp_processor_id();
	out->numa = bpf_get_numa_node_id();
	out->pid_tgid = bpf_get_current_pid_tgid();
	out->uid_gid = bpf_get_current_uid_gid();
	out->cgroup_id = bpf_get_current_cgroup_id();
	return XDP_PASS;
}

// ---- XDP packet helpers: head, meta and tail adjustments, redirects; frame starts with struct xdp_in ----

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct xdp_in {
	__u32 op;    // 0 adjust_head, 1 adjust_meta, 2 adjust_tail, 3 redirect, 4 redirect_map(devmap), 5 redirect_map(cpumap)
	__s32 delta;
	__u64 flags;
	__u32 key;
	__u32 pad;
};

// Redirects return their action; the adjustments write their result and the new lengths at the new data.
SEC("xdp")
int xdpadj(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct xdp_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 op = in->op, key = in->key;
	__s32 delta = in->delta;
	__u64 flags = in->flags;
	long r;
	switch (op) {
	case 0: r = bpf_xdp_adjust_head(ctx, delta); break;
	case 1: r = bpf_xdp_adjust_meta(ctx, delta); break;
	case 2: r = bpf_xdp_adjust_tail(ctx, delta); break;
	case 3: return bpf_redirect(key, flags);
	case 4: return bpf_redirect_map(&devs, key, flags);
	default: return bpf_redirect_map(&cpus, key, flags);
	}
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	void *meta = (void *)(long)ctx->data_meta;
	__s64 *out = data;
	if ((void *)(out + 3) > end)
		return XDP_DROP;
	out[0] = r;
	out[1] = end - data;
	out[2] = data - meta;
	return XDP_PASS;
}

// ---- map helpers on a small hash, array, queue and stack, and perf event output; frame = struct map_in ----

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} m_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} m_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u64);
} m_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 3);
	__type(value, __u64);
} m_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 2);
} m_perf SEC(".maps");

struct map_in {
	__u32 op;  // 0-3 hash update/delete/lookup/lookup-and-write, 4-6 array update/delete/lookup, 7-9 queue push/pop/peek,
	           // 10-12 stack push/pop/peek, 13 perf_event_output
	__u32 key;
	__u64 value;
	__u64 flags;
	__s64 result; // written back
	__u64 got;    // written back: the value a lookup, pop or peek gave
};

SEC("xdp")
int maps(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct map_in *in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	__u32 op = in->op, key = in->key;
	__u64 value = in->value, flags = in->flags, got = 0xfeedULL;
	__u64 *v;
	long r = 0;
	switch (op) {
	case 0: r = bpf_map_update_elem(&m_hash, &key, &value, flags); break;
	case 1: r = bpf_map_delete_elem(&m_hash, &key); break;
	case 2:
	case 3:
		v = bpf_map_lookup_elem(&m_hash, &key);
		r = v != 0;
		if (v) {
			got = *v;
			if (op == 3)
				*v = value;
		}
		break;
	case 4: r = bpf_map_update_elem(&m_array, &key, &value, flags); break;
	case 5: r = bpf_map_delete_elem(&m_array, &key); break;
	case 6:
		v = bpf_map_lookup_elem(&m_array, &key);
		r = v != 0;
		if (v)
			got = *v;
		break;
	case 7: r = bpf_map_push_elem(&m_queue, &value, flags); break;
	case 8: r = bpf_map_pop_elem(&m_queue, &got); break;
	case 9: r = bpf_map_peek_elem(&m_queue, &got); break;
	case 10: r = bpf_map_push_elem(&m_stack, &value, flags); break;
	case 11: r = bpf_map_pop_elem(&m_stack, &got); break;
	case 12: r = bpf_map_peek_elem(&m_stack, &got); break;
	default: r = bpf_perf_event_output(ctx, &m_perf, flags, &value, sizeof(value)); break;
	}
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	in = data;
	if ((void *)(in + 1) > end)
		return XDP_ABORTED;
	in->result = r;
	in->got = got;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";

// Verifier cases for callbacks (bpf_loop, bpf_for_each_map_elem, timer callbacks), bpf_spin_lock,
// bpf_timer and maps of maps: each program is one case that the kernel accepts or refuses with a known
// message (CallbackVerdictsTest, which holds the verdicts).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 count;
};

struct timed {
	__u64 fired;
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct locked);
} locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct timed);
} timers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} inner1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner1 },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct loop_ctx {
	__u64 sum;
	__u32 idx;
};

static long sum_cb(__u64 i, struct loop_ctx *c)
{
	c->sum += i;
	return 0;
}

SEC("xdp")
int loop_ok(struct xdp_md *ctx)
{
	struct loop_ctx c = {};

	bpf_loop(100, sum_cb, &c, 0);
	return c.sum & 1;
}

static long bad_ret_cb(__u64 i, void *c)
{
	return 2;
}

SEC("xdp")
int loop_bad_ret(struct xdp_md *ctx)
{
	bpf_loop(10, bad_ret_cb, 0, 0);
	return 0;
}

static long index_cb(__u64 i, struct loop_ctx *c)
{
	__u32 key = c->idx;
	__u64 *v = bpf_map_lookup_elem(&arr, &key);

	if (v)
		*v += 1;
	c->idx++;
	return 0;
}

SEC("xdp")
int loop_index(struct xdp_md *ctx)
{
	struct loop_ctx c = {};

	bpf_loop(8, index_cb, &c, 0);
	return 0;
}

static long arr_cb(__u64 i, __u64 *buf)
{
	if (i < 4)
		buf[i] = i;
	return 0;
}

SEC("xdp")
int loop_stack_index(struct xdp_md *ctx)
{
	__u64 buf[4] = {};

	bpf_loop(4, arr_cb, buf, 0);
	return buf[1];
}

static long oob_cb(__u64 i, __u64 *buf)
{
	buf[i & 7] = i;
	return 0;
}

SEC("xdp")
int loop_stack_oob(struct xdp_md *ctx)
{
	__u64 buf[4] = {};

	bpf_loop(4, oob_cb, buf, 0);
	return buf[1];
}

static long each_cb(void *map, __u32 *key, __u64 *val, __u64 *acc)
{
	*acc += *val;
	*val = *key;
	return 0;
}

SEC("xdp")
int each_ok(struct xdp_md *ctx)
{
	__u64 acc = 0;

	bpf_for_each_map_elem(&arr, each_cb, &acc, 0);
	return acc & 1;
}

static long key_write_cb(void *map, __u32 *key, __u64 *val, void *c)
{
	*key = 1;
	return 0;
}

SEC("xdp")
int each_key_write(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&arr, key_write_cb, 0, 0);
	return 0;
}

static long val_oob_cb(void *map, __u32 *key, __u64 *val, void *c)
{
	return val[1] & 1;
}

SEC("xdp")
int each_val_oob(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&arr, val_oob_cb, 0, 0);
	return 0;
}

SEC("xdp")
int each_ringbuf(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&rb, val_oob_cb, 0, 0);
	return 0;
}

SEC("tc")
int spin_ok(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->count++;
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("tc")
int spin_twice(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	bpf_spin_lock(&v->lock);
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("tc")
int spin_unlock_only(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("tc")
int spin_call(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->count = bpf_get_prandom_u32();
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("tc")
int spin_exit(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->count++;
	return 0;
}

SEC("tc")
int spin_direct(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	return v->lock.val;
}

SEC("tc")
int spin_two_values(struct __sk_buff *skb)
{
	__u32 k0 = 0, k1 = 1;
	struct locked *a = bpf_map_lookup_elem(&locks, &k0);
	struct locked *b = bpf_map_lookup_elem(&locks, &k1);

	if (!a || !b)
		return 0;
	bpf_spin_lock(&a->lock);
	bpf_spin_unlock(&b->lock);
	return 0;
}

SEC("tc")
int spin_no_lock(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)v);
	bpf_spin_unlock((struct bpf_spin_lock *)v);
	return 0;
}

SEC("tc")
int spin_wrong_off(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock((struct bpf_spin_lock *)&v->count);
	bpf_spin_unlock((struct bpf_spin_lock *)&v->count);
	return 0;
}

static __attribute__((noinline)) int bump(struct locked *v)
{
	if (v)
		v->count++;
	return 0;
}

SEC("tc")
int spin_subprog(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	bump(v);
	bpf_spin_unlock(&v->lock);
	return 0;
}

static int timer_cb(void *map, __u32 *key, struct timed *val)
{
	val->fired++;
	return 0;
}

SEC("tc")
int timer_ok(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &timers, 1);
	bpf_timer_set_callback(&v->timer, timer_cb);
	bpf_timer_start(&v->timer, 1000, 0);
	return 0;
}

static int timer_bad_cb(void *map, __u32 *key, struct timed *val)
{
	return 1;
}

SEC("tc")
int timer_bad_ret(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &timers, 1);
	bpf_timer_set_callback(&v->timer, timer_bad_cb);
	return 0;
}

SEC("tc")
int timer_wrong_map(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_timer_init(&v->timer, &arr, 1);
	return 0;
}

SEC("tc")
int timer_no_timer(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_timer_init((struct bpf_timer *)v, &locks, 1);
	return 0;
}

SEC("tc")
int timer_direct(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	return *(__u64 *)&v->timer;
}

SEC("tc")
int timer_stack(struct __sk_buff *skb)
{
	struct bpf_timer t = {};

	bpf_timer_cancel(&t);
	return 0;
}

SEC("xdp")
int inner_ok(struct xdp_md *ctx)
{
	__u32 key = 0;
	void *m = bpf_map_lookup_elem(&outer, &key);
	__u64 *v;

	if (!m)
		return 0;
	v = bpf_map_lookup_elem(m, &key);
	if (!v)
		return 0;
	return *v & 1;
}

SEC("xdp")
int inner_hash_ok(struct xdp_md *ctx)
{
	__u32 key = 0;
	void *m = bpf_map_lookup_elem(&outer_hash, &key);
	__u64 *v;

	if (!m)
		return 0;
	v = bpf_map_lookup_elem(m, &key);
	if (!v)
		return 0;
	*v = 1;
	return 0;
}

SEC("xdp")
int inner_no_null_check(struct xdp_md *ctx)
{
	__u32 key = 0;
	void *m = bpf_map_lookup_elem(&outer, &key);
	__u64 *v;

	v = bpf_map_lookup_elem(m, &key);
	if (!v)
		return 0;
	return *v & 1;
}

SEC("xdp")
int inner_oob(struct xdp_md *ctx)
{
	__u32 key = 0;
	void *m = bpf_map_lookup_elem(&outer, &key);
	__u64 *v;

	if (!m)
		return 0;
	v = bpf_map_lookup_elem(m, &key);
	if (!v)
		return 0;
	return v[1] & 1;
}

SEC("xdp")
int outer_write(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *m = bpf_map_lookup_elem(&outer, &key);

	if (!m)
		return 0;
	*m = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int spin_stack(struct __sk_buff *skb)
{
	struct bpf_spin_lock l = {};

	bpf_spin_lock(&l);
	bpf_spin_unlock(&l);
	return 0;
}

__attribute__((noinline)) int global_bump(struct __sk_buff *skb)
{
	return skb->len & 1;
}

SEC("tc")
int spin_global_call(struct __sk_buff *skb)
{
	struct loop_ctx c = {};
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);
	int r;

	if (!v)
		return 0;
	// a callback: loaders then pass the program's func_info, which makes global_bump global to the kernel
	bpf_loop(1, sum_cb, &c, 0);
	bpf_spin_lock(&v->lock);
	r = global_bump(skb);
	bpf_spin_unlock(&v->lock);
	return r;
}

SEC("kprobe/do_nanosleep")
int spin_kprobe(void *ctx)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->count++;
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("socket")
int spin_socket(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct locked *v = bpf_map_lookup_elem(&locks, &key);

	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->count++;
	bpf_spin_unlock(&v->lock);
	return 0;
}

SEC("kprobe/do_nanosleep")
int timer_kprobe(void *ctx)
{
	__u32 key = 0;
	struct timed *v = bpf_map_lookup_elem(&timers, &key);

	if (!v)
		return 0;
	bpf_timer_cancel(&v->timer);
	return 0;
}

static void *ptr_cb(__u64 i, void *c)
{
	return c;
}

SEC("xdp")
int loop_ptr_ret(struct xdp_md *ctx)
{
	__u64 x = 0;

	bpf_loop(2, ptr_cb, &x, 0);
	return 0;
}

static long unknown_ret_cb(__u64 i, __u64 *c)
{
	return *c;
}

SEC("xdp")
int loop_unknown_ret(struct xdp_md *ctx)
{
	__u64 x = ctx->data;

	bpf_loop(2, unknown_ret_cb, &x, 0);
	return 0;
}

SEC("xdp")
int each_outer(struct xdp_md *ctx)
{
	bpf_for_each_map_elem(&outer, val_oob_cb, 0, 0);
	return 0;
}

__attribute__((noinline)) long global_cb(__u64 i, void *c)
{
	return 0;
}

SEC("xdp")
int loop_global_cb(struct xdp_md *ctx)
{
	bpf_loop(2, global_cb, 0, 0);
	return 0;
}

static long stack_arg_cb(__u64 i, __u64 *buf)
{
	return buf[2] & 1;
}

SEC("xdp")
int loop_ctx_oob(struct xdp_md *ctx)
{
	__u64 buf[2] = {};

	bpf_loop(2, stack_arg_cb, buf, 0);
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} urb SEC(".maps");

static long drain_cb(struct bpf_dynptr *d, __u64 *count)
{
	*count += 1;
	return 0;
}

SEC("xdp")
int drain_ok(struct xdp_md *ctx)
{
	__u64 count = 0;

	bpf_user_ringbuf_drain(&urb, drain_cb, &count, 0);
	return count & 1;
}

static long drain_peek_cb(struct bpf_dynptr *d, void *c)
{
	return *(__u8 *)d & 1;
}

SEC("xdp")
int drain_peek(struct xdp_md *ctx)
{
	bpf_user_ringbuf_drain(&urb, drain_peek_cb, 0, 0);
	return 0;
}

SEC("xdp")
int drain_wrong_map(struct xdp_md *ctx)
{
	bpf_user_ringbuf_drain(&arr, drain_peek_cb, 0, 0);
	return 0;
}

struct indexed {
	__u32 pos;
	__u32 pad;
	__u64 buf[4];
};

static long indexed_cb(__u64 i, struct indexed *c)
{
	c->buf[c->pos] = i;
	c->pos++;
	return 0;
}

SEC("xdp")
int loop_indexed(struct xdp_md *ctx)
{
	struct indexed c = {};

	bpf_loop(4, indexed_cb, &c, 0);
	return c.buf[1] & 1;
}

SEC("xdp")
int loop_indexed_past_end(struct xdp_md *ctx)
{
	struct indexed c = {};

	bpf_loop(5, indexed_cb, &c, 0);
	return c.buf[1] & 1;
}

static long count_cb(__u64 i, __u64 *c)
{
	*c += 1;
	return *c > 5;
}

SEC("xdp")
int loop_count_returned(struct xdp_md *ctx)
{
	__u64 c = 0;

	bpf_loop(10, count_cb, &c, 0);
	return c & 1;
}

SEC("xdp")
int loop_count_unbounded(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&arr, &key);
	__u64 c = 0;

	if (!n)
		return 0;
	bpf_loop(*n, count_cb, &c, 0);
	return c & 1;
}

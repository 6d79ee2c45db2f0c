// SPDX-License-Identifier: GPL-2.0
// Test object for bpf4j's CO-RE relocator against target BTF built by the tests (CoreRelocatorTest):
// its types are made up, so that the target can move, resize, retype and remove every field.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define field_signed(field) __builtin_preserve_field_info(field, BPF_FIELD_SIGNED)

struct inner {
	int a;
	unsigned short b;
} __attribute__((preserve_access_index));

struct sample {
	int x;
	unsigned int flags: 3;
	int level: 5;
	struct inner in;
	union {
		long u1;
		int u2;
	};
	unsigned int count;
	int sgn;
	long gone;
	int arr[4];
	struct inner *next;
} __attribute__((preserve_access_index));

struct sample___v2 {
	int renamed_only_here;
} __attribute__((preserve_access_index));

enum color {
	RED,
	GREEN = 5,
	BLUE,
};

enum color___v2 {
	PURPLE___v2 = 9,
};

typedef struct sample sample_t;

SEC("tp_btf/sample")
int loads(__u64 *ctx)
{
	struct sample *s = (void *)ctx[0];
	long r = s->x + s->in.a + s->in.b + s->u1 + s->u2 + s->count + s->arr[2] + s->next->b;
	if (r == 3)
		r += s->sgn;
	if (bpf_core_field_exists(s->gone))
		r += s->gone;
	if (bpf_core_field_exists(((struct sample___v2 *)s)->renamed_only_here))
		r += ((struct sample___v2 *)s)->renamed_only_here;
	r += BPF_CORE_READ_BITFIELD(s, flags) + BPF_CORE_READ_BITFIELD(s, level);
	return r;
}

SEC("tp_btf/sample")
int infos(__u64 *ctx)
{
	struct sample *s = (void *)ctx[0];
	long r = bpf_core_field_size(s->in) + bpf_core_field_size(s->count) + bpf_core_field_size(s->arr);
	r += bpf_core_field_offset(s->arr[3]) + bpf_core_field_offset(s->in.b);
	r += field_signed(s->level) * 10 + field_signed(s->flags) * 100 + field_signed(s->count) * 1000;
	r += bpf_core_field_exists(s->gone) + bpf_core_field_exists(s->arr[1]);
	r += bpf_core_type_exists(struct sample) + bpf_core_type_exists(sample_t) + bpf_core_type_exists(struct sample___v2);
	r += bpf_core_type_size(struct sample) + bpf_core_type_size(struct inner) + bpf_core_type_matches(struct inner);
	r += bpf_core_type_id_kernel(struct sample) + bpf_core_type_id_local(struct sample);
	r += bpf_core_enum_value_exists(enum color, GREEN) + bpf_core_enum_value_exists(enum color, BLUE);
	r += bpf_core_enum_value(enum color, GREEN) + bpf_core_enum_value(enum color___v2, PURPLE___v2);
	if (bpf_core_enum_value_exists(enum color, BLUE))
		r += bpf_core_enum_value(enum color, BLUE);
	return r;
}

char _license[] SEC("license") = "GPL";

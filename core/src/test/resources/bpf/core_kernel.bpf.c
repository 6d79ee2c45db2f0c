// SPDX-License-Identifier: GPL-2.0
// Test object for bpf4j's CO-RE relocator against the running kernel's BTF: local declarations of
// kernel types that differ from the kernel's on purpose (fewer members, other order, other sizes,
// ___flavor variants), read through direct loads, BPF_CORE_READ, bitfield reads and the
// field/type/enum existence, size and value builtins.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* libbpf 1.1's bpf_core_read.h has no macro for BPF_FIELD_SIGNED */
#define field_signed(field) __builtin_preserve_field_info(field, BPF_FIELD_SIGNED)

struct sched_entity {
	unsigned long long vruntime;
	long long vlag;             /* in an anonymous union in the kernel */
} __attribute__((preserve_access_index));

struct task_struct {
	char comm[16];
	int tgid;
	int pid;
	struct task_struct *real_parent;
	struct sched_entity se;
	unsigned int in_execve: 1;  /* a bitfield in the kernel too */
	unsigned int init_private_fork_class: 4;
	unsigned int flags;
} __attribute__((preserve_access_index));

/* utime is u64 in the kernel: a narrower unsigned load is widened */
struct task_struct___small {
	unsigned int utime;
} __attribute__((preserve_access_index));

/* prio is int in the kernel: a signed load of another size is poisoned */
struct task_struct___bad {
	long prio;
} __attribute__((preserve_access_index));

/* fields that do not exist in the kernel: guarded by bpf_core_field_exists */
struct task_struct___old {
	long state;
	int no_such_field;
} __attribute__((preserve_access_index));

struct task_struct___new {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct bpf4j_no_such_type {
	int x;
};

struct list_head {
	struct list_head *next, *prev;
};

enum pid_type___local {
	PIDTYPE_TGID___local = 7,
	PIDTYPE_NOPE___local = 9,
};

static __attribute__((noinline)) int parent_tgid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

SEC("tp_btf/sched_switch")
int direct(__u64 *ctx)
{
	struct task_struct *t = (void *)ctx[1];
	long r = t->pid + t->se.vruntime + t->se.vlag + t->comm[3];
	r += t->real_parent->tgid;
	r += ((struct task_struct___small *)t)->utime;
	if (r == 7)
		r += ((struct task_struct___bad *)t)->prio;
	if (bpf_core_field_exists(((struct task_struct___old *)t)->no_such_field))
		r += ((struct task_struct___old *)t)->no_such_field;
	if (bpf_core_field_exists(((struct task_struct___new *)t)->__state))
		r += ((struct task_struct___new *)t)->__state;
	else
		r += ((struct task_struct___old *)t)->state;
	return r + parent_tgid(t);
}

SEC("kprobe/do_nanosleep")
int probed(void *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();
	long r = BPF_CORE_READ(t, pid) + BPF_CORE_READ(t, se.vruntime);
	r += BPF_CORE_READ_BITFIELD_PROBED(t, in_execve);
	r += BPF_CORE_READ_BITFIELD_PROBED(t, init_private_fork_class);
	r += bpf_core_field_size(t->comm) + bpf_core_field_size(t->flags);
	r += bpf_core_field_offset(t->se.vlag);
	r += bpf_core_field_exists(t->se) + field_signed(t->pid) + field_signed(t->flags);
	r += bpf_core_type_exists(struct task_struct) * 10 + bpf_core_type_exists(struct bpf4j_no_such_type) * 100;
	r += bpf_core_type_size(struct task_struct) + bpf_core_type_size(struct bpf4j_no_such_type);
	r += bpf_core_type_matches(struct list_head);
	r += bpf_core_type_id_kernel(struct task_struct) + bpf_core_type_id_local(struct task_struct);
	r += bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_ktime_get_ns);
	r += bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_ktime_get_ns);
	r += bpf_core_enum_value(enum pid_type___local, PIDTYPE_TGID___local);
	if (bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_NOPE___local))
		r += bpf_core_enum_value(enum pid_type___local, PIDTYPE_NOPE___local);
	return r + parent_tgid(t);
}

char _license[] SEC("license") = "GPL";

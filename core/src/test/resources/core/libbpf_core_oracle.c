// SPDX-License-Identifier: GPL-2.0
// The differential oracle of CoreRelocatorLibbpfTest: opens an object with libbpf, optionally with
// a custom target BTF, and loads it without creating any map, printing libbpf's debug log, whose
// CO-RE lines say what libbpf patched ("prog 'P': relo #N: patched insn #I ..." or "substituting
// insn #I w/ invalid insn"). Whether the programs then load does not matter: CO-RE relocation
// happens before. Build: cc -o oracle libbpf_core_oracle.c -lbpf
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT [TARGET-BTF]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argc > 2 ? argv[2] : NULL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		printf("oracle: cannot open %s\n", argv[1]);
		return 1;
	}
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj)
		bpf_map__set_autocreate(map, false);
	int err = bpf_object__load(obj);
	printf("oracle: load returned %d\n", err);
	bpf_object__close(obj);
	return 0;
}

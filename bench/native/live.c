// The libbpf reference of the live reader benchmarks (bench/README.md, "Live readers"): the same producer
// object as LiveReaderBenchmark (bench/src/main/resources/bpf/live.bpf.o), consumed with
// ring_buffer__consume and perf_buffer__consume; map lookups and updates with bpf_map_lookup_elem and
// bpf_map_update_elem; attach and detach of a tracepoint with bpf_program__attach_tracepoint and
// bpf_link__destroy. Prints the median of ROUNDS rounds of each, in the units the Java side reports.
//
//   gcc -O2 -o live live.c -lbpf && sudo ./live live.bpf.o
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 7
#define RECORDS_PER_RUN 64 /* live.bpf.c */
#define REPEAT 512         /* test runs per round: 32,768 records */
#define PERF_PAGES 512
#define MAP_ENTRIES 1024
#define MAP_OPS 200000
#define ATTACHES 200

struct record {
	uint64_t seq, a, b, c;
};

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

static uint64_t sum, seen;

static int ring_cb(void *ctx, void *data, size_t size)
{
	sum += ((struct record *)data)->seq;
	seen++;
	return 0;
}

static void perf_cb(void *ctx, int cpu, void *data, __u32 size)
{
	sum += ((struct record *)data)->seq;
	seen++;
}

static void produce(struct bpf_program *prog)
{
	char pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt), .repeat = REPEAT);
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s live.bpf.o\n", argv[0]);
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "cannot load %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *ring_prog = bpf_object__find_program_by_name(obj, "ring_produce");
	struct bpf_program *perf_prog = bpf_object__find_program_by_name(obj, "perf_produce");
	struct bpf_program *tp = bpf_object__find_program_by_name(obj, "attach_target");
	double v[ROUNDS];
	const long records = (long)RECORDS_PER_RUN * REPEAT;

	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "ring"), ring_cb, NULL, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		produce(ring_prog);
		seen = 0;
		double t0 = now_ns();
		ring_buffer__consume(rb);
		v[r] = (now_ns() - t0) / records;
		if (seen != records) fprintf(stderr, "ring: %lu of %ld records\n", (unsigned long)seen, records);
	}
	printf("ring_buffer__consume    %8.1f ns/record  %6.1f M records/s\n", median(v, ROUNDS), 1e3 / median(v, ROUNDS));
	ring_buffer__free(rb);

	struct perf_buffer *pb = perf_buffer__new(bpf_object__find_map_fd_by_name(obj, "perf"), PERF_PAGES, perf_cb, NULL, NULL, NULL);
	for (int r = 0; r < ROUNDS; r++) {
		produce(perf_prog);
		seen = 0;
		double t0 = now_ns();
		perf_buffer__consume(pb);
		v[r] = (now_ns() - t0) / records;
		if (seen != records) fprintf(stderr, "perf: %lu of %ld records\n", (unsigned long)seen, records);
	}
	printf("perf_buffer__consume    %8.1f ns/record  %6.1f M records/s\n", median(v, ROUNDS), 1e3 / median(v, ROUNDS));
	perf_buffer__free(pb);

	int map = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_hash", 4, 8, MAP_ENTRIES, NULL);
	for (uint32_t k = 0; k < MAP_ENTRIES; k++) {
		uint64_t val = k;
		bpf_map_update_elem(map, &k, &val, BPF_ANY);
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t val;
		double t0 = now_ns();
		for (uint32_t i = 0; i < MAP_OPS; i++) {
			uint32_t k = (i * 2654435761u) % MAP_ENTRIES;
			bpf_map_lookup_elem(map, &k, &val);
		}
		v[r] = (now_ns() - t0) / MAP_OPS;
	}
	printf("bpf_map_lookup_elem     %8.1f ns/op (hash, %d entries)\n", median(v, ROUNDS), MAP_ENTRIES);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t val = 2;
		double t0 = now_ns();
		for (uint32_t i = 0; i < MAP_OPS; i++) {
			uint32_t k = (i * 2654435761u) % MAP_ENTRIES;
			bpf_map_update_elem(map, &k, &val, BPF_ANY);
		}
		v[r] = (now_ns() - t0) / MAP_OPS;
	}
	printf("bpf_map_update_elem     %8.1f ns/op (hash, %d entries)\n", median(v, ROUNDS), MAP_ENTRIES);

	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int i = 0; i < ATTACHES; i++) {
			struct bpf_link *l = bpf_program__attach_tracepoint(tp, "syscalls", "sys_enter_getppid");
			if (!l) {
				perror("attach");
				return 1;
			}
			bpf_link__destroy(l);
		}
		v[r] = (now_ns() - t0) / ATTACHES / 1e3;
	}
	printf("tracepoint attach+detach %7.1f us\n", median(v, ROUNDS));
	bpf_object__close(obj);
	return 0;
}

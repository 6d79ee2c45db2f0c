/*
 * The side-by-side computations (kernels.h, the same C the XDP programs are built from) compiled with
 * gcc -O2, on the same frames: the "native" column of the side-by-side table.
 *
 * Usage: native DIR [seconds-per-round] [name...]
 *   Reads DIR/<name>.bin (written by SideBySide --write-frames), runs each computation on it the way
 *   its XDP program does (check the length, compute, store the result into the last 8 bytes) and prints
 *   one line per program: name, result (decimal u64), median ns per run over 5 rounds.
 * The map program uses a small open-addressing hash table here in place of the kernel's hash map.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

/* ---- a hash table standing in for BPF_MAP_TYPE_HASH (uint32_t -> uint64_t, MAP_ENTRIES) ---- */
#define TABLE_SLOTS 2048
static uint32_t table_keys[TABLE_SLOTS];
static uint64_t table_values[TABLE_SLOTS];
static unsigned char table_used[TABLE_SLOTS];

static inline uint32_t table_hash(uint32_t k) {
    k ^= k >> 16;
    k *= 0x7feb352du;
    k ^= k >> 15;
    k *= 0x846ca68bu;
    return k ^ (k >> 16);
}

static __attribute__((noinline)) uint64_t *table_find(uint32_t k, int insert) {
    for (uint32_t i = table_hash(k) & (TABLE_SLOTS - 1), n = 0; n < TABLE_SLOTS; i = (i + 1) & (TABLE_SLOTS - 1), n++) {
        if (!table_used[i]) {
            if (!insert) return NULL;
            table_used[i] = 1;
            table_keys[i] = k;
            return &table_values[i];
        }
        if (table_keys[i] == k) return &table_values[i];
    }
    return NULL;
}

static inline void table_update(uint32_t k, uint64_t v) {
    uint64_t *slot = table_find(k, 1);
    if (slot) *slot = v;
}
#define SBS_MAP_UPDATE(k, v) table_update((k), (v))
#define SBS_MAP_LOOKUP(k) ((const uint64_t *)table_find((k), 0))

#include "kernels.h"
#include "large.h"

static u8 copy_dst[COPY_BYTES];

/* Each runner is an XDP program's body: 0 when the frame is too short, else the result is stored. */
#define RUNNER(fn, frame, expr)                                                        \
    static __attribute__((noinline)) int fn(u8 *data, u8 *end) {                       \
        if (data + (frame) > end) return 0;                                            \
        u64 result = (expr);                                                           \
        STORE64(data + (frame) - 8, result);                                           \
        return 2;                                                                      \
    }
RUNNER(run_primes, PRIMES_FRAME, sbs_primes(LOAD32(data)))
RUNNER(run_log2, LOG2_FRAME, sbs_log2(data))
RUNNER(run_copy, COPY_FRAME, sbs_copy(data, copy_dst))
RUNNER(run_dispatch, DISPATCH_FRAME, sbs_dispatch(data))
RUNNER(run_fnv1a, FNV_FRAME, sbs_fnv1a(data))
RUNNER(run_strcmp, STRCMP_FRAME, sbs_strcmp(data, data + STR_BYTES))
RUNNER(run_parser, PARSER_FRAME, sbs_parse(data, end))
RUNNER(run_maps, MAP_FRAME, sbs_maps(data))
RUNNER(run_calls, CALLS_FRAME, sbs_calls(data))
RUNNER(run_large, LARGE_FRAME, sbs_large(data))
RUNNER(run_empty, EMPTY_FRAME, LOAD32(data))

static const struct {
    const char *name;
    int (*run)(u8 *, u8 *);
} PROGRAMS[] = {
    {"primes", run_primes}, {"log2", run_log2}, {"copy", run_copy}, {"dispatch", run_dispatch},
    {"fnv1a", run_fnv1a}, {"strcmp", run_strcmp}, {"parser", run_parser}, {"maps", run_maps},
    {"calls", run_calls}, {"large", run_large}, {"empty", run_empty},
};
#define NPROGRAMS (sizeof PROGRAMS / sizeof PROGRAMS[0])
#define ROUNDS 5

/* The thread's CPU time, as bpf4j's engines are timed: the kernel's test-run timer stops while its task is
 * rescheduled, so on a loaded machine wall time would charge the other engines for the load alone. */
static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile int sink;

static void batch(int (*run)(u8 *, u8 *), u8 *data, u8 *end, long n) {
    for (long i = 0; i < n; i++) {
        /* The frame may have changed: nothing may be hoisted out of the loop or merged across runs. */
        __asm__ volatile("" : : "r"(data) : "memory");
        sink = run(data, end);
    }
}

/* Median over ROUNDS rounds of about `seconds` each of the mean time of one run, in ns. */
static double time_ns(int (*run)(u8 *, u8 *), u8 *data, u8 *end, double seconds) {
    long n = 1;
    for (double start = now_ns(); now_ns() - start < 1e8;) { /* warm up; size a batch to ~5 ms */
        double t0 = now_ns();
        batch(run, data, end, n);
        if (now_ns() - t0 < 5e6) n *= 2;
    }
    double results[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        long runs = 0;
        double t0 = now_ns(), t;
        do {
            batch(run, data, end, n);
            runs += n;
        } while ((t = now_ns()) - t0 < seconds * 1e9);
        results[r] = (t - t0) / runs;
    }
    qsort(results, ROUNDS, sizeof results[0], cmp_double);
    return results[ROUNDS / 2];
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [seconds-per-round] [name...]\n", argv[0]);
        return 2;
    }
    double seconds = argc > 2 ? atof(argv[2]) : 0.2;
    for (size_t p = 0; p < NPROGRAMS; p++) {
        if (argc > 3) {
            int wanted = 0;
            for (int a = 3; a < argc; a++) wanted |= strcmp(argv[a], PROGRAMS[p].name) == 0;
            if (!wanted) continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.bin", argv[1], PROGRAMS[p].name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            return 1;
        }
        static u8 frame[4096];
        size_t len = fread(frame, 1, sizeof frame, f);
        fclose(f);
        u8 *end = frame + len;
        if (PROGRAMS[p].run(frame, end) != 2 || len < 8) {
            fprintf(stderr, "%s: frame of %zu bytes is too short\n", PROGRAMS[p].name, len);
            return 1;
        }
        unsigned long long result = LOAD64(end - 8);
        double ns = time_ns(PROGRAMS[p].run, frame, end, seconds);
        printf("%s %llu %.1f\n", PROGRAMS[p].name, result, ns);
        fflush(stdout);
    }
    return 0;
}

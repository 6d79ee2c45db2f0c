/*
 * The three bpf4j benchmark computations (see BenchPrograms.java) in C, to time against gcc -O2:
 * the "native" column of the bench README. Inputs are generated with java.util.Random's published
 * LCG so that they are the very bytes the Java benchmarks use, and the results printed here can be
 * compared with the Java reference implementations.
 *
 * Usage: bench [seconds-per-round]   (build and run with ./run.sh)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PRIMES_N 500
#define LOG2_VALUES 256
#define COPY_BYTES 1024
#define DEFAULT_SEED 0xb9f45eedLL
#define ROUNDS 5

/* ---- java.util.Random: 48-bit LCG, as its specification defines it ---- */

static uint64_t jseed;

static void jrandom_init(int64_t seed) { jseed = ((uint64_t)seed ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1); }

static int32_t jnext(int bits) {
    jseed = (jseed * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
    return (int32_t)(int64_t)(jseed >> (48 - bits));
}

static int32_t jnext_int_bound(int32_t bound) {
    if ((bound & -bound) == bound) return (int32_t)(((int64_t)bound * (int64_t)jnext(31)) >> 31);
    int32_t bits, val;
    do {
        bits = jnext(31);
        val = bits % bound;
    } while ((int32_t)((uint32_t)bits - (uint32_t)val + (uint32_t)(bound - 1)) < 0);
    return val;
}

static int64_t jnext_long(void) {
    int64_t hi = jnext(32);
    int64_t lo = jnext(32);
    return (int64_t)((uint64_t)hi << 32) + lo;
}

static void jnext_bytes(uint8_t *out, int len) {
    for (int i = 0; i < len;) {
        int32_t rnd = jnext(32);
        for (int n = len - i < 4 ? len - i : 4; n-- > 0; rnd >>= 8) out[i++] = (uint8_t)rnd;
    }
}

/* ---- the computations ---- */

__attribute__((noinline)) static uint64_t primes(uint64_t n) {
    uint64_t count = 0;
    for (uint64_t i = 2; i < n; i++) {
        int prime = 1;
        for (uint64_t d = 2; d * d <= i; d++) {
            if (i % d == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

__attribute__((noinline)) static uint64_t log2_sum(const uint32_t *values, int count) {
    uint64_t sum = 0;
    for (int i = 0; i < count; i++) {
        uint64_t v = values[i];
        uint64_t log = 0;
        while (v > 1) {
            v >>= 1;
            log++;
        }
        sum += log;
    }
    return sum;
}

__attribute__((noinline)) static uint64_t copy_checksum(const uint8_t *src, uint8_t *dst, int len) {
    uint64_t h = 0;
    for (int i = 0; i < len; i++) {
        uint8_t b = src[i];
        dst[i] = b;
        h = h * 31 + b;
    }
    return h;
}

/* ---- timing ---- */

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint64_t sink;
static volatile uint64_t primes_n = PRIMES_N;
static uint32_t log2_values[LOG2_VALUES];
static uint8_t copy_src[COPY_BYTES], copy_dst[COPY_BYTES];

static uint64_t run(int which) {
    switch (which) {
        case 0: return primes(primes_n);
        case 1: return log2_sum(log2_values, LOG2_VALUES);
        default: return copy_checksum(copy_src, copy_dst, COPY_BYTES);
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median over ROUNDS rounds of ~seconds each of the mean time of one call, in ns. */
static double time_ns(int which, double seconds) {
    double results[ROUNDS];
    long batch = 1;
    for (double start = now_ns(); now_ns() - start < 2e8;) { /* warm up and size the batch to ~10 ms */
        double t0 = now_ns();
        for (long i = 0; i < batch; i++) {
            sink += run(which);
            __asm__ volatile("" ::: "memory"); /* no call may be merged or hoisted */
        }
        if (now_ns() - t0 < 1e7) batch *= 2;
    }
    for (int r = 0; r < ROUNDS; r++) {
        long calls = 0;
        double t0 = now_ns(), t;
        do {
            for (long i = 0; i < batch; i++) {
                sink += run(which);
                __asm__ volatile("" ::: "memory");
            }
            calls += batch;
        } while ((t = now_ns()) - t0 < seconds * 1e9);
        results[r] = (t - t0) / calls;
    }
    qsort(results, ROUNDS, sizeof results[0], cmp_double);
    return results[ROUNDS / 2];
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;

    /* Same generation as BenchPrograms.log2Input / copyInput with DEFAULT_SEED. */
    jrandom_init(DEFAULT_SEED);
    for (int i = 0; i < LOG2_VALUES; i++) {
        int bits = jnext_int_bound(33);
        log2_values[i] = bits == 0 ? 0 : (uint32_t)(((uint64_t)jnext_long() >> (64 - bits)) | (1ULL << (bits - 1)));
    }
    jrandom_init(DEFAULT_SEED);
    jnext_bytes(copy_src, COPY_BYTES);

    static const char *names[] = {"primes", "log2Sum", "copyChecksum"};
    printf("%-14s %20s %12s\n", "benchmark", "result", "ns/op");
    for (int which = 0; which < 3; which++) {
        uint64_t result = run(which);
        double ns = time_ns(which, seconds);
        printf("%-14s %20llu %12.1f\n", names[which], (unsigned long long)result, ns);
    }
    return 0;
}

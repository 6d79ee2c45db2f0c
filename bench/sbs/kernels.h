/*
 * The side-by-side benchmark computations, written once and compiled twice: into XDP programs by
 * clang -target bpf (each *.bpf.c includes this file) and natively by gcc -O2 (native.c). So the
 * kernel's JIT, bpf4j and the native binary run the very same C on the very same input frame.
 *
 * Frame convention (see SbsProgram.java): a program reads its input from the start of the frame and
 * writes its 64-bit result, little-endian, into the frame's last 8 bytes, then returns XDP_PASS. The
 * input is never written, so `repeat` runs on one frame all compute the same thing, and data_out
 * carries the result of the last run.
 *
 * Loops are bounded by constants (or clamped) so that the kernel's verifier can follow them.
 */
#ifndef SBS_KERNELS_H
#define SBS_KERNELS_H

#ifdef __bpf__
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
#define SBS_INLINE static __always_inline
#define SBS_NOINLINE static __attribute__((noinline, unused))
#define LOAD32(p) (*(const u32 *)(p))
#define LOAD64(p) (*(const u64 *)(p))
#define STORE64(p, v) (*(u64 *)(p) = (v))
#else
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
#define SBS_INLINE static inline __attribute__((always_inline))
#define SBS_NOINLINE static __attribute__((noinline, unused))
static inline u32 sbs_load32(const void *p) { u32 v; memcpy(&v, p, 4); return v; }
static inline u64 sbs_load64(const void *p) { u64 v; memcpy(&v, p, 8); return v; }
#define LOAD32(p) sbs_load32(p)
#define LOAD64(p) sbs_load64(p)
#define STORE64(p, v) do { u64 sbs_v_ = (v); memcpy((p), &sbs_v_, 8); } while (0)
#endif

/* Frame lengths; the result is in the last 8 bytes of each. */
#define PRIMES_FRAME 16      /* u32 n at 0 (clamped to PRIMES_MAX) */
#define PRIMES_MAX 500
#define LOG2_VALUES 256
#define LOG2_FRAME (LOG2_VALUES * 4 + 8)
#define COPY_BYTES 1024
#define COPY_FRAME (COPY_BYTES + 8)
#define DISPATCH_OPS 1024
#define DISPATCH_FRAME (DISPATCH_OPS + 8)
#define FNV_BYTES 1024
#define FNV_FRAME (FNV_BYTES + 8)
#define STR_BYTES 1024       /* two NUL-terminated strings of at most STR_BYTES bytes, at 0 and STR_BYTES */
#define STRCMP_FRAME (2 * STR_BYTES + 8)
#define PARSER_FRAME 128
#define MAP_KEYS 64
#define MAP_FRAME (MAP_KEYS * 4 + 8)
#define MAP_ENTRIES 1024
#define CALLS_BYTES 256
#define CALLS_FRAME (CALLS_BYTES + 8)
#define EMPTY_FRAME 16      /* u32 at 0, stored as the result */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* Counts the primes below n by trial division (64-bit remainders, as BenchPrograms.primes). */
SBS_INLINE u64 sbs_primes(u32 n) {
    if (n > PRIMES_MAX) n = PRIMES_MAX;
    u64 count = 0;
    for (u64 i = 2; i < n; i++) {
        int prime = 1;
        for (u64 d = 2; d * d <= i; d++) {
            if (i % d == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

/* Sum of floor(log2 v) (log2 0 = 0) over 256 little-endian u32, each by a shift-right loop. */
SBS_INLINE u64 sbs_log2(const u8 *p) {
    u64 sum = 0;
    for (u32 i = 0; i < LOG2_VALUES; i++) {
        u32 v = LOAD32(p + 4 * i);
        u64 log = 0;
        for (int b = 0; b < 32 && v > 1; b++) {
            v >>= 1;
            log++;
        }
        sum += log;
    }
    return sum;
}

/* Copies 1 KiB byte by byte and returns h = h * 31 + b over the bytes (as BenchPrograms.copyChecksum). */
SBS_INLINE u64 sbs_copy(const u8 *src, u8 *dst) {
    u64 h = 0;
    for (u32 i = 0; i < COPY_BYTES; i++) {
        u8 b = src[i];
        dst[i] = b;
        h = h * 31 + b;
    }
    return h;
}

/*
 * A small register machine: each byte is an instruction, its low 4 bits the operation and its high
 * 4 bits an operand k. Straight-line (no jumps), so every byte executes once.
 */
SBS_INLINE u64 sbs_dispatch(const u8 *code) {
    u64 a = 1, b = 2, c = 3, d = 4;
    for (u32 i = 0; i < DISPATCH_OPS; i++) {
        u8 op = code[i];
        u64 k = op >> 4;
        switch (op & 15) {
        case 0: a += k; break;
        case 1: a -= b; break;
        case 2: a *= 3; break;
        case 3: a ^= c; break;
        case 4: b = a; break;
        case 5: c = a + k; break;
        case 6: d += a; break;
        case 7: a = (a << 5) | (a >> 59); break;
        case 8: b ^= k; break;
        case 9: a += b * k; break;
        case 10: c -= d; break;
        case 11: d ^= a >> 3; break;
        case 12: a = ~a; break;
        case 13: { u64 t = a; a = d; d = t; } break;
        case 14: b += c; break;
        default: a = a * 0x9e3779b97f4a7c15ULL + k; break;
        }
    }
    return a ^ (b << 1) ^ (c << 2) ^ (d << 3);
}

/* 64-bit FNV-1a over 1 KiB. */
SBS_INLINE u64 sbs_fnv1a(const u8 *p) {
    u64 h = FNV_OFFSET;
    for (u32 i = 0; i < FNV_BYTES; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/*
 * strcmp of the strings at a and b (each NUL-terminated within STR_BYTES bytes): the index of the
 * first difference or NUL in the high 32 bits, (int) a[i] - (int) b[i] in the low 32 bits.
 */
SBS_INLINE u64 sbs_strcmp(const u8 *a, const u8 *b) {
    for (u32 i = 0; i < STR_BYTES; i++) {
        u8 x = a[i], y = b[i];
        if (x != y || x == 0) return ((u64)i << 32) | (u32)((s32)x - (s32)y);
    }
    return (u64)STR_BYTES << 32;
}

SBS_INLINE u16 sbs_be16(const u8 *p) { return (u16)((p[0] << 8) | p[1]); }

SBS_INLINE u64 sbs_mix(u64 h, u64 v) { return (h ^ v) * FNV_PRIME; }

/*
 * An XDP header parser: Ethernet, up to two VLAN tags (802.1Q / 802.1ad), IPv4 (with options) or IPv6,
 * then TCP or UDP. Returns a digest of what it found (ethertype, addresses, protocol, ports, TCP flags),
 * or a small code saying where parsing stopped: 1 short Ethernet/VLAN, 2 short IP header, 3 bad IHL,
 * 4 not IP, 5 short L4 header, 6 neither TCP nor UDP.
 */
SBS_INLINE u64 sbs_parse(const u8 *data, const u8 *end) {
    const u8 *p = data;
    if (p + 14 > end) return 1;
    u16 proto = sbs_be16(p + 12);
    u64 h = sbs_mix(FNV_OFFSET, LOAD32(p) ^ LOAD32(p + 6)); /* part of the MAC addresses */
    p += 14;
    for (int tags = 0; tags < 2; tags++) {
        if (proto != 0x8100 && proto != 0x88a8) break;
        if (p + 4 > end) return 1;
        h = sbs_mix(h, sbs_be16(p) & 0x0fff); /* VLAN id */
        proto = sbs_be16(p + 2);
        p += 4;
    }
    h = sbs_mix(h, proto);
    u8 l4;
    if (proto == 0x0800) {
        if (p + 20 > end) return 2;
        u32 ihl = (p[0] & 15) * 4;
        if (ihl < 20) return 3;
        l4 = p[9];
        h = sbs_mix(h, LOAD32(p + 12));
        h = sbs_mix(h, LOAD32(p + 16));
        p += ihl;
    } else if (proto == 0x86dd) {
        if (p + 40 > end) return 2;
        l4 = p[6];
        h = sbs_mix(h, LOAD64(p + 8));
        h = sbs_mix(h, LOAD64(p + 16));
        h = sbs_mix(h, LOAD64(p + 24));
        h = sbs_mix(h, LOAD64(p + 32));
        p += 40;
    } else {
        return 4;
    }
    h = sbs_mix(h, l4);
    if (l4 == 6) {
        if (p + 20 > end) return 5;
        h = sbs_mix(h, LOAD32(p));   /* both ports */
        h = sbs_mix(h, p[13]);       /* flags */
    } else if (l4 == 17) {
        if (p + 8 > end) return 5;
        h = sbs_mix(h, LOAD32(p));
        h = sbs_mix(h, sbs_be16(p + 4)); /* length */
    } else {
        return 6;
    }
    return h;
}

/*
 * Map-heavy: inserts (key_i -> i * 7 + key_i) for 64 keys read from the frame (BPF_ANY: a repeated key
 * keeps its last value), then looks each key up and sums the values, then looks up 64 keys that are
 * absent (key | 0x80000000) and adds 1,000,000 per miss. The including file defines
 * SBS_MAP_UPDATE(key, value) and SBS_MAP_LOOKUP(key) -> const u64 * (NULL when absent).
 */
#if defined(SBS_MAP_UPDATE) && defined(SBS_MAP_LOOKUP)
SBS_INLINE u64 sbs_maps(const u8 *keys) {
    for (u32 i = 0; i < MAP_KEYS; i++) {
        u32 k = LOAD32(keys + 4 * i);
        u64 v = (u64)i * 7 + k;
        SBS_MAP_UPDATE(k, v);
    }
    u64 sum = 0;
    for (u32 i = 0; i < MAP_KEYS; i++) {
        u32 k = LOAD32(keys + 4 * i);
        const u64 *v = SBS_MAP_LOOKUP(k);
        if (v) sum += *v;
    }
    for (u32 i = 0; i < MAP_KEYS; i++) {
        u32 k = LOAD32(keys + 4 * i) | 0x80000000u;
        const u64 *v = SBS_MAP_LOOKUP(k);
        sum += v ? *v : 1000000;
    }
    return sum;
}
#endif

/* Call-heavy: every byte goes through a chain of small functions that are never inlined. */
SBS_NOINLINE u64 sbs_rotl13(u64 x) { return (x << 13) | (x >> 51); }
SBS_NOINLINE u64 sbs_fold(u64 h) { return h ^ (h >> 29); }
SBS_NOINLINE u64 sbs_round(u64 h, u64 b) { return sbs_rotl13(h ^ b) * 0x9e3779b97f4a7c15ULL; }
SBS_NOINLINE u64 sbs_step(u64 h, u64 b) {
    h = sbs_round(h, b);
    if (b & 1) h = sbs_round(h, b >> 1);
    return sbs_fold(h);
}

SBS_INLINE u64 sbs_calls(const u8 *p) {
    u64 h = FNV_OFFSET;
    for (u32 i = 0; i < CALLS_BYTES; i++) h = sbs_step(h, p[i]);
    return h;
}

#endif

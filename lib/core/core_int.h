/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Module-author API of lib/core, not installed: setting errors on a
 * context, emitting diagnostics, and the allocation wrappers through which
 * all of libkizashi allocates (so tests can fail the Nth allocation).
 */
#ifndef KIZASHI_CORE_INT_H
#define KIZASHI_CORE_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/simd_int.h"
#include "kizashi/core.h"

/* Sets the context's message (printf format) and returns st, so callers can
 * write `return kz_seterr(ctx, KZ_ERR_PARSE, "%s:%llu: ...", ...)`. ctx may
 * be NULL (the message is dropped). */
kz_status kz_seterr(kz_ctx *ctx, kz_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sends a diagnostic to the context's callback, if any. */
void kz_diag(kz_ctx *ctx, kz_severity sev, const char *input, uint64_t line,
             uint64_t column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* 0 when kz_refang_map would copy the n bytes at s unchanged (so a caller
 * may skip it and use offsets as they are); 1 when it may change them. */
int kz_refang_needed(const char *s, size_t n);
/* Where the first place that may hold a form is (n when none: then the
 * text is its own refanged form). */
size_t kz_refang_first(const char *s, size_t n);
/* The same, one byte at a time (the definition, for tests). */
size_t kz_refang_first_ref(const char *s, size_t n);
/* kz_refang_map told the first place (what kz_refang_first answered for
 * the same text, so the text before it is not looked at twice) and the
 * text's trigger bits, so that it does not search for them: bit k % 32 of
 * tb[k / 32] is set for every position k where a form may start
 * (kz_refang_first's places; the ideographic full stops at the end of a
 * Japanese sentence may be set too), clear for the others and for
 * positions from n to the end of the last block; NULL: search. */
size_t kz_refang_map_bits(const char *s, size_t n, char *out, size_t cap,
                          uint32_t *map, size_t first, const uint32_t *tb);
/* Test hook: 0 turns off refang's shortcut for "host[.]tld" (the general
 * matchers then decide), 1 (the default) turns it on. Not thread-safe. */
void kz_refang_shortcuts(int on);
/* Whether the prefilters with an AVX2 path (refang's triggers, the line
 * and chunk prefilters, the hash-word test) may take it: set at start-up
 * from the CPU's features (kz_cpu_avx2 in simd_int.h), 0 without AVX2. */
extern int kz_use_avx2;
/* Test hook: 0 keeps those prefilters to sixteen bytes at a time, 1 (the
 * default) lets them use AVX2 where the CPU has it. Not thread-safe. */
void kz_simd_avx2(int on);
/* kz_refang_map by a pass over every byte, without the jumps between the
 * places where a form may be (the definition the tests compare with). */
size_t kz_refang_map_ref(const char *s, size_t n, char *out, size_t cap,
                         uint32_t *map);

/* A memo of yes/no answers keyed by short strings (the suffixes of names
 * for the Public Suffix List, whose lookups cost thousands of instructions
 * while suffixes repeat; whole names go in a kz_strmap). Two-way
 * set-associative: a key lives in one of the two slots of its set, a new key
 * replaces the older of the two, so two names that hash alike do not evict each
 * other in turn. Owned by one caller (no locking); zero-initialized is empty;
 * longer keys are never stored. */
#define KZ_MEMO_SETS 2048
#define KZ_MEMO_KEY 61
typedef struct kz_memo {
    struct {
        char key[KZ_MEMO_KEY];
        unsigned char len; /* key length + 1; 0: empty */
        unsigned char result;
        unsigned char recent; /* set when this slot was filled last */
    } slot[KZ_MEMO_SETS * 2];
} kz_memo;

static inline size_t kz_memo_set(const char *k, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 16777619u;
    }
    return (h & (KZ_MEMO_SETS - 1)) * 2;
}

/* The answer stored for k, or -1. */
static inline int kz_memo_get(const kz_memo *m, const char *k, size_t n)
{
    if (!m || n > KZ_MEMO_KEY)
        return -1;
    size_t j = kz_memo_set(k, n);
    for (size_t w = j; w < j + 2; w++)
        if (m->slot[w].len == n + 1 && memcmp(m->slot[w].key, k, n) == 0)
            return m->slot[w].result;
    return -1;
}

static inline int kz_memo_put(kz_memo *m, const char *k, size_t n, int r)
{
    if (m && n <= KZ_MEMO_KEY) {
        size_t j = kz_memo_set(k, n);
        size_t w = m->slot[j].recent ? j + 1 : j; /* the older slot */
        m->slot[j].recent = w == j;
        m->slot[j + 1].recent = w != j;
        memcpy(m->slot[w].key, k, n);
        m->slot[w].len = (unsigned char)(n + 1);
        m->slot[w].result = (unsigned char)(r != 0);
    }
    return r;
}

/* A set of byte strings (shorter than 2^24 bytes), each with a tag below
 * 128 and a one-bit value, that grows as keys are added (see strmap.c).
 * Zero-initialized is empty. Owned by one caller (no locking). A record
 * and its key's bytes lie together in the pool, at a multiple of four
 * bytes (its reference: that offset over four). */
typedef struct kz_strmap_rec {
    uint32_t len : 24;
    uint32_t tag : 7;
    uint32_t val : 1;
    char key[]; /* len bytes */
} kz_strmap_rec;
typedef struct kz_strmap {
    uint64_t *slot; /* cap slots */
    size_t cap, n;  /* n records */
    char *pool;     /* the records, in the order they were added */
    size_t pool_n, pool_cap;
} kz_strmap;

static inline uint64_t kz_strmap_load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t kz_strmap_load32(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static inline uint64_t kz_strmap_rotl32(uint64_t x)
{
    return x << 32 | x >> 32;
}

/* One step over sixteen bytes (words a and b): the state and a multiplied,
 * its halves swapped (so that a's and the state's upper bits reach the
 * lower ones, which a product's lower bits do not depend on), b
 * multiplied in by another constant. */
static inline uint64_t kz_strmap_step16(uint64_t h, uint64_t a, uint64_t b)
{
    return kz_strmap_rotl32((h ^ a) * 0xff51afd7ed558ccdULL) ^
           b * 0xc4ceb9fe1a85ec53ULL;
}

/* The hash kz_strmap_get wants for (tag, k[0..n)) with every byte or'ed
 * with fold (0, or 0x20 in every byte: see kz_strmap_hash_ci), inline
 * where it is asked: sixteen bytes per step (two words), then murmur3's
 * finalizer; never 0 (a free slot). The last step takes the key's last
 * sixteen bytes (overlapping the step before), or for a shorter key its
 * first and last eight, or first and last four, or its first, middle and
 * last byte, read in place; with the length in the seed, keys of one length
 * still give distinct word sequences. */
static inline uint64_t kz_strmap_hash_fold(unsigned tag, const char *k,
                                           size_t n, uint64_t fold)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)tag << 56) ^ n;
    uint64_t a, b;
    if (n > 16) {
        for (size_t i = 0; i + 16 < n; i += 16)
            h = kz_strmap_step16(h, kz_strmap_load64(k + i) | fold,
                                 kz_strmap_load64(k + i + 8) | fold);
        a = kz_strmap_load64(k + n - 16) | fold;
        b = kz_strmap_load64(k + n - 8) | fold;
    } else if (n >= 8) {
        a = kz_strmap_load64(k) | fold;
        b = kz_strmap_load64(k + n - 8) | fold;
    } else if (n >= 4) {
        a = kz_strmap_load32(k) | (uint32_t)fold;
        b = kz_strmap_load32(k + n - 4) | (uint32_t)fold;
    } else {
        a = n ? ((uint64_t)(unsigned char)k[0] |
                 (uint64_t)(unsigned char)k[n / 2] << 8 |
                 (uint64_t)(unsigned char)k[n - 1] << 16) |
                    (fold & 0xFFFFFF)
              : 0;
        b = 0;
    }
    h = kz_strmap_step16(h, a, b);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return (h ^ (h >> 33)) | 1;
}

static inline uint64_t kz_strmap_hash(unsigned tag, const char *k, size_t n)
{
    return kz_strmap_hash_fold(tag, k, n, 0);
}

/* A hash for kz_strmap_get that is the same for keys that differ only in
 * the case of their letters (every byte's 0x20 bit set): a caller may
 * compute it from a name before lower-casing it (to prefetch its slot).
 * Keys are still compared in full, so only more keys share a hash. */
static inline uint64_t kz_strmap_hash_ci(unsigned tag, const char *k, size_t n)
{
    return kz_strmap_hash_fold(tag, k, n, 0x2020202020202020ULL);
}

/* The record of (tag, k[0..n)) whose hash is h. When there is none and add
 * is set, a new one with value val (and *added = 1, when added is not
 * NULL). NULL when there is none and none was added (add not set, memory
 * exhausted, or a key too long). Records move when one is added. */
kz_strmap_rec *kz_strmap_get(kz_strmap *m, unsigned tag, const char *k,
                             size_t n, uint64_t h, int add, unsigned val,
                             int *added);
/* The slot a lookup of hash h starts at: the low bits of the hash's upper
 * half, which the slots keep (so growing reads no record). */
static inline const uint64_t *kz_strmap_home(const kz_strmap *m, uint64_t h)
{
    return &m->slot[(h >> 32) & (m->cap - 1)];
}
/* Loads the slot a lookup of hash h starts at into the cache. */
static inline void kz_strmap_prefetch(const kz_strmap *m, uint64_t h)
{
    if (m->cap)
        __builtin_prefetch(kz_strmap_home(m, h));
}
/* The reference of record e, which stays valid as records are added. */
static inline uint32_t kz_strmap_ref(const kz_strmap *m, const kz_strmap_rec *e)
{
    return (uint32_t)(((const char *)e - m->pool) / 4);
}
/* Whether record e holds (tag, k[0..n)): tag and length, then the bytes
 * in place, sixteen at a time with SIMD from sixteen bytes on, else eight
 * (the last block overlapping the one before), without a call: the early
 * check that inlines it (seen_value) then calls nothing and keeps its
 * values in registers it need not save. */
static inline int kz_strmap_is(const kz_strmap_rec *e, unsigned tag,
                               const char *k, size_t n)
{
    if (e->tag != tag || e->len != n)
        return 0;
    const char *a = e->key;
#if KZ_HAVE_V16
    if (n >= 16) {
        kz_v16 d = _mm_setzero_si128();
        for (size_t i = 0; i + 16 < n; i += 16)
            d = kz_v16_or(
                d, _mm_xor_si128(kz_v16_load(a + i), kz_v16_load(k + i)));
        d = kz_v16_or(
            d, _mm_xor_si128(kz_v16_load(a + n - 16), kz_v16_load(k + n - 16)));
        return kz_v16_bits(_mm_cmpeq_epi8(d, _mm_setzero_si128())) == 0xFFFF;
    }
#endif
    if (n >= 8) {
        uint64_t x, y, d = 0;
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, k + i, 8);
            d |= x ^ y;
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, k + n - 8, 8);
        return (d | (x ^ y)) == 0;
    }
    if (n >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, k, 4);
        memcpy(&x1, a + n - 4, 4);
        memcpy(&y1, k + n - 4, 4);
        return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != k[i])
            return 0;
    return 1;
}
/* The record of reference r (one kz_strmap_ref gave, or 0: the first);
 * NULL when past the last one. */
static inline const kz_strmap_rec *kz_strmap_at(const kz_strmap *m, uint32_t r)
{
    return (size_t)r * 4 < m->pool_n
               ? (const kz_strmap_rec *)(const void *)(m->pool + (size_t)r * 4)
               : NULL;
}
/* The probe of m (cap > 0) for (tag, k[0..n)) whose hash is h: its
 * record, or NULL with *j the empty slot where it would go. */
static inline const kz_strmap_rec *kz_strmap_probe(const kz_strmap *m,
                                                   unsigned tag, const char *k,
                                                   size_t n, uint64_t h,
                                                   size_t *jp)
{
    uint64_t hi = h & 0xFFFFFFFF00000000ULL;
    size_t j = (h >> 32) & (m->cap - 1);
    uint64_t slot;
    while ((slot = m->slot[j]) != 0) {
        if ((slot & 0xFFFFFFFF00000000ULL) == hi) {
            /* the slot's low half: 1 + the record's reference */
            const kz_strmap_rec *e =
                (const kz_strmap_rec *)(const void *)(m->pool +
                                                      ((size_t)(uint32_t)slot -
                                                       1) *
                                                          4);
            if (kz_strmap_is(e, tag, k, n))
                return e;
        }
        j = (j + 1) & (m->cap - 1);
    }
    *jp = j;
    return NULL;
}
/* The record of (tag, k[0..n)) whose hash is h, or NULL: kz_strmap_get
 * without adding, inline where it is asked (the Public Suffix cache asks
 * it for every host name the scanner checks, most of them found), so that
 * the lookup calls nothing. A key of 2^24 bytes or more is in no record
 * (kz_strmap_is compares the length first). */
static inline const kz_strmap_rec *kz_strmap_find(const kz_strmap *m,
                                                  unsigned tag, const char *k,
                                                  size_t n, uint64_t h)
{
    size_t j;
    return m->cap == 0 ? NULL : kz_strmap_probe(m, tag, k, n, h, &j);
}
void kz_strmap_free(kz_strmap *m);

/* kz_domain_has_public_suffix with the suffix lookups memoized in memo
 * (NULL: none). Same answers. */
int kz_domain_has_public_suffix_memo(const char *dom, size_t n, kz_memo *memo);

/* kz_norm_url, also giving where the host is in out: out[*host, *host +
 * *host_n), with the brackets of an IPv6 address; 0 bytes for a file: URL
 * without one. In out, that is the span after the last '@' of the
 * authority (the text after "://" up to its first '/', '?' or '#'), up to
 * the ']' of a bracketed host, else to the first ':' after that '@' or to
 * the authority's end: the user part written holds no '/', '?' or '#', and
 * a host no '@', '/', '?', '#', nor ':' outside brackets. */
kz_status kz_norm_url_host(const char *s, size_t n, char *out, size_t cap,
                           size_t *outlen, size_t *host, size_t *host_n);

/* Writes the canonical text of an IPv4 address (dotted decimal, as
 * kz_normalize writes it) and a NUL at out; returns its length (7..15). */
size_t kz_ipv4_format(const uint8_t b[4], char out[16]);

/* Allocation wrappers. They return NULL on failure (and, in tests, when
 * kz_alloc_fail_after() says so); they never abort. */
void *kz_malloc(size_t n);
void *kz_calloc(size_t count, size_t size);
void *kz_realloc(void *p, size_t n);
void kz_free(void *p);
/* Test hook: the n-th allocation from now fails (n >= 1); 0 disables. */
void kz_alloc_fail_after(unsigned long n);

/* ASCII helpers that do not depend on the locale. */
static inline int kz_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static inline int kz_is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline int kz_is_alnum(unsigned char c)
{
    return kz_is_digit(c) || kz_is_alpha(c);
}
static inline int kz_is_xdigit(unsigned char c)
{
    return kz_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* The number of hex digits s[0, n) starts with, sixteen bytes at a time
 * (digests are 32 to 128 of them), the last ones (under sixteen) through
 * the block that ends at n, its bytes before them shifted out. */
static inline size_t kz_hex_span(const char *s, size_t n)
{
    size_t i = 0;
#if KZ_HAVE_V16
    for (; n - i >= 16; i += 16) {
        kz_v16 v = kz_v16_load(s + i);
        unsigned m = kz_v16_hex_bits(v, kz_v16_lower(v));
        if (m != 0xFFFF)
            return i + (unsigned)__builtin_ctz(~m);
    }
    if (n >= 16 && i < n) {
        kz_v16 v = kz_v16_load(s + n - 16);
        /* bit k: s[i + k], for k < n - i; the bit n - i is 0 */
        unsigned m = kz_v16_hex_bits(v, kz_v16_lower(v)) >> (16 - (n - i));
        return i + (unsigned)__builtin_ctz(~m);
    }
#endif
    while (i < n && kz_is_xdigit((unsigned char)s[i]))
        i++;
    return i;
}
/* memcpy of n bytes, 1 to 36, as two copies of a fixed size that overlap
 * (without a call). */
static inline void kz_copy_short(char *d, const char *s, size_t n)
{
    if (n >= 16) {
        if (n > 32) {
            memcpy(d, s, 32);
            memcpy(d + n - 4, s + n - 4, 4);
        } else {
            memcpy(d, s, 16);
            memcpy(d + n - 16, s + n - 16, 16);
        }
    } else if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

static inline unsigned char kz_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}
static inline unsigned char kz_upper(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c & ~0x20) : c;
}
static inline int kz_hexval(unsigned char c)
{
    if (kz_is_digit(c))
        return c - '0';
    c = kz_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* 1 when the n bytes at a start with the NUL-terminated lower-case word w
 * in any case (ASCII letters fold; other bytes compare as they are). */
static inline int kz_starts_ci(const char *a, size_t n, const char *w)
{
    size_t m = strlen(w);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++)
        if (kz_lower((unsigned char)a[i]) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* 1 when the n bytes at a equal the NUL-terminated lower-case ASCII word w
 * in any case ("SHA-1" equals "sha-1"). */
static inline int kz_eq_word_ci(const char *a, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (kz_lower((unsigned char)a[i]) != (unsigned char)w[i])
            return 0;
    return i == n && w[i] == '\0';
}

#endif /* KIZASHI_CORE_INT_H */

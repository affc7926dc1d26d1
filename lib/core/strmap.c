/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A set of byte strings with a small tag and a one-bit value each, for the
 * extractor's de-duplication and its Public Suffix List answers: a table of
 * 8-byte slots (the upper half of the key's hash, and 1 + the reference of
 * its record; 0: free) over records appended in order to one pool, each
 * followed by its key's bytes. Small slots keep a table of a million keys
 * at 16 MiB (its first probe is a cache miss per lookup on large inputs,
 * and every byte of it is zeroed as it grows); a record next to its key
 * makes a lookup that finds its key one more miss, not two. A key's slot
 * is the low bits of its hash's upper half, which its slot keeps, so
 * growing reads only the old table, in order, and writes the new one in
 * two runs; a slot whose hash matches the key's names the key itself but
 * for one chance in 2^(32 - bits of the slot), so a probe rarely reads a
 * record it does not want. Linear probing, load factor at most one half.
 */
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "core/core_int.h"

/* The bytes a record of an n-byte key takes in the pool. */
static size_t rec_size(size_t n)
{
    return (offsetof(kz_strmap_rec, key) + n + 3) & ~(size_t)3;
}

/* Bit k set when slot g[k] (k < 8) is used. A used slot's low half (1 +
 * a reference) is never 0: with SIMD, the low halves of four slots are
 * compared with 0 at once. No branch. */
static unsigned used_slots8(const uint64_t *g)
{
#if KZ_HAVE_V16
    const char *p = (const char *)(const void *)g;
    __m128 lo0 = _mm_shuffle_ps(_mm_castsi128_ps(kz_v16_load(p)),
                                _mm_castsi128_ps(kz_v16_load(p + 16)),
                                _MM_SHUFFLE(2, 0, 2, 0));
    __m128 lo1 = _mm_shuffle_ps(_mm_castsi128_ps(kz_v16_load(p + 32)),
                                _mm_castsi128_ps(kz_v16_load(p + 48)),
                                _MM_SHUFFLE(2, 0, 2, 0));
    __m128i z = _mm_setzero_si128();
    unsigned zero =
        (unsigned)_mm_movemask_ps(
            _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(lo0), z))) |
        (unsigned)_mm_movemask_ps(
            _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_castps_si128(lo1), z)))
            << 4;
    return ~zero & 0xFF;
#else
    unsigned used = 0;
    for (unsigned k = 0; k < 8; k++)
        used |= (unsigned)(g[k] != 0) << k;
    return used;
#endif
}

static int grow(kz_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    if (ncap > ((size_t)1 << 32)) /* past the bits a slot keeps */
        return -1;
    uint64_t *nt = kz_calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
#ifdef MADV_HUGEPAGE
    /* Probes land anywhere in a large table: huge pages spare a TLB miss
     * on top of the cache miss (a hint; failure changes nothing). */
    size_t bytes = ncap * sizeof *nt, huge = (size_t)2 << 20;
    if (bytes >= 2 * huge) {
        uintptr_t a0 = ((uintptr_t)nt + huge - 1) & ~(uintptr_t)(huge - 1);
        uintptr_t a1 = ((uintptr_t)nt + bytes) & ~(uintptr_t)(huge - 1);
        if (a1 > a0)
            (void)madvise((void *)a0, a1 - a0, MADV_HUGEPAGE);
    }
#endif
    /* The old slots in order, eight at a time (a capacity is 1024 or
     * more, a power of two): the mask of the used ones is made without a
     * branch and its bits taken in order, since whether a slot is used is
     * as good as random (half of them are, at most), a branch per slot
     * mispredicted. */
    for (size_t i = 0; i < m->cap; i += 8) {
        const uint64_t *g = m->slot + i;
        unsigned used = used_slots8(g);
        while (used) {
            uint64_t s = g[__builtin_ctz(used)];
            used &= used - 1;
            size_t j = (s >> 32) & (ncap - 1);
            while (nt[j])
                j = (j + 1) & (ncap - 1);
            nt[j] = s;
        }
    }
    kz_free(m->slot);
    m->slot = nt;
    m->cap = ncap;
    return 0;
}

kz_strmap_rec *kz_strmap_get(kz_strmap *m, unsigned tag, const char *k,
                             size_t n, uint64_t h, int add, unsigned val,
                             int *added)
{
    if (added)
        *added = 0;
    if (n >= (1u << 24))
        return NULL;
    if (add && (m->n + 1) * 2 > m->cap && grow(m) != 0)
        return NULL;
    if (m->cap == 0)
        return NULL;
    size_t j;
    const kz_strmap_rec *found = kz_strmap_probe(m, tag, k, n, h, &j);
    if (found)
        return (kz_strmap_rec *)(uintptr_t)found; /* m's own pool */
    if (!add)
        return NULL;
    size_t sz = rec_size(n);
    if (m->pool_n / 4 >= UINT32_MAX)
        return NULL;
    if (m->pool_n + sz > m->pool_cap) {
        size_t nc = m->pool_cap ? m->pool_cap * 2 : 65536;
        while (nc < m->pool_n + sz)
            nc *= 2;
        char *np = kz_realloc(m->pool, nc);
        if (!np)
            return NULL;
        m->pool = np;
        m->pool_cap = nc;
    }
    kz_strmap_rec *e = (kz_strmap_rec *)(void *)(m->pool + m->pool_n);
    *e = (kz_strmap_rec){.len = (uint32_t)n, .tag = tag & 0x7F, .val = val & 1};
    if (n - 1 < 36) /* most keys: no call */
        kz_copy_short(e->key, k, n);
    else
        memcpy(e->key, k, n);
    m->slot[j] = (h & 0xFFFFFFFF00000000ULL) | (uint64_t)(m->pool_n / 4 + 1);
    m->pool_n += sz;
    m->n++;
    if (added)
        *added = 1;
    return e;
}

void kz_strmap_free(kz_strmap *m)
{
    kz_free(m->slot);
    kz_free(m->pool);
    memset(m, 0, sizeof *m);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sixteen bytes at a time, for the prefilters that decide where the
 * scanners must look (refang's "anything to do here?", the extractor's
 * "where is the next possible indicator?"). SSE2 is part of every x86-64
 * CPU, so no run-time dispatch is needed; elsewhere KZ_HAVE_V16 is 0 and
 * callers use their scalar loop, which is also the reference the unit
 * tests compare the vector code with. The four prefilters that run over
 * most bytes (the line prefilter, the hash-word test, refang's triggers,
 * the chunk prefilter) also have an AVX2 path, chosen at run time, built
 * on the kz_v32 helpers below.
 *
 * Every predicate answers a mask vector (0xFF where true); kz_v16_bits
 * turns it into 16 bits, bit k for byte k.
 */
#ifndef KIZASHI_SIMD_INT_H
#define KIZASHI_SIMD_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Runs of single bytes and whole three-byte sequences (a lead and two
 * continuation bytes), as kana and kanji are in UTF-8, from the bits of a
 * block of nb bytes (nb <= 32; 64: kz_seq3_run64): lead and cont, the leads and
 * continuation bytes of the sequences, and bad, the bytes that are neither and
 * are not single bytes of the run; all clear below w, where a character starts.
 * How many bytes from byte w are single bytes and whole sequences: up to
 * the first byte that is bad or a continuation byte no lead wants (each
 * wants the two after it), and before a lead whose sequence the block
 * does not hold whole (0: none). */
static inline unsigned kz_seq3_run(uint64_t lead, uint64_t cont, uint64_t bad,
                                   unsigned w, unsigned nb)
{
    uint64_t stop = bad | (cont ^ (lead << 1 | lead << 2)) | 1ull << nb;
    unsigned lim = (unsigned)__builtin_ctzll(stop);
    /* Below lim all agrees: a lead one or two bytes before lim (bit 1 or
     * bit 0 of t; never both) is the one whose sequence is not whole. */
    unsigned t = (unsigned)(lead << 2 >> lim) & 3;
    return lim - ((t & 1) << 1 | t >> 1) - w;
}

/* kz_seq3_run for a block of 64 bytes (nb = 64, which the shifts above
 * cannot take): a stop at bit lim <= 63 finds the leads at lim - 1 and
 * lim - 2 in lead shifted up by one and by two, no stop in the two top
 * bits of lead. */
static inline unsigned kz_seq3_run64(uint64_t lead, uint64_t cont, uint64_t bad,
                                     unsigned w)
{
    uint64_t stop = bad | (cont ^ (lead << 1 | lead << 2));
    if (!stop)
        return 64 - (unsigned)((lead >> 62 & 1) << 1 | lead >> 63) - w;
    unsigned lim = (unsigned)__builtin_ctzll(stop);
    return lim -
           (unsigned)((lead << 2 >> lim & 1) << 1 | (lead << 1 >> lim & 1)) - w;
}

#if defined(__SSE2__) && !defined(KZ_NO_SIMD)
#include <emmintrin.h>
#define KZ_HAVE_V16 1

typedef __m128i kz_v16;

static inline kz_v16 kz_v16_load(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}
/* The n bytes at p, 8 to 16, as one block: the first eight, then the last
 * eight (the two may overlap). */
static inline kz_v16 kz_v16_load_halves(const char *p, size_t n)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + n - 8, 8);
    return _mm_set_epi64x((long long)b, (long long)a);
}
static inline void kz_v16_store(char *p, kz_v16 v)
{
    _mm_storeu_si128((__m128i *)(void *)p, v);
}
static inline unsigned kz_v16_bits(kz_v16 m)
{
    return (unsigned)_mm_movemask_epi8(m);
}
static inline kz_v16 kz_v16_eq(kz_v16 v, char c)
{
    return _mm_cmpeq_epi8(v, _mm_set1_epi8(c));
}
static inline kz_v16 kz_v16_or(kz_v16 a, kz_v16 b)
{
    return _mm_or_si128(a, b);
}
static inline kz_v16 kz_v16_and(kz_v16 a, kz_v16 b)
{
    return _mm_and_si128(a, b);
}
/* a & ~b */
static inline kz_v16 kz_v16_andnot(kz_v16 a, kz_v16 b)
{
    return _mm_andnot_si128(b, a);
}
/* ASCII letters folded to lower case (other bytes change too: compare the
 * result with letters only). */
static inline kz_v16 kz_v16_lower(kz_v16 v)
{
    return _mm_or_si128(v, _mm_set1_epi8(0x20));
}
/* lo <= v <= hi, for ASCII bounds (bytes >= 0x80 are never inside). */
static inline kz_v16 kz_v16_range(kz_v16 v, char lo, char hi)
{
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
                         _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}
/* Bytes >= 0x80 (UTF-8 lead and continuation bytes). */
static inline kz_v16 kz_v16_high(kz_v16 v)
{
    return _mm_cmplt_epi8(v, _mm_setzero_si128());
}
/* Hex digits of the block v0, l0 its lower-cased copy (bit k for byte k). */
static inline unsigned kz_v16_hex_bits(kz_v16 v0, kz_v16 l0)
{
    return kz_v16_bits(
        kz_v16_or(kz_v16_range(v0, '0', '9'), kz_v16_range(l0, 'a', 'f')));
}
/* v <= c as unsigned bytes. */
static inline kz_v16 kz_v16_le(kz_v16 v, unsigned char c)
{
    return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8((char)c)), v);
}

/* Thirty-two bytes at a time with AVX2, for the prefilters that run over
 * most bytes of long lines. Functions that use these carry KZ_AVX2 and are
 * called only when kz_cpu_avx2() says the CPU has it. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KZ_HAVE_V32 1
#define KZ_AVX2 __attribute__((target("avx2")))

static inline int kz_cpu_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
KZ_AVX2 static inline __m256i kz_v32_load(const char *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}
KZ_AVX2 static inline __m256i kz_v32_eq(__m256i v, char c)
{
    return _mm256_cmpeq_epi8(v, _mm256_set1_epi8(c));
}
KZ_AVX2 static inline __m256i kz_v32_lower(__m256i v)
{
    return _mm256_or_si256(v, _mm256_set1_epi8(0x20));
}
/* '0' <= v <= '9' (bytes >= 0x80 are never inside). */
KZ_AVX2 static inline __m256i kz_v32_digit(__m256i v)
{
    return _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v));
}
/* Bit k for byte k of a mask vector. */
KZ_AVX2 static inline uint32_t kz_v32_bits(__m256i m)
{
    return (uint32_t)_mm256_movemask_epi8(m);
}
/* Bit k when byte k of x has any of the bits of c. */
KZ_AVX2 static inline uint32_t kz_v32_any(__m256i x, unsigned char c)
{
    return ~kz_v32_bits(
        _mm256_cmpeq_epi8(_mm256_and_si256(x, _mm256_set1_epi8((char)c)),
                          _mm256_setzero_si256()));
}
/* A table of 16 class bytes, in both lanes (for kz_v32_classify). */
KZ_AVX2 static inline __m256i kz_v32_table(const unsigned char t[16])
{
    return _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)t));
}
/* The class bits of each byte of v: those its low half has in lo and its
 * high half in hi. A set of bytes gets a bit of its own when it is every
 * pairing of some low halves with some high halves. */
KZ_AVX2 static inline __m256i kz_v32_classify(__m256i v, __m256i lo, __m256i hi)
{
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    return _mm256_and_si256(
        _mm256_shuffle_epi8(lo, _mm256_and_si256(v, low4)),
        _mm256_shuffle_epi8(hi,
                            _mm256_and_si256(_mm256_srli_epi16(v, 4), low4)));
}
#else
#define KZ_HAVE_V32 0
#endif
#else
#define KZ_HAVE_V16 0
#define KZ_HAVE_V32 0
#endif

#endif

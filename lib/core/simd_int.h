/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sixteen bytes at a time, for the prefilters that decide where the
 * scanners must look (refang's "anything to do here?", the extractor's
 * "where is the next possible indicator?"). SSE2 is part of every x86-64
 * CPU, so no run-time dispatch is needed; elsewhere KZ_HAVE_V16 is 0 and
 * callers use their scalar loop, which is also the reference the unit
 * tests compare the vector code with. The two prefilters that run over
 * most bytes (refang's triggers, the chunk prefilter) also have an AVX2
 * path in their own file, chosen at run time.
 *
 * Every predicate answers a mask vector (0xFF where true); kz_v16_bits
 * turns it into 16 bits, bit k for byte k.
 */
#ifndef KIZASHI_SIMD_INT_H
#define KIZASHI_SIMD_INT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__) && !defined(KZ_NO_SIMD)
#include <emmintrin.h>
#define KZ_HAVE_V16 1

typedef __m128i kz_v16;

static inline kz_v16 kz_v16_load(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
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
#else
#define KZ_HAVE_V16 0
#endif

#endif

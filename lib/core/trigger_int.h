/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between refang.c and extract.c: the AVX2 search for the places
 * where a defanged form may start (refang's triggers, see trigger_at in
 * refang.c, which is their definition). refang.c searches with it; the
 * line prefilter in extract.c finds a line's first trigger with it in the
 * blocks it has loaded, so that the line is not searched twice. Not
 * installed.
 */
#ifndef KIZASHI_TRIGGER_INT_H
#define KIZASHI_TRIGGER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/simd_int.h"

/* 1 when the ideographic full stop at s[i] ends a Japanese sentence: it
 * follows kana, kanji or CJK punctuation (E3..E9 and two continuation
 * bytes). Those are written as they are, so the byte before the stop is
 * no label character: the stop is copied as it is and no form holds it
 * (a form never holds such a character either). */
static inline int ideo_dot_after_cjk(const char *s, size_t i)
{
    if (i < 3)
        return 0;
    unsigned char l = (unsigned char)s[i - 3];
    return l >= 0xE3 && l <= 0xE9 && ((unsigned char)s[i - 2] & 0xC0) == 0x80 &&
           ((unsigned char)s[i - 1] & 0xC0) == 0x80;
}

#if KZ_HAVE_V32
/* The trigger search 32 bytes at a time with AVX2 (p[0..34) read):
 * a first byte, the byte after it and the byte after that each get a
 * class bit per pair of bytes a trigger may start with: '/' '/' (S),
 * ' ' or '\t' then '.' (W), ' ' or '\t' then '@' (W2), ':' '_' (C, then
 * '_'), "do" in any case (D, then 't' in any case), 'A' 'T' (A), EF
 * BC/BD (F), E3 80 (E, then 82); every third byte has the bits of the
 * pairs without one. A trigger is there when all its bytes have its bit.
 * The first byte's bits come from two tables: the pairs' (whose halves
 * cannot tell a tab from a NUL) and the brackets' (which also gives a
 * tab its W and W2). trigger_at is the definition; the unit tests
 * compare. */
enum {
    P_S = 1,
    P_W = 2,
    P_W2 = 4,
    P_C = 8,
    P_D = 16,
    P_A = 32,
    P_F = 64,
    P_E = 128,
    P_TWO = P_S | P_W | P_W2 | P_A | P_F,
    /* brackets: [ \ ] ^, ( ), { }, < > (bits no tab has; that pairs have
     * them too does not matter: a bracket is a trigger by itself) */
    B_SQ = 1,
    B_PAR = 8,
    B_CUR = 16,
    B_ANG = 32
};

/* Each table twice, for both lanes of a vpshufb: */
/* first byte: low half, high half */
#define F_LO                                                                   \
    P_W | P_W2, P_A, 0, P_E, P_D, 0, 0, 0, 0, 0, P_C, 0, 0, 0, 0, P_S | P_F
#define F_HI                                                                   \
    0, 0, P_S | P_W | P_W2, P_C, P_D | P_A, 0, P_D, 0, 0, 0, 0, 0, 0, 0,       \
        P_F | P_E, 0
/* second byte */
#define S_LO                                                                   \
    P_W2 | P_E, 0, 0, 0, P_A, 0, 0, 0, 0, 0, 0, 0, P_F, P_F, P_W,              \
        P_S | P_C | P_D
#define S_HI                                                                   \
    0, 0, P_S | P_W, 0, P_W2 | P_D, P_C | P_A, P_D, 0, P_E, 0, 0, P_F, 0, 0,   \
        0, 0
/* third byte: '_' 5F (C), 'T' 54 and 't' 74 (D), 82 (E); every byte
 * has the bits of the pairs that need no third one (T) */
#define T P_TWO
#define T_LO T, T, T | P_E, T, T | P_D, T, T, T, T, T, T, T, T, T, T, T | P_C
#define T_HI                                                                   \
    T, T, T, T, T, T | P_C | P_D, T, T | P_D, T | P_E, T, T, T, T, T, T, T
/* brackets and the tab (09) */
#define B_LO                                                                   \
    0, 0, 0, 0, 0, 0, 0, 0, B_PAR, B_PAR | P_W | P_W2, 0, B_SQ | B_CUR,        \
        B_SQ | B_ANG, B_SQ | B_CUR, B_SQ | B_ANG, 0
#define B_HI                                                                   \
    P_W | P_W2, 0, B_PAR, B_ANG, 0, B_SQ, 0, B_CUR, 0, 0, 0, 0, 0, 0, 0, 0
/* rows 8..10: the constants trig_hits uses, 32 bytes each */
#define TK_ROW(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
#define TK2(c) TK_ROW(c), TK_ROW(c)
static const unsigned char trig_tab[11][32] __attribute__((aligned(32))) = {
    {F_LO, F_LO},
    {F_HI, F_HI},
    {S_LO, S_LO},
    {S_HI, S_HI},
    {T_LO, T_LO},
    {T_HI, T_HI},
    {B_LO, B_LO},
    {B_HI, B_HI},
    {TK2(0x0F)},                         /* a byte's low half */
    {TK2(B_SQ | B_PAR | B_CUR | B_ANG)}, /* the brackets */
    {TK2(P_C | P_D | P_E)}};             /* the pairs with a third byte */
#undef TK2
#undef TK_ROW
#undef F_LO
#undef F_HI
#undef S_LO
#undef S_HI
#undef T
#undef T_LO
#undef T_HI
#undef B_LO
#undef B_HI

/* kz_v32_classify with the low-half mask given (a row of trig_tab). */
KZ_AVX2 static inline __m256i trig_classify(__m256i v, __m256i lo, __m256i hi,
                                            __m256i low4)
{
    return _mm256_and_si256(
        _mm256_shuffle_epi8(lo, _mm256_and_si256(v, low4)),
        _mm256_shuffle_epi8(hi,
                            _mm256_and_si256(_mm256_srli_epi16(v, 4), low4)));
}

/* The trigger bits of the 32 positions at p, with the tables and
 * constants of k (trig_tab). The third byte is looked at only when a pair
 * that needs one (':' '_', "do", E3 80) is there: the pairs without one
 * are triggers by their two bytes (the third byte's table gives every
 * byte their bits). */
KZ_AVX2 static inline uint32_t trig_hits_k(const char *p,
                                           const unsigned char (*k)[32])
{
#define TAB(i) _mm256_load_si256((const __m256i *)(const void *)k[i])
    const __m256i low4 = TAB(8);
    __m256i v0 = kz_v32_load(p);
    __m256i lo = _mm256_and_si256(v0, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v0, 4), low4);
    __m256i br = _mm256_and_si256(_mm256_shuffle_epi8(TAB(6), lo),
                                  _mm256_shuffle_epi8(TAB(7), hi));
    __m256i first =
        _mm256_or_si256(br, _mm256_and_si256(_mm256_shuffle_epi8(TAB(0), lo),
                                             _mm256_shuffle_epi8(TAB(1), hi)));
    __m256i hit = _mm256_and_si256(
        first, trig_classify(kz_v32_load(p + 1), TAB(2), TAB(3), low4));
    if (!_mm256_testz_si256(hit, TAB(10)))
        hit = _mm256_and_si256(
            hit, trig_classify(kz_v32_load(p + 2), TAB(4), TAB(5), low4));
    hit = _mm256_or_si256(hit, _mm256_and_si256(br, TAB(9)));
#undef TAB
    return ~kz_v32_bits(_mm256_cmpeq_epi8(hit, _mm256_setzero_si256()));
}

/* trig_hits_k in a loop: the compiler sees trig_tab and keeps its rows in
 * registers across the blocks. */
KZ_AVX2 static inline uint32_t trig_hits(const char *p)
{
    return trig_hits_k(p, trig_tab);
}

/* trig_hits_k for one block: trig_tab read through a pointer hidden from
 * the compiler, which would otherwise build each broadcast constant
 * through a general register (two or three instructions) in every use;
 * rows read through it are operands in memory (as lb_hide in
 * extract.c). */
KZ_AVX2 static inline uint32_t trig_hits1(const char *p)
{
    const unsigned char(*k)[32] = trig_tab;
    __asm__("" : "+r"(k));
    return trig_hits_k(p, k);
}

#endif

#endif /* KIZASHI_TRIGGER_INT_H */

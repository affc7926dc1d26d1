/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extractor's scanner: finds typed candidates in one refanged segment
 * of advisory text. It splits the text into chunks at delimiters (white
 * space, quotes, CJK text and punctuation), recognizes URLs, paths and
 * registry keys first (they may contain other types), then types what is
 * left token by token, validating every value with the core normalizers.
 * Invariant: every candidate reported is a valid canonical value of its
 * type; nothing is matched as a substring of a longer token.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "intel/extract_int.h"
#include "kizashi/limits.h"

/* ---- characters --------------------------------------------------------- */

/* Decodes the UTF-8 sequence at s[i] (n bytes in all): returns its length
 * (1 for an invalid byte, with *cp = 0xFFFD). */
static size_t utf8_at(const char *s, size_t n, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t left = n - i;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if (u[0] < 0xC0) {
        /* A continuation byte: the driver made the text valid UTF-8, so it
         * belongs to the character before, which was not a delimiter. */
        *cp = 0x80;
        return 1;
    }
    size_t len;
    uint32_t c;
    if ((u[0] & 0xE0) == 0xC0) {
        len = 2;
        c = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3;
        c = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4;
        c = u[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > left) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[k] & 0x3F);
    }
    *cp = c;
    return len;
}

/* Non-ASCII code points that end a token: white space, typographic quotes
 * and punctuation, and the CJK blocks (Japanese text glues indicators to
 * words: 「evil.example」を, evil.example。). Other letters (Latin with
 * diacritics, Cyrillic, Greek) stay in tokens so IDN hosts survive. */
static int cp_is_delim(uint32_t c)
{
    if (c == 0x80)
        return 0;
    if (c == 0xFFFD || c == 0x00A0 || c == 0x00AB || c == 0x00BB ||
        c == 0x00B7 || c == 0x00D7)
        return 1;
    if (c >= 0x2000 && c <= 0x2BFF) /* punctuation, arrows, symbols */
        return 1;
    if (c >= 0x2E80 && c <= 0x9FFF) /* CJK, kana, CJK punctuation */
        return 1;
    if (c >= 0xAC00 && c <= 0xD7AF) /* Hangul */
        return 1;
    if (c >= 0xF900 && c <= 0xFAFF)
        return 1;
    if (c >= 0xFE30 && c <= 0xFE4F)
        return 1;
    if (c >= 0xFF00 && c <= 0xFFEF) /* full-width forms left unrefanged */
        return 1;
    if (c >= 0x20000) /* CJK extensions, emoji */
        return 1;
    return 0;
}

/* ASCII bytes that end a chunk. */
static int ascii_is_delim(unsigned char c)
{
    return c <= 0x20 || c == 0x7F || c == '"' || c == '\'' || c == '`' ||
           c == '<' || c == '>' || c == '|' || c == '^';
}

/* Characters that split a generic chunk into tokens, and hex digits, as
 * a table of all 256 bytes (filled once by sets_init). */
enum {
    TC_SPLIT = 1,
    TC_HEX = 2,
    TC_COLON = 4,
    TC_AT = 8,
    TC_SLASH = 16,
    TC_BSLASH = 32,
    TC_PCT = 64,
    /* ASCII but no letter, digit, '-', '_', '.' or ':': no byte of a
     * dotted name (scan_token has taken ':' off by then) */
    TC_ODD = 128
};
static unsigned char tok_class[256];

/* Byte classes for the chunk loop: of ASCII, and BC_HIGH alone for the
 * other bytes. */
enum { BC_DELIM = 1, BC_SPECIAL = 2, BC_COLON = 4, BC_SLASH = 8, BC_HIGH = 16 };
static unsigned char byte_class[256]; /* filled once by sets_init */

/* What a code span or whole cell holds, for scan_whole (filled once by
 * sets_init): the bytes it looks for, found in one pass. */
enum { WH_SLASH = 1, WH_BSLASH = 2, WH_SPACE = 4, WH_COLON = 8, WH_WIDE = 16 };
static unsigned char whole_class[256];

/* Bytes the text scan searches a segment for (filled once by sets_init);
 * SEG_ALL: not known. */
enum {
    SEG_SLASH = 1,
    SEG_BSLASH = 2,
    SEG_QUOTE = 4, /* '"' */
    SEG_TICK = 8,  /* '`' */
    SEG_E3 = 16,   /* first byte of kana and CJK brackets */
    SEG_ALL = 31
};
static unsigned char seg_class[256];

/* Bytes no file name holds (filled once by sets_init): FN_BAD_PART only
 * when the name is not a whole cell or span. */
enum { FN_BAD = 1, FN_BAD_PART = 2 };
static unsigned char fname_class[256];

/* Word classes for the line context scan (filled once by sets_init). */
enum { WC_ALPHA = 1, WC_ALNUM = 2 };
static unsigned char word_class[256];

static void byte_class_init(void)
{
    for (unsigned c = 0; c < 128; c++) {
        unsigned char k = 0;
        if (kz_is_alpha((unsigned char)c))
            k |= WC_ALPHA | WC_ALNUM;
        else if (kz_is_digit((unsigned char)c))
            k |= WC_ALNUM;
        word_class[c] = k;
    }
    for (const char *p = ",;()[]{}!?*=#$&"; *p; p++)
        tok_class[(unsigned char)*p] |= TC_SPLIT;
    for (unsigned c = 0; c < 256; c++)
        if (kz_is_xdigit((unsigned char)c))
            tok_class[c] |= TC_HEX;
    tok_class[':'] |= TC_COLON;
    tok_class['@'] |= TC_AT;
    tok_class['/'] |= TC_SLASH;
    tok_class['\\'] |= TC_BSLASH;
    tok_class['%'] |= TC_PCT;
    for (unsigned c = 0; c < 128; c++)
        if (!kz_is_alnum((unsigned char)c) && c != '-' && c != '_' &&
            c != '.' && c != ':')
            tok_class[c] |= TC_ODD;
    for (unsigned c = 0; c < 128; c++) {
        unsigned char k = 0;
        if (ascii_is_delim((unsigned char)c))
            k |= BC_DELIM;
        if (c == '.' || c == ':' || c == '@' || c == '\\' || c == '/' ||
            c == '%' || c == '~')
            k |= BC_SPECIAL;
        if (c == ':')
            k |= BC_COLON;
        if (c == '/')
            k |= BC_SLASH;
        byte_class[c] = k;
    }
    for (unsigned c = 0x80; c < 256; c++)
        byte_class[c] = BC_HIGH;
    whole_class['/'] = WH_SLASH;
    whole_class['\\'] = WH_BSLASH;
    whole_class[' '] = WH_SPACE;
    whole_class[':'] = WH_COLON;
    for (unsigned c = 0x80; c < 256; c++)
        whole_class[c] = WH_WIDE;
    seg_class['/'] = SEG_SLASH;
    seg_class['\\'] = SEG_BSLASH;
    seg_class['"'] = SEG_QUOTE;
    seg_class['`'] = SEG_TICK;
    seg_class[0xE3] = SEG_E3;
    for (unsigned c = 0; c < 0x20; c++)
        fname_class[c] = FN_BAD;
    for (const char *p = "/:*?\"|"; *p; p++)
        fname_class[(unsigned char)*p] = FN_BAD;
    for (const char *p = "\\<>"; *p; p++)
        fname_class[(unsigned char)*p] = FN_BAD_PART;
}

/* Length of the delimiter at s[i] (ASCII delimiters, or a code point the
 * predicate names), 0 when s[i] starts a non-delimiter. A continuation
 * byte (cp 0x80) never is one. */
static size_t delim_len_as(const char *s, size_t n, size_t i,
                           int (*is_delim_cp)(uint32_t))
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return ascii_is_delim(c) ? 1 : 0;
    uint32_t cp;
    size_t l = utf8_at(s, n, i, &cp);
    return cp != 0x80 && is_delim_cp(cp) ? l : 0;
}

static size_t delim_len(const char *s, size_t n, size_t i)
{
    /* Kana, kanji and CJK punctuation (U+3000..U+9FFF: E3..E9 and two
     * continuation bytes), most of Japanese text, without decoding. */
    unsigned char c = (unsigned char)s[i];
    if (c >= 0xE3 && c <= 0xE9 && i + 2 < n &&
        ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
        ((unsigned char)s[i + 2] & 0xC0) == 0x80)
        return 3;
    return delim_len_as(s, n, i, cp_is_delim);
}

static int is_split(unsigned char c)
{
    return tok_class[c] & TC_SPLIT;
}

/* ---- the chunk prefilter -------------------------------------------------
 * Most chunks of advisory text are words: no dot inside, no slash, colon,
 * '@', backslash or '%', no long hex run, no "CVE-" or "AS1234", no
 * base64 of "http". Such chunks hold no indicator (the chunk loop's fast
 * path), so the loop jumps over them to the next position where one of
 * those starts. kz_scan_next_interesting finds it 32 bytes at a time
 * (sixteen without AVX2); kz_scan_next_interesting_from also keeps the
 * block where it found one, so that the loop's next search, which mostly
 * starts a few bytes on in that block, does not read it again.
 * interesting_at and kz_scan_next_interesting_ref are the scalar
 * definition. */

/* What may follow a dot or colon inside a value ("evil.com", "e.g",
 * "10.0", "::1", "a.-b"); anything else after it ends a word ("end. ",
 * "Note:", "(see x.)") and leaves nothing to find there. A colon before a
 * slash or backslash ("http://", "C:\\") is found by the slash. */
static int continues_after(unsigned char c)
{
    return kz_is_alnum(c) || c >= 0x80 || c == '.' || c == ':' || c == '-' ||
           c == '_';
}

/* "CVE-", "AS1234", "ASN", "AS 1234", "aHR0" (base64 of "http") at p. */
static int word_pattern_at(const char *s, size_t p, size_t n)
{
    unsigned char c = (unsigned char)s[p] | 0x20;
    if (c == 'c')
        return p + 3 < n && ((unsigned char)s[p + 1] | 0x20) == 'v' &&
               ((unsigned char)s[p + 2] | 0x20) == 'e' && s[p + 3] == '-';
    if (c != 'a')
        return 0;
    if (p + 3 < n && s[p] == 'a' && s[p + 1] == 'H' && s[p + 2] == 'R' &&
        s[p + 3] == '0')
        return 1;
    if (p + 2 >= n || ((unsigned char)s[p + 1] | 0x20) != 's')
        return 0;
    unsigned char d = (unsigned char)s[p + 2];
    return kz_is_digit(d) || (d | 0x20) == 'n' ||
           (d == ' ' && p + 3 < n && kz_is_digit((unsigned char)s[p + 3]));
}

static int interesting_at(const char *s, size_t p, size_t n)
{
    unsigned char c = (unsigned char)s[p];
    if (c >= 0x80)
        return 1;
    switch (c) {
    case '@':
    case '\\':
    case '/':
    case '%':
    case '~':
    case '<':
        return 1;
    case '.':
    case ':':
        return p + 1 < n && continues_after((unsigned char)s[p + 1]);
    default:
        return word_pattern_at(s, p, n);
    }
}

size_t kz_scan_next_interesting_ref(const char *s, size_t i, size_t n)
{
    size_t run = 0;
    for (size_t p = i; p < n; p++) {
        run = kz_is_xdigit((unsigned char)s[p]) ? run + 1 : 0;
        if (run >= 32 || interesting_at(s, p, n))
            return p;
    }
    return n;
}

#if KZ_HAVE_V16
/* The interesting positions of the sixteen bytes at q (q[0..19)
 * readable) as bits; *hx is where a hex run reaches 32 digits (16: not
 * in this block), *run carries the hex digits before q over. */
static inline unsigned ni_block(const char *q, unsigned *run, unsigned *hx)
{
    kz_v16 v0 = kz_v16_load(q), v1 = kz_v16_load(q + 1);
    kz_v16 l0 = kz_v16_lower(v0), l1 = kz_v16_lower(v1);
    kz_v16 spec =
        kz_v16_or(kz_v16_or(kz_v16_or(kz_v16_eq(v0, '@'), kz_v16_eq(v0, '\\')),
                            kz_v16_or(kz_v16_eq(v0, '/'), kz_v16_eq(v0, '%'))),
                  kz_v16_or(kz_v16_eq(v0, '~'), kz_v16_eq(v0, '<')));
    unsigned m = kz_v16_bits(kz_v16_or(v0, spec));
    /* A dot or colon, then (rarely) what follows it. */
    unsigned dc =
        kz_v16_bits(kz_v16_or(kz_v16_eq(v0, '.'), kz_v16_eq(v0, ':')));
    if (dc) {
        kz_v16 cont = kz_v16_or(
            kz_v16_or(kz_v16_range(v1, '0', '9'), kz_v16_range(l1, 'a', 'z')),
            kz_v16_or(
                kz_v16_or(kz_v16_high(v1), kz_v16_eq(v1, '.')),
                kz_v16_or(kz_v16_or(kz_v16_eq(v1, ':'), kz_v16_eq(v1, '-')),
                          kz_v16_eq(v1, '_'))));
        m |= dc & kz_v16_bits(cont);
    }
    /* "as", "cv", "aH" first; the whole words only when one is there. */
    kz_v16 pair =
        kz_v16_or(kz_v16_or(kz_v16_and(kz_v16_eq(l0, 'a'), kz_v16_eq(l1, 's')),
                            kz_v16_and(kz_v16_eq(l0, 'c'), kz_v16_eq(l1, 'v'))),
                  kz_v16_and(kz_v16_eq(v0, 'a'), kz_v16_eq(v1, 'H')));
    if (kz_v16_bits(pair)) {
        kz_v16 v2 = kz_v16_load(q + 2), v3 = kz_v16_load(q + 3);
        kz_v16 l2 = kz_v16_lower(v2);
        kz_v16 b64 =
            kz_v16_and(kz_v16_and(kz_v16_eq(v0, 'a'), kz_v16_eq(v1, 'H')),
                       kz_v16_and(kz_v16_eq(v2, 'R'), kz_v16_eq(v3, '0')));
        m |= kz_v16_bits(kz_v16_or(kz_v16_cve_asn(l0, l1, v2, l2, v3), b64));
    }
    /* where a hex run reaches 32 digits */
    *hx = kz_hex_run_step(kz_v16_hex_bits(v0, l0), run);
    return m;
}
#endif

#if KZ_HAVE_V32
/* The same search 32 bytes at a time with AVX2, where the CPU has it: the
 * bytes are classified by their two halves through lookup tables (one
 * class bit per set below), the word patterns as ni_block finds them. */
enum {
    NI_AT = 1,       /* '@' */
    NI_LT_BS = 2,    /* '<' '\\' */
    NI_SL_PCT = 4,   /* '/' '%' */
    NI_TILDE = 8,    /* '~' */
    NI_DOT = 16,     /* '.' */
    NI_COLON = 32,   /* ':' */
    NI_AC = 128,     /* 'a' 'A' 'c' 'C' (a word's first letter) */
    NC_DIGIT = 1,    /* 0-9 */
    NC_COLON = 2,    /* ':' */
    NC_AO = 4,       /* A-O a-o */
    NC_PZ = 8,       /* P-Z p-z */
    NC_DOTDASH = 16, /* '.' '-' */
    NC_UNDER = 32,   /* '_' */
    NC_HEXL = 64,    /* A-F a-f */
    NC_SVH = 128     /* C F H S V X s v x: all the words' second letters
                      * (s, v, H) and a few more */
};

/* p, hidden from the compiler. GCC builds a vector constant anew in every
 * iteration of a loop through a general register (mov, vmovd, vpbroadcastb:
 * three instructions); the rows of a table of constants read through a
 * hidden pointer are operands in memory instead. */
static inline const void *k32_hide(const void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

/* The constants ni_block32 compares with in every block, 32 bytes each. */
enum {
    NIK_SET,   /* NI_AT | NI_LT_BS | NI_SL_PCT | NI_TILDE */
    NIK_DC,    /* NI_DOT | NI_COLON */
    NIK_CONT,  /* what may follow a dot or colon: the NC_* but NC_HEXL */
    NIK_HEX,   /* NC_DIGIT | NC_HEXL */
    NIK_PAIR,  /* NI_AC | NC_SVH (the same bit) */
    NIK_LOWER, /* 0x20 */
    NIK_N
};
#define NIK_ROW(c) [0 ... 31] = (c)
static const unsigned char ni_k[NIK_N][32] __attribute__((aligned(32))) = {
    [NIK_SET] = {NIK_ROW(NI_AT | NI_LT_BS | NI_SL_PCT | NI_TILDE)},
    [NIK_DC] = {NIK_ROW(NI_DOT | NI_COLON)},
    [NIK_CONT] = {NIK_ROW(NC_DIGIT | NC_COLON | NC_AO | NC_PZ | NC_DOTDASH |
                          NC_UNDER)},
    [NIK_HEX] = {NIK_ROW(NC_DIGIT | NC_HEXL)},
    [NIK_PAIR] = {NIK_ROW(NI_AC | NC_SVH)},
    [NIK_LOWER] = {NIK_ROW(0x20)}};
#undef NIK_ROW

/* The interesting positions of the 32 bytes at q (q[0..35) readable) as
 * bits, *hex the hex digits among them. */
KZ_AVX2 static inline uint32_t ni_block32(const char *q, uint32_t *hex)
{
    static const unsigned char a_lo[16] = {[0x0] = NI_AT,
                                           [0x1] = NI_AC,
                                           [0x3] = NI_AC,
                                           [0x5] = NI_SL_PCT,
                                           [0xA] = NI_COLON,
                                           [0xC] = NI_LT_BS,
                                           [0xE] = NI_TILDE | NI_DOT,
                                           [0xF] = NI_SL_PCT};
    static const unsigned char a_hi[16] = {[0x2] = NI_SL_PCT | NI_DOT,
                                           [0x3] = NI_LT_BS | NI_COLON,
                                           [0x4] = NI_AT | NI_AC,
                                           [0x5] = NI_LT_BS,
                                           [0x6] = NI_AC,
                                           [0x7] = NI_TILDE};
    static const unsigned char c_lo[16] = {
        [0x0] = NC_DIGIT | NC_PZ,
        [0x1] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL,
        [0x2] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL,
        [0x3] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL | NC_SVH,
        [0x4] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL,
        [0x5] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL,
        [0x6] = NC_DIGIT | NC_AO | NC_PZ | NC_HEXL | NC_SVH,
        [0x7] = NC_DIGIT | NC_AO | NC_PZ,
        [0x8] = NC_DIGIT | NC_AO | NC_PZ | NC_SVH,
        [0x9] = NC_DIGIT | NC_AO | NC_PZ,
        [0xA] = NC_COLON | NC_AO | NC_PZ,
        [0xB] = NC_AO,
        [0xC] = NC_AO,
        [0xD] = NC_AO | NC_DOTDASH,
        [0xE] = NC_AO | NC_DOTDASH,
        [0xF] = NC_AO | NC_UNDER};
    static const unsigned char c_hi[16] = {[0x2] = NC_DOTDASH,
                                           [0x3] = NC_DIGIT | NC_COLON,
                                           [0x4] = NC_AO | NC_HEXL | NC_SVH,
                                           [0x5] = NC_PZ | NC_UNDER | NC_SVH,
                                           [0x6] = NC_AO | NC_HEXL,
                                           [0x7] = NC_PZ | NC_SVH};
    const __m256i al = kz_v32_table(a_lo), ah = kz_v32_table(a_hi);
    const __m256i cl = kz_v32_table(c_lo), ch = kz_v32_table(c_hi);
    const unsigned char(*k)[32] = k32_hide(ni_k);
#define NIK(r) kz_v32_load((const char *)k[r])
#define NI_ANY(x, r)                                                           \
    (~kz_v32_bits(_mm256_cmpeq_epi8(_mm256_and_si256(x, NIK(r)),               \
                                    _mm256_setzero_si256())))
    __m256i v0 = kz_v32_load(q), v1 = kz_v32_load(q + 1);
    __m256i a0 = kz_v32_classify(v0, al, ah);
    /* bytes >= 0x80 and the single-byte set */
    uint32_t m = kz_v32_bits(v0) | NI_ANY(a0, NIK_SET);
    /* a dot or colon, then what may follow it inside a value */
    __m256i c1 = kz_v32_classify(v1, cl, ch);
    uint32_t dc = NI_ANY(a0, NIK_DC);
    if (dc)
        m |= dc & (kz_v32_bits(v1) | NI_ANY(c1, NIK_CONT));
    /* An a or c before an s, v or H (or a few other letters) first: the
     * whole words only when there is one (as "as", "cv", "aH" in
     * ni_block) */
    if (!_mm256_testz_si256(_mm256_and_si256(a0, c1), NIK(NIK_PAIR))) {
        /* "CVE-", "AS" with a number or "N", "aHR0" */
        __m256i w0 = _mm256_or_si256(v0, NIK(NIK_LOWER));
        __m256i w1 = _mm256_or_si256(v1, NIK(NIK_LOWER));
        __m256i v2 = kz_v32_load(q + 2), v3 = kz_v32_load(q + 3);
        __m256i b64 = _mm256_and_si256(
            _mm256_and_si256(kz_v32_eq(v0, 'a'), kz_v32_eq(v1, 'H')),
            _mm256_and_si256(kz_v32_eq(v2, 'R'), kz_v32_eq(v3, '0')));
        m |= kz_v32_bits(_mm256_or_si256(
            kz_v32_cve_asn(w0, w1, v2, kz_v32_lower(v2), v3), b64));
    }
    *hex = NI_ANY(kz_v32_classify(v0, cl, ch), NIK_HEX);
#undef NI_ANY
#undef NIK
    return m;
}

/* kz_scan_next_interesting_from with AVX2: 32 bytes at a time from the
 * block st holds (when i is inside it) or from i; the last bytes through a
 * copy padded with spaces. The block where a position is found is kept in
 * st. */
KZ_AVX2 static size_t next_interesting_avx2(kz_ni_state *st, const char *s,
                                            size_t i, size_t n)
{
    size_t p = i;
    unsigned run = 0; /* hex digits from i to p */
    if (st->s == s && st->n == n && i - st->q < 32) {
        /* The rest of the block the last search stopped in. A hex run from
         * i reaches 32 digits inside it only when i starts it and it is
         * all hex digits. */
        unsigned d = (unsigned)(i - st->q);
        uint32_t m = st->m >> d;
        unsigned t = ~st->hex ? (unsigned)__builtin_clz(~st->hex) : 32;
        run = t < 32 - d ? t : 32 - d;
        unsigned k = m ? (unsigned)__builtin_ctz(m) : 32;
        if (run == 32 && k > 31)
            k = 31;
        if (k < 32)
            return i + k;
        p = st->q + 32;
    }
    while (p < n) {
        uint32_t m, hex;
        if (n - p >= 35) {
            m = ni_block32(s + p, &hex);
        } else {
            /* spaces start, continue and complete nothing (as the end of
             * the text) */
            char pad[64];
            memset(pad, ' ', sizeof pad);
            memcpy(pad, s + p, n - p); /* at most 34 bytes */
            m = ni_block32(pad, &hex);
        }
        unsigned hx = kz_hex_run_step32(hex, &run);
        unsigned k = m ? (unsigned)__builtin_ctz(m) : 32;
        if (hx < k)
            k = hx;
        if (k < 32) {
            st->s = s;
            st->n = n;
            st->q = p;
            st->m = m;
            st->hex = hex;
            return p + k;
        }
        p += 32;
    }
    return n;
}

#endif

/* Sixteen bytes at a time (no AVX2); not inlined, so that the AVX2 path
 * does not pay for its set-up. */
__attribute__((noinline)) static size_t next_interesting_v16(const char *s,
                                                             size_t i, size_t n)
{
#if KZ_HAVE_V16
    size_t p = i;
    unsigned run = 0; /* hex digits right before p */
    unsigned hx;
    while (n - p >= 19 && p < n) {
        unsigned m = ni_block(s + p, &run, &hx);
        if (m) {
            unsigned k = (unsigned)__builtin_ctz(m);
            return p + (hx < k ? hx : k);
        }
        if (hx < 16)
            return p + hx;
        p += 16;
    }
    /* The last bytes through a copy padded with spaces, which start,
     * continue and complete nothing (as the end of the text). */
    if (p < n) {
        char pad[48];
        memset(pad, ' ', sizeof pad);
        memcpy(pad, s + p, n - p); /* at most 18 bytes */
        for (size_t o = 0; o < n - p; o += 16) {
            unsigned m = ni_block(pad + o, &run, &hx);
            unsigned k = m ? (unsigned)__builtin_ctz(m) : 16;
            if (hx < k)
                k = hx;
            if (k < 16)
                return p + o + k;
        }
    }
    return n;
#else
    return kz_scan_next_interesting_ref(s, i, n);
#endif
}

size_t kz_scan_next_interesting_from(kz_ni_state *st, const char *s, size_t i,
                                     size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return next_interesting_avx2(st, s, i, n);
#endif
    (void)st;
    return next_interesting_v16(s, i, n);
}

size_t kz_scan_next_interesting(const char *s, size_t i, size_t n)
{
    kz_ni_state st = {0};
    return kz_scan_next_interesting_from(&st, s, i, n);
}

/* Whether [a, b) holds a run of 32 hex digits or more. */
static int hex_run_32(const char *s, size_t a, size_t b)
{
    for (size_t p = a; b - p >= 32 && p < b; p++) {
        size_t h = kz_hex_span(s + p, b - p);
        if (h >= 32)
            return 1;
        p += h; /* s[p] is no hex digit (or p == b) */
    }
    return 0;
}

/* Whether the chunk [a, b) holds a word pattern (looking ahead up to n). */
static int word_pattern_in(const char *s, size_t a, size_t b, size_t n)
{
    for (size_t p = a; p < b; p++)
        if (((unsigned char)s[p] | 0x20) == 'a' ||
            ((unsigned char)s[p] | 0x20) == 'c')
            if (word_pattern_at(s, p, n))
                return 1;
    return 0;
}

/* Finds needle (lower-case ASCII) in s case-insensitively. Sixteen
 * positions at a time first: those where the needle's first two bytes
 * are (a superset: letters compared with 0x20 set) are checked in full. */
static int contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || m > n)
        return 0;
    size_t i = 0;
#if KZ_HAVE_V16
    if (m >= 2) {
        char c0 = needle[0], c1 = needle[1];
        int l0 = c0 >= 'a' && c0 <= 'z', l1 = c1 >= 'a' && c1 <= 'z';
        for (; n - i >= 17; i += 16) {
            kz_v16 v0 = kz_v16_load(s + i), v1 = kz_v16_load(s + i + 1);
            kz_v16 e0 = kz_v16_eq(l0 ? kz_v16_lower(v0) : v0, c0);
            kz_v16 e1 = kz_v16_eq(l1 ? kz_v16_lower(v1) : v1, c1);
            for (unsigned cand = kz_v16_bits(kz_v16_and(e0, e1)); cand;
                 cand &= cand - 1) {
                size_t p = i + (unsigned)__builtin_ctz(cand), k = 0;
                while (k < m && p + k < n &&
                       kz_lower((unsigned char)s[p + k]) ==
                           (unsigned char)needle[k])
                    k++;
                if (k == m)
                    return 1;
            }
        }
    }
#endif
    for (; i + m <= n; i++) {
        if (kz_lower((unsigned char)s[i]) != (unsigned char)needle[0])
            continue;
        size_t k = 1;
        while (k < m &&
               kz_lower((unsigned char)s[i + k]) == (unsigned char)needle[k])
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

static int word_ci(const char *s, size_t n, const char *w)
{
    size_t m = strlen(w);
    for (size_t i = 0; i + m <= n; i++) {
        if (i > 0 && kz_is_alnum((unsigned char)s[i - 1]))
            continue;
        if (i + m < n && kz_is_alnum((unsigned char)s[i + m]))
            continue;
        if (kz_starts_ci(s + i, n - i, w))
            return 1;
    }
    return 0;
}

/* ---- word lists -----------------------------------------------------------
 */

/* Word lists are looked up through small hash sets built once (the lists
 * are static and the sets are never written after pthread_once). */
#define SET_SLOTS 1024

/* Bits of the filter in front of a set: most words looked up are in no
 * set, and the filter turns most of them away before their hash. */
#define SET_FILTER_BITS 4096

typedef struct wordset {
    const char *const *list;
    uint16_t slot[SET_SLOTS]; /* index + 1 into list, 0: empty */
    uint8_t len[SET_SLOTS];   /* length of the word in that slot */
    /* filter_key of every word in the set */
    uint64_t filter[SET_FILTER_BITS / 64];
} wordset;

/* The filter bit of a word of n > 0 bytes: its length and its first and
 * last bytes with 0x20 set (the same for every spelling a lookup matches:
 * kz_starts_ci matches a byte of the word or its capital, which differ in
 * that bit alone; other bytes may share a key, and are told apart by the
 * lookup). */
static inline uint32_t filter_key(const char *s, size_t n)
{
    uint32_t k = (uint32_t)n * 31u + ((unsigned char)s[0] | 0x20u);
    return (k * 31u + ((unsigned char)s[n - 1] | 0x20u)) &
           (SET_FILTER_BITS - 1);
}

/* The slot hash of a word, of its bytes with 0x20 set (as filter_key). */
static uint32_t word_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i] | 0x20u;
        h *= 16777619u;
    }
    return h;
}

static void set_build(wordset *ws, const char *const *list)
{
    ws->list = list;
    for (size_t i = 0; list[i]; i++) {
        uint32_t j = word_hash(list[i], strlen(list[i])) & (SET_SLOTS - 1);
        while (ws->slot[j])
            j = (j + 1) & (SET_SLOTS - 1);
        ws->slot[j] = (uint16_t)(i + 1);
        ws->len[j] = (uint8_t)strlen(list[i]);
        if (ws->len[j]) {
            uint32_t f = filter_key(list[i], ws->len[j]);
            ws->filter[f / 64] |= (uint64_t)1 << (f % 64);
        }
    }
}

static int set_has(const wordset *ws, const char *s, size_t n)
{
    if (n) {
        uint32_t f = filter_key(s, n);
        if (!(ws->filter[f / 64] & ((uint64_t)1 << (f % 64))))
            return 0; /* no word of the set has this key */
    }
    uint32_t j = word_hash(s, n) & (SET_SLOTS - 1);
    while (ws->slot[j]) {
        /* the word has n bytes: compared without measuring it again */
        if (ws->len[j] == n && kz_eq_word_ci(s, n, ws->list[ws->slot[j] - 1]))
            return 1;
        j = (j + 1) & (SET_SLOTS - 1);
    }
    return 0;
}

/* Extensions of files an advisory names: executables, libraries, drivers,
 * scripts, documents, archives, disk images, payload containers. A token
 * ending in one of these is a file name, not a host name. */
static const char *const file_exts[] = {"exe",       "dll",
                                        "sys",       "scr",
                                        "cpl",       "ocx",
                                        "drv",       "efi",
                                        "com_",      "bat",
                                        "cmd",       "ps1",
                                        "psm1",      "psd1",
                                        "vbs",       "vbe",
                                        "js",        "jse",
                                        "wsf",       "wsh",
                                        "hta",       "lnk",
                                        "msi",       "msp",
                                        "msix",      "appx",
                                        "jar",       "class",
                                        "py",        "pyc",
                                        "sh",        "bash",
                                        "elf",       "bin",
                                        "dat",       "doc",
                                        "docx",      "docm",
                                        "dot",       "dotm",
                                        "xls",       "xlsx",
                                        "xlsm",      "xlsb",
                                        "xll",       "xlam",
                                        "ppt",       "pptx",
                                        "pptm",      "pps",
                                        "ppsx",      "rtf",
                                        "pdf",       "one",
                                        "chm",       "iqy",
                                        "slk",       "wll",
                                        "odt",       "ods",
                                        "zip",       "rar",
                                        "7z",        "iso",
                                        "img",       "vhd",
                                        "vhdx",      "cab",
                                        "gz",        "tgz",
                                        "tar",       "bz2",
                                        "xz",        "ace",
                                        "arj",       "lzh",
                                        "uue",       "apk",
                                        "dex",       "so",
                                        "dylib",     "app",
                                        "pkg",       "dmg",
                                        "deb",       "rpm",
                                        "ipa",       "php",
                                        "asp",       "aspx",
                                        "ashx",      "asmx",
                                        "jsp",       "jspx",
                                        "war",       "cgi",
                                        "pl",        "rb",
                                        "lua",       "tmp",
                                        "inf",       "reg",
                                        "ini",       "cfg",
                                        "conf",      "log",
                                        "txt",       "json",
                                        "xml",       "html",
                                        "htm",       "svg",
                                        "eml",       "msg",
                                        "url",       "library-ms",
                                        "search-ms", "settingcontent-ms",
                                        "plist",     "ko",
                                        "o",         "out",
                                        "dmp",       "db",
                                        "sqlite",    "key",
                                        "pem",       "crt",
                                        "cer",       "pfx",
                                        "p12",       "jpg",
                                        "jpeg",      "png",
                                        "gif",       "bmp",
                                        "ico",       "mp4",
                                        "mov",       "avi",
                                        "mp3",       "wav",
                                        "lock",      "enc",
                                        "locked",    "crypt",
                                        "vmdk",      "ova",
                                        "csv",       "md",
                                        "rs",        "go",
                                        "c",         "cpp",
                                        "cs",        "vb",
                                        "vba",       "bas",
                                        "mui",       "manifest",
                                        "config",    "nls",
                                        "tlb",       "pif",
                                        "gadget",    "application",
                                        "msc",       "ws",
                                        "ahk",       "au3",
                                        "a3x",       "nsi",
                                        "xsl",       "sct",
                                        "ocx",       "torrent",
                                        "data",      "tmp1",
                                        NULL};

/* Registrable domains of security vendors, reference sites and
 * vulnerability databases: a link there is a source, not an indicator. */
static const char *const reference_sites[] = {
    "welivesecurity.com", "eset.com", "paloaltonetworks.com", "mitre.org",
    "cve.org", "nist.gov", "virustotal.com", "twitter.com", "x.com",
    "linkedin.com", "wikipedia.org", "microsoft.com", "gdatasoftware.com",
    "gdata.de", "kaspersky.com", "securelist.com", "mandiant.com",
    "fireeye.com", "crowdstrike.com", "sentinelone.com", "trendmicro.com",
    "symantec.com", "broadcom.com", "sophos.com", "talosintelligence.com",
    "cisco.com", "proofpoint.com", "malwarebytes.com", "bleepingcomputer.com",
    "thedfirreport.com", "jpcert.or.jp", "ipa.go.jp", "nisc.go.jp", "cisa.gov",
    "us-cert.gov", "fbi.gov", "ncsc.gov.uk", "abuse.ch", "any.run",
    "hybrid-analysis.com", "malware-traffic-analysis.net", "recordedfuture.com",
    "checkpoint.com", "fortinet.com", "zscaler.com", "mcafee.com",
    "trellix.com", "google.com", "blog.google", "cloud.google.com",
    "medium.com", "securityweek.com", "therecord.media", "zdnet.com",
    "github.com", "lac.co.jp", "nttdata.com", "macnica.co.jp",
    "trendmicro.co.jp", "paloaltonetworks.jp", "exploit-db.com",
    "cvedetails.com", "attack.mitre.org", "first.org", "misp-project.org",
    "oasis-open.org", "loldrivers.io", "lolbas-project.github.io",
    "youtube.com", "facebook.com", "reddit.com", "archive.org", "bit.ly",
    /* governments, CERTs */
    "ic3.gov", "nsa.gov", "stopransomware.gov", "cyber.gov.au", "cyber.gc.ca",
    "bsi.bund.de", "cert.ssi.gouv.fr", "cert.gov.ua", "enisa.europa.eu",
    "europol.europa.eu", "npa.go.jp", "ppc.go.jp", "soumu.go.jp", "meti.go.jp",
    "jc3.or.jp", "nvd.nist.gov", "cisecurity.org",
    /* cloud providers' documentation */
    "aws.amazon.com", NULL};

/* Well-known benign registrable domains: mentioned in prose, never worth a
 * block (they would be flagged by a top-sites warninglist anyway). */
static const char *const benign_domains[] = {"google.com",
                                             "microsoft.com",
                                             "windows.com",
                                             "windowsupdate.com",
                                             "live.com",
                                             "office.com",
                                             "office365.com",
                                             "outlook.com",
                                             "apple.com",
                                             "icloud.com",
                                             "amazon.com",
                                             "github.com",
                                             "gitlab.com",
                                             "stackoverflow.com",
                                             "mozilla.org",
                                             "wikipedia.org",
                                             "twitter.com",
                                             "x.com",
                                             "facebook.com",
                                             "linkedin.com",
                                             "youtube.com",
                                             "yahoo.com",
                                             "bing.com",
                                             "msftconnecttest.com",
                                             "msftncsi.com",
                                             "cloudflare.com",
                                             "akamai.com",
                                             "adobe.com",
                                             "oracle.com",
                                             "ibm.com",
                                             "python.org",
                                             "w3.org",
                                             "ietf.org",
                                             "iana.org",
                                             "asp.net",
                                             "socket.io",
                                             NULL};

/* Software named like a file ("Node.js"): in prose, the name of a
 * framework, not a file; in a table or code span still a file name. */
static const char *const software_names[] = {
    "node.js",    "vue.js",      "next.js", "nuxt.js",   "react.js",
    "angular.js", "three.js",    "d3.js",   "chart.js",  "express.js",
    "ember.js",   "backbone.js", "deno.js", "jquery.js", NULL};

/* Public DNS resolvers: malware and admins alike query them; named in an
 * advisory they are context (unless the writer defanged one). */
/* DNS-over-HTTPS services of the public resolvers below. */
static const char *const public_doh[] = {
    "dns.google",    "dns.google.com",  "cloudflare-dns.com", "one.one.one.one",
    "dns.quad9.net", "doh.opendns.com", "dns.adguard.com",    NULL};

static const char *const public_resolvers[] = {"1.1.1.1",
                                               "1.0.0.1",
                                               "8.8.8.8",
                                               "8.8.4.4",
                                               "9.9.9.9",
                                               "149.112.112.112",
                                               "208.67.222.222",
                                               "208.67.220.220",
                                               "2606:4700:4700::1111",
                                               "2001:4860:4860::8888",
                                               "2001:4860:4860::8844",
                                               NULL};

/* Prose abbreviations that happen to end in a real TLD. */
static const char *const prose_abbrev[] = {
    "p.m", "a.m", "e.g", "i.e", "u.s", "et.al",
    /* Suricata sticky buffers and systemd targets that end in a TLD */
    "http.host", "tls.host", "network-online.target", "multi-user.target",
    "network.target", "graphical.target", "default.target", "sysinit.target",
    "basic.target", "local-fs.target", "remote-fs.target", "timers.target",
    "sockets.target", "paths.target", "nss-lookup.target", NULL};

/* Windows system binaries: named in prose as what malware abuses, they are
 * not indicators by themselves (a table or code span still makes them so:
 * malware is often named svchost.exe). */
static const char *const system_files[] = {"cmd.exe",
                                           "powershell.exe",
                                           "pwsh.exe",
                                           "rundll32.exe",
                                           "regsvr32.exe",
                                           "mshta.exe",
                                           "wscript.exe",
                                           "cscript.exe",
                                           "svchost.exe",
                                           "explorer.exe",
                                           "lsass.exe",
                                           "winlogon.exe",
                                           "services.exe",
                                           "csrss.exe",
                                           "smss.exe",
                                           "taskhost.exe",
                                           "taskhostw.exe",
                                           "msiexec.exe",
                                           "certutil.exe",
                                           "bitsadmin.exe",
                                           "schtasks.exe",
                                           "wmic.exe",
                                           "net.exe",
                                           "net1.exe",
                                           "reg.exe",
                                           "regedit.exe",
                                           "conhost.exe",
                                           "dllhost.exe",
                                           "spoolsv.exe",
                                           "notepad.exe",
                                           "calc.exe",
                                           "werfault.exe",
                                           "wininit.exe",
                                           "ntdll.dll",
                                           "kernel32.dll",
                                           "kernelbase.dll",
                                           "user32.dll",
                                           "advapi32.dll",
                                           "ws2_32.dll",
                                           "wininet.dll",
                                           "shell32.dll",
                                           "ole32.dll",
                                           "msvcrt.dll",
                                           "ntoskrnl.exe",
                                           "wmiprvse.exe",
                                           "sihost.exe",
                                           "searchindexer.exe",
                                           "wsmprovhost.exe",
                                           "hh.exe",
                                           "findstr.exe",
                                           "vssadmin.exe",
                                           "wevtutil.exe",
                                           "bcdedit.exe",
                                           "taskmgr.exe",
                                           "mstsc.exe",
                                           "iexplore.exe",
                                           "chrome.exe",
                                           "firefox.exe",
                                           "msedge.exe",
                                           "winword.exe",
                                           "excel.exe",
                                           "powerpnt.exe",
                                           "outlook.exe",
                                           "ipconfig.exe",
                                           "whoami.exe",
                                           "tasklist.exe",
                                           "systeminfo.exe",
                                           "nltest.exe",
                                           "ping.exe",
                                           "curl.exe",
                                           "wget.exe",
                                           "sc.exe",
                                           "at.exe",
                                           "forfiles.exe",
                                           "installutil.exe",
                                           "regasm.exe",
                                           "regsvcs.exe",
                                           "msbuild.exe",
                                           "odbcconf.exe",
                                           "cmstp.exe",
                                           "pcalua.exe",
                                           "fodhelper.exe",
                                           "eventvwr.exe",
                                           "sdclt.exe",
                                           "computerdefaults.exe",
                                           "mmc.exe",
                                           "dism.exe",
                                           "wusa.exe",
                                           "expand.exe",
                                           "extrac32.exe",
                                           "esentutl.exe",
                                           "ntdsutil.exe",
                                           "procdump.exe",
                                           "psexec.exe",
                                           "adfind.exe",
                                           NULL};

/* Reserved and example names: documentation, not indicators. */
static const char *const reserved_names[] = {
    "example",   "example.com", "example.net", "example.org", "test",
    "invalid",   "localhost",   "local",       "lan",         "internal",
    "home.arpa", "domain.com",  "domain.tld",  NULL};

/* Extensions of documents that come with an advisory (its sources, its
 * rules): a file name ending in one is a reference on a line that speaks
 * of sources. A wordset, though small: most names asked about are none. */
static const char *const doc_exts[] = {"json", "pdf",  "html",  "htm",
                                       "csv",  "xml",  "md",    "adoc",
                                       "yar",  "yara", "rules", NULL};

static wordset set_exts, set_refs, set_benign, set_abbrev, set_sysfiles,
    set_reserved, set_software, set_docs;
static void ctx_prefix_init(void);
static void title_words_init(void);
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;
static atomic_int sets_ready; /* set last by sets_init */

static void sets_init(void)
{
    byte_class_init();
    ctx_prefix_init();
    title_words_init();
    set_build(&set_exts, file_exts);
    set_build(&set_refs, reference_sites);
    set_build(&set_benign, benign_domains);
    set_build(&set_abbrev, prose_abbrev);
    set_build(&set_sysfiles, system_files);
    set_build(&set_reserved, reserved_names);
    set_build(&set_software, software_names);
    set_build(&set_docs, doc_exts);
    atomic_store_explicit(&sets_ready, 1, memory_order_release);
}

/* The tables above, built once: after the first call, one load (the hot
 * paths ask for every token). */
static inline void sets_need(void)
{
    if (!atomic_load_explicit(&sets_ready, memory_order_acquire))
        pthread_once(&sets_once, sets_init);
}

/* Small lists are searched in order; the large ones are wordsets. */
static int in_list(const char *const *list, const char *s, size_t n)
{
    for (size_t i = 0; list[i]; i++)
        if (kz_eq_word_ci(s, n, list[i]))
            return 1;
    return 0;
}

static int in_set(const wordset *ws, const char *s, size_t n)
{
    sets_need();
    return set_has(ws, s, n);
}

/* The host itself or any parent domain of it is in the set. */
static int host_in_set(const wordset *ws, const char *host, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (in_set(ws, host + i, n - i))
            return 1;
        const char *dot = memchr(host + i, '.', n - i);
        if (!dot)
            break;
        i = (size_t)(dot - host) + 1;
    }
    return 0;
}

static int domain_is_reserved(const char *d, size_t n)
{
    return host_in_set(&set_reserved, d, n);
}

int kz_scan_is_file_ext(const char *ext, size_t n)
{
    return in_set(&set_exts, ext, n);
}

/* ---- line context ---------------------------------------------------------
 */

/* The context flag of one word (lower-cased, 3 to 12 letters), by its
 * first letter so a line costs one pass. */
static int ctx_of_word(const char *w, size_t n)
{
#define IS(lit) (n == sizeof lit - 1 && memcmp(w, lit, n) == 0)
#define STARTS(lit) (n >= sizeof lit - 1 && memcmp(w, lit, sizeof lit - 1) == 0)
    switch (w[0]) {
    case 'a':
        return IS("available") || IS("advisory") ? KZ_CTX_SOURCE
               : IS("author")                    ? KZ_CTX_AUTHOR
               : IS("authentihash")              ? KZ_CTX_AUTHENTIHASH
                                                 : 0;
    case 'b':
        return IS("build")      ? KZ_CTX_VERSION
               : STARTS("blog") ? KZ_CTX_SOURCE
                                : 0;
    case 'c':
        return IS("contact") || STARTS("credit") ? KZ_CTX_AUTHOR
               : IS("copyright")                 ? KZ_CTX_SOURCE
                                                 : 0;
    case 'f':
        return IS("firmware") ? KZ_CTX_VERSION : 0;
    case 'i':
        return IS("imphash") ? KZ_CTX_IMPHASH : 0;
    case 'j':
        return IS("ja3") ? KZ_CTX_JA3 : IS("ja3s") ? KZ_CTX_JA3S : 0;
    case 'm':
        return IS("mutex") || IS("mutexes") || IS("mutant") || IS("mutants")
                   ? KZ_CTX_MUTEX
                   : 0;
    case 'p':
        return IS("published") ? KZ_CTX_SOURCE
               : IS("pehash")  ? KZ_CTX_IMPHASH
                               : 0;
    case 'r':
        return IS("release") ? KZ_CTX_VERSION
               : IS("reference") || IS("references") || IS("report")
                   ? KZ_CTX_SOURCE
                   : 0;
    case 's':
        return IS("source") || IS("sources") || IS("see") ? KZ_CTX_SOURCE
               : STARTS("serial")                         ? KZ_CTX_SERIAL
               : IS("ssdeep")                             ? KZ_CTX_IMPHASH
                                                          : 0;
    case 't':
        return IS("tlsh") ? KZ_CTX_IMPHASH : 0;
    case 'v':
        return IS("version") || IS("versions") || IS("ver") ? KZ_CTX_VERSION
                                                            : 0;
    case 'w':
        return IS("whitepaper") ? KZ_CTX_SOURCE : 0;
    default:
        return 0;
    }
#undef IS
#undef STARTS
}

/* Three-letter beginnings of the words ctx_of_word knows, which reject
 * most words of a line: one bit per first three bytes of a word, five low bits
 * of each (so case does not matter; a few other bytes share a letter's bits,
 * which the exact comparison in ctx_of_word sorts out): 4 KiB, looked up
 * without a branch per letter. */
static uint8_t ctx_prefix[1u << 12];

static unsigned tri_index(const char *w)
{
    return ((unsigned)((unsigned char)w[0] & 31) << 10) |
           ((unsigned)((unsigned char)w[1] & 31) << 5) |
           ((unsigned char)w[2] & 31);
}

static void ctx_prefix_init(void)
{
    static const char *const pfx[] = {
        "ava", "adv", "aut", "bui", "blo", "con", "cop", "cre", "fir",
        "imp", "ja3", "mut", "pub", "peh", "rel", "ref", "rep", "sou",
        "see", "ser", "ssd", "tls", "ver", "whi", NULL};
    for (size_t k = 0; pfx[k]; k++) {
        unsigned t = tri_index(pfx[k]);
        ctx_prefix[t >> 3] |= (uint8_t)(1u << (t & 7));
    }
}

/* The context flag of the word starting at p (a letter that no letter or
 * digit precedes). */
static int ctx_word_at(const char *s, size_t p, size_t n)
{
    if (p + 2 >= n)
        return 0;
    unsigned t = tri_index(s + p);
    if (!(ctx_prefix[t >> 3] & (1u << (t & 7))))
        return 0;
    size_t j = p + 2;
    while (j < n && j - p <= 12 && (word_class[(unsigned char)s[j]] & WC_ALNUM))
        j++;
    size_t wl = j - p;
    if (wl < 3 || wl > 12)
        return 0;
    char w[16];
    for (size_t q = 0; q < wl; q++)
        w[q] = (char)kz_lower((unsigned char)s[p + q]);
    return ctx_of_word(w, wl);
}

/* A word starts at a letter not preceded by a letter or digit. */
static int word_start(const char *s, size_t p)
{
    return (word_class[(unsigned char)s[p]] & WC_ALPHA) &&
           (p == 0 || !(word_class[(unsigned char)s[p - 1]] & WC_ALNUM));
}

static int line_words_ref(const char *s, size_t from, size_t n, int *nonascii)
{
    int f = 0;
    for (size_t p = from; p < n; p++) {
        *nonascii |= (unsigned char)s[p] >= 0x80;
        if (word_start(s, p))
            f |= ctx_word_at(s, p, n);
    }
    return f;
}

/* The context words of the line, sixteen bytes at a time where possible:
 * word starts are letters whose previous byte is no letter or digit. */
static int line_words(const char *s, size_t n, int *nonascii)
{
    size_t p = 0;
    int f = 0;
#if KZ_HAVE_V16
    unsigned carry = 0; /* the byte before p is a letter or digit */
    unsigned hi = 0;
    for (; n - p >= 16 && p < n; p += 16) {
        kz_v16 v = kz_v16_load(s + p);
        kz_v16 l = kz_v16_lower(v);
        unsigned alpha = kz_v16_bits(kz_v16_range(l, 'a', 'z'));
        unsigned alnum = alpha | kz_v16_bits(kz_v16_range(v, '0', '9'));
        hi |= kz_v16_bits(v);
        unsigned starts = alpha & ~((alnum << 1) | carry) & 0xFFFF;
        carry = (alnum >> 15) & 1;
        while (starts) {
            unsigned k = (unsigned)__builtin_ctz(starts);
            starts &= starts - 1;
            f |= ctx_word_at(s, p + k, n);
        }
    }
    *nonascii |= hi != 0;
#endif
    return f | line_words_ref(s, p, n, nonascii);
}

int kz_scan_line_context_ref(const char *s, size_t n)
{
    int nonascii = 0;
    sets_need();
    int f = line_words_ref(s, 0, n, &nonascii);
    return f & KZ_CTX_JA3S ? f & ~KZ_CTX_JA3 : f;
}

/* Whether the m bytes of w occur in s[0, n): memchr looks for w[at]
 * (at < m), chosen rarer in Japanese text than a word's first byte (E3,
 * E5, E8 or E9, which starts most kana and kanji), and each place it is
 * found is compared whole. */
static int find_bytes(const char *s, size_t n, const char *w, size_t m,
                      size_t at)
{
    if (m == 0 || n < m)
        return 0;
    const char *p = s + at, *last = s + (n - m) + at;
    while (p <= last) {
        p = memchr(p, (unsigned char)w[at], (size_t)(last - p) + 1);
        if (!p)
            return 0;
        if (memcmp(p - at, w, m) == 0)
            return 1;
        p++;
    }
    return 0;
}

/* A string literal and its length, for find_bytes. */
#define JP_WORD(w) w, sizeof w - 1

int kz_scan_line_context(const char *s, size_t n)
{
    int nonascii = 0;
    sets_need();
    int f = line_words(s, n, &nonascii);
    if (f & KZ_CTX_JA3S)
        f &= ~KZ_CTX_JA3;
    /* Japanese words, found as bytes (case does not apply) by their byte
     * at "at" (see find_bytes). */
    static const struct {
        const char *w;
        size_t len, at;
        int flag;
    } jp[] = {
        {JP_WORD("\xe5\x8f\x82\xe8\x80\x83"), 1, KZ_CTX_SOURCE}, /* 参考 */
        {JP_WORD("\xe5\x87\xba\xe5\x85\xb8"), 1, KZ_CTX_SOURCE}, /* 出典 */
        {JP_WORD("\xe8\xa9\xb3\xe7\xb4\xb0"), 2, KZ_CTX_SOURCE}, /* 詳細 */
        {JP_WORD(
             "\xe3\x83\x90\xe3\x83\xbc\xe3\x82\xb8\xe3\x83\xa7\xe3\x83\xb3"),
         2, KZ_CTX_VERSION}, /* バージョン */
        {JP_WORD("\xe3\x83\x9f\xe3\x83\xa5\xe3\x83\xbc\xe3\x83\x86"), 5,
         KZ_CTX_MUTEX}, /* ミューテ(ックス) */
        {JP_WORD("\xe9\x80\xa3\xe7\xb5\xa1\xe5\x85\x88"), 4,
         KZ_CTX_AUTHOR}, /* 連絡先 */
        {JP_WORD("\xe5\x95\x8f\xe3\x81\x84\xe5\x90\x88\xe3\x82\x8f"), 2,
         KZ_CTX_AUTHOR}, /* 問い合わ(せ) */
    };
    for (size_t k = 0; nonascii && k < sizeof jp / sizeof jp[0]; k++)
        if (!(f & jp[k].flag) && find_bytes(s, n, jp[k].w, jp[k].len, jp[k].at))
            f |= jp[k].flag;
    return f;
}

/* word_ci on a lower-cased, NUL-terminated text, through strstr. */
static int word_in_low(const char *low, size_t n, const char *w)
{
    size_t m = strlen(w);
    for (const char *p = strstr(low, w); p; p = strstr(p + 1, w)) {
        size_t i = (size_t)(p - low);
        if ((i == 0 || !kz_is_alnum((unsigned char)low[i - 1])) &&
            (i + m >= n || !kz_is_alnum((unsigned char)low[i + m])))
            return 1;
    }
    return 0;
}

/* Title words, tried in order; the first that is there gives the hint.
 * How: 'c' anywhere in the title, 'w' as a whole word, 'e' the title is
 * the word. When: 0 any title, 'c' columns only, 'h' headings only. */
static struct title_word {
    const char *w;
    char how, when;
    kz_hint hint;
    uint64_t pairs; /* title_pairs of w, set by sets_init */
} title_words[] = {
    /* A "Detection" column holds detection names; a section only when its
     * title says names ("ESET detection names"), not "Detection ideas". */
    {"detection", 'c', 'c', KZ_HINT_SKIP, 0},
    {"detection name", 'c', 'h', KZ_HINT_SKIP, 0},
    {"detections", 'e', 'h', KZ_HINT_SKIP, 0},
    {"first seen", 'c', 'c', KZ_HINT_SKIP, 0},
    {"last seen", 'c', 'c', KZ_HINT_SKIP, 0},
    {"provider", 'c', 'c', KZ_HINT_SKIP, 0},
    {"hosting", 'c', 'c', KZ_HINT_SKIP, 0},
    {"country", 'c', 'c', KZ_HINT_SKIP, 0},
    {"date", 'w', 'c', KZ_HINT_SKIP, 0},
    {"valid from", 'c', 'c', KZ_HINT_SKIP, 0},
    {"valid to", 'c', 'c', KZ_HINT_SKIP, 0},
    {"subject", 'c', 'c', KZ_HINT_SKIP, 0},
    {"issuer", 'c', 'c', KZ_HINT_SKIP, 0},
    {"algorithm", 'c', 'c', KZ_HINT_SKIP, 0},
    {"serial", 'c', 0, KZ_HINT_NOHASH, 0},
    {"imphash", 'c', 0, KZ_HINT_NOHASH, 0},
    {"ssdeep", 'c', 0, KZ_HINT_NOHASH, 0},
    {"tox", 'w', 0, KZ_HINT_NOHASH, 0},
    {"mutex", 'c', 0, KZ_HINT_MUTEX, 0},
    {"mutant", 'c', 0, KZ_HINT_MUTEX, 0},
    {"\xe3\x83\x9f\xe3\x83\xa5\xe3\x83\xbc\xe3\x83\x86", 'c', 0, KZ_HINT_MUTEX,
     0}, /* ミューテ */
    {"registry", 'c', 0, KZ_HINT_REGKEY, 0},
    {"\xe3\x83\xac\xe3\x82\xb8\xe3\x82\xb9\xe3\x83\x88\xe3\x83\xaa", 'c', 0,
     KZ_HINT_REGKEY, 0}, /* レジストリ */
    {"authentihash", 'c', 0, KZ_HINT_AUTHENTIHASH, 0},
    {"ja3s", 'w', 0, KZ_HINT_JA3S, 0},
    {"ja3", 'w', 0, KZ_HINT_JA3, 0},
    {"user agent", 'c', 0, KZ_HINT_UA, 0},
    {"user-agent", 'c', 0, KZ_HINT_UA, 0},
    {"path", 'w', 0, KZ_HINT_FILEPATH, 0},
    {"paths", 'w', 0, KZ_HINT_FILEPATH, 0},
    {"location", 'w', 'c', KZ_HINT_FILEPATH, 0},
    {"\xe3\x83\x91\xe3\x82\xb9", 'c', 0, KZ_HINT_FILEPATH, 0}, /* パス */
    {"file name", 'c', 0, KZ_HINT_FILENAME, 0},
    {"filename", 'c', 0, KZ_HINT_FILENAME, 0},
    {"file", 'e', 'c', KZ_HINT_FILENAME, 0},
    {"files", 'e', 'c', KZ_HINT_FILENAME, 0},
    {"\xe3\x83\x95\xe3\x82\xa1\xe3\x82\xa4\xe3\x83\xab\xe5\x90\x8d", 'c', 0,
     KZ_HINT_FILENAME, 0}, /* ファイル名 */
    {"domain", 'c', 'c', KZ_HINT_DOMAIN, 0},
    {"hostname", 'c', 'c', KZ_HINT_DOMAIN, 0},
    {"host", 'e', 'c', KZ_HINT_DOMAIN, 0},
    {"references", 'w', 'h', KZ_HINT_REFERENCE, 0},
    {"reference", 'w', 'h', KZ_HINT_REFERENCE, 0},
    {"sources", 'w', 'h', KZ_HINT_REFERENCE, 0},
    {"bibliography", 'w', 'h', KZ_HINT_REFERENCE, 0},
    {"resources", 'w', 'h', KZ_HINT_REFERENCE, 0},
    {"further reading", 'c', 'h', KZ_HINT_REFERENCE, 0},
    {"\xe5\x87\xba\xe5\x85\xb8", 'c', 'h', KZ_HINT_REFERENCE, 0}, /* 出典 */
    /* Contact sections: their addresses and links are the publisher's. */
    {"contact", 'e', 'h', KZ_HINT_REFERENCE, 0},
    {"contacts", 'e', 'h', KZ_HINT_REFERENCE, 0},
    {"contact information", 'e', 'h', KZ_HINT_REFERENCE, 0},
    {"contact us", 'e', 'h', KZ_HINT_REFERENCE, 0},
    {"\xe5\x95\x8f\xe3\x81\x84\xe5\x90\x88\xe3\x82\x8f\xe3\x81\x9b", 'c', 'h',
     KZ_HINT_REFERENCE, 0}, /* 問い合わせ */
    {"\xe5\x95\x8f\xe5\x90\x88\xe3\x81\x9b", 'c', 'h', KZ_HINT_REFERENCE,
     0}, /* 問合せ */
    {"\xe7\x9b\xb8\xe8\xab\x87", 'c', 'h', KZ_HINT_REFERENCE, 0}, /* 相談 */
    {"\xe9\x80\xa3\xe7\xb5\xa1\xe5\x85\x88", 'c', 'h', KZ_HINT_REFERENCE,
     0}, /* 連絡先 */
    {"\xe5\x8f\x82\xe8\x80\x83", 'c', 'h', KZ_HINT_REFERENCE, 0}, /* 参考 */
};

/* A 64-bit summary of the byte pairs of a lower-cased text: a word can
 * only be in a title whose summary holds all the bits of its own. */
static uint64_t title_pairs(const char *s, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i + 1 < n; i++)
        m |= (uint64_t)1 << (((unsigned char)s[i] * 7u +
                              (unsigned char)s[i + 1]) &
                             63u);
    return m;
}

#define TITLE_WORDS (sizeof title_words / sizeof *title_words)

/* The title words that apply to headings (0) and to columns (1), in
 * order: their pairs, and their indices in title_words (set by
 * sets_init). */
static uint64_t title_use_pairs[2][TITLE_WORDS];
static unsigned char title_use[2][TITLE_WORDS];
static size_t title_nuse[2];

static void title_words_init(void)
{
    for (size_t k = 0; k < TITLE_WORDS; k++) {
        struct title_word *t = &title_words[k];
        t->pairs = title_pairs(t->w, strlen(t->w));
        for (int col = 0; col < 2; col++)
            if (!(t->when == 'c' && !col) && !(t->when == 'h' && col)) {
                title_use_pairs[col][title_nuse[col]] = t->pairs;
                title_use[col][title_nuse[col]++] = (unsigned char)k;
            }
    }
}

kz_hint kz_scan_title_hint(const char *s, size_t n, int is_column)
{
    sets_need();
    /* Titles are short: lower-cased once, then only the words whose byte
     * pairs are all there are searched for (with strstr). A title that is
     * a word ('e') has the word's pairs too. */
    char low[256];
    int fast = n < sizeof low && !memchr(s, '\0', n);
    uint64_t tp = 0;
    if (fast) {
        for (size_t i = 0; i < n; i++)
            low[i] = (char)kz_lower((unsigned char)s[i]);
        low[n] = '\0';
        tp = title_pairs(low, n);
    }
    int col = is_column ? 1 : 0;
    const uint64_t *up = title_use_pairs[col];
    uint64_t absent = fast ? ~tp : 0; /* pairs the title has not */
    for (size_t j = 0; j < title_nuse[col]; j++) {
        if (up[j] & absent)
            continue;
        const struct title_word *t = &title_words[title_use[col][j]];
        int hit;
        if (t->how == 'e')
            hit = kz_eq_word_ci(s, n, t->w);
        else if (t->how == 'c')
            hit = fast ? strstr(low, t->w) != NULL : contains_ci(s, n, t->w);
        else
            hit = fast ? word_in_low(low, n, t->w) : word_ci(s, n, t->w);
        if (hit)
            return t->hint;
    }
    return KZ_HINT_NONE;
}

/* 1 when the rest of a URL after its host asks a site for a file to
 * download ("docs.google.com/uc?export=download&id=...",
 * "github.com/x/y/releases/download/v1/a.exe", ".../raw/..."): a payload
 * kept on a reference site is still an indicator. */
static int download_link(const char *r, size_t n)
{
    /* One pass for the marks "export=download", "/releases/download/",
     * "/raw/", "/file/d/" and "/uc?" (any case): each is looked for only
     * where its first byte is. */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)r[i];
        if (c == '/') {
            const char *p = r + i;
            size_t left = n - i;
            if (kz_starts_ci(p, left, "/releases/download/") ||
                kz_starts_ci(p, left, "/raw/") ||
                kz_starts_ci(p, left, "/file/d/") ||
                kz_starts_ci(p, left, "/uc?"))
                return 1;
        } else if ((c | 0x20) == 'e' &&
                   kz_starts_ci(r + i, n - i, "export=download")) {
            return 1;
        }
    }
    return 0;
}

/* ---- classification -------------------------------------------------------
 */

/* 1 when s[0, n) is an AWS region name: "us-east-1", "ap-southeast-2",
 * "us-gov-west-1" (two letters, words, a digit). */
static int aws_region(const char *s, size_t n)
{
    if (n < 6 || !kz_is_digit((unsigned char)s[n - 1]) || s[n - 2] != '-' ||
        !kz_is_alpha((unsigned char)s[0]) ||
        !kz_is_alpha((unsigned char)s[1]) || s[2] != '-')
        return 0;
    for (size_t i = 3; i < n - 2; i++)
        if (!kz_is_alpha((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* 1 when the host d[0, n) (lower case) is an AWS service endpoint:
 * "iam.amazonaws.com", "sts.us-east-1.amazonaws.com" (a service, or a
 * service in a region). AWS names its customers' resources one label or
 * more below those ("bucket.s3.amazonaws.com",
 * "ec2-1-2-3-4.compute-1.amazonaws.com"): they stay indicators. */
static int aws_endpoint(const char *d, size_t n)
{
    static const char sfx[] = ".amazonaws.com";
    size_t l = sizeof sfx - 1;
    if (n <= l || memcmp(d + n - l, sfx, l) != 0)
        return 0;
    size_t m = n - l; /* "iam" or "sts.us-east-1" */
    const char *dot = memchr(d, '.', m);
    if (!dot)
        return 1;
    size_t r = (size_t)(dot - d) + 1;
    return dot > d && !memchr(d + r, '.', m - r) && aws_region(d + r, m - r);
}

static int ip_is_global(const uint8_t a[16], int family)
{
    if (family == 4) {
        const uint8_t *b = a + 12;
        if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224)
            return 0;
        if (b[0] == 169 && b[1] == 254)
            return 0;
        if (b[0] == 172 && (b[1] & 0xF0) == 16)
            return 0;
        if (b[0] == 192 && b[1] == 168)
            return 0;
        if (b[0] == 100 && (b[1] & 0xC0) == 64)
            return 0;
        if (b[0] == 192 && b[1] == 0 && (b[2] == 0 || b[2] == 2))
            return 0;
        if (b[0] == 198 && (b[1] == 18 || b[1] == 19))
            return 0;
        if (b[0] == 198 && b[1] == 51 && b[2] == 100)
            return 0;
        if (b[0] == 203 && b[1] == 0 && b[2] == 113)
            return 0;
        return 1;
    }
    static const uint8_t zero[16];
    if (memcmp(a, zero, 15) == 0) /* :: and ::1 */
        return 0;
    if (a[0] == 0xFF) /* multicast */
        return 0;
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) /* link-local */
        return 0;
    if ((a[0] & 0xFE) == 0xFC) /* unique local */
        return 0;
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8)
        return 0; /* documentation */
    return 1;
}

static void url_host(const char *u, size_t n, const char **h, size_t *hn)
{
    const char *p = memchr(u, ':', n);
    *h = u;
    *hn = 0;
    if (!p || (size_t)(p - u) + 3 > n || p[1] != '/' || p[2] != '/')
        return;
    const char *s = p + 3, *e = u + n;
    /* One pass to the end of the authority (q): the last '@' and the
     * first ':' after it. */
    const char *q = s, *at = NULL, *colon = NULL;
    for (; q < e; q++) {
        char ch = *q;
        if ((unsigned char)ch > '@')
            continue; /* letters and the like: none of the bytes below */
        if (ch == '/' || ch == '?' || ch == '#')
            break;
        if (ch == '@') {
            at = q;
            colon = NULL;
        } else if (ch == ':' && !colon) {
            colon = q;
        }
    }
    if (at)
        s = at + 1;
    const char *c = q;
    if (s < q && *s == '[') {
        const char *rb = memchr(s, ']', (size_t)(q - s));
        c = rb ? rb + 1 : q;
    } else if (colon) {
        c = colon;
    }
    *h = s;
    *hn = (size_t)(c - s);
}

static int is_system_file(const char *s, size_t n);

/* "C:\Windows\System32\cmd.exe", "%SystemRoot%\SysWOW64\rundll32.exe":
 * a standard system program in the folder Windows keeps it in. The same
 * name anywhere else (C:\ProgramData\svchost.exe) is an indicator. */
static int system_path(const char *v, size_t n)
{
    static const char *const dirs[] = {
        "c:\\windows\\system32\\",
        "c:\\windows\\syswow64\\",
        "c:\\windows\\",
        "c:\\windows\\system32\\windowspowershell\\v1.0\\",
        "c:\\windows\\syswow64\\windowspowershell\\v1.0\\",
        "%windir%\\system32\\",
        "%windir%\\syswow64\\",
        "%windir%\\",
        "%systemroot%\\system32\\",
        "%systemroot%\\syswow64\\",
        "c:\\windows\\sysnative\\",
        "%windir%\\sysnative\\",
        "%systemroot%\\sysnative\\",
        "%systemroot%\\",
        NULL};
    const char *base = v + n;
    while (base > v && base[-1] != '\\')
        base--;
    size_t dn = (size_t)(base - v);
    if (dn == 0 || !is_system_file(base, n - dn))
        return 0;
    for (size_t k = 0; dirs[k]; k++)
        if (strlen(dirs[k]) == dn && kz_starts_ci(v, dn, dirs[k]))
            return 1;
    return 0;
}

kz_ioc_class kz_scan_classify(kz_type t, const char *v, size_t n, kz_hint hint,
                              int ctx, int defanged, const char **why)
{
    *why = NULL;
    switch (t) {
    case KZ_T_IPV4:
    case KZ_T_IPV6: {
        uint8_t a[16];
        int fam;
        if (kz_norm_ip(v, n, a, &fam, NULL) == KZ_OK && !ip_is_global(a, fam)) {
            *why = "private, loopback or reserved address";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && in_list(public_resolvers, v, n)) {
            *why = "well-known public DNS resolver";
            return KZ_CLASS_REFERENCE;
        }
        break;
    }
    case KZ_T_CIDR: {
        uint8_t a[16];
        int fam;
        unsigned pfx;
        if (kz_norm_cidr(v, n, a, &fam, &pfx, NULL) == KZ_OK &&
            !ip_is_global(a, fam)) {
            *why = "private, loopback or reserved range";
            return KZ_CLASS_REFERENCE;
        }
        break;
    }
    case KZ_T_DOMAIN:
        if (domain_is_reserved(v, n)) {
            *why = "reserved example or local name";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && host_in_set(&set_benign, v, n)) {
            *why = "well-known benign domain";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && in_list(public_doh, v, n)) {
            *why = "well-known public DNS resolver";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && host_in_set(&set_refs, v, n)) {
            *why = "security vendor or reference site";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && aws_endpoint(v, n)) {
            *why = "AWS service endpoint";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && hint == KZ_HINT_REFERENCE) {
            *why = "listed under a references heading";
            return KZ_CLASS_REFERENCE;
        }
        break;
    case KZ_T_URL: {
        const char *h;
        size_t hn;
        url_host(v, n, &h, &hn);
        if (hn && domain_is_reserved(h, hn)) {
            *why = "reserved example or local name";
            return KZ_CLASS_REFERENCE;
        }
        if (hn && !defanged && host_in_set(&set_refs, h, hn) &&
            !download_link(h + hn, (size_t)(v + n - (h + hn)))) {
            *why = "link to a security vendor or reference site";
            return KZ_CLASS_REFERENCE;
        }
        if (hn && !defanged && in_list(public_doh, h, hn)) {
            *why = "well-known public DNS resolver";
            return KZ_CLASS_REFERENCE;
        }
        if (hn && !defanged) {
            /* "https://www.office.com/": a well-known site's home page
             * (where a kit sends its victims afterwards) is nothing to
             * block; a path on it may be ("docs.google.com/uc?id=..."). */
            const char *r = h + hn, *e = v + n;
            if (r < e && *r == ':')
                while (r < e && *r != '/')
                    r++;
            if ((r == e || (r + 1 == e && *r == '/')) &&
                host_in_set(&set_benign, h, hn)) {
                *why = "home page of a well-known benign site";
                return KZ_CLASS_REFERENCE;
            }
        }
        if (!defanged && hint == KZ_HINT_REFERENCE) {
            *why = "listed under a references heading";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && (ctx & KZ_CTX_SOURCE)) {
            *why = "source link of the advisory";
            return KZ_CLASS_REFERENCE;
        }
        if (hn) {
            uint8_t a[16];
            int fam;
            if (kz_norm_ip(h, hn, a, &fam, NULL) == KZ_OK &&
                !ip_is_global(a, fam)) {
                *why = "private, loopback or reserved address";
                return KZ_CLASS_REFERENCE;
            }
        }
        break;
    }
    case KZ_T_CVE:
        *why = "vulnerability identifier: context, not an indicator";
        return KZ_CLASS_REFERENCE;
    case KZ_T_ASN:
        *why = "autonomous system: network context, not an indicator";
        return KZ_CLASS_REFERENCE;
    case KZ_T_EMAIL: {
        const char *at = memchr(v, '@', n);
        if (at && domain_is_reserved(at + 1, n - (size_t)(at + 1 - v))) {
            *why = "reserved example or local name";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && (ctx & KZ_CTX_AUTHOR)) {
            *why = "author or contact address";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && hint == KZ_HINT_REFERENCE) {
            *why = "listed under a references or contact heading";
            return KZ_CLASS_REFERENCE;
        }
        if (!defanged && at &&
            host_in_set(&set_refs, at + 1, n - (size_t)(at + 1 - v))) {
            *why = "address at a security vendor or reference site";
            return KZ_CLASS_REFERENCE;
        }
        break;
    }
    case KZ_T_FILEPATH:
        if (system_path(v, n)) {
            *why = "standard system file at its usual place";
            return KZ_CLASS_REFERENCE;
        }
        break;
    default:
        break;
    }
    return KZ_CLASS_INDICATOR;
}

/* ---- the scanner ----------------------------------------------------------
 */

typedef struct scan {
    const kz_segment *seg;
    kz_scan_emit_fn emit;
    void *ud;
    char buf[KZ_MAX_VALUE + 1];
    int in_code; /* the text at hand is a whole code span or cell */
    int in_cmd;  /* ... holding several words: a command or description */
    int span;    /* the text at hand is a code span (not a table cell) */
    /* SEG_* bytes the segment may hold: seg_bytes of a segment scanned as
     * text, SEG_ALL otherwise. */
    unsigned has;
    kz_ni_state ni; /* the chunk loop's last prefilter block */
} scan;

/* The SEG_* bytes s[0, n) holds, sixteen at a time (the last sixteen
 * overlap the ones before when n is no multiple of sixteen). */
#if KZ_HAVE_V32
/* seg_bytes with AVX2, n >= 16: each byte's SEG_* bit through tables of
 * its two halves (each bit in one entry of each), OR-ed over the segment
 * 32 bytes at a time (the last 32 overlap the ones before; under 32, two
 * overlapping blocks of 16), then over the bytes of the sum. */
KZ_AVX2 static unsigned seg_bytes_avx2(const char *s, size_t n)
{
    static const unsigned char lo[16] = {[0x0] = SEG_TICK,
                                         [0x2] = SEG_QUOTE,
                                         [0x3] = SEG_E3,
                                         [0xC] = SEG_BSLASH,
                                         [0xF] = SEG_SLASH};
    static const unsigned char hi[16] = {[0x2] = SEG_SLASH | SEG_QUOTE,
                                         [0x5] = SEG_BSLASH,
                                         [0x6] = SEG_TICK,
                                         [0xE] = SEG_E3};
    const __m256i tl = kz_v32_table(lo), th = kz_v32_table(hi);
    __m128i x;
    if (n >= 32) {
        __m256i acc = kz_v32_classify(kz_v32_load(s), tl, th);
        for (size_t p = 32; p < n; p += 32)
            acc = _mm256_or_si256(
                acc, kz_v32_classify(kz_v32_load(s + (n - p < 32 ? n - 32 : p)),
                                     tl, th));
        x = _mm_or_si128(_mm256_castsi256_si128(acc),
                         _mm256_extracti128_si256(acc, 1));
    } else {
        /* both blocks of 16 in one vector */
        __m256i v = _mm256_inserti128_si256(
            _mm256_castsi128_si256(kz_v16_load(s)), kz_v16_load(s + n - 16), 1);
        __m256i c = kz_v32_classify(v, tl, th);
        x = _mm_or_si128(_mm256_castsi256_si128(c),
                         _mm256_extracti128_si256(c, 1));
    }
    uint64_t w =
        (uint64_t)_mm_cvtsi128_si64(x) | (uint64_t)_mm_extract_epi64(x, 1);
    w |= w >> 32;
    w |= w >> 16;
    w |= w >> 8;
    return (unsigned)(w & 0xFF);
}
#endif

static unsigned seg_bytes(const char *s, size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2 && n >= 16)
        return seg_bytes_avx2(s, n);
#endif
#if KZ_HAVE_V16
    if (n >= 16) {
        kz_v16 v = kz_v16_load(s);
        kz_v16 sl = kz_v16_eq(v, '/'), bs = kz_v16_eq(v, '\\');
        kz_v16 qu = kz_v16_eq(v, '"'), ti = kz_v16_eq(v, '`');
        kz_v16 e3 = kz_v16_eq(v, (char)0xE3);
        for (size_t p = 16; p < n; p += 16) {
            v = kz_v16_load(s + (n - p < 16 ? n - 16 : p));
            sl = kz_v16_or(sl, kz_v16_eq(v, '/'));
            bs = kz_v16_or(bs, kz_v16_eq(v, '\\'));
            qu = kz_v16_or(qu, kz_v16_eq(v, '"'));
            ti = kz_v16_or(ti, kz_v16_eq(v, '`'));
            e3 = kz_v16_or(e3, kz_v16_eq(v, (char)0xE3));
        }
        return (kz_v16_bits(sl) ? SEG_SLASH : 0) |
               (kz_v16_bits(bs) ? SEG_BSLASH : 0) |
               (kz_v16_bits(qu) ? SEG_QUOTE : 0) |
               (kz_v16_bits(ti) ? SEG_TICK : 0) |
               (kz_v16_bits(e3) ? SEG_E3 : 0);
    }
#endif
    unsigned f = 0;
    for (size_t p = 0; p < n; p++)
        f |= seg_class[(unsigned char)s[p]];
    return f;
}

/* kz_domain_has_public_suffix through the extractor's cache: a lookup in
 * the Public Suffix List costs thousands of instructions, and advisories
 * and logs name the same hosts again and again (also thousands of hosts
 * apart, so every distinct name is kept, as for de-duplication). Names are
 * hashed without the case of their letters, so that ps_prefetch can find
 * a name's slot before it is lower-cased. */
static int has_ps(scan *sc, const char *d, size_t n)
{
    kz_psl_cache *c = sc->seg->psl_cache;
    if (!c)
        return kz_domain_has_public_suffix_memo(d, n, NULL);
    uint64_t h = kz_strmap_hash_ci(0, d, n);
    const kz_strmap_rec *e = kz_strmap_find(&c->names, 0, d, n, h);
    if (e)
        return e->val;
    int r = kz_domain_has_public_suffix_memo(d, n, &c->suffixes);
    if (c->names.n < KZ_PSL_NAMES) /* else asked again: no harm */
        (void)kz_strmap_get(&c->names, 0, d, n, h, 1, (unsigned)r, NULL);
    return r;
}

/* Loads into the cache the slot of has_ps's cache where the host name
 * s[0..n) will be looked up (once normalized: most names are only
 * lower-cased), while the token is still being classified: on a large
 * input the cache outgrows the processor's, and the lookup would wait. */
static void ps_prefetch(const scan *sc, const char *s, size_t n)
{
    const kz_psl_cache *c = sc->seg->psl_cache;
    if (c)
        kz_strmap_prefetch(&c->names, kz_strmap_hash_ci(0, s, n));
}

/* 1 when the writer defanged something in [a, b) of the segment: the text
 * as written differs from the refanged text. map has an entry for the end
 * of the refanged line, so map[base + b] is always valid (no map: the
 * line needed no refanging and offsets are the same). */
static int was_defanged(const scan *sc, size_t a, size_t b)
{
    const kz_segment *g = sc->seg;
    if (b <= a)
        return 0;
    size_t oa = KZ_SEG_MAP(g, a), ob = KZ_SEG_MAP(g, b);
    if (ob - oa != b - a)
        return 1;
    return memcmp(g->orig + oa, g->s + a, b - a) != 0;
}

/* 1 when the text as written for [a, b) holds an ASCII bracket: defanged
 * on purpose ("evil[.]top"), not only written in full-width letters or
 * with ideographic dots, which Japanese prose uses as punctuation
 * ("3．IoC" is a section number, not a host). */
static int bracket_defanged(const scan *sc, size_t a, size_t b)
{
    const kz_segment *g = sc->seg;
    if (b <= a)
        return 0;
    size_t oa = KZ_SEG_MAP(g, a), ob = KZ_SEG_MAP(g, b);
    for (size_t i = oa; i < ob && i < g->orig_n; i++) {
        char c = g->orig[i];
        if (c == '[' || c == ']' || c == '(' || c == ')' || c == '{' ||
            c == '}' || c == '<' || c == '>')
            return 1;
    }
    return 0;
}

/* The context flags a digest's type depends on (serial numbers,
 * imphashes, JA3, authentihashes): 0 at once when the line holds none of
 * "seri", "phash", "ehash", "ihash", "ja3", "ssde", "tlsh" in any case,
 * which every word setting them contains (imphash, pehash, authentihash:
 * not "hash" alone, which most lines of digests say); the whole line
 * context otherwise. */
#define HASH_CTX                                                               \
    (KZ_CTX_SERIAL | KZ_CTX_IMPHASH | KZ_CTX_JA3 | KZ_CTX_JA3S |               \
     KZ_CTX_AUTHENTIHASH)

static int hash_words_ref(const char *s, size_t from, size_t n)
{
    static const char *const w[] = {"seri", "phash", "ehash", "ihash",
                                    "ja3",  "ssde",  "tlsh"};
    for (size_t p = from; p < n; p++) {
        unsigned char c = (unsigned char)s[p] | 0x20;
        if (c != 's' && c != 'p' && c != 'e' && c != 'i' && c != 'j' &&
            c != 't')
            continue;
        for (size_t k = 0; k < 7; k++)
            if ((unsigned char)w[k][0] == c && kz_starts_ci(s + p, n - p, w[k]))
                return 1;
    }
    return 0;
}

#if KZ_HAVE_V16
/* 1 when a word starts in the sixteen positions at q (q[0..20) readable). */
static inline int hash_words_block(const char *q)
{
    kz_v16 l0 = kz_v16_lower(kz_v16_load(q));
    kz_v16 l1 = kz_v16_lower(kz_v16_load(q + 1));
    kz_v16 v2 = kz_v16_load(q + 2);
    kz_v16 l2 = kz_v16_lower(v2);
    kz_v16 l3 = kz_v16_lower(kz_v16_load(q + 3));
    kz_v16 l4 = kz_v16_lower(kz_v16_load(q + 4));
    kz_v16 seri =
        kz_v16_and(kz_v16_and(kz_v16_eq(l0, 's'), kz_v16_eq(l1, 'e')),
                   kz_v16_and(kz_v16_eq(l2, 'r'), kz_v16_eq(l3, 'i')));
    kz_v16 hash = kz_v16_and(
        kz_v16_or(kz_v16_or(kz_v16_eq(l0, 'p'), kz_v16_eq(l0, 'e')),
                  kz_v16_eq(l0, 'i')),
        kz_v16_and(kz_v16_and(kz_v16_eq(l1, 'h'), kz_v16_eq(l2, 'a')),
                   kz_v16_and(kz_v16_eq(l3, 's'), kz_v16_eq(l4, 'h'))));
    kz_v16 ja3 = kz_v16_and(kz_v16_and(kz_v16_eq(l0, 'j'), kz_v16_eq(l1, 'a')),
                            kz_v16_eq(v2, '3'));
    kz_v16 ssde =
        kz_v16_and(kz_v16_and(kz_v16_eq(l0, 's'), kz_v16_eq(l1, 's')),
                   kz_v16_and(kz_v16_eq(l2, 'd'), kz_v16_eq(l3, 'e')));
    kz_v16 tlsh =
        kz_v16_and(kz_v16_and(kz_v16_eq(l0, 't'), kz_v16_eq(l1, 'l')),
                   kz_v16_and(kz_v16_eq(l2, 's'), kz_v16_eq(l3, 'h')));
    return kz_v16_bits(kz_v16_or(kz_v16_or(seri, hash),
                                 kz_v16_or(ja3, kz_v16_or(ssde, tlsh)))) != 0;
}
#endif

#if KZ_HAVE_V32
/* hash_words_block on 32 positions at a time, with AVX2 (from *pp while
 * 36 bytes are left; *pp where it stopped). */
/* The bytes hash_words_avx2 compares with, 32 of each (see k32_hide). */
enum {
    HWK_LOWER, /* 0x20 */
    HWK_s,
    HWK_e,
    HWK_r,
    HWK_i,
    HWK_p,
    HWK_h,
    HWK_a,
    HWK_j,
    HWK_3,
    HWK_d,
    HWK_t,
    HWK_l,
    HWK_N
};
#define HWK_ROW(c)                                                             \
    {                                                                          \
        [0 ... 31] = (c)                                                       \
    }
static const unsigned char hw_k[HWK_N][32] __attribute__((aligned(32))) = {
    [HWK_LOWER] = HWK_ROW(0x20), [HWK_s] = HWK_ROW('s'), [HWK_e] = HWK_ROW('e'),
    [HWK_r] = HWK_ROW('r'),      [HWK_i] = HWK_ROW('i'), [HWK_p] = HWK_ROW('p'),
    [HWK_h] = HWK_ROW('h'),      [HWK_a] = HWK_ROW('a'), [HWK_j] = HWK_ROW('j'),
    [HWK_3] = HWK_ROW('3'),      [HWK_d] = HWK_ROW('d'), [HWK_t] = HWK_ROW('t'),
    [HWK_l] = HWK_ROW('l')};
#undef HWK_ROW

/* Whether one of the words starts in the 32 bytes at q (q[0..36)
 * readable); k is hw_k. The pairs of first two letters are tested first
 * (se, ss, ph, eh, ih, ja, tl): most blocks hold none, and the rest of
 * each word is compared only when one is there. */
KZ_AVX2 static inline int hash_words_block32(const char *q,
                                             const unsigned char (*k)[32])
{
#define HWK(r) kz_v32_load((const char *)k[r])
#define HW_EQ(v, r) _mm256_cmpeq_epi8(v, HWK(r))
    __m256i lower = HWK(HWK_LOWER);
    __m256i l0 = _mm256_or_si256(kz_v32_load(q), lower);
    __m256i l1 = _mm256_or_si256(kz_v32_load(q + 1), lower);
    __m256i s0 = HW_EQ(l0, HWK_s), t0 = HW_EQ(l0, HWK_t);
    __m256i j0 = HW_EQ(l0, HWK_j);
    __m256i peh0 = _mm256_or_si256(
        _mm256_or_si256(HW_EQ(l0, HWK_p), HW_EQ(l0, HWK_e)), HW_EQ(l0, HWK_i));
    __m256i se = _mm256_and_si256(s0, HW_EQ(l1, HWK_e));
    __m256i ss = _mm256_and_si256(s0, HW_EQ(l1, HWK_s));
    __m256i ph = _mm256_and_si256(peh0, HW_EQ(l1, HWK_h));
    __m256i ja = _mm256_and_si256(j0, HW_EQ(l1, HWK_a));
    __m256i tl = _mm256_and_si256(t0, HW_EQ(l1, HWK_l));
    __m256i pairs = _mm256_or_si256(
        _mm256_or_si256(se, ss), _mm256_or_si256(ph, _mm256_or_si256(ja, tl)));
    if (_mm256_testz_si256(pairs, pairs))
        return 0;
    __m256i v2 = kz_v32_load(q + 2);
    __m256i l2 = _mm256_or_si256(v2, lower);
    __m256i l3 = _mm256_or_si256(kz_v32_load(q + 3), lower);
    __m256i l4 = _mm256_or_si256(kz_v32_load(q + 4), lower);
    __m256i seri = _mm256_and_si256(
        se, _mm256_and_si256(HW_EQ(l2, HWK_r), HW_EQ(l3, HWK_i)));
    __m256i hash = _mm256_and_si256(
        ph,
        _mm256_and_si256(HW_EQ(l2, HWK_a),
                         _mm256_and_si256(HW_EQ(l3, HWK_s), HW_EQ(l4, HWK_h))));
    __m256i ja3 = _mm256_and_si256(ja, HW_EQ(v2, HWK_3));
    __m256i ssde = _mm256_and_si256(
        ss, _mm256_and_si256(HW_EQ(l2, HWK_d), HW_EQ(l3, HWK_e)));
    __m256i tlsh = _mm256_and_si256(
        tl, _mm256_and_si256(HW_EQ(l2, HWK_s), HW_EQ(l3, HWK_h)));
    __m256i any =
        _mm256_or_si256(_mm256_or_si256(seri, hash),
                        _mm256_or_si256(ja3, _mm256_or_si256(ssde, tlsh)));
    return !_mm256_testz_si256(any, any);
#undef HW_EQ
#undef HWK
}

/* kz_scan_has_hash_words with AVX2: 32 bytes at a time, the last ones
 * through a copy padded with spaces, which no word holds (as the end of
 * the line). */
KZ_AVX2 static int hash_words_avx2(const char *s, size_t n)
{
    const unsigned char(*k)[32] = k32_hide(hw_k);
    size_t p = 0;
    for (; n - p >= 36 && p < n; p += 32)
        if (hash_words_block32(s + p, k))
            return 1;
    if (p >= n)
        return 0;
    char pad[72];
    memset(pad, ' ', sizeof pad);
    kz_copy_short(pad, s + p, n - p); /* at most 35 bytes */
    return hash_words_block32(pad, k) ||
           (n - p > 32 && hash_words_block32(pad + 32, k));
}
#endif

int kz_scan_has_hash_words(const char *s, size_t n)
{
#if KZ_HAVE_V16
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return hash_words_avx2(s, n);
#endif
    size_t p = 0;
    for (; n - p >= 20 && p < n; p += 16)
        if (hash_words_block(s + p))
            return 1;
    if (p >= n)
        return 0;
    /* The last bytes through a copy padded with spaces, which no word
     * holds (as the end of the line). */
    char pad[48];
    memset(pad, ' ', sizeof pad);
    memcpy(pad, s + p, n - p); /* at most 19 bytes */
    return hash_words_block(pad) || (n - p > 16 && hash_words_block(pad + 16));
#else
    return hash_words_ref(s, 0, n);
#endif
}

int kz_scan_has_hash_words_ref(const char *s, size_t n)
{
    return hash_words_ref(s, 0, n);
}

static int line_ctx(scan *sc)
{
    int *cache = sc->seg->ctx_cache;
    if (*cache < 0)
        *cache = kz_scan_line_context(sc->seg->line, sc->seg->line_n);
    return *cache;
}

static int hash_ctx(scan *sc)
{
    if (*sc->seg->ctx_cache >= 0)
        return *sc->seg->ctx_cache & HASH_CTX;
    int *hw = sc->seg->hash_cache;
    if (*hw < 0)
        *hw = kz_scan_has_hash_words(sc->seg->line, sc->seg->line_n);
    return *hw ? line_ctx(sc) & HASH_CTX : 0;
}

/* 1 when the words right before [a, ...) call the value legitimate: "the
 * legitimate `msedge.exe`", "imitates the legitimate files.example.org",
 * "正規のmsedge.exe", "正規の「X」". */
static int said_legit(const scan *sc, size_t a)
{
    const char *s = sc->seg->s;
    size_t p = a;
    while (p > 0 && (s[p - 1] == ' ' || s[p - 1] == '`' || s[p - 1] == '"' ||
                     s[p - 1] == '\''))
        p--;
    if (p >= 3 && memcmp(s + p - 3, "\xe3\x80\x8c", 3) == 0) /* 「 */
        p -= 3;
    /* Each word ends in 0xAE or 0x8F (Japanese), 'e', 't' or 'n'
     * (English) in any case: other bytes before the value end none. */
    unsigned char last = p > 0 ? (unsigned char)s[p - 1] : 0;
    if (last != 0xAE && last != 0x8F && (last | 0x20) != 'e' &&
        (last | 0x20) != 't' && (last | 0x20) != 'n')
        return 0;
    static const char *const jp[] = {"\xe6\xad\xa3\xe8\xa6\x8f\xe3\x81\xae",
                                     "\xe6\xad\xa3\xe8\xa6\x8f", NULL};
    for (size_t k = 0; jp[k]; k++) {
        size_t l = strlen(jp[k]);
        if (p >= l && memcmp(s + p - l, jp[k], l) == 0)
            return 1;
    }
    static const char *const en[] = {"legitimate", "legit", "benign", NULL};
    for (size_t k = 0; en[k]; k++) {
        size_t l = strlen(en[k]);
        if (p >= l && p < a && kz_starts_ci(s + p - l, l, en[k]) &&
            (p == l || !kz_is_alnum((unsigned char)s[p - l - 1])))
            return 1;
    }
    return 0;
}

/* See extract_int.h. */
int kz_scan_legit_note(const char *s, size_t n)
{
    static const char *const notes[] = {
        "(legitimate ",
        "(legitimate)",
        "(legitimate,",
        "(a legitimate ",
        "(legit ",
        "(benign",
        "(clean)",
        "(not malicious",
        "(both legitimate ",
        "(both benign",
        "(all legitimate ",
        "(all benign",
        "(\xe6\xad\xa3\xe8\xa6\x8f",            /* (正規 */
        "\xef\xbc\x88\xe6\xad\xa3\xe8\xa6\x8f", /* （正規 */
        NULL};
    for (size_t k = 0; notes[k]; k++)
        if (kz_starts_ci(s, n, notes[k])) {
            /* from the note's last byte: the ')' of "(clean)" closes it;
             * a short note may also go on past the segment's end (a
             * wrapped line: "(both legitimate Windows" + "binaries)") */
            size_t q = strlen(notes[k]) - 1;
            while (q < n && q < 48 && s[q] != ')' && s[q] != '.' &&
                   !(n - q >= 3 && memcmp(s + q, "\xef\xbc\x89", 3) == 0))
                q++;
            return q < 48 && (q == n || s[q] != '.');
        }
    return 0;
}

/* Where the note starts in "X and `Y` (both legitimate ...)" or "X, Y
 * (all benign ...)", from p right after X: a note about both values after
 * the next one. 0 when s[p, n) is not written so. */
static size_t pair_note_start(const char *s, size_t n, size_t p)
{
    if (n - p >= 6 && kz_starts_ci(s + p, n - p, ", and "))
        p += 6;
    else if (n - p >= 5 && kz_starts_ci(s + p, n - p, " and "))
        p += 5;
    else if (n - p >= 2 && s[p] == ',' && s[p + 1] == ' ')
        p += 2;
    else
        return 0;
    size_t t = p; /* the next value, as one word */
    while (p < n && p - t < 200 && s[p] != ' ' && s[p] != '\t' && s[p] != '(')
        p++;
    if (p == t || p >= n || p - t >= 200)
        return 0;
    while (p < n && (s[p] == ' ' || s[p] == '\t'))
        p++;
    if (kz_starts_ci(s + p, n - p, "(both ") ||
        kz_starts_ci(s + p, n - p, "(all "))
        return p;
    return 0;
}

/* 1 when the words right after [..., b) call the value legitimate: a short
 * note in parentheses ("netscan.exe (legitimate tool)",
 * "<sha256>　（正規ツール）"), "X, a legitimate ...", "X is a legitimate
 * ...", "MEGA（mega.nz）自体は正規のサービスです", "X and Y (both
 * legitimate ...)". Not "legitimate-looking". */
static int said_legit_after(const scan *sc, size_t b)
{
    const char *s = sc->seg->s;
    size_t n = sc->seg->n, p = b;
    if (p < n && (s[p] == '`' || s[p] == '"' || s[p] == '\'' || s[p] == ')'))
        p++;
    else if (n - p >= 3 && (memcmp(s + p, "\xef\xbc\x89", 3) == 0 || /* ） */
                            memcmp(s + p, "\xe3\x80\x8d", 3) == 0))  /* 」 */
        p += 3;
    if (p >= n)
        return 0;
    unsigned char c = (unsigned char)s[p];
    if (c == 0xE8 || c == 0xE3) {
        /* 自体は正規, は正規 */
        static const char jp1[] =
            "\xe8\x87\xaa\xe4\xbd\x93\xe3\x81\xaf\xe6\xad\xa3\xe8\xa6\x8f";
        static const char jp2[] = "\xe3\x81\xaf\xe6\xad\xa3\xe8\xa6\x8f";
        if ((n - p >= sizeof jp1 - 1 &&
             memcmp(s + p, jp1, sizeof jp1 - 1) == 0) ||
            (n - p >= sizeof jp2 - 1 &&
             memcmp(s + p, jp2, sizeof jp2 - 1) == 0))
            return 1;
    } else if (c == ',' ||
               (c == ' ' && p + 1 < n && (s[p + 1] | 0x20) == 'i')) {
        static const char *const en[] = {", a legitimate", " is a legitimate",
                                         " is legitimate", " is benign",
                                         " is a benign",   NULL};
        for (size_t k = 0; en[k]; k++) {
            size_t l = strlen(en[k]);
            if (n - p >= l && kz_starts_ci(s + p, n - p, en[k]) &&
                (n - p == l || s[p + l] == ' ' || s[p + l] == '.' ||
                 s[p + l] == ','))
                return 1;
        }
    }
    if (c == ',' || c == ' ') {
        size_t q = pair_note_start(s, n, p);
        if (q && kz_scan_legit_note(s + q, n - q))
            return 1;
    }
    while (p < n) {
        if (s[p] == ' ' || s[p] == '\t')
            p++;
        else if (n - p >= 3 && memcmp(s + p, "\xe3\x80\x80", 3) == 0)
            p += 3; /* full-width space */
        else
            break;
    }
    if (p >= n || (s[p] != '(' && (unsigned char)s[p] != 0xEF))
        return 0;
    return kz_scan_legit_note(s + p, n - p);
}

/* put for a value the extractor's early check did not drop. Not inlined:
 * the check drops most values, and put's callers then skip this one's
 * frame. */
__attribute__((noinline)) static void
put_unseen(scan *sc, kz_type t, size_t a, size_t b, size_t len, uint16_t port,
           kz_ioc_class force_cls, const char *force_why)
{
    kz_cand c;
    c.type = t;
    c.start = a;
    c.end = b;
    c.value = sc->buf;
    c.value_len = len;
    c.port = port;
    c.defanged = was_defanged(sc, a, b);
    if (force_why) {
        c.cls = force_cls;
        c.why = force_why;
    } else {
        /* Only URLs and e-mail addresses written as they are (not
         * defanged) are classified by the line's words: the line context
         * is not computed for the others. */
        int ctx = (t == KZ_T_URL || t == KZ_T_EMAIL) && !c.defanged
                      ? line_ctx(sc)
                      : 0;
        c.cls = kz_scan_classify(t, sc->buf, c.value_len, sc->seg->hint, ctx,
                                 c.defanged, &c.why);
        /* Hashes only by the words after them ("<sha256> (legitimate
         * tool)"): "the legitimate <hash>" is not written. */
        int named = t == KZ_T_FILENAME || t == KZ_T_FILEPATH ||
                    t == KZ_T_DOMAIN || t == KZ_T_URL;
        int hash = t == KZ_T_MD5 || t == KZ_T_SHA1 || t == KZ_T_SHA256 ||
                   t == KZ_T_SHA512;
        if (c.cls == KZ_CLASS_INDICATOR && !c.defanged &&
            ((named && said_legit(sc, a)) ||
             ((named || hash) && said_legit_after(sc, b)))) {
            c.cls = KZ_CLASS_REFERENCE;
            c.why = "named as legitimate";
        }
    }
    sc->emit(sc->ud, sc->seg, &c);
}

/* The extractor's early check of the value in sc->buf, of len bytes, as
 * type t: 1 when it was reported already (neither classified nor reported
 * again). */
static inline int put_seen(scan *sc, kz_type t, size_t len)
{
    return sc->seg->seen && sc->seg->seen(sc->ud, t, sc->buf, len);
}

/* Reports the value in sc->buf, of len bytes (strlen(sc->buf): every
 * caller knows it), found at [a, b) of the segment. */
static inline void put(scan *sc, kz_type t, size_t a, size_t b, size_t len,
                       uint16_t port, kz_ioc_class force_cls,
                       const char *force_why)
{
    if (!put_seen(sc, t, len))
        put_unseen(sc, t, a, b, len, port, force_cls, force_why);
}

/* Normalizes s[a, b) as type t into sc->buf and reports it. */
static int try_put(scan *sc, kz_type t, size_t a, size_t b)
{
    size_t len;
    if (b <= a || b - a > KZ_MAX_VALUE)
        return 0;
    if (kz_normalize(t, sc->seg->s + a, b - a, sc->buf, sizeof sc->buf, &len) !=
        KZ_OK)
        return 0;
    put(sc, t, a, b, len, 0, KZ_CLASS_INDICATOR, NULL);
    return 1;
}

static int all_hex(const char *s, size_t n)
{
    return kz_hex_span(s, n) == n;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!kz_is_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Hash types by length, with the context deciding about md5-shaped
 * values (JA3 fingerprints) and hex that is no file hash at all. s[a, b)
 * is all hex digits (every caller's run). */
static void scan_hash(scan *sc, size_t a, size_t b)
{
    const kz_segment *g = sc->seg;
    size_t n = b - a;
    kz_type t;
    /* A line that is this digest alone holds none of the words that type
     * a digest (each has a letter that is no hex digit): what
     * kz_scan_has_hash_words would answer, without the search. */
    if (n == g->line_n && g->s + a == g->line && *g->hash_cache < 0)
        *g->hash_cache = 0;
    /* the line's words, asked once (a cache of the line's) */
    int hc;
    if (g->hint == KZ_HINT_NOHASH ||
        ((hc = hash_ctx(sc)) & (KZ_CTX_SERIAL | KZ_CTX_IMPHASH))) {
        return; /* serial numbers, imphashes: not file hashes */
    }
    switch (n) {
    case 32:
        t = KZ_T_MD5;
        if (g->hint == KZ_HINT_JA3 || (hc & KZ_CTX_JA3))
            t = KZ_T_JA3;
        if (g->hint == KZ_HINT_JA3S || (hc & KZ_CTX_JA3S))
            t = KZ_T_JA3S;
        break;
    case 40:
        t = KZ_T_SHA1;
        break;
    case 64:
        t = KZ_T_SHA256;
        if (g->hint == KZ_HINT_AUTHENTIHASH || (hc & KZ_CTX_AUTHENTIHASH))
            t = KZ_T_AUTHENTIHASH;
        break;
    case 128:
        t = KZ_T_SHA512;
        break;
    default:
        return;
    }
    /* kz_normalize's form of a digest in plain hex: its digits
     * lower-cased, which for hex digits is each byte OR 0x20 (the digits
     * have that bit): sixteen at a time, the last sixteen overlapping the
     * ones before (n is 32 or more); without SIMD eight at a time (n is a
     * multiple of eight). */
#if KZ_HAVE_V16
    for (size_t i = 0;; i += 16) {
        if (i > n - 16)
            i = n - 16;
        kz_v16_store(sc->buf + i, kz_v16_lower(kz_v16_load(g->s + a + i)));
        if (i == n - 16)
            break;
    }
#else
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w;
        memcpy(&w, g->s + a + i, 8);
        w |= 0x2020202020202020ULL;
        memcpy(sc->buf + i, &w, 8);
    }
#endif
    sc->buf[n] = '\0';
    put(sc, t, a, b, n, 0, KZ_CLASS_INDICATOR, NULL);
}

/* A digest glued to words ("words<sha1>words", as pasted from a PDF):
 * a hex run of exactly a digest's length with a letter that is not a hex
 * digit on both sides. Never a piece of a longer hex run. */
static int scan_glued_hash(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    int found = 0;
    size_t i = a;
    while (i < b) {
        while (i < b && !kz_is_xdigit((unsigned char)s[i]))
            i++;
        size_t j = i;
        while (j < b && kz_is_xdigit((unsigned char)s[j]))
            j++;
        size_t n = j - i;
        if ((n == 32 || n == 40 || n == 64 || n == 128) && i > a && j < b &&
            kz_is_alpha((unsigned char)s[i - 1]) &&
            kz_is_alpha((unsigned char)s[j])) {
            scan_hash(sc, i, j);
            found = 1;
        }
        i = j;
    }
    return found;
}

/* Colon-separated thumbprints: 20 or 32 byte pairs. */
/* "0c:e7:e0:...": five or more pairs of hex digits joined by colons. */
static int colon_bytes(const char *s, size_t n)
{
    if (n < 14 || (n + 1) % 3 != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int sep = (i % 3) == 2;
        if (sep ? s[i] != ':' : !kz_is_xdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int scan_thumbprint(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t n = b - a;
    if (n != 59 && n != 95)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int sep = (i % 3) == 2;
        if (sep ? s[a + i] != ':' : !kz_is_xdigit((unsigned char)s[a + i]))
            return 0;
    }
    return try_put(sc, n == 59 ? KZ_T_CERT_SHA1 : KZ_T_CERT_SHA256, a, b);
}

/* The dot-separated "extension" of s[a, b): the text after the last dot. */
static size_t last_label(const char *s, size_t a, size_t b, size_t *dot)
{
    for (size_t i = b; i > a; i--)
        if (s[i - 1] == '.') {
            *dot = i - 1;
            return b - i;
        }
    *dot = b;
    return 0;
}

/* The text of a name (file name, path, key, mutex, user agent): refanged
 * when written in ASCII ("invoice[.]exe" is invoice.exe), as written when
 * it holds other characters, since full-width brackets and dots are part
 * of Japanese file names ("資料（1）．docx"). */
static void name_text(const scan *sc, size_t a, size_t b, const char **v,
                      size_t *vn)
{
    size_t oa = KZ_SEG_MAP(sc->seg, a), ob = KZ_SEG_MAP(sc->seg, b);
    const char *o = sc->seg->orig;
    *v = sc->seg->s + a;
    *vn = b - a;
    if (ob <= oa)
        return;
    size_t i = oa;
#if KZ_HAVE_V16
    /* sixteen bytes at a time, the last block the one ending at ob; 8 to
     * 15 bytes as one block of two halves that may overlap */
    if (ob - oa >= 16) {
        int wide = 0;
        for (; ob - i >= 16 && !wide; i += 16)
            wide = kz_v16_bits(kz_v16_load(o + i)) != 0;
        if (!wide && i < ob)
            wide = kz_v16_bits(kz_v16_load(o + ob - 16)) != 0;
        if (wide) {
            *v = o + oa;
            *vn = ob - oa;
        }
        return;
    }
    if (ob - oa >= 8) {
        if (kz_v16_bits(kz_v16_load_halves(o + oa, ob - oa))) {
            *v = o + oa;
            *vn = ob - oa;
        }
        return;
    }
#endif
    for (; i < ob; i++)
        if ((unsigned char)o[i] >= 0x80) {
            *v = o + oa;
            *vn = ob - oa;
            return;
        }
}

#if KZ_HAVE_V16
/* The bits of the bytes of v that fname_class marks FN_BAD (control bytes,
 * / : * ? " |), or FN_BAD_PART too (\\ < >) unless whole. */
static inline unsigned fname_bad_bits(kz_v16 v, int whole)
{
    kz_v16 m = kz_v16_or(kz_v16_le(v, 0x1F), kz_v16_eq(v, '/'));
    m = kz_v16_or(m, kz_v16_or(kz_v16_eq(v, ':'), kz_v16_eq(v, '*')));
    m = kz_v16_or(m, kz_v16_or(kz_v16_eq(v, '?'), kz_v16_eq(v, '"')));
    m = kz_v16_or(m, kz_v16_eq(v, '|'));
    if (!whole) {
        m = kz_v16_or(m, kz_v16_or(kz_v16_eq(v, '\\'), kz_v16_eq(v, '<')));
        m = kz_v16_or(m, kz_v16_eq(v, '>'));
    }
    return kz_v16_bits(m);
}
#endif

static int filename_chars_ok(const char *s, size_t n, int whole)
{
    if (n == 0 || n > 255)
        return 0;
    /* A whole cell may name an archive member ("PART_01\x.exe") and
     * keep the advisory's redactions ("<redacted>"). */
    size_t i = 0;
#if KZ_HAVE_V16
    /* sixteen bytes at a time, the last block the one ending at n; 8 to 15
     * bytes as one block of two halves that may overlap */
    if (n >= 16) {
        for (;; i += 16) {
            if (n - i < 16)
                i = n - 16;
            if (fname_bad_bits(kz_v16_load(s + i), whole))
                return 0;
            if (i == n - 16)
                return 1;
        }
    }
    if (n >= 8)
        return !fname_bad_bits(kz_v16_load_halves(s, n), whole);
#endif
    unsigned bad = whole ? FN_BAD : FN_BAD | FN_BAD_PART;
    for (; i < n; i++)
        if (fname_class[(unsigned char)s[i]] & bad)
            return 0;
    return 1;
}

static int is_system_file(const char *s, size_t n)
{
    return in_set(&set_sysfiles, s, n);
}

static void put_filename(scan *sc, size_t a, size_t b, int whole)
{
    const char *s = sc->seg->s + a;
    size_t n = b - a;
    if (!filename_chars_ok(s, n, whole))
        return;
    /* A name must have a stem: ".exe" alone or "1.0" are not file names,
     * nor is a double extension spoken of (".pdf.lnk"). */
    size_t dot;
    last_label(sc->seg->s, a, b, &dot);
    if (dot == a)
        return;
    if (s[0] == '.') {
        size_t d1 = 1;
        while (d1 < n && s[d1] != '.')
            d1++;
        if (d1 < n && kz_scan_is_file_ext(s + 1, d1 - 1))
            return;
    }
    const char *v;
    size_t vn;
    name_text(sc, a, b, &v, &vn);
    if (vn >= sizeof sc->buf)
        return;
    memcpy(sc->buf, v, vn);
    sc->buf[vn] = '\0';
    /* The name as checked holds no control byte (no NUL); the text as
     * written may differ. */
    size_t len = v == s ? vn : strlen(sc->buf);
    /* Every way below reports the name as KZ_T_FILENAME: the early check
     * comes first, before the word sets are asked. */
    if (put_seen(sc, KZ_T_FILENAME, len))
        return;
    if (!whole && in_set(&set_software, s, n)) {
        put_unseen(sc, KZ_T_FILENAME, a, b, len, 0, KZ_CLASS_REFERENCE,
                   "software named in prose");
        return;
    }
    if ((!whole || sc->in_cmd) && is_system_file(s, n)) {
        put_unseen(sc, KZ_T_FILENAME, a, b, len, 0, KZ_CLASS_REFERENCE,
                   sc->in_cmd
                       ? "standard system file in a command or description"
                       : "standard system file named in prose");
        return;
    }
    size_t el = last_label(sc->seg->s, a, b, &dot);
    if (in_set(&set_docs, s + (dot - a) + 1, el) &&
        ((line_ctx(sc) & KZ_CTX_SOURCE) ||
         contains_ci(sc->seg->line, sc->seg->line_n, "link:") ||
         contains_ci(sc->seg->line, sc->seg->line_n, "misp"))) {
        put_unseen(sc, KZ_T_FILENAME, a, b, len, 0, KZ_CLASS_REFERENCE,
                   "document that comes with the advisory");
        return;
    }
    put_unseen(sc, KZ_T_FILENAME, a, b, len, 0, KZ_CLASS_INDICATOR, NULL);
}

/* A defanged host whose top-level label is not (yet) in the Public Suffix
 * List: the writer marked it as an indicator on purpose, so a plausible
 * top-level label (2 to 24 letters) is enough. */
static int plausible_tld(const char *dom, size_t n)
{
    size_t i = n;
    while (i > 0 && dom[i - 1] != '.')
        i--;
    if (i == 0 || n - i < 2 || n - i > 24)
        return 0;
    for (size_t k = i; k < n; k++)
        if (!kz_is_alpha((unsigned char)dom[k]))
            return 0;
    /* ".onion" is no unknown label: the Public Suffix test already said
     * the service name is not valid (16 or 56 base32 characters). */
    return !(n - i == 5 && kz_starts_ci(dom + i, 5, "onion"));
}

/* A host name candidate: valid, under a public suffix, not a prose
 * abbreviation nor a code identifier (System.IO). */
static int put_domain(scan *sc, size_t a, size_t b, int defanged, uint16_t port)
{
    const char *s = sc->seg->s + a;
    size_t n = b - a, len;
    if (in_set(&set_abbrev, s, n))
        return 0;
    if (kz_norm_domain(s, n, sc->buf, sizeof sc->buf, &len) != KZ_OK)
        return 0;
    /* A defanged host may end in a top-level label we do not know (a new
     * one); one only written in full-width letters must end in a real
     * one. */
    if (!has_ps(sc, sc->buf, len)) {
        /* Not under a listed suffix: a defanged name whose last label
         * reads as one (letters, one case: "[Ref].Assembly.GetType" is
         * code). */
        if (!(defanged && plausible_tld(sc->buf, len) &&
              bracket_defanged(sc, a, b)))
            return 0;
        size_t d;
        last_label(sc->seg->s, a, b, &d);
        int up = 0, lo = 0;
        for (size_t i = d + 1; i < b; i++) {
            up |= sc->seg->s[i] >= 'A' && sc->seg->s[i] <= 'Z';
            lo |= sc->seg->s[i] >= 'a' && sc->seg->s[i] <= 'z';
        }
        if (up && lo)
            return 0;
    }
    if (!defanged) {
        /* Mixed case with an upper-case top-level label is code, not a
         * host: System.IO, Foo.Net. All-caps hosts stay. */
        int upper = 0, lower = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            upper |= (c >= 'A' && c <= 'Z');
            lower |= (c >= 'a' && c <= 'z');
        }
        size_t dot;
        last_label(sc->seg->s, a, b, &dot);
        if (upper && lower && dot + 1 < b &&
            (sc->seg->s[dot + 1] >= 'A' && sc->seg->s[dot + 1] <= 'Z'))
            return 0;
    }
    put(sc, KZ_T_DOMAIN, a, b, len, port, KZ_CLASS_INDICATOR, NULL);
    return 1;
}

/* Trims trailing punctuation that ends sentences and wraps values,
 * keeping closing brackets that have their opening one inside. */
static size_t trim_tail(const char *s, size_t a, size_t b)
{
    while (b > a) {
        unsigned char c = (unsigned char)s[b - 1];
        if (kz_is_alnum(c))
            break; /* most tokens end so */
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
            c == '?' || c == '*' || c == '_' || c == '+' || c == '\'' ||
            c == '"' || c == '>' || c == '~') {
            b--;
            continue;
        }
        if (c == ')' || c == ']' || c == '}') {
            char open = c == ')' ? '(' : c == ']' ? '[' : '{';
            int depth = 0;
            for (size_t i = a; i < b; i++) {
                if (s[i] == open)
                    depth++;
                else if (s[i] == (char)c)
                    depth--;
            }
            if (depth < 0) {
                b--;
                continue;
            }
        }
        break;
    }
    return b;
}

static const char *const url_schemes[] = {
    "http", "https", "ftp",   "ftps", "sftp", "ws",     "wss", "tcp",  "udp",
    "smb",  "ldap",  "ldaps", "rdp",  "ssh",  "telnet", "irc", "file", NULL};

/* A URL starting at s[a] ("scheme://"), ending at b at most. Returns its
 * end, or 0 when it is not a valid URL. */
static size_t scan_url(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t e = a;
    while (e < b && !is_split((unsigned char)s[e]))
        e++;
    /* Brackets and parentheses may belong to the URL (IPv6 hosts, wiki
     * paths): take the whole chunk, then trim what is unbalanced. */
    e = trim_tail(s, a, b);
    size_t len, ho, hn;
    if (kz_norm_url_host(s + a, e - a, sc->buf, sizeof sc->buf, &len, &ho,
                         &hn) != KZ_OK) {
        /* Retry without a trailing bracket run, e.g. "(http://x/a)". */
        size_t e2 = e;
        while (e2 > a && is_split((unsigned char)s[e2 - 1]))
            e2--;
        e2 = trim_tail(s, a, e2);
        if (e2 == e || e2 <= a ||
            kz_norm_url_host(s + a, e2 - a, sc->buf, sizeof sc->buf, &len, &ho,
                             &hn) != KZ_OK)
            return 0;
        e = e2;
    }
    /* The host must be a public name or an address (the normalizer says
     * where it is, as url_host would find it). */
    const char *h = sc->buf + ho;
    if (hn == 0)
        return 0;
    uint8_t ip[16];
    int fam;
    /* (any dotted name, but a .onion name must be a valid one) */
    if (*h != '[' && kz_norm_ip(h, hn, ip, &fam, NULL) != KZ_OK &&
        !has_ps(sc, h, hn) &&
        (!memchr(h, '.', hn) ||
         (hn > 6 && kz_starts_ci(h + hn - 6, 6, ".onion"))))
        return 0;
    uint16_t port = 0;
    put(sc, KZ_T_URL, a, e, len, port, KZ_CLASS_INDICATOR, NULL);
    /* A URL carried in the query of another ("...?u=https://evil/x", a
     * redirector or shortener) is reported too: it is where the link
     * leads. */
    const char *q = memchr(s + a, '?', e - a);
    while (q) {
        size_t i = (size_t)(q - s) + 1;
        const char *eq = memchr(s + i, '=', e - i);
        if (!eq)
            break;
        size_t v = (size_t)(eq - s) + 1;
        if (e - v > 8 && (kz_starts_ci(s + v, e - v, "http://") ||
                          kz_starts_ci(s + v, e - v, "https://"))) {
            size_t ve = v;
            while (ve < e && s[ve] != '&')
                ve++;
            if (ve > v &&
                kz_norm_url_host(s + v, ve - v, sc->buf, sizeof sc->buf, &len,
                                 &ho, &hn) == KZ_OK) {
                h = sc->buf + ho;
                if (hn && (has_ps(sc, h, hn) ||
                           kz_norm_ip(h, hn, ip, &fam, NULL) == KZ_OK))
                    put(sc, KZ_T_URL, v, ve, len, 0, KZ_CLASS_INDICATOR, NULL);
            }
            break;
        }
        q = memchr(s + v, '&', e - v);
    }
    return e;
}

/* Windows path and registry key starts at s[i]. */
/* 1 when s starts with a registry hive and a backslash ("HKLM\\",
 * "HKEY_CURRENT_USER\\", PowerShell's "HKCU:\\"), in any case. */
int kz_scan_regkey_hive(const char *s, size_t n)
{
    static const char *const hives[] = {"hklm\\",
                                        "hkcu\\",
                                        "hkcr\\",
                                        "hku\\",
                                        "hkcc\\",
                                        "hkey_local_machine\\",
                                        "hkey_current_user\\",
                                        "hkey_classes_root\\",
                                        "hkey_users\\",
                                        "hkey_current_config\\",
                                        "hklm:\\",
                                        "hkcu:\\",
                                        NULL};
    /* Every hive starts with "hk" (most callers ask about any word that
     * starts with an 'h'). */
    if (n < 4 || (s[0] | 0x20) != 'h' || (s[1] | 0x20) != 'k')
        return 0;
    for (size_t k = 0; hives[k]; k++)
        if (kz_starts_ci(s, n, hives[k]))
            return 1;
    return 0;
}

/* A hex run of a digest's length: its type; KZ_T_NONE otherwise. */
kz_type kz_scan_digest_type(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kz_is_xdigit((unsigned char)s[i]))
            return KZ_T_NONE;
    switch (n) {
    case 32:
        return KZ_T_MD5;
    case 40:
        return KZ_T_SHA1;
    case 64:
        return KZ_T_SHA256;
    case 128:
        return KZ_T_SHA512;
    default:
        return KZ_T_NONE;
    }
}

/* path_start past its first test: the left (3 or more) bytes at p start
 * with a drive's colon, '\\', '%', 'H', 'h' or '$'. */
static int path_start_at(const char *p, size_t left, kz_type *t)
{
    unsigned char c0 = (unsigned char)p[0];
    /* PowerShell: "$env:APPDATA\\x.dll" */
    if (c0 == '$') {
        if (left < 8 || !kz_starts_ci(p, left, "$env:"))
            return 0;
        size_t k = 5;
        while (k < left && k < 45 &&
               (kz_is_alnum((unsigned char)p[k]) || p[k] == '_'))
            k++;
        if (k > 5 && k + 1 < left && p[k] == '\\') {
            *t = KZ_T_FILEPATH;
            return 1;
        }
        return 0;
    }
    if (left >= 3 && kz_is_alpha((unsigned char)p[0]) && p[1] == ':' &&
        p[2] == '\\') {
        *t = KZ_T_FILEPATH;
        return 1;
    }
    /* "C:/Users/x.exe": a drive with forward slashes. */
    if (left >= 4 && kz_is_alpha((unsigned char)p[0]) && p[1] == ':' &&
        p[2] == '/' && kz_is_alnum((unsigned char)p[3])) {
        *t = KZ_T_FILEPATH;
        return 1;
    }
    if (left >= 3 && p[0] == '\\' && p[1] == '\\' &&
        (kz_is_alnum((unsigned char)p[2]) || p[2] == '?' || p[2] == '.')) {
        /* "\\server\\share", "\\?\\C:", "\\.\\pipe": a name, then a
         * backslash; "\\upd.dat" is an escaped string in code. */
        size_t k = 2;
        while (k < left && k < 66 &&
               (kz_is_alnum((unsigned char)p[k]) || p[k] == '.' ||
                p[k] == '-' || p[k] == '_' || p[k] == '?' || p[k] == '$'))
            k++;
        if (k < left && p[k] == '\\') {
            *t = KZ_T_FILEPATH;
            return 1;
        }
        return 0;
    }
    if (left >= 4 && p[0] == '%') {
        size_t k = 1;
        while (k < left && k < 40 &&
               (kz_is_alnum((unsigned char)p[k]) || p[k] == '_' ||
                p[k] == '(' || p[k] == ')'))
            k++;
        if (k > 1 && k + 1 < left && p[k] == '%' && p[k + 1] == '\\') {
            *t = KZ_T_FILEPATH;
            return 1;
        }
    }
    if (kz_scan_regkey_hive(p, left)) {
        *t = KZ_T_REGKEY;
        return 1;
    }
    return 0;
}

/* Whether a Windows path, PowerShell path or registry key starts at s[i]
 * (of n bytes), and which (*t). Most chunks fail the first test, made
 * here without a call. */
static inline int path_start(const char *s, size_t i, size_t n, kz_type *t)
{
    if (n - i < 3)
        return 0;
    unsigned char c0 = (unsigned char)s[i];
    if (!(s[i + 1] == ':' || c0 == '\\' || c0 == '%' || c0 == 'H' ||
          c0 == 'h' || c0 == '$'))
        return 0;
    return path_start_at(s + i, n - i, t);
}

/* Unix paths: only under the usual top-level folders, so URL paths
 * ("GET /x.php") and prose ("and/or") are not taken for files. */
static int unix_path_start(const char *s, size_t i, size_t n)
{
    if (i >= n || (s[i] != '/' && s[i] != '~'))
        return 0;
    static const char *const roots[] = {
        "/tmp/",     "/var/",          "/etc/",     "/usr/",      "/home/",
        "/dev/shm/", "/opt/",          "/bin/",     "/sbin/",     "/lib/",
        "/lib64/",   "/root/",         "/library/", "/users/",    "/system/",
        "/private/", "/applications/", "/proc/",    "/run/",      "/boot/",
        "/srv/",     "/mnt/",          "/data/",    "/sdcard/",   "~/",
        "/vmfs/",    "/store/",        "/scratch/", "/bootbank/", NULL};
    /* Only the roots whose second byte is the text's (lower-cased; 0 when
     * there is none, which no root has) can match. */
    unsigned char c1 = i + 1 < n ? kz_lower((unsigned char)s[i + 1]) : 0;
    for (size_t k = 0; roots[k]; k++)
        if ((unsigned char)roots[k][1] == c1 &&
            kz_starts_ci(s + i, n - i, roots[k]))
            return 1;
    return 0;
}

/* What ends a path: white space, quotes, '<' '>' '|', and CJK punctuation
 * and brackets ("、" "。" "「" "（"); CJK letters are part of it
 * ("C:\\Users\\Public\\ダウンロード\\請求書.exe"). */
static int cp_is_path_delim(uint32_t cp)
{
    return (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF01 && cp <= 0xFF0F) ||
           (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0x2000 && cp <= 0x206F) ||
           cp == 0x00A0 || cp == 0xFFFD;
}

static size_t path_delim_len(const char *s, size_t n, size_t i)
{
    return delim_len_as(s, n, i, cp_is_path_delim);
}

/* The end of a path starting at a: to the end of the chunk, continuing
 * over single spaces while the next word carries on the path (contains a
 * backslash), as in "C:\Program Files\Vendor\x.exe". */
/* Japanese glues words to a folder: "C:\\x\\配下。" (under it),
 * "C:\\x\\に保存" (saved to it). When the last part of a path [a, e)
 * holds only non-ASCII characters and starts with a particle (に へ を は が
 * で と の から まで) or with 配下, 以下 or 直下, or is 内 or 下, the path
 * ends after its last separator. Folders named in Japanese stay
 * ("C:\\Users\\Public\\ダウンロード"). */
static size_t jp_glued_end(const char *s, size_t a, size_t e, char sep)
{
    size_t c = e;
    while (c > a && s[c - 1] != sep)
        c--;
    if (c == a || c == e)
        return e;
    for (size_t q = c; q < e; q++)
        if ((unsigned char)s[q] < 0x80)
            return e;
    static const char *const lead[] = {"\xe3\x81\xab",
                                       "\xe3\x81\xb8",
                                       "\xe3\x82\x92", /* に へ を */
                                       "\xe3\x81\xaf",
                                       "\xe3\x81\x8c",
                                       "\xe3\x81\xa7", /* は が で */
                                       "\xe3\x81\xa8",
                                       "\xe3\x81\xae",             /* と の */
                                       "\xe3\x81\x8b\xe3\x82\x89", /* から */
                                       "\xe3\x81\xbe\xe3\x81\xa7", /* まで */
                                       "\xe9\x85\x8d\xe4\xb8\x8b", /* 配下 */
                                       "\xe4\xbb\xa5\xe4\xb8\x8b", /* 以下 */
                                       "\xe7\x9b\xb4\xe4\xb8\x8b", /* 直下 */
                                       NULL};
    for (size_t k = 0; lead[k]; k++) {
        size_t l = strlen(lead[k]);
        if (e - c >= l && memcmp(s + c, lead[k], l) == 0)
            return c;
    }
    if ((e - c == 3 && memcmp(s + c, "\xe5\x86\x85", 3) == 0) || /* 内 */
        (e - c == 3 && memcmp(s + c, "\xe4\xb8\x8b", 3) == 0))   /* 下 */
        return c;
    return e;
}

static size_t path_end(const char *s, size_t a, size_t n, int allow_spaces,
                       char sep)
{
    size_t e = a;
    for (;;) {
        while (e < n &&
               (allow_spaces ? s[e] != '\n' : path_delim_len(s, n, e) == 0)) {
            /* Japanese glues words to a path: "C:\\x\\a.exeを作成". Past a
             * known file extension, a non-ASCII letter ends the path, and
             * so does an opening parenthesis ("a.exe（正規の...）", folded
             * to ASCII with the rest of a full-width run) or a comma
             * ("rundll32.exe C:\\x\\a.dll,DllRegisterServer", "a.dat,#1":
             * the export to run). */
            if (((unsigned char)s[e] >= 0xC0 || s[e] == '(' || s[e] == ',') &&
                e > a && kz_is_alnum((unsigned char)s[e - 1])) {
                size_t d = e;
                while (d > a && kz_is_alnum((unsigned char)s[d - 1]))
                    d--;
                if (d > a && s[d - 1] == '.' &&
                    kz_scan_is_file_ext(s + d, e - d))
                    break;
            }
            e++;
        }
        /* A "<placeholder>" followed by the separator is part of the path:
         * "C:\\Users\\<user name>\\AppData". */
        if (e < n && s[e] == '<' && e > a && s[e - 1] == sep) {
            size_t q = e + 1;
            while (q < n && q - e < 48 && s[q] != '>' && s[q] != '<' &&
                   s[q] != '\n')
                q++;
            if (q < n && s[q] == '>' && q + 1 < n && s[q + 1] == sep) {
                e = q + 1;
                continue;
            }
        }
        if (allow_spaces || e >= n || s[e] != ' ')
            break;
        /* Look ahead up to three words: the path goes on when one of them
         * carries the separator ("Program Files\x", "foo bar bing\buzz")
         * and none of them starts a new path or ends a sentence. A path
         * whose last part has a file extension is complete ("/tmp/x.sh
         * and/or ..."). */
        {
            size_t c = e;
            while (c > a && s[c - 1] != sep)
                c--;
            size_t dot = 0;
            for (size_t q = c; q < e; q++)
                if (s[q] == '.')
                    dot = q + 1;
            if (dot > c + 1 && dot < e && kz_scan_is_file_ext(s + dot, e - dot))
                break;
        }
        size_t w = e, found = 0;
        for (int k = 0; k < 3 && !found; k++) {
            if (w >= n || s[w] != ' ')
                break;
            size_t ws = w + 1, we = ws;
            while (we < n && delim_len(s, n, we) == 0)
                we++;
            kz_type t;
            if (we == ws || path_start(s, ws, n, &t) ||
                (sep == '/' && s[ws] == '/') || unix_path_start(s, ws, n) ||
                (we - ws >= 3 && s[ws + 1] == ':' && s[ws + 2] == '/'))
                break;
            if (memchr(s + ws, sep, we - ws) &&
                !(we - ws > 3 && memchr(s + ws, ':', we - ws))) {
                found = we;
                break;
            }
            char last = s[we - 1];
            if (last == '.' || last == ',' || last == ';' || last == ':' ||
                last == ')' || last == '!' || last == '?')
                break;
            w = we;
        }
        if (!found)
            break;
        e = found;
    }
    return jp_glued_end(s, a, e, sep);
}

static void put_text(scan *sc, kz_type t, size_t a, size_t b)
{
    size_t len;
    if (b <= a || b - a > KZ_MAX_PATH)
        return;
    if (t == KZ_T_FILEPATH || t == KZ_T_REGKEY) {
        /* Templates ("C:\Users\[username]\x.exe", "<VICTIM_ID>") are
         * descriptions, not values to match. */
        for (size_t i = a; i < b; i++)
            if (sc->seg->s[i] == '[')
                return;
    }
    const char *v;
    size_t vn;
    name_text(sc, a, b, &v, &vn);
    if (vn == 0 ||
        kz_normalize(t, v, vn, sc->buf, sizeof sc->buf, &len) != KZ_OK)
        return;
    put(sc, t, a, b, len, 0, KZ_CLASS_INDICATOR, NULL);
}

static size_t scan_path(scan *sc, size_t a, size_t n, kz_type t, int whole)
{
    const char *s = sc->seg->s;
    size_t e = path_end(s, a, n, whole, '\\');
    if (e < n && (s[e] == '<' || s[e] == '[')) {
        /* "C:\Users\<user>\...": a template; but "...\kb.cab</Data>" is
         * a complete name before markup */
        size_t d, el = last_label(s, a, e, &d);
        if (!(s[e] == '<' && el > 0 && kz_scan_is_file_ext(s + d + 1, el)))
            return e;
    }
    size_t te = whole ? e : trim_tail(s, a, e);
    while (whole && te > a && (s[te - 1] == ' ' || s[te - 1] == '\t'))
        te--;
    if (te - a < 3)
        return e;
    put_text(sc, t, a, te);
    return e;
}

static int scan_bracketed_hive(scan *sc, size_t i, size_t b, size_t *next)
{
    static const char *const hives[] = {"hklm",
                                        "hkcu",
                                        "hkcr",
                                        "hku",
                                        "hkcc",
                                        "hkey_local_machine",
                                        "hkey_current_user",
                                        "hkey_users",
                                        "hkey_classes_root",
                                        NULL};
    const char *s = sc->seg->s;
    const char *gt = memchr(s + i, '>', b - i < 24 ? b - i : 24);
    if (!gt)
        return 0;
    size_t h = (size_t)(gt - s);
    if (h + 1 >= b || s[h + 1] != '\\' || !in_list(hives, s + i, h - i))
        return 0;
    size_t e = trim_tail(s, h + 1, path_end(s, h + 1, b, 0, '\\'));
    size_t hl = h - i, rl = e - (h + 1);
    if (rl < 2 || hl + rl >= sizeof sc->buf)
        return 0;
    memcpy(sc->buf, s + i, hl);
    memcpy(sc->buf + hl, s + h + 1, rl);
    sc->buf[hl + rl] = '\0';
    /* (a "<placeholder>" in the path may hold any byte but '\n') */
    put(sc, KZ_T_REGKEY, i - 1, e, strlen(sc->buf), 0, KZ_CLASS_INDICATOR,
        NULL);
    *next = e;
    return 1;
}

static void scan_token(scan *sc, size_t a, size_t b);
static void scan_token_cls(scan *sc, size_t a, size_t b, const unsigned *cls);

/* Generic tokens inside one chunk, split at brackets and punctuation. The
 * walk to a token's end gathers its bytes' classes for scan_token. */
static void scan_generic(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t i = a;
    while (i < b) {
        while (i < b && is_split((unsigned char)s[i]))
            i++;
        /* A run of hex digits (a digest) sixteen bytes at a time: no hex
         * digit splits. Under sixteen bytes, the walk below is cheaper
         * than kz_hex_span's one byte a step. */
        size_t hexp = b - i >= 16 ? kz_hex_span(s + i, b - i) : 0;
        size_t j = i + hexp;
        /* any, all: as scan_token gathers them (hex digits: TC_HEX) */
        unsigned any = hexp ? TC_HEX : 0, all = hexp ? TC_HEX : 0xFF;
        /* two bytes a step while neither splits; then the one byte that
         * may be left in the token, without a branch (b, as a split,
         * ends it too) */
        while (b - j >= 2) {
            unsigned t0 = tok_class[(unsigned char)s[j]];
            unsigned t1 = tok_class[(unsigned char)s[j + 1]];
            if ((t0 | t1) & TC_SPLIT)
                break;
            any |= t0 | t1;
            all &= t0 & t1;
            j += 2;
        }
        {
            int end = j >= b;
            unsigned t = tok_class[(unsigned char)s[j - (size_t)end]];
            unsigned in = (end | (t & TC_SPLIT)) ? 0u : ~0u;
            any |= t & in;
            all &= t | ~in;
            j += in & 1;
        }
        /* "server-{1,30}.evil.xyz" is a template, not a value. */
        int tmpl = (i > a && s[i - 1] == '}') || (j < b && s[j] == '{');
        if (j > i && !tmpl) {
            unsigned cls[2] = {any, all};
            scan_token_cls(sc, i, j, cls);
        }
        i = j;
    }
}

/* 1 when the line is a mail header whose value is an identifier in the
 * form of an address (Message-ID, In-Reply-To, References). */
static int message_id_line(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && (l[i] == ' ' || l[i] == '>' || l[i] == '\t'))
        i++;
    return kz_starts_ci(l + i, n - i, "message-id:") ||
           kz_starts_ci(l + i, n - i, "in-reply-to:") ||
           kz_starts_ci(l + i, n - i, "references:");
}

static int scan_email(scan *sc, size_t a, size_t b, size_t at)
{
    const char *s = sc->seg->s;
    if (message_id_line(sc->seg->line, sc->seg->line_n))
        return 1; /* "<2025...3f9a@host>": no mailbox */
    size_t l = at;
    while (l > a) {
        unsigned char c = (unsigned char)s[l - 1];
        if (kz_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
            c == '-')
            l--;
        else
            break;
    }
    while (l < at && (s[l] == '.' || s[l] == '-'))
        l++;
    size_t r = at + 1;
    while (r < b && (kz_is_alnum((unsigned char)s[r]) || s[r] == '.' ||
                     s[r] == '-' || s[r] == '_' || (unsigned char)s[r] >= 0x80))
        r++;
    while (r > at + 1 && (s[r - 1] == '.' || s[r - 1] == '-'))
        r--;
    if (l == at || r == at + 1)
        return 0;
    /* "@analyst@infosec.exchange": a fediverse handle, not a mailbox */
    if (l > 0 && s[l - 1] == '@')
        return 1;
    size_t len;
    if (kz_norm_email(s + l, r - l, sc->buf, sizeof sc->buf, &len) != KZ_OK)
        return 0;
    const char *dom = memchr(sc->buf, '@', len);
    size_t dl = dom ? len - (size_t)(dom + 1 - sc->buf) : 0;
    if (!dom || (!has_ps(sc, dom + 1, dl) &&
                 !(was_defanged(sc, l, r) && plausible_tld(dom + 1, dl))))
        return 0;
    put(sc, KZ_T_EMAIL, l, r, len, 0, KZ_CLASS_INDICATOR, NULL);
    return 1;
}

/* 1 when the word l[ws, we) only joins a version word to its numbers:
 * "and", "or", "to", "is", "no.", "prior", "through", "before", ...,
 * "=", a number ("Versions 10.0.19041.1 and 2.3.4.5", "version is
 * 1.2.3.4", "build no. 1.2.3.4", "versions prior to 12.4.0.118",
 * "versions 3.0.0 through 3.8.7.2"). */
static int version_glue(const char *l, size_t ws, size_t we)
{
    while (we > ws && (l[we - 1] == ',' || l[we - 1] == ':' ||
                       l[we - 1] == ';' || l[we - 1] == ')'))
        we--;
    while (ws < we && l[ws] == '(')
        ws++;
    size_t n = we - ws;
    if (n == 0)
        return 1;
    static const char *const glue[] = {
        "and",   "or",    "to",    "is",    "was",   "no.",     "=",
        "-",     "v",     "prior", "from",  "thru",  "through", "before",
        "after", "until", "up",    "than",  "older", "earlier", "later",
        "newer", "below", "above", "since", NULL};
    for (size_t k = 0; glue[k]; k++)
        if (kz_eq_word_ci(l + ws, n, glue[k]))
            return 1;
    for (size_t i = ws; i < we; i++)
        if (!kz_is_digit((unsigned char)l[i]) && l[i] != '.')
            return 0;
    return 1; /* another number of the list */
}

/* 1 when a version word ("version", "build", "firmware", "release",
 * "ver", "バージョン") comes right before s[a]: in the word before it, or
 * before words that only join it to its numbers ("version 1.2.3.4",
 * "Versions 10.0.19041.1 and 2.3.4.5", "version: 1.2.3.4",
 * "バージョン1.2.3.4"); at most four words and 40 bytes back. Not
 * anywhere on the line: a paragraph may name a version and, further on, a
 * C2 address ("the build monitor that 1.2.3.4"). */
static int version_before(scan *sc, size_t a)
{
    const kz_segment *g = sc->seg;
    if (!(line_ctx(sc) & KZ_CTX_VERSION))
        return 0; /* no such word on the line at all */
    const char *l = g->line;
    size_t pos = g->base + a, we = pos;
    for (int w = 0; w < 4 && we > 0 && pos - we < 40; w++) {
        while (we > 0 && (l[we - 1] == ' ' || l[we - 1] == '\t'))
            we--;
        size_t ws = we;
        while (ws > 0 && pos - ws < 40 && l[ws - 1] != ' ' && l[ws - 1] != '\t')
            ws--;
        if (ws == we)
            return 0;
        /* A sentence ended before the number ("... build version.
         * 1.2.3.4", "version 1.2.3.4. 5.6.7.8"), not an abbreviation
         * ("ver. 1.2", "no. 3"). */
        char last = l[we - 1];
        if ((last == '.' || last == '!' || last == '?') &&
            !kz_eq_word_ci(l + ws, we - ws, "no.") &&
            !kz_eq_word_ci(l + ws, we - ws, "ver.") &&
            !kz_eq_word_ci(l + ws, we - ws, "v."))
            return 0;
        if (kz_scan_line_context(l + ws, we - ws) & KZ_CTX_VERSION)
            return 1;
        if (!version_glue(l, ws, we))
            return 0;
        we = ws;
    }
    return 0;
}

/* Whether t[0, len), digits and three dots (the bits of dot), is a
 * dotted quad kz_norm_ipv4 takes: one to three digits around each dot,
 * no leading zero, none over 255 (its quad_v16 and scan_v4). */
static inline int quad_ok(const char *t, unsigned dot, unsigned len)
{
    unsigned a = 0; /* where number k starts */
    for (int k = 0; k < 4; k++) {
        unsigned b = k < 3 ? (unsigned)__builtin_ctz(dot) : len, l = b - a;
        dot &= dot - 1;
        if (l - 1 > 2)
            return 0;
        if (l > 1) {
            unsigned d0 = (unsigned)(unsigned char)t[a] - '0';
            unsigned v = d0 * 10 + ((unsigned)(unsigned char)t[a + 1] - '0');
            if (l > 2)
                v = v * 10 + ((unsigned)(unsigned char)t[a + 2] - '0');
            if (d0 == 0 || v > 255)
                return 0;
        }
        a = b + 1;
    }
    return 1;
}

/* Where the run of digits and dots from s[a] ends, not past b; *three:
 * whether it holds three dots exactly; *quad: when it does, whether it is
 * a dotted quad kz_norm_ipv4 takes (quad_ok), -1 when not told. A token
 * of four to sixteen bytes (an address, most with a port) is one block:
 * the sixteen bytes from a or, near the line's end, those that end at b
 * (the segment is seg->line + base: the line is readable from its start
 * to line_n); on a line of fewer, a copy of the token made of its first
 * and last eight or four bytes (they may overlap), zeros after it. */
static inline size_t digit_dot_run(const scan *sc, size_t a, size_t b,
                                   int *three, int *quad)
{
    const char *s = sc->seg->s;
    *quad = -1;
#if KZ_HAVE_V16
    size_t n = b - a, back = sc->seg->base, fwd = sc->seg->line_n - back;
    if (n <= 16 && n >= 4) {
        unsigned w = 0;
        kz_v16 v;
        if (a + 16 <= fwd) {
            v = kz_v16_load(s + a);
        } else if (back + b >= 16) {
            w = (unsigned)(16 - n);
            v = kz_v16_load(s + b - 16);
        } else {
            char t[16];
            kz_v16_store(t, _mm_setzero_si128());
            if (n >= 8) {
                memcpy(t, s + a, 8);
                memcpy(t + n - 8, s + b - 8, 8);
            } else {
                memcpy(t, s + a, 4);
                memcpy(t + n - 4, s + b - 4, 4);
            }
            v = kz_v16_load(t);
        }
        unsigned dot = kz_v16_bits(kz_v16_eq(v, '.')) >> w;
        unsigned run = (kz_v16_bits(kz_v16_range(v, '0', '9')) >> w | dot) &
                       ((1u << n) - 1);
        unsigned len = (unsigned)__builtin_ctz(~run); /* bit n is clear */
        unsigned d = dot & ((1u << len) - 1), d2 = d;
        d2 &= d2 - 1;
        d2 &= d2 - 1; /* the lowest two dots cleared */
        *three = d2 != 0 && (d2 & (d2 - 1)) == 0;
        if (*three)
            *quad = quad_ok(s + a, d, len);
        return a + len;
    }
#endif
    size_t dots = 0, e = a;
    while (e < b && (kz_is_digit((unsigned char)s[e]) || s[e] == '.')) {
        dots += s[e] == '.';
        e++;
    }
    *three = dots == 3;
    return e;
}

/* Dotted quad (+ ":port" or "/prefix"). */
static int scan_ipv4(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    int three, quad;
    size_t e = digit_dot_run(sc, a, b, &three, &quad);
    if (!three || !kz_is_digit((unsigned char)s[a]) ||
        !kz_is_digit((unsigned char)s[e - 1]))
        return 0;
    if (e < b && s[e] == '/') {
        size_t p = e + 1;
        while (p < b && kz_is_digit((unsigned char)s[p]))
            p++;
        if (p == b && p > e + 1)
            return try_put(sc, KZ_T_CIDR, a, b);
        return 0;
    }
    uint16_t port = 0;
    uint8_t ip[4];
    size_t end = e;
    if (e < b && s[e] == ':') {
        size_t p = e + 1;
        while (p < b && kz_is_digit((unsigned char)s[p]))
            p++;
        if (p != b || p == e + 1)
            return 0;
        end = b;
    } else if (e != b) {
        return 0;
    }
    if (end == e && quad >= 0) {
        /* the run alone: quad_ok has told what kz_norm_ipv4 would */
#ifndef NDEBUG
        if ((kz_norm_ipv4(s + a, e - a, ip, &port) == KZ_OK) != quad) {
            fprintf(stderr,
                    "kizashi: internal error: quad_ok(\"%.*s\") = %d, "
                    "kz_norm_ipv4 says otherwise\n",
                    (int)(e - a), s + a, quad);
            abort();
        }
#endif
        if (!quad)
            return 0;
    } else if (kz_norm_ipv4(s + a, end - a, ip, &port) != KZ_OK) {
        return 0;
    }
    /* A defanged address, or one with a port, is never a version: the
     * line's words are looked at only for addresses written plainly. */
    if (end == e && !was_defanged(sc, a, end) && version_before(sc, a))
        return 1; /* "version 1.2.3.4": consumed, not reported */
    /* The canonical form of the address just parsed (what kz_normalize
     * writes: dotted decimal, no leading zero) is the text itself: the
     * parse takes no other (no leading zero, no octet over 255). */
    memcpy(sc->buf, s + a, e - a);
    sc->buf[e - a] = '\0';
    put(sc, KZ_T_IPV4, a, end, e - a, port, KZ_CLASS_INDICATOR, NULL);
    return 1;
}

static int scan_ipv6(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t colons = 0;
    const char *slash = memchr(s + a, '/', b - a);
    size_t e = slash ? (size_t)(slash - s) : b;
    int zone = 0;
    for (size_t i = a; i < e; i++) {
        unsigned char c = (unsigned char)s[i];
        if (zone) {
            if (!kz_is_alnum(c) && c != '_' && c != '.' && c != '-')
                return 0;
        } else if (c == ':') {
            colons++;
        } else if (c == '%') {
            zone = 1; /* "fe80::1%eth0": the zone is dropped */
        } else if (!kz_is_xdigit(c) && c != '.') {
            return 0;
        }
    }
    if (colons < 2)
        return 0;
    uint8_t ip[16];
    if (slash) {
        return try_put(sc, KZ_T_CIDR, a, b);
    }
    if (kz_norm_ipv6(s + a, e - a, ip, NULL) != KZ_OK)
        return 0;
    return try_put(sc, KZ_T_IPV6, a, e);
}

/* A defanged dotted quad glued to letters ("words1[.]1[.]1[.]1words"):
 * the brackets make it an address. Undefanged ones are not taken: they are
 * version strings ("v1.2.3.4") far more often than addresses. */
static void scan_glued_ipv4(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t i = a;
    while (i < b) {
        while (i < b && !kz_is_digit((unsigned char)s[i]))
            i++;
        size_t j = i, dots = 0;
        while (j < b && (kz_is_digit((unsigned char)s[j]) || s[j] == '.')) {
            dots += s[j] == '.';
            j++;
        }
        size_t e = j;
        while (e > i && s[e - 1] == '.')
            e--;
        /* Undefanged, it must be glued on both sides ("words1.2.3.4words"):
         * a letter on one side only is a version ("v1.2.3.4"). */
        int both = i > a && e < b && kz_is_alpha((unsigned char)s[i - 1]) &&
                   kz_is_alpha((unsigned char)s[e]);
        if (dots == 3 && e > i && (both || was_defanged(sc, i, e)) &&
            (i == a || s[i - 1] != '.'))
            try_put(sc, KZ_T_IPV4, i, e);
        i = j;
    }
}

/* Whether code point c may be part of a Japanese file name's stem: kanji,
 * katakana, the long vowel mark, full-width letters and digits, and
 * hiragana other than the particles that end a phrase before a name
 * ("メールには請求書.pdf.lnk", "添付の見積書.xlsm"). */
static int jp_name_cp(uint32_t c)
{
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || c == 0x3005 ||
        (c >= 0xFF10 && c <= 0xFF19) || (c >= 0xFF21 && c <= 0xFF3A) ||
        (c >= 0xFF41 && c <= 0xFF5A))
        return 1;
    if (c >= 0x3041 && c <= 0x3096) {
        static const uint32_t particles[] = {0x306F, 0x304C, 0x3092, 0x306B,
                                             0x3067, 0x3068, 0x3078, 0x3084,
                                             0x306E}; /* はがをにでとへやの */
        for (size_t k = 0; k < sizeof particles / sizeof *particles; k++)
            if (c == particles[k])
                return 0;
        return 1;
    }
    return 0;
}

/* Where the name of a file token starting at a begins when Japanese
 * letters are glued before it: the token starts with '.', '_', '-' or a
 * digit (".pdf.lnk" of "請求書.pdf.lnk", "_0630.zip" of
 * "支払通知書_0630.zip"); a letter ("攻撃者がupdate.exe") starts a name of
 * its own. a itself when there are none. */
static size_t jp_stem_start(const char *s, size_t a)
{
    size_t q = a;
    while (q > 0 && q + 1 > a && (s[q - 1] == '.' || s[q - 1] == '_'))
        q--;
    unsigned char c0 = (unsigned char)s[q];
    if (q == a && !(c0 == '_' || c0 == '-' || kz_is_digit(c0)))
        return a;
    size_t r = q;
    while (r >= 3) {
        /* the code point that ends at r (three bytes: CJK and kana) */
        const unsigned char *u = (const unsigned char *)s + r - 3;
        if ((u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 ||
            (u[2] & 0xC0) != 0x80)
            break;
        uint32_t c = ((uint32_t)(u[0] & 0x0F) << 12) |
                     ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        if (!jp_name_cp(c))
            break;
        r -= 3;
    }
    return r < q ? r : a;
}

/* 1 when the dotted token is an anti-virus detection name: a malware
 * category or platform first ("Trojan.Win32.SILKLOAD.ENC",
 * "Backdoor.MSIL.Agent.x", "Win32.Worm.Foo.A"), three labels or more. */
static int detection_name(const char *s, size_t a, size_t b)
{
    static const char *const first[] = {"trojan",
                                        "backdoor",
                                        "ransom",
                                        "trojanspy",
                                        "trojandownloader",
                                        "trojandropper",
                                        "trojan-spy",
                                        "trojan-downloader",
                                        "trojan-ransom",
                                        "worm",
                                        "exploit",
                                        "hacktool",
                                        "virus",
                                        "pua",
                                        "adware",
                                        "spyware",
                                        "rootkit",
                                        "riskware",
                                        "heur",
                                        "win32",
                                        "win64",
                                        "w32",
                                        "w64",
                                        "msil",
                                        NULL};
    if (!(s[a] >= 'A' && s[a] <= 'Z'))
        return 0; /* before the walk: most names are lower-case */
    size_t d = a;
    while (d < b && s[d] != '.')
        d++;
    if (d >= b)
        return 0;
    int dots = 0;
    for (size_t p = d; p < b; p++)
        dots += s[p] == '.';
    if (dots < 2)
        return 0;
    for (size_t k = 0; first[k]; k++)
        if (kz_eq_word_ci(s + a, d - a, first[k]))
            return 1;
    return 0;
}

/* One token: no delimiters, no split characters inside. */
static void scan_token(scan *sc, size_t a, size_t b)
{
    scan_token_cls(sc, a, b, NULL);
}

/* scan_token, given the classes of s[a, b) gathered by scan_generic
 * ({any, all}; NULL: not known). */
static void scan_token_cls(scan *sc, size_t a, size_t b, const unsigned *cls)
{
    const char *s = sc->seg->s;
    const kz_segment *g = sc->seg;
    /* Leading dots, hyphens and colons (but "::1" is an address). Most
     * tokens start and end with a letter or digit: nothing comes off. */
    size_t a0 = a, b0 = b;
    if (b <= a)
        return;
    if (!(word_class[(unsigned char)s[a]] & WC_ALNUM)) {
        while (a < b && (s[a] == '.' || s[a] == '-' || s[a] == '/' ||
                         (s[a] == ':' && !(b - a > 1 && s[a + 1] == ':'))))
            a++;
        if (b <= a)
            return;
    }
    if (!(word_class[(unsigned char)s[b - 1]] & WC_ALNUM)) {
        b = trim_tail(s, a, b);
        while (b > a && (s[b - 1] == '-' || s[b - 1] == '%'))
            b--;
        if (b <= a)
            return;
    }
    size_t n = b - a;
    /* Which characters the token holds, in one pass: the tests below look
     * for a character only when it is there. The classes given are those
     * of [a0, b0): the token's when nothing was taken off. */
    unsigned any = 0, all = 0xFF;
    if (cls && a == a0 && b == b0) {
        any = cls[0];
        all = cls[1];
    } else {
        /* hex digits are TC_HEX alone (a digest's run sixteen bytes at a
         * time; a short token is walked as cheaply below) */
        size_t hexp = n >= 16 ? kz_hex_span(s + a, n) : 0;
        if (hexp > 0)
            any = all = TC_HEX;
        for (size_t i = a + hexp; i < b; i++) {
            unsigned t = tok_class[(unsigned char)s[i]];
            any |= t;
            all &= t;
        }
    }

    if (g->hint == KZ_HINT_SKIP)
        return;
    if (g->hint == KZ_HINT_MUTEX && sc->in_code) {
        put_text(sc, KZ_T_MUTEX, a, b);
        return;
    }
    /* Hashes and thumbprints. */
    if (all & TC_HEX) {
        if (n == 32 || n == 40 || n == 64 || n == 128)
            scan_hash(sc, a, b);
        return;
    }
    /* "0x5f4dcc3b...": a digest written as a C constant. */
    if ((n == 34 || n == 42 || n == 66 || n == 130) && s[a] == '0' &&
        (s[a + 1] == 'x' || s[a + 1] == 'X') && all_hex(s + a + 2, n - 2)) {
        scan_hash(sc, a + 2, b);
        return;
    }
    if (n > 32 && scan_glued_hash(sc, a, b))
        return;
    if ((any & TC_COLON) && scan_thumbprint(sc, a, b))
        return;
    /* Other colon-separated byte strings (serial numbers, MAC addresses,
     * short thumbprints) are one value of no type here: never cut into
     * pieces, whose tail could read as an IPv6 address. */
    if ((any & TC_COLON) && colon_bytes(s + a, n))
        return;
    /* CVE and AS numbers. */
    if (n >= 13 && kz_starts_ci(s + a, n, "cve-")) {
        try_put(sc, KZ_T_CVE, a, b);
        return;
    }
    if (n >= 3 && (s[a] == 'A' || s[a] == 'a') &&
        (s[a + 1] == 'S' || s[a + 1] == 's')) {
        size_t d = a + 2;
        if (d < b && (s[d] == 'N' || s[d] == 'n'))
            d++;
        if (all_digits(s + d, b - d) && (s[a + 1] == 'S' || s[a] == 'a')) {
            /* "AS1234", "asn1234"; lone "as1" in prose is rare but real. */
            if (b - d >= 2)
                try_put(sc, KZ_T_ASN, a, b);
            return;
        }
    }
    /* Addresses. */
    if (kz_is_digit((unsigned char)s[a]) && scan_ipv4(sc, a, b))
        return;
    const char *col = (any & TC_COLON) ? memchr(s + a, ':', n) : NULL;
    if (col && scan_ipv6(sc, a, b))
        return;
    uint16_t port = 0;
    if (col && !(any & TC_AT)) {
        /* "host:port" keeps the host (and the port); "SHA-256:<hash>" or
         * "C2:host" are two tokens. */
        size_t c = (size_t)(col - s);
        unsigned long pv = 0;
        int digits = c + 1 < b && c + 6 >= b;
        for (size_t i = c + 1; digits && i < b; i++) {
            if (!kz_is_digit((unsigned char)s[i]))
                digits = 0;
            else
                pv = pv * 10 + (unsigned long)(s[i] - '0');
        }
        if (digits && pv > 0 && pv <= 65535 && c > a) {
            port = (uint16_t)pv;
            b = c;
            n = b - a;
        } else {
            scan_token(sc, a, c);
            scan_token(sc, c + 1, b);
            return;
        }
    }
    /* Emails. */
    const char *at = (any & TC_AT) ? memchr(s + a, '@', n) : NULL;
    if (at) {
        size_t atp = (size_t)(at - s);
        if (!scan_email(sc, a, b, atp)) {
            /* Not an address: "@evil.com", "x@": the parts on their own. */
            scan_token(sc, a, atp);
            scan_token(sc, atp + 1, b);
        }
        return;
    }
    /* Slashes: paths under known roots, or host/path without a scheme;
     * anything else with a slash (detection names "Win32/Agent.X", "and/or",
     * URL paths) is not an indicator. */
    if (s[a] == '~' || ((any & TC_SLASH) && memchr(s + a, '/', n)))
        return;
    /* Windows names with a backslash that did not start a path: a
     * kernel object name is a mutex where the text speaks of one. */
    if ((any & TC_BSLASH) && memchr(s + a, '\\', n)) {
        if ((kz_starts_ci(s + a, n, "global\\") ||
             kz_starts_ci(s + a, n, "local\\") ||
             kz_starts_ci(s + a, n, "session\\")) &&
            (g->hint == KZ_HINT_MUTEX || (line_ctx(sc) & KZ_CTX_MUTEX)))
            put_text(sc, KZ_T_MUTEX, a, b);
        return;
    }
    /* Percent-encoding outside a URL separates words ("evil.com%2F"). */
    const char *pc = (any & TC_PCT) ? memchr(s + a, '%', n) : NULL;
    if (pc) {
        size_t p = (size_t)(pc - s);
        scan_token(sc, a, p);
        scan_token(sc, p + 1, b);
        return;
    }
    /* Dotted names: a file or a host. */
    size_t dot;
    size_t el = last_label(s, a, b, &dot);
    if (el == 0 || dot == a) {
        /* "見積書.xlsm": the dot came first in the token, the stem is the
         * Japanese before it. */
        if (a0 < a && s[a - 1] == '.' &&
            !(any & ~(unsigned)(TC_HEX | TC_ODD)) &&
            kz_scan_is_file_ext(s + a, b - a) && jp_stem_start(s, a) < a - 1)
            put_filename(sc, jp_stem_start(s, a), b,
                         sc->in_code || g->whole_cell);
        return;
    }
    /* Only letters, digits, '-', '_', '.' and non-ASCII bytes: no colon
     * is left (a port was cut off, other colons returned above), so the
     * bytes' classes say it. */
    if (any & TC_ODD)
        return;
    ps_prefetch(sc, s + a, n); /* has_ps may be asked about it */
    int defanged = was_defanged(sc, a, b);
    if (!defanged && detection_name(s, a, b))
        return; /* "Trojan.Win32.SILKLOAD.ENC" */
    int ext = kz_scan_is_file_ext(s + dot + 1, el);
    /* A defanged name is a host only when its last label can be one:
     * "update[.]zip" is a host, "請求書．pdf．exe" is still a file. */
    if (ext && defanged && !kz_domain_tld_is_filename_ext(s + a, n))
        defanged = 0;
    if (ext && !defanged && g->hint != KZ_HINT_DOMAIN) {
        /* "請求書.pdf.lnk", "支払通知書_0630.zip": a Japanese stem glued
         * to the extension belongs to the name; ".pdf.lnk" alone is a
         * double extension spoken of, not a file. */
        size_t st = jp_stem_start(s, a);
        if (st == a && a > 0 && s[a - 1] == '.' &&
            (a == 1 || delim_len(s, a, a - 2) || s[a - 2] == ' ')) {
            size_t d1 = a;
            while (d1 < b && s[d1] != '.')
                d1++;
            if (d1 < b && kz_scan_is_file_ext(s + a, d1 - a))
                return;
        }
        /* ".tb_loader.py" after a quote or a space: a hidden file */
        if (st == a && a0 + 1 == a && s[a0] == '.' &&
            (a0 == 0 || s[a0 - 1] == ' ' || s[a0 - 1] == '"' ||
             s[a0 - 1] == '\'' || s[a0 - 1] == '`' || s[a0 - 1] == '/'))
            st = a0;
        put_filename(sc, st, b, sc->in_code || g->whole_cell);
        return;
    }
    if (g->hint == KZ_HINT_FILENAME && !defanged) {
        /* ... whose extension has a letter: "22.7R2.5" is a version */
        int letter = 0;
        for (size_t i = dot + 1; i < b; i++)
            letter |= kz_is_alpha((unsigned char)s[i]);
        if (letter)
            put_filename(sc, a, b, 1);
        return;
    }
    if (!put_domain(sc, a, b, defanged, port))
        scan_glued_ipv4(sc, a, b);
}

/* URLs hidden by an encoding, as droppers and phishing pages write them:
 * base64 ("aHR0cDovL..." is "http://") and percent-encoding
 * ("http%3A%2F%2F..."). Reported with the encoded text as written.
 * Returns the end of the encoded run, 0 when there is none. */
static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

static size_t scan_encoded_url(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    char dec[KZ_MAX_URL + 1];
    size_t dn = 0, e = a;
    if (b - a >= 12 && memcmp(s + a, "aHR0c", 5) == 0) {
        uint32_t acc = 0;
        int bits = 0;
        size_t group_dn = 0;
        int in_group = 0;
        while (e < b && b64val((unsigned char)s[e]) >= 0 && dn < KZ_MAX_URL) {
            acc = (acc << 6) | (uint32_t)b64val((unsigned char)s[e]);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                dec[dn++] = (char)((acc >> bits) & 0xFF);
            }
            e++;
            if (++in_group == 4) {
                in_group = 0;
                group_dn = dn;
            }
        }
        if (e < b && s[e] == '=') {
            while (e < b && s[e] == '=')
                e++;
        } else {
            dn = group_dn; /* a trailing partial group is not data */
        }
    } else if (b - a >= 13 && (s[a + 4] == '%' || s[a + 5] == '%') &&
               (kz_starts_ci(s + a, b - a, "http%3a%2f%2f") ||
                kz_starts_ci(s + a, b - a, "https%3a%2f%2f"))) {
        /* (the '%' after "http" or "https" tested first: most chunks
         * here are URLs as written, "http://...") */
        while (e < b && dn < KZ_MAX_URL) {
            if (s[e] == '%' && e + 2 < b &&
                kz_is_xdigit((unsigned char)s[e + 1]) &&
                kz_is_xdigit((unsigned char)s[e + 2])) {
                dec[dn++] = (char)(kz_hexval((unsigned char)s[e + 1]) * 16 +
                                   kz_hexval((unsigned char)s[e + 2]));
                e += 3;
            } else if (kz_is_alnum((unsigned char)s[e]) || s[e] == '-' ||
                       s[e] == '.' || s[e] == '_' || s[e] == '~' ||
                       s[e] == '+') {
                dec[dn++] = s[e++];
            } else {
                break;
            }
        }
    } else {
        return 0;
    }
    if (!(dn > 8 &&
          (memcmp(dec, "http://", 7) == 0 || memcmp(dec, "https://", 8) == 0)))
        return 0;
    size_t u = 0;
    while (u < dn && (unsigned char)dec[u] > 0x20 &&
           (unsigned char)dec[u] < 0x7F && dec[u] != '"' && dec[u] != '\'' &&
           dec[u] != '<' && dec[u] != '>')
        u++;
    size_t len, ho, hn;
    if (kz_norm_url_host(dec, u, sc->buf, sizeof sc->buf, &len, &ho, &hn) !=
        KZ_OK)
        return 0;
    /* A cut-off blob decodes to junk ("http://ex"): the host must be a
     * public name or an address. */
    const char *h = sc->buf + ho;
    uint8_t ip[16];
    int fam;
    if (hn == 0 || (*h != '[' && kz_norm_ip(h, hn, ip, &fam, NULL) != KZ_OK &&
                    !has_ps(sc, h, hn)))
        return 0;
    put(sc, KZ_T_URL, a, e, len, 0, KZ_CLASS_INDICATOR, NULL);
    return e;
}

/* "evil.com/gate.php" or "1.2.3.4/x": a URL whose writer left out the
 * scheme. Reported as a reference with http:// assumed, so --all shows it
 * and nothing is lost silently, but it never enters a blocklist as if the
 * scheme were known. s[h] is the first slash in s[a, b). */
static void scan_schemeless_url(scan *sc, size_t a, size_t b, size_t h)
{
    const char *s = sc->seg->s;
    if (h == a || b - a + 7 > KZ_MAX_URL)
        return;
    /* The host, without a ":port", ends at the first colon before the
     * slash. An address and an ASCII host name have a dot
     * ("Win32/Agent.X" has none); a host in other letters may have an
     * ideographic one. One pass for both. */
    size_t hp = a;
    int dot = 0;
    for (; hp < h && s[hp] != ':'; hp++)
        dot |= s[hp] == '.' || (unsigned char)s[hp] >= 0x80;
    if (!dot)
        return;
    uint8_t ip[4];
    size_t len;
    char tmp[KZ_MAX_DOMAIN + 1];
    int ok = kz_norm_ipv4(s + a, hp - a, ip, NULL) == KZ_OK ||
             (kz_norm_domain(s + a, hp - a, tmp, sizeof tmp, &len) == KZ_OK &&
              (has_ps(sc, tmp, len) ||
               (was_defanged(sc, a, hp) && plausible_tld(tmp, len))));
    if (!ok)
        return;
    char u[KZ_MAX_URL + 8];
    memcpy(u, "http://", 7);
    memcpy(u + 7, s + a, b - a);
    if (kz_norm_url(u, b - a + 7, sc->buf, sizeof sc->buf, &len) != KZ_OK)
        return;
    put(sc, KZ_T_URL, a, b, len, 0, KZ_CLASS_REFERENCE,
        "URL written without a scheme (http:// assumed)");
}

/* ---- segments and code spans ----------------------------------------------
 */

/* Scans s[a, b) as chunks separated by delimiters. */
/* See extract_int.h. Non-ASCII letters (IDN hosts, names) count as
 * BC_SPECIAL: look closer. */
static size_t chunk_end_ref(const char *s, size_t j, size_t b, unsigned *cls)
{
    unsigned acc = 0; /* OR-ed into *cls once: a store could alias s */
    while (j < b) {
        unsigned k = byte_class[(unsigned char)s[j]];
        if (k & (BC_DELIM | BC_HIGH)) {
            if (!(k & BC_HIGH) || delim_len(s, b, j))
                break;
            k = BC_SPECIAL;
        }
        acc |= k;
        j++;
    }
    *cls |= acc;
    return j;
}

#if KZ_HAVE_V16
/* The ASCII delimiters (ascii_is_delim) among the sixteen bytes of v. */
static inline unsigned delim_bits(kz_v16 v)
{
    return kz_v16_bits(kz_v16_or(
        kz_v16_or(kz_v16_or(kz_v16_le(v, 0x20), kz_v16_eq(v, 0x7F)),
                  kz_v16_or(kz_v16_eq(v, '"'), kz_v16_eq(v, '\''))),
        kz_v16_or(kz_v16_or(kz_v16_eq(v, '`'), kz_v16_eq(v, '<')),
                  kz_v16_or(kz_v16_or(kz_v16_eq(v, '>'), kz_v16_eq(v, '|')),
                            kz_v16_eq(v, '^')))));
}
#endif

#if KZ_HAVE_V16
/* The bytes the delimiter loop of scan_chunks passes one delim_len call
 * each without decoding: ASCII delimiters, and kana, kanji and CJK
 * punctuation (E3..E9 and two continuation bytes, whose sequence ends
 * before b). In the sixteen bytes that end at p + 16 - w, p[0] the start
 * of a character: how many from p are (see kz_seq3_run). */
static inline unsigned cjk_block(const char *p, unsigned w)
{
    kz_v16 v = kz_v16_load(p - w);
    unsigned keep = 0xFFFFu << w & 0xFFFFu;
    unsigned cont =
        kz_v16_bits(_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xC0))) & keep;
    unsigned lead = kz_v16_bits(_mm_and_si128(
                        _mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xE2)),
                        _mm_cmplt_epi8(v, _mm_set1_epi8((char)0xEA)))) &
                    keep;
    return kz_seq3_run(lead, cont, ~(delim_bits(v) | lead | cont) & keep, w,
                       16);
}

/* Where the run of such bytes from s[i] ends: sixteen at a time, the last
 * block ending at b (with fewer than sixteen bytes in s[0, b), at i). */
static size_t cjk_run_v16(const char *s, size_t i, size_t b)
{
    while (b - i >= 16) {
        unsigned k = cjk_block(s + i, 0);
        i += k;
        if (k < 14) /* stopped inside the block (see cjk_run_avx2) */
            return i;
    }
    if (i < b && b >= 16)
        i += cjk_block(s + i, (unsigned)(16 - (b - i)));
    return i;
}
#endif

#if KZ_HAVE_V32
/* cjk_block's classes of a byte, from its two halves (kz_v32_classify):
 * the ASCII delimiters (0x00..0x20, '"', '\'', '<', '>', '^', '`', '|',
 * 0x7F) in six bits, continuation bytes and the leads E3..E9. */
enum {
    CJ_CTRL = 1,  /* 0x00..0x1F */
    CJ_SQ = 2,    /* ' ' '"' '\'' */
    CJ_ANG = 4,   /* '<' '>' */
    CJ_CARET = 8, /* '^' */
    CJ_TICK = 16, /* '`' */
    CJ_BAR = 32,  /* '|' 0x7F */
    CJ_CONT = 64,
    CJ_LEAD = 128
};

/* cjk_block for the 32 bytes that end at p + 32 - w, with AVX2. */
KZ_AVX2 static inline unsigned cjk_block32(const char *p, unsigned w,
                                           __m256i tl, __m256i th)
{
    __m256i c = kz_v32_classify(kz_v32_load(p - w), tl, th);
    uint32_t keep = ~0u << w;
    uint32_t lead = kz_v32_bits(c) & keep;
    uint32_t cont = kz_v32_bits(_mm256_slli_epi16(c, 1)) & keep;
    uint32_t none = kz_v32_bits(_mm256_cmpeq_epi8(c, _mm256_setzero_si256()));
    return kz_seq3_run(lead, cont, none & keep, w, 32);
}

/* cjk_block32's three masks of the 32 bytes at p. */
KZ_AVX2 static inline void cjk_masks32(const char *p, __m256i tl, __m256i th,
                                       uint32_t *lead, uint32_t *cont,
                                       uint32_t *none)
{
    __m256i c = kz_v32_classify(kz_v32_load(p), tl, th);
    *lead = kz_v32_bits(c);
    *cont = kz_v32_bits(_mm256_slli_epi16(c, 1));
    *none = kz_v32_bits(_mm256_cmpeq_epi8(c, _mm256_setzero_si256()));
}

/* cjk_block for the 64 bytes at p, with AVX2 (kz_seq3_run64). */
KZ_AVX2 static inline unsigned cjk_block64(const char *p, __m256i tl,
                                           __m256i th)
{
    uint32_t l0, c0, n0, l1, c1, n1;
    cjk_masks32(p, tl, th, &l0, &c0, &n0);
    cjk_masks32(p + 32, tl, th, &l1, &c1, &n1);
    return kz_seq3_run64((uint64_t)l1 << 32 | l0, (uint64_t)c1 << 32 | c0,
                         (uint64_t)n1 << 32 | n0, 0);
}

/* cjk_run_v16 with AVX2, 64 bytes at a time, then 32. */
KZ_AVX2 static size_t cjk_run_avx2(const char *s, size_t i, size_t b)
{
#define CJ_ALL (CJ_CTRL | CJ_CONT)
    static const unsigned char lo[16] = {[0x0] = CJ_ALL | CJ_SQ | CJ_TICK,
                                         [0x1] = CJ_ALL,
                                         [0x2] = CJ_ALL | CJ_SQ,
                                         [0x3 ... 0x6] = CJ_ALL | CJ_LEAD,
                                         [0x7] = CJ_ALL | CJ_SQ | CJ_LEAD,
                                         [0x8 ... 0x9] = CJ_ALL | CJ_LEAD,
                                         [0xA ... 0xB] = CJ_ALL,
                                         [0xC] = CJ_ALL | CJ_ANG | CJ_BAR,
                                         [0xD] = CJ_ALL,
                                         [0xE] = CJ_ALL | CJ_ANG | CJ_CARET,
                                         [0xF] = CJ_ALL | CJ_BAR};
#undef CJ_ALL
    static const unsigned char hi[16] = {
        [0x0 ... 0x1] = CJ_CTRL, [0x2] = CJ_SQ,   [0x3] = CJ_ANG,
        [0x5] = CJ_CARET,        [0x6] = CJ_TICK, [0x7] = CJ_BAR,
        [0x8 ... 0xB] = CJ_CONT, [0xE] = CJ_LEAD};
    if (b < 32)
        return cjk_run_v16(s, i, b);
    const __m256i tl = kz_v32_table(lo), th = kz_v32_table(hi);
    /* A block's count below 30 (32 less a lead whose sequence it does
     * not hold whole) is a stop inside it: a bad byte or a broken
     * sequence, from which the next block would count none, so the run
     * ends there (below 62 for a block of 64). The last block ends at b:
     * what it leaves is a stop or a sequence b cuts, which a block from
     * there would count none of. */
    while (b - i >= 64) {
        unsigned k = cjk_block64(s + i, tl, th);
        i += k;
        if (k < 62)
            return i;
    }
    while (b - i >= 32) {
        unsigned k = cjk_block32(s + i, 0, tl, th);
        i += k;
        if (k < 30)
            return i;
    }
    if (i < b)
        i += cjk_block32(s + i, (unsigned)(32 - (b - i)), tl, th);
    return i;
}
#endif

/* Where the run of ASCII delimiters, kana and kanji from s[i] (the start
 * of a character) that cjk_block describes ends, a block at a time. (Not
 * inlined: the chunk loop keeps its registers for other text.) */
__attribute__((noinline)) static size_t cjk_run(const char *s, size_t i,
                                                size_t b)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return cjk_run_avx2(s, i, b);
#endif
#if KZ_HAVE_V16
    return cjk_run_v16(s, i, b);
#else
    (void)s;
    (void)b;
    return i;
#endif
}

static inline size_t chunk_end(const char *s, size_t j, size_t b, unsigned *cls)
{
#if KZ_HAVE_V16
    while (b - j >= 16 && j < b) {
        kz_v16 v = kz_v16_load(s + j);
        unsigned del = delim_bits(v);
        unsigned high = kz_v16_bits(kz_v16_high(v));
        unsigned stop = del | high;
        unsigned before = stop ? (1u << __builtin_ctz(stop)) - 1 : 0xFFFFu;
        kz_v16 colon = kz_v16_eq(v, ':'), slash = kz_v16_eq(v, '/');
        unsigned spec = kz_v16_bits(kz_v16_or(
            kz_v16_or(kz_v16_or(kz_v16_eq(v, '.'), colon),
                      kz_v16_or(kz_v16_eq(v, '@'), kz_v16_eq(v, '\\'))),
            kz_v16_or(kz_v16_or(slash, kz_v16_eq(v, '%')), kz_v16_eq(v, '~'))));
        if (spec & before) {
            *cls |= BC_SPECIAL;
            if (kz_v16_bits(colon) & before)
                *cls |= BC_COLON;
            if (kz_v16_bits(slash) & before)
                *cls |= BC_SLASH;
        }
        if (!stop) {
            j += 16;
            continue;
        }
        j += (unsigned)__builtin_ctz(stop);
        if (!(high & (before + 1)) || delim_len(s, b, j))
            return j; /* an ASCII delimiter, or a non-ASCII one */
        *cls |= BC_SPECIAL;
        j++;
    }
#endif
    return chunk_end_ref(s, j, b, cls);
}

/* Where the chunk that holds s[p] starts, not before i: right after the
 * last delimiter in s[i, p), whose bytes are all ASCII (s[i, b) is
 * readable). Sixteen bytes at a time back from p; the last sixteen or
 * fewer through one load that ends at p or starts at i, other bytes
 * masked off. */
static inline size_t chunk_start(const char *s, size_t i, size_t p, size_t b)
{
#if KZ_HAVE_V16
    while (p - i > 16) {
        unsigned del = delim_bits(kz_v16_load(s + p - 16));
        if (del)
            return p - 16 + (unsigned)(32 - __builtin_clz(del));
        p -= 16;
    }
    if (p > i && p >= 16) {
        unsigned del =
            delim_bits(kz_v16_load(s + p - 16)) & (0xFFFFu << (16 - (p - i)));
        return del ? p - 16 + (unsigned)(32 - __builtin_clz(del)) : i;
    }
    if (p > i && b - i >= 16) {
        unsigned del = delim_bits(kz_v16_load(s + i)) & ((1u << (p - i)) - 1);
        return del ? i + (unsigned)(32 - __builtin_clz(del)) : i;
    }
#else
    (void)b;
#endif
    while (p > i && !(byte_class[(unsigned char)s[p - 1]] & BC_DELIM))
        p--;
    return p;
}

size_t kz_scan_chunk_end(const char *s, size_t j, size_t b, unsigned *cls)
{
    return chunk_end(s, j, b, cls);
}

size_t kz_scan_chunk_end_ref(const char *s, size_t j, size_t b, unsigned *cls)
{
    return chunk_end_ref(s, j, b, cls);
}

static size_t program_end(const char *s, size_t a, size_t b);
static void scan_chunks(scan *sc, size_t a, size_t b);

/* Scans [a, b) as code (a span, a cell, a command's arguments): cmd says
 * it holds several words, a command line or a description. */
static void scan_code(scan *sc, size_t a, size_t b, int cmd)
{
    int saved = sc->in_code, saved_cmd = sc->in_cmd;
    sc->in_code = 1;
    sc->in_cmd = cmd;
    scan_chunks(sc, a, b);
    sc->in_code = saved;
    sc->in_cmd = saved_cmd;
}

/* Where the chunk that starts at s[i] ends when it is a digest alone: a
 * run of hex digits of a digest's length that b or a delimiter ends (an
 * ASCII one, or a non-ASCII one delim_len passes, as chunk_end stops at).
 * Hex digits are of no byte class: chunk_end would end the chunk there,
 * with no class, and the chunk is one token of hex digits only. 0 when
 * there is none. */
static inline size_t digest_chunk(const char *s, size_t i, size_t b)
{
    if (b - i < 32 || !(tok_class[(unsigned char)s[i]] &
                        tok_class[(unsigned char)s[i + 31]] & TC_HEX))
        return 0;
    size_t e = i + kz_hex_span(s + i, b - i), h = e - i;
    unsigned k = e < b ? byte_class[(unsigned char)s[e]] : BC_DELIM;
    if ((h == 32 || h == 40 || h == 64 || h == 128) &&
        ((k & BC_DELIM) || ((k & BC_HIGH) && delim_len(s, b, e))))
        return e;
    return 0;
}

/* scan_token of digest_chunk's token: what scan_token_cls does with it.
 * It starts and ends with a hex digit, so nothing comes off its ends, and
 * all its bytes are TC_HEX: after the two tests of the segment's hint, a
 * digest's length goes to scan_hash. */
static void scan_digest_token(scan *sc, size_t a, size_t b)
{
    const kz_segment *g = sc->seg;
    if (g->hint == KZ_HINT_SKIP)
        return;
    if (g->hint == KZ_HINT_MUTEX && sc->in_code) {
        put_text(sc, KZ_T_MUTEX, a, b);
        return;
    }
    scan_hash(sc, a, b);
}

static void scan_chunks(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t i = a, de;
    int skip = !sc->in_code && !sc->seg->whole_cell;
    /* A digest alone at a (a line of a list of them), taken before the
     * search: kz_scan_next_interesting would stop inside it (at its 32nd
     * digit at the latest), chunk_start find its start at a (no delimiter
     * in it), and no delimiter, colon, bracketed hive or path starts at a
     * hex digit. Skipping a search leaves sc->ni valid. */
    if ((de = digest_chunk(s, a, b)) != 0) {
        scan_digest_token(sc, a, de);
        i = de;
    }
    while (i < b) {
        if (skip) {
            /* Jump over chunks the fast path below would pass over, to
             * the start of the chunk where something may begin. */
            size_t p = kz_scan_next_interesting_from(&sc->ni, s, i, b);
            if (p >= b)
                break;
            /* bytes before p are ASCII: none is interesting */
            i = chunk_start(s, i, p, b);
        }
        /* After three bytes, most likely a kana or kanji: the rest of
         * Japanese text's runs of them a block at a time, same steps. An
         * ASCII byte is told by its class without a call (delim_len's
         * answer: 1 for a delimiter, else 0). */
        while (i < b) {
            unsigned k = byte_class[(unsigned char)s[i]];
            if (!(k & (BC_DELIM | BC_HIGH)))
                break;
            if (k & BC_DELIM) {
                i++;
                continue;
            }
            size_t dl = delim_len(s, b, i);
            if (dl == 0)
                break;
            i = dl == 3 ? cjk_run(s, i + 3, b) : i + dl;
        }
        /* A colon left of a label ("永続化：HKCU\\..." refanged) is no part
         * of the value; "::1" is. */
        if (i + 1 < b && s[i] == ':' && s[i + 1] != ':')
            i++;
        if (i >= b)
            break;
        /* "<HKCU>\\Software\\...": a hive written in angle brackets. */
        if (i > a && s[i - 1] == '<' && scan_bracketed_hive(sc, i, b, &i))
            continue;
        /* Paths and registry keys may run over spaces: check first. */
        kz_type pt;
        if ((i == a || !kz_is_alnum((unsigned char)s[i - 1])) &&
            path_start(s, i, b, &pt)) {
            /* A quoted path runs to its closing quote, spaces and all:
             * "C:\Users\John Smith\x y.dll". */
            if (i > a && (s[i - 1] == '"' || s[i - 1] == '\'')) {
                const char *q = memchr(s + i, s[i - 1], b - i);
                if (q && !memchr(s + i, s[i - 1] == '"' ? '\'' : '"',
                                 (size_t)(q - s) - i)) {
                    /* "C:\\x\\svc.exe -k netsvcs" in quotes: a command */
                    size_t qe = (size_t)(q - s);
                    size_t pe =
                        pt == KZ_T_FILEPATH ? program_end(s, i, qe) : qe;
                    scan_path(sc, i, pe, pt, 1);
                    if (pe < qe)
                        scan_code(sc, pe, qe, 1);
                    i = qe;
                    continue;
                }
            }
            i = scan_path(sc, i, b, pt, 0);
            continue;
        }
        /* A digest alone, as lists of them are written: the path below
         * would give scan_token the whole chunk (through scan_generic). */
        if ((de = digest_chunk(s, i, b)) != 0) {
            scan_digest_token(sc, i, de);
            i = de;
            continue;
        }
        unsigned cls = 0;
        size_t j = chunk_end(s, i, b, &cls);
        /* Fast path: plain words and numbers hold no indicator unless a
         * code span or table column says what they are (or "AS 1234"). */
        if (!(cls & BC_SPECIAL) && !sc->in_code && !sc->seg->whole_cell &&
            !hex_run_32(s, i, j) && !word_pattern_in(s, i, j, b)) {
            i = j;
            continue;
        }
        /* Within the chunk: a URL, or a path, or generic tokens. */
        size_t k = i;
        if ((s[i] == 'a' || s[i] == 'h' || s[i] == 'H') &&
            scan_encoded_url(sc, i, j) != 0) {
            i = j;
            continue;
        }
        while (k < j) {
            const char *css = NULL;
            /* "://" needs both a colon and a slash in the chunk. */
            if ((cls & (BC_COLON | BC_SLASH)) == (BC_COLON | BC_SLASH)) {
                const char *p = memchr(s + k, ':', j - k);
                while (p && p + 3 <= s + j) {
                    if (p[1] == '/' && p[2] == '/') {
                        css = p;
                        break;
                    }
                    p = memchr(p + 1, ':', (size_t)(s + j - p - 1));
                }
            }
            if (!css) {
                const char *sl =
                    (cls & BC_SLASH) ? memchr(s + k, '/', j - k) : NULL;
                if (unix_path_start(s, k, j) &&
                    (k == i || !kz_is_alnum((unsigned char)s[k - 1]))) {
                    size_t pe = k == i ? path_end(s, k, b, 0, '/') : j;
                    size_t e = trim_tail(s, k, pe);
                    put_text(sc, KZ_T_FILEPATH, k, e);
                    if (pe > j)
                        j = pe;
                } else if (sl) {
                    /* A slash without a scheme: a CIDR range; a host/path
                     * written without its scheme (a reference: the scheme
                     * is unknown, so it is not matched exactly); or a URL
                     * path or detection name (Win32/Agent.X): nothing. */
                    size_t a2 = k, b2 = j;
                    while (a2 < b2 && (s[a2] == '(' || s[a2] == '['))
                        a2++;
                    b2 = trim_tail(s, a2, b2);
                    if (a2 < b2 &&
                        ((kz_is_xdigit((unsigned char)s[a2]) || s[a2] == ':') &&
                         try_put(sc, KZ_T_CIDR, a2, b2)))
                        ;
                    else if (a2 < b2 && (j >= b || s[j] != '<'))
                        /* sl: no '(' or '[', and not trimmed off */
                        scan_schemeless_url(sc, a2, b2, (size_t)(sl - s));
                } else {
                    /* "ASN 1234": the number is the next chunk. */
                    scan_generic(sc, k, j);
                    if (j - k >= 2 && j - k <= 3 &&
                        (kz_eq_word_ci(s + k, j - k, "as") ||
                         kz_eq_word_ci(s + k, j - k, "asn")) &&
                        j + 1 < b && s[j] == ' ' &&
                        kz_is_digit((unsigned char)s[j + 1])) {
                        size_t d = j + 1;
                        while (d < b && kz_is_digit((unsigned char)s[d]))
                            d++;
                        if ((d == b || delim_len(s, b, d) > 0 ||
                             is_split((unsigned char)s[d]) || s[d] == '.') &&
                            d - (j + 1) >= 2 && (s[k] == 'A' || j - k == 3))
                            try_put(sc, KZ_T_ASN, k, d);
                    }
                }
                break;
            }
            size_t cs = (size_t)(css - s);
            size_t ss = cs;
            while (ss > k && kz_is_alpha((unsigned char)s[ss - 1]))
                ss--;
            int known = 0;
            for (size_t q = 0; !known && url_schemes[q]; q++)
                known = kz_eq_word_ci(s + ss, cs - ss, url_schemes[q]);
            if (!known) {
                scan_generic(sc, k, cs);
                k = cs + 3;
                continue;
            }
            if (ss > k)
                scan_generic(sc, k, ss);
            size_t e = scan_url(sc, ss, j);
            k = e ? e : cs + 3;
            if (!e) {
                /* Not a URL after all: skip to the end of the chunk. */
                k = j;
            }
        }
        i = j;
    }
}

/* A code span on a line that speaks of a mutex is one when it is not
 * shaped as another type: a "Global\\", "Local\\" or "Session\\" name, or a
 * word with a letter and no dot, slash, colon or '@' that is not hex. */
static int mutex_shaped(const char *s, size_t a, size_t b)
{
    size_t n = b - a;
    if (kz_eq_word_ci(s + a, n, "mutex") || kz_eq_word_ci(s + a, n, "mutant") ||
        kz_eq_word_ci(s + a, n, "mutexes"))
        return 0; /* the word itself, in a "Type" column */
    if (kz_starts_ci(s + a, n, "global\\") ||
        kz_starts_ci(s + a, n, "local\\") ||
        kz_starts_ci(s + a, n, "session\\"))
        return 1;
    if (n < 3 || all_hex(s + a, n))
        return 0;
    int letter = 0;
    for (size_t p = a; p < b; p++) {
        unsigned char c = (unsigned char)s[p];
        if (c == '.' || c == '/' || c == ':' || c == '@' || c == '\\')
            return 0;
        letter |= kz_is_alpha(c);
    }
    return letter;
}

static size_t find_ua(const char *s, size_t a, size_t b, size_t *end,
                      const scan *sc);

/* 1 when the line speaks of user agents ("User-Agent:", "the UA",
 * "\"ua\":", ユーザーエージェント): a program's name/version there is
 * one. */
static int ua_line(const scan *sc)
{
    const char *l = sc->seg->line;
    size_t n = sc->seg->line_n;
    return contains_ci(l, n, "agent") || word_ci(l, n, "ua") ||
           find_bytes(l, n,
                      JP_WORD("\xe3\x82\xa8\xe3\x83\xbc\xe3\x82\xb8"
                              "\xe3\x82\xa7\xe3\x83\xb3\xe3\x83\x88"),
                      2); /* エージェント */
}

/* Where a path written with its arguments ends: at the first space after
 * a component with a file extension ("...\\cmd.exe /c ..."), when more
 * follows; b otherwise ("C:\\Program Files\\My App\\x.exe"). */
static size_t program_end(const char *s, size_t a, size_t b)
{
    size_t c = a; /* start of the current component */
    for (size_t p = a; p < b; p++) {
        if (s[p] == '\\' || s[p] == '/') {
            c = p + 1;
        } else if (s[p] == ' ' && p > c) {
            size_t dot = 0;
            for (size_t q = c; q < p; q++)
                if (s[q] == '.')
                    dot = q + 1;
            size_t r = p;
            while (r < b && s[r] == ' ')
                r++;
            if (dot > c + 1 && dot < p &&
                kz_scan_is_file_ext(s + dot, p - dot) && r < b)
                return p;
        }
    }
    return b;
}

/* The end of a name without the note written after it: "x.exe (TollBelt
 * PE)", "tb-linux-x64 (ELF)", "msedge.exe（正規）"; "Setup (1).exe" ends
 * with its extension and keeps its copy number. b when there is none. */
static size_t strip_note(const char *s, size_t a, size_t b)
{
    size_t o = (size_t)-1;
    if (b - a > 3 && s[b - 1] == ')') {
        for (size_t p = b - 1; p > a; p--)
            if (s[p - 1] == '(') {
                if (p - 1 > a && s[p - 2] == ' ')
                    o = p - 1;
                break;
            }
    } else if (b - a > 6 && memcmp(s + b - 3, "\xef\xbc\x89", 3) == 0) {
        for (size_t p = b - 3; p >= a + 3; p--)
            if (memcmp(s + p - 3, "\xef\xbc\x88", 3) == 0) {
                o = p - 3;
                break;
            }
    }
    if (o == (size_t)-1 || o <= a)
        return b;
    /* "bcs01276.tmp (msdn022.dll)": another name of the file, which the
     * cell gives whole (as ESET's tables do), not a note. */
    for (size_t p = o; p < b; p++)
        if (s[p] == '.' && p + 1 < b && kz_is_alpha((unsigned char)s[p + 1]))
            return b;
    while (o > a && s[o - 1] == ' ')
        o--;
    return o > a ? o : b;
}

/* A table cell on a row that speaks of a mutex is one only when it does
 * not read as a word of the row's notes ("loader"): a kernel object
 * namespace, a digit, '_', '{' or a capital after the first letter. */
static int mutex_not_word(const char *s, size_t a, size_t b)
{
    if (kz_starts_ci(s + a, b - a, "global\\") ||
        kz_starts_ci(s + a, b - a, "local\\") ||
        kz_starts_ci(s + a, b - a, "session\\"))
        return 1;
    for (size_t p = a; p < b; p++) {
        unsigned char c = (unsigned char)s[p];
        if (kz_is_digit(c) || c == '_' || c == '{' ||
            (p > a && c >= 'A' && c <= 'Z'))
            return 1;
    }
    return 0;
}

/* 1 when s[0, n) holds "mut" in any case or ミ (E3 83 9F): every word that
 * gives KZ_CTX_MUTEX ("mutex", "mutant", ミューテックス) holds one. */
static int mutex_bytes_ref(const char *s, size_t from, size_t n)
{
    for (size_t p = from; p + 3 <= n; p++)
        if (((s[p] | 0x20) == 'm' && (s[p + 1] | 0x20) == 'u' &&
             (s[p + 2] | 0x20) == 't') ||
            memcmp(s + p, "\xe3\x83\x9f", 3) == 0)
            return 1;
    return 0;
}

#if KZ_HAVE_V16
/* 1 when "mut" (any case) or ミ starts in the sixteen positions at q
 * (q[0..18) readable). */
static inline int mutex_block(const char *q)
{
    kz_v16 v0 = kz_v16_load(q), v1 = kz_v16_load(q + 1);
    kz_v16 v2 = kz_v16_load(q + 2);
    kz_v16 mut = kz_v16_and(kz_v16_and(kz_v16_eq(kz_v16_lower(v0), 'm'),
                                       kz_v16_eq(kz_v16_lower(v1), 'u')),
                            kz_v16_eq(kz_v16_lower(v2), 't'));
    kz_v16 mi = kz_v16_and(
        kz_v16_and(kz_v16_eq(v0, (char)0xE3), kz_v16_eq(v1, (char)0x83)),
        kz_v16_eq(v2, (char)0x9F));
    return kz_v16_bits(kz_v16_or(mut, mi)) != 0;
}
#endif

#if KZ_HAVE_V32
/* The bytes mutex_block32 compares with, 32 of each (see k32_hide). */
enum { MUK_LOWER, MUK_m, MUK_u, MUK_t, MUK_E3, MUK_83, MUK_9F, MUK_N };
#define MUK_ROW(c)                                                             \
    {                                                                          \
        [0 ... 31] = (c)                                                       \
    }
static const unsigned char mu_k[MUK_N][32] __attribute__((aligned(32))) = {
    [MUK_LOWER] = MUK_ROW(0x20), [MUK_m] = MUK_ROW('m'),
    [MUK_u] = MUK_ROW('u'),      [MUK_t] = MUK_ROW('t'),
    [MUK_E3] = MUK_ROW(0xE3),    [MUK_83] = MUK_ROW(0x83),
    [MUK_9F] = MUK_ROW(0x9F)};
#undef MUK_ROW

/* mutex_block over the 32 positions at q (q[0..34) readable); k is
 * mu_k. */
KZ_AVX2 static inline int mutex_block32(const char *q,
                                        const unsigned char (*k)[32])
{
#define MUK(r) kz_v32_load((const char *)k[r])
    __m256i v0 = kz_v32_load(q), v1 = kz_v32_load(q + 1);
    __m256i v2 = kz_v32_load(q + 2), lower = MUK(MUK_LOWER);
    __m256i mut = _mm256_and_si256(
        _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_or_si256(v0, lower), MUK(MUK_m)),
            _mm256_cmpeq_epi8(_mm256_or_si256(v1, lower), MUK(MUK_u))),
        _mm256_cmpeq_epi8(_mm256_or_si256(v2, lower), MUK(MUK_t)));
    __m256i mi =
        _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi8(v0, MUK(MUK_E3)),
                                          _mm256_cmpeq_epi8(v1, MUK(MUK_83))),
                         _mm256_cmpeq_epi8(v2, MUK(MUK_9F)));
    __m256i any = _mm256_or_si256(mut, mi);
    return !_mm256_testz_si256(any, any);
#undef MUK
}

/* mutex_bytes with AVX2, n >= 34: 32 positions at a time, the last ones
 * through the block that ends at n. */
KZ_AVX2 static int mutex_bytes_avx2(const char *s, size_t n)
{
    const unsigned char(*k)[32] = k32_hide(mu_k);
    size_t p = 0;
    for (; n - p >= 34 && p < n; p += 32)
        if (mutex_block32(s + p, k))
            return 1;
    return p + 3 <= n && mutex_block32(s + n - 34, k);
}
#endif

static int mutex_bytes(const char *s, size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2 && n >= 34)
        return mutex_bytes_avx2(s, n);
#endif
    size_t p = 0;
#if KZ_HAVE_V16
    for (; n - p >= 18 && p < n; p += 16)
        if (mutex_block(s + p))
            return 1;
    /* The last positions through the block that ends at n, overlapping
     * the ones looked at (a word may start up to n - 3). */
    if (n >= 18)
        return p + 3 <= n && mutex_block(s + n - 18);
#endif
    return mutex_bytes_ref(s, p, n);
}

/* 1 when the line may name a mutex (a superset of KZ_CTX_MUTEX, cheaper
 * than the line's context words), cached for the line. */
static int may_say_mutex(const kz_segment *g)
{
    if (*g->ctx_cache >= 0)
        return (*g->ctx_cache & KZ_CTX_MUTEX) != 0;
    int *c = g->mutw_cache;
    if (c && *c >= 0)
        return *c;
    int r = mutex_bytes(g->line, g->line_n);
    if (c)
        *c = r;
    return r;
}

/* The WH_ bytes s[a, b) holds; sixteen at a time when there are as many
 * (the last sixteen overlap the ones before). */
static unsigned whole_bytes(const char *s, size_t a, size_t b)
{
#if KZ_HAVE_V16
    if (b - a >= 16) {
        kz_v16 v = kz_v16_load(s + a), hi = v;
        kz_v16 sl = kz_v16_eq(v, '/'), bs = kz_v16_eq(v, '\\');
        kz_v16 sp = kz_v16_eq(v, ' '), co = kz_v16_eq(v, ':');
        for (size_t p = a + 16; p < b; p += 16) {
            v = kz_v16_load(s + (b - p < 16 ? b - 16 : p));
            hi = kz_v16_or(hi, v);
            sl = kz_v16_or(sl, kz_v16_eq(v, '/'));
            bs = kz_v16_or(bs, kz_v16_eq(v, '\\'));
            sp = kz_v16_or(sp, kz_v16_eq(v, ' '));
            co = kz_v16_or(co, kz_v16_eq(v, ':'));
        }
        return (kz_v16_bits(sl) ? WH_SLASH : 0) |
               (kz_v16_bits(bs) ? WH_BSLASH : 0) |
               (kz_v16_bits(sp) ? WH_SPACE : 0) |
               (kz_v16_bits(co) ? WH_COLON : 0) |
               (kz_v16_bits(hi) ? WH_WIDE : 0);
    }
#endif
    unsigned f = 0;
    for (size_t p = a; p < b; p++)
        f |= whole_class[(unsigned char)s[p]];
    return f;
}

/* The bytes of a token scan_whole gives to scan_token_cls itself
 * (one_token): letters, digits, '.', '-', '_', ':' and '@' (OT_BYTE); of
 * those, the ones mutex_shaped refuses a span for (OT_SEP: '.', ':',
 * '@'); and what their tok_class holds (the others' is 0): TC_HEX for
 * the hex digits (OT_HEX), TC_COLON for ':' (OT_COLON), TC_AT for '@'
 * (OT_AT). '|', which may part such tokens, is an OT_BYTE too, and the
 * OT_BAR. */
enum {
    OT_BYTE = 1,
    OT_SEP = 2,
    OT_HEX = 4,
    OT_COLON = 8,
    OT_AT = 16,
    OT_BAR = 32
};
static const unsigned char ot_class[256] = {['0' ... '9'] = OT_BYTE | OT_HEX,
                                            ['A' ... 'F'] = OT_BYTE | OT_HEX,
                                            ['G' ... 'Z'] = OT_BYTE,
                                            ['a' ... 'f'] = OT_BYTE | OT_HEX,
                                            ['g' ... 'z'] = OT_BYTE,
                                            ['-'] = OT_BYTE,
                                            ['_'] = OT_BYTE,
                                            ['.'] = OT_BYTE | OT_SEP,
                                            [':'] = OT_BYTE | OT_SEP | OT_COLON,
                                            ['@'] = OT_BYTE | OT_SEP | OT_AT,
                                            ['|'] = OT_BYTE | OT_BAR};

#if KZ_HAVE_V16
/* The OR of ot_class over the sixteen bytes of v (*any), and whether
 * every byte is an OT_BYTE (the return value). */
static inline int ot_block(kz_v16 v, unsigned *any)
{
    kz_v16 l = kz_v16_lower(v), d = kz_v16_range(v, '0', '9');
    kz_v16 co = kz_v16_eq(v, ':'), at = kz_v16_eq(v, '@');
    kz_v16 bar = kz_v16_eq(v, '|');
    kz_v16 sep = kz_v16_or(kz_v16_eq(v, '.'), kz_v16_or(co, at));
    kz_v16 hex = kz_v16_or(d, kz_v16_range(l, 'a', 'f'));
    kz_v16 ok = kz_v16_or(
        kz_v16_or(kz_v16_or(d, bar), kz_v16_range(l, 'a', 'z')),
        kz_v16_or(sep, kz_v16_or(kz_v16_eq(v, '-'), kz_v16_eq(v, '_'))));
    *any |= (kz_v16_bits(sep) ? OT_SEP : 0) | (kz_v16_bits(hex) ? OT_HEX : 0) |
            (kz_v16_bits(co) ? OT_COLON : 0) | (kz_v16_bits(at) ? OT_AT : 0) |
            (kz_v16_bits(bar) ? OT_BAR : 0);
    return kz_v16_bits(ok) == 0xFFFF;
}
#endif

/* 1 when s[a, b) is one token that scan_whole's tests and scan_code would
 * hand whole to scan_token_cls, and nothing else (see scan_whole): it
 * holds letters, digits, '.', '-', '_', ':' and '@' alone, at least one
 * '.', ':' or '@', and starts with none of ':' and '@'. Then cls is
 * {any, all} of its bytes' tok_class, as scan_generic gathers them: all
 * is 0 (its first byte's tok_class is TC_HEX or 0, a '.', ':' or '@'
 * has no TC_HEX). 2 when s[a, b) holds those bytes and '|' alone, and
 * a '|' (bar_pieces tells whether it is such tokens parted by '|'); 0
 * otherwise. Sixteen bytes at a time (the last block the one ending at
 * b), 8 to 15 as one block of two halves that may overlap. */
static inline __attribute__((always_inline)) int
one_token(const char *s, size_t a, size_t b, unsigned *cls)
{
    unsigned any = 0;
    int ok = 1;
#if KZ_HAVE_V16
    size_t n = b - a;
    if (n >= 16) {
        for (size_t p = a;; p += 16) {
            if (b - p < 16)
                p = b - 16;
            ok &= ot_block(kz_v16_load(s + p), &any);
            if (p == b - 16)
                break;
        }
    } else if (n >= 8) {
        ok = ot_block(kz_v16_load_halves(s + a, n), &any);
    } else
#endif
    {
        unsigned all = OT_BYTE;
        for (size_t p = a; p < b; p++) {
            unsigned k = ot_class[(unsigned char)s[p]];
            all &= k;
            any |= k;
        }
        ok = all != 0;
    }
    if (!ok)
        return 0;
    if (any & OT_BAR)
        return 2;
    cls[0] = (any & OT_HEX ? TC_HEX : 0) | (any & OT_COLON ? TC_COLON : 0) |
             (any & OT_AT ? TC_AT : 0);
    cls[1] = 0;
    return (any & OT_SEP) && s[a] != ':' && s[a] != '@';
}

/* A token scan_whole gives to scan_token_cls itself: s[a, b), and its
 * classes (see one_token). */
typedef struct tok_piece {
    size_t a, b;
    unsigned cls[2];
} tok_piece;

/* When s[a, b), of one_token's bytes and '|', is one_token's tokens
 * parted by one '|' each ("piwiks.com|91.219.236.38"), at most max of
 * them: their count, each in p; else 0. */
static int bar_pieces(const char *s, size_t a, size_t b, tok_piece *p, int max)
{
    for (int k = 0; k < max; k++) {
        const char *e = memchr(s + a, '|', b - a);
        size_t q = e ? (size_t)(e - s) : b;
        if (q == a || one_token(s, a, q, p[k].cls) != 1)
            return 0;
        p[k].a = a;
        p[k].b = q;
        if (!e)
            return k + 1;
        a = q + 1;
    }
    return 0;
}

/* What scan_code does with one_token's token: scan_token_cls of it whole
 * (after scan_encoded_url, as the chunk loop asks it). */
static void whole_token(scan *sc, size_t a, size_t b, const unsigned *cls)
{
    const char *s = sc->seg->s;
    int saved = sc->in_code, saved_cmd = sc->in_cmd;
    sc->in_code = 1;
    sc->in_cmd = 0;
    if (!((s[a] == 'a' || s[a] == 'h' || s[a] == 'H') &&
          scan_encoded_url(sc, a, b) != 0))
        scan_token_cls(sc, a, b, cls);
    sc->in_code = saved;
    sc->in_cmd = saved_cmd;
}

/* whole_token of each of the k tokens at p. */
static void whole_pieces(scan *sc, const tok_piece *p, int k)
{
    for (int i = 0; i < k; i++)
        whole_token(sc, p[i].a, p[i].b, p[i].cls);
}

static inline __attribute__((always_inline)) void
scan_whole_tests(scan *sc, size_t a, size_t b);
#ifndef NDEBUG
static void check_whole_pieces(const scan *sc, size_t a, size_t b,
                               const tok_piece *p, int k);
#endif

/* whole_pieces of bar_pieces' tokens of s[a, b) (checked in builds with
 * assertions), when there are such: 1; else 0. */
__attribute__((noinline)) static int bar_span(scan *sc, size_t a, size_t b)
{
    tok_piece p[8];
    int k = bar_pieces(sc->seg->s, a, b, p, 8);
    if (k == 0)
        return 0;
    whole_pieces(sc, p, k);
#ifndef NDEBUG
    check_whole_pieces(sc, a, b, p, k);
#endif
    return 1;
}

/* A code span or whole table cell: "`value`" or "`+value+`". Values with
 * spaces (file names, paths, registry keys) are taken whole here. */
static void scan_whole(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    const kz_segment *g = sc->seg;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b <= a)
        return;
    /* AsciiDoc passthrough: `+value+`, `++value++`. (With no '+' at
     * either end, the blanks are off both ends already.) */
    if (s[a] == '+' || s[b - 1] == '+') {
        while (b - a >= 2 && s[a] == '+' && s[b - 1] == '+') {
            a++;
            b--;
        }
        while (a < b && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (b > a &&
               (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '+'))
            b--;
        if (b <= a)
            return;
    }
    if (b - a <= 4 && (kz_eq_word_ci(s + a, b - a, "n/a") ||
                       kz_eq_word_ci(s + a, b - a, "-") ||
                       kz_eq_word_ci(s + a, b - a, "none")))
        return;
    /* A digest alone ("`441369397D0F...`", a hash column's cell) goes
     * where the tests below would send it: no path starts at a hex digit;
     * in a mutex column it is a mutex (below); it holds none of the WH_
     * bytes, a file name or path column does not take hex alone, and hex
     * is not mutex_shaped; so to scan_code, whose scan_chunks takes it at
     * once as a digest alone (digest_chunk) to scan_digest_token. */
    size_t n = b - a;
    if ((n == 32 || n == 40 || n == 64 || n == 128) &&
        g->hint != KZ_HINT_MUTEX && all_hex(s + a, n)) {
        int saved = sc->in_code, saved_cmd = sc->in_cmd;
        sc->in_code = 1;
        sc->in_cmd = 0;
        scan_digest_token(sc, a, b);
        sc->in_code = saved;
        sc->in_cmd = saved_cmd;
        return;
    }
    /* One token ("172.64.80.1", "namesilo.my.id", "1.2.3.4:8080",
     * "x@evil.com": an address or host as table columns give them, see
     * one_token) goes where the tests below would send it, in a column
     * none of them takes it for whole (a file name's, a path's, a
     * mutex's; a user agent's and a registry key's need a slash or a
     * backslash). No path starts there: a drive's colon must be its
     * second byte and be followed by a slash or a backslash; a UNC name,
     * '$env:', '%...%\\' and the hives need a byte it has not. Of the
     * WH_ bytes it may hold only WH_COLON: no user agent, no URL, no name
     * with spaces or in other letters; a '.', ':' or '@' makes it no
     * mutex_shaped. So it goes to scan_code (no blank: no command), whose
     * chunk loop takes it as one chunk (no delimiter) that is no digest
     * alone (it is no run of hex digits alone, and one in it would end at
     * a byte that ends no chunk); no colon is skipped (its first byte);
     * no hive nor path starts there; no "://" is looked for (no slash);
     * no Unix path starts; and scan_generic gives it whole (no byte
     * splits it; no '{' nor '}') to scan_token_cls, after scan_encoded_url
     * when it starts with 'a', 'h' or 'H': whole_token (whole_pieces).
     *
     * So do such tokens parted by one '|' each ("piwiks.com|1.2.3.4",
     * bar_pieces; up to 8), in turn: the same holds of the whole span
     * ('|' is no byte a path starts with or runs on, nor a WH_ byte, and
     * mutex_shaped stops at the first token's '.', ':' or '@'); and the
     * chunk loop, which passes each '|' as a delimiter, takes each token
     * as a chunk as it takes one token alone: a run of hex digits ends
     * inside it (no digest alone), no '<' comes before it, and a '|' or b
     * after it (no ASN number).
     *
     * Builds with assertions check that the tests give the same
     * candidates. */
    if (g->hint != KZ_HINT_FILENAME && g->hint != KZ_HINT_FILEPATH &&
        g->hint != KZ_HINT_MUTEX) {
        tok_piece p;
        int t = one_token(s, a, b, p.cls);
        if (t == 1) {
            p.a = a;
            p.b = b;
            whole_pieces(sc, &p, 1);
#ifndef NDEBUG
            check_whole_pieces(sc, a, b, &p, 1);
#endif
            return;
        }
        if (t == 2 && bar_span(sc, a, b))
            return;
    }
    scan_whole_tests(sc, a, b);
}

/* scan_whole's tests of a span or cell s[a, b), trimmed, that is no
 * placeholder nor digest alone. (Inline: the builds without assertions
 * call it from scan_whole alone.) */
static inline __attribute__((always_inline)) void
scan_whole_tests(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    const kz_segment *g = sc->seg;
    kz_type pt;
    if (path_start(s, a, b, &pt)) {
        /* A command line: "C:\Windows\System32\cmd.exe /c vssadmin ...":
         * the path ends with the program's extension; the arguments are
         * scanned as a command. */
        size_t e = pt == KZ_T_FILEPATH ? program_end(s, a, b) : b;
        put_text(sc, pt, a, e);
        if (e < b)
            scan_code(sc, e, b, 1);
        return;
    }
    if (g->hint == KZ_HINT_MUTEX) {
        put_text(sc, KZ_T_MUTEX, a, b);
        return;
    }
    unsigned f = whole_bytes(s, a, b);
    /* "`Mozilla/5.0 (Windows NT 10.0; Win64; x64) Loader/1.2`" (a user
     * agent has a slash) */
    size_t ue;
    if ((f & WH_SLASH) && find_ua(s, a, b, &ue, sc) == a) {
        put_text(sc, KZ_T_USER_AGENT, a, ue);
        return;
    }
    /* Any program's "Name/1.2 (...)" as a whole span or cell on a line
     * that speaks of user agents ("| User-Agent | `FakeShield/2.3` |"). */
    if (f & WH_SLASH) {
        size_t k = a;
        while (k < b && k - a < 32 &&
               (kz_is_alnum((unsigned char)s[k]) || s[k] == '-' ||
                s[k] == '_' || s[k] == '.'))
            k++;
        if (k > a + 2 && k + 1 < b && s[k] == '/' && k - a < 32 &&
            kz_is_digit((unsigned char)s[k + 1]) && !(f & WH_COLON) &&
            ua_line(sc)) {
            put_text(sc, KZ_T_USER_AGENT, a, b);
            return;
        }
    }
    if (g->hint == KZ_HINT_REGKEY && (f & WH_BSLASH)) {
        put_text(sc, KZ_T_REGKEY, a, b);
        return;
    }
    if (g->hint == KZ_HINT_UA && b - a >= 8 && (f & WH_SLASH)) {
        put_text(sc, KZ_T_USER_AGENT, a, b);
        return;
    }
    if (g->hint == KZ_HINT_FILEPATH && !(f & WH_SLASH) &&
        !all_hex(s + a, b - a)) {
        /* A paths section lists bare names too ("wgl.dat"). */
        put_text(sc, KZ_T_FILEPATH, a, b);
        return;
    }
    if (g->hint == KZ_HINT_FILEPATH && (f & WH_BSLASH)) {
        put_text(sc, KZ_T_FILEPATH, a, b);
        return;
    }
    int spaces = (f & WH_SPACE) != 0;
    int has_url = 0;
    if ((f & (WH_COLON | WH_SLASH)) == (WH_COLON | WH_SLASH))
        for (const char *p = memchr(s + a, ':', b - a); p && p + 3 <= s + b;
             p = memchr(p + 1, ':', (size_t)(s + b - p - 1)))
            if (p[1] == '/' && p[2] == '/') {
                has_url = 1;
                break;
            }
    if (g->hint == KZ_HINT_FILENAME && !has_url) {
        /* A note in parentheses after the name is no part of it. */
        size_t b0 = b;
        b = strip_note(s, a, b);
        if (b != b0)
            f = whole_bytes(s, a, b); /* spaces and has_url stay */
        /* A file name column: the cell is the name, spaces and all. */
        size_t dot;
        size_t el = last_label(s, a, b, &dot);
        int hexonly = all_hex(s + a, b - a);
        /* A defanged host in a file name column is still a host. */
        char tmp[KZ_MAX_DOMAIN + 1];
        size_t tl;
        int host =
            el > 0 && was_defanged(sc, a, b) &&
            kz_norm_domain(s + a, b - a, tmp, sizeof tmp, &tl) == KZ_OK &&
            has_ps(sc, tmp, tl) && !kz_scan_is_file_ext(s + dot + 1, el);
        if (!hexonly && !host) {
            put_filename(sc, a, b, 1);
            return;
        }
    }
    if (spaces && !has_url && sc->span) {
        /* A code span (not a table cell of another column: "Runs cmd.exe"
         * describes) that ends in a file extension is one name. */
        size_t dot;
        size_t el = last_label(s, a, b, &dot);
        if (el > 0 && dot > a && kz_scan_is_file_ext(s + dot + 1, el) &&
            !(f & WH_SLASH)) {
            /* "`Usermode COM Manager.exe`": one name. */
            int ok = 1;
            for (size_t p = dot + 1; p < b; p++)
                if (s[p] == ' ')
                    ok = 0;
            if (ok) {
                put_filename(sc, a, b, 1);
                return;
            }
        }
    }
    if (!spaces && !has_url && (f & WH_WIDE) && !(f & (WH_SLASH | WH_BSLASH))) {
        /* A whole cell or span naming a file in non-ASCII letters
         * ("資料（1）.docx.exe"): CJK text would otherwise cut it. */
        size_t dot;
        size_t el = last_label(s, a, b, &dot);
        if (el > 0 && dot > a && kz_scan_is_file_ext(s + dot + 1, el)) {
            put_filename(sc, a, b, 1);
            return;
        }
    }
    if (!spaces && may_say_mutex(g) && mutex_shaped(s, a, b) &&
        (line_ctx(sc) & KZ_CTX_MUTEX) &&
        (!g->whole_cell || mutex_not_word(s, a, b))) {
        /* "Mutex: `Global\{...}`": the line says what the span is. */
        put_text(sc, KZ_T_MUTEX, a, b);
        return;
    }
    scan_code(sc, a, b, spaces); /* with spaces: a command, not one name */
}

/* User agents: "Mozilla/5.0 (...) ..." runs to the end of the text, to a
 * quote, or to the next user agent. Spaces and parentheses are part of it,
 * so it is found before the text is cut into chunks. */
/* Programs whose user agents are named in advisories besides browsers'. */
static const char *const ua_tools[] = {"wget",
                                       "curl",
                                       "python-requests",
                                       "python-urllib",
                                       "go-http-client",
                                       "okhttp",
                                       "java",
                                       "libwww-perl",
                                       "winhttp",
                                       "powershell",
                                       "axios",
                                       "aiohttp",
                                       NULL};

/* The user agent that starts in [a, b): "Mozilla/5.0 (...) ..." anywhere;
 * a program's ("Wget/1.21.2 (linux-gnu)", "curl/8.1") only when tools is
 * the line speaks of user agents. Its start, and its end in *end,
 * or (size_t)-1. A browser's runs to the end of the text, a quote, a
 * non-ASCII character or the next user agent; a program's is its
 * name/version and a parenthesised comment, or runs to the closing quote
 * when it opens one. */
static size_t find_ua(const char *s, size_t a, size_t b, size_t *end,
                      const scan *sc)
{
    int tools = -1; /* whether the line speaks of user agents */
    size_t i = a;
    while (i < b) {
        /* Find the '/' of "Mozilla/" with memchr, then look back. */
        const char *sl = memchr(s + i, '/', b - i);
        if (!sl)
            break;
        size_t k = (size_t)(sl - s);
        i = k + 1;
        if (k == a || k + 1 >= b || !kz_is_digit((unsigned char)s[k + 1]))
            continue;
        size_t m = k;
        while (m > a &&
               (kz_is_alpha((unsigned char)s[m - 1]) || s[m - 1] == '-'))
            m--;
        if (m > a && kz_is_alnum((unsigned char)s[m - 1]))
            continue;
        if (k - m < 3 || k - m > 15)
            continue;
        int browser = k - m == 7 && kz_eq_word_ci(s + m, 7, "mozilla");
        int tool = 0;
        /* the initials of ua_tools: a c g j l o p w */
        unsigned ini = (unsigned)((s[m] | 0x20) - 'a');
        if (!browser && ini < 26 && ((0x40CA45u >> ini) & 1))
            for (size_t t = 0; !tool && ua_tools[t]; t++)
                tool = (s[m] | 0x20) == ua_tools[t][0] &&
                       kz_eq_word_ci(s + m, k - m, ua_tools[t]);
        char q = m > a ? s[m - 1] : 0;
        int quoted = q == '"' || q == '\'' || q == '`';
        /* Any program's name/version in quotes on a user-agent line:
         * "userAgent": "aws-cli/2.15 ...", content:"GhostLatch/1.2 ..." */
        if (!browser && (tool || quoted) && tools < 0)
            tools = ua_line(sc);
        tool = (tool || quoted) && tools > 0;
        if (!browser && !tool)
            continue;
        size_t e = k + 1;
        if (browser || quoted) {
            while (e < b && s[e] != '"' && s[e] != '`' && s[e] != '|' &&
                   s[e] != '\t' && (unsigned char)s[e] < 0x80 &&
                   (!quoted || s[e] != q) &&
                   (!browser ||
                    !(e + 9 <= b && kz_starts_ci(s + e, b - e, " mozilla/"))))
                e++;
        } else {
            while (e < b && (kz_is_alnum((unsigned char)s[e]) || s[e] == '.' ||
                             s[e] == '-' || s[e] == '_'))
                e++;
            if (e + 1 < b && s[e] == ' ' && s[e + 1] == '(') {
                const char *c = memchr(s + e, ')', b - e);
                if (c && (size_t)(c - s) - e < 128)
                    e = (size_t)(c - s) + 1;
            }
        }
        while (e > m && (s[e - 1] == ' ' || s[e - 1] == '.' || s[e - 1] == ','))
            e--;
        *end = e;
        return m;
    }
    return (size_t)-1;
}

/* Japanese prose quotes a file name in corner brackets: 「請求書.pdf.lnk」.
 * Such a quote is one name (Japanese letters would otherwise cut it);
 * anything else in the brackets is scanned as text. */
#define JP_OPEN "\xe3\x80\x8c"  /* 「 */
#define JP_CLOSE "\xe3\x80\x8d" /* 」 */

static const char *find3(const char *s, size_t a, size_t b, const char *w)
{
    /* By the last byte (0x8C, 0x8D for the CJK brackets): the first byte
     * (E3) starts every kana, the middle one (0x80) every CJK punctuation
     * mark ("、", "。"), while the last one ends few other characters. */
    while (a + 3 <= b) {
        const char *p = memchr(s + a + 2, (unsigned char)w[2], b - a - 2);
        if (!p)
            return NULL;
        if (p[-2] == w[0] && p[-1] == w[1])
            return p - 2;
        a = (size_t)(p - s) - 1; /* on from the byte after p */
    }
    return NULL;
}

/* Mutex names in prose, in quotes next to the word that says what they
 * are: "the mutex \"X\"", "mutex named \"X\"", "ミューテックス「X」",
 * "「X」というミューテックス", "\"X\" mutex". (Unquoted names are left to
 * code spans and Mutex sections: a bare word after "mutex" is too often
 * English.) */
#define MUTEX_JP                                                               \
    "\xe3\x83\x9f\xe3\x83\xa5\xe3\x83\xbc\xe3\x83\x86\xe3\x83\x83\xe3\x82\xaf" \
    "\xe3\x82\xb9"

/* The value in the ASCII double quotes opening at p: [*va, *vb), and the
 * end of the closing quote; 0 when there is no quoted value without
 * spaces. */
static size_t quoted_after(const char *s, size_t p, size_t b, size_t *va,
                           size_t *vb)
{
    for (size_t q = p + 1; q < b && q - p < 128; q++) {
        if (s[q] == ' ')
            return 0;
        if (s[q] == '"') {
            *va = p + 1;
            *vb = q;
            return q > p + 1 ? q + 1 : 0;
        }
    }
    return 0;
}

/* 1 when a word naming a mutex ends right before p ("mutex ",
 * "mutant named ", "ミューテックス", "mutex: "), looking back over spaces
 * and a colon. */
static int mutex_word_before(const char *s, size_t lo, size_t p)
{
    while (p > lo && (s[p - 1] == ' ' || s[p - 1] == ':'))
        p--;
    /* "ミューテックス名は「X」" */
    if (p >= lo + 3 && memcmp(s + p - 3, "\xe3\x81\xaf", 3) == 0) /* は */
        p -= 3;
    if (p >= lo + 3 && memcmp(s + p - 3, "\xe5\x90\x8d", 3) == 0) /* 名 */
        p -= 3;
    /* "mutex named \"X\"", "mutex called \"X\"" */
    static const char *const verbs[] = {"named", "called", NULL};
    for (size_t k = 0; verbs[k]; k++) {
        size_t l = strlen(verbs[k]);
        if (p >= lo + l + 1 && s[p - l - 1] == ' ' &&
            kz_starts_ci(s + p - l, l, verbs[k])) {
            p -= l;
            while (p > lo && s[p - 1] == ' ')
                p--;
            break;
        }
    }
    size_t jl = sizeof MUTEX_JP - 1;
    if (p >= lo + jl && memcmp(s + p - jl, MUTEX_JP, jl) == 0)
        return 1;
    static const char *const w[] = {"mutexes", "mutex", "mutant", NULL};
    for (size_t k = 0; w[k]; k++) {
        size_t l = strlen(w[k]);
        if (p >= lo + l && kz_starts_ci(s + p - l, l, w[k]) &&
            (p == lo + l || !kz_is_alnum((unsigned char)s[p - l - 1])))
            return 1;
    }
    return 0;
}

/* 1 when a word naming a mutex starts right after p ("」という
 * ミューテックス", "\" mutex"). */
static int mutex_word_after(const char *s, size_t p, size_t b)
{
    static const char *const joins[] = {
        "\xe3\x81\xa8\xe3\x81\x84\xe3\x81\x86", /* という */
        "\xe3\x81\xa8\xe5\x91\xbc\xe3\x81\xb0\xe3\x82\x8c\xe3"
        "\x82\x8b",     /* と呼ばれる
                         */
        "\xe3\x81\xae", /* の */
        NULL};
    for (size_t k = 0; joins[k]; k++) {
        size_t jl = strlen(joins[k]);
        if (b - p >= jl && memcmp(s + p, joins[k], jl) == 0) {
            p += jl;
            break;
        }
    }
    while (p < b && s[p] == ' ')
        p++;
    size_t jl = sizeof MUTEX_JP - 1;
    if (b - p >= jl && memcmp(s + p, MUTEX_JP, jl) == 0)
        return 1;
    return b - p >= 5 && (kz_starts_ci(s + p, b - p, "mutex") ||
                          kz_starts_ci(s + p, b - p, "mutant"));
}

/* The first kernel object name ("Global\\SkRt#2025", "Local\\{6F1A...}",
 * "Session\\1\\x") in s[i, b) of a line that speaks of a mutex: the
 * namespace and the name after it up to a space, a quote, a comma or
 * semicolon, or a non-ASCII character (CJK text), without the sentence's
 * closing punctuation. Such names hold characters no token does ('#',
 * '{', '$'). Its span [*ka, *kb), or 0. */
static int kobj_name(scan *sc, size_t i, size_t b, size_t *ka, size_t *kb)
{
    const char *s = sc->seg->s;
    int ctx = -1;
    const char *q;
    if (!(sc->has & SEG_BSLASH))
        return 0;
    for (; i < b && (q = memchr(s + i, '\\', b - i)) != NULL; i = q - s + 1) {
        size_t p = (size_t)(q - s), w;
        if (p >= 6 && kz_starts_ci(s + p - 6, 6, "global"))
            w = 6;
        else if (p >= 5 && kz_starts_ci(s + p - 5, 5, "local"))
            w = 5;
        else if (p >= 7 && kz_starts_ci(s + p - 7, 7, "session"))
            w = 7;
        else
            continue;
        size_t st = p - w;
        if (st > 0 && (kz_is_alnum((unsigned char)s[st - 1]) ||
                       s[st - 1] == '_' || s[st - 1] == '\\'))
            continue;
        if (ctx < 0)
            ctx = sc->seg->hint == KZ_HINT_MUTEX ||
                  (line_ctx(sc) & KZ_CTX_MUTEX) != 0;
        if (!ctx)
            return 0;
        size_t e = p + 1;
        if (w == 7) { /* "Session\\1\\name" */
            size_t d = e;
            while (d < b && kz_is_digit((unsigned char)s[d]))
                d++;
            if (d > e && d < b && s[d] == '\\')
                e = d + 1;
        }
        size_t n0 = e;
        int open = 0;
        for (; e < b; e++) {
            unsigned char c = (unsigned char)s[e];
            if (c <= 0x20 || c >= 0x7F || strchr("\"'`<>|\\,;", c))
                break;
            open += c == '(' || c == '[' || c == '{';
        }
        while (e > n0) {
            unsigned char c = (unsigned char)s[e - 1];
            if (c == ')' || c == ']' || c == '}') {
                if (open > 0) {
                    open--;
                    break;
                }
            } else if (!strchr(".:!?*", c)) {
                break;
            }
            e--;
        }
        if (e == n0)
            continue;
        *ka = st;
        *kb = e;
        return 1;
    }
    return 0;
}

/* The first mutex name in ASCII double quotes in [i, b), next to a word
 * that says it is one, or kernel object name (kobj_name), whichever comes
 * first (1), or quoted file name with spaces (2): its value [*va, *vb) and
 * the span with its quotes [*sa, *sb); 0 when none. (Names in 「」 are
 * looked at by scan_prose.) */
static int next_mutex(scan *sc, size_t i, size_t b, size_t *sa, size_t *sb,
                      size_t *va, size_t *vb)
{
    const char *s = sc->seg->s;
    size_t lo = i;
    const char *q;
    size_t ka = b, kb = b;
    int kobj = kobj_name(sc, i, b, &ka, &kb);
    while ((sc->has & SEG_QUOTE) && i < ka &&
           (q = memchr(s + i, '"', ka - i)) != NULL) {
        size_t o = (size_t)(q - s);
        size_t qa, qb, qe = quoted_after(s, o, b, &qa, &qb);
        if (!qe) {
            /* "Remittance Advice 0419.html": a quoted name with spaces
             * (a CSV field, an attachment) is one file name. */
            const char *c = memchr(s + o + 1, '"', b - o - 1);
            size_t ce = c ? (size_t)(c - s) : b, d;
            size_t el = c && ce - o < 128 ? last_label(s, o + 1, ce, &d) : 0;
            if (el > 0 && d > o + 1 && s[o + 1] != ' ' &&
                kz_scan_is_file_ext(s + d + 1, el) &&
                memchr(s + o + 1, ' ', ce - o - 1)) {
                int ok = 1;
                for (size_t p = o + 1; ok && p < ce; p++)
                    ok = !strchr("/\\:|<>*?", s[p]);
                if (ok) {
                    *sa = o;
                    *sb = ce + 1;
                    *va = o + 1;
                    *vb = ce;
                    return 2;
                }
            }
            i = o + 1;
            continue;
        }
        if (mutex_shaped(s, qa, qb) &&
            (mutex_word_before(s, lo, o) || mutex_word_after(s, qe, b))) {
            *sa = o;
            *sb = qe;
            *va = qa;
            *vb = qb;
            return 1;
        }
        i = qe;
    }
    if (kobj && ka < i)
        kobj = kobj_name(sc, i, b, &ka, &kb);
    if (kobj) {
        *sa = *va = ka;
        *sb = *vb = kb;
        return 1;
    }
    return 0;
}

/* "Mutex: CraneMtx::0x2F", "* ミューテックス：HNS-2025-0311": a line
 * that labels its one value a mutex. The value's span, or 0. */
static int mutex_label_line(const char *s, size_t a, size_t b, size_t *va,
                            size_t *vb)
{
    size_t i = a;
    while (i < b && (s[i] == ' ' || s[i] == '*' || s[i] == '-' || s[i] == '\t'))
        i++;
    if (b - i >= 3 && memcmp(s + i, "\xe3\x83\xbb", 3) == 0) /* ・ */
        i += 3;
    size_t w = 0;
    if (i >= b || ((s[i] | 0x20) != 'm' && s[i] != MUTEX_JP[0]))
        return 0; /* none of the words starts here */
    if (kz_starts_ci(s + i, b - i, "mutex name"))
        w = 10;
    else if (kz_starts_ci(s + i, b - i, "mutex") ||
             kz_starts_ci(s + i, b - i, "mutant"))
        w = (s[i + 4] | 0x20) == 'x' ? 5 : 6;
    else if (b - i >= sizeof MUTEX_JP - 1 &&
             memcmp(s + i, MUTEX_JP, sizeof MUTEX_JP - 1) == 0) {
        w = sizeof MUTEX_JP - 1;
        if (b - i - w >= 3 && memcmp(s + i + w, "\xe5\x90\x8d", 3) == 0)
            w += 3; /* 名 */
    }
    if (!w)
        return 0;
    size_t k = i + w;
    while (k < b && s[k] == ' ')
        k++;
    if (k < b && s[k] == ':')
        k++;
    else if (b - k >= 3 && memcmp(s + k, "\xef\xbc\x9a", 3) == 0)
        k += 3; /* full-width colon */
    else
        return 0;
    while (k < b && s[k] == ' ')
        k++;
    size_t e = b;
    while (e > k && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e <= k || memchr(s + k, ' ', e - k) || s[k] == '`' || s[k] == '"' ||
        (unsigned char)s[k] >= 0x80 || !mutex_shaped(s, k, e))
        return 0;
    *va = k;
    *vb = e;
    return 1;
}

static void scan_prose(scan *sc, size_t a, size_t b)
{
    const char *s = sc->seg->s;
    size_t lva, lvb;
    if (a == 0 && b == sc->seg->n && mutex_label_line(s, a, b, &lva, &lvb)) {
        put_text(sc, KZ_T_MUTEX, lva, lvb);
        return;
    }
    size_t i = a;
    size_t ma = 0, mb = 0, mva = 0, mvb = 0;
    /* Every name next_mutex finds is quoted or has a backslash. */
    int have = sc->has & (SEG_QUOTE | SEG_BSLASH)
                   ? next_mutex(sc, a, b, &ma, &mb, &mva, &mvb)
                   : 0;
    while (i < b) {
        const char *o = sc->has & SEG_E3 ? find3(s, i, b, JP_OPEN) : NULL;
        size_t qs = o ? (size_t)(o - s) : b;
        if (have && ma < qs + (o ? 3 : 0) && ma >= a) {
            /* A mutex name comes first. */
            if (ma > a)
                scan_chunks(sc, a, ma);
            if (have == 2)
                put_filename(sc, mva, mvb, 1);
            else
                put_text(sc, KZ_T_MUTEX, mva, mvb);
            a = i = mb;
            have = next_mutex(sc, a, b, &ma, &mb, &mva, &mvb);
            continue;
        }
        if (!o)
            break;
        size_t qa = qs + 3;
        const char *c = find3(s, qa, b, JP_CLOSE);
        if (!c)
            break;
        size_t qb = (size_t)(c - s);
        size_t dot;
        size_t el = last_label(s, qa, qb, &dot);
        int name = el > 0 && dot > qa && kz_scan_is_file_ext(s + dot + 1, el);
        for (size_t p = qa; name && p < qb; p++)
            if (s[p] == ' ' || s[p] == '/' || s[p] == '\\' || s[p] == ':')
                name = 0;
        /* 「X」というミューテックス, ミューテックス「X」 */
        int mutex =
            !name && qb > qa && !memchr(s + qa, ' ', qb - qa) &&
            mutex_shaped(s, qa, qb) &&
            (mutex_word_before(s, a, qa - 3) || mutex_word_after(s, qb + 3, b));
        if (name || mutex) {
            if (qa - 3 > a)
                scan_chunks(sc, a, qa - 3);
            if (name)
                put_filename(sc, qa, qb, 0);
            else
                put_text(sc, KZ_T_MUTEX, qa, qb);
            a = qb + 3;
        }
        i = qb + 3;
        if (have && ma < i)
            have = next_mutex(sc, i, b, &ma, &mb, &mva, &mvb);
    }
    if (a < b)
        scan_chunks(sc, a, b);
}

static void scan_text(scan *sc, size_t a, size_t b)
{
    while (a < b) {
        size_t e;
        size_t u = sc->has & SEG_SLASH ? find_ua(sc->seg->s, a, b, &e, sc)
                                       : (size_t)-1; /* a UA has a slash */
        if (u == (size_t)-1) {
            scan_prose(sc, a, b);
            return;
        }
        if (u > a)
            scan_prose(sc, a, u);
        put_text(sc, KZ_T_USER_AGENT, u, e);
        a = e;
    }
}

/* "<hash>  <file name>" lines (hash lists with names): the name is the rest
 * of the line, spaces and commas included. */
static int scan_hash_name_line(scan *sc)
{
    const char *s = sc->seg->s;
    size_t n = sc->seg->n, i = 0;
    if (n < 33)
        return 0; /* no room for a digest and the space after it */
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '-' ||
                     s[i] == '*' || s[i] == '+'))
        i++;
    size_t h = i;
    if (n - i < 33)
        return 0; /* no room for a digest and the space after it */
    /* The blank after the digest stands at one of four places: without
     * one there, the digest's length cannot be found with one after it. */
    size_t m = n - h;
    if (!((s[h + 32] == ' ' || s[h + 32] == '\t') ||
          (m > 40 && (s[h + 40] == ' ' || s[h + 40] == '\t')) ||
          (m > 64 && (s[h + 64] == ' ' || s[h + 64] == '\t')) ||
          (m > 128 && (s[h + 128] == ' ' || s[h + 128] == '\t'))))
        return 0;
    i += kz_hex_span(s + i, n - i);
    size_t hl = i - h;
    if (hl != 32 && hl != 40 && hl != 64 && hl != 128)
        return 0;
    if (i >= n || (s[i] != ' ' && s[i] != '\t'))
        return 0;
    size_t r = i;
    while (r < n && (s[r] == ' ' || s[r] == '\t'))
        r++;
    size_t e = n;
    while (e > r && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
        e--;
    if (e <= r)
        return 0;
    size_t dot;
    size_t el = last_label(s, r, e, &dot);
    if (el == 0 || !kz_scan_is_file_ext(s + dot + 1, el))
        return 0;
    for (size_t p = r; p < e; p++)
        if (s[p] == '/' || s[p] == '\\' || s[p] == '`' || s[p] == '|' ||
            s[p] == '(')
            return 0;
    scan_hash(sc, h, h + hl);
    put_filename(sc, r, e, 1);
    return 1;
}

/* A list item under a file names heading that is one name with spaces or
 * non-ASCII letters ("- Payment Details.pdf.exe", "・請求書_11月.xlsm"):
 * [*a, *b) is the name. Items with commas, semicolons, pipes, backticks,
 * tabs or a link, or that do not end in a file extension, are left to the
 * chunk scan (a description, several names). */
static int name_list_item(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i >= n)
        return 0;
    if ((s[i] == '-' || s[i] == '*' || s[i] == '+') && i + 1 < n &&
        s[i + 1] == ' ') {
        i += 2;
    } else if (n - i >= 3 && (memcmp(s + i, "\xe3\x83\xbb", 3) == 0 || /* ・ */
                              memcmp(s + i, "\xe2\x80\xa2", 3) == 0)) { /* • */
        i += 3;
    } else if (kz_is_digit((unsigned char)s[i])) {
        size_t d = i;
        while (d < n && kz_is_digit((unsigned char)s[d]))
            d++;
        if (d + 1 >= n || (s[d] != '.' && s[d] != ')') || s[d + 1] != ' ')
            return 0;
        i = d + 2;
    } else {
        return 0;
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t e = n;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e <= i)
        return 0;
    int wide = 0;
    for (size_t k = i; k < e; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == ',' || c == ';' || c == '|' || c == '`' || c == '\t' ||
            c == '/' || c == '\\')
            return 0;
        wide |= c == ' ' || c >= 0x80;
    }
    size_t dot;
    size_t el = last_label(s, i, e, &dot);
    if (!wide || el == 0 || dot == i || !kz_scan_is_file_ext(s + dot + 1, el))
        return 0;
    *a = i;
    *b = e;
    return 1;
}

/* 1 when a whole table cell can yield nothing: nothing in it can start an
 * indicator (kz_extract_line_boring), its column makes no value of plain
 * words (file names, paths and mutexes do), and its line names no mutex
 * (a mutex name may be a plain word). */
static int cell_inert(const kz_segment *g)
{
    if (g->hint == KZ_HINT_FILENAME || g->hint == KZ_HINT_FILEPATH ||
        g->hint == KZ_HINT_MUTEX)
        return 0;
    return kz_extract_cell_boring(g) && !may_say_mutex(g);
}

/* The byte classes of a detection name (cell_yields_nothing): a letter or
 * digit; one of those or '.', '-', '_'. */
enum { DN_WORD = 1, DN_REST = 2 };
static const unsigned char dn_class[256] = {['0' ... '9'] = DN_WORD | DN_REST,
                                            ['A' ... 'Z'] = DN_WORD | DN_REST,
                                            ['a' ... 'z'] = DN_WORD | DN_REST,
                                            ['.'] = DN_REST,
                                            ['-'] = DN_REST,
                                            ['_'] = DN_REST};

/* 1 when s[a, b) is kana, kanji and CJK punctuation alone (U+3000..U+9FFF:
 * E3..E9 and two continuation bytes). */
static int cjk_alone(const char *s, size_t a, size_t b)
{
    for (size_t p = a; p < b; p += 3) {
        unsigned char c = (unsigned char)s[p];
        if (b - p < 3 || c < 0xE3 || c > 0xE9 ||
            ((unsigned char)s[p + 1] & 0xC0) != 0x80 ||
            ((unsigned char)s[p + 2] & 0xC0) != 0x80)
            return 0;
    }
    return 1;
}

/* 1 when s[a, b), whose first byte is a digit, is a date written with
 * hyphens or slashes (cell_yields_nothing): under 32 bytes of digits and
 * '-', with a '-' ("2023-03-13"); or one or two digits, '/', one or two
 * digits, '/', one to four digits ("07/07/2014"). */
static int date_alone(const char *s, size_t a, size_t b)
{
    size_t p = a + 1, q;
    if (b - a >= 32)
        return 0;
    while (p < b && kz_is_digit((unsigned char)s[p]))
        p++;
    if (p < b && s[p] == '-') {
        while (p < b && (kz_is_digit((unsigned char)s[p]) || s[p] == '-'))
            p++;
        return p == b;
    }
    if (p - a > 2 || p >= b || s[p] != '/')
        return 0;
    for (q = ++p; p < b && kz_is_digit((unsigned char)s[p]);)
        p++;
    if (p == q || p - q > 2 || p >= b || s[p] != '/')
        return 0;
    for (q = ++p; p < b && kz_is_digit((unsigned char)s[p]);)
        p++;
    return p == b && p > q && p - q <= 4;
}

#if KZ_HAVE_V16
/* The bits of v's ASCII letters (m[0]), spaces (m[1]), dots (m[2]), and
 * of the bytes words_alone takes (m[3]: those, '&' and ','). */
static inline void words_bits(kz_v16 v, unsigned m[4])
{
    kz_v16 l = kz_v16_range(kz_v16_lower(v), 'a', 'z');
    kz_v16 sp = kz_v16_eq(v, ' '), d = kz_v16_eq(v, '.');
    m[0] = kz_v16_bits(l);
    m[1] = kz_v16_bits(sp);
    m[2] = kz_v16_bits(d);
    m[3] =
        kz_v16_bits(kz_v16_or(kz_v16_or(l, kz_v16_or(sp, d)),
                              kz_v16_or(kz_v16_eq(v, '&'), kz_v16_eq(v, ','))));
}
#endif

/* 1 when s[a, b), under 32 bytes and its first byte a letter, is words
 * of ASCII letters parted by spaces (one at least), '&' and ',', a '.'
 * only right after a letter and before a space or b ("C&C server.",
 * "Compromise Infrastructure"; cell_yields_nothing). With SSE2, 8 to 31
 * bytes as the bits of one block of two halves, or of two blocks (the
 * second ending at b; the two may overlap). */
static int words_alone(const char *s, size_t a, size_t b)
{
    size_t n = b - a;
    if (n >= 32)
        return 0;
#if KZ_HAVE_V16
    if (n >= 8) {
        unsigned m[4], t[4]; /* bit k: byte a + k */
        if (n < 16) {
            /* the high half's bit 8 + k is byte n - 8 + k */
            words_bits(kz_v16_load_halves(s + a, n), t);
            for (int i = 0; i < 4; i++)
                m[i] = (t[i] & 0xFFu) | (t[i] >> 8 << (n - 8));
        } else {
            words_bits(kz_v16_load(s + a), m);
            words_bits(kz_v16_load(s + b - 16), t);
            for (int i = 0; i < 4; i++)
                m[i] |= t[i] << (n - 16);
        }
        /* the dots after a letter, before a space or b */
        unsigned good = (m[0] << 1) & ((m[1] >> 1) | 1u << (n - 1));
        return m[3] == (1u << n) - 1 && m[1] != 0 && (m[2] & ~good) == 0;
    }
#endif
    int space = 0, after = 0; /* a space seen; the byte before a letter */
    for (size_t p = a; p < b; p++) {
        unsigned char c = (unsigned char)s[p];
        int letter = kz_is_alpha(c) != 0;
        if (c == '.' && !(after && (p + 1 == b || s[p + 1] == ' ')))
            return 0;
        if (c == ' ')
            space = 1;
        else if (!letter && c != '&' && c != ',' && c != '.')
            return 0;
        after = letter;
    }
    return space;
}

/* 1 when whole cell s[0, n) is one that scan_whole would find nothing in,
 * for a column whose hint is none of those scan_whole takes such a cell
 * for (a file name, a path, a mutex, a user agent). Without its blanks,
 * the cell is
 *
 * - a detection name ("Win32/Agent.ABC", "MSIL/Spy.Agent.AES", "N/A"): a
 *   word of fewer than 32 letters and digits whose first byte is a letter
 *   that is no hex digit, 'h' nor 'H'; a slash; then a letter and
 *   letters, digits, '.', '-' and '_'. In scan_whole no path starts there
 *   (nor a hive: its first byte is no 'h' nor 'H'); it holds a slash and
 *   no '\\', blank, colon nor byte 0x80 and over; find_ua finds no user
 *   agent (a letter follows the only slash) nor does the "Name/1.2" test;
 *   it is not mutex_shaped (a slash); so it goes to scan_code. There it
 *   is one chunk (no delimiter), no digest (a hex run of under 32), no
 *   base64 URL (its first byte), no URL (no colon), no Unix path (its
 *   first byte), no CIDR range (its first byte is no hex digit); and
 *   scan_schemeless_url finds no dot before the slash and returns. ("n/a"
 *   is also taken by scan_whole's placeholder test: nothing.)
 *
 * - or Japanese words alone ("設定ファイル", "暗号化されたペイロード"):
 *   kana, kanji and CJK punctuation (U+3000..U+9FFF: E3..E9 and two
 *   continuation bytes) and nothing else. In scan_whole no path starts
 *   there; of the WH_ bytes it holds only WH_WIDE, and no dot, so the
 *   test for a file name in non-ASCII letters finds no extension; it is
 *   not mutex_shaped (no ASCII letter); so it goes to scan_code, whose
 *   scan_chunks finds no digest (no hex digit) and passes all of it as
 *   delimiters (delim_len is 3 for each of its characters, and cjk_run
 *   takes the same steps): nothing.
 *
 * - or a date (date_alone): "2023-03-13" and the like, digits and '-'
 *   with a digit first and a '-', under 32 bytes: in scan_whole no path
 *   starts there, it is no placeholder nor digest (a '-'), and one_token
 *   refuses it (no '.', ':' nor '@'); it holds no WH_ byte, and is not
 *   mutex_shaped (no letter); so to scan_code, whose chunk loop gives it
 *   whole (no delimiter, no slash, no colon; a digit first) to
 *   scan_generic, and scan_generic to scan_token_cls (no byte splits it).
 *   There, with '-' taken off its ends, it is under 32 bytes (no
 *   digest), no "0x" nor "cve-" nor AS number (a digit first), no dotted
 *   quad (no dot), has no ':', '@', '/', '\\' nor '%', and no dot: no
 *   last label, nothing. Or "07/07/2014": one or two digits, '/', one or
 *   two digits, '/', one to four digits. In scan_whole no path starts
 *   there, it holds WH_SLASH alone, find_ua finds no name before a slash
 *   (a digit comes before each) nor does the "Name/1.2" test (two bytes
 *   or fewer before the first slash), it is not mutex_shaped (a slash);
 *   so to scan_code, whose chunk loop takes it as one chunk with a slash
 *   and no colon: no "://", no Unix path (a digit first); a CIDR range
 *   is tried (a hex digit first), but kz_norm_cidr fails: the text
 *   before its last slash ("07/07") is no address (kz_norm_ip stops at
 *   the '/' after the first digits); and scan_schemeless_url finds no
 *   dot before the first slash and returns.
 *
 * - or words (words_alone): "C&C server.", under 32 bytes of ASCII
 *   letters parted by spaces (one at least), '&' and ',', a '.' only
 *   after a letter and before a space or the end. In scan_whole no
 *   path starts there ('H' and 'h' start a hive only with a '\\'), it
 *   is no placeholder nor digest (a space) nor one_token's (a space),
 *   holds WH_SPACE alone: no user agent, URL nor name (a cell is no code
 *   span), and no mutex (a space); so to scan_code, whose chunk loop
 *   takes each word with the '&', ',' and '.' after it as a chunk: no
 *   digest alone (a hex run ends inside a word of under 32 letters), no
 *   colon, hive, path, "://", Unix path, no encoded URL ("aHR0c" has a
 *   digit, "http%3a" a '%'), no ASN number (no digit); scan_generic
 *   splits it at '&' and ',' and gives scan_token_cls a word, perhaps
 *   with a '.' after it, which trim_tail takes off: under 32 letters (no
 *   digest), no "0x", "cve-" nor AS number (no digit), no dot: nothing.
 *
 * Such a cell is not inert either (a slash, a byte 0x80 and over stop
 * the line prefilter), so cell_inert's answer is no, and it has no side
 * effects then. A date or words may be inert, and cell_inert would say
 * so: it only fills may_say_mutex's cache of the line, which any later
 * ask fills with the same answer. */
static int cell_yields_nothing(const kz_segment *g)
{
    if (g->hint == KZ_HINT_FILENAME || g->hint == KZ_HINT_FILEPATH ||
        g->hint == KZ_HINT_MUTEX || g->hint == KZ_HINT_UA)
        return 0;
    const char *s = g->s;
    size_t a = 0, b = g->n;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    if (b - a < 3)
        return 0;
    if (kz_is_digit((unsigned char)s[a]))
        return date_alone(s, a, b);
    /* OR 0x20, only the letters G to Z in either case give 'g' to 'z' */
    unsigned char c = (unsigned char)(s[a] | 0x20);
    /* (bytes E3..E9 have 0x20 set; C3..C9 give them too, and cjk_alone
     * turns those away; only the letters give 'a' to 'f' and 'h') */
    if (c < 'g' || c > 'z' || c == 'h') {
        if (c >= 0xE3 && c <= 0xE9)
            return cjk_alone(s, a, b);
        return c >= 'a' && c <= 'z' && words_alone(s, a, b);
    }
    size_t p = a + 1;
    while (p < b && (dn_class[(unsigned char)s[p]] & DN_WORD))
        p++;
    if (p - a >= 32 || p + 1 >= b || s[p] != '/' ||
        !kz_is_alpha((unsigned char)s[p + 1]))
        /* (words_alone wants no digit after a space) */
        return p + 1 < b && s[p] == ' ' &&
               !kz_is_digit((unsigned char)s[p + 1]) && words_alone(s, a, b);
    for (p += 2; p < b && (dn_class[(unsigned char)s[p]] & DN_REST);)
        p++;
    return p == b;
}

#ifndef NDEBUG
/* The candidates a scan gives, written out one a line, for the checks of
 * the shortcuts (check_yields_nothing, check_whole_pieces). */
typedef struct cand_log {
    char t[4096];
    size_t n;
} cand_log;

static void log_cand(void *ud, const kz_segment *seg, const kz_cand *c)
{
    (void)seg;
    cand_log *l = ud;
    int w = snprintf(l->t + l->n, sizeof l->t - l->n,
                     "%d %zu %zu %u %d %d %s %.*s\n", (int)c->type, c->start,
                     c->end, (unsigned)c->port, (int)c->cls, c->defanged,
                     c->why ? c->why : "-", (int)c->value_len, c->value);
    /* (a full log keeps what fits) */
    if (w > 0)
        l->n +=
            (size_t)w < sizeof l->t - l->n ? (size_t)w : sizeof l->t - l->n - 1;
}

/* Builds with assertions (the tests' sanitizer builds) check
 * cell_yields_nothing's claim on every cell it passes over: the whole scan
 * of the cell finds nothing. A change to scan_whole or scan_chunks that
 * finds a value in such a cell must change cell_yields_nothing too. */
static void check_yields_nothing(const kz_segment *seg)
{
    kz_segment g = *seg;
    g.seen = NULL; /* every candidate is logged */
    cand_log l;
    l.n = 0;
    scan sc;
    memset(&sc, 0, sizeof sc);
    sc.seg = &g;
    sc.emit = log_cand;
    sc.ud = &l;
    sc.has = SEG_ALL;
    scan_whole(&sc, 0, g.n);
    if (l.n) {
        fprintf(stderr,
                "kizashi: internal error: cell_yields_nothing passed over "
                "\"%.*s\", which gives:\n%.*s",
                (int)(g.n > 200 ? 200 : g.n), g.s, (int)l.n, l.t);
        abort();
    }
}

/* Builds with assertions check scan_whole's one-token shortcut on every
 * span it takes: scan_whole's tests give the same candidates as
 * whole_pieces, in the same order. */
static void check_whole_pieces(const scan *sc, size_t a, size_t b,
                               const tok_piece *p, int k)
{
    kz_segment g = *sc->seg;
    g.seen = NULL; /* every candidate is logged */
    cand_log l1, l2;
    scan t = *sc;
    t.seg = &g;
    t.emit = log_cand;
    l1.n = l2.n = 0;
    t.ud = &l1;
    whole_pieces(&t, p, k);
    t.ud = &l2;
    scan_whole_tests(&t, a, b);
    if (l1.n != l2.n || memcmp(l1.t, l2.t, l1.n) != 0) {
        fprintf(stderr,
                "kizashi: internal error: scan_whole's one-token shortcut "
                "differs on \"%.*s\":\n%.*s-- the tests give:\n%.*s",
                (int)(b - a > 200 ? 200 : b - a), sc->seg->s + a, (int)l1.n,
                l1.t, (int)l2.n, l2.t);
        abort();
    }
}
#endif

void kz_scan_segment(const kz_segment *seg, kz_scan_emit_fn emit, void *ud)
{
    scan sc;
    sc.seg = seg;
    sc.emit = emit;
    sc.ud = ud;
    sc.in_code = 0;
    sc.in_cmd = 0;
    sc.span = 0;
    sc.has = SEG_ALL;
    sc.ni.s = NULL;
    sets_need();
    if (seg->n == 0)
        return;
    if (seg->whole_cell) {
        /* Cells with several code spans hold several values. A cell with
         * a '`' is never inert (the prefilter stops at one), so only a
         * cell without one is asked. */
        if (!memchr(seg->s, '`', seg->n)) {
            if (cell_yields_nothing(seg)) {
#ifndef NDEBUG
                check_yields_nothing(seg);
#endif
                return;
            }
            if (cell_inert(seg))
                return;
            scan_whole(&sc, 0, seg->n);
            return;
        }
        /* Cells with code spans: the spans hold the values. */
        size_t i = 0;
        while (i < seg->n) {
            const char *o = memchr(seg->s + i, '`', seg->n - i);
            if (!o)
                break;
            size_t os = (size_t)(o - seg->s) + 1;
            const char *c = memchr(seg->s + os, '`', seg->n - os);
            if (!c)
                break;
            sc.span = 1;
            scan_whole(&sc, os, (size_t)(c - seg->s));
            sc.span = 0;
            i = (size_t)(c - seg->s) + 1;
        }
        return;
    }
    if (!seg->whole_cell && scan_hash_name_line(&sc))
        return;
    size_t ia, ib;
    if (!seg->whole_cell && seg->hint == KZ_HINT_FILENAME &&
        name_list_item(seg->s, seg->n, &ia, &ib)) {
        scan_whole(&sc, ia, ib);
        return;
    }
    /* Code spans first, then the text between them. */
    const char *s = seg->s;
    size_t i = 0, last = 0;
    sc.has = seg_bytes(s, seg->n);
    while ((sc.has & SEG_TICK) && i < seg->n) {
        const char *open = memchr(s + i, '`', seg->n - i);
        if (!open)
            break;
        i = (size_t)(open - s);
        const char *close = memchr(s + i + 1, '`', seg->n - i - 1);
        if (!close)
            break;
        size_t c = (size_t)(close - s);
        if (i > last)
            scan_text(&sc, last, i);
        sc.span = 1;
        scan_whole(&sc, i + 1, c);
        sc.span = 0;
        i = c + 1;
        last = i;
    }
    if (last < seg->n)
        scan_text(&sc, last, seg->n);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private interface between the extractor's driver (extract.c: streaming,
 * lines, HTML, document structure, de-duplication) and its scanner (scan.c:
 * candidates in one refanged segment of text). The scanner never allocates;
 * it reports candidates through kz_scan_emit.
 */
#ifndef KIZASHI_EXTRACT_INT_H
#define KIZASHI_EXTRACT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core_int.h"
#include "kizashi/intel.h"

/* What the document structure says the text at hand holds. */
typedef enum kz_hint {
    KZ_HINT_NONE = 0,
    KZ_HINT_FILENAME,     /* a "File name" column or section */
    KZ_HINT_FILEPATH,     /* a "Path" column or section */
    KZ_HINT_MUTEX,        /* a "Mutex" column or section */
    KZ_HINT_REGKEY,       /* a "Registry" column or section */
    KZ_HINT_DOMAIN,       /* a "Domain" / "Host" column */
    KZ_HINT_JA3,          /* JA3 fingerprints */
    KZ_HINT_JA3S,         /* JA3S fingerprints */
    KZ_HINT_UA,           /* user agents */
    KZ_HINT_AUTHENTIHASH, /* Authenticode digests of PE files */
    KZ_HINT_SKIP,         /* detection names, dates, providers: nothing here */
    KZ_HINT_NOHASH,   /* serial numbers, imphashes: hex is not a file hash */
    KZ_HINT_REFERENCE /* a "References" section: links are sources */
} kz_hint;

/* Public Suffix List answers, owned by the extractor (one per extractor,
 * so no locking): for whole names (every distinct name, up to
 * KZ_PSL_NAMES; the value is the answer), and for their suffixes (few,
 * and a bounded memo). */
#define KZ_PSL_NAMES (1u << 19)
typedef struct kz_psl_cache {
    kz_strmap names;
    kz_memo suffixes;
} kz_psl_cache;

/* 1 when a value of type t would be dropped whatever its class: it was
 * already reported as an indicator (so the scanner need not classify nor
 * report it again). ud is the kz_scan_segment caller's. */
typedef int (*kz_scan_seen_fn)(void *ud, kz_type t, const char *v, size_t n);

/* One segment of text to scan, with what the caller knows about it. */
typedef struct kz_segment {
    const char *s; /* refanged text (not NUL-terminated) */
    size_t n;
    const char *orig; /* the line as written */
    size_t orig_n;
    const uint32_t *map; /* s[i] came from orig[map[base + i]]; NULL when
                            the line needed no refanging (identity) */
    size_t base;         /* offset of s[0] in the refanged line */
    const char *line;    /* the whole refanged line, for its context words */
    size_t line_n;
    int *ctx_cache;  /* KZ_CTX_* flags of the line, -1 until computed */
    int *hash_cache; /* kz_scan_has_hash_words of the line, -1 until known */
    int *mutw_cache; /* the line may name a mutex (kz_scan_may_say_mutex),
                        -1 until known; nullable */
    kz_psl_cache *psl_cache; /* nullable */
    kz_scan_seen_fn seen;    /* nullable */
    kz_hint hint;            /* column or section hint */
    int whole_cell;          /* the segment is a whole table cell */
} kz_segment;

/* Offset in the text as written of refanged offset i of segment g. */
#define KZ_SEG_MAP(g, i)                                                       \
    ((g)->map ? (size_t)(g)->map[(g)->base + (i)] : (g)->base + (i))

/* Line context flags (words seen on the line). */
#define KZ_CTX_VERSION 0x01      /* "version", "build" before a dotted quad */
#define KZ_CTX_SOURCE 0x02       /* "blog post", "report", "available at" */
#define KZ_CTX_SERIAL 0x04       /* "serial" */
#define KZ_CTX_JA3 0x08          /* "ja3" */
#define KZ_CTX_JA3S 0x10         /* "ja3s" */
#define KZ_CTX_IMPHASH 0x20      /* "imphash", "ssdeep", "tlsh" */
#define KZ_CTX_AUTHOR 0x40       /* "author", "contact": e-mails are people */
#define KZ_CTX_AUTHENTIHASH 0x80 /* "authentihash" */
#define KZ_CTX_MUTEX 0x100       /* "mutex", "mutant": a code span names one */

/* A candidate found by the scanner: [start, end) in the segment's refanged
 * text (relative to s), its type, the canonical value, its port. */
typedef struct kz_cand {
    kz_type type;
    size_t start, end;
    const char *value; /* canonical, NUL-terminated */
    size_t value_len;
    uint16_t port;
    kz_ioc_class cls;
    const char *why;
    int defanged; /* the text as written differs from the refanged text */
} kz_cand;

typedef void (*kz_scan_emit_fn)(void *ud, const kz_segment *seg,
                                const kz_cand *c);

/* Scans seg for candidates, calling emit for each in text order. */
void kz_scan_segment(const kz_segment *seg, kz_scan_emit_fn emit, void *ud);

/* Line context flags for the n bytes of refanged text at s. */
#include "core/simd_int.h"

#if KZ_HAVE_V16
/* Vector pieces shared by the extractor's prefilters. v0..v3 are the
 * sixteen bytes at p, p+1, ..., l0..l2 the same lower-cased. */

/* Carries a run of hex digits over a block with hex bits hm: the offset in
 * the block where the run reaches 32 digits, or 16 when it does not;
 * *run is the run at the block's end (valid when 16 is returned). */
static inline unsigned kz_hex_run_step(unsigned hm, unsigned *run)
{
    if (hm == 0xFFFF) {
        if (*run + 16 >= 32)
            return 31 - *run;
        *run += 16;
        return 16;
    }
    if (*run + (unsigned)__builtin_ctz(~hm) >= 32)
        return 31 - *run;
    *run = (unsigned)__builtin_clz(~hm & 0xFFFFu) - 16;
    return 16;
}

/* The same over a block of 32 (the AVX2 prefilters): the offset where
 * the run reaches 32 digits, or 32 when it does not. */
static inline unsigned kz_hex_run_step32(uint32_t hm, unsigned *run)
{
    if (hm == 0xFFFFFFFFu || *run + (unsigned)__builtin_ctz(~hm) >= 32)
        return 31 - *run;
    *run = (unsigned)__builtin_clz(~hm);
    return 32;
}

/* "CVE-" and "AS" followed by a digit, "N", or a space and a digit. */
static inline kz_v16 kz_v16_cve_asn(kz_v16 l0, kz_v16 l1, kz_v16 v2, kz_v16 l2,
                                    kz_v16 v3)
{
    kz_v16 cve = kz_v16_and(kz_v16_and(kz_v16_eq(l0, 'c'), kz_v16_eq(l1, 'v')),
                            kz_v16_and(kz_v16_eq(l2, 'e'), kz_v16_eq(v3, '-')));
    kz_v16 as = kz_v16_and(
        kz_v16_and(kz_v16_eq(l0, 'a'), kz_v16_eq(l1, 's')),
        kz_v16_or(kz_v16_or(kz_v16_range(v2, '0', '9'), kz_v16_eq(l2, 'n')),
                  kz_v16_and(kz_v16_eq(v2, ' '), kz_v16_range(v3, '0', '9'))));
    return kz_v16_or(cve, as);
}
#endif

#if KZ_HAVE_V32
/* The same on 32 positions (the AVX2 prefilters). */
KZ_AVX2 static inline __m256i kz_v32_cve_asn(__m256i l0, __m256i l1, __m256i v2,
                                             __m256i l2, __m256i v3)
{
    __m256i cve = _mm256_and_si256(
        _mm256_and_si256(kz_v32_eq(l0, 'c'), kz_v32_eq(l1, 'v')),
        _mm256_and_si256(kz_v32_eq(l2, 'e'), kz_v32_eq(v3, '-')));
    __m256i as = _mm256_and_si256(
        _mm256_and_si256(kz_v32_eq(l0, 'a'), kz_v32_eq(l1, 's')),
        _mm256_or_si256(
            _mm256_or_si256(kz_v32_digit(v2), kz_v32_eq(l2, 'n')),
            _mm256_and_si256(kz_v32_eq(v2, ' '), kz_v32_digit(v3))));
    return _mm256_or_si256(cve, as);
}
#endif

/* 1 when a line can hold no indicator nor defanged form (prose): it is
 * neither refanged nor scanned. _ref is the scalar definition. */
int kz_extract_line_boring(const char *s, size_t n);
int kz_extract_line_boring_ref(const char *s, size_t n);
/* kz_extract_line_boring for a segment's text, which lies in its line. */
int kz_extract_cell_boring(const kz_segment *g);

/* 1 when the line holds "seri", "phash", "ehash", "ihash", "ja3", "ssde"
 * or "tlsh" in any case (imphash, pehash, authentihash; not "hash" alone):
 * only then can its words make a digest something else than a file hash.
 * _ref is the scalar definition. */
int kz_scan_has_hash_words(const char *s, size_t n);
int kz_scan_has_hash_words_ref(const char *s, size_t n);

/* The first position in s[i, n) where the chunk scan must look (a
 * character or word that may start an indicator, or the 32nd digit of a
 * hex run), n when there is none. _ref is the scalar definition. */
size_t kz_scan_next_interesting(const char *s, size_t i, size_t n);
size_t kz_scan_next_interesting_ref(const char *s, size_t i, size_t n);

/* What kz_scan_next_interesting_from keeps of a search of s[0, n): the
 * interesting positions (bit k for s[q + k], the hex run rule aside) and
 * the hex digits of the block of 32 bytes at q where it found one. s is
 * NULL when it holds nothing. */
typedef struct kz_ni_state {
    const char *s;
    size_t n, q;
    uint32_t m, hex;
} kz_ni_state;

/* kz_scan_next_interesting, for a series of searches of the same bytes: a
 * search from inside the block st holds takes that block's positions from
 * st instead of reading its bytes again. Set st->s to NULL before the
 * first search and whenever the bytes at s may have changed. */
size_t kz_scan_next_interesting_from(kz_ni_state *st, const char *s, size_t i,
                                     size_t n);

/* The end of the chunk (a run of bytes without a delimiter: white space,
 * quotes, '<', '>', '|', '^', CJK and typographic punctuation) that starts
 * at j: the first delimiter from j on, or b. A summary of its bytes is
 * OR-ed into *cls (whether one may start an indicator: a dot, colon, '@',
 * slash, backslash, '%', '~' or non-ASCII letter; a colon; a slash). _ref
 * is the scalar definition. */
size_t kz_scan_chunk_end(const char *s, size_t j, size_t b, unsigned *cls);
size_t kz_scan_chunk_end_ref(const char *s, size_t j, size_t b, unsigned *cls);

int kz_scan_line_context(const char *s, size_t n);
/* The same words, found one byte at a time (the definition, for tests;
 * it leaves out the Japanese words). */
int kz_scan_line_context_ref(const char *s, size_t n);

/* Hint for a column title (is_column) or a section heading. Headings give
 * fewer hints than columns: a whole section is skipped only when its title
 * says it lists detection names. */
kz_hint kz_scan_title_hint(const char *s, size_t n, int is_column);

/* 1 when ext (without the dot) is a file extension we treat as a file name
 * (executables, scripts, documents, archives, drivers). */
int kz_scan_is_file_ext(const char *ext, size_t n);

/* 1 when s[0, n) starts with a short note in parentheses that calls a value
 * legitimate and closes within 48 bytes without a full stop: "(legitimate
 * tool)", "(clean)", "（正規ツール）"; not "(legitimately signed)" nor
 * "（正規のmsedge.exeから読み込まれる）". */
int kz_scan_legit_note(const char *s, size_t n);

/* 1 when s starts with a registry hive and a backslash (HKLM\, HKCU:\,
 * HKEY_LOCAL_MACHINE\, ...), in any case. */
int kz_scan_regkey_hive(const char *s, size_t n);

/* The digest type of a hex run by its length (32 md5, 40 sha1, 64 sha256,
 * 128 sha512); KZ_T_NONE for anything else. */
kz_type kz_scan_digest_type(const char *s, size_t n);

/* Classifies a value that the scanner typed: indicator, or reference with a
 * reason (static string). */
kz_ioc_class kz_scan_classify(kz_type t, const char *value, size_t n,
                              kz_hint hint, int line_ctx, int defanged,
                              const char **why);

#endif /* KIZASHI_EXTRACT_INT_H */

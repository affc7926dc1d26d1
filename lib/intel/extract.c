/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The extractor's driver: takes an input as a byte stream of any split,
 * cuts it into lines (bounded: an over-long line is scanned in windows),
 * cleans invalid UTF-8 and NUL bytes, follows the document's structure
 * (headings, Markdown and AsciiDoc tables, code fences, embedded YARA
 * rules; HTML through libxml2's push parser), refangs each line with an
 * offset map, hands segments to the scanner, and de-duplicates what it
 * reports. Memory is bounded by kizashi/limits.h whatever the input size.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "core/core_int.h"
#include "core/simd_int.h"
#include "core/trigger_int.h"
#include "intel/extract_int.h"
#include "kizashi/limits.h"

/* Sniffing reads this much before deciding between text and HTML. */
#define SNIFF_BYTES 1024
/* Candidates buffered for one table row (a row decides their class). */
#define ROW_MAX 64
#define HELD_MAX 4096 /* longest line held for a wrapped digest */
#define ROW_POOL (64u * 1024u)
/* Table columns we track. */
#define MAX_COLS 32

#define HREF_SEEN 64 /* link targets remembered on an HTML page */
#define H_LINKS 32   /* link texts tracked on one line of an HTML page */
#define TCACHE 512   /* titles whose hints are remembered */
#define RECENT 16384 /* values reported lately, for the early check */
#define HOT 16384    /* long values found in recent, by their value_head */
#define DQ_LEN 8     /* values in flight to the de-duplication table */
#define DQ_VALUE 512 /* longer values skip the queue */

typedef struct row_item {
    kz_extracted e;
    size_t value_off, raw_off;
} row_item;

enum warn_kind { W_UTF8, W_NUL, W_LONG, W_HTML, W_YARA, W_DEDUP, W_COUNT };

struct kz_extractor {
    kz_ctx *ctx;
    kz_extract_opts opts;
    kz_extract_fn fn;
    void *ud;
    char name[512];
    kz_extract_stats st;
    int failed; /* the callback asked to stop */
    int finished;

    /* format detection */
    kz_text_format fmt;
    char sniff[SNIFF_BYTES];
    size_t sniff_n;

    /* line assembly */
    char *line;
    size_t line_n;
    uint64_t line_no;  /* number of the line being assembled (1-based) */
    uint64_t line_off; /* byte offset of its start */
    uint64_t in_off;   /* offset of the next byte text_feed gets */
    int line_split;    /* the current line was already cut once */

    /* per-line work buffers, grown on demand up to KZ_MAX_LINE + 2 */
    size_t work_cap;
    size_t line_cap;
    size_t yara_cap;
    size_t htext_cap;
    int nomem; /* an allocation failed: the feed reports KZ_ERR_NOMEM */
    char *clean;
    char *rf;
    uint32_t *map;
    /* the line's refang trigger bits from the AVX2 line prefilter (see
     * kz_refang_map_bits), tb_cap entries */
    uint32_t *tb;
    size_t tb_cap;

    /* document structure */
    kz_hint section;
    int in_fence;
    int adoc_table;       /* inside |=== ... |=== */
    int adoc_header_next; /* the header row is being read */
    int adoc_want_cols;   /* column count from [cols=...], 0: unknown */
    int attr_cols;        /* [cols=...] of the last attribute line */
    int md_table;         /* inside a Markdown table (after |---|) */
    kz_hint cols[MAX_COLS];
    int ncols;
    int col;         /* AsciiDoc: current cell index in the row */
    char prev[1024]; /* previous line, for Markdown table headers */
    size_t prev_n;
    int prev_csv_only; /* prev is a line without values: a CSV header only */

    /* A line ending with part of a hash, held until the next line says
     * whether it goes on there (a digest wrapped by a PDF export). */
    char held[HELD_MAX + 128];
    size_t held_n;
    size_t held_end; /* where its hex run ends (white space may follow) */
    size_t held_hex; /* length of that run; 0: it ends with a URL */
    uint64_t held_line, held_off;
    int held_cr, held_on;

    /* a table row's candidates, held until the row is complete */
    row_item row[ROW_MAX];
    int row_n;
    char row_pool[ROW_POOL];
    size_t row_pool_n;
    int row_clean; /* the row says the file is clean */
    int row_active;
    /* why a clean row's values are references; NULL: a table row's note */
    const char *row_why;

    /* comma-separated rows (an IoC export pasted or saved as text) */
    int csv_table;
    int csv_nf; /* the header's field count; 0: rows without a header */
    /* an allowlist written as data ("false_positives": [...], YAML list) */
    int benign_depth;  /* brackets still open */
    int benign_indent; /* YAML: the key's indentation + 1, 0: none open */
    int benign_lines;  /* lines read as part of it (bounded) */

    /* YARA rule being collected */
    char *yara;
    size_t yara_n;
    int yara_on;
    int yara_depth;
    int yara_seen_brace;
    int yara_in_str;
    uint64_t yara_line;
    uint64_t yara_col;
    int yara_lines_wo_brace;
    char yara_pre[2048]; /* import/include lines just before a rule */
    size_t yara_pre_n;
    uint64_t yara_pre_line;
    uint64_t yara_pre_col;
    int yara_pre_comment; /* inside a block comment of the prelude */
    int yara_busy; /* yara_on, yara_pre_n or yara_pre_comment (yara_line) */

    /* de-duplication: values (tag: type; value: seen as an indicator) */
    kz_strmap dd;
    /* values reported as indicators lately (seen_value): the upper half
     * of the hash and the reference of the record in dd; sets of two, the one
     * noted last first (see recent_set) */
    uint64_t recent[RECENT];
    /* values over sixteen bytes that the early check found in recent: the
     * upper half of their value_head and the reference of the record in dd,
     * at the entry of the head's low bits (hot_slot) */
    uint64_t hot[HOT];
    /* seen_value's tests of the options: opts.types, or every type when it
     * is empty; KZ_MAX_DEDUP_VALUES, or 0 with opts.all_occurrences */
    kz_typeset seen_types;
    size_t seen_max;
    /* the last value seen_value looked up, and its hash */
    const char *seen_v;
    size_t seen_n;
    kz_type seen_t;
    uint64_t seen_h;
    /* Values waiting for the de-duplication table, whose slots were
     * prefetched when they were queued (the table outgrows the caches). */
    struct dq_item {
        kz_extracted e;
        uint64_t h;
    } dq[DQ_LEN];
    char dq_buf[DQ_LEN][2 * DQ_VALUE];
    unsigned dq_head, dq_n;

    /* HTML */
    htmlParserCtxtPtr html;
    char *htext;
    size_t htext_n;
    uint64_t htext_line;
    int h_skip;    /* inside <script> or <style> */
    int h_in_head; /* heading element */
    int h_th_row;  /* the row being built holds <th> cells */
    uint64_t h_errors;
    /* Link texts (<a href> ... </a>) of the text line being built, as
     * offsets in it; h_link_at is where the open one started. */
    struct {
        size_t a, b;
    } h_link[H_LINKS];
    int h_nlinks;
    int h_link_open;
    size_t h_link_at;

    /* scanning state for the current line */
    uint64_t cur_line;
    uint64_t cur_off;
    const char *cur_orig;
    size_t cur_orig_n;
    int cur_from_href;
    int cur_html_line;             /* the line is h_flush's: h_link applies */
    size_t cur_html_skip;          /* offset of the line in htext */
    uint64_t href_seen[HREF_SEEN]; /* hashes of the last link targets */
    size_t href_next;
    int cur_ctx;      /* line context flags, -1 until the scanner asks */
    int cur_hashw;    /* hash words on the line, -1 until the scanner asks */
    int cur_mutw;     /* a mutex word on the line, -1 until the scanner asks */
    int cur_ascii;    /* the line is ASCII without NUL: columns are offsets */
    size_t col_off;   /* byte offset and code points counted so far on */
    uint64_t col_cps; /* the current line, for columns */
    kz_psl_cache *psl;

    unsigned warned[W_COUNT];
    struct title_memo {
        char key[124];
        unsigned char len; /* key length + 1; 0: empty */
        unsigned char col; /* a column title (else a heading) */
        unsigned char hint;
    } tcache[TCACHE];
};

/* ---- diagnostics ----------------------------------------------------------
 */

static void warn(kz_extractor *x, enum warn_kind k, uint64_t line, uint64_t col,
                 const char *fmt, const char *arg)
{
    if (x->warned[k] < KZ_MAX_WARNINGS_PER_KIND)
        kz_diag(x->ctx, KZ_SEV_WARNING, x->name, line, col, fmt, arg);
    else if (x->warned[k] == KZ_MAX_WARNINGS_PER_KIND)
        kz_diag(x->ctx, KZ_SEV_WARNING, x->name, line, col, "%s",
                "more warnings of this kind are not shown");
    x->warned[k]++;
}

/* ---- buffers ------------------------------------------------------------- */

/* Grows *p (elem-sized items) to hold need items, doubling, at most max.
 * 0 on success; -1 (and x->nomem) when it cannot. */
static int grow(kz_extractor *x, void **p, size_t *cap, size_t need,
                size_t elem, size_t max)
{
    if (need <= *cap)
        return 0;
    if (need > max) {
        x->nomem = 1;
        return -1;
    }
    size_t nc = *cap ? *cap : 4096;
    while (nc < need)
        nc *= 2;
    if (nc > max)
        nc = max;
    void *np = kz_realloc(*p, nc * elem);
    if (!np) {
        x->nomem = 1;
        return -1;
    }
    *p = np;
    *cap = nc;
    return 0;
}

static int ensure_work(kz_extractor *x, size_t need)
{
    if (need <= x->work_cap)
        return 0;
    size_t c1 = x->work_cap, c2 = x->work_cap, c3 = x->work_cap;
    size_t c4 = x->tb_cap;
    const size_t max = KZ_MAX_LINE + 2;
    if (grow(x, (void **)&x->clean, &c1, need, 1, max) != 0 ||
        grow(x, (void **)&x->rf, &c2, need, 1, max) != 0 ||
        grow(x, (void **)&x->map, &c3, need, sizeof *x->map, max) != 0 ||
        grow(x, (void **)&x->tb, &c4, c1 / 32 + 3, sizeof *x->tb,
             max / 32 + 3) != 0)
        return -1;
    x->work_cap = c1;
    x->tb_cap = c4;
    return 0;
}

/* ---- de-duplication -------------------------------------------------------
 */

/* A value's hash for the de-duplication table. Up to sixteen bytes,
 * kz_strmap_hash's. Over sixteen, two parts: value_head, one step of
 * kz_strmap_hash's over the value's first and last eight bytes (the type
 * and length in the seed), which the early check looks up in its table of
 * long values (hot) before it computes the rest; then value_rest, the bytes
 * between in steps of sixteen (the last ending eight bytes before the
 * value's end, overlapping the step before or the head's bytes) and
 * murmur3's finalizer, as kz_strmap_hash ends. Every byte is in some step,
 * in a sequence fixed by the length. */
static inline uint64_t value_head(kz_type t, const char *v, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)t << 56) ^ n;
    return kz_strmap_step16(h, kz_strmap_load64(v),
                            kz_strmap_load64(v + n - 8));
}

static inline uint64_t value_rest(uint64_t h, const char *v, size_t n)
{
    size_t i = 8;
    for (; i + 16 < n - 8; i += 16)
        h = kz_strmap_step16(h, kz_strmap_load64(v + i),
                             kz_strmap_load64(v + i + 8));
    h = kz_strmap_step16(h, kz_strmap_load64(v + (n > 32 ? n - 24 : 8)),
                         kz_strmap_load64(v + n - 16));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return (h ^ (h >> 33)) | 1;
}

static uint64_t hash_value(kz_type t, const char *v, size_t n)
{
    if (n > 16)
        return value_rest(value_head(t, v, n), v, n);
    return kz_strmap_hash((unsigned)t, v, n);
}

/* The entry of hot for a value whose value_head is c: the head's low bits
 * (its upper half is the entry's tag). One way: a second cost new values
 * more than it saved. */
static inline uint64_t *hot_slot(kz_extractor *x, uint64_t c)
{
    return &x->hot[c & (HOT - 1)];
}

/* The set of two entries of the recent table a value of hash h may be in:
 * the hash's low bits, but for the lowest (always set). Two ways, so that
 * two values whose hashes share those bits do not evict each other in
 * turn. */
static uint64_t *recent_set(kz_extractor *x, uint64_t h)
{
    return &x->recent[h & (RECENT - 2)];
}

/* Remembers that the value of record e (of hash h) was reported as an
 * indicator, in the small table the scanner's early check looks at: first in
 * its set, the other entry the one noted before (the one noted least lately
 * goes). */
static void recent_note(kz_extractor *x, const kz_strmap_rec *e, uint64_t h)
{
    uint64_t *r = recent_set(x, h);
    uint64_t w = (h & 0xFFFFFFFF00000000ULL) | kz_strmap_ref(&x->dd, e);
    if (r[0] != w) {
        r[1] = r[0];
        r[0] = w;
    }
}

/* 1: new (or upgraded from reference to indicator), 0: seen. On memory
 * exhaustion or past the ceiling, every value counts as new. */
static int dd_check(kz_extractor *x, kz_type t, const char *v, size_t n,
                    kz_ioc_class cls, uint64_t h)
{
    if (x->dd.n >= KZ_MAX_DEDUP_VALUES) {
        if (!x->warned[W_DEDUP])
            warn(x, W_DEDUP, 0, 0, "%s",
                 "too many distinct values: duplicates may be reported");
        x->warned[W_DEDUP]++;
        return 1;
    }
    int added;
    int ind = cls == KZ_CLASS_INDICATOR;
    kz_strmap_rec *e =
        kz_strmap_get(&x->dd, (unsigned)t, v, n, h, 1, (unsigned)ind, &added);
    if (!e)
        return 1;
    if (added || (!e->val && ind)) {
        e->val |= (unsigned)ind;
        if (e->val)
            recent_note(x, e, h);
        return 1;
    }
    if (e->val)
        recent_note(x, e, h);
    return 0;
}

/* seen_value's look-up of a value of hash h in recent: the record of the
 * value when it was reported as an indicator (counted as a duplicate), else
 * NULL, with the value and its hash kept for deliver. */
static inline const kz_strmap_rec *
seen_recent(kz_extractor *x, kz_type t, const char *v, size_t n, uint64_t h)
{
    /* Only the values reported lately, in a table small enough to stay in
     * the cache: a probe of the whole de-duplication table would be a
     * cache miss the prefetch queue is there to hide. */
    const uint64_t *r = recent_set(x, h);
    uint64_t w = (r[0] ^ h) >> 32 == 0 ? r[0] : r[1];
    const kz_strmap_rec *e = NULL;
    if ((w ^ h) >> 32 == 0 && (e = kz_strmap_at(&x->dd, (uint32_t)w)) &&
        !kz_strmap_is(e, (unsigned)t, v, n))
        e = NULL;
    if (!e || !e->val) {
        /* deliver() will want the same hash for the same value */
        x->seen_v = v;
        x->seen_n = n;
        x->seen_t = t;
        x->seen_h = h;
        return NULL;
    }
    x->st.duplicates++;
    return e;
}

/* seen_value for a value over sixteen bytes of value_head c that is not
 * in hot: the rest of its hash and recent; one found there is noted in hot
 * (out of line, so that the look-up in hot saves no register). */
__attribute__((noinline)) static int
seen_long(kz_extractor *x, kz_type t, const char *v, size_t n, uint64_t c)
{
    const kz_strmap_rec *e = seen_recent(x, t, v, n, value_rest(c, v, n));
    if (!e)
        return 0;
    *hot_slot(x, c) = (c & 0xFFFFFFFF00000000ULL) | kz_strmap_ref(&x->dd, e);
    return 1;
}

#ifndef NDEBUG
/* Builds with assertions check each answer of hot against dd itself: the
 * record the value's full hash finds there must be e, an indicator. */
static void check_hot(kz_extractor *x, kz_type t, const char *v, size_t n,
                      const kz_strmap_rec *e)
{
    const kz_strmap_rec *d = kz_strmap_get(&x->dd, (unsigned)t, v, n,
                                           hash_value(t, v, n), 0, 0, NULL);
    if (d != e || !d->val) {
        fprintf(stderr,
                "kizashi: internal error: the early check's table of long "
                "values took \"%.*s\" for a value reported\n",
                (int)(n > 200 ? 200 : n), v);
        abort();
    }
}
#endif

/* The scanner's early check (kz_scan_seen_fn): a value already delivered
 * as an indicator is dropped by dd_check whatever its class now, and one of
 * a type left out by the filter is dropped before it; counted as
 * deliver_now would. Values still in the prefetch queue are not in the
 * table yet: they take the long way. A value over sixteen bytes (a digest
 * the tables list again and again) is looked for by its value_head in hot
 * first, which spares the rest of its hash: a record found there is the
 * value (compared in full) reported as an indicator, the answer recent
 * gives when it holds the value. */
static int seen_value(void *ud, kz_type t, const char *v, size_t n)
{
    kz_extractor *x = ud;
    x->seen_v = NULL;
    if (!KZ_TYPESET_HAS(x->seen_types, t))
        return 1;
    if (x->dd.n >= x->seen_max)
        return 0;
    if (n > 16) {
        uint64_t c = value_head(t, v, n);
        uint64_t w = *hot_slot(x, c);
        const kz_strmap_rec *e;
        if ((w ^ c) >> 32 == 0 && (e = kz_strmap_at(&x->dd, (uint32_t)w)) &&
            e->val && kz_strmap_is(e, (unsigned)t, v, n)) {
#ifndef NDEBUG
            check_hot(x, t, v, n, e);
#endif
            x->st.duplicates++;
            return 1;
        }
        return seen_long(x, t, v, n, c);
    }
    return seen_recent(x, t, v, n, kz_strmap_hash((unsigned)t, v, n)) != NULL;
}

/* ---- delivery -------------------------------------------------------------
 */

static void deliver_now(kz_extractor *x, const kz_extracted *e, uint64_t h)
{
    if (x->failed)
        return;
    if (!x->opts.all_occurrences &&
        !dd_check(x, e->type, e->value, e->value_len, e->cls, h)) {
        x->st.duplicates++;
        return;
    }
    if (e->cls == KZ_CLASS_REFERENCE) {
        x->st.references++;
        /* Context-only types (CVE, AS numbers) are never indicators, but a
         * caller who names them in the type filter wants them. */
        int asked =
            x->opts.types && (e->type == KZ_T_CVE || e->type == KZ_T_ASN);
        if (!x->opts.include_references && !asked)
            return;
    }
    x->st.found++;
    if (x->fn(x->ud, e) != 0)
        x->failed = 1;
}

static void dq_drain(kz_extractor *x)
{
    while (x->dq_n > 0) {
        struct dq_item *it = &x->dq[x->dq_head];
        deliver_now(x, &it->e, it->h);
        x->dq_head = (x->dq_head + 1) % DQ_LEN;
        x->dq_n--;
    }
}

/* Delivers through the queue: the value's table slot is prefetched now
 * and probed DQ_LEN values later, so the cache miss overlaps the scan. */
static void deliver(kz_extractor *x, const kz_extracted *e)
{
    if (x->failed)
        return;
    if (x->opts.types && !KZ_TYPESET_HAS(x->opts.types, e->type))
        return;
    if (x->opts.all_occurrences) {
        deliver_now(x, e, 0);
        return;
    }
    uint64_t h = e->value == x->seen_v && e->value_len == x->seen_n &&
                         e->type == x->seen_t
                     ? x->seen_h
                     : hash_value(e->type, e->value, e->value_len);
    x->seen_v = NULL;
    if (e->value_len >= DQ_VALUE || e->raw_len >= DQ_VALUE) {
        dq_drain(x);
        deliver_now(x, e, h);
        return;
    }
    kz_strmap_prefetch(&x->dd, h);
    if (x->dq_n == DQ_LEN) {
        struct dq_item *old = &x->dq[x->dq_head];
        deliver_now(x, &old->e, old->h);
        x->dq_head = (x->dq_head + 1) % DQ_LEN;
        x->dq_n--;
    }
    unsigned slot = (x->dq_head + x->dq_n) % DQ_LEN;
    struct dq_item *it = &x->dq[slot];
    char *b = x->dq_buf[slot];
    it->e = *e;
    it->h = h;
    memcpy(b, e->value, e->value_len);
    b[e->value_len] = '\0';
    memcpy(b + DQ_VALUE, e->raw, e->raw_len);
    b[DQ_VALUE + e->raw_len] = '\0';
    it->e.value = b;
    it->e.raw = b + DQ_VALUE;
    x->dq_n++;
}

static void row_flush(kz_extractor *x)
{
    for (int i = 0; i < x->row_n; i++) {
        row_item *it = &x->row[i];
        it->e.value = x->row_pool + it->value_off;
        it->e.raw = x->row_pool + it->raw_off;
        if (x->row_clean && x->row_why && it->e.cls == KZ_CLASS_INDICATOR) {
            it->e.cls = KZ_CLASS_REFERENCE;
            it->e.why = x->row_why;
        } else if (x->row_clean && it->e.cls == KZ_CLASS_INDICATOR &&
                   (it->e.type == KZ_T_FILENAME || it->e.type == KZ_T_MD5 ||
                    it->e.type == KZ_T_SHA1 || it->e.type == KZ_T_SHA256 ||
                    it->e.type == KZ_T_SHA512 || it->e.type == KZ_T_FILEPATH)) {
            it->e.cls = KZ_CLASS_REFERENCE;
            it->e.why = "legitimate file (the table row says clean)";
        } else if (x->row_clean && it->e.cls == KZ_CLASS_INDICATOR &&
                   (it->e.type == KZ_T_DOMAIN || it->e.type == KZ_T_URL ||
                    it->e.type == KZ_T_IPV4 || it->e.type == KZ_T_IPV6)) {
            it->e.cls = KZ_CLASS_REFERENCE;
            it->e.why = "legitimate service (the table row says so)";
        }
        deliver(x, &it->e);
    }
    x->row_n = 0;
    x->row_pool_n = 0;
    x->row_clean = 0;
}

static void row_push(kz_extractor *x, const kz_extracted *e)
{
    size_t need = e->value_len + 1 + e->raw_len + 1;
    if (x->row_n == ROW_MAX || x->row_pool_n + need > ROW_POOL)
        row_flush(x);
    if (need > ROW_POOL) {
        deliver(x, e);
        return;
    }
    row_item *it = &x->row[x->row_n++];
    it->e = *e;
    it->value_off = x->row_pool_n;
    memcpy(x->row_pool + x->row_pool_n, e->value, e->value_len);
    x->row_pool[x->row_pool_n + e->value_len] = '\0';
    x->row_pool_n += e->value_len + 1;
    it->raw_off = x->row_pool_n;
    memcpy(x->row_pool + x->row_pool_n, e->raw, e->raw_len);
    x->row_pool[x->row_pool_n + e->raw_len] = '\0';
    x->row_pool_n += e->raw_len + 1;
}

/* Code points in s[0, n): the bytes that are not UTF-8 continuation bytes
 * (0x80 to 0xBF, -128 to -65 as signed bytes). With SIMD, sixteen bytes at
 * a time, counted in byte lanes for up to 255 blocks before they are
 * summed; the last bytes one at a time. */
static uint64_t count_cps(const char *s, size_t n)
{
    uint64_t c = 0;
    size_t i = 0;
#if KZ_HAVE_V16
    const __m128i cont_max = _mm_set1_epi8(-65);
    while (n - i >= 16) {
        size_t blocks = (n - i) / 16;
        if (blocks > 255)
            blocks = 255;
        __m128i acc = _mm_setzero_si128();
        for (size_t k = 0; k < blocks; k++, i += 16)
            acc =
                _mm_sub_epi8(acc, _mm_cmpgt_epi8(kz_v16_load(s + i), cont_max));
        __m128i sum = _mm_sad_epu8(acc, _mm_setzero_si128());
        c += (uint64_t)(unsigned)_mm_cvtsi128_si32(sum) +
             (uint64_t)(unsigned)_mm_extract_epi16(sum, 4);
    }
#endif
    for (; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* A document's file name ("IOC_Kazemaru.txt", "report.pdf"): as a link's
 * text, the name of the document the link gets. */
static int doc_name(const char *v, size_t n)
{
    static const char *const exts[] = {".txt", ".pdf",  ".csv",   ".json",
                                       ".xml", ".html", ".htm",   ".md",
                                       ".yar", ".yara", ".rules", NULL};
    for (size_t k = 0; exts[k]; k++) {
        size_t l = strlen(exts[k]);
        if (n > l && kz_eq_word_ci(v + n - l, l, exts[k]))
            return 1;
    }
    return 0;
}

/* The scanner's callback: positions back to the text as written. */
static void on_cand(void *ud, const kz_segment *seg, const kz_cand *c)
{
    kz_extractor *x = ud;
    size_t oa = KZ_SEG_MAP(seg, c->start);
    size_t ob = KZ_SEG_MAP(seg, c->end);
    if (ob < oa)
        ob = oa;
    kz_extracted e; /* every field is set below */
    e.type = c->type;
    e.value = c->value;
    e.value_len = c->value_len;
    e.raw = x->cur_orig + oa;
    e.raw_len = ob - oa;
    e.line = x->cur_line;
    /* Columns count code points from the line start: byte offsets on an
     * ASCII line, else counted on from the previous candidate, so a long
     * line costs linear time. */
    if (x->cur_ascii) {
        e.column = 1 + oa;
    } else {
        if (oa < x->col_off) {
            x->col_off = 0;
            x->col_cps = 0;
        }
        x->col_cps += count_cps(x->cur_orig + x->col_off, oa - x->col_off);
        x->col_off = oa;
        e.column = 1 + x->col_cps;
    }
    e.offset = x->fmt == KZ_TEXT_HTML ? 0 : x->cur_off + oa;
    e.port = c->port;
    e.cls = c->cls;
    e.why = c->why;
    e.defanged = c->defanged;
    if (x->cur_from_href && e.cls == KZ_CLASS_INDICATOR && !e.defanged) {
        e.cls = KZ_CLASS_REFERENCE;
        e.why = "hyperlink target in the advisory";
    }
    /* A host, address or link written as a hyperlink's text, live (not
     * defanged): a source the advisory points to ("see <a>ic3.gov</a>");
     * indicators are defanged or left unlinked. So does a document's name
     * (the link gets it); digests and other file names in link text (a
     * link to a sandbox report) stay indicators. */
    if (x->cur_html_line && e.cls == KZ_CLASS_INDICATOR && !e.defanged &&
        (e.type == KZ_T_DOMAIN || e.type == KZ_T_URL || e.type == KZ_T_EMAIL ||
         e.type == KZ_T_IPV4 || e.type == KZ_T_IPV6 ||
         (e.type == KZ_T_FILENAME && doc_name(e.value, e.value_len)))) {
        size_t at = x->cur_html_skip + oa;
        for (int k = 0; k < x->h_nlinks; k++)
            if (at >= x->h_link[k].a && at < x->h_link[k].b) {
                e.cls = KZ_CLASS_REFERENCE;
                e.why = "hyperlink text in the advisory";
                break;
            }
    }
    /* A link's own text repeats its target ("<a href=mailto:x>x</a>",
     * a source URL written out): the same value, not defanged, in the
     * text of an HTML page that links it is a link target too. */
    if (x->fmt == KZ_TEXT_HTML &&
        (e.type == KZ_T_URL || e.type == KZ_T_EMAIL)) {
        uint64_t hv = hash_value(e.type, e.value, e.value_len);
        if (x->cur_from_href) {
            x->href_seen[x->href_next++ % HREF_SEEN] = hv;
        } else if (e.cls == KZ_CLASS_INDICATOR && !e.defanged) {
            for (size_t k = 0; k < HREF_SEEN; k++)
                if (x->href_seen[k] == hv) {
                    e.cls = KZ_CLASS_REFERENCE;
                    e.why = "hyperlink target in the advisory";
                    break;
                }
        }
    }
    if (x->row_active)
        row_push(x, &e);
    else
        deliver(x, &e);
}

/* ---- YARA rules embedded in the text --------------------------------------
 */

static int is_ident_char(unsigned char c)
{
    return kz_is_alnum(c) || c == '_';
}

/* Where a rule header starts on this line ("rule name", optionally after
 * "private"/"global"), or -1. */
static long yara_rule_start(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    size_t start = i;
    for (;;) {
        if (n - i > 8 && memcmp(s + i, "private ", 8) == 0)
            i += 8;
        else if (n - i > 7 && memcmp(s + i, "global ", 7) == 0)
            i += 7;
        else
            break;
        while (i < n && s[i] == ' ')
            i++;
    }
    if (n - i < 6 || memcmp(s + i, "rule", 4) != 0 ||
        (s[i + 4] != ' ' && s[i + 4] != '\t'))
        return -1;
    size_t j = i + 5;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    if (j >= n || !(kz_is_alpha((unsigned char)s[j]) || s[j] == '_'))
        return -1;
    while (j < n && is_ident_char((unsigned char)s[j]))
        j++;
    while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
    /* Tags, then "{" (here or on the next line), or the end of the line. */
    if (j < n && s[j] == ':') {
        j++;
        while (j < n && s[j] != '{')
            if (!(is_ident_char((unsigned char)s[j]) || s[j] == ' ' ||
                  s[j] == '\t'))
                return -1;
            else
                j++;
    }
    if (j < n && s[j] != '{')
        return -1;
    return (long)start;
}

static void yara_reset(kz_extractor *x)
{
    x->yara_on = 0;
    x->yara_n = 0;
    x->yara_depth = 0;
    x->yara_seen_brace = 0;
    x->yara_in_str = 0;
    x->yara_lines_wo_brace = 0;
}

static int yara_append(kz_extractor *x, const char *s, size_t n)
{
    if (x->yara_n + n > KZ_MAX_YARA_RULE) {
        warn(x, W_YARA, x->yara_line, 0, "%s",
             "embedded YARA rule longer than the limit: not reported");
        yara_reset(x);
        return -1;
    }
    if (grow(x, (void **)&x->yara, &x->yara_cap, x->yara_n + n + 1, 1,
             KZ_MAX_YARA_RULE + 1) != 0) {
        yara_reset(x);
        return -1;
    }
    memcpy(x->yara + x->yara_n, s, n);
    x->yara_n += n;
    return 0;
}

static void yara_emit(kz_extractor *x)
{
    /* A rule needs a condition section. */
    const char *s = x->yara;
    size_t n = x->yara_n;
    int ok = 0;
    for (size_t i = 0; i + 9 < n; i++)
        if (memcmp(s + i, "condition", 9) == 0) {
            size_t j = i + 9;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j < n && s[j] == ':')
                ok = 1;
        }
    if (ok) {
        kz_extracted e;
        memset(&e, 0, sizeof e);
        e.type = KZ_T_YARA;
        x->yara[x->yara_n] = '\0';
        e.value = x->yara;
        e.value_len = x->yara_n;
        e.raw = x->yara;
        e.raw_len = x->yara_n;
        e.line = x->yara_line;
        e.column = x->yara_col;
        e.cls = KZ_CLASS_INDICATOR;
        deliver(x, &e);
    }
    yara_reset(x);
}

/* Remembers "import" / "include" lines (and blank lines after them) so a
 * rule that follows carries them. Anything else forgets them. */
static void yara_prelude(kz_extractor *x, const char *s, size_t n, int had_cr)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    int blank = i == n;
    int imp = (n - i > 8 && memcmp(s + i, "import ", 7) == 0) ||
              (n - i > 9 && memcmp(s + i, "include ", 8) == 0);
    /* Comments between the imports and the rule stay with them. */
    int comment =
        x->yara_pre_n > 0 &&
        (x->yara_pre_comment ||
         (n - i >= 2 && s[i] == '/' && (s[i + 1] == '/' || s[i + 1] == '*')));
    if (comment && n - i >= 2 && s[i] == '/' && s[i + 1] == '*')
        x->yara_pre_comment = 1;
    if (x->yara_pre_comment) {
        for (size_t k = i; k + 1 < n; k++)
            if (s[k] == '*' && s[k + 1] == '/')
                x->yara_pre_comment = 0;
    }
    if (!imp && !comment && !(blank && x->yara_pre_n > 0)) {
        x->yara_pre_n = 0;
        x->yara_pre_comment = 0;
        return;
    }
    /* The first line starts at its keyword; later ones keep their
     * indentation, as written. */
    size_t from = x->yara_pre_n == 0 ? i : 0;
    size_t e = n;
    if (x->yara_pre_n == 0) {
        x->yara_pre_line = x->cur_line;
        x->yara_pre_col = 1 + count_cps(s, i);
    }
    if (x->yara_pre_n + (e - from) + 2 > sizeof x->yara_pre) {
        x->yara_pre_n = 0;
        x->yara_pre_comment = 0;
        return;
    }
    memcpy(x->yara_pre + x->yara_pre_n, s + from, e - from);
    x->yara_pre_n += e - from;
    if (had_cr)
        x->yara_pre[x->yara_pre_n++] = '\r';
    x->yara_pre[x->yara_pre_n++] = '\n';
}

/* The bytes a line's text may start with that process_line looks at
 * further: LL_YARA where a YARA rule or its prelude may start ("rule",
 * "private", "global", "import", "include"), LL_MARK for code fences,
 * AsciiDoc table delimiters and attribute lists ('`', '~', '|', '['),
 * LL_HEAD for the first bytes may_be_heading lets through, LL_BENIGN for
 * those of may_be_benign_key (a quote, or a letter that starts one of its
 * keys, in either case). A line without text has entry 0 (LL_HEAD only,
 * for a NUL byte). */
enum { LL_YARA = 1, LL_MARK = 2, LL_HEAD = 4, LL_BENIGN = 8 };
static const unsigned char line_lead[256] = {
    /* YARA and marks */
    ['p'] = LL_YARA,
    ['g'] = LL_YARA,
    ['i'] = LL_YARA | LL_HEAD,
    ['r'] = LL_YARA | LL_HEAD,
    ['`'] = LL_MARK,
    ['~'] = LL_MARK,
    ['|'] = LL_MARK,
    ['['] = LL_MARK,
    /* headings */
    [0] = LL_HEAD,
    ['0' ... '9'] = LL_HEAD,
    ['#'] = LL_HEAD,
    ['='] = LL_HEAD,
    ['*'] = LL_HEAD,
    ['.'] = LL_HEAD,
    ['('] = LL_HEAD,
    ['I'] = LL_HEAD,
    ['V'] = LL_HEAD,
    ['X'] = LL_HEAD,
    ['R'] = LL_HEAD,
    [0xE2 ... 0xFF] = LL_HEAD,
    /* headings and allowlist keys */
    ['s'] = LL_HEAD | LL_BENIGN,
    ['S'] = LL_HEAD | LL_BENIGN,
    ['b'] = LL_HEAD | LL_BENIGN,
    ['B'] = LL_HEAD | LL_BENIGN,
    ['f'] = LL_HEAD | LL_BENIGN,
    ['F'] = LL_HEAD | LL_BENIGN,
    /* allowlist keys */
    ['"'] = LL_BENIGN,
    ['\''] = LL_BENIGN,
    ['w'] = LL_BENIGN,
    ['W'] = LL_BENIGN,
    ['a'] = LL_BENIGN,
    ['A'] = LL_BENIGN,
    ['k'] = LL_BENIGN,
    ['K'] = LL_BENIGN,
    ['n'] = LL_BENIGN,
    ['N'] = LL_BENIGN};

/* Feeds one line (as written) to the YARA collector (yara_line). */
__attribute__((noinline)) static void yara_feed(kz_extractor *x, const char *s,
                                                size_t n, int had_cr)
{
    size_t from = 0;
    if (!x->yara_on) {
        long st = yara_rule_start(s, n);
        if (st < 0) {
            yara_prelude(x, s, n, had_cr);
            return;
        }
        x->yara_on = 1;
        x->yara_line = x->cur_line;
        x->yara_col = 1 + count_cps(s, (size_t)st);
        from = (size_t)st;
        if (x->yara_pre_n > 0) {
            /* The rule's imports belong to it: it needs them to compile. */
            if (grow(x, (void **)&x->yara, &x->yara_cap, x->yara_pre_n + 1, 1,
                     KZ_MAX_YARA_RULE + 1) == 0) {
                memcpy(x->yara, x->yara_pre, x->yara_pre_n);
                x->yara_n = x->yara_pre_n;
            }
            x->yara_line = x->yara_pre_line;
            x->yara_col = x->yara_pre_col;
            x->yara_pre_n = 0;
        }
    } else if (yara_append(x, had_cr ? "\r\n" : "\n", had_cr ? 2 : 1) != 0) {
        return;
    }
    size_t end = n;
    for (size_t i = from; i < n; i++) {
        char c = s[i];
        if (x->yara_in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                x->yara_in_str = 0;
            continue;
        }
        if (c == '"') {
            x->yara_in_str = 1;
        } else if (c == '/' && i + 1 < n && s[i + 1] == '/' &&
                   x->yara_seen_brace) {
            break; /* comment to the end of the line */
        } else if (c == '{') {
            x->yara_depth++;
            x->yara_seen_brace = 1;
        } else if (c == '}') {
            x->yara_depth--;
            if (x->yara_seen_brace && x->yara_depth <= 0) {
                end = i + 1;
                if (yara_append(x, s + from, end - from) == 0)
                    yara_emit(x);
                return;
            }
        }
    }
    x->yara_in_str = 0; /* strings do not span lines */
    if (!x->yara_seen_brace && ++x->yara_lines_wo_brace > 1) {
        yara_reset(x); /* "rule" in prose, not a rule */
        return;
    }
    yara_append(x, s + from, end - from);
}

/* Feeds one line (as written; ll: the line_lead class of its text's first
 * byte, after blanks) to the YARA collector. Without a rule or a prelude
 * (yara_busy, kept here: only yara_feed changes what it sums up), only
 * "rule", "private", "global", "import" or "include" starts something:
 * other lines leave all as it is. */
static inline void yara_line(kz_extractor *x, const char *s, size_t n,
                             unsigned ll, int had_cr)
{
    if (!(ll & LL_YARA) && !x->yara_busy)
        return;
    yara_feed(x, s, n, had_cr);
    x->yara_busy = x->yara_on || x->yara_pre_n > 0 || x->yara_pre_comment;
}

/* ---- document structure ---------------------------------------------------
 */

static size_t trim_left(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* A heading: Markdown "#", AsciiDoc "=", "**Title**" alone, or a short
 * line ending with ':' (plain-text advisories). Returns the title span. */
static int heading_form(const char *s, size_t n, size_t *ta, size_t *tb);

/* 0 when heading_form cannot accept the line, by the first and last bytes
 * of its trimmed text (and the bytes after the first digits of a long
 * line that starts with one: a list of digests does), a quick answer for
 * lines of prose, asked before heading: every heading form starts with
 * one of these bytes or ends with ':' or a full-width colon; the words
 * start with these letters. */
static inline int may_be_heading(const char *s, size_t n, size_t i)
{
    /* i: trim_left(s, n), known to the caller. A first byte that is none
     * of those below (LL_HEAD), before a last byte that is no colon and no
     * blank, answers 0 at once. */
    if (i >= n)
        return 0;
    if (!(line_lead[(unsigned char)s[i]] & LL_HEAD)) {
        unsigned char l = (unsigned char)s[n - 1];
        if (l != ':' && l != 0x9A && l != ' ' && l != '\t')
            return 0;
    }
    size_t e = n;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e <= i || e - i > 160)
        return 0;
    unsigned char a = (unsigned char)s[i], z = (unsigned char)s[e - 1];
    if (z == ':' || z == 0x9A || a >= 0xE2)
        return 1;
    if (kz_is_digit(a)) {
        /* a short line ("7. 参考情報"), or up to five digits before a
         * full stop, as written or full-width ("IV. ..." and "８．対策"
         * in heading_form): not a digest */
        if (e - i < 24)
            return 1;
        size_t k = i + 1;
        while (k < e && k - i < 5 && kz_is_digit((unsigned char)s[k]))
            k++;
        return k < e && (s[k] == '.' || (unsigned char)s[k] == 0xEF);
    }
    switch (a) {
    case '#':
    case '=':
    case '*':
    case '.':
    case '(':
    case 'I':
    case 'V':
    case 'X':
    case '\0':
        return 1;
    case 'i': /* "iocs", "references", "Sources", "bibliography", ... */
    case 'r':
    case 'R':
    case 's':
    case 'S':
    case 'b':
    case 'B':
    case 'f':
    case 'F':
        return e - i <= 40;
    default:
        return 0;
    }
}

static int heading(const char *s, size_t n, size_t *ta, size_t *tb)
{
    if (!heading_form(s, n, ta, tb))
        return 0;
    /* A title holds no link: "# Reference: http://..." in a feed is a
     * comment naming a source, not the start of a References section. */
    const char *p = memchr(s, ':', n);
    while (p && p + 3 <= s + n) {
        if (p[1] == '/' && p[2] == '/')
            return 0;
        p = memchr(p + 1, ':', (size_t)(s + n - p - 1));
    }
    return 1;
}

/* What strchr("rRsSbBfF\xe5", c) answers (NUL included): the first bytes
 * of the sources section titles below. */
static int title_initial(char c)
{
    switch (c) {
    case 'r':
    case 'R':
    case 's':
    case 'S':
    case 'b':
    case 'B':
    case 'f':
    case 'F':
    case '\xe5':
    case '\0':
        return 1;
    default:
        return 0;
    }
}

/* (may_be_heading answers for it first: a new form that starts with
 * another byte, or with a digit, must be added there and to line_lead's
 * LL_HEAD.) */
static int heading_form(const char *s, size_t n, size_t *ta, size_t *tb)
{
    size_t i = trim_left(s, n);
    size_t e = n;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e <= i || e - i > 160)
        return 0;
    if (s[i] == '#' || s[i] == '=') {
        char h = s[i];
        size_t k = i;
        while (k < e && s[k] == h)
            k++;
        if (k - i <= 6 && k < e && s[k] == ' ') {
            *ta = k + 1;
            *tb = e;
            return 1;
        }
        return 0;
    }
    if (e - i > 4 && s[i] == '*' && s[i + 1] == '*' && s[e - 1] == '*' &&
        s[e - 2] == '*') {
        *ta = i + 2;
        *tb = e - 2;
        return 1;
    }
    if (s[e - 1] == ':' && e - i < 100 && s[i] != '|' && s[i] != '-') {
        *ta = i;
        *tb = e - 1;
        return 1;
    }
    if (s[i] == '.' && e - i > 1 && kz_is_alpha((unsigned char)s[i + 1])) {
        *ta = i + 1; /* AsciiDoc block title */
        *tb = e;
        return 1;
    }
    /* "IV. 参考情報", "III. Mitigations", "８．対策": a Roman numeral, or
     * digits with a full-width full stop (Japanese section numbers), before
     * a short title that holds no value. */
    if (s[i] == 'I' || s[i] == 'V' || s[i] == 'X' ||
        kz_is_digit((unsigned char)s[i])) {
        size_t k = i;
        int digits = kz_is_digit((unsigned char)s[i]);
        while (k < e && k - i < 5 &&
               (digits ? kz_is_digit((unsigned char)s[k])
                       : (s[k] == 'I' || s[k] == 'V' || s[k] == 'X')))
            k++;
        size_t t = k;
        if (k > i && k < e && s[k] == '.' &&
            (!digits || (k + 1 < e && (unsigned char)s[k + 1] >= 0x80)))
            t = k + 1; /* "8.対策": a full-width stop folded by refanging */
        else if (k > i && e - k > 3 && memcmp(s + k, "\xef\xbc\x8e", 3) == 0)
            t = k + 3; /* full-width full stop */
        if (t > k && t < e && e - t < 60) {
            while (t < e && s[t] == ' ')
                t++;
            int plain = t < e;
            for (size_t q = t; q < e && plain; q++)
                plain = !strchr("./\\@:|[]`", s[q]);
            if (plain) {
                *ta = t;
                *tb = e;
                return 1;
            }
        }
    }
    /* A line that is only the name of a sources section ("References",
     * "参考情報"), as plain-text advisories write their headings. */
    /* ... or of the indicators ("Indicators of Compromise (19)", "IOCs"),
     * which ends a sources section in a plain-text export. */
    if (e - i <= 40 && (s[i] == 'i' || s[i] == 'I' || s[i] == '\0')) {
        size_t t = e;
        if (s[t - 1] == ')') { /* a count: "(19)" */
            while (t > i && s[t - 1] != '(')
                t--;
            if (t > i)
                t--;
            while (t > i && s[t - 1] == ' ')
                t--;
        }
        if (kz_eq_word_ci(s + i, t - i, "indicators of compromise") ||
            kz_eq_word_ci(s + i, t - i, "iocs") ||
            kz_eq_word_ci(s + i, t - i, "ioc") ||
            kz_eq_word_ci(s + i, t - i, "indicators")) {
            *ta = i;
            *tb = t;
            return 1;
        }
    }
    size_t k0 = i; /* "7. 参考情報", "(7) References" */
    if (e - i < 24 && (kz_is_digit((unsigned char)s[i]) || s[i] == '(')) {
        size_t k = i + (s[i] == '(');
        while (k < e && kz_is_digit((unsigned char)s[k]))
            k++;
        if (k < e && (s[k] == '.' || s[k] == ')'))
            k++;
        else if (e - k > 3 && memcmp(s + k, "\xef\xbc\x8e", 3) == 0)
            k += 3;
        while (k < e && s[k] == ' ')
            k++;
        if (k > i + 1)
            i = k;
    }
    if (e - i <= 15 && title_initial(s[i])) {
        static const char *const sources[] = {
            "references",
            "reference",
            "resources",
            "sources",
            "bibliography",
            "further reading",
            "\xe5\x8f\x82\xe8\x80\x83\xe6\x83\x85\xe5\xa0\xb1", /* 参考情報 */
            "\xe5\x8f\x82\xe8\x80\x83\xe6\x96\x87\xe7\x8c\xae", /* 参考文献 */
            "\xe5\x8f\x82\xe8\x80\x83",                         /* 参考 */
            "\xe5\x87\xba\xe5\x85\xb8",                         /* 出典 */
            NULL};
        for (size_t k = 0; sources[k]; k++)
            if (kz_eq_word_ci(s + i, e - i, sources[k])) {
                *ta = i;
                *tb = e;
                return 1;
            }
    }
    i = k0;
    /* Japanese advisories: "■ 通信先", "【参考情報】", "ハッシュ値：". */
    static const char *const marks[] = {"\xe2\x96\xa0", "\xe2\x96\xa1",
                                        "\xe2\x97\x86", "\xe2\x97\x87",
                                        "\xe2\x97\x8f", "\xe2\x97\x8b",
                                        "\xe2\x96\xbc", "\xe2\x96\xb6",
                                        "\xe3\x80\x90", NULL};
    if (e - i < 120 &&
        ((unsigned char)s[i] >= 0xE2 || (unsigned char)s[e - 1] == 0x9A)) {
        for (size_t k = 0; marks[k]; k++)
            if (e - i > 3 && memcmp(s + i, marks[k], 3) == 0) {
                *ta = i + 3;
                *tb = e;
                return 1;
            }
        if (e - i > 3 && memcmp(s + e - 3, "\xef\xbc\x9a", 3) == 0 &&
            s[i] != '|') {
            *ta = i; /* a title ending with a full-width colon */
            *tb = e - 3;
            return 1;
        }
    }
    return 0;
}

/* Rewrites the full-width bars of a table line s[0, n) in place, byte for
 * byte (offsets stay): "｜" becomes '|' and two spaces; on a separator row
 * (only bars, full-width dashes "－", long vowel marks "ー", ASCII dashes,
 * colons and blanks) each dash becomes three '-'. */
static void full_width_bars(char *s, size_t n)
{
    int sep = 1;
    for (size_t i = 0; i < n;) {
        if (n - i >= 3 && memcmp(s + i, "\xef\xbd\x9c", 3) == 0) {
            memcpy(s + i, "|  ", 3);
            i += 3;
        } else if (n - i >= 3 && (memcmp(s + i, "\xef\xbc\x8d", 3) == 0 ||
                                  memcmp(s + i, "\xe3\x83\xbc", 3) == 0)) {
            i += 3;
        } else {
            if (s[i] != '-' && s[i] != ':' && s[i] != ' ' && s[i] != '\t' &&
                s[i] != '|')
                sep = 0;
            i++;
        }
    }
    if (!sep)
        return;
    for (size_t i = 0; i + 3 <= n;) {
        if (memcmp(s + i, "\xef\xbc\x8d", 3) == 0 ||
            memcmp(s + i, "\xe3\x83\xbc", 3) == 0) {
            memcpy(s + i, "---", 3);
            i += 3;
        } else {
            i++;
        }
    }
}

static int is_md_separator(const char *s, size_t n)
{
    int dashes = 0, pipes = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            dashes++;
        else if (c == '|')
            pipes++;
        else if (c != ':' && c != ' ' && c != '\t')
            return 0;
    }
    return dashes >= 3 && pipes >= 1;
}

/* Splits a table line into cells at '|' (a leading pipe opens the first
 * cell). Cells are [a[i], b[i]). Returns the count. A pipe escaped after a
 * space ("curl ... \\| sh", as Markdown and AsciiDoc write one in a cell)
 * is part of the cell; "C:\\Temp\\|" still ends one. */
static int split_cells(const char *s, size_t n, size_t *a, size_t *b, int max)
{
    int k = 0;
    size_t i = trim_left(s, n);
    if (i < n && s[i] == '|')
        i++;
    size_t start = i;
    while (k < max) {
        const char *bar = start < n ? memchr(s + start, '|', n - start) : NULL;
        while (bar && bar - s >= 2 && bar[-1] == '\\' &&
               (bar[-2] == ' ' || bar[-2] == '\t'))
            bar = memchr(bar + 1, '|', n - (size_t)(bar + 1 - s));
        size_t e = bar ? (size_t)(bar - s) : n;
        if (!bar && e == start)
            break;
        a[k] = start;
        b[k] = e;
        k++;
        if (!bar)
            break;
        start = e + 1;
    }
    return k;
}

/* kz_scan_title_hint through a small cache: a document repeats its
 * tables' headers and its section titles (and reports of one source, read
 * as one input, repeat them from report to report). Two ways per set, the
 * one used last first. The set is chosen by a hash of the title taken
 * eight bytes a step (the high bits of a product, which all the bytes
 * reach); the answer does not depend on it, only which titles share a
 * set. */
static kz_hint cached_hint(kz_extractor *x, const char *s, size_t n,
                           int is_column)
{
    if (n >= sizeof x->tcache[0].key)
        return kz_scan_title_hint(s, n, is_column);
    const uint64_t mul = 0x9E3779B97F4A7C15ull;
    uint64_t h = is_column ? 0x811C9DC5u : 0x01000193u;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * mul;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * mul;
    struct title_memo *t = &x->tcache[2 * ((uint32_t)(h >> 32) % (TCACHE / 2))];
    for (int w = 0; w < 2; w++)
        if (t[w].len == n + 1 && t[w].col == is_column &&
            memcmp(t[w].key, s, n) == 0) {
            kz_hint r = (kz_hint)t[w].hint;
            if (w == 1) {
                struct title_memo m = t[0];
                t[0] = t[1];
                t[1] = m;
            }
            return r;
        }
    kz_hint r = kz_scan_title_hint(s, n, is_column);
    t[1] = t[0];
    memcpy(t[0].key, s, n);
    t[0].len = (unsigned char)(n + 1);
    t[0].col = (unsigned char)is_column;
    t[0].hint = (unsigned char)r;
    return r;
}

/* The hint of a column title, without the spaces around it. */
static kz_hint title_hint(kz_extractor *x, const char *s, size_t a, size_t b)
{
    while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '*'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '*'))
        b--;
    return cached_hint(x, s + a, b - a, 1);
}

static void set_columns(kz_extractor *x, const char *s, size_t n)
{
    size_t a[MAX_COLS], b[MAX_COLS];
    int k = split_cells(s, n, a, b, MAX_COLS);
    for (int i = 0; i < k; i++)
        x->cols[i] = title_hint(x, s, a[i], b[i]);
    x->ncols = k;
}

/* Adds the cells of an AsciiDoc header line; returns 1 when the header row
 * is complete. */
static int add_header_cells(kz_extractor *x, const char *s, size_t n)
{
    size_t a[MAX_COLS], b[MAX_COLS];
    int k = split_cells(s, n, a, b, MAX_COLS);
    for (int i = 0; i < k && x->ncols < MAX_COLS; i++)
        x->cols[x->ncols++] = title_hint(x, s, a[i], b[i]);
    if (x->adoc_want_cols)
        return x->ncols >= x->adoc_want_cols;
    return k >= 2;
}

/* The column count of an AsciiDoc attribute line: [cols="4*"],
 * [cols="1,2,3"], [cols="3*<"]; 0 when absent. */
static int parse_cols_attr(const char *s, size_t n)
{
    const char *p = NULL;
    for (size_t i = 0; i + 5 < n; i++)
        if (memcmp(s + i, "cols=", 5) == 0) {
            p = s + i + 5;
            break;
        }
    if (!p)
        return 0;
    const char *e = s + n;
    if (p < e && (*p == '"' || *p == '\''))
        p++;
    int num = 0, commas = 0;
    const char *q = p;
    while (q < e && kz_is_digit((unsigned char)*q))
        num = num * 10 + (*q++ - '0');
    if (q < e && *q == '*' && num > 0)
        return num < MAX_COLS ? num : MAX_COLS;
    for (q = p; q < e && *q != '"' && *q != '\'' && *q != ']'; q++)
        commas += *q == ',';
    return commas + 1 < MAX_COLS ? commas + 1 : MAX_COLS;
}

/* 1 when a cell says anywhere that its row is not to be blocked: "shared
 * IP, DO NOT BLOCK", "legit endpoint - not an IOC", "context only". */
static int cell_says_not_ioc(const char *s, size_t n)
{
    static const char *const notes[] = {"do not block", "don't block",
                                        "not an ioc",   "not an indicator",
                                        "context only", NULL};
    /* Each note has a space and an 'o': most cells (a hash, a name) have
     * no space, and 'o' is looked for only from a space on. */
    const char *sp = n >= 10 ? memchr(s, ' ', n) : NULL;
    if (!sp || (!memchr(sp, 'o', (size_t)(s + n - sp)) &&
                !memchr(sp, 'O', (size_t)(s + n - sp))))
        return 0;
    for (size_t i = 0; i + 10 <= n; i++) {
        unsigned char c = (unsigned char)(s[i] | 0x20);
        if (c != 'd' && c != 'n' && c != 'c')
            continue;
        if (i > 0 && kz_is_alnum((unsigned char)s[i - 1]))
            continue;
        for (size_t k = 0; notes[k]; k++) {
            size_t l = strlen(notes[k]);
            if (notes[k][0] == c && kz_starts_ci(s + i, n - i, notes[k]) &&
                (i + l == n || !kz_is_alnum((unsigned char)s[i + l])))
                return 1;
        }
    }
    return 0;
}

/* 1 when s[0, n) holds a '(' or a 0xEF byte (that starts "（"): only then
 * can a cell of the line hold a note in parentheses (cell_says_legit). */
static int may_hold_note(const char *s, size_t n)
{
    size_t i = 0;
#if KZ_HAVE_V16
    if (n >= 16) {
        for (;; i += 16) {
            if (n - i < 16)
                i = n - 16; /* the last block overlaps the one before */
            kz_v16 v = kz_v16_load(s + i);
            if (kz_v16_bits(
                    kz_v16_or(kz_v16_eq(v, '('), kz_v16_eq(v, (char)0xEF))))
                return 1;
            if (i + 16 == n)
                return 0;
        }
    }
#endif
    for (; i < n; i++)
        if (s[i] == '(' || s[i] == (char)0xEF)
            return 1;
    return 0;
}

/* The four bytes at p as one word (for comparing four bytes at once). */
static inline uint32_t word4(const char *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* cell_says_legit's words: 1 when one of them starts s[i, n). */
static int legit_word(const char *s, size_t n, size_t i)
{
    const char *w1 = NULL, *w2 = NULL;
    switch (kz_lower((unsigned char)s[i])) {
    case 'l':
        w1 = "legitimate";
        w2 = "legit ";
        break;
    case 'b':
        w1 = "benign";
        break;
    case 'n':
        w1 = "not malicious";
        break;
    case 'c':
        w1 = "clean ";
        break;
    case 'w':
        w1 = "windows\xe6\xa8\x99\xe6\xba\x96"; /* Windows標準 */
        w2 = "whitelisted";
        break;
    case 'a':
        w1 = "allowlisted";
        break;
    case 0xE6:
        w1 = "\xe6\xad\xa3\xe8\xa6\x8f"; /* 正規 */
        break;
    case 0xE7:
        w1 = "\xe7\x84\xa1\xe5\xae\xb3"; /* 無害 */
        break;
    default:
        return 0;
    }
    size_t l1 = strlen(w1);
    return (kz_starts_ci(s + i, n - i, w1) &&
            (i + l1 == n || !kz_is_alpha((unsigned char)s[i + l1]))) ||
           (w2 && kz_starts_ci(s + i, n - i, w2));
}

/* A note in parentheses in s[0, n) that calls the row's value legitimate
 * (see cell_says_legit). */
static int legit_note(const char *s, size_t n)
{
    for (int o = 0; o < 2; o++) {
        char open = o ? (char)0xEF : '('; /* "（" starts with 0xEF */
        for (const char *p = memchr(s, open, n); p && p < s + n;
             p = memchr(p + 1, open, (size_t)(s + n - p - 1)))
            if (kz_scan_legit_note(p, (size_t)(s + n - p)))
                return 1;
    }
    return 0;
}

/* A cell that starts by calling its row's value legitimate:
 * "Legitimate Microsoft binary used for side-loading", "正規のMicrosoft
 * Edge実行ファイル", "Benign", "Windows標準のコマンド", "Whitelisted".
 * ("Loader side-loaded by a legitimate executable" speaks of something
 * else, and "Legitimately signed" is what a stolen certificate gives.)
 * Each word is six bytes or more, and a cell is looked at further
 * (legit_word) only when its first four bytes OR 0x20 are a word's: a
 * byte that kz_lower makes a word's byte gives that byte OR 0x20 too (the
 * words' bytes all have 0x20 set, but the 0x84 of 無害). */
static inline int cell_says_legit(const char *s, size_t n, int notes)
{
    /* a note in parentheses: "SoftPerfect (legitimate tool)",
     * "Decoy (clean)", "netscan.exe（正規ツール）"; a short label closing
     * soon, about the row's own value: not
     * "（正規のmsedge.exeから読み込まれる）" (looked for only when notes:
     * when the line may hold one, see may_hold_note) */
    if (notes && legit_note(s, n))
        return 1;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '*' || s[i] == '(' || s[i] == '_'))
        i++;
    if (n - i < 6)
        return 0;
    uint32_t w = word4(s + i) | 0x20202020u;
    int may;
    switch ((unsigned char)(s[i] | 0x20)) {
    case 'l':
        may = w == word4("legi");
        break;
    case 'b':
        may = w == word4("beni");
        break;
    case 'n':
        may = w == word4("not ");
        break;
    case 'c':
        may = w == word4("clea");
        break;
    case 'w':
        may = w == word4("wind") || w == word4("whit");
        break;
    case 'a':
        may = w == word4("allo");
        break;
    case 0xE6:
        may = w == word4("\xe6\xad\xa3\xe8"); /* 正規 */
        break;
    case 0xE7:
        may = w == word4("\xe7\xa4\xa1\xe5"); /* 無害 ("\x84" | 0x20) */
        break;
    default:
        return 0;
    }
    if (!may)
        return 0;
    return legit_word(s, n, i);
}

/* After a cell other than a row's first: a row with values whose cell says
 * not to block them is clean. (Asked only of rows with values: most table
 * rows are descriptions.) */
static void note_not_ioc(kz_extractor *x, const char *s, size_t n)
{
    if (!x->row_clean && x->row_n > 0 && cell_says_not_ioc(s, n))
        x->row_clean = 1;
}

/* 1 when the cell holds "clean" in any case. (A byte OR 0x20 is a lower
 * case letter only when the byte is that letter in either case.) */
static int cell_says_clean(const char *s, size_t n)
{
    size_t i = 0;
#if KZ_HAVE_V16
    /* sixteen positions at a time while their five bytes are there, the
     * last block overlapping the one before */
    if (n >= 20) {
        for (;; i += 16) {
            if (n - i < 20)
                i = n - 20;
            kz_v16 m = kz_v16_eq(kz_v16_lower(kz_v16_load(s + i)), 'c');
            m = kz_v16_and(
                m, kz_v16_eq(kz_v16_lower(kz_v16_load(s + i + 1)), 'l'));
            m = kz_v16_and(
                m, kz_v16_eq(kz_v16_lower(kz_v16_load(s + i + 2)), 'e'));
            m = kz_v16_and(
                m, kz_v16_eq(kz_v16_lower(kz_v16_load(s + i + 3)), 'a'));
            m = kz_v16_and(
                m, kz_v16_eq(kz_v16_lower(kz_v16_load(s + i + 4)), 'n'));
            if (kz_v16_bits(m))
                return 1;
            if (i + 20 == n)
                return 0;
        }
    }
#endif
    for (; i + 5 <= n; i++)
        if ((s[i] | 0x20) == 'c' && (s[i + 1] | 0x20) == 'l' &&
            (s[i + 2] | 0x20) == 'e' && (s[i + 3] | 0x20) == 'a' &&
            (s[i + 4] | 0x20) == 'n')
            return 1;
    return 0;
}

/* ---- one line -------------------------------------------------------------
 */

/* The fields of a segment of the current line (refanged rf, rn bytes)
 * that are the same for all its spans. */
static void seg_line(kz_extractor *x, kz_segment *seg, const char *rf,
                     const uint32_t *map, size_t rn)
{
    seg->orig = x->cur_orig;
    seg->orig_n = x->cur_orig_n;
    seg->map = map;
    seg->line = rf;
    seg->line_n = rn;
    seg->ctx_cache = &x->cur_ctx;
    seg->hash_cache = &x->cur_hashw;
    seg->mutw_cache = &x->cur_mutw;
    seg->psl_cache = x->psl;
    seg->seen = seen_value;
}

/* Scans [a, b) of the line seg_line set seg up for. */
static void scan_seg(kz_extractor *x, kz_segment *seg, size_t a, size_t b,
                     kz_hint hint, int whole_cell)
{
    seg->s = seg->line + a;
    seg->n = b - a;
    seg->base = a;
    seg->hint = hint;
    seg->whole_cell = whole_cell;
    kz_scan_segment(seg, on_cand, x);
}

static void scan_span(kz_extractor *x, const char *rf, const uint32_t *map,
                      size_t rn, size_t a, size_t b, kz_hint hint,
                      int whole_cell)
{
    kz_segment seg;
    seg_line(x, &seg, rf, map, rn);
    scan_seg(x, &seg, a, b, hint, whole_cell);
}

/* Scans one refanged table line cell by cell (AsciiDoc rows may span
 * lines; Markdown rows are one line each). */
static void scan_table_line(kz_extractor *x, const char *rf,
                            const uint32_t *map, size_t rn, int adoc)
{
    size_t i = trim_left(rf, rn);
    if (adoc && (i >= rn || rf[i] != '|')) {
        /* Continuation of the current cell. */
        int c = x->ncols ? (x->col > 0 ? x->col - 1 : 0) % x->ncols : 0;
        kz_hint h = x->ncols ? x->cols[c] : KZ_HINT_NONE;
        if ((h == KZ_HINT_SKIP && cell_says_clean(rf, rn)) ||
            cell_says_legit(rf, rn, 1))
            x->row_clean = 1;
        scan_span(x, rf, map, rn, 0, rn, h, 0);
        note_not_ioc(x, rf, rn);
        return;
    }
    size_t a[MAX_COLS * 4], b[MAX_COLS * 4];
    int k = split_cells(rf, rn, a, b, MAX_COLS * 4);
    int notes = may_hold_note(rf, rn);
    kz_segment seg; /* the line's, for each cell */
    seg_line(x, &seg, rf, map, rn);
    if (!adoc) {
        x->row_active = 1;
        for (int j = 0; j < k; j++) {
            kz_hint h = j < x->ncols ? x->cols[j] : KZ_HINT_NONE;
            if ((h == KZ_HINT_SKIP &&
                 cell_says_clean(rf + a[j], b[j] - a[j])) ||
                (j > 0 && cell_says_legit(rf + a[j], b[j] - a[j], notes)))
                x->row_clean = 1;
            if (h == KZ_HINT_NONE && x->section == KZ_HINT_REFERENCE)
                h = x->section;
            scan_seg(x, &seg, a[j], b[j], h, 1);
            if (j > 0)
                note_not_ioc(x, rf + a[j], b[j] - a[j]);
        }
        row_flush(x);
        x->row_active = 0;
        return;
    }
    for (int j = 0; j < k; j++) {
        /* the cell's column (0 without columns; scanning a cell changes
         * neither x->col nor x->ncols) */
        int c = x->ncols ? x->col % x->ncols : 0;
        if (c == 0 && x->ncols && x->col > 0)
            row_flush(x); /* a new row starts */
        kz_hint h = x->ncols ? x->cols[c] : KZ_HINT_NONE;
        x->row_active = 1;
        if ((h == KZ_HINT_SKIP && cell_says_clean(rf + a[j], b[j] - a[j])) ||
            (c > 0 && cell_says_legit(rf + a[j], b[j] - a[j], notes)))
            x->row_clean = 1;
        if (h == KZ_HINT_NONE && x->section == KZ_HINT_REFERENCE)
            h = x->section; /* a section's hint is not a column's */
        scan_seg(x, &seg, a[j], b[j], h, 1);
        if (c > 0)
            note_not_ioc(x, rf + a[j], b[j] - a[j]);
        x->col++;
    }
}

/* ---- comma-separated rows --------------------------------------------------
 * An IoC export saved or pasted as text ("type","value","comment") is read
 * as a table: each field is a cell, and a note in a later field ("legit
 * CDN - context only", "shared IP, DO NOT BLOCK") makes the row's values
 * references, as in a Markdown table. */

/* The fields of s[0, n) split at commas outside double quotes; a quoted
 * field's range holds its quotes (the scanner reads "a b.html" whole).
 * Returns the count, 0 when a quote is left open or a field has text
 * after its closing quote. */
static int split_csv(const char *s, size_t n, size_t *a, size_t *b, int max)
{
    int k = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (k == max)
            return 0;
        if (i < n && s[i] == '"') {
            size_t j = ++i;
            for (;;) {
                if (j >= n)
                    return 0;
                if (s[j] == '"' && j + 1 < n && s[j + 1] == '"')
                    j += 2; /* an escaped quote */
                else if (s[j] == '"')
                    break;
                else
                    j++;
            }
            a[k] = i - 1;
            b[k++] = j + 1;
            i = j + 1;
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            if (i < n && s[i] != ',')
                return 0;
        } else {
            size_t j = i;
            while (j < n && s[j] != ',')
                j++;
            size_t e = j;
            while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t'))
                e--;
            a[k] = i;
            b[k++] = e;
            i = j;
        }
        if (i >= n)
            return k;
        i++; /* the comma */
    }
}

static void unquote(const char *s, size_t *a, size_t *b)
{
    if (*b - *a >= 2 && s[*a] == '"' && s[*b - 1] == '"') {
        (*a)++;
        (*b)--;
    }
}

/* A header of comma-separated rows: two fields or more, each a short name
 * ("type", "value", "first seen"), one of them naming what rows of IoCs
 * have. */
static int csv_header(const char *s, size_t n)
{
    size_t a[MAX_COLS], b[MAX_COLS];
    if (n == 0 || n > 256)
        return 0;
    int commas = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ',')
            commas++;
        else if (!kz_is_alpha(c) && c != ' ' && c != '_' && c != '-' &&
                 c != '"')
            return 0; /* most lines stop here, early */
    }
    if (commas == 0)
        return 0;
    int k = split_csv(s, n, a, b, MAX_COLS);
    if (k < 2)
        return 0;
    int known = 0;
    for (int i = 0; i < k; i++) {
        unquote(s, &a[i], &b[i]);
        if (b[i] == a[i] || b[i] - a[i] > 32)
            return 0;
        for (size_t j = a[i]; j < b[i]; j++) {
            unsigned char c = (unsigned char)s[j];
            if (!kz_is_alpha(c) && c != ' ' && c != '_' && c != '-')
                return 0;
        }
        static const char *const names[] = {
            "type",       "value",       "indicator",      "ioc",
            "observable", "comment",     "note",           "notes",
            "context",    "description", "indicator_type", NULL};
        for (size_t w = 0; names[w]; w++)
            known |= kz_eq_word_ci(s + a[i], b[i] - a[i], names[w]);
    }
    return known ? k : 0;
}

/* The fields of a comma-separated row, or 0: a row whose fields are all
 * quoted, or (after a header) a row with the header's field count. i:
 * trim_left(s, n), known to the caller. */
static int csv_line(kz_extractor *x, const char *s, size_t n, size_t i,
                    size_t *a, size_t *b)
{
    if (i >= n)
        return 0;
    /* Cheap tests first: most lines are prose, whose commas have a space
     * after them. */
    int quoted = 0, hk = 0;
    if (s[i] == '"' || x->csv_table) {
        for (size_t j = i + 1; s[i] == '"' && j + 2 < n && !quoted; j++)
            quoted = s[j] == '"' && s[j + 1] == ',' &&
                     (s[j + 2] == '"' ||
                      (s[j + 2] == ' ' && j + 3 < n && s[j + 3] == '"'));
        if (!quoted && !x->csv_table)
            return 0;
    } else {
        /* after a header (a line without values, see process_line) */
        if (!x->prev_csv_only)
            return 0;
        const char *c = memchr(s + i, ',', n - i);
        if (!c || c + 1 == s + n || c[1] == ' ' ||
            (hk = csv_header(x->prev, x->prev_n)) == 0)
            return 0;
    }
    int k = split_csv(s + i, n - i, a, b, MAX_COLS);
    if (k < 2)
        return 0;
    for (int j = 0; j < k; j++) {
        a[j] += i;
        b[j] += i;
    }
    if (x->csv_table)
        return (x->csv_nf && k == x->csv_nf) || quoted ? k : 0;
    if (hk == 0 && x->prev_csv_only)
        hk = csv_header(x->prev, x->prev_n);
    if (hk == k) {
        size_t ha[MAX_COLS], hb[MAX_COLS];
        split_csv(x->prev, x->prev_n, ha, hb, MAX_COLS);
        for (int j = 0; j < hk; j++) {
            unquote(x->prev, &ha[j], &hb[j]);
            x->cols[j] = title_hint(x, x->prev, ha[j], hb[j]);
        }
        x->ncols = hk;
        x->csv_nf = hk;
    } else if (quoted) {
        x->ncols = 0;
        x->csv_nf = 0;
    } else {
        return 0;
    }
    x->csv_table = 1;
    return k;
}

static void scan_csv_line(kz_extractor *x, const char *rf, const uint32_t *map,
                          size_t rn, const size_t *a, const size_t *b, int k)
{
    x->row_active = 1;
    /* A first field naming the type ("filename", "user-agent", "mutex")
     * is the hint of the value after it. */
    size_t ta = a[0], tb = b[0];
    unquote(rf, &ta, &tb);
    kz_hint th = tb - ta <= 24 ? title_hint(x, rf, ta, tb) : KZ_HINT_NONE;
    for (int j = 0; j < k; j++) {
        kz_hint h = j < x->ncols ? x->cols[j] : KZ_HINT_NONE;
        size_t na = a[j], nb = b[j];
        unquote(rf, &na, &nb);
        if (j > 0 && cell_says_legit(rf + na, nb - na, 1))
            x->row_clean = 1;
        if (h == KZ_HINT_NONE && j == 1 &&
            (th == KZ_HINT_FILENAME || th == KZ_HINT_UA ||
             th == KZ_HINT_MUTEX || th == KZ_HINT_REGKEY ||
             th == KZ_HINT_FILEPATH))
            h = th;
        if (h == KZ_HINT_NONE && x->section == KZ_HINT_REFERENCE)
            h = x->section;
        /* Without a hint a field reads as prose, quotes included:
         * "Remittance Advice 0419.html" in a comment is a name with
         * spaces. */
        if (h == KZ_HINT_NONE)
            scan_span(x, rf, map, rn, a[j], b[j], h, 0);
        else
            scan_span(x, rf, map, rn, na, nb, h, 1);
        if (j > 0)
            note_not_ioc(x, rf + na, nb - na);
    }
    row_flush(x);
    x->row_active = 0;
}

/* ---- allowlists written as data -------------------------------------------
 * "false_positives": ["8.8.8.8", ...] in a JSON report, "whitelist: ..." or
 * a YAML list under "benign:": the advisory says these are not indicators. */

/* 1 when s[i, n) (i: past the indentation) may start with such a key (a
 * test of its first three letters: fal, ben, whi, all, saf, kno, not).
 * process_line asks only when s[i] is a byte of line_lead's LL_BENIGN:
 * a new key must have its first letter there. */
static inline int may_be_benign_key(const char *s, size_t n, size_t i)
{
    if (i < n && (s[i] == '"' || s[i] == '\''))
        i++;
    if (n - i < 6 || n < i)
        return 0;
    unsigned char c = (unsigned char)(s[i] | 0x20);
    if (c != 'f' && c != 'b' && c != 'w' && c != 'a' && c != 's' && c != 'k' &&
        c != 'n')
        return 0;
    uint32_t w = ((uint32_t)c << 16) |
                 ((uint32_t)(unsigned char)(s[i + 1] | 0x20) << 8) |
                 (uint32_t)(unsigned char)(s[i + 2] | 0x20);
#define W3(a, b, c) (((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | (c))
    return w == W3('f', 'a', 'l') || w == W3('b', 'e', 'n') ||
           w == W3('w', 'h', 'i') || w == W3('a', 'l', 'l') ||
           w == W3('s', 'a', 'f') || w == W3('k', 'n', 'o') ||
           w == W3('n', 'o', 't');
#undef W3
}

/* 1 when s[0, n) starts with such a key; *v is where its value starts. */
static int benign_key(const char *s, size_t n, size_t *v)
{
    size_t i = trim_left(s, n);
    int q = i < n && (s[i] == '"' || s[i] == '\'') ? s[i++] : 0;
    char key[32];
    size_t kn = 0;
    for (; i < n && kn < sizeof key; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' || c == ' ')
            c = '_';
        else if (!kz_is_alnum(c) && c != '_')
            break;
        key[kn++] = (char)kz_lower(c);
    }
    while (kn > 0 && key[kn - 1] == '_')
        kn--; /* "whitelist :" */
    if (kn == 0 || kn == sizeof key)
        return 0;
    if (q && (i >= n || s[i++] != q))
        return 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i >= n || (s[i] != ':' && s[i] != '='))
        return 0;
    static const char *const keys[] = {"false_positives",
                                       "false_positive",
                                       "falsepositives",
                                       "benign",
                                       "benign_indicators",
                                       "whitelist",
                                       "whitelisted",
                                       "allowlist",
                                       "allowlisted",
                                       "safelist",
                                       "known_good",
                                       "not_malicious",
                                       NULL};
    for (size_t k = 0; keys[k]; k++)
        if (strlen(keys[k]) == kn && memcmp(keys[k], key, kn) == 0) {
            *v = i + 1;
            return 1;
        }
    return 0;
}

/* The brackets [ { opened minus those closed in s[0, n), outside strings. */
static int bracket_balance(const char *s, size_t n)
{
    int d = 0, q = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (q) {
            if (c == '\\')
                i++;
            else if (c == q)
                q = 0;
        } else if (c == '"' || c == '\'') {
            q = c;
        } else if (c == '[' || c == '{') {
            d++;
        } else if (c == ']' || c == '}') {
            d--;
        }
    }
    return d;
}

/* 1 when the line belongs to an allowlist (its key line or a line of its
 * value), keeping track of where the value ends. */
static int benign_line(kz_extractor *x, const char *s, size_t n)
{
    size_t i = trim_left(s, n), v;
    if (x->benign_depth > 0 || x->benign_indent > 0) {
        if (++x->benign_lines > 10000) {
            x->benign_depth = x->benign_indent = 0;
            return 0;
        }
        if (x->benign_depth > 0) {
            x->benign_depth += bracket_balance(s, n);
            if (x->benign_depth < 0)
                x->benign_depth = 0;
            return 1;
        }
        if (i < n && (int)i + 1 > x->benign_indent)
            return 1; /* a YAML list item under the key */
        if (i >= n)
            return 0; /* a blank line inside */
        x->benign_indent = 0;
    }
    if (i >= n || !benign_key(s, n, &v))
        return 0;
    x->benign_lines = 0;
    size_t e = n;
    while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    size_t t = v;
    while (t < e && (s[t] == ' ' || s[t] == '\t'))
        t++;
    if (t == e)
        x->benign_indent = (int)i + 1; /* the value follows, indented */
    else
        x->benign_depth = bracket_balance(s + v, n - v) > 0
                              ? bracket_balance(s + v, n - v)
                              : 0;
    return 1;
}

#if KZ_HAVE_V16
/* 1 when the 32 bytes of a and b are ASCII without NUL: no high bit in
 * either, and the smaller byte of each two lanes is not 0. */
static inline int clean_pair(kz_v16 a, kz_v16 b)
{
    return kz_v16_bits(kz_v16_or(kz_v16_or(a, b),
                                 kz_v16_eq(_mm_min_epu8(a, b), 0))) == 0;
}

/* 1 when the n bytes at p (4 <= n < 16) are ASCII without NUL, through
 * two words that overlap and cover them (for n < 8 two halves of one):
 * no high bit, and no zero byte ((w - 0x01..) & ~w & 0x80.. is not 0
 * exactly when w has one). */
static inline int clean_short(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, high = ones << 7;
    uint64_t a, b;
    if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else {
        uint32_t a4, b4;
        memcpy(&a4, p, 4);
        memcpy(&b4, p + n - 4, 4);
        a = b = a4 | (uint64_t)b4 << 32;
    }
    return (((a | b) & high) | ((a - ones) & ~a & high) |
            ((b - ones) & ~b & high)) == 0;
}

/* 1 when the 16 bytes at p, at p + 16, at p + n - 32 and at p + n - 16
 * (32 <= n <= 64: all of p[0, n)) are ASCII without NUL: 1 to 127 as
 * signed bytes. */
static inline int clean_upto64(const char *p, size_t n)
{
    const kz_v16 z = _mm_setzero_si128();
    return kz_v16_bits(kz_v16_and(
               kz_v16_and(_mm_cmpgt_epi8(kz_v16_load(p), z),
                          _mm_cmpgt_epi8(kz_v16_load(p + 16), z)),
               kz_v16_and(_mm_cmpgt_epi8(kz_v16_load(p + n - 32), z),
                          _mm_cmpgt_epi8(kz_v16_load(p + n - 16), z)))) ==
           0xFFFFu;
}

/* Plainly valid bytes, as clean_line's loop passes them without a word:
 * ASCII but NUL, and whole three-byte sequences whose lead allows every
 * continuation (E1..EF but ED: kana, kanji, full-width forms). From the
 * bits of a block (see kz_seq3_run), how many bytes from byte w are. */
static inline unsigned clean_bits(uint32_t nul, uint32_t hi, uint32_t cont,
                                  uint32_t lead, unsigned w, unsigned nb)
{
    return kz_seq3_run(lead, cont, nul | (hi & ~(lead | cont)), w, nb);
}

/* clean_bits for the sixteen bytes that end at p + 16 - w (w < 16). */
static inline unsigned clean_block(const char *p, unsigned w)
{
    kz_v16 v = kz_v16_load(p - w);
    unsigned keep = 0xFFFFu << w & 0xFFFFu;
    unsigned nul = kz_v16_bits(kz_v16_eq(v, 0));
    unsigned hi = kz_v16_bits(v);
    unsigned cont = kz_v16_bits(_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xC0)));
    unsigned lead = kz_v16_bits(kz_v16_andnot(
        _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xE0)),
                      _mm_cmplt_epi8(v, _mm_set1_epi8((char)0xF0))),
        kz_v16_eq(v, (char)0xED)));
    return clean_bits(nul & keep, hi & keep, cont & keep, lead & keep, w, 16);
}

/* Where the plainly valid bytes from s[i] (a character's start) end, a
 * block of sixteen at a time; the last block ends at n (n >= 16). */
static size_t clean_run_v16(const char *s, size_t n, size_t i)
{
    while (i < n) {
        unsigned k =
            clean_block(s + i, n - i >= 16 ? 0 : (unsigned)(16 - (n - i)));
        if (!k)
            break;
        i += k;
    }
    return i;
}

#if KZ_HAVE_V32
/* The bits clean_bits takes of the 32 bytes at p, with AVX2: bad (NUL,
 * and bytes >= 0x80 that are neither leads nor continuation bytes), cont
 * and lead. */
KZ_AVX2 static inline void clean_masks32(const char *p, uint32_t *bad,
                                         uint32_t *cont, uint32_t *lead)
{
    __m256i v = kz_v32_load(p);
    __m256i c = _mm256_cmpgt_epi8(_mm256_set1_epi8((char)0xC0), v);
    __m256i l = _mm256_andnot_si256(
        kz_v32_eq(v, (char)0xED),
        _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8((char)0xE0)),
                         _mm256_cmpgt_epi8(_mm256_set1_epi8((char)0xF0), v)));
    /* ASCII but NUL: 0x01..0x7F, above 0 as signed bytes */
    __m256i ok = _mm256_cmpgt_epi8(v, _mm256_setzero_si256());
    *bad = ~kz_v32_bits(_mm256_or_si256(ok, _mm256_or_si256(c, l)));
    *cont = kz_v32_bits(c);
    *lead = kz_v32_bits(l);
}

/* clean_bits for the 64 bytes that end at p + 64 - w (w < 64), with AVX2
 * (kz_seq3_run64). */
KZ_AVX2 static inline unsigned clean_block64(const char *p, unsigned w)
{
    uint32_t b0, c0, l0, b1, c1, l1;
    clean_masks32(p - w, &b0, &c0, &l0);
    clean_masks32(p - w + 32, &b1, &c1, &l1);
    uint64_t keep = ~0ull << w;
    return kz_seq3_run64(((uint64_t)l1 << 32 | l0) & keep,
                         ((uint64_t)c1 << 32 | c0) & keep,
                         ((uint64_t)b1 << 32 | b0) & keep, w);
}

/* clean_bits for the 32 bytes that end at p + 32 - w (w < 32), with AVX2. */
KZ_AVX2 static inline unsigned clean_block32(const char *p, unsigned w)
{
    uint32_t bad, cont, lead;
    clean_masks32(p - w, &bad, &cont, &lead);
    uint32_t keep = ~0u << w;
    return kz_seq3_run(lead & keep, cont & keep, bad & keep, w, 32);
}

/* clean_run_v16 with AVX2, 64 bytes at a time, the last block ending at n
 * (lines of 32 to 63 bytes: 32 at a time; shorter: sixteen). */
KZ_AVX2 static size_t clean_run_avx2(const char *s, size_t n, size_t i)
{
    if (n < 32)
        return clean_run_v16(s, n, i);
    unsigned k;
    if (n < 64) {
        while (n - i >= 32) {
            if (!(k = clean_block32(s + i, 0)))
                return i;
            i += k;
        }
        while (i < n && (k = clean_block32(s + i, (unsigned)(32 - (n - i)))))
            i += k;
        return i;
    }
    while (n - i >= 64) {
        if (!(k = clean_block64(s + i, 0)))
            return i;
        i += k;
    }
    while (i < n && (k = clean_block64(s + i, (unsigned)(64 - (n - i)))))
        i += k;
    return i;
}
#endif

/* Where the plainly valid bytes from s[i] end (n >= 16). */
static size_t clean_run(const char *s, size_t n, size_t i)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return clean_run_avx2(s, n, i);
#endif
    return clean_run_v16(s, n, i);
}
#endif

static const char *clean_rest(kz_extractor *x, const char *s, size_t n,
                              size_t i);

#if KZ_HAVE_V32
/* clean_line's fast path for a line of 32 bytes or more with AVX2: where
 * the first block of 32 bytes that is not all ASCII without NUL starts
 * (the bytes 1 to 127 as signed bytes), or n. The last block overlaps
 * the one before it, whose bytes passed. */
KZ_AVX2 static size_t clean_ascii_avx2(const char *s, size_t n)
{
    const __m256i zero = _mm256_setzero_si256();
    size_t i = 0;
    for (;;) {
        if (n - i < 32)
            i = n - 32;
        if (kz_v32_bits(_mm256_cmpgt_epi8(kz_v32_load(s + i), zero)) !=
            0xFFFFFFFFu)
            return i;
        i += 32;
        if (i == n)
            return n;
    }
}
#endif

/* Replaces NUL bytes and invalid UTF-8 with spaces in a copy (only when
 * needed) and warns once per kind with the position. */
static const char *clean_line(kz_extractor *x, const char *s, size_t n)
{
    size_t i = 0;
    /* Fast path: ASCII without NUL, a line of 32 to 64 bytes as four
     * blocks of 16 that overlap (clean_upto64); a longer one 32 bytes at a
     * time (clean_ascii_avx2 with AVX2, else clean_pair), the last block
     * overlapping the one before it (whose bytes passed); a line of 16 to
     * 31 bytes as two halves that overlap, one of 4 to 15 as two words
     * (clean_short). From a block that fails (from the line's start for
     * clean_upto64 and clean_short), the loop below finds the byte. */
#if KZ_HAVE_V16
    if (n >= 32 && n <= 64) {
        if (clean_upto64(s, n))
            i = n;
    }
#if KZ_HAVE_V32
    else if (n >= 32 && kz_use_avx2) {
        i = clean_ascii_avx2(s, n);
    }
#endif
    else if (n >= 32) {
        for (;;) {
            if (n - i < 32)
                i = n - 32;
            if (!clean_pair(kz_v16_load(s + i), kz_v16_load(s + i + 16)))
                break;
            i += 32;
            if (i == n)
                break;
        }
    } else if (n >= 16 && clean_pair(kz_v16_load(s), kz_v16_load(s + n - 16))) {
        i = n;
    } else if (n >= 4 && n < 16 && clean_short(s, n)) {
        i = n;
    }
#endif
    while (i < n && (unsigned char)s[i] < 0x80 && s[i] != '\0')
        i++;
    x->cur_ascii = i == n;
    if (i == n)
        return s;
    return clean_rest(x, s, n, i);
}

/* clean_line from s[i], the first byte that is not ASCII or is NUL (not
 * inlined: the lines of most text never come here). */
__attribute__((noinline)) static const char *
clean_rest(kz_extractor *x, const char *s, size_t n, size_t i)
{
    int copied = 0;
    char *d = x->clean;
#if KZ_HAVE_V16
    size_t retry = 0; /* no block test before: the last found nothing */
#endif
    while (i < n) {
#if KZ_HAVE_V16
        /* Kana, kanji and ASCII pass a block at a time (clean_block);
         * the loop below does the rest, and does sixteen bytes before
         * the next block test when one passed nothing. */
        if (i >= retry && n >= 16) {
            size_t e = clean_run(s, n, i);
            if (e > i) {
                i = e;
                continue;
            }
            retry = i + 16;
        }
#endif
        unsigned char c = (unsigned char)s[i];
        size_t bad = 0;
        if (c == 0) {
            x->st.nul_bytes++;
            if (x->st.nul_bytes == 1)
                warn(x, W_NUL, x->cur_line, 1 + count_cps(s, i), "%s",
                     "NUL byte in the input (binary data?): treated as a "
                     "separator");
            bad = 1;
        } else if (c >= 0x80) {
            /* Three bytes whose lead allows every continuation (neither
             * E0, overlong below A0, nor ED, surrogates from A0): kana,
             * kanji, full-width forms. */
            if (c >= 0xE1 && c != 0xED && c <= 0xEF && n - i >= 3 &&
                ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
                ((unsigned char)s[i + 2] & 0xC0) == 0x80) {
                i += 3;
                continue;
            }
            size_t len = 0;
            uint32_t cp = 0;
            if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
                len = 2;
                cp = c & 0x1F;
            } else if ((c & 0xF0) == 0xE0) {
                len = 3;
                cp = c & 0x0F;
            } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
                len = 4;
                cp = c & 0x07;
            }
            int ok = len > 0 && i + len <= n;
            for (size_t k = 1; ok && k < len; k++) {
                unsigned char cc = (unsigned char)s[i + k];
                if ((cc & 0xC0) != 0x80)
                    ok = 0;
                else
                    cp = (cp << 6) | (cc & 0x3F);
            }
            if (ok &&
                ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
                 (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
                ok = 0;
            if (!ok) {
                x->st.invalid_utf8++;
                if (x->st.invalid_utf8 == 1 || x->warned[W_UTF8] == 0)
                    warn(x, W_UTF8, x->cur_line, 1 + count_cps(s, i), "%s",
                         "invalid UTF-8: byte replaced by a space");
                bad = 1;
            } else {
                i += len;
                continue;
            }
        } else {
            i++;
#if KZ_HAVE_V16
            /* Skip ASCII runs sixteen bytes at a time. */
            while (n - i >= 16 && i < n) {
                kz_v16 v = kz_v16_load(s + i);
                unsigned m = kz_v16_bits(kz_v16_or(v, kz_v16_eq(v, 0)));
                if (m) {
                    i += (unsigned)__builtin_ctz(m);
                    break;
                }
                i += 16;
            }
#endif
            continue;
        }
        if (bad) {
            if (!copied) {
                memcpy(d, s, n);
                copied = 1;
            }
            d[i] = ' ';
            i++;
        }
    }
    return copied ? d : s;
}

/* The line prefilter. Most lines of an advisory are prose: no dot inside a
 * word, no slash, colon, '@', bracket, backslash, code span or table pipe,
 * no long hex run, no "dot" spelled out, no CVE or AS number. Such a line
 * (nor "aHR0c", base64 of "http")
 * holds no indicator and no defanged form, so it skips refanging and
 * scanning. The byte classes: */
enum { LB_NONE = 0, LB_YES, LB_NEXT, LB_DOT, LB_CVE, LB_AS, LB_MUTEX };
static unsigned char lb_class[256];
static pthread_once_t lb_once = PTHREAD_ONCE_INIT;

static void lb_init(void)
{
    for (int c = 0x80; c < 256; c++)
        lb_class[c] = LB_YES; /* full-width forms, IDN hosts, CJK text */
    const char *yes = "@\\/%[{<|`~";
    for (const char *p = yes; *p; p++)
        lb_class[(unsigned char)*p] = LB_YES;
    lb_class['.'] = lb_class[':'] = lb_class['('] = LB_NEXT;
    lb_class['d'] = lb_class['D'] = LB_DOT;
    lb_class['c'] = lb_class['C'] = LB_CVE;
    lb_class['a'] = lb_class['A'] = LB_AS;
    lb_class['m'] = lb_class['M'] = LB_MUTEX;
    lb_class[0] = LB_YES;
}

static int line_is_boring_from(const char *s, size_t from, size_t n,
                               size_t hex);

int kz_extract_line_boring_ref(const char *s, size_t n)
{
    return line_is_boring_from(s, 0, n, 0);
}

#if KZ_HAVE_V16
/* 1 when something may start in the sixteen positions at p (p[0..20)
 * readable); *run carries the hex digits before p over to the next block. */
static inline int lb_block(const char *p, unsigned *run)
{
    kz_v16 v0 = kz_v16_load(p), v1 = kz_v16_load(p + 1);
    kz_v16 l0 = kz_v16_lower(v0), l1 = kz_v16_lower(v1);
    kz_v16 yes =
        kz_v16_or(kz_v16_or(kz_v16_or(kz_v16_eq(v0, '@'), kz_v16_eq(v0, '\\')),
                            kz_v16_or(kz_v16_eq(v0, '/'), kz_v16_eq(v0, '%'))),
                  kz_v16_or(kz_v16_or(kz_v16_eq(v0, '['), kz_v16_eq(v0, '{')),
                            kz_v16_or(kz_v16_eq(v0, '<'), kz_v16_eq(v0, '|'))));
    yes = kz_v16_or(yes,
                    kz_v16_or(kz_v16_or(kz_v16_eq(v0, '`'), kz_v16_eq(v0, '~')),
                              kz_v16_eq(v0, 0)));
    if (kz_v16_bits(kz_v16_or(v0, yes)))
        return 1;
    /* '.' and ':' unless a sentence goes on; '(' before a form: what
     * follows is looked at only when there is one. */
    kz_v16 dc = kz_v16_or(kz_v16_eq(v0, '.'), kz_v16_eq(v0, ':'));
    kz_v16 op = kz_v16_eq(v0, '(');
    if (kz_v16_bits(kz_v16_or(dc, op))) {
        kz_v16 ends = kz_v16_or(
            kz_v16_or(kz_v16_or(kz_v16_eq(v1, ' '), kz_v16_eq(v1, '\t')),
                      kz_v16_or(kz_v16_eq(v1, '\r'), kz_v16_eq(v1, '"'))),
            kz_v16_or(kz_v16_eq(v1, '\''), kz_v16_eq(v1, ')')));
        kz_v16 form = kz_v16_or(
            kz_v16_or(
                kz_v16_or(kz_v16_or(kz_v16_eq(v1, '.'), kz_v16_eq(v1, '@')),
                          kz_v16_or(kz_v16_eq(v1, ':'), kz_v16_eq(v1, '/'))),
                kz_v16_or(kz_v16_or(kz_v16_eq(v1, ','), kz_v16_eq(v1, '-')),
                          kz_v16_or(kz_v16_eq(l1, 'd'), kz_v16_eq(l1, 'a')))),
            kz_v16_high(v1));
        if (kz_v16_bits(
                kz_v16_or(kz_v16_andnot(dc, ends), kz_v16_and(op, form))))
            return 1;
    }
    /* "do", "cv", "as", "aH", "mu" first; the whole words only then. */
    kz_v16 mu = kz_v16_and(kz_v16_eq(l0, 'm'), kz_v16_eq(l1, 'u'));
    kz_v16 pair = kz_v16_or(
        kz_v16_or(kz_v16_and(kz_v16_eq(l0, 'd'), kz_v16_eq(l1, 'o')),
                  kz_v16_and(kz_v16_eq(l0, 'c'), kz_v16_eq(l1, 'v'))),
        kz_v16_or(kz_v16_or(kz_v16_and(kz_v16_eq(l0, 'a'), kz_v16_eq(l1, 's')),
                            kz_v16_and(kz_v16_eq(v0, 'a'), kz_v16_eq(v1, 'H'))),
                  mu));
    unsigned m = 0;
    if (kz_v16_bits(pair)) {
        kz_v16 v2 = kz_v16_load(p + 2), v3 = kz_v16_load(p + 3);
        kz_v16 v4 = kz_v16_load(p + 4);
        kz_v16 l2 = kz_v16_lower(v2);
        kz_v16 dot =
            kz_v16_and(kz_v16_eq(l0, 'd'),
                       kz_v16_and(kz_v16_eq(l1, 'o'), kz_v16_eq(l2, 't')));
        kz_v16 b64 = kz_v16_and(
            kz_v16_and(kz_v16_eq(v0, 'a'), kz_v16_eq(v1, 'H')),
            kz_v16_and(kz_v16_and(kz_v16_eq(v2, 'R'), kz_v16_eq(v3, '0')),
                       kz_v16_eq(v4, 'c')));
        kz_v16 l3 = kz_v16_lower(v3), l4 = kz_v16_lower(v4);
        kz_v16 mut = kz_v16_and(
            kz_v16_and(mu, kz_v16_eq(l2, 't')),
            kz_v16_or(kz_v16_and(kz_v16_eq(l3, 'e'), kz_v16_eq(l4, 'x')),
                      kz_v16_and(kz_v16_eq(l3, 'a'), kz_v16_eq(l4, 'n'))));
        m = kz_v16_bits(
            kz_v16_or(kz_v16_or(dot, kz_v16_cve_asn(l0, l1, v2, l2, v3)),
                      kz_v16_or(b64, mut)));
    }
    if (m)
        return 1;
    return kz_hex_run_step(kz_v16_hex_bits(v0, l0), run) < 16;
}
#endif

#if KZ_HAVE_V32
/* lb_block's test on 32 positions at a time with AVX2. Bytes are
 * classified by their two halves through lookup tables (kz_v32_classify):
 * the single bytes and the byte after a '.', ':' or '(' by the LB_ and LN_
 * classes; the words by the LW_ classes of their five bytes, one table pair
 * per place in the word, so that a word starts where the classes of the
 * five bytes from there have a bit in common. */
enum {
    LB_BR = 1,      /* '[' '\\' */
    LB_BRACE = 2,   /* '{' '|' '~' */
    LB_SLPCT = 4,   /* '/' '%' */
    LB_ATBT = 8,    /* '@' '`' */
    LB_LT = 16,     /* '<' */
    LB_NUL = 32,    /* NUL */
    LB_DOTPAR = 64, /* '.' '(' */
    LB_COLON = 128, /* ':' */
    LN_END = 1,     /* ' ' '"' '\'' ')' (ends a word after '.' or ':') */
    LN_ENDC = 2,    /* tab, CR (the same) */
    LN_PUNCT = 4,   /* ',' '-' '.' '/' (a form after '(') */
    LN_COLON = 8,   /* ':' (the same) */
    LN_UPPER = 16,  /* '@' 'A' 'D' (the same) */
    LN_LOWER = 32,  /* 'a' 'd' (the same) */
    LW_DOT = 1,     /* "dot" in any case */
    LW_CVE = 2,     /* "cve-" */
    LW_AS = 4,      /* "as" and a digit */
    LW_ASN = 8,     /* "asn" */
    LW_ASSP = 16,   /* "as", a space and a digit */
    LW_B64 = 32,    /* "aHR0c" (this case only) */
    LW_MUTEX = 64,  /* "mutex" */
    LW_MUTAN = 128  /* "mutan" */
};

/* A class table for kz_v32_classify: entry i in both lanes. */
#define LB2(i, v) [i] = (v), [16 + (i)] = (v)
/* All sixteen entries, in both lanes. */
#define LB16(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                   \
    a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, a, b, c, d, e, f, g, h, i, \
        j, k, l, m, n, o, p
#define LW_ANY3 (LW_DOT | LW_AS | LW_ASN)
#define LW_ANY4 (LW_DOT | LW_CVE | LW_AS | LW_ASN | LW_ASSP)
#define LW_MUT (LW_MUTEX | LW_MUTAN)
static const unsigned char lb_tab[14][32] __attribute__((aligned(32))) = {
    /* 0, 1: the byte at a position (LB_) */
    {LB2(0x0, LB_ATBT | LB_NUL), LB2(0x5, LB_SLPCT), LB2(0x8, LB_DOTPAR),
     LB2(0xA, LB_COLON), LB2(0xB, LB_BR | LB_BRACE),
     LB2(0xC, LB_BR | LB_BRACE | LB_LT), LB2(0xE, LB_BRACE | LB_DOTPAR),
     LB2(0xF, LB_SLPCT)},
    {LB2(0x0, LB_NUL), LB2(0x2, LB_SLPCT | LB_DOTPAR),
     LB2(0x3, LB_LT | LB_COLON), LB2(0x4, LB_ATBT), LB2(0x5, LB_BR),
     LB2(0x6, LB_ATBT), LB2(0x7, LB_BRACE)},
    /* 2, 3: the byte after it (LN_) */
    {LB2(0x0, LN_END | LN_UPPER), LB2(0x1, LN_UPPER | LN_LOWER),
     LB2(0x2, LN_END), LB2(0x4, LN_UPPER | LN_LOWER), LB2(0x7, LN_END),
     LB2(0x9, LN_END | LN_ENDC), LB2(0xA, LN_COLON), LB2(0xC, LN_PUNCT),
     LB2(0xD, LN_PUNCT | LN_ENDC), LB2(0xE, LN_PUNCT), LB2(0xF, LN_PUNCT)},
    {LB2(0x0, LN_ENDC), LB2(0x2, LN_END | LN_PUNCT), LB2(0x3, LN_COLON),
     LB2(0x4, LN_UPPER), LB2(0x6, LN_LOWER)},
    /* 4, 5: a word's first byte: dD cC aA mM ('a' also starts "aHR0c") */
    {LB2(0x4, LW_DOT), LB2(0x3, LW_CVE),
     LB2(0x1, LW_AS | LW_ASN | LW_ASSP | LW_B64), LB2(0xD, LW_MUT)},
    {LB2(0x4, LW_DOT | LW_CVE | LW_AS | LW_ASN | LW_ASSP | LW_MUT),
     LB2(0x6, LW_DOT | LW_CVE | LW_AS | LW_ASN | LW_ASSP | LW_B64 | LW_MUT)},
    /* 6, 7: its second: oO vV sS H uU */
    {LB2(0xF, LW_DOT), LB2(0x6, LW_CVE), LB2(0x3, LW_AS | LW_ASN | LW_ASSP),
     LB2(0x8, LW_B64), LB2(0x5, LW_MUT)},
    {LB2(0x4, LW_DOT | LW_B64), LB2(0x6, LW_DOT),
     LB2(0x5, LW_CVE | LW_AS | LW_ASN | LW_ASSP | LW_MUT),
     LB2(0x7, LW_CVE | LW_AS | LW_ASN | LW_ASSP | LW_MUT)},
    /* 8, 9: its third: tT eE, a digit, nN, ' ', R */
    {LB2(0x0, LW_AS | LW_ASSP), LB2(0x1, LW_AS), LB2(0x2, LW_AS | LW_B64),
     LB2(0x3, LW_AS), LB2(0x4, LW_AS | LW_DOT | LW_MUT),
     LB2(0x5, LW_AS | LW_CVE), LB2(0x6, LW_AS), LB2(0x7, LW_AS),
     LB2(0x8, LW_AS), LB2(0x9, LW_AS), LB2(0xE, LW_ASN)},
    {LB2(0x2, LW_ASSP), LB2(0x3, LW_AS), LB2(0x4, LW_CVE | LW_ASN),
     LB2(0x5, LW_DOT | LW_MUT | LW_B64), LB2(0x6, LW_CVE | LW_ASN),
     LB2(0x7, LW_DOT | LW_MUT)},
/* 10, 11: its fourth: '-', a digit, '0', eE, aA (any byte for the
 * words of three: X) */
#define X LW_ANY3
    {LB16(X | LW_ASSP | LW_B64, X | LW_ASSP | LW_MUTAN, X | LW_ASSP,
          X | LW_ASSP, X | LW_ASSP, X | LW_ASSP | LW_MUTEX, X | LW_ASSP,
          X | LW_ASSP, X | LW_ASSP, X | LW_ASSP, X, X, X, X | LW_CVE, X, X)},
    {LB16(X, X, X | LW_CVE, X | LW_ASSP | LW_B64, X | LW_MUT, X, X | LW_MUT, X,
          X, X, X, X, X, X, X, X)},
#undef X
/* 12, 13: its fifth: c, xX, nN (any byte for the shorter words: X) */
#define X LW_ANY4
    {LB16(X, X, X, X | LW_B64, X, X, X, X, X | LW_MUTEX, X, X, X, X, X,
          X | LW_MUTAN, X)},
    {LB16(X, X, X, X, X | LW_MUTAN, X | LW_MUTEX, X | LW_B64 | LW_MUTAN,
          X | LW_MUTEX, X, X, X, X, X, X, X, X)},
#undef X
};
#undef LW_MUT
#undef LW_ANY4
#undef LW_ANY3
#undef LB16
#undef LB2

/* The other constants lb_block32 uses, 32 bytes each, read through a
 * pointer hidden from the compiler (lb_hide). */
enum {
    LBK_LOW4,   /* 0x0F: a byte's low half */
    LBK_SINGLE, /* the LB_ classes of the single bytes */
    LBK_DCP,    /* LB_DOTPAR | LB_COLON */
    LBK_PAR,    /* '(' */
    LBK_FORM,   /* the LN_ classes of a form after '(' */
    LBK_ENDS,   /* LN_END | LN_ENDC */
    LBK_LOWER,  /* 0x20 */
    LBK_A1,     /* 'a' - 1 */
    LBK_F1,     /* 'f' + 1 */
    LBK_D0,     /* '0' - 1 */
    LBK_D9,     /* '9' + 1 */
    LBK_N
};
#define LBK_ROW(c) [0 ... 31] = (c)
static const unsigned char lb_k[LBK_N][32] __attribute__((aligned(32))) = {
    [LBK_LOW4] = {LBK_ROW(0x0F)},
    [LBK_SINGLE] = {LBK_ROW(LB_BR | LB_BRACE | LB_SLPCT | LB_ATBT | LB_LT |
                            LB_NUL)},
    [LBK_DCP] = {LBK_ROW(LB_DOTPAR | LB_COLON)},
    [LBK_PAR] = {LBK_ROW('(')},
    [LBK_FORM] = {LBK_ROW(LN_PUNCT | LN_COLON | LN_UPPER | LN_LOWER)},
    [LBK_ENDS] = {LBK_ROW(LN_END | LN_ENDC)},
    [LBK_LOWER] = {LBK_ROW(0x20)},
    [LBK_A1] = {LBK_ROW('a' - 1)},
    [LBK_F1] = {LBK_ROW('f' + 1)},
    [LBK_D0] = {LBK_ROW('0' - 1)},
    [LBK_D9] = {LBK_ROW('9' + 1)}};
#undef LBK_ROW

/* p, hidden from the compiler. GCC builds a vector constant anew in every
 * block through a general register (two or three instructions); the rows
 * of a table of constants read through a hidden pointer are operands in
 * memory instead (as k32_hide in scan.c). */
static inline const void *lb_hide(const void *p)
{
    __asm__("" : "+r"(p));
    return p;
}

/* Row r of lb_k, or table i of lb_tab, through k (lb_k hidden). */
#define LBK(k, r) _mm256_load_si256((const __m256i *)(const void *)(k)[r])
KZ_AVX2 static inline __m256i lb_tab_load(int i)
{
    return _mm256_load_si256((const __m256i *)(const void *)lb_tab[i]);
}
/* kz_v32_classify with lb_tab's tables i and i + 1. */
KZ_AVX2 static inline __m256i lb_classify(__m256i v, int i,
                                          const unsigned char (*k)[32])
{
    __m256i low4 = LBK(k, LBK_LOW4);
    return _mm256_and_si256(
        _mm256_shuffle_epi8(lb_tab_load(i), _mm256_and_si256(v, low4)),
        _mm256_shuffle_epi8(lb_tab_load(i + 1),
                            _mm256_and_si256(_mm256_srli_epi16(v, 4), low4)));
}
/* Bit j when byte j of x has any of the bits of row r of lb_k. */
KZ_AVX2 static inline uint32_t lb_any(__m256i x, const unsigned char (*k)[32],
                                      int r)
{
    return ~kz_v32_bits(_mm256_cmpeq_epi8(_mm256_and_si256(x, LBK(k, r)),
                                          _mm256_setzero_si256()));
}

/* The 32 bytes from byte j of the block lb_block32_at tests: loaded from
 * q + j, or, with regs, w's bytes from j on followed by a's (a: w's upper
 * lane, then more bytes). j and regs are constants. */
#define LB_AT(q, w, a, j)                                                      \
    (!regs ? kz_v32_load((q) + (j)) : _mm256_alignr_epi8((a), (w), (j)))

/* 1 when something may start in the 32 positions at q (q[0..36)
 * readable), or, with regs, in the 32 bytes of w, followed by those of
 * a's lower lane (lb_avx2_cell); *run carries the hex digits before the
 * block over to the next block. k: lb_k, hidden. hex: 0 when no run of 32
 * hex digits can end in the block (*run and the block's digits are
 * fewer), and the test for one is not made. */
KZ_AVX2 static inline __attribute__((always_inline)) int
lb_block32_at(const char *q, int regs, __m256i w, __m256i a, unsigned *run,
              const unsigned char (*k)[32], int hex)
{
    __m256i v0 = LB_AT(q, w, a, 0), v1 = LB_AT(q, w, a, 1);
    __m256i c0 = lb_classify(v0, 0, k);
    /* non-ASCII bytes and the single bytes that start something */
    if (kz_v32_bits(v0) | lb_any(c0, k, LBK_SINGLE))
        return 1;
    /* '.' and ':' unless a word ends after them; '(' before a form */
    uint32_t dcp = lb_any(c0, k, LBK_DCP);
    if (dcp) {
        __m256i c1 = lb_classify(v1, 2, k);
        uint32_t op = kz_v32_bits(_mm256_cmpeq_epi8(v0, LBK(k, LBK_PAR)));
        uint32_t form = kz_v32_bits(v1) | lb_any(c1, k, LBK_FORM);
        if ((dcp & ~op & ~lb_any(c1, k, LBK_ENDS)) | (op & form))
            return 1;
    }
    /* "dot", "CVE-", "AS1", "aHR0c", "mutex", "mutan": their first two
     * bytes first */
    __m256i c = _mm256_and_si256(lb_classify(v0, 4, k), lb_classify(v1, 6, k));
    if (!_mm256_testz_si256(c, c)) {
        c = _mm256_and_si256(c, lb_classify(LB_AT(q, w, a, 2), 8, k));
        c = _mm256_and_si256(c, lb_classify(LB_AT(q, w, a, 3), 10, k));
        c = _mm256_and_si256(c, lb_classify(LB_AT(q, w, a, 4), 12, k));
        if (!_mm256_testz_si256(c, c))
            return 1;
    }
    /* a hex run of 32 digits */
    if (!hex)
        return 0;
    __m256i l0 = _mm256_or_si256(v0, LBK(k, LBK_LOWER));
    uint32_t hm = kz_v32_bits(_mm256_or_si256(
        _mm256_and_si256(_mm256_cmpgt_epi8(v0, LBK(k, LBK_D0)),
                         _mm256_cmpgt_epi8(LBK(k, LBK_D9), v0)),
        _mm256_and_si256(_mm256_cmpgt_epi8(l0, LBK(k, LBK_A1)),
                         _mm256_cmpgt_epi8(LBK(k, LBK_F1), l0))));
    return kz_hex_run_step32(hm, run) < 32;
}
#undef LB_AT

/* lb_block32_at on the 32 bytes at q. */
KZ_AVX2 static inline int lb_block32(const char *q, unsigned *run,
                                     const unsigned char (*k)[32], int hex)
{
    __m256i z = _mm256_setzero_si256();
    return lb_block32_at(q, 0, z, z, run, k, hex);
}

/* The last bytes s[p, n) (at most 36) of a line at pad, then spaces to
 * pad[72], for lb_avx2_body and lb_first_only; pad has 32 bytes before it
 * that may be written. The spaces are three overlapping stores of lb_k's
 * row of 0x20 (k: lb_k, hidden), where memset would build the constant
 * anew in every call; when the line has 32 bytes up to n and p is at
 * most 32 before n, the bytes are the 32 that end at n, stored to end at
 * pad + n - p. */
KZ_AVX2 static inline void lb_pad(char *pad, const char *s, size_t p, size_t n,
                                  const unsigned char (*k)[32])
{
    __m256i sp = LBK(k, LBK_LOWER);
    _mm256_storeu_si256((__m256i *)(void *)pad, sp);
    _mm256_storeu_si256((__m256i *)(void *)(pad + 32), sp);
    _mm256_storeu_si256((__m256i *)(void *)(pad + 40), sp);
    if (n >= 32 && n - p <= 32)
        _mm256_storeu_si256((__m256i *)(void *)(pad + (n - p) - 32),
                            kz_v32_load(s + n - 32));
    else
        kz_copy_short(pad, s + p, n - p);
}

/* The first of the trigger bits m of the positions from base (see
 * trigger_int.h) that refang looks at, or (size_t)-1 when none: an
 * ideographic full stop that ends a Japanese sentence has its bit but is
 * passed over, as next_trigger in refang.c passes it. */
static inline size_t lb_trigger(const char *s, size_t base, uint64_t m)
{
    for (; m; m &= m - 1) {
        size_t k = base + (unsigned)__builtin_ctzll(m);
        if ((unsigned char)s[k] != 0xE3 || !ideo_dot_after_cjk(s, k))
            return k;
    }
    return (size_t)-1;
}

/* kz_refang_first's answer for the n bytes at s (its first trigger, or
 * n), from the trigger bits of lb_avx2's blocks: the whole blocks before
 * p (34 bytes are there, so their bits are exact), then the last bytes
 * from p in pad, padded with spaces, which start no trigger and complete
 * none, as the end of the line does. The bits of every block go to tb
 * (tb[j] for the positions from 32 * j, up to tb[p / 32 + 1], bits past n
 * clear), so that refang does not search the line again
 * (kz_refang_map_bits). */
KZ_AVX2 static inline size_t lb_first(const char *s, size_t n, size_t p,
                                      const char *pad, uint32_t *restrict tb)
{
    const unsigned char(*restrict tk)[32] = lb_hide(trig_tab);
    size_t k = (size_t)-1;
    for (size_t q = 0; q < p; q += 32) {
        uint32_t m = trig_hits_k(s + q, tk);
        tb[q / 32] = m;
        if (m && k == (size_t)-1)
            k = lb_trigger(s, q, m);
    }
    uint32_t m0 = trig_hits_k(pad, tk),
             m1 = n - p > 32 ? trig_hits_k(pad + 32, tk) : 0;
    tb[p / 32] = m0;
    tb[p / 32 + 1] = m1;
    if (k == (size_t)-1)
        k = lb_trigger(s, p, m0 | (uint64_t)m1 << 32);
    return k != (size_t)-1 ? k : n;
}

/* kz_extract_line_boring with AVX2: 32 positions at a time while 37 bytes
 * are left, then the last ones (at most 36) through a copy padded with
 * spaces, one or two blocks. 1 when the line is boring. Else, when first
 * is not NULL, *first is what kz_refang_first answers for the line, found
 * through the same blocks, and tb the line's trigger bits (lb_first).
 * Inlined in its two uses below, so that the one without first does only
 * the test. */
KZ_AVX2 static inline __attribute__((always_inline)) int
lb_avx2_body(const char *s, size_t n, size_t *first, uint32_t *tb)
{
    const unsigned char(*k)[32] = lb_hide(lb_k);
    unsigned run = 0; /* hex digits right before p */
    size_t p = 0;
    int busy = 0;
    for (; n - p >= 37 && p < n; p += 32)
        if (lb_block32(s + p, &run, k, 1)) {
            if (!first)
                return 0;
            busy = 1;
            break;
        }
    if (p == n)
        return 1;
    if (n - p >= 37) /* to the last bytes, when busy */
        p += (n - p - 5) / 32 * 32;
    char buf[104], *pad = buf + 32;
    lb_pad(pad, s, p, n, k);
    /* (a line's last bytes, after fewer digits than 32 minus their count,
     * end no run of 32: they are spaces from n - p on) */
    if (!busy && !lb_block32(pad, &run, k, run + (n - p) >= 32) &&
        (n - p <= 32 || !lb_block32(pad + 32, &run, k, 1)))
        return 1;
    if (first)
        *first = lb_first(s, n, p, pad, tb);
    return 0;
}

/* kz_refang_first's answer for a line (of a table) that is not tested
 * for being boring, and its trigger bits in tb: lb_first without
 * lb_block32. */
KZ_AVX2 static size_t lb_first_only(const char *s, size_t n, uint32_t *tb)
{
    if (n == 0)
        return 0;
    size_t p = n >= 37 ? (n - 5) / 32 * 32 : 0;
    char buf[104], *pad = buf + 32;
    lb_pad(pad, s, p, n, lb_hide(lb_k));
    return lb_first(s, n, p, pad, tb);
}

/* lb_avx2_body for kz_extract_line_boring, and for process_line. */
KZ_AVX2 static int lb_avx2(const char *s, size_t n)
{
    return lb_avx2_body(s, n, NULL, NULL);
}
KZ_AVX2 static int lb_avx2_first(const char *s, size_t n, size_t *first,
                                 uint32_t *tb)
{
    return lb_avx2_body(s, n, first, tb);
}

/* 0xFF for the first 32 bytes, 0 for the next: the 32 bytes from
 * 32 - c have 0xFF in their first c. */
static const unsigned char lb_mask[64] = {[0 ... 31] = 0xFF};

/* lb_avx2 for a cell s[0, n) of at most 32 bytes in a line [lo, hi),
 * without a padded copy: the block is the 32 bytes of the line that end
 * where the cell ends or, when the line has fewer before that, that start
 * where it starts, the line's other bytes in it made spaces; the bytes
 * after its end are spaces too (a: its upper lane, then spaces). Spaces
 * start and complete nothing, and the test of a block does not depend on
 * where in it the bytes lie (bits only say whether), so the answer is the
 * padded block's. A line that has 32 bytes neither way takes lb_avx2. */
KZ_AVX2 static int lb_avx2_cell(const char *s, size_t n, const char *lo,
                                const char *hi)
{
    const unsigned char(*k)[32] = lb_hide(lb_k);
    const char *mask = (const char *)lb_mask;
    __m256i sp = LBK(k, LBK_LOWER), w;
    if ((size_t)(s - lo) + n >= 32)
        w = _mm256_blendv_epi8(kz_v32_load(s + n - 32), sp,
                               kz_v32_load(mask + n));
    else if ((size_t)(hi - s) >= 32)
        w = _mm256_blendv_epi8(sp, kz_v32_load(s), kz_v32_load(mask + 32 - n));
    else
        return lb_avx2(s, n);
    unsigned run = 0;
    return !lb_block32_at(NULL, 1, w, _mm256_permute2x128_si256(w, sp, 0x21),
                          &run, k, n == 32);
}
#endif

#if KZ_HAVE_V16
/* kz_extract_line_boring sixteen bytes at a time; the last ones through a
 * copy padded with spaces, which start and complete nothing (as the end of
 * the line). Not inlined: its frame would be set up for the AVX2 path
 * too. */
__attribute__((noinline)) static int lb_sse2(const char *s, size_t n)
{
    size_t p = 0;
    unsigned run = 0; /* hex digits right before p */
    for (; n - p >= 21 && p < n; p += 16)
        if (lb_block(s + p, &run))
            return 0;
    if (p < n) {
        char pad[48];
        memset(pad, ' ', sizeof pad);
        memcpy(pad, s + p, n - p); /* at most 20 bytes */
        if (lb_block(pad, &run) || (n - p > 16 && lb_block(pad + 16, &run)))
            return 0;
    }
    return 1;
}
#endif

/* With SIMD: 32 bytes at a time with AVX2 where the CPU has it, else
 * sixteen (each its own function: this one only jumps to one). */
int kz_extract_line_boring(const char *s, size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return lb_avx2(s, n);
#endif
#if KZ_HAVE_V16
    return lb_sse2(s, n);
#else
    return line_is_boring_from(s, 0, n, 0);
#endif
}

/* kz_extract_line_boring for a segment (a table cell) g: a cell of up to
 * 32 bytes with AVX2 through lb_avx2_cell, whose block is read from the
 * line around the cell (a segment lies in its line: scan_seg). Builds
 * with assertions check that, and the answer. */
int kz_extract_cell_boring(const kz_segment *g)
{
#if KZ_HAVE_V32
    if (kz_use_avx2 && g->n <= 32) {
#ifndef NDEBUG
        if (g->s < g->line || g->n > g->line_n ||
            (size_t)(g->s - g->line) > g->line_n - g->n)
            abort(); /* the cell lies in its line */
#endif
        int r = lb_avx2_cell(g->s, g->n, g->line, g->line + g->line_n);
#ifndef NDEBUG
        if (r != kz_extract_line_boring(g->s, g->n))
            abort();
#endif
        return r;
    }
#endif
    return kz_extract_line_boring(g->s, g->n);
}

/* The trigger bits line_first and line_boring_first leave for
 * kz_refang_map_bits: x->tb with AVX2, else none (NULL). */
static const uint32_t *line_bits(const kz_extractor *x)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return x->tb;
#endif
    (void)x;
    return NULL;
}

/* kz_refang_first for process_line (with AVX2 without a call, the line's
 * trigger bits in tb). */
static size_t line_first(const char *s, size_t n, uint32_t *tb)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return lb_first_only(s, n, tb);
#endif
    (void)tb;
    return kz_refang_first(s, n);
}

/* kz_extract_line_boring for process_line: when the line is not boring,
 * also kz_refang_first's answer in *first (with AVX2 from the prefilter's
 * own blocks, without a second search, and the line's trigger bits in
 * tb). */
static int line_boring_first(const char *s, size_t n, size_t *first,
                             uint32_t *tb)
{
#if KZ_HAVE_V32
    if (kz_use_avx2)
        return lb_avx2_first(s, n, first, tb);
#endif
    (void)tb;
    if (kz_extract_line_boring(s, n))
        return 1;
    *first = kz_refang_first(s, n);
    return 0;
}

static int line_is_boring_from(const char *s, size_t from, size_t n, size_t hex)
{
    pthread_once(&lb_once, lb_init);
    for (size_t i = from; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        hex = kz_is_xdigit(c) ? hex + 1 : 0;
        if (hex >= 32)
            return 0;
        switch (lb_class[c]) {
        case LB_NONE:
            break;
        case LB_YES:
            return 0;
        case LB_NEXT: {
            /* "e.g", "evil.com", "hxxp:", "12:34", "(.)", "(dot)": only a
             * sentence end (". ", ": ", "(see") is harmless. */
            if (i + 1 >= n)
                break;
            unsigned char d = (unsigned char)s[i + 1];
            if (c == '(' ? (d == '.' || d == '@' || d == ':' || d == '/' ||
                            d == ',' || d == 'd' || d == 'D' || d == 'a' ||
                            d == 'A' || d == '-' || d >= 0x80)
                         : (d != ' ' && d != '\t' && d != '\r' && d != '"' &&
                            d != '\'' && d != ')'))
                return 0;
            break;
        }
        case LB_DOT:
            if (i + 2 < n && (s[i + 1] | 0x20) == 'o' &&
                (s[i + 2] | 0x20) == 't')
                return 0;
            break;
        case LB_MUTEX: /* "mutex", "mutant": a name may follow */
            if (i + 4 < n && (s[i + 1] | 0x20) == 'u' &&
                (s[i + 2] | 0x20) == 't' &&
                (((s[i + 3] | 0x20) == 'e' && (s[i + 4] | 0x20) == 'x') ||
                 ((s[i + 3] | 0x20) == 'a' && (s[i + 4] | 0x20) == 'n')))
                return 0;
            break;
        case LB_CVE:
            if (i + 3 < n && (s[i + 1] | 0x20) == 'v' &&
                (s[i + 2] | 0x20) == 'e' && s[i + 3] == '-')
                return 0;
            break;
        case LB_AS:
            if (i + 2 < n && (s[i + 1] | 0x20) == 's' &&
                (kz_is_digit((unsigned char)s[i + 2]) ||
                 (s[i + 2] | 0x20) == 'n' ||
                 (s[i + 2] == ' ' && i + 3 < n &&
                  kz_is_digit((unsigned char)s[i + 3]))))
                return 0;
            if (i + 5 <= n && memcmp(s + i, "aHR0c", 5) == 0)
                return 0; /* base64 of "http" */
            break;
        }
    }
    return 1;
}

/* Copies a line of n bytes (n < sizeof x->prev) to x->prev: most lines
 * are short, and are copied without a call. */
static inline void keep_prev(kz_extractor *x, const char *s, size_t n)
{
    if (n > 32 && n <= 64) {
        memcpy(x->prev, s, 32);
        memcpy(x->prev + n - 32, s + n - 32, 32);
    } else if (n > 0 && n <= 32) {
        kz_copy_short(x->prev, s, n);
    } else {
        memcpy(x->prev, s, n);
    }
}

/* The fields of the current line that process_line sets before it
 * looks at the line's text (s, n: the line as clean_line left it). */
static inline void line_begin(kz_extractor *x, const char *s, size_t n)
{
    x->cur_orig = s;
    x->cur_orig_n = n;
    x->cur_ctx = -1;
    x->cur_hashw = -1;
    x->cur_mutw = -1;
    x->col_off = 0;
    x->col_cps = 0;
    x->st.lines++;
}

/* Processes one complete line (without its newline), as written. */
static void process_line(kz_extractor *x, const char *s, size_t n,
                         uint64_t line_no, uint64_t off, int had_cr)
{
    x->cur_line = line_no;
    x->cur_off = off;
    if (ensure_work(x, n + 2) != 0) {
        warn(x, W_LONG, line_no, 0, "%s", "out of memory: line not scanned");
        return;
    }
    s = clean_line(x, s, n);
    line_begin(x, s, n);

    size_t i = trim_left(s, n);
    unsigned char lc = i < n ? (unsigned char)s[i] : 0;
    unsigned ll = line_lead[lc];
    yara_line(x, s, n, ll, had_cr);

    /* Code fences: still scanned (rules and IoC lists live there). They,
     * AsciiDoc table delimiters and attribute lists start with '`', '~',
     * '|' or '[' (LL_MARK). */
    if (ll & LL_MARK) {
        if ((lc == '`' || lc == '~') && n - i >= 3 &&
            (memcmp(s + i, "```", 3) == 0 || memcmp(s + i, "~~~", 3) == 0)) {
            x->in_fence = !x->in_fence;
            return;
        }
        if (lc == '|' && !x->in_fence && n - i >= 4 &&
            memcmp(s + i, "|===", 4) == 0) {
            row_flush(x);
            x->row_active = 0;
            x->adoc_table = !x->adoc_table;
            x->adoc_header_next = x->adoc_table;
            x->adoc_want_cols = x->adoc_table ? x->attr_cols : 0;
            x->attr_cols = 0;
            x->ncols = 0;
            x->col = 0;
            return;
        }
        if (lc == '[' && n - i > 2 && s[n - 1] == ']')
            x->attr_cols = parse_cols_attr(s + i, n - i);
    }
    /* A blank line outside a table: boring (spaces and tabs start
     * nothing), no heading, no comma; what the boring branch below does
     * with it. */
    if (i == n && !x->adoc_table && !x->md_table) {
        if (x->benign_depth > 0 || x->benign_indent > 0)
            benign_line(x, s, n);
        x->prev_n = 0;
        return;
    }
    size_t first; /* kz_refang_first's answer */
    if (x->adoc_table || x->md_table)
        first = line_first(s, n, x->tb);
    else if (line_boring_first(s, n, &first, x->tb)) {
        /* Nothing here can be (or be refanged into) an indicator; only the
         * document structure is followed. */
        size_t ta, tb;
        if (!x->in_fence && may_be_heading(s, n, i) && heading(s, n, &ta, &tb))
            x->section = cached_hint(x, s + ta, tb - ta, 0);
        /* An allowlist's key ("whitelist": [) opens it; a header of
         * comma-separated rows is kept for the row after it. */
        if (x->benign_depth > 0 || x->benign_indent > 0 ||
            ((ll & LL_BENIGN) && may_be_benign_key(s, n, i)))
            benign_line(x, s, n);
        if (n < 128 && memchr(s, ',', n)) {
            keep_prev(x, s, n);
            x->prev_n = n;
            x->prev_csv_only = 1;
        } else {
            x->prev_n = 0;
        }
        return;
    }
    /* Refang with an offset map, unless nothing on the line can be a
     * defanged form: then the line is its own refanged text. */
    size_t rn;
    const char *rf;
    const uint32_t *map;
    if (first < n) {
        rn =
            kz_refang_map_bits(s, n, x->rf, n + 1, x->map, first, line_bits(x));
        x->map[rn] = (uint32_t)n;
        rf = x->rf;
        map = x->map;
    } else {
        rn = n;
        rf = s;
        map = NULL;
    }
    /* trim_left(rf, rn), for the tests below */
    size_t ri = rf == s ? i : trim_left(rf, rn);
    /* A table drawn with full-width bars ("｜ ドメイン ｜ IP ｜",
     * "｜－－－｜－－－｜"): a full-width form makes the line refanged
     * into x->rf, where the bars become '|' in place (the blanks before
     * the first stay, so ri does). */
    if (!x->cur_ascii && rf == x->rf) {
        if (rn - ri >= 3 && memcmp(rf + ri, "\xef\xbd\x9c", 3) == 0)
            full_width_bars(x->rf + ri, rn - ri);
    }

    size_t ta, tb;
    if (!x->in_fence && !x->adoc_table && !x->md_table &&
        may_be_heading(rf, rn, ri) && heading(rf, rn, &ta, &tb)) {
        x->section = cached_hint(x, rf + ta, tb - ta, 0);
    }

    if (x->adoc_table) {
        size_t k = ri;
        if (x->adoc_header_next) {
            if (k >= rn) {
                if (x->ncols > 0)
                    x->adoc_header_next = 0;
                return;
            }
            if (rf[k] == '|' && add_header_cells(x, rf, rn))
                x->adoc_header_next = 0;
            /* The header is also scanned: tables without a header row put
             * values in their first row. */
            x->col = 0;
            scan_span(x, rf, map, rn, 0, rn, x->section, 0);
            return;
        }
        scan_table_line(x, rf, map, rn, 1);
        return;
    }
    if (x->prev_n > 0 && !x->prev_csv_only && is_md_separator(rf, rn)) {
        set_columns(x, x->prev, x->prev_n);
        x->md_table = 1;
        return;
    }
    if (x->md_table) {
        size_t k = ri;
        if (k < rn && (rf[k] == '|' || memchr(rf + k, '|', rn - k))) {
            scan_table_line(x, rf, map, rn, 0);
            return;
        }
        x->md_table = 0;
        x->ncols = 0;
    }
    if ((x->benign_depth > 0 || x->benign_indent > 0 ||
         ((ll & LL_BENIGN) && may_be_benign_key(s, n, i))) &&
        benign_line(x, rf, rn)) {
        x->row_active = 1;
        x->row_clean = 1;
        x->row_why = "listed by the advisory as a false positive or allowed";
        scan_span(x, rf, map, rn, 0, rn, x->section, 0);
        row_flush(x);
        x->row_active = 0;
        x->row_why = NULL;
        x->prev_n = 0;
        return;
    }
    size_t ca[MAX_COLS], cb[MAX_COLS];
    int ck = csv_line(x, rf, rn, ri, ca, cb);
    if (ck > 0) {
        scan_csv_line(x, rf, map, rn, ca, cb, ck);
        x->prev_n = 0;
        return;
    }
    if (x->csv_table) {
        x->csv_table = 0;
        x->ncols = 0;
    }
    if (rn < sizeof x->prev) {
        keep_prev(x, rf, rn);
        x->prev_n = rn;
        x->prev_csv_only = 0;
    } else {
        x->prev_n = 0;
    }
    scan_span(x, rf, map, rn, 0, rn, x->section, 0);
}

/* ---- text input: lines ----------------------------------------------------
 */

/* ---- digests wrapped over two lines --------------------------------------
 * A PDF export cuts a long digest where the column ends:
 *     87251fff80d7c3b06c9a93076d1f8d6612acecef
 *     b587d8cc9311b35b70dd4db6
 * A line that ends with a hex run is held; when the next line is only a
 * hex run, whose length is no digest's but whose sum with the first is, the
 * two are read as one digest on the first line. (Two MD5s on two lines stay
 * two: 32 is a digest's length.) */

static int digest_len(size_t n)
{
    return n == 32 || n == 40 || n == 64 || n == 128;
}

/* Full-width space (U+3000) at s[i]. */
static int ideo_space(const char *s, size_t n, size_t i)
{
    return n - i >= 3 && memcmp(s + i, "\xe3\x80\x80", 3) == 0;
}

/* Past the blanks (space, tab, full-width space) from s[i] on. */
static size_t skip_blanks(const char *s, size_t n, size_t i)
{
    for (;;) {
        if (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        else if (ideo_space(s, n, i))
            i += 3;
        else
            return i;
    }
}

/* Before the blanks that end s[0, e). */
static size_t skip_blanks_back(const char *s, size_t n, size_t e)
{
    for (;;) {
        if (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            e--;
        else if (e >= 3 && (unsigned char)s[e - 1] == 0x80 &&
                 ideo_space(s, n, e - 3))
            e -= 3;
        else
            return e;
    }
}

/* The number of hex digits s[0, e) ends with, sixteen bytes at a time,
 * the first ones (under sixteen) through the block that starts at s, its
 * bytes from e - k on masked off. */
static size_t hex_span_back(const char *s, size_t e)
{
    size_t k = 0;
#if KZ_HAVE_V16
    while (e - k >= 16) {
        kz_v16 v = kz_v16_load(s + e - k - 16);
        unsigned zero = ~kz_v16_hex_bits(v, kz_v16_lower(v)) & 0xFFFFu;
        if (zero)
            return k + 15 - (unsigned)(31 - __builtin_clz(zero));
        k += 16;
    }
    if (e >= 16 && k < e) {
        kz_v16 v = kz_v16_load(s);
        /* bit p: s[p] is no hex digit, for p < e - k */
        unsigned zero =
            ~kz_v16_hex_bits(v, kz_v16_lower(v)) & ((1u << (e - k)) - 1);
        return zero ? e - 1 - (unsigned)(31 - __builtin_clz(zero)) : e;
    }
#endif
    while (k < e && kz_is_xdigit((unsigned char)s[e - k - 1]))
        k++;
    return k;
}

/* The length of the hex run s[0, n) ends with (before white space), when
 * it stands on its own (after white space, a separator or a non-ASCII
 * character) and holds a digit (a run of 16 or more is taken to); else 0.
 * *end: where the run ends. */
static size_t trailing_hex(const char *s, size_t n, size_t *end)
{
    size_t e = skip_blanks_back(s, n, n);
    if (e == 0 || !kz_is_xdigit((unsigned char)s[e - 1]))
        return 0;
    size_t k = hex_span_back(s, e), a = e - k;
    if (a > 0) {
        unsigned char c = (unsigned char)s[a - 1];
        if (c < 0x80 && (kz_is_alnum(c) || c == '_' || c == '-' || c == '.' ||
                         c == '/' || c == '\\' || c == '%' || c == '$'))
            return 0;
    }
    int digit = k >= 16;
    for (size_t i = a; i < e && !digit; i++)
        digit = kz_is_digit((unsigned char)s[i]);
    *end = e;
    return digit ? k : 0;
}

/* 1 when s[0, n) is only a hex run between white space: [*a, *b). */
static int hex_only_line(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = skip_blanks(s, n, 0);
    size_t j = i + kz_hex_span(s + i, n - i);
    if (j == i || skip_blanks(s, n, j) != n)
        return 0; /* no run, or text after it */
    *a = i;
    *b = j;
    return 1;
}

/* A URL cut by the same export after a '/' of its path:
 *     hxxps://cdn-analytics-jp[.]com/wp-content/themes/x/assets/js/
 *     jquery.ui.min.js?ver=3.7.1
 * 1 when s[0, n) is a long line that ends with a URL (a scheme, a host and
 * a path) ending with '/'; *end: where it ends. */
static int trailing_url(const char *s, size_t n, size_t *end)
{
    size_t e = n;
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    if (e < 50 || s[e - 1] != '/')
        return 0;
    size_t a = e;
    while (a > 0 && (unsigned char)s[a - 1] > 0x20 &&
           (unsigned char)s[a - 1] < 0x7F && s[a - 1] != '"' &&
           s[a - 1] != '\'' && s[a - 1] != '<' && s[a - 1] != '`')
        a--;
    /* "://" or a defanged "[:]//", then a host, then a path */
    size_t k = a, slashes = 0;
    while (k + 1 < e && !(s[k] == '/' && s[k + 1] == '/'))
        k++;
    if (k + 1 >= e || k == a || (s[k - 1] != ':' && s[k - 1] != ']'))
        return 0;
    for (k += 2; k < e; k++)
        slashes += s[k] == '/';
    if (slashes < 2)
        return 0; /* "http://host/" alone is a whole URL */
    *end = e;
    return 1;
}

/* 1 when s[0, n) is one token that can go on a URL's path: [*a, *b). */
static int url_rest_line(const char *s, size_t n, size_t *a, size_t *b)
{
    size_t i = skip_blanks(s, n, 0);
    size_t j = i;
    while (j < n && (kz_is_alnum((unsigned char)s[j]) ||
                     strchr("-._~/?#[]@!$&()*+,;=%:", s[j])))
        j++;
    size_t e = j;
    while (e < n && (s[e] == ' ' || s[e] == '\t'))
        e++;
    if (j - i < 2 || e != n)
        return 0;
    for (size_t k = i; k + 2 < j; k++)
        if (s[k] == ':' && s[k + 1] == '/' && s[k + 2] == '/')
            return 0; /* a URL of its own */
    *a = i;
    *b = j;
    return 1;
}

static void flush_held(kz_extractor *x)
{
    if (!x->held_on)
        return;
    x->held_on = 0;
    process_line(x, x->held, x->held_n, x->held_line, x->held_off, x->held_cr);
}

/* text_line for a line that may end with part of a digest or URL, or
 * that follows a held line. */
static void text_line_held(kz_extractor *x, const char *s, size_t n, int had_cr)
{
    size_t a = 0, b = 0;
    int hexline = -1; /* whether s is only a hex run [a, b): not known yet */
    if (x->held_on) {
        int goes_on;
        if (x->held_hex) {
            hexline = hex_only_line(s, n, &a, &b);
            goes_on = hexline && !digest_len(b - a) &&
                      digest_len(x->held_hex + (b - a));
        } else {
            goes_on = url_rest_line(s, n, &a, &b);
        }
        if (goes_on) {
            /* one value on the held line */
            memcpy(x->held + x->held_end, s + a, b - a);
            x->held_n = x->held_end + (b - a);
            flush_held(x);
            x->st.lines++;
            return;
        }
        flush_held(x);
    }
    size_t end = 0, hx = 0;
    if (n > HELD_MAX) {
        hx = 0;
    } else if (hexline == 1) {
        /* a line of hex alone (a list of digests): its run, as
         * trailing_hex would measure it */
        int digit = b - a >= 16;
        for (size_t i = a; i < b && !digit; i++)
            digit = kz_is_digit((unsigned char)s[i]);
        hx = digit ? b - a : 0;
        end = b;
    } else {
        hx = trailing_hex(s, n, &end);
    }
    if ((hx >= 8 && hx < 128) ||
        (n <= HELD_MAX && hexline != 1 && (hx = 0, trailing_url(s, n, &end)))) {
        memcpy(x->held, s, n);
        x->held_n = n;
        x->held_end = end;
        x->held_hex = hx;
        x->held_line = x->line_no;
        x->held_off = x->line_off;
        x->held_cr = had_cr;
        x->held_on = 1;
        return;
    }
    process_line(x, s, n, x->line_no, x->line_off, had_cr);
}

/* The bytes a line may end with (before a CR) that text_line looks at
 * further: white space (' ', '\t' and 0x80, the last byte of U+3000),
 * '/' and the hex digits. */
static const unsigned char line_end[256] = {
    [' '] = 1,         ['\t'] = 1,        [0x80] = 1,       ['/'] = 1,
    ['0' ... '9'] = 1, ['a' ... 'f'] = 1, ['A' ... 'F'] = 1};

/* process_line for an empty line at s outside a table when no YARA rule
 * or prelude (yara_busy) and no allowlist is open and the work buffers
 * are there (ensure_work would return 0): clean_line finds it ASCII,
 * yara_line returns (NUL is no LL_YARA byte), and the blank line returns
 * with prev_n cleared after the fields are set. 0 (and nothing done) for
 * any other line. */
static inline int empty_line(kz_extractor *x, const char *s, size_t n)
{
    if (n != 0 || x->adoc_table || x->md_table || x->yara_busy ||
        x->benign_depth > 0 || x->benign_indent > 0 || x->work_cap < 2)
        return 0;
    x->cur_line = x->line_no;
    x->cur_off = x->line_off;
    x->cur_ascii = 1;
    line_begin(x, s, 0);
    x->prev_n = 0;
    return 1;
}

/* A complete line at s (n bytes, without '\n'). */
static inline void text_line(kz_extractor *x, const char *s, size_t n)
{
    int had_cr = n > 0 && s[n - 1] == '\r';
    if (had_cr)
        n--;
    /* Most lines follow no held line and end neither with eight hex
     * digits, nor with a '/' after 50 bytes, nor with white space: those
     * that end with none of line_end's bytes (an empty line has entry 0)
     * are plain without the tests. */
    unsigned char last = n ? (unsigned char)s[n - 1] : 0;
    int plain = !x->held_on;
    if (plain && line_end[last]) {
        plain = last != ' ' && last != '\t' && last != 0x80 &&
                (last != '/' || n < 50);
        if (plain && n >= 8 && kz_is_xdigit(last)) {
            size_t k = 2;
            while (k <= 8 && kz_is_xdigit((unsigned char)s[n - k]))
                k++;
            plain = k <= 8;
        }
    }
    if (!plain)
        text_line_held(x, s, n, had_cr);
    else if (!empty_line(x, s, n))
        process_line(x, s, n, x->line_no, x->line_off, had_cr);
}

/* The line being assembled grew past KZ_MAX_LINE: scan what we have up to
 * the last white space (so no token is cut), keep the rest. */
static void text_cut_long_line(kz_extractor *x)
{
    if (!x->line_split) {
        x->st.long_lines++;
        warn(x, W_LONG, x->line_no, 0, "%s",
             "line longer than 1 MiB: scanned in pieces");
        x->line_split = 1;
    }
    size_t cut = x->line_n;
    size_t floor = x->line_n > KZ_MAX_TOKEN ? x->line_n - KZ_MAX_TOKEN : 0;
    for (size_t i = x->line_n; i > floor; i--)
        if (x->line[i - 1] == ' ' || x->line[i - 1] == '\t') {
            cut = i;
            break;
        }
    /* Do not cut inside a UTF-8 sequence. */
    while (cut > 0 && cut < x->line_n &&
           ((unsigned char)x->line[cut] & 0xC0) == 0x80)
        cut--;
    if (cut == x->line_n) {
        size_t p = cut;
        while (p > 0 && cut - p < 3 &&
               ((unsigned char)x->line[p - 1] & 0xC0) == 0x80)
            p--;
        if (p > 0 && (unsigned char)x->line[p - 1] >= 0xC0) {
            unsigned char lead = (unsigned char)x->line[p - 1];
            size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
            if (cut - (p - 1) < len)
                cut = p - 1; /* the last character is incomplete */
        }
    }
    if (cut == 0)
        cut = x->line_n;
    flush_held(x);
    process_line(x, x->line, cut, x->line_no, x->line_off, 0);
    memmove(x->line, x->line + cut, x->line_n - cut);
    x->line_n -= cut;
    x->line_off += cut;
}

#if KZ_HAVE_V16
/* Bit k: p[k] is a newline, for the 64 bytes at p. */
static inline uint64_t nl_bits64(const char *p)
{
    uint64_t m = 0;
    for (int k = 0; k < 4; k++)
        m |= (uint64_t)kz_v16_bits(kz_v16_eq(kz_v16_load(p + 16 * k), '\n'))
             << (16 * k);
    return m;
}
#endif
#if KZ_HAVE_V32
/* nl_bits64 with AVX2. */
KZ_AVX2 static inline uint64_t nl_bits64_avx2(const char *p)
{
    return kz_v32_bits(kz_v32_eq(kz_v32_load(p), '\n')) |
           (uint64_t)kz_v32_bits(kz_v32_eq(kz_v32_load(p + 32), '\n')) << 32;
}
#endif

/* text_feed's body; avx2: whether nl_bits64_avx2 may be used (a constant
 * in each of its uses). With SIMD the newlines are found 64 bytes at a
 * time while whole blocks are left: nm holds the newline bits of the
 * block that ends at nb, those of the lines passed cleared, so that its
 * lowest bit is the next newline (each line ends at the first newline
 * from i); memchr from i finds those after the last whole block. */
static inline __attribute__((always_inline)) void
text_feed_body(kz_extractor *x, const char *buf, size_t n, int avx2)
{
    uint64_t base = x->in_off;
    x->in_off += n;
    size_t i = 0;
#if KZ_HAVE_V16
    size_t nb = 0;
    uint64_t nm = 0;
#endif
    (void)avx2;
    while (i < n && !x->failed) {
        const char *nl;
#if KZ_HAVE_V16
        for (;;) {
            if (nm) {
                nl = buf + nb - 64 + (unsigned)__builtin_ctzll(nm);
                nm &= nm - 1;
                break;
            }
            if (n - nb < 64) {
                nl = memchr(buf + i, '\n', n - i);
                break;
            }
#if KZ_HAVE_V32
            nm = avx2 ? nl_bits64_avx2(buf + nb) : nl_bits64(buf + nb);
#else
            nm = nl_bits64(buf + nb);
#endif
            nb += 64;
        }
#else
        nl = memchr(buf + i, '\n', n - i);
#endif
        size_t end = nl ? (size_t)(nl - buf) : n;
        if (x->line_n == 0 && nl && end - i <= KZ_MAX_LINE) {
            /* Whole line inside the buffer: no copy. */
            text_line(x, buf + i, end - i);
        } else {
            size_t take = end - i;
            while (take > 0) {
                size_t room = KZ_MAX_LINE - x->line_n;
                size_t t = take < room ? take : room;
                if (grow(x, (void **)&x->line, &x->line_cap, x->line_n + t + 1,
                         1, KZ_MAX_LINE + 1) != 0)
                    return;
                memcpy(x->line + x->line_n, buf + i, t);
                x->line_n += t;
                i += t;
                take -= t;
                if (x->line_n == KZ_MAX_LINE)
                    text_cut_long_line(x);
            }
            if (!nl)
                return;
            text_line(x, x->line, x->line_n);
            x->line_n = 0;
        }
        i = end + 1;
        x->line_no++;
        x->line_off = base + i;
        x->line_split = 0;
    }
}

#if KZ_HAVE_V32
KZ_AVX2 static void text_feed_avx2(kz_extractor *x, const char *buf, size_t n)
{
    text_feed_body(x, buf, n, 1);
}
#endif

/* Splits the text into lines for text_line (the newlines found with AVX2
 * where the CPU has it). */
static void text_feed(kz_extractor *x, const char *buf, size_t n)
{
#if KZ_HAVE_V32
    if (kz_use_avx2) {
        text_feed_avx2(x, buf, n);
        return;
    }
#endif
    text_feed_body(x, buf, n, 0);
}

/* ---- HTML input -----------------------------------------------------------
 */

/* Notes the text of the open link up to here (a link may hold a line
 * break: its text goes on on the next line). */
static void h_link_close(kz_extractor *x)
{
    if (x->h_link_open && x->htext_n > x->h_link_at && x->h_nlinks < H_LINKS) {
        x->h_link[x->h_nlinks].a = x->h_link_at;
        x->h_link[x->h_nlinks].b = x->htext_n;
        x->h_nlinks++;
    }
    x->h_link_at = 0;
}

static void h_flush(kz_extractor *x)
{
    if (x->htext_n == 0)
        return;
    h_link_close(x);
    size_t a = 0;
    while (a < x->htext_n && (x->htext[a] == ' ' || x->htext[a] == '\t'))
        a++;
    if (a < x->htext_n) {
        x->cur_html_line = 1;
        x->cur_html_skip = a;
        process_line(x, x->htext + a, x->htext_n - a, x->htext_line, 0, 0);
        x->cur_html_line = 0;
    }
    x->htext_n = 0;
    x->h_nlinks = 0;
}

static uint64_t h_line(kz_extractor *x)
{
    if (x->html && x->html->input)
        return (uint64_t)x->html->input->line;
    return 0;
}

static void h_append(kz_extractor *x, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n') {
            h_flush(x);
            continue;
        }
        if (x->htext_n == 0)
            x->htext_line = h_line(x);
        if (c == '\r')
            c = ' ';
        if (x->htext_n == KZ_MAX_LINE) {
            /* Bounded: scan what we have. */
            h_flush(x);
            x->htext_line = h_line(x);
        }
        if (grow(x, (void **)&x->htext, &x->htext_cap, x->htext_n + 2, 1,
                 KZ_MAX_LINE + 1) != 0)
            return;
        x->htext[x->htext_n++] = c;
    }
}

static int name_is(const xmlChar *name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (xmlStrcasecmp(name, (const xmlChar *)list[i]) == 0)
            return 1;
    return 0;
}

static const char *const h_blocks[] = {
    "p",      "div",        "br",      "li",         "ul",   "ol",    "pre",
    "table",  "section",    "article", "blockquote", "hr",   "dt",    "dd",
    "dl",     "title",      "header",  "footer",     "main", "nav",   "aside",
    "figure", "figcaption", "body",    "html",       "head", "tbody", "thead",
    "tfoot",  "caption",    "form",    NULL};
static const char *const h_heads[] = {"h1", "h2", "h3", "h4", "h5", "h6", NULL};
static const char *const h_code[] = {"code", "kbd", "samp", "tt", NULL};

static void h_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    kz_extractor *x = ud;
    if (x->failed)
        return;
    if (name_is(name, (const char *const[]){"script", "style", "noscript",
                                            "template", NULL})) {
        x->h_skip++;
        return;
    }
    if (name_is(name, h_blocks)) {
        h_flush(x);
    } else if (name_is(name, h_heads)) {
        h_flush(x);
        h_append(x, "# ", 2);
    } else if (xmlStrcasecmp(name, (const xmlChar *)"tr") == 0) {
        h_flush(x);
        x->h_th_row = 0;
        h_append(x, "|", 1);
    } else if (xmlStrcasecmp(name, (const xmlChar *)"th") == 0) {
        x->h_th_row = 1;
    } else if (name_is(name, h_code)) {
        h_append(x, "`", 1);
    }
    if (xmlStrcasecmp(name, (const xmlChar *)"a") == 0 && atts) {
        int href = 0;
        for (size_t i = 0; atts[i] && atts[i + 1]; i += 2) {
            if (xmlStrcasecmp(atts[i], (const xmlChar *)"href") != 0)
                continue;
            const char *v = (const char *)atts[i + 1];
            size_t vn = strlen(v);
            if (vn == 0 || vn > KZ_MAX_URL)
                continue;
            href = 1;
            if (vn > 7 && memcmp(v, "mailto:", 7) == 0) {
                v += 7;
                vn -= 7;
            }
            /* Link targets are scanned on their own, as references unless
             * the writer defanged them. */
            char *saved = kz_malloc(x->htext_n + 1);
            size_t saved_n = x->htext_n;
            uint64_t saved_line = x->htext_line;
            if (!saved)
                continue;
            if (saved_n)
                memcpy(saved, x->htext, saved_n);
            x->cur_from_href = 1;
            process_line(x, v, vn, h_line(x), 0, 0);
            x->cur_from_href = 0;
            if (saved_n)
                memcpy(x->htext, saved, saved_n);
            x->htext_n = saved_n;
            x->htext_line = saved_line;
            kz_free(saved);
        }
        if (href) {
            if (x->h_link_open)
                h_link_close(x); /* an unclosed <a> before */
            x->h_link_open = 1;
            x->h_link_at = x->htext_n;
        }
    }
}

static void h_end(void *ud, const xmlChar *name)
{
    kz_extractor *x = ud;
    if (x->failed)
        return;
    if (name_is(name, (const char *const[]){"script", "style", "noscript",
                                            "template", NULL})) {
        if (x->h_skip > 0)
            x->h_skip--;
        return;
    }
    if (xmlStrcasecmp(name, (const xmlChar *)"table") == 0) {
        h_flush(x);
        row_flush(x);
        x->row_active = 0;
        x->md_table = 0; /* the next table has its own columns */
        x->ncols = 0;
    } else if (name_is(name, h_blocks) || name_is(name, h_heads)) {
        h_flush(x);
    } else if (xmlStrcasecmp(name, (const xmlChar *)"td") == 0 ||
               xmlStrcasecmp(name, (const xmlChar *)"th") == 0) {
        h_append(x, " |", 2);
    } else if (xmlStrcasecmp(name, (const xmlChar *)"tr") == 0) {
        h_flush(x);
        if (x->h_th_row) {
            /* A header row: synthesize the Markdown separator. */
            h_append(x, "|---|", 5);
            h_flush(x);
            x->h_th_row = 0;
        }
    } else if (name_is(name, h_code)) {
        h_append(x, "`", 1);
    } else if (xmlStrcasecmp(name, (const xmlChar *)"a") == 0) {
        h_link_close(x);
        x->h_link_open = 0;
    }
}

static void h_chars(void *ud, const xmlChar *ch, int len)
{
    kz_extractor *x = ud;
    if (x->failed || x->h_skip || len <= 0)
        return;
    h_append(x, (const char *)ch, (size_t)len);
}

static void h_error(void *ud, const char *msg, ...)
{
    kz_extractor *x = ud;
    (void)msg;
    x->h_errors++;
}

static int html_start(kz_extractor *x)
{
    /* libxml2 copies the handler into the parser context, so a local one
     * keeps extractors in different threads apart. */
    htmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.startElement = h_start;
    sax.endElement = h_end;
    sax.characters = h_chars;
    sax.cdataBlock = h_chars;
    sax.error = h_error;
    sax.warning = h_error;
    x->html = htmlCreatePushParserCtxt(&sax, x, NULL, 0, x->name,
                                       XML_CHAR_ENCODING_UTF8);
    if (!x->html)
        return -1;
    /* Implied <html> and <body> stay: without them, a fragment's first
     * top-level element would be the whole document and everything after
     * it dropped ("<p>a</p><p>evil.com</p>"). */
    htmlCtxtUseOptions(x->html, HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                    HTML_PARSE_NOWARNING);
    return 0;
}

static void html_feed(kz_extractor *x, const char *buf, size_t n, int last)
{
    /* libxml2 takes an int length: feed at most 1 MiB at a time. */
    while (n > 0) {
        int chunk = n > (1u << 20) ? (1 << 20) : (int)n;
        htmlParseChunk(x->html, buf, chunk, 0);
        buf += chunk;
        n -= (size_t)chunk;
    }
    if (last) {
        htmlParseChunk(x->html, NULL, 0, 1);
        h_flush(x);
    }
}

/* ---- public API ------------------------------------------------------------
 */

const char *kz_ioc_class_name(kz_ioc_class c)
{
    return c == KZ_CLASS_REFERENCE ? "reference" : "indicator";
}

kz_status kz_extractor_new(kz_ctx *ctx, const kz_extract_opts *opts,
                           kz_extract_fn fn, void *ud, kz_extractor **out)
{
    kz_status rc = KZ_OK;
    kz_extractor *x = NULL;
    if (!out || !fn) {
        rc = kz_seterr(ctx, KZ_ERR_INVALID, "extractor: no callback");
        goto out;
    }
    *out = NULL;
    if (opts && opts->version != KZ_EXTRACT_OPTS_VERSION) {
        rc = kz_seterr(ctx, KZ_ERR_INVALID,
                       "extractor: options version %u not supported",
                       opts->version);
        goto out;
    }
    x = kz_calloc(1, sizeof *x);
    if (!x) {
        rc = KZ_ERR_NOMEM;
        goto out;
    }
    x->ctx = ctx;
    if (opts) {
        x->opts = *opts;
    } else {
        kz_extract_opts d = KZ_EXTRACT_OPTS_INIT;
        x->opts = d;
    }
    x->seen_types = x->opts.types ? x->opts.types : ~(kz_typeset)0;
    x->seen_max = x->opts.all_occurrences ? 0 : KZ_MAX_DEDUP_VALUES;
    x->fn = fn;
    x->ud = ud;
    snprintf(x->name, sizeof x->name, "%s",
             x->opts.input_name ? x->opts.input_name : "-");
    x->opts.input_name = x->name;
    x->fmt = x->opts.format;
    x->line_no = 1;
    x->psl = kz_calloc(1, sizeof *x->psl);
    if (!x->psl) {
        rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: out of memory", x->name);
        goto out;
    }
    if (x->fmt == KZ_TEXT_HTML && html_start(x) != 0) {
        rc = kz_seterr(ctx, KZ_ERR_NOMEM, "%s: cannot start the HTML parser",
                       x->name);
        goto out;
    }
    *out = x;
    x = NULL;
out:
    kz_extractor_free(x);
    return rc;
}

/* Decides between HTML and text from the first bytes. */
static kz_text_format sniff_format(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    static const char *const starts[] = {
        "<!doctype html", "<html", "<head", "<body",  "<?xml", "<!--",
        "<meta",          "<div",  "<p>",   "<table", NULL};
    for (size_t k = 0; starts[k]; k++) {
        size_t l = strlen(starts[k]);
        if (n - i < l)
            continue;
        size_t j = 0;
        while (j < l &&
               kz_lower((unsigned char)s[i + j]) == (unsigned char)starts[k][j])
            j++;
        if (j == l) {
            if (k == 4) { /* <?xml: HTML only if an <html element follows */
                for (size_t p = i; p + 5 <= n; p++)
                    if (kz_lower((unsigned char)s[p + 1]) == 'h' &&
                        s[p] == '<' && kz_lower((unsigned char)s[p + 2]) == 't')
                        return KZ_TEXT_HTML;
                return KZ_TEXT_PLAIN;
            }
            return KZ_TEXT_HTML;
        }
    }
    return KZ_TEXT_PLAIN;
}

static kz_status feed_decided(kz_extractor *x, const char *buf, size_t n,
                              int last)
{
    if (x->fmt == KZ_TEXT_HTML)
        html_feed(x, buf, n, last);
    else
        text_feed(x, buf, n);
    return KZ_OK;
}

static kz_status decide(kz_extractor *x)
{
    x->fmt = sniff_format(x->sniff, x->sniff_n);
    if (x->fmt == KZ_TEXT_HTML && html_start(x) != 0)
        return kz_seterr(x->ctx, KZ_ERR_NOMEM,
                         "%s: cannot start the HTML parser", x->name);
    size_t n = x->sniff_n;
    x->sniff_n = 0;
    feed_decided(x, x->sniff, n, 0);
    return KZ_OK;
}

kz_status kz_extractor_feed(kz_extractor *x, const void *buf, size_t n)
{
    if (!x || (!buf && n))
        return KZ_ERR_INVALID;
    if (x->finished)
        return kz_seterr(x->ctx, KZ_ERR_INVALID, "%s: fed after finish",
                         x->name);
    const char *p = buf;
    if (x->fmt == KZ_TEXT_AUTO) {
        size_t t = SNIFF_BYTES - x->sniff_n;
        if (t > n)
            t = n;
        memcpy(x->sniff + x->sniff_n, p, t);
        x->sniff_n += t;
        x->st.bytes += t;
        p += t;
        n -= t;
        if (x->sniff_n < SNIFF_BYTES)
            return KZ_OK;
        kz_status rc = decide(x);
        if (rc != KZ_OK)
            return rc;
    }
    x->st.bytes += n;
    if (n)
        feed_decided(x, p, n, 0);
    if (x->failed)
        return kz_seterr(x->ctx, KZ_ERR_ABORTED, "%s: stopped by the caller",
                         x->name);
    if (x->nomem)
        return kz_seterr(x->ctx, KZ_ERR_NOMEM, "%s: out of memory", x->name);
    return KZ_OK;
}

kz_status kz_extractor_finish(kz_extractor *x)
{
    if (!x)
        return KZ_ERR_INVALID;
    if (x->finished)
        return KZ_OK;
    if (x->fmt == KZ_TEXT_AUTO) {
        kz_status rc = decide(x);
        if (rc != KZ_OK)
            return rc;
    }
    x->finished = 1;
    if (x->fmt == KZ_TEXT_HTML) {
        html_feed(x, NULL, 0, 1);
    } else if (x->line_n > 0) {
        text_line(x, x->line, x->line_n);
        x->line_n = 0;
    }
    flush_held(x);
    if (x->yara_on && x->yara_seen_brace)
        warn(x, W_YARA, x->yara_line, x->yara_col, "%s",
             "embedded YARA rule not closed at the end of the input");
    row_flush(x);
    x->row_active = 0;
    dq_drain(x);
    if (x->failed)
        return kz_seterr(x->ctx, KZ_ERR_ABORTED, "%s: stopped by the caller",
                         x->name);
    return KZ_OK;
}

const kz_extract_stats *kz_extractor_stats(const kz_extractor *x)
{
    return x ? &x->st : NULL;
}

void kz_extractor_free(kz_extractor *x)
{
    if (!x)
        return;
    if (x->html) {
        if (x->html->myDoc)
            xmlFreeDoc(x->html->myDoc);
        htmlFreeParserCtxt(x->html);
    }
    kz_free(x->htext);
    kz_free(x->line);
    kz_free(x->clean);
    kz_free(x->rf);
    kz_free(x->map);
    kz_free(x->tb);
    kz_free(x->yara);
    if (x->psl)
        kz_strmap_free(&x->psl->names);
    kz_free(x->psl);
    kz_strmap_free(&x->dd);
    kz_free(x);
}

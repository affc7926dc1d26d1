/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extractor tests. Table-driven cases live in tests/data/extract-cases.txt
 * (format in its header); the cmocka tests here run them and check the
 * streaming properties: any split of the input gives the same result,
 * over-long lines, NUL bytes and invalid UTF-8 are survived with warnings,
 * and a caller can stop the extraction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intel/extract_int.h"
#include "random_text.h"
#include "kizashi/intel.h"

/* ---- collecting results ----------------------------------------------------
 */

typedef struct got {
    char line[512];
} got;

typedef struct results {
    got *v;
    size_t n, cap;
    unsigned warnings;
    int stop_after;
} results;

static int collect(void *ud, const kz_extracted *e)
{
    results *r = ud;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        assert_non_null(r->v);
    }
    snprintf(r->v[r->n].line, sizeof r->v[r->n].line, "%c %s %.*s",
             e->cls == KZ_CLASS_INDICATOR ? '=' : '~', kz_type_name(e->type),
             (int)(e->value_len > 400 ? 400 : e->value_len), e->value);
    r->n++;
    if (r->stop_after && (int)r->n >= r->stop_after)
        return 1;
    return 0;
}

static void on_diag(void *ud, kz_severity sev, const char *input, uint64_t line,
                    uint64_t col, const char *msg)
{
    results *r = ud;
    (void)sev;
    (void)input;
    (void)line;
    (void)col;
    (void)msg;
    r->warnings++;
}

static kz_status extract(const char *text, size_t n, size_t step, int refs,
                         kz_text_format fmt, results *r)
{
    kz_ctx *ctx = NULL;
    kz_extractor *x = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    kz_ctx_set_diag(ctx, on_diag, r);
    kz_extract_opts o = KZ_EXTRACT_OPTS_INIT;
    o.include_references = refs;
    o.format = fmt;
    o.input_name = "test";
    assert_int_equal(kz_extractor_new(ctx, &o, collect, r, &x), KZ_OK);
    kz_status rc = KZ_OK;
    for (size_t i = 0; i < n && rc == KZ_OK; i += step) {
        size_t k = n - i < step ? n - i : step;
        rc = kz_extractor_feed(x, text + i, k);
    }
    if (rc == KZ_OK)
        rc = kz_extractor_finish(x);
    kz_extractor_free(x);
    kz_ctx_free(ctx);
    return rc;
}

static int has(const results *r, const char *want)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].line, want) == 0)
            return 1;
    return 0;
}

/* "! type value": neither as indicator nor as reference. */
static int has_any_class(const results *r, const char *tv)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].line + 2, tv) == 0)
            return 1;
    return 0;
}

/* ---- the data file ----------------------------------------------------------
 */

/* Escapes in the data file are in braces, so that backslashes in Windows
 * paths stay literal: {LF} {CR} {TAB} {NUL} {xNN}. */
static size_t unescape(const char *s, char *out)
{
    static const struct {
        const char *name;
        char c;
    } esc[] = {
        {"{LF}", '\n'}, {"{CR}", '\r'}, {"{TAB}", '\t'}, {"{NUL}", '\0'}};
    size_t n = 0;
    while (*s && *s != '\n') {
        int done = 0;
        for (size_t k = 0; k < sizeof esc / sizeof esc[0]; k++) {
            size_t l = strlen(esc[k].name);
            if (strncmp(s, esc[k].name, l) == 0) {
                out[n++] = esc[k].c;
                s += l;
                done = 1;
                break;
            }
        }
        if (!done && s[0] == '{' && s[1] == 'x' && s[2] && s[3] &&
            s[4] == '}') {
            char h[3] = {s[2], s[3], 0};
            out[n++] = (char)strtoul(h, NULL, 16);
            s += 5;
            done = 1;
        }
        if (!done)
            out[n++] = *s++;
    }
    return n;
}

typedef struct tcase {
    char name[256];
    char input[8192];
    size_t input_n;
    char expect[64][600];
    int nexpect;
    int exact;
    int html;
    int lineno;
} tcase;

static int failures;

static void run_case(const tcase *c)
{
    /* Every case runs whole and fed byte by byte: same result. */
    for (int pass = 0; pass < 2; pass++) {
        results r = {0};
        size_t step = pass == 0 ? c->input_n + 1 : 1;
        kz_status rc = extract(c->input, c->input_n, step ? step : 1, 1,
                               c->html ? KZ_TEXT_HTML : KZ_TEXT_AUTO, &r);
        if (rc != KZ_OK) {
            printf("FAIL %s (line %d): status %d\n", c->name, c->lineno, rc);
            failures++;
        }
        for (int i = 0; i < c->nexpect; i++) {
            const char *e = c->expect[i];
            int ok = e[0] == '!' ? !has_any_class(&r, e + 2) : has(&r, e);
            if (!ok) {
                printf("FAIL %s (line %d, %s): expected '%s'\n", c->name,
                       c->lineno, pass ? "byte by byte" : "whole", e);
                failures++;
            }
        }
        if (c->exact) {
            for (size_t i = 0; i < r.n; i++) {
                if (r.v[i].line[0] != '=')
                    continue;
                int listed = 0;
                for (int k = 0; k < c->nexpect; k++)
                    if (strcmp(c->expect[k], r.v[i].line) == 0)
                        listed = 1;
                if (!listed) {
                    printf("FAIL %s (line %d): unexpected '%s'\n", c->name,
                           c->lineno, r.v[i].line);
                    failures++;
                }
            }
        }
        free(r.v);
    }
}

static void test_extract__data_cases(void **state)
{
    (void)state;
    const char *dir = getenv("KZ_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/extract-cases.txt",
             dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[9000];
    tcase *c = calloc(1, sizeof *c);
    assert_non_null(c);
    int lineno = 0, have = 0, count = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' && line[1] == '#')
            continue;
        if (line[0] == '@') {
            if (have) {
                run_case(c);
                count++;
            }
            memset(c, 0, sizeof *c);
            snprintf(c->name, sizeof c->name, "%.*s",
                     (int)strcspn(line + 2, "\n"), line + 2);
            c->lineno = lineno;
            have = 1;
        } else if (line[0] == '>' && line[1] == ' ') {
            if (c->input_n)
                c->input[c->input_n++] = '\n';
            c->input_n += unescape(line + 2, c->input + c->input_n);
        } else if (line[0] == '>' && line[1] == '\n') {
            c->input[c->input_n++] = '\n';
        } else if ((line[0] == '=' || line[0] == '~' || line[0] == '!') &&
                   line[1] == ' ') {
            assert_true(c->nexpect < 64);
            char *d = c->expect[c->nexpect++];
            size_t n = unescape(line, d);
            d[n] = '\0';
        } else if (strncmp(line, "exact", 5) == 0) {
            c->exact = 1;
        } else if (strncmp(line, "html", 4) == 0) {
            c->html = 1;
        }
    }
    if (have) {
        run_case(c);
        count++;
    }
    fclose(f);
    free(c);
    printf("%d extraction cases, %d failures\n", count, failures);
    assert_true(count > 50);
    assert_int_equal(failures, 0);
}

/* ---- streaming and hostile input --------------------------------------------
 */

static void test_extract__single_long_line_is_bounded_and_found(void **state)
{
    (void)state;
    size_t n = 3u << 20; /* 3 MiB on one line */
    char *t = malloc(n);
    assert_non_null(t);
    memset(t, 'a', n);
    for (size_t i = 100; i < n; i += 1000)
        t[i] = ' ';
    const char *ioc = " evil-host[.]sample[.]com ";
    memcpy(t + (2u << 20) - 5, ioc, strlen(ioc)); /* across a window edge */
    results r = {0};
    assert_int_equal(extract(t, n, 65536, 0, KZ_TEXT_PLAIN, &r), KZ_OK);
    assert_true(has(&r, "= domain evil-host.sample.com"));
    assert_true(r.warnings >= 1);
    free(r.v);
    free(t);
}

static void test_extract__nul_and_invalid_utf8_warn_and_go_on(void **state)
{
    (void)state;
    const char t[] = "a\0b 1.2.3[.]4 \xff\xfe bad.exe\nnext evil[.]com\n";
    results r = {0};
    assert_int_equal(extract(t, sizeof t - 1, 7, 0, KZ_TEXT_PLAIN, &r), KZ_OK);
    assert_true(has(&r, "= ipv4 1.2.3.4"));
    assert_true(has(&r, "= domain evil.com"));
    assert_true(has(&r, "= filename bad.exe"));
    assert_true(r.warnings >= 2);
    free(r.v);
}

static void test_extract__callback_can_stop(void **state)
{
    (void)state;
    const char t[] = "1.2.3[.]4\n5.6.7[.]8\n9.9.9[.]1\n";
    results r = {0};
    r.stop_after = 1;
    assert_int_equal(extract(t, sizeof t - 1, 4, 0, KZ_TEXT_PLAIN, &r),
                     KZ_ERR_ABORTED);
    assert_int_equal(r.n, 1);
    free(r.v);
}

static void test_extract__deeply_nested_html_is_survived(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *t = malloc(depth * 11 + 64);
    assert_non_null(t);
    size_t n = 0;
    for (size_t i = 0; i < depth; i++) {
        memcpy(t + n, "<div><span>", 11);
        n += 11;
    }
    n += (size_t)snprintf(t + n, 64, "c2 evil[.]sample[.]org");
    results r = {0};
    assert_int_equal(extract(t, n, 4096, 0, KZ_TEXT_AUTO, &r), KZ_OK);
    assert_true(has(&r, "= domain evil.sample.org"));
    free(r.v);
    free(t);
}

static void test_extract__duplicates_reported_once(void **state)
{
    (void)state;
    const char t[] = "evil[.]com\nEVIL[.]COM\nevil[.]com.\n";
    results r = {0};
    assert_int_equal(extract(t, sizeof t - 1, 5, 0, KZ_TEXT_PLAIN, &r), KZ_OK);
    assert_int_equal(r.n, 1);
    free(r.v);
}

/* Values met again and again (past the queue of values waiting for the
 * de-duplication table, so the scanner's early check drops them): each is
 * reported once, the duplicates are counted, and a value first seen as a
 * reference is still reported again when it turns up as an indicator. */
static void test_extract__repeats_counted_and_upgraded(void **state)
{
    (void)state;
    char *t = malloc(64 * 1024);
    assert_non_null(t);
    size_t n = 0;
    /* a source link first: a reference */
    n += (size_t)sprintf(t + n, "See https://c2-upd.top/x for the report.\n");
    for (int k = 0; k < 200; k++)
        n += (size_t)sprintf(t + n, "C2 %d: evil-%d[.]top and 45.77.1[.]%d\n",
                             k, k % 20, k % 10);
    /* the same link, now an indicator */
    n += (size_t)sprintf(t + n, "Payload at hxxps://c2-upd[.]top/x\n");
    for (int k = 0; k < 50; k++)
        n += (size_t)sprintf(t + n, "again hxxps://c2-upd[.]top/x\n");
    kz_ctx *ctx = NULL;
    kz_extractor *x = NULL;
    results r = {0};
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    kz_extract_opts o = KZ_EXTRACT_OPTS_INIT;
    o.include_references = 1;
    assert_int_equal(kz_extractor_new(ctx, &o, collect, &r, &x), KZ_OK);
    assert_int_equal(kz_extractor_feed(x, t, n), KZ_OK);
    assert_int_equal(kz_extractor_finish(x), KZ_OK);
    const kz_extract_stats *st = kz_extractor_stats(x);
    /* 20 domains + 10 addresses + the link twice (reference, indicator) */
    assert_int_equal(r.n, 32);
    assert_int_equal(st->found, 32);
    /* 400 occurrences in the loop, 51 of the link as an indicator */
    assert_int_equal(st->duplicates, (400 - 30) + (51 - 1));
    assert_true(has(&r, "~ url https://c2-upd.top/x"));
    assert_true(has(&r, "= url https://c2-upd.top/x"));
    kz_extractor_free(x);
    kz_ctx_free(ctx);
    free(r.v);
    free(t);
}

struct pos {
    uint64_t line, col, off;
    char raw[64];
    int defanged;
};

static int collect_pos(void *ud, const kz_extracted *e)
{
    struct pos *p = ud;
    p->line = e->line;
    p->col = e->column;
    p->off = e->offset;
    p->defanged = e->defanged;
    snprintf(p->raw, sizeof p->raw, "%.*s", (int)e->raw_len, e->raw);
    return 0;
}

static void test_extract__positions_point_at_the_text_as_written(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    kz_extractor *x = NULL;
    struct pos p = {0};
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    kz_extract_opts o = KZ_EXTRACT_OPTS_INIT;
    assert_int_equal(kz_extractor_new(ctx, &o, collect_pos, &p, &x), KZ_OK);
    const char t[] = "first line\n  \xe6\x97\xa5\xe6\x9c\xac evil[.]com here\n";
    assert_int_equal(kz_extractor_feed(x, t, sizeof t - 1), KZ_OK);
    assert_int_equal(kz_extractor_finish(x), KZ_OK);
    assert_int_equal(p.line, 2);
    assert_int_equal(p.col, 6); /* two spaces, two kanji, one space */
    assert_int_equal(p.off, 11 + 9);
    assert_string_equal(p.raw, "evil[.]com");
    assert_int_equal(p.defanged, 1);
    kz_extractor_free(x);
    kz_ctx_free(ctx);
}

/* ---- the vector prefilters equal their scalar definitions ---------------
 */

static const char *const prefilter_piece[] = {"word",
                                              " ",
                                              "  ",
                                              "\t",
                                              ".",
                                              ". ",
                                              ".)",
                                              ":",
                                              ": ",
                                              ":\\",
                                              "CVE-",
                                              "cve-2021-1234",
                                              "cvE",
                                              "AS",
                                              "as 12",
                                              "as ",
                                              "asn",
                                              "ASN1",
                                              "aHR0",
                                              "aHR",
                                              "0123456789abcdef",
                                              "0123456789ABCDEF",
                                              "deadbeef",
                                              "g",
                                              "@",
                                              "/",
                                              "\\",
                                              "%",
                                              "~",
                                              "<",
                                              ">",
                                              ")",
                                              ",",
                                              ";",
                                              "]",
                                              "}",
                                              "\"",
                                              "'",
                                              "`",
                                              "|",
                                              "^",
                                              "\x7f",
                                              "\xc3\xa9",
                                              "\xe3\x80\x82",
                                              "e.g",
                                              "1.2",
                                              "-",
                                              "_",
                                              "a",
                                              "c",
                                              "s",
                                              "v",
                                              "e",
                                              "n",
                                              "9"};

static void test_prefilter__next_interesting_equals_definition(void **state)
{
    (void)state;
    const char *const *piece = prefilter_piece;
    size_t npiece = sizeof prefilter_piece / sizeof *prefilter_piece;
    static char buf[300];
    uint32_t seed = 99;
    int hits = 0;
    /* with AVX2 (where the CPU has it) and sixteen bytes at a time */
    for (int t = 0; t < 200000; t++) {
        kz_simd_avx2(t & 1);
        size_t n = random_pieces(&seed, piece, npiece, buf, sizeof buf);
        for (size_t i = 0; i <= n; i += 1 + (seed >> 20) % 7) {
            size_t a = kz_scan_next_interesting(buf, i, n);
            size_t b = kz_scan_next_interesting_ref(buf, i, n);
            if (a != b)
                fail_msg("next_interesting(\"%.*s\", %zu) = %zu, want %zu "
                         "(avx2 %d)",
                         (int)n, buf, i, a, b, t & 1);
            hits += b < n;
        }
    }
    kz_simd_avx2(1);
    assert_true(hits > 20000);
}

/* next_interesting_from over a series of searches of the same bytes,
 * which keeps the block of the last one: from every position in turn,
 * from a little after each position found, and over a prefix (another
 * end) with the same state. */
static int next_interesting_from_series(kz_ni_state *st, const char *s,
                                        size_t n, uint32_t seed)
{
    int hits = 0;
    for (int pass = 0; pass < 3; pass++) {
        size_t m = pass == 2 ? n / 2 : n;
        for (size_t i = 0; i <= m;) {
            size_t a = kz_scan_next_interesting_from(st, s, i, m);
            size_t b = kz_scan_next_interesting_ref(s, i, m);
            if (a != b)
                fail_msg("next_interesting_from(\"%.*s\", %zu) = %zu, want "
                         "%zu (pass %d)",
                         (int)m, s, i, a, b, pass);
            hits += b < m;
            i = pass == 0 ? i + 1 : b + 1 + (seed >> 20) % 5;
        }
    }
    return hits;
}

static void
test_prefilter__next_interesting_from_equals_definition(void **state)
{
    (void)state;
    const char *const *piece = prefilter_piece;
    size_t npiece = sizeof prefilter_piece / sizeof *prefilter_piece;
    static char buf[300];
    uint32_t seed = 5;
    int hits = 0;
    /* hex runs that reach 32 digits at a block's start, inside it, across
     * blocks and at the end */
    static const char *const fixed[] = {
        "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef",
        "x 0123456789abcdef0123456789ABCDEF01234567 y.z as 12 and more text",
        "some plain words then 0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcde. not quite 32 here at all, e.g",
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"};
    for (size_t f = 0; f < sizeof fixed / sizeof *fixed; f++)
        for (int avx = 0; avx < 2; avx++) {
            kz_simd_avx2(avx);
            kz_ni_state st = {0};
            next_interesting_from_series(&st, fixed[f], strlen(fixed[f]), 0);
        }
    for (int t = 0; t < 100000; t++) {
        kz_simd_avx2(t & 1);
        size_t n = random_pieces(&seed, piece, npiece, buf, sizeof buf);
        kz_ni_state st = {0}; /* new bytes */
        hits += next_interesting_from_series(&st, buf, n, seed);
    }
    kz_simd_avx2(1);
    assert_true(hits > 20000);
}

/* The vector chunk end (and summary) is the scalar one. */
static void test_prefilter__chunk_end_equals_definition(void **state)
{
    (void)state;
    static char buf[300];
    uint32_t seed = 7;
    int special = 0;
    for (int t = 0; t < 100000; t++) {
        size_t n = random_pieces(
            &seed, prefilter_piece,
            sizeof prefilter_piece / sizeof *prefilter_piece, buf, sizeof buf);
        for (size_t i = 0; i <= n; i += 1 + (seed >> 20) % 5) {
            unsigned ca = 0, cb = 0;
            size_t a = kz_scan_chunk_end(buf, i, n, &ca);
            size_t b = kz_scan_chunk_end_ref(buf, i, n, &cb);
            if (a != b || ca != cb)
                fail_msg("chunk_end(\"%.*s\", %zu) = %zu/%u, want %zu/%u",
                         (int)n, buf, i, a, ca, b, cb);
            special += cb != 0;
        }
    }
    assert_true(special > 10000);
}

static void test_prefilter__line_context_equals_definition(void **state)
{
    (void)state;
    static const char *const piece[] = {
        "version",    "Version ",   "ver",
        "build",      "blogpost",   "contact",
        "copyright",  "credits",    "firmware",
        "imphash",    "ja3",        "JA3S",
        "published",  "pehash",     "release",
        "references", "report",     "sources",
        "see",        "serial",     "ssdeep",
        "tlsh",       "whitepaper", "available",
        "advisory",   "author",     "authentihash",
        "3version",   "_source",    " ",
        ", ",         ".",          "x",
        "re",         "se",         "the",
        "reporting",  "seen",       "a1",
        "9",          "-",          "verysuperlongwordhere",
        "\xc3\xa9"};
    static char buf[300];
    uint32_t seed = 5;
    int flagged = 0;
    for (int t = 0; t < 100000; t++) {
        size_t n = random_pieces(&seed, piece, sizeof piece / sizeof *piece,
                                 buf, sizeof buf);
        int a = kz_scan_line_context(buf, n);
        int b = kz_scan_line_context_ref(buf, n);
        if (a != b)
            fail_msg("line context of \"%.*s\": %#x, want %#x", (int)n, buf,
                     (unsigned)a, (unsigned)b);
        flagged += b != 0;
    }
    assert_true(flagged > 10000);
}

static void test_prefilter__boring_lines_equal_definition(void **state)
{
    (void)state;
    static const char *const piece[] = {"word",
                                        " ",
                                        "\t",
                                        ". ",
                                        ".x",
                                        ".)",
                                        ":",
                                        ": ",
                                        ":\"",
                                        "(",
                                        "(.",
                                        "(d",
                                        "(A",
                                        "(-",
                                        "(x",
                                        "(\xc3\xa9",
                                        "dot",
                                        "DoT",
                                        "do",
                                        "cve-",
                                        "CVE",
                                        "as1",
                                        "asn",
                                        "as 1",
                                        "as x",
                                        "aHR0c",
                                        "aHR0",
                                        "mutex",
                                        "MUTANT",
                                        "mute",
                                        "muta",
                                        "mu",
                                        "0123456789abcdef",
                                        "g",
                                        "@",
                                        "\\",
                                        "/",
                                        "%",
                                        "[",
                                        "{",
                                        "<",
                                        "|",
                                        "`",
                                        "~",
                                        "\r",
                                        "'",
                                        ")",
                                        "\xe3\x80\x82",
                                        "a",
                                        "c",
                                        "d",
                                        "s",
                                        "1",
                                        "e",
                                        "the loader beacons "};
    static char buf[300];
    uint32_t seed = 31;
    int boring = 0;
    for (int t = 0; t < 400000; t++) {
        kz_simd_avx2(t & 1); /* AVX2 (where there is) and SSE2 */
        size_t n = random_pieces(&seed, piece, sizeof piece / sizeof *piece,
                                 buf, (t & 2) ? 60 : sizeof buf);
        int a = kz_extract_line_boring(buf, n);
        int b = kz_extract_line_boring_ref(buf, n);
        if (a != b)
            fail_msg("boring(\"%.*s\") = %d, want %d", (int)n, buf, a, b);
        boring += b;
    }
    kz_simd_avx2(1);
    assert_true(boring > 2000);
}

/* Long lines of prose that hold nothing (every byte pair that only looks
 * like a start: ". ", ".'", ".)", ":\t", "(see", "as ", "do", "mute"),
 * with one thing that starts an indicator put in half of them: the
 * 32-byte path must answer what the definition answers. */
static void test_prefilter__long_quiet_lines_equal_definition(void **state)
{
    (void)state;
    static const char *const quiet[] = {"the loader beacons ",
                                        "word",
                                        " ",
                                        ". ",
                                        ".\t",
                                        ".\"",
                                        ".'",
                                        ".)",
                                        ".\r",
                                        ": ",
                                        ":\t",
                                        "( ",
                                        "(see ",
                                        "(x",
                                        "as ",
                                        "was ",
                                        "ASx",
                                        "do",
                                        "dox",
                                        "cv",
                                        "cve ",
                                        "mute ",
                                        "mutual",
                                        "aHR",
                                        "aH",
                                        "0123456789abcdef",
                                        "ABCDEF012",
                                        "\r",
                                        "\t",
                                        ")",
                                        "]",
                                        "}",
                                        ">",
                                        ",",
                                        "-",
                                        "_",
                                        "^",
                                        "'",
                                        "\""};
    static const char *const loud[] = {"@",
                                       "\\",
                                       "/",
                                       "%",
                                       "[",
                                       "{",
                                       "<",
                                       "|",
                                       "`",
                                       "~",
                                       ".x",
                                       ":8",
                                       "(.",
                                       "(@",
                                       "(:",
                                       "(/",
                                       "(,",
                                       "(-",
                                       "(d",
                                       "(D",
                                       "(a",
                                       "(A",
                                       "(\xc3",
                                       "dot",
                                       "DoT",
                                       "CVE-",
                                       "as1",
                                       "asn",
                                       "AS 12",
                                       "aHR0c",
                                       "mutex",
                                       "MUTAN",
                                       "\xe3\x80\x82",
                                       "0123456789abcdef0123456789abcdef"};
    static char buf[400];
    uint32_t seed = 5;
    int boring = 0, loud_n = 0;
    for (int t = 0; t < 100000; t++) {
        kz_simd_avx2(t & 1);
        size_t n =
            random_pieces(&seed, quiet, sizeof quiet / sizeof *quiet, buf, 300);
        if (t & 2) {
            seed = seed * 1103515245u + 12345u;
            const char *l = loud[(seed >> 16) % (sizeof loud / sizeof *loud)];
            size_t ln = strlen(l), at = n ? (seed >> 8) % n : 0;
            memmove(buf + at + ln, buf + at, n - at);
            memcpy(buf + at, l, ln);
            n += ln;
            loud_n++;
        }
        int a = kz_extract_line_boring(buf, n);
        int b = kz_extract_line_boring_ref(buf, n);
        if (a != b)
            fail_msg("boring(\"%.*s\") = %d, want %d (avx2 %d)", (int)n, buf, a,
                     b, t & 1);
        boring += b;
    }
    kz_simd_avx2(1);
    assert_true(boring > 10000 && loud_n > 40000);
}

static void test_prefilter__hash_words_equal_definition(void **state)
{
    (void)state;
    static const char *const piece[] = {
        "seri",     "SERIAL", "ser", "hash",    "HAs",    "h",
        "ja3",      "JA",     "3",   "ssde",    "ssd",    "tlsh",
        "TLS",      " ",      "e",   "s",       "a",      "word",
        "\xc3\xa9", "p",      "I",   "imphash", "PEHASH", "ehas"};
    static char buf[200];
    uint32_t seed = 7;
    int found = 0;
    for (int t = 0; t < 200000; t++) {
        kz_simd_avx2(t & 2); /* AVX2 (where there is) and SSE2 */
        size_t n = random_pieces(&seed, piece, sizeof piece / sizeof *piece,
                                 buf, (t & 1) ? 40 : sizeof buf);
        int a = kz_scan_has_hash_words(buf, n);
        int b = kz_scan_has_hash_words_ref(buf, n);
        if (a != b)
            fail_msg("hash words of \"%.*s\": %d, want %d", (int)n, buf, a, b);
        found += b;
    }
    kz_simd_avx2(1);
    assert_true(found > 1000 && found < 199000);
    /* Every word that sets a digest's context passes the test; "hash"
     * alone does not. */
    static const char *const words[] = {"Imphash", "pehash", "AUTHENTIHASH",
                                        "serial",  "ja3",    "JA3S",
                                        "ssdeep",  "TLSH"};
    char line[64];
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        int n = snprintf(line, sizeof line, "the %s is here", words[i]);
        if (!kz_scan_has_hash_words(line, (size_t)n))
            fail_msg("digest context word \"%s\" not found", words[i]);
    }
    assert_false(kz_scan_has_hash_words("SHA-256 hash of the sample", 26));
}

/* Every context word is found, whatever its case, and a longer word that
 * only starts like one is not. */
static void test_prefilter__every_context_word_is_found(void **state)
{
    (void)state;
    static const char *const words[] = {
        "available", "Advisory", "AUTHOR",    "authentihash", "build",
        "blogpost",  "contact",  "Copyright", "credits",      "firmware",
        "imphash",   "ja3",      "JA3S",      "mutex",        "Mutants",
        "published", "pehash",   "release",   "reference",    "references",
        "report",    "source",   "sources",   "see",          "serial",
        "ssdeep",    "tlsh",     "version",   "ver",          "whitepaper"};
    char line[64];
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        int n = snprintf(line, sizeof line, "the %s is here", words[i]);
        if (!kz_scan_line_context(line, (size_t)n))
            fail_msg("context word \"%s\" not found", words[i]);
    }
    assert_int_equal(
        kz_scan_line_context("the versioning seen", 19) & KZ_CTX_VERSION, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract__data_cases),
        cmocka_unit_test(test_prefilter__next_interesting_equals_definition),
        cmocka_unit_test(
            test_prefilter__next_interesting_from_equals_definition),
        cmocka_unit_test(test_prefilter__line_context_equals_definition),
        cmocka_unit_test(test_prefilter__chunk_end_equals_definition),
        cmocka_unit_test(test_prefilter__boring_lines_equal_definition),
        cmocka_unit_test(test_prefilter__long_quiet_lines_equal_definition),
        cmocka_unit_test(test_prefilter__hash_words_equal_definition),
        cmocka_unit_test(test_prefilter__every_context_word_is_found),
        cmocka_unit_test(test_extract__single_long_line_is_bounded_and_found),
        cmocka_unit_test(test_extract__nul_and_invalid_utf8_warn_and_go_on),
        cmocka_unit_test(test_extract__callback_can_stop),
        cmocka_unit_test(test_extract__deeply_nested_html_is_survived),
        cmocka_unit_test(test_extract__duplicates_reported_once),
        cmocka_unit_test(test_extract__repeats_counted_and_upgraded),
        cmocka_unit_test(test_extract__positions_point_at_the_text_as_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the LOLDrivers reader (lib/intel/read_loldrivers.c): every field
 * of the YAML, JSON and CSV forms mapped, format detection, malformed
 * inputs (status and "NAME:LINE:COL:" message), what is reported as
 * unsupported, every limit, NULL sink callbacks and failed allocations.
 * Fixtures are strings read through fmemopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/core_int.h"
#include "intel/read_loldrivers.h"
#include "kizashi/intel.h"

/* ---- a sink that records what it gets ------------------------------------ */

#define MAXREC 512

typedef struct rec_adv {
    char *key, *title, *url, *summary, *impact, *source, *tlp;
    kz_time published;
} rec_adv;

typedef struct rec_ioc {
    kz_type type;
    char *value, *comment, *category, *tags;
    size_t ntags;
    uint64_t line;
    int confidence, to_ids, score;
} rec_ioc;

typedef struct rec {
    rec_adv adv[MAXREC];
    size_t nadv;
    rec_ioc ioc[MAXREC];
    size_t nioc;
    char *unsup[MAXREC];
    uint64_t unsup_line[MAXREC];
    size_t nunsup;
    size_t warnings;
    kz_status fail_ioc_at; /* nonzero: the ioc callback returns this... */
    size_t fail_after;     /* ...after this many calls */
} rec;

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    rec *r = ud;
    assert_true(r->nadv < MAXREC);
    rec_adv *d = &r->adv[r->nadv++];
    assert_non_null(a->title);
    d->key = dup0(a->key);
    d->title = dup0(a->title);
    d->url = dup0(a->url);
    d->summary = dup0(a->summary);
    d->impact = dup0(a->impact);
    d->source = dup0(a->source);
    d->tlp = dup0(a->tlp);
    d->published = a->published;
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    if (r->fail_ioc_at && r->nioc >= r->fail_after)
        return r->fail_ioc_at;
    assert_true(r->nioc < MAXREC);
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    rec_ioc *d = &r->ioc[r->nioc++];
    d->type = i->type;
    d->value = strdup(i->value);
    d->comment = dup0(i->comment);
    d->category = dup0(i->category);
    d->line = i->line;
    d->confidence = i->confidence;
    d->to_ids = i->to_ids;
    d->score = i->score;
    d->ntags = i->ntags;
    size_t len = 1;
    for (size_t k = 0; k < i->ntags; k++)
        len += strlen(i->tags[k]) + 1;
    d->tags = calloc(1, len);
    for (size_t k = 0; k < i->ntags; k++) {
        if (k)
            strcat(d->tags, "|");
        strcat(d->tags, i->tags[k]);
    }
    return KZ_OK;
}

static void on_unsup(void *ud, const char *what, uint64_t line)
{
    rec *r = ud;
    assert_true(r->nunsup < MAXREC);
    r->unsup_line[r->nunsup] = line;
    r->unsup[r->nunsup++] = strdup(what);
}

static void on_diag(void *ud, kz_severity sev, const char *input, uint64_t line,
                    uint64_t col, const char *msg)
{
    (void)input, (void)line, (void)col, (void)msg;
    rec *r = ud;
    if (sev == KZ_SEV_WARNING)
        r->warnings++;
}

static void rec_free(rec *r)
{
    for (size_t i = 0; i < r->nadv; i++) {
        rec_adv *a = &r->adv[i];
        free(a->key), free(a->title), free(a->url), free(a->summary);
        free(a->impact), free(a->source), free(a->tlp);
    }
    for (size_t i = 0; i < r->nioc; i++) {
        free(r->ioc[i].value), free(r->ioc[i].comment);
        free(r->ioc[i].category), free(r->ioc[i].tags);
    }
    for (size_t i = 0; i < r->nunsup; i++)
        free(r->unsup[i]);
    free(r);
}

static size_t count_unsup(const rec *r, const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nunsup; i++)
        n += strcmp(r->unsup[i], what) == 0;
    return n;
}

static const rec_ioc *find_ioc(const rec *r, kz_type t, const char *v)
{
    for (size_t i = 0; i < r->nioc; i++)
        if (r->ioc[i].type == t && strcmp(r->ioc[i].value, v) == 0)
            return &r->ioc[i];
    return NULL;
}

static size_t count_type(const rec *r, kz_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nioc; i++)
        n += r->ioc[i].type == t;
    return n;
}

/* The allocation read_buf's reader makes fail (0: none). */
static unsigned long g_fail_after;

/* Reads the n bytes at s as input `name`; *out gets the records. */
static kz_status read_buf(const char *name, const char *s, size_t n, rec **out,
                          char *msg, size_t msgcap)
{
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    rec *r = calloc(1, sizeof *r);
    assert_non_null(r);
    kz_ctx_set_diag(ctx, on_diag, r);
    FILE *f = fmemopen((void *)s, n, "r");
    assert_non_null(f);
    kz_intel_sink sink = {0};
    sink.ud = r;
    sink.advisory = on_adv;
    sink.ioc = on_ioc;
    sink.unsupported = on_unsup;
    kz_read_opts o = {0};
    o.name = name;
    kz_alloc_fail_after(g_fail_after);
    kz_status st = kz_read_loldrivers(ctx, f, &o, &sink);
    kz_alloc_fail_after(0);
    if (msg)
        snprintf(msg, msgcap, "%s", kz_ctx_errmsg(ctx));
    fclose(f);
    kz_ctx_free(ctx);
    *out = r;
    return st;
}

static kz_status read_str(const char *name, const char *s, rec **out, char *msg,
                          size_t msgcap)
{
    return read_buf(name, s, strlen(s), out, msg, msgcap);
}

/* ---- YAML -----------------------------------------------------------------
 */

static const char full_yaml[] =
    "Id: 9454a752-233e-4ba2-b585-8da242bf8f31\n"         /* 1 */
    "Tags:\n"                                            /* 2 */
    "- Netfilter.sys\n"                                  /* 3 */
    "- rootkit\n"                                        /* 4 */
    "Verified: 'TRUE'\n"                                 /* 5 */
    "Author: Someone\n"                                  /* 6 */
    "Created: '2023-07-22'\n"                            /* 7 */
    "MitreID: T1068\n"                                   /* 8 */
    "CVE:\n"                                             /* 9 */
    "- CVE-2021-1234\n"                                  /* 10 */
    "- ''\n"                                             /* 11 */
    "Category: malicious\n"                              /* 12 */
    "Commands:\n"                                        /* 13 */
    "  Command: sc.exe create x binPath=C:\\x.sys\n"     /* 14 */
    "  Description: Signed rootkit\n"                    /* 15 */
    "  Usecase: Elevate privileges\n"                    /* 16 */
    "  Privileges: kernel\n"                             /* 17 */
    "  OperatingSystem: Windows\n"                       /* 18 */
    "Resources:\n"                                       /* 19 */
    "- https://example.org/netfilter\n"                  /* 20 */
    "- ''\n"                                             /* 21 */
    "Detection: []\n"                                    /* 22 */
    "KnownVulnerableSamples:\n"                          /* 23 */
    "- Filename: Netfilter.sys\n"                        /* 24 */
    "  OriginalFilename: netfilter.SYS\n"                /* 25 */
    "  MD5: 1E9F5515BFF6F29D06694BE4CD95A21C\n"          /* 26 */
    "  SHA1: 919b22b086fb2718648e61274e7ae9535efa9a99\n" /* 27 */
    "  SHA256: "
    "22da5a055b7b17c69def9f5af54e257c751507e7b6b9a835fcf6245ab90ae750\n"
    "  Company: Netfilter Co\n"
    "  Product: NF\n"
    "  Description: filter driver\n"
    "  Publisher: Microsoft Windows Hardware Compatibility Publisher\n"
    "  LoadsDespiteHVCI: 'TRUE'\n"
    "  Imphash: b5403fb8687d7afd40fd8cf3b4dfe29b\n"
    "  ImportedFunctions:\n"
    "  - IoCreateFile\n"
    "  Authentihash:\n"
    "    MD5: d28a2c907981a32d7855fbf5e8e61c48\n"
    "    SHA1: 05ac1c64ca16ab0517fe85d4499d08199e63df26\n"
    "    SHA256: "
    "b430d3a0bdb837a5d6625d3b1cef07abd1953f969869ff6cf7ba398ae605431a\n"
    "  Signatures:\n"
    "  - Certificates:\n"
    "    - Subject: CN=Microsoft Windows Hardware Compatibility Publisher\n"
    "      SerialNumber: 33000000B5\n"
    "      TBS:\n"
    "        MD5: a0dd89c33c4973bf6758331e200fb6de\n"
    "        SHA1: 65ff7fa429c0f08f8a8bf30509e8ca2919d9edb5\n"
    "    - Subject: CN=Microsoft Windows Third Party Component CA 2012\n"
    "      SerialNumber: 610baac1\n"
    "      TBS:\n"
    "        SHA256: "
    "cec1afd0e310c55c1dcc601ab8e172917706aa32fb5eaf826813547fdf02dd46\n"
    "    Signer:\n"
    "    - SerialNumber: 33000000b5\n"
    "      Issuer: CN=Microsoft Windows Third Party Component CA 2012\n"
    "- Filename: ''\n"
    "  MD5: '-'\n"
    "  SHA1: N/A\n"
    "  SHA256: "
    "23115B5B1D5511D59CDAD75F863D65893304DC098848DCB149B69492F51B31F6\n"
    "  Signatures:\n"
    "  - Signer:\n"
    "    - SerialNumber: 0abc\n"
    "      Issuer: CN=Unknown CA\n";

static void test_yaml__maps_every_field(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    assert_int_equal(read_str("nf.yaml", full_yaml, &r, msg, sizeof msg),
                     KZ_OK);
    assert_int_equal(r->nadv, 1);
    rec_adv *a = &r->adv[0];
    assert_string_equal(a->key, "9454a752-233e-4ba2-b585-8da242bf8f31");
    assert_string_equal(a->title, "LOLDrivers: Netfilter.sys");
    assert_string_equal(a->url, "https://www.loldrivers.io/drivers/"
                                "9454a752-233e-4ba2-b585-8da242bf8f31/");
    assert_string_equal(a->summary,
                        "Signed rootkit\n\nCommand: sc.exe create x "
                        "binPath=C:\\x.sys\n\nResources:\n"
                        "- https://example.org/netfilter");
    assert_string_equal(a->impact, "Elevate privileges (privileges: kernel)");
    assert_string_equal(a->source, "LOLDrivers");
    assert_string_equal(a->tlp, "clear");
    assert_int_equal(a->published, 1689984000); /* 2023-07-22 */

    /* sha256, sha1, md5, authentihash SHA-256, SHA-1 and MD5, filename
     * (Original deduped) for sample 1; sha256 for sample 2; no filename
     * from tags (already) */
    assert_int_equal(r->nioc, 8);
    assert_int_equal(count_type(r, KZ_T_AUTHENTIHASH), 3);
    const char *tags = "malicious|Netfilter.sys|rootkit|T1068|CVE-2021-1234|"
                       "verified";
    const char *comment =
        "Use case: Elevate privileges (privileges: kernel); Company: "
        "Netfilter Co; Product: NF; Description: filter driver; Publisher: "
        "Microsoft Windows Hardware Compatibility Publisher; Signer: "
        "CN=Microsoft Windows Hardware Compatibility Publisher (serial "
        "33000000b5); loads despite HVCI";
    static const struct {
        kz_type t;
        const char *v;
    } want[] = {
        {KZ_T_SHA256,
         "22da5a055b7b17c69def9f5af54e257c751507e7b6b9a835fcf6245ab90ae750"},
        {KZ_T_SHA1, "919b22b086fb2718648e61274e7ae9535efa9a99"},
        {KZ_T_MD5, "1E9F5515BFF6F29D06694BE4CD95A21C"},
        {KZ_T_AUTHENTIHASH,
         "b430d3a0bdb837a5d6625d3b1cef07abd1953f969869ff6cf7ba398ae605431a"},
        {KZ_T_AUTHENTIHASH, "05ac1c64ca16ab0517fe85d4499d08199e63df26"},
        {KZ_T_AUTHENTIHASH, "d28a2c907981a32d7855fbf5e8e61c48"},
        {KZ_T_FILENAME, "Netfilter.sys"},
        {KZ_T_SHA256,
         "23115B5B1D5511D59CDAD75F863D65893304DC098848DCB149B69492F51B31F6"},
    };
    for (size_t i = 0; i < 8; i++) {
        const rec_ioc *x = &r->ioc[i];
        assert_int_equal(x->type, want[i].t);
        assert_string_equal(x->value, want[i].v);
        assert_string_equal(x->category, "malicious");
        assert_string_equal(x->tags, tags);
        assert_int_equal(x->confidence, -1);
        assert_int_equal(x->to_ids, -1);
        assert_int_equal(x->score, -1);
        assert_int_equal(x->line, i < 7 ? 24 : 55);
        if (i < 7)
            assert_string_equal(x->comment, comment);
    }
    assert_string_equal(r->ioc[7].comment,
                        "Use case: Elevate privileges (privileges: kernel); "
                        "Signer: issued by CN=Unknown CA (serial 0abc)");
    /* TBS hashes (once per certificate) */
    assert_int_equal(
        count_unsup(r, "LOLDrivers certificate TBS hash (not a thumbprint)"),
        2);
    assert_int_equal(r->nunsup, 2);
    assert_int_equal(r->warnings, 0);
    rec_free(r);
}

static void test_yaml__tags_ending_in_sys_are_file_names(void **state)
{
    (void)state;
    rec *r;
    const char *y = "Id: a-1\n"
                    "Category: vulnerable driver\n"
                    "Verified: 'FALSE'\n"
                    "Tags: [gdrv.sys, GDRV.SYS, 'gdrv', 'x y.sys', "
                    "'C:\\a\\b.sys', '.sys']\n"
                    "Commands: {Usecase: Elevate privileges}\n";
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nioc, 1);
    assert_int_equal(r->ioc[0].type, KZ_T_FILENAME);
    assert_string_equal(r->ioc[0].value, "gdrv.sys");
    assert_string_equal(r->ioc[0].category, "vulnerable driver");
    assert_string_equal(r->ioc[0].comment, "Use case: Elevate privileges");
    assert_string_equal(r->ioc[0].tags,
                        "vulnerable driver|gdrv.sys|GDRV.SYS|gdrv|x y.sys|"
                        "C:\\a\\b.sys|.sys|unverified");
    assert_int_equal(r->ioc[0].line, 1);
    assert_string_equal(r->adv[0].title, "LOLDrivers: gdrv.sys");
    assert_null(r->adv[0].summary);
    assert_string_equal(r->adv[0].impact, "Elevate privileges");
    assert_int_equal(r->adv[0].published, 0);
    rec_free(r);
}

static void test_yaml__title_falls_back_to_file_name_then_id(void **state)
{
    (void)state;
    rec *r;
    const char *y = "---\n"
                    "Id: e-1\n"
                    "KnownVulnerableSamples:\n"
                    "- {Filename: '', OriginalFilename: orig.sys}\n"
                    "---\n"
                    "Id: e-2\n"
                    "KnownVulnerableSamples: ''\n"
                    "---\n"
                    "KnownVulnerableSamples: []\n";
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv, 3);
    assert_string_equal(r->adv[0].title, "LOLDrivers: orig.sys");
    assert_string_equal(r->adv[1].title, "LOLDrivers: e-2");
    assert_string_equal(r->adv[2].title, "LOLDrivers: driver");
    assert_null(r->adv[2].key);
    assert_null(r->adv[2].url);
    assert_null(r->adv[0].impact);
    assert_int_equal(r->nioc, 1);
    assert_null(r->ioc[0].category);
    assert_int_equal(r->ioc[0].ntags, 0);
    assert_null(r->ioc[0].comment);
    rec_free(r);
}

static void test_yaml__dedupes_within_an_entry_only(void **state)
{
    (void)state;
    rec *r;
    const char *h =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char y[1024];
    snprintf(
        y, sizeof y,
        "- Id: e1\n"
        "  KnownVulnerableSamples:\n"
        "  - {SHA256: %s, Filename: a.sys}\n"
        "  - {SHA256: '%.20sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', "
        "Filename: A.SYS}\n"
        "- Id: e2\n"
        "  KnownVulnerableSamples:\n"
        "  - {SHA256: %s}\n",
        h, h, h);
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv, 2);
    assert_int_equal(r->nioc, 3); /* sha256 + a.sys, then sha256 again */
    assert_int_equal(count_type(r, KZ_T_SHA256), 2);
    assert_int_equal(count_type(r, KZ_T_FILENAME), 1);
    assert_int_equal(r->ioc[0].line, 3);
    assert_int_equal(r->ioc[2].line, 7);
    rec_free(r);
}

static void test_yaml__bad_hash_lengths_are_unsupported(void **state)
{
    (void)state;
    rec *r;
    const char *y = "Id: x\n"
                    "KnownVulnerableSamples:\n"
                    "- MD5: 1234\n"
                    "  SHA1: zz9b22b086fb2718648e61274e7ae9535efa9a99\n"
                    "  SHA256: 0123456789abcdef0123456789abcdef\n"
                    "  Authentihash: {SHA256: abc}\n"
                    "  Filename: \"a\\0b.sys\"\n";
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nioc, 0);
    assert_int_equal(count_unsup(r, "LOLDrivers hash of the wrong length"), 4);
    assert_int_equal(count_unsup(r, "LOLDrivers value with a NUL byte"), 1);
    assert_int_equal(r->unsup_line[0], 3);
    rec_free(r);
}

static void test_yaml__malformed_names_input_line_column(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    const char *y = "Id: x\n"
                    "Tags: [a, b\n"
                    "Category: malicious\n";
    assert_int_equal(read_str("bad.yaml", y, &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_true(strncmp(msg, "bad.yaml:3:", 11) == 0);
    assert_non_null(strstr(msg, "YAML: "));
    rec_free(r);

    /* invalid UTF-8: libyaml's reader error, at its position */
    assert_int_equal(
        read_str("u.yaml", "Id: x\nTags: [\xff]\n", &r, msg, sizeof msg),
        KZ_ERR_PARSE);
    assert_true(strncmp(msg, "u.yaml:", 7) == 0);
    rec_free(r);
}

static void test_yaml__non_entries_are_parse_errors(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    assert_int_equal(read_str("a.yaml", "\n\nfoo: bar\n", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_string_equal(msg, "a.yaml:3:1: not a LOLDrivers entry (no Id, no "
                             "KnownVulnerableSamples)");
    rec_free(r);
    assert_int_equal(read_str("b.yaml", "just text\n", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_string_equal(msg, "b.yaml:1:1: a LOLDrivers entry must be a "
                             "mapping");
    rec_free(r);
    assert_int_equal(read_str("c.yaml",
                              "Id: x\nKnownVulnerableSamples:\n- [a]\n", &r,
                              msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_string_equal(msg, "c.yaml:1:1: a KnownVulnerableSamples element "
                             "must be a mapping");
    assert_int_equal(r->nadv, 1);
    rec_free(r);
    assert_int_equal(read_str("d.yaml", "? [a, b]\n: c\n", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_string_equal(msg, "d.yaml:1:3: a mapping key that is not a scalar");
    rec_free(r);
    assert_int_equal(read_str(NULL, "foo: bar\n", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_true(strncmp(msg, "-:1:1: ", 7) == 0);
    rec_free(r);
}

static void test_yaml__aliases_are_unsupported(void **state)
{
    (void)state;
    rec *r;
    const char *y = "Id: x\n"
                    "Category: &c malicious\n"
                    "KnownVulnerableSamples:\n"
                    "- Filename: *c\n"
                    "  OriginalFilename: b.sys\n";
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nioc, 1);
    assert_string_equal(r->ioc[0].value, "b.sys");
    assert_string_equal(r->ioc[0].category, "malicious");
    assert_int_equal(count_unsup(r, "YAML alias"), 1);
    assert_int_equal(r->unsup_line[0], 4);
    rec_free(r);
}

static void test_yaml__empty_and_null_documents(void **state)
{
    (void)state;
    rec *r;
    assert_int_equal(read_str("e.yaml", "", &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv + r->nioc, 0);
    rec_free(r);
    assert_int_equal(read_str("e.yaml", "---\n...\n---\n# c\n", &r, NULL, 0),
                     KZ_OK);
    assert_int_equal(r->nadv + r->nioc, 0);
    rec_free(r);
    /* null values are no values */
    assert_int_equal(read_str("e.yaml",
                              "Id: x\nKnownVulnerableSamples:\n"
                              "- {Filename: ~, OriginalFilename: null, "
                              "MD5: }\n",
                              &r, NULL, 0),
                     KZ_OK);
    assert_int_equal(r->nioc, 0);
    rec_free(r);
}

static void test_yaml__bad_created_date_warns(void **state)
{
    (void)state;
    rec *r;
    assert_int_equal(
        read_str("t.yaml", "Id: x\nCreated: yesterday\n", &r, NULL, 0), KZ_OK);
    assert_int_equal(r->adv[0].published, 0);
    assert_int_equal(r->warnings, 1);
    rec_free(r);
}

static void test_yaml__depth_limit(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    char y[512];
    size_t n = 0;
    n += (size_t)snprintf(y, sizeof y, "Id: x\nT: ");
    for (int i = 0; i < KZ_LD_MAX_DEPTH; i++)
        y[n++] = '[';
    y[n] = '\0';
    assert_int_equal(read_str("d.yaml", y, &r, msg, sizeof msg), KZ_ERR_LIMIT);
    assert_string_equal(msg, "d.yaml:2:35: YAML nested deeper than 32 levels");
    rec_free(r);
    /* one level less is fine */
    n = (size_t)snprintf(y, sizeof y, "Id: x\nT: ");
    for (int i = 0; i < KZ_LD_MAX_DEPTH - 1; i++)
        y[n++] = '[';
    for (int i = 0; i < KZ_LD_MAX_DEPTH - 1; i++)
        y[n++] = ']';
    y[n++] = '\n';
    y[n] = '\0';
    assert_int_equal(read_str("d.yaml", y, &r, msg, sizeof msg), KZ_OK);
    assert_int_equal(r->nadv, 1);
    rec_free(r);
}

static void test_yaml__node_limit_is_per_entry(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    /* the mapping, "Id", "x", "T", the sequence: 5 nodes, then items */
    size_t items = KZ_LD_MAX_NODES - 5;
    size_t cap = 32 + items * 2 + 64;
    char *y = malloc(cap * 2);
    assert_non_null(y);
    size_t n = (size_t)snprintf(y, cap, "Id: x\nT: [");
    for (size_t i = 0; i < items; i++) {
        y[n++] = 'a';
        y[n++] = ',';
    }
    n--;
    memcpy(y + n, "]\n", 3);
    n += 2;
    /* exactly at the limit: fine, also twice (one entry at a time) */
    memcpy(y + n, "---\n", 4);
    memcpy(y + n + 4, y, n);
    assert_int_equal(read_buf("n.yaml", y, 2 * n + 4, &r, msg, sizeof msg),
                     KZ_OK);
    assert_int_equal(r->nadv, 2);
    rec_free(r);
    /* one more node: over */
    memcpy(y + n - 2, ",b]\n", 5);
    assert_int_equal(read_buf("n.yaml", y, n + 2, &r, msg, sizeof msg),
                     KZ_ERR_LIMIT);
    assert_true(strncmp(msg, "n.yaml:2:", 9) == 0);
    assert_non_null(strstr(msg, "more than 262144 YAML nodes in one entry"));
    rec_free(r);
    free(y);
}

static void test_yaml__entry_size_limit(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    size_t n = KZ_LD_MAX_ENTRY_BYTES + 64 * 1024;
    char *y = malloc(n + 1);
    assert_non_null(y);
    memcpy(y, "Id: x\nT: ", 9);
    memset(y + 9, 'a', n - 10);
    y[n - 1] = '\n';
    y[n] = '\0';
    assert_int_equal(read_buf("big.yaml", y, n, &r, msg, sizeof msg),
                     KZ_ERR_LIMIT);
    assert_true(strncmp(msg, "big.yaml:", 9) == 0);
    assert_non_null(strstr(msg, "an entry longer than 16777216 bytes"));
    rec_free(r);
    free(y);
}

static void test_yaml__tag_count_limit(void **state)
{
    (void)state;
    rec *r;
    char y[4096];
    size_t n =
        (size_t)snprintf(y, sizeof y, "Id: x\nCategory: malicious\nTags:\n");
    for (int i = 0; i < KZ_LD_MAX_TAGS + 5; i++)
        n += (size_t)snprintf(y + n, sizeof y - n, "- t%d.sys\n", i);
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    /* every .sys tag is a file name, each with the first 64 tags */
    assert_int_equal(r->nioc, KZ_LD_MAX_TAGS + 5);
    assert_int_equal(r->ioc[0].ntags, KZ_LD_MAX_TAGS);
    assert_int_equal(r->warnings, 1);
    rec_free(r);
}

static void test_yaml__summary_is_cut_at_its_limit(void **state)
{
    (void)state;
    rec *r;
    size_t dl = KZ_LD_MAX_SUMMARY + 100;
    char *y = malloc(dl + 64);
    assert_non_null(y);
    size_t n = (size_t)snprintf(y, 64, "Id: x\nCommands:\n  Description: ");
    memset(y + n, 'd', dl);
    n += dl;
    memcpy(y + n, "\n", 2);
    assert_int_equal(read_str("t.yaml", y, &r, NULL, 0), KZ_OK);
    assert_int_equal(strlen(r->adv[0].summary), KZ_LD_MAX_SUMMARY);
    assert_string_equal(r->adv[0].summary + KZ_LD_MAX_SUMMARY - 4, "d...");
    rec_free(r);
    free(y);
}

static void test_yaml__byte_order_mark(void **state)
{
    (void)state;
    rec *r;
    assert_int_equal(
        read_str("b.yaml", "\xEF\xBB\xBFId: x\nTags: [b.sys]\n", &r, NULL, 0),
        KZ_OK);
    assert_int_equal(r->nioc, 1);
    assert_string_equal(r->adv[0].key, "x");
    rec_free(r);
}

/* ---- JSON -----------------------------------------------------------------
 */

static void test_json__array_of_entries(void **state)
{
    (void)state;
    rec *r;
    const char *j =
        "[\n"
        "  {\"Id\": \"j-1\", \"Category\": \"vulnerable driver\",\n"
        "   \"Tags\": [\"rtcore64.sys\"], \"Verified\": true,\n"
        "   \"MitreID\": \"T1068\", \"Created\": \"2023-01-09\",\n"
        "   \"Commands\": {\"Description\": \"d\", \"Usecase\": \"u\"},\n"
        "   \"Resources\": [\"https://r.example/\"],\n"
        "   \"KnownVulnerableSamples\": [{\"MD5\": "
        "\"01234567890123456789012345678901\",\n"
        "     \"Authentihash\": {\"SHA256\": "
        "\"0123456789012345678901234567890123456789012345678901234567890123\"},"
        "\n     \"Filename\": \"RTCore64.sys\"}]},\n"
        "  {\"Id\": \"j-2\", \"Verified\": \"FALSE\", "
        "\"KnownVulnerableSamples\": "
        "[]}\n"
        "]\n";
    assert_int_equal(read_str("drivers.json", j, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv, 2);
    assert_string_equal(r->adv[0].key, "j-1");
    assert_string_equal(r->adv[0].title, "LOLDrivers: rtcore64.sys");
    assert_string_equal(r->adv[0].summary, "d\n\nResources:\n"
                                           "- https://r.example/");
    assert_string_equal(r->adv[0].impact, "u");
    assert_int_equal(r->adv[0].published, 1673222400);
    assert_int_equal(r->nioc, 3); /* md5, authentihash, RTCore64.sys */
    assert_int_equal(r->ioc[0].type, KZ_T_MD5);
    assert_int_equal(r->ioc[1].type, KZ_T_AUTHENTIHASH);
    assert_int_equal(r->ioc[2].type, KZ_T_FILENAME);
    assert_string_equal(r->ioc[2].value, "RTCore64.sys");
    assert_string_equal(r->ioc[0].tags,
                        "vulnerable driver|rtcore64.sys|T1068|verified");
    assert_string_equal(r->ioc[0].comment, "Use case: u");
    assert_int_equal(r->ioc[0].line, 2); /* the element's line */
    assert_string_equal(r->adv[1].key, "j-2");
    rec_free(r);
}

static void test_json__single_object_and_bom(void **state)
{
    (void)state;
    rec *r;
    assert_int_equal(read_str("one.json",
                              "\xEF\xBB\xBF\n {\"Id\": \"o\", \"Tags\": "
                              "[\"x.sys\"]}\n",
                              &r, NULL, 0),
                     KZ_OK);
    assert_int_equal(r->nadv, 1);
    assert_int_equal(r->nioc, 1);
    assert_int_equal(r->ioc[0].line, 2);
    rec_free(r);
}

static void test_json__malformed_names_input_line_column(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    assert_int_equal(
        read_str("bad.json", "[\n{\"Id\": \"a\",}\n]\n", &r, msg, sizeof msg),
        KZ_ERR_PARSE);
    assert_true(strncmp(msg, "bad.json:2:", 11) == 0);
    rec_free(r);
    /* blank lines before the array count */
    assert_int_equal(read_str("bad.json", "\n\n[\n{\"Id\": \"a\",}\n]\n", &r,
                              msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_true(strncmp(msg, "bad.json:4:", 11) == 0);
    rec_free(r);
    assert_int_equal(read_str("e.json", "[1]", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_string_equal(msg, "e.json:1:2: a LOLDrivers entry must be a "
                             "mapping");
    rec_free(r);
    assert_int_equal(read_str("e.json", "[{\"x\": 1}]", &r, msg, sizeof msg),
                     KZ_ERR_PARSE);
    assert_true(strncmp(msg, "e.json:1:2: not a LOLDrivers entry", 34) == 0);
    rec_free(r);
    assert_int_equal(
        read_str("t.json", "{\"Id\": \"a\"} x", &r, msg, sizeof msg),
        KZ_ERR_PARSE);
    assert_true(strncmp(msg, "t.json:1:", 9) == 0);
    assert_int_equal(r->nadv, 1);
    rec_free(r);
}

/* ---- CSV ------------------------------------------------------------------
 */

static const char csv_header[] =
    "\"Id\",\"Author\",\"Created\",\"Command\",\"Description\",\"Usecase\","
    "\"Category\",\"Privileges\",\"MitreID\",\"OperatingSystem\","
    "\"Resources\",\"Driver Description\",\"Person\",\"Handle\","
    "\"Detection\",\"KnownVulnerableSamples_MD5\","
    "\"KnownVulnerableSamples_SHA1\",\"KnownVulnerableSamples_SHA256\","
    "\"KnownVulnerableSamples_Publisher\",\"KnownVulnerableSamples_Date\","
    "\"KnownVulnerableSamples_Company\","
    "\"KnownVulnerableSamples_Description\","
    "\"KnownVulnerableSamples_Authentihash_MD5\","
    "\"KnownVulnerableSamples_Authentihash_SHA1\","
    "\"KnownVulnerableSamples_Authentihash_SHA256\",\"Verified\",\"Tags\"\n";

static void test_csv__maps_every_column(void **state)
{
    (void)state;
    rec *r;
    char buf[8192];
    snprintf(
        buf, sizeof buf, "%s%s", csv_header,
        "\"c-1\",\"A\",\"2023-02-28\",\"sc create\",\"desc\",\"Elevate\","
        "\"malicious\",\"kernel\",\"T1068\",\"Windows\","
        "\"['https://a.example/x', \"\"https://b.example/it's\"\", '']\","
        "\"driver text\",\"\",\"\",\"[{'type': '', 'value': ''}]\","
        "\"11111111111111111111111111111111, 22222222222222222222222222222222"
        "\","
        "\"3333333333333333333333333333333333333333\","
        "\"4444444444444444444444444444444444444444444444444444444444444444, "
        "4444444444444444444444444444444444444444444444444444444444444444\","
        "\"\"\"ATI Technologies, Inc\"\", , Other Pub\",\", \","
        "\"Co A, Co A, , Co B\",\"Drv, Drv\","
        "\"55555555555555555555555555555555\","
        "\"6666666666666666666666666666666666666666\","
        "\"7777777777777777777777777777777777777777777777777777777777777777\","
        "\"TRUE\",\"foo, foo.sys, bar.sys\"\n");
    assert_int_equal(read_str("d.csv", buf, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv, 1);
    rec_adv *a = &r->adv[0];
    assert_string_equal(a->key, "c-1");
    assert_string_equal(a->title, "LOLDrivers: foo");
    assert_string_equal(a->summary, "desc\n\nCommand: sc create\n\n"
                                    "driver text\n\nResources:\n"
                                    "- https://a.example/x\n"
                                    "- https://b.example/it's");
    assert_string_equal(a->impact, "Elevate (privileges: kernel)");
    assert_int_equal(a->published, 1677542400);
    /* sha256 (once), sha1, 2 md5, authentihash SHA-256, SHA-1 and MD5,
     * foo.sys, bar.sys */
    assert_int_equal(r->nioc, 9);
    assert_int_equal(count_type(r, KZ_T_MD5), 2);
    assert_int_equal(count_type(r, KZ_T_SHA256), 1);
    assert_non_null(find_ioc(
        r, KZ_T_AUTHENTIHASH,
        "7777777777777777777777777777777777777777777777777777777777777777"));
    assert_non_null(find_ioc(r, KZ_T_FILENAME, "foo.sys"));
    const rec_ioc *x =
        find_ioc(r, KZ_T_SHA1, "3333333333333333333333333333333333333333");
    assert_non_null(x);
    assert_string_equal(x->category, "malicious");
    assert_string_equal(x->tags,
                        "malicious|foo|foo.sys|bar.sys|T1068|verified");
    assert_string_equal(x->comment,
                        "Use case: Elevate (privileges: kernel); Company: Co "
                        "A, Co B; Description: Drv; Publisher: ATI "
                        "Technologies, Inc, Other Pub");
    assert_int_equal(x->line, 2);
    assert_int_equal(count_type(r, KZ_T_AUTHENTIHASH), 3);
    assert_int_equal(r->nunsup, 0);
    rec_free(r);
}

static void test_csv__unquoted_header_and_unknown_columns(void **state)
{
    (void)state;
    rec *r;
    const char *c = "Id,Category,Extra,KnownVulnerableSamples_SHA1\n"
                    "u-1,vulnerable driver,zz,"
                    "3333333333333333333333333333333333333333\n"
                    "\n"
                    "u-2,malicious,,,surplus\n";
    assert_int_equal(read_str("u.csv", c, &r, NULL, 0), KZ_OK);
    assert_int_equal(r->nadv, 2);
    assert_int_equal(r->nioc, 1);
    assert_string_equal(r->ioc[0].category, "vulnerable driver");
    assert_int_equal(count_unsup(r, "unknown LOLDrivers CSV column"), 1);
    assert_int_equal(count_unsup(r, "LOLDrivers CSV field beyond the header"),
                     1);
    assert_int_equal(r->unsup_line[1], 4);
    rec_free(r);
}

static void test_csv__errors_count_lines_from_the_start(void **state)
{
    (void)state;
    rec *r;
    char msg[512];
    /* a NUL byte in the third row, the header on the second line */
    static const char c[] = "\n\"Id\",\"Category\"\n"
                            "\"a\",\"malicious\"\n"
                            "\"b\",\"mal\"\n"
                            "\"c\",\"m\0\"\n";
    kz_status st = read_buf("e.csv", c, sizeof c - 1, &r, msg, sizeof msg);
    assert_int_equal(st, KZ_ERR_PARSE);
    assert_string_equal(msg, "e.csv:5:7: NUL byte in CSV data");
    assert_int_equal(r->nadv, 2);
    assert_string_equal(r->adv[1].key, "b");
    rec_free(r);
}

/* ---- the sink -------------------------------------------------------------
 */

static void test_sink__null_callbacks_and_stop(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    kz_intel_sink empty = {0};
    FILE *f = fmemopen((void *)full_yaml, strlen(full_yaml), "r");
    assert_int_equal(kz_read_loldrivers(ctx, f, NULL, &empty), KZ_OK);
    fclose(f);

    /* a sink error stops the reader with that status */
    rec *r = calloc(1, sizeof *r);
    kz_intel_sink s = {0};
    s.ud = r;
    s.ioc = on_ioc;
    r->fail_ioc_at = KZ_ERR_ABORTED;
    r->fail_after = 2;
    f = fmemopen((void *)full_yaml, strlen(full_yaml), "r");
    assert_int_equal(kz_read_loldrivers(ctx, f, NULL, &s), KZ_ERR_ABORTED);
    assert_int_equal(r->nioc, 2);
    fclose(f);
    rec_free(r);

    assert_int_equal(kz_read_loldrivers(ctx, NULL, NULL, &s), KZ_ERR_INVALID);
    kz_ctx_free(ctx);
}

static void test_sink__failed_allocations(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        full_yaml,
        "[{\"Id\": \"a\", \"Tags\": [\"b.sys\"]}]",
        "Id,Resources,KnownVulnerableSamples_Company,Tags\n"
        "a,\"['x', 'y']\",\"c, c\",b.sys\n",
    };
    for (size_t k = 0; k < sizeof inputs / sizeof *inputs; k++) {
        int ok = 0, nomem = 0;
        for (unsigned long n = 1; n < 200 && !ok; n++) {
            rec *r;
            g_fail_after = n;
            kz_status st = read_str("m", inputs[k], &r, NULL, 0);
            g_fail_after = 0;
            assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
            ok = st == KZ_OK;
            nomem += st == KZ_ERR_NOMEM;
            if (ok)
                assert_true(r->nioc > 0);
            rec_free(r);
        }
        assert_true(ok);
        assert_true(nomem > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml__maps_every_field),
        cmocka_unit_test(test_yaml__tags_ending_in_sys_are_file_names),
        cmocka_unit_test(test_yaml__title_falls_back_to_file_name_then_id),
        cmocka_unit_test(test_yaml__dedupes_within_an_entry_only),
        cmocka_unit_test(test_yaml__bad_hash_lengths_are_unsupported),
        cmocka_unit_test(test_yaml__malformed_names_input_line_column),
        cmocka_unit_test(test_yaml__non_entries_are_parse_errors),
        cmocka_unit_test(test_yaml__aliases_are_unsupported),
        cmocka_unit_test(test_yaml__empty_and_null_documents),
        cmocka_unit_test(test_yaml__bad_created_date_warns),
        cmocka_unit_test(test_yaml__depth_limit),
        cmocka_unit_test(test_yaml__node_limit_is_per_entry),
        cmocka_unit_test(test_yaml__entry_size_limit),
        cmocka_unit_test(test_yaml__tag_count_limit),
        cmocka_unit_test(test_yaml__summary_is_cut_at_its_limit),
        cmocka_unit_test(test_yaml__byte_order_mark),
        cmocka_unit_test(test_json__array_of_entries),
        cmocka_unit_test(test_json__single_object_and_bom),
        cmocka_unit_test(test_json__malformed_names_input_line_column),
        cmocka_unit_test(test_csv__maps_every_column),
        cmocka_unit_test(test_csv__unquoted_header_and_unknown_columns),
        cmocka_unit_test(test_csv__errors_count_lines_from_the_start),
        cmocka_unit_test(test_sink__null_callbacks_and_stop),
        cmocka_unit_test(test_sink__failed_allocations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

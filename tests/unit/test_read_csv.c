/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the CSV tokenizer (lib/intel/csvparse.c) and kz_read_csv:
 * RFC 4180 quoting, line ends, delimiters, comments, limits and errors;
 * header names, commented headers (abuse.ch), --map, guessing the columns
 * of a file without a header, composite types, and what is reported as
 * unsupported. A recording sink writes every record as one line of text.
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
#include "intel/csvparse.h"
#include "kizashi/intel.h"

/* ---- a recording sink -----------------------------------------------------
 */

typedef struct rec {
    FILE *out;
    char *text;
    size_t len;
    unsigned iocs, unsupported, threats;
    unsigned stop_after; /* the nth ioc returns KZ_ERR_ABORTED; 0: never */
} rec;

static void put_list(FILE *o, const char *key, const char *const *v, size_t n)
{
    if (n == 0)
        return;
    fprintf(o, " %s=", key);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%s%s", i ? "|" : "", v[i]);
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    r->iocs++;
    fprintf(r->out, "%llu %s %s", (unsigned long long)i->line,
            kz_type_name(i->type), i->value);
    if (i->port)
        fprintf(r->out, " port=%u", i->port);
    put_list(r->out, "thr", i->threats, i->nthreats);
    put_list(r->out, "tag", i->tags, i->ntags);
    if (i->source)
        fprintf(r->out, " src=%s", i->source);
    if (i->comment)
        fprintf(r->out, " cmt=%s", i->comment);
    if (i->category)
        fprintf(r->out, " cat=%s", i->category);
    if (i->ref)
        fprintf(r->out, " ref=%s", i->ref);
    if (i->tlp)
        fprintf(r->out, " tlp=%s", i->tlp);
    if (i->confidence >= 0)
        fprintf(r->out, " conf=%d", i->confidence);
    char t[32];
    if (i->first_seen) {
        kz_time_format(i->first_seen, t);
        fprintf(r->out, " fs=%s", t);
    }
    if (i->last_seen) {
        kz_time_format(i->last_seen, t);
        fprintf(r->out, " ls=%s", t);
    }
    fputc('\n', r->out);
    if (r->stop_after && r->iocs == r->stop_after)
        return KZ_ERR_ABORTED;
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    rec *r = ud;
    r->threats++;
    fprintf(r->out, "threat %s", t->name);
    put_list(r->out, "aka", t->aliases, t->naliases);
    fputc('\n', r->out);
    return KZ_OK;
}

static void on_unsupported(void *ud, const char *what, uint64_t line)
{
    rec *r = ud;
    r->unsupported++;
    fprintf(r->out, "unsupported %llu %s\n", (unsigned long long)line, what);
}

/* Reads text as CSV named "t.csv"; the records are in r->text (to free). */
static kz_status read_csv_text(kz_ctx *ctx, const char *text, size_t n,
                               const char *map, rec *r)
{
    memset(r, 0, sizeof *r);
    r->out = open_memstream(&r->text, &r->len);
    assert_non_null(r->out);
    FILE *f = fmemopen((void *)text, n, "rb");
    assert_non_null(f);
    kz_read_opts o = {0};
    o.name = "t.csv";
    o.map = map;
    kz_intel_sink s = {0};
    s.ud = r;
    s.ioc = on_ioc;
    s.threat = on_threat;
    s.unsupported = on_unsupported;
    kz_status st = kz_read_csv(ctx, f, &o, &s);
    fclose(f);
    fclose(r->out);
    return st;
}

#define READ(ctx, lit, map, r) read_csv_text(ctx, lit, sizeof(lit) - 1, map, r)

static int setup(void **state)
{
    kz_ctx *ctx;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    *state = ctx;
    return 0;
}

static int teardown(void **state)
{
    kz_ctx_free(*state);
    return 0;
}

/* ---- tokenizer ------------------------------------------------------------
 */

/* Splits text with kz_csv into "a|b|c@line\n" lines. */
static char *tokens(kz_ctx *ctx, const char *text, size_t n, int delim,
                    int skip, int *status)
{
    kz_csv *c;
    assert_int_equal(kz_csv_open_mem(ctx, text, n, "m", delim, skip, &c),
                     KZ_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    const char *const *f;
    const size_t *l;
    size_t nf;
    uint64_t line;
    int rc;
    while ((rc = kz_csv_next(c, &f, &l, &nf, &line)) == 1) {
        for (size_t i = 0; i < nf; i++) {
            assert_int_equal(strlen(f[i]), l[i]);
            fprintf(o, "%s%s", i ? "|" : "", f[i]);
        }
        fprintf(o, "@%llu\n", (unsigned long long)line);
    }
    *status = rc;
    kz_csv_free(c);
    fclose(o);
    return buf;
}

static void test_csv__quotes_escapes_newlines_and_crlf(void **state)
{
    static const char in[] = "a,\"b,1\",\"say \"\"hi\"\"\"\r\n"
                             "\"multi\nline\",x\r\n"
                             "\n"
                             "last,\"\"";
    int st;
    char *t = tokens(*state, in, sizeof in - 1, ',', 0, &st);
    assert_int_equal(st, 0);
    assert_string_equal(t, "a|b,1|say \"hi\"@1\n"
                           "multi\nline|x@2\n"
                           "last|@5\n");
    free(t);
}

static void test_csv__stray_quotes_are_data_like_python(void **state)
{
    /* a quote inside an unquoted field is data; what follows a closing
     * quote is appended, white space before a delimiter is dropped;
     * spaces before an opening quote are skipped */
    static const char in[] = "ab\"c,\"x\"y,\"q\"  , \"r\",\"\"";
    int st;
    char *t = tokens(*state, in, sizeof in - 1, ',', 0, &st);
    assert_int_equal(st, 0);
    assert_string_equal(t, "ab\"c|xy|q|r|@1\n");
    free(t);
}

static void test_csv__detects_delimiter_and_skips_bom(void **state)
{
    static const char tab[] = "\xEF\xBB\xBF# a,b,c\nx\ty,z\tw\n";
    static const char semi[] = "\"a;b\";c;d|e\n";
    static const char pipe[] = "a|b|c,d\n";
    int st;
    char *t = tokens(*state, tab, sizeof tab - 1, 0, 1, &st);
    assert_string_equal(t, "x|y,z|w@2\n");
    free(t);
    t = tokens(*state, semi, sizeof semi - 1, 0, 0, &st);
    assert_string_equal(t, "a;b|c|d|e@1\n");
    free(t);
    t = tokens(*state, pipe, sizeof pipe - 1, 0, 0, &st);
    assert_string_equal(t, "a|b|c,d@1\n");
    free(t);
}

static void test_csv__comments_only_at_record_start(void **state)
{
    static const char in[] = "# one\n#two\na,\"#x\n# not a comment\"\n#z\n";
    kz_csv *c;
    assert_int_equal(
        kz_csv_open_mem(*state, in, sizeof in - 1, "m", ',', 1, &c), KZ_OK);
    const char *const *f;
    const size_t *l;
    size_t nf, n;
    uint64_t line;
    assert_int_equal(kz_csv_next(c, &f, &l, &nf, &line), 1);
    assert_int_equal(nf, 2);
    assert_string_equal(f[1], "#x\n# not a comment");
    assert_int_equal(line, 3);
    const char *cm = kz_csv_comment(c, &n);
    assert_non_null(cm);
    assert_string_equal(cm, "#two");
    assert_int_equal(kz_csv_delim(c), ',');
    assert_int_equal(kz_csv_next(c, &f, &l, &nf, &line), 0);
    kz_csv_free(c);
}

static void test_csv__unterminated_quote_names_line_and_column(void **state)
{
    static const char in[] = "a,b\nc,\xC3\xA9,\"open\nmore\n";
    int st;
    char *t = tokens(*state, in, sizeof in - 1, ',', 0, &st);
    free(t);
    assert_int_equal(st, KZ_ERR_PARSE);
    /* the quote is the 5th character of line 2 (é is one) */
    assert_string_equal(kz_ctx_errmsg(*state),
                        "m:2:5: unterminated quoted field");
}

static void test_csv__nul_byte_is_an_error(void **state)
{
    static const char in[] = "a,b\nc,d\0e\n";
    int st;
    char *t = tokens(*state, in, sizeof in - 1, ',', 0, &st);
    free(t);
    assert_int_equal(st, KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(*state), "m:2:4: NUL byte in CSV data");
}

static void test_csv__field_and_field_count_limits(void **state)
{
    size_t n = KZ_CSV_MAX_FIELD + 10;
    char *big = malloc(n + 8);
    memcpy(big, "a,", 2);
    memset(big + 2, 'x', n - 2);
    int st;
    char *t = tokens(*state, big, n, ',', 0, &st);
    free(t);
    assert_int_equal(st, KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(*state), "m:1:3: field longer"));
    /* more fields than allowed */
    size_t m = 2 * (KZ_CSV_MAX_FIELDS + 1);
    for (size_t i = 0; i < m; i += 2)
        memcpy(big + i, "a,", 2);
    t = tokens(*state, big, m, ',', 0, &st);
    free(t);
    assert_int_equal(st, KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(*state), "more than"));
    free(big);
}

static void test_csv__record_limit_and_buffer_refills(void **state)
{
    /* many rows through a FILE: records straddle the read blocks, one
     * quoted record holds newlines across a block boundary */
    FILE *f = tmpfile();
    assert_non_null(f);
    unsigned rows = 60000;
    for (unsigned i = 0; i < rows; i++) {
        if (i == 30000)
            fprintf(f, "\"q\n%u\",\"x\"\"y\"\n", i);
        else
            fprintf(f, "v%u,%u,zzzzzzzzzz\r\n", i, i);
    }
    rewind(f);
    kz_csv *c;
    assert_int_equal(kz_csv_open(*state, f, "f", 0, 0, &c), KZ_OK);
    const char *const *fl;
    const size_t *l;
    size_t nf;
    uint64_t line, expect_line = 1;
    unsigned got = 0;
    int rc;
    while ((rc = kz_csv_next(c, &fl, &l, &nf, &line)) == 1) {
        assert_int_equal(line, expect_line);
        if (got == 30000) {
            assert_int_equal(nf, 2);
            assert_string_equal(fl[0], "q\n30000");
            assert_string_equal(fl[1], "x\"y");
            expect_line += 2;
        } else {
            assert_int_equal(nf, 3);
            char want[32];
            snprintf(want, sizeof want, "v%u", got);
            assert_string_equal(fl[0], want);
            assert_string_equal(fl[2], "zzzzzzzzzz");
            expect_line++;
        }
        got++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(got, rows);
    kz_csv_free(c);
    fclose(f);

    /* one field longer than KZ_CSV_MAX_FIELD: named by its first line */
    f = tmpfile();
    fputs("a,b\nx,\"", f);
    for (unsigned i = 0; i < KZ_CSV_MAX_FIELD / 64 + 1; i++)
        fputs("012345678901234567890123456789012345678901234567890123456789012"
              "\n",
              f);
    fputs("\"\n", f);
    rewind(f);
    assert_int_equal(kz_csv_open(*state, f, "big", ',', 0, &c), KZ_OK);
    assert_int_equal(kz_csv_next(c, &fl, &l, &nf, &line), 1);
    assert_int_equal(kz_csv_next(c, &fl, &l, &nf, &line), KZ_ERR_LIMIT);
    assert_string_equal(kz_ctx_errmsg(*state),
                        "big:2:3: field longer than 1048576 bytes");
    kz_csv_free(c);
    fclose(f);

    /* one record longer than KZ_CSV_MAX_RECORD (fields within theirs) */
    f = tmpfile();
    fputs("a,b\n", f);
    for (unsigned k = 0; k < 5; k++) {
        fputs(k ? ",\"" : "\"", f);
        for (unsigned i = 0; i < KZ_CSV_MAX_FIELD / 64 - 1; i++)
            fputs("01234567890123456789012345678901234567890123456789012345678"
                  "9012\n",
                  f);
        fputs("\"", f);
    }
    fputs("\n", f);
    rewind(f);
    assert_int_equal(kz_csv_open(*state, f, "big", ',', 0, &c), KZ_OK);
    assert_int_equal(kz_csv_next(c, &fl, &l, &nf, &line), 1);
    assert_int_equal(kz_csv_next(c, &fl, &l, &nf, &line), KZ_ERR_LIMIT);
    assert_string_equal(kz_ctx_errmsg(*state),
                        "big:2: record longer than 4194304 bytes");
    /* the error sticks */
    assert_int_equal(kz_csv_next(c, &fl, &l, &nf, &line), KZ_ERR_LIMIT);
    kz_csv_free(c);
    fclose(f);
}

static void test_csv__free_null_and_bad_arguments(void **state)
{
    kz_csv_free(NULL);
    kz_csv *c = (kz_csv *)1;
    assert_int_equal(kz_csv_open(*state, NULL, "x", 0, 0, &c), KZ_ERR_INVALID);
    assert_null(c);
    assert_int_equal(kz_csv_open_mem(*state, "a", 1, "x", '"', 0, &c),
                     KZ_ERR_INVALID);
    assert_null(kz_csv_comment(NULL, NULL));
}

/* ---- kz_read_csv ----------------------------------------------------------
 */

static void test_read_csv__header_type_value_threat_source(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "type,value,threat,source\n"
             "url,https://evil.example/x,c2,feed-a\n"
             "ipv4,1.2.3.4,,\n"
             "sha256,"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaa,Emotet,x\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(
        r.text,
        "2 url https://evil.example/x thr=c2 src=feed-a\n"
        "3 ipv4 1.2.3.4\n"
        "4 sha256 "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        " thr=Emotet src=x\n");
    free(r.text);
}

static void test_read_csv__header_name_variants_and_every_field(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "Indicator Type,IOC_Value,Malware-Family,Reporter,Description,"
             "First Seen,Last_Seen,Confidence,Tags,Port,Category,ID,TLP\n"
             "ip-dst,10.0.0.1,Qbot,alice,seen in mail,2021-06-25,"
             "2021-06-26T10:00:00Z,75,\"a, b;c\",443,c2,id-1,amber\n"
             "domain,evil.example,,,,,,high,#x #y,,,,\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(r.text,
                        "2 ipv4 10.0.0.1 port=443 thr=Qbot tag=a|b|c src=alice "
                        "cmt=seen in mail cat=c2 ref=id-1 tlp=amber conf=75 "
                        "fs=2021-06-25T00:00:00Z ls=2021-06-26T10:00:00Z\n"
                        "3 domain evil.example tag=x|y conf=85\n");
    free(r.text);
}

static void test_read_csv__one_indicator_per_column(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "md5,sha1,sha256,file_name,signature\n"
             "d41d8cd98f00b204e9800998ecf8427e,"
             "da39a3ee5e6b4b0d3255bfef95601890afd80709,,a.exe,AgentTesla\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(
        r.text, "2 md5 d41d8cd98f00b204e9800998ecf8427e thr=AgentTesla\n"
                "2 sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 "
                "thr=AgentTesla\n"
                "2 filename a.exe thr=AgentTesla\n");
    free(r.text);
}

static void test_read_csv__threatfox_commented_header(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "################\n"
             "# ThreatFox IOCs: full data dump (csv)\n"
             "#\n"
             "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\","
             "\"threat_type\",\"fk_malware\",\"malware_alias\","
             "\"malware_printable\",\"last_seen_utc\",\"confidence_level\","
             "\"reference\",\"tags\",\"anonymous\",\"reporter\"\n"
             "\"2024-04-15 08:10:39\", \"1262186\", \"1.2.3.4:443\", "
             "\"ip:port\", \"botnet_cc\", \"win.cobalt_strike\", "
             "\"BEACON,CobaltStrike\", \"Cobalt Strike\", \"\", \"100\", "
             "\"\", \"c2,CobaltStrike\", \"0\", \"abuse_ch\"\n"
             "\"2024-04-15 08:11:00\", \"1262187\", "
             "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"md5_hash\", "
             "\"payload\", \"win.cobalt_strike\", \"BEACON,CobaltStrike\", "
             "\"Cobalt Strike\", \"\", \"50\", \"\", \"\", \"0\", \"x\"\n"
             "# Number of entries: 2\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(
        r.text,
        "unsupported 4 csv column not mapped\n"
        "unsupported 4 csv column not mapped\n"
        "threat Cobalt Strike aka=win.cobalt_strike|BEACON|CobaltStrike\n"
        "5 ipv4 1.2.3.4:443 thr=Cobalt Strike tag=c2|CobaltStrike "
        "src=abuse_ch cat=botnet_cc ref=1262186 conf=100 "
        "fs=2024-04-15T08:10:39Z\n"
        "6 md5 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa thr=Cobalt Strike src=x "
        "cat=payload ref=1262187 conf=50 fs=2024-04-15T08:11:00Z\n");
    free(r.text);
}

static void test_read_csv__urlhaus_and_feodo_exports(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "# abuse.ch URLhaus Database Dump (CSV)\n"
             "# id,dateadded,url,url_status,last_online,threat,tags,"
             "urlhaus_link,reporter\n"
             "\"1\",\"2024-04-15 08:02:08\",\"http://1.2.3.4/i\",\"online\","
             "\"2024-04-15 09:00:00\",\"malware_download\","
             "\"32-bit,elf,Mozi\",\"https://urlhaus.abuse.ch/url/1/\","
             "\"geenensp\"\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(r.text,
                        "unsupported 2 csv column not mapped\n"
                        "unsupported 2 csv column not mapped\n"
                        "3 url http://1.2.3.4/i thr=malware_download "
                        "tag=32-bit|elf|Mozi src=geenensp ref=1 "
                        "fs=2024-04-15T08:02:08Z ls=2024-04-15T09:00:00Z\n");
    free(r.text);
    assert_int_equal(
        READ(*state,
             "# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\","
             "\"last_online\",\"malware\"\n"
             "\"2021-01-17 07:44:46\",\"51.75.35.4\",\"443\",\"online\","
             "\"2024-04-15\",\"Dridex\"\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(r.text,
                        "unsupported 1 csv column not mapped\n"
                        "2 ipv4 51.75.35.4 port=443 thr=Dridex "
                        "fs=2021-01-17T07:44:46Z ls=2024-04-15T00:00:00Z\n");
    free(r.text);
}

static void test_read_csv__headerless_columns_are_guessed(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "2026-08-22 02:53:35,bob,domain,evil.example.com,#phish,"
             "https://x.com/bob/status/1\n"
             "2026-08-22 03:00:00,eve,url,http://evil.example.com/a,,"
             "https://x.com/eve/status/2\n"
             "2026-08-22 03:00:01,eve,ip,2001:db8::1,#c2 #rat,"
             "https://x.com/eve/status/3\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(
        r.text,
        "unsupported 0 csv column not mapped\n"
        "1 domain evil.example.com tag=phish cmt=https://x.com/bob/status/1 "
        "fs=2026-08-22T02:53:35Z\n"
        "2 url http://evil.example.com/a cmt=https://x.com/eve/status/2 "
        "fs=2026-08-22T03:00:00Z\n"
        "3 ipv6 2001:db8::1 tag=c2|rat cmt=https://x.com/eve/status/3 "
        "fs=2026-08-22T03:00:01Z\n");
    free(r.text);
}

static void test_read_csv__headerless_single_typed_columns(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "1.2.3.4,evil.example.com,some words here\n"
                          "5.6.7.8,bad.example.org,more words\n",
                          NULL, &r),
                     KZ_OK);
    assert_string_equal(r.text,
                        "1 ipv4 1.2.3.4 cmt=some words here\n"
                        "1 domain evil.example.com cmt=some words here\n"
                        "2 ipv4 5.6.7.8 cmt=more words\n"
                        "2 domain bad.example.org cmt=more words\n");
    free(r.text);
}

static void test_read_csv__unknown_types_are_unsupported(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "type,value\n"
                          "bitcoin,1BoatSLRHtKNngkdXEeobR76b53LETtpyT\n"
                          ",evil.example.com\n"
                          ",not an indicator\n"
                          "Hash,d41d8cd98f00b204e9800998ecf8427e\n"
                          "IP,10.0.0.0/8\n"
                          "x509-fingerprint-sha1,"
                          "da39a3ee5e6b4b0d3255bfef95601890afd80709\n",
                          NULL, &r),
                     KZ_OK);
    assert_string_equal(
        r.text, "unsupported 2 csv type bitcoin\n"
                "3 domain evil.example.com\n"
                "unsupported 4 csv value of unknown type\n"
                "5 md5 d41d8cd98f00b204e9800998ecf8427e\n"
                "6 cidr 10.0.0.0/8\n"
                "7 cert_sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709\n");
    assert_int_equal(r.unsupported, 2);
    free(r.text);
}

static void test_read_csv__composite_types(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state,
             "type,value\n"
             "filename|md5,a.exe|d41d8cd98f00b204e9800998ecf8427e\n"
             "ip-dst|port,1.2.3.4|8080\n"
             "filename|md5,only-one-part\n"
             "filename|foo,a|b\n",
             NULL, &r),
        KZ_OK);
    assert_string_equal(
        r.text, "2 filename a.exe\n"
                "2 md5 d41d8cd98f00b204e9800998ecf8427e\n"
                "3 ipv4 1.2.3.4 port=8080\n"
                "unsupported 4 csv composite value does not match its type\n"
                "unsupported 5 csv type filename|foo\n");
    free(r.text);
}

static void test_read_csv__map_overrides(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "a,b,c\n"
                          "Evil Name,evil.example.com,x\n",
                          "a=threat, b=domain ,3=ignore", &r),
                     KZ_ERR_INVALID); /* " b" is no column */
    free(r.text);
    assert_int_equal(READ(*state,
                          "a,b,c\n"
                          "Evil Name,evil.example.com,mutex-1\n",
                          "a=threat,b=domain,3=mutex", &r),
                     KZ_OK);
    assert_string_equal(r.text, "2 domain evil.example.com thr=Evil Name\n"
                                "2 mutex mutex-1 thr=Evil Name\n");
    free(r.text);
    /* headerless with numbers; a typed override on the type column */
    assert_int_equal(READ(*state, "x1,evil.example.com\n", "1=comment", &r),
                     KZ_OK);
    assert_string_equal(r.text, "1 domain evil.example.com cmt=x1\n");
    free(r.text);
    assert_int_equal(READ(*state, "a,b\n1,2\n", "a=bogus", &r), KZ_ERR_INVALID);
    assert_string_equal(kz_ctx_errmsg(*state),
                        "t.csv: --map: unknown field \"bogus\"");
    free(r.text);
    assert_int_equal(READ(*state, "a,b\n1,2\n", "9=value", &r), KZ_ERR_INVALID);
    free(r.text);
    assert_int_equal(READ(*state, "a,b\n1,2\n", "novalue", &r), KZ_ERR_INVALID);
    free(r.text);
}

static void test_read_csv__malformed_input_names_position(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "type,value\n"
                          "domain,evil.example.com\n"
                          "url,\"http://x.example.com/\n",
                          NULL, &r),
                     KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(*state),
                        "t.csv:3:5: unterminated quoted field");
    free(r.text);
}

static void test_read_csv__sink_status_stops_the_reader(void **state)
{
    rec r;
    memset(&r, 0, sizeof r);
    r.out = open_memstream(&r.text, &r.len);
    r.stop_after = 2;
    static const char in[] = "ipv4\n1.1.1.1\n2.2.2.2\n3.3.3.3\n";
    FILE *f = fmemopen((void *)in, sizeof in - 1, "rb");
    kz_intel_sink s = {0};
    s.ud = &r;
    s.ioc = on_ioc; /* threat and unsupported left NULL */
    assert_int_equal(kz_read_csv(*state, f, NULL, &s), KZ_ERR_ABORTED);
    fclose(f);
    fclose(r.out);
    assert_int_equal(r.iocs, 2);
    free(r.text);
}

static void test_read_csv__null_callbacks_and_empty_input(void **state)
{
    static const char in[] = "type,value,alias,threat\nfoo,x,a,b\n,zz,a,b\n";
    FILE *f = fmemopen((void *)in, sizeof in - 1, "rb");
    kz_intel_sink s = {0};
    assert_int_equal(kz_read_csv(*state, f, NULL, &s), KZ_OK);
    fclose(f);
    rec r;
    assert_int_equal(read_csv_text(*state, "", 0, NULL, &r), KZ_OK);
    assert_string_equal(r.text, "");
    free(r.text);
    assert_int_equal(kz_read_csv(*state, NULL, NULL, &s), KZ_ERR_INVALID);
}

static void test_read_csv__survives_allocation_failures(void **state)
{
    static const char in[] =
        "# \"first_seen_utc\",\"ioc_value\",\"ioc_type\",\"malware_alias\","
        "\"malware_printable\",\"tags\"\n"
        "\"2024-04-15\",\"1.2.3.4\",\"ip:port\",\"a,b\",\"X\",\"t1,t2\"\n";
    static const char guess[] = "1.2.3.4,x y\n5.6.7.8,z w\n";
    for (unsigned long n = 1; n < 40; n++) {
        rec r;
        kz_alloc_fail_after(n);
        kz_status st = READ(*state, in, NULL, &r);
        kz_alloc_fail_after(0);
        assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
        free(r.text);
        kz_alloc_fail_after(n);
        st = READ(*state, guess, NULL, &r);
        kz_alloc_fail_after(0);
        assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
        free(r.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_csv__quotes_escapes_newlines_and_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_csv__stray_quotes_are_data_like_python, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_csv__detects_delimiter_and_skips_bom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv__comments_only_at_record_start,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_csv__unterminated_quote_names_line_and_column, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_csv__nul_byte_is_an_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_csv__field_and_field_count_limits,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_csv__record_limit_and_buffer_refills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv__free_null_and_bad_arguments,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__header_type_value_threat_source, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__header_name_variants_and_every_field, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_read_csv__one_indicator_per_column,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__threatfox_commented_header, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__urlhaus_and_feodo_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__headerless_columns_are_guessed, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__headerless_single_typed_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__unknown_types_are_unsupported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_csv__composite_types, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_csv__map_overrides, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__malformed_input_names_position, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__sink_status_stops_the_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__null_callbacks_and_empty_input, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_csv__survives_allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

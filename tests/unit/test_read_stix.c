/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the STIX 2.x reader (read_stix.c), its pattern parser
 * (stix_pattern.c) and the streaming JSON helper (jstream.c). Fixtures are
 * written here as strings; a recording sink turns every record into one
 * line of text that the tests compare.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "intel/jstream.h"
#include "intel/stix_pattern.h"
#include "kizashi/intel.h"

#define MAXREC 256

typedef struct rec {
    char *line[MAXREC];
    size_t n;
    char *uns[MAXREC];
    size_t nuns;
    kz_intel_ioc last; /* times and numbers of the last ioc */
    char comment[256], ref[64], source[64], category[64];
    int stop_after; /* nonzero: the n-th ioc returns KZ_ERR_ABORTED */
    size_t niocs;
} rec;

static void add(rec *r, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(r->n < MAXREC);
    r->line[r->n++] = strdup(buf);
}

static void join(char *out, size_t cap, const char *const *v, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(out, v[i], cap - strlen(out) - 1);
        if (i + 1 < n)
            strncat(out, ",", cap - strlen(out) - 1);
    }
}

static kz_status on_adv(void *ud, const kz_intel_advisory *a)
{
    char th[512];
    join(th, sizeof th, a->threats, a->nthreats);
    char t[32];
    kz_time_format(a->published, t);
    add(ud, "adv key=%s title=%s pub=%s url=%s src=%s tlp=%s sum=%s th=%s",
        a->key ? a->key : "-", a->title ? a->title : "-", t,
        a->url ? a->url : "-", a->source ? a->source : "-",
        a->tlp ? a->tlp : "-", a->summary ? a->summary : "-", th);
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    char al[512];
    join(al, sizeof al, t->aliases, t->naliases);
    add(ud, "threat %s kind=%s aliases=%s desc=%s", t->name,
        t->kind ? t->kind : "-", al, t->description ? t->description : "-");
    return KZ_OK;
}

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    char th[512], tg[512];
    join(th, sizeof th, i->threats, i->nthreats);
    join(tg, sizeof tg, i->tags, i->ntags);
    add(r, "ioc %s %s port=%u ids=%d tlp=%s th=%s tags=%s",
        kz_type_name(i->type), i->value, i->port, i->to_ids,
        i->tlp ? i->tlp : "-", th, tg);
    r->last = *i;
    snprintf(r->comment, sizeof r->comment, "%s",
             i->comment ? i->comment : "-");
    snprintf(r->ref, sizeof r->ref, "%s", i->ref ? i->ref : "-");
    snprintf(r->source, sizeof r->source, "%s", i->source ? i->source : "-");
    snprintf(r->category, sizeof r->category, "%s",
             i->category ? i->category : "-");
    r->niocs++;
    if (r->stop_after && r->niocs == (size_t)r->stop_after)
        return KZ_ERR_ABORTED;
    return KZ_OK;
}

static void on_uns(void *ud, const char *what, uint64_t line)
{
    rec *r = ud;
    (void)line;
    assert_true(r->nuns < MAXREC);
    r->uns[r->nuns++] = strdup(what);
}

static void rec_free(rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->line[i]);
    for (size_t i = 0; i < r->nuns; i++)
        free(r->uns[i]);
    memset(r, 0, sizeof *r);
}

static kz_ctx *ctx;

static kz_status run(const char *json, rec *r)
{
    FILE *f = fmemopen((void *)json, strlen(json), "r");
    assert_non_null(f);
    kz_read_opts o = {.name = "t.json"};
    kz_intel_sink s = {.ud = r,
                       .advisory = on_adv,
                       .threat = on_threat,
                       .ioc = on_ioc,
                       .unsupported = on_uns};
    kz_status st = kz_read_stix(ctx, f, &o, &s);
    fclose(f);
    return st;
}

/* Index of the first record starting with prefix, or -1. */
static int find(const rec *r, const char *prefix)
{
    for (size_t i = 0; i < r->n; i++)
        if (strncmp(r->line[i], prefix, strlen(prefix)) == 0)
            return (int)i;
    return -1;
}

static size_t count_uns(const rec *r, const char *what)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nuns; i++)
        k += strcmp(r->uns[i], what) == 0;
    return k;
}

/* A bundle of one indicator with the given pattern. */
static kz_status run_pattern(const char *pattern, rec *r)
{
    json_t *b = json_pack("{s:s, s:[{s:s, s:s, s:s, s:s}]}", "type", "bundle",
                          "objects", "type", "indicator", "id", "indicator--1",
                          "pattern_type", "stix", "pattern", pattern);
    char *s = json_dumps(b, 0);
    kz_status st = run(s, r);
    free(s);
    json_decref(b);
    return st;
}

static int setup(void **state)
{
    (void)state;
    return kz_ctx_new(&ctx) == KZ_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kz_ctx_free(ctx);
    return 0;
}

/* ---- indicator fields ---------------------------------------------------- */

static const char *fields_bundle =
    "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n"
    "{\"type\": \"indicator\", \"spec_version\": \"2.1\",\n"
    " \"id\": \"indicator--a\", \"created_by_ref\": \"identity--x\",\n"
    " \"created\": \"2020-01-02T03:04:05.000Z\",\n"
    " \"modified\": \"2020-02-02T00:00:00Z\",\n"
    " \"name\": \"C2\", \"description\": \"the C2 server\",\n"
    " \"labels\": [\"l1\"], \"indicator_types\": [\"malicious-activity\"],\n"
    " \"kill_chain_phases\": [{\"kill_chain_name\": \"lockheed\",\n"
    "   \"phase_name\": \"c2\"}],\n"
    " \"confidence\": 85,\n"
    " \"valid_from\": \"2020-01-01T00:00:00Z\",\n"
    " \"valid_until\": \"2021-01-01T00:00:00Z\",\n"
    " \"object_marking_refs\": [\"marking-definition--34098fce-860f-48ae-"
    "8e50-ebd3cc5e41da\", \"marking-definition--m\"],\n"
    " \"pattern_type\": \"stix\",\n"
    " \"pattern\": \"[ipv4-addr:value = '198.51.100.7']\"},\n"
    "{\"type\": \"identity\", \"id\": \"identity--x\", \"name\": \"ACME\"},\n"
    "{\"type\": \"marking-definition\", \"id\": \"marking-definition--m\",\n"
    " \"definition_type\": \"tlp\", \"definition\": {\"tlp\": \"amber\"}}\n"
    "]}\n";

static void test_stix__maps_every_indicator_field(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(run(fields_bundle, &r), KZ_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0], "ioc ipv4 198.51.100.7 port=0 ids=1 "
                                   "tlp=amber th= tags=l1,malicious-activity,"
                                   "lockheed:c2");
    kz_time t;
    assert_int_equal(r.last.confidence, 85);
    assert_string_equal(r.comment, "C2: the C2 server");
    assert_string_equal(r.ref, "indicator--a");
    assert_string_equal(r.source, "ACME");
    assert_int_equal(r.last.line, 2);
    kz_time_parse("2020-01-02T03:04:05Z", 20, &t);
    assert_int_equal(r.last.first_seen, t);
    kz_time_parse("2020-02-02T00:00:00Z", 20, &t);
    assert_int_equal(r.last.last_seen, t);
    kz_time_parse("2020-01-01T00:00:00Z", 20, &t);
    assert_int_equal(r.last.valid_from, t);
    kz_time_parse("2021-01-01T00:00:00Z", 20, &t);
    assert_int_equal(r.last.valid_until, t);
    rec_free(&r);
}

static void test_stix__tlp2_marking_and_name(void **state)
{
    (void)state;
    rec r = {0};
    const char *b =
        "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\","
        "\"id\":\"indicator--1\",\"pattern\":\"[url:value = "
        "'http://x.example/']\","
        "\"object_marking_refs\":[\"marking-definition--939a9414-2ddd-4d32-"
        "a0cd-375ea402b003\"]},{\"type\":\"indicator\",\"id\":\"indicator--2\","
        "\"pattern\":\"[url:value = 'http://y.example/']\","
        "\"object_marking_refs\":[\"marking-definition--w\"]},"
        "{\"type\":\"marking-definition\",\"id\":\"marking-definition--w\","
        "\"name\":\"TLP:WHITE\"}]}";
    assert_int_equal(run(b, &r), KZ_OK);
    assert_int_equal(r.n, 2);
    assert_non_null(strstr(r.line[0], "tlp=amber+strict"));
    assert_non_null(strstr(r.line[1], "tlp=clear"));
    rec_free(&r);
}

/* ---- patterns ------------------------------------------------------------ */

static void test_stix__pattern_paths(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *want;
    } cases[] = {
        {"[ipv4-addr:value = '10.0.0.0/8']", "ioc cidr 10.0.0.0/8"},
        {"[ipv6-addr:value = '2001:db8::1']", "ioc ipv6 2001:db8::1"},
        {"[domain-name:value = 'evil.example']", "ioc domain evil.example"},
        {"[url:value = 'http://e.example/a']", "ioc url http://e.example/a"},
        {"[email-addr:value = 'a@e.example']", "ioc email a@e.example"},
        {"[email-message:from_ref.value = 'b@e.example']",
         "ioc email b@e.example"},
        {"[email-message:to_refs[0].value = 'c@e.example']",
         "ioc email c@e.example"},
        {"[file:hashes.'SHA-256' = "
         "'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
         "ioc sha256 ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c"
         "8635fb6c"},
        {"[file:hashes.MD5 = '0123456789abcdef0123456789abcdef']",
         "ioc md5 0123456789abcdef0123456789abcdef"},
        {"[file:hashes.'SHA-1' = '0123456789abcdef0123456789abcdef01234567']",
         "ioc sha1 0123456789abcdef0123456789abcdef01234567"},
        {"[file:hashes.sha512 = 'ab']", "ioc sha512 ab"},
        {"[file:name = 'x.exe']", "ioc filename x.exe"},
        {"[file:parent_directory_ref.path = 'C:\\\\Temp']",
         "ioc filepath C:\\Temp"},
        {"[directory:path = '/tmp/x']", "ioc filepath /tmp/x"},
        {"[x509-certificate:hashes.'SHA-1' = "
         "'0123456789abcdef0123456789abcdef01234567']",
         "ioc cert_sha1 0123456789abcdef0123456789abcdef01234567"},
        {"[x509-certificate:hashes.'SHA-256' = 'aa']", "ioc cert_sha256 aa"},
        {"[x509-certificate:serial_number = '01:02']", "ioc string 01:02"},
        {"[x509-certificate:subject = 'CN=evil']", "ioc signer CN=evil"},
        {"[windows-registry-key:key = 'HKLM\\\\Software\\\\Run']",
         "ioc regkey HKLM\\Software\\Run"},
        {"[mutex:name = 'Global\\\\m1']", "ioc mutex Global\\m1"},
        {"[process:command_line = 'cmd /c whoami']",
         "ioc string cmd /c whoami"},
        {"[network-traffic:extensions.'http-request-ext'.request_header."
         "'User-Agent' = 'EvilUA/1.0']",
         "ioc user_agent EvilUA/1.0"},
        {"[autonomous-system:number = 64496]", "ioc asn AS64496"},
        {"[artifact:hashes.MD5 = '0123456789abcdef0123456789abcdef']",
         "ioc md5 0123456789abcdef0123456789abcdef"},
        {"[network-traffic:dst_ref.value = '203.0.113.9']",
         "ioc ipv4 203.0.113.9"},
        {"[file:name = 'it\\'s.doc']", "ioc filename it's.doc"},
        {"[file:name == 'eq2.doc']", "ioc filename eq2.doc"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rec r = {0};
        assert_int_equal(run_pattern(cases[k].pattern, &r), KZ_OK);
        if (r.n != 1 ||
            strncmp(r.line[0], cases[k].want, strlen(cases[k].want)) != 0)
            fail_msg("%s: got %s", cases[k].pattern,
                     r.n ? r.line[0] : "nothing");
        assert_int_equal(r.nuns, 0);
        rec_free(&r);
    }
}

static void test_stix__string_category_is_the_path(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(run_pattern("[x509-certificate:issuer = 'CN=ca']", &r),
                     KZ_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.category, "x509-certificate:issuer");
    rec_free(&r);
}

static void test_stix__or_gives_one_indicator_each(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(
        run_pattern("[domain-name:value = 'a.example' OR ipv4-addr:value = "
                    "'192.0.2.1'] OR [url:value = 'http://b.example/']",
                    &r),
        KZ_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(find(&r, "ioc domain a.example"), 0);
    assert_int_equal(find(&r, "ioc ipv4 192.0.2.1"), 1);
    assert_int_equal(find(&r, "ioc url http://b.example/"), 2);
    assert_int_equal(r.nuns, 0);
    rec_free(&r);
}

static void test_stix__and_split_and_counted(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(run_pattern("[file:name = 'a.exe' AND file:hashes.MD5 = "
                                 "'0123456789abcdef0123456789abcdef']",
                                 &r),
                     KZ_OK);
    assert_int_equal(r.n, 2);
    assert_int_equal(count_uns(&r, "stix pattern AND: comparisons emitted "
                                   "as separate indicators"),
                     1);
    rec_free(&r);
}

static void test_stix__port_pairs_with_address(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(
        run_pattern("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                    "network-traffic:dst_ref.value = '203.0.113.5' AND "
                    "network-traffic:dst_port = 8443]",
                    &r),
        KZ_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0], "ioc ipv4 203.0.113.5 port=8443 ids=1 "
                                   "tlp=- th= tags=");
    assert_int_equal(r.nuns, 0);
    rec_free(&r);
    /* a port alone is not an indicator */
    assert_int_equal(run_pattern("[network-traffic:dst_port = 443]", &r),
                     KZ_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(count_uns(&r, "stix path network-traffic:dst_port"), 1);
    rec_free(&r);
    /* a host name after dst_ref */
    assert_int_equal(
        run_pattern("[network-traffic:dst_ref.value = 'c2.example.com']", &r),
        KZ_OK);
    assert_int_equal(find(&r, "ioc domain c2.example.com"), 0);
    rec_free(&r);
}

static void test_stix__observation_operators_and_qualifiers(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(
        run_pattern("([file:name = 'a'] AND [file:name = 'b']) WITHIN 300 "
                    "SECONDS FOLLOWEDBY [file:name = 'c'] REPEATS 2 TIMES "
                    "START t'2020-01-01T00:00:00Z' STOP "
                    "t'2020-02-01T00:00:00Z'",
                    &r),
        KZ_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(count_uns(&r, "stix pattern observation AND: "
                                   "observations emitted separately"),
                     1);
    assert_int_equal(count_uns(&r, "stix pattern FOLLOWEDBY: observations "
                                   "emitted separately"),
                     1);
    assert_int_equal(count_uns(&r, "stix pattern qualifier WITHIN"), 1);
    assert_int_equal(count_uns(&r, "stix pattern qualifier REPEATS"), 1);
    assert_int_equal(count_uns(&r, "stix pattern qualifier START/STOP"), 1);
    rec_free(&r);
}

static void test_stix__unsupported_operators_and_paths(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(
        run_pattern("[email-message:subject MATCHES '^x\\\\.y$' OR "
                    "file:name LIKE 'a%' OR file:size > 100 OR "
                    "file:name NOT = 'z' OR file:name IN ('p', 'q') OR "
                    "process:pid = 4 OR EXISTS file:name OR "
                    "ipv4-addr:value ISSUBSET '10.0.0.0/8' OR "
                    "file:hashes.SSDEEP = 'x' OR "
                    "(domain-name:value = 'ok.example')]",
                    &r),
        KZ_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(find(&r, "ioc domain ok.example"), 0);
    assert_int_equal(count_uns(&r, "stix pattern operator MATCHES"), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator LIKE"), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator >"), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator NOT ="), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator IN"), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator EXISTS"), 1);
    assert_int_equal(count_uns(&r, "stix pattern operator ISSUBSET"), 1);
    assert_int_equal(count_uns(&r, "stix path process:pid"), 1);
    assert_int_equal(count_uns(&r, "stix path file:hashes.SSDEEP"), 1);
    rec_free(&r);
}

static void test_stix__other_pattern_types(void **state)
{
    (void)state;
    rec r = {0};
    const char *b =
        "{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\","
        "\"id\":\"indicator--y\",\"pattern_type\":\"yara\",\"pattern\":"
        "\"rule x { condition: true }\"},{\"type\":\"indicator\","
        "\"id\":\"indicator--s\",\"pattern_type\":\"sigma\",\"pattern\":"
        "\"title: x\"}]}";
    assert_int_equal(run(b, &r), KZ_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(find(&r, "ioc yara rule x { condition: true }"), 0);
    assert_int_equal(count_uns(&r, "pattern_type sigma"), 1);
    rec_free(&r);
}

static void test_stix__pattern_parser_structure(void **state)
{
    (void)state;
    kz_stix_pattern p;
    memset(&p, 0, sizeof p);
    size_t off;
    const char *why;
    const char *s = "[a:b = 1 AND (c:d = 'x' OR c:e = 'y')] OR [f:'g h'[*].i "
                    "!= b'AAAA']";
    assert_int_equal(kz_stix_pattern_parse(s, strlen(s), &p, &off, &why),
                     KZ_OK);
    assert_int_equal(p.n, 4);
    assert_string_equal(p.cmp[0].path, "a:b");
    assert_int_equal(p.cmp[0].lit, 'i');
    assert_int_equal(p.cmp[1].nested, 1);
    assert_true(p.cmp[1].group != p.cmp[0].group);
    assert_true(p.cmp[1].group != p.cmp[2].group);
    assert_string_equal(p.cmp[3].path, "f:g h[*].i");
    assert_int_equal(p.cmp[3].op, KZ_SOP_NE);
    assert_int_equal(p.cmp[3].lit, 'B');
    assert_int_equal(p.obs_or, 1);
    kz_stix_pattern_free(&p);
}

static void test_stix__pattern_syntax_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[file:name = 'x'",
        "file:name = 'x'",
        "[file:name 'x']",
        "[file:name = 'x]",
        "[file name = 'x']",
        "[file:name = ]",
        "[file:name = 'x'] AND",
        "[file:name = 'x'] WITHIN SECONDS",
        "[file:name = 'x'] garbage",
        "[file:name = 'x'] REPEATS 1.5 TIMES",
        "[]",
        "   ",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rec r = {0};
        if (run_pattern(bad[k], &r) != KZ_ERR_PARSE)
            fail_msg("accepted: %s", bad[k]);
        const char *m = kz_ctx_errmsg(ctx);
        assert_true(strncmp(m, "t.json:1:", 9) == 0);
        if (!strstr(m, "indicator--1: STIX pattern, at byte"))
            fail_msg("%s: %s", bad[k], m);
        rec_free(&r);
    }
}

static void test_stix__pattern_nesting_limit(void **state)
{
    (void)state;
    char p[400];
    size_t k = 0;
    p[k++] = '[';
    for (int i = 0; i < 100; i++)
        p[k++] = '(';
    memcpy(p + k, "a:b = 1", 7);
    k += 7;
    for (int i = 0; i < 100; i++)
        p[k++] = ')';
    p[k++] = ']';
    p[k] = '\0';
    rec r = {0};
    assert_int_equal(run_pattern(p, &r), KZ_ERR_LIMIT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "nested too deeply"));
    rec_free(&r);
}

/* ---- threats, relationships, reports --------------------------------------
 */

static const char *report_bundle =
    "{\"objects\": [\n"
    "{\"type\": \"indicator\", \"id\": \"indicator--in\",\n"
    " \"pattern\": \"[domain-name:value = 'in.example']\"},\n"
    "{\"type\": \"indicator\", \"id\": \"indicator--out\",\n"
    " \"pattern\": \"[domain-name:value = 'out.example']\"},\n"
    "{\"type\": \"report\", \"id\": \"report--r1\", \"name\": \"R1\",\n"
    " \"published\": \"2024-03-20T14:45:00Z\", \"description\": \"sum\",\n"
    " \"created_by_ref\": \"identity--u\",\n"
    " \"external_references\": [{\"source_name\": \"x\"},\n"
    "   {\"source_name\": \"blog\", \"url\": \"https://blog.example/r1\"}],\n"
    " \"object_refs\": [\"indicator--in\", \"malware--m\",\n"
    "   \"observed-data--o\", \"vulnerability--v\"]},\n"
    "{\"type\": \"report\", \"id\": \"report--r2\", \"name\": \"R2\",\n"
    " \"object_refs\": [\"indicator--in\"]},\n"
    "{\"type\": \"observed-data\", \"id\": \"observed-data--o\",\n"
    " \"first_observed\": \"2024-01-01T00:00:00Z\",\n"
    " \"last_observed\": \"2024-01-02T00:00:00Z\", \"number_observed\": 1,\n"
    " \"object_refs\": [\"ipv4-addr--i\"]},\n"
    "{\"type\": \"ipv4-addr\", \"id\": \"ipv4-addr--i\",\n"
    " \"value\": \"192.0.2.44\"},\n"
    "{\"type\": \"vulnerability\", \"id\": \"vulnerability--v\",\n"
    " \"name\": \"x\", \"external_references\": [{\"source_name\": \"cve\",\n"
    "   \"external_id\": \"CVE-2021-44228\"}]},\n"
    "{\"type\": \"relationship\", \"relationship_type\": \"indicates\",\n"
    " \"source_ref\": \"indicator--in\", \"target_ref\": \"malware--m\"},\n"
    "{\"type\": \"relationship\", \"relationship_type\": \"related-to\",\n"
    " \"source_ref\": \"intrusion-set--a\", \"target_ref\": "
    "\"indicator--out\"},\n"
    "{\"type\": \"malware\", \"id\": \"malware--m\", \"name\": \"QakBot\",\n"
    " \"aliases\": [\"Qbot\", \"Pinkslipbot\"], \"description\": \"bank\"},\n"
    "{\"type\": \"intrusion-set\", \"id\": \"intrusion-set--a\",\n"
    " \"name\": \"APT-X\", \"x_mitre_aliases\": [\"XGroup\"]},\n"
    "{\"type\": \"identity\", \"id\": \"identity--u\", \"name\": \"Unit\"}\n"
    "], \"type\": \"bundle\"}";

static void test_stix__reports_threats_and_order(void **state)
{
    (void)state;
    rec r = {0};
    assert_int_equal(run(report_bundle, &r), KZ_OK);
    const char *want[] = {
        "threat QakBot kind=malware aliases=Qbot,Pinkslipbot desc=bank",
        "threat APT-X kind=actor aliases=XGroup desc=-",
        "ioc domain out.example port=0 ids=1 tlp=- th=APT-X tags=",
        ("adv key=report--r1 title=R1 pub=2024-03-20T14:45:00Z "
         "url=https://blog.example/r1 src=Unit tlp=- sum=sum th=QakBot"),
        "ioc domain in.example port=0 ids=1 tlp=- th=QakBot tags=",
        "ioc ipv4 192.0.2.44 port=0 ids=0 tlp=- th= tags=",
        "ioc cve CVE-2021-44228 port=0 ids=0 tlp=- th= tags=",
        "adv key=report--r2 title=R2 pub= url=- src=- tlp=- sum=- th=",
        "ioc domain in.example port=0 ids=1 tlp=- th=QakBot tags=",
    };
    assert_int_equal(r.n, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < r.n; k++)
        assert_string_equal(r.line[k], want[k]);
    assert_int_equal(r.nuns, 0);
    rec_free(&r);
}

static void test_stix__observed_data_2_0_embedded(void **state)
{
    (void)state;
    rec r = {0};
    const char *b =
        "{\"type\":\"bundle\",\"spec_version\":\"2.0\",\"objects\":["
        "{\"type\":\"observed-data\",\"id\":\"observed-data--1\","
        "\"first_observed\":\"2017-01-01T00:00:00Z\","
        "\"last_observed\":\"2017-01-02T00:00:00Z\",\"number_observed\":1,"
        "\"objects\":{\"0\":{\"type\":\"file\",\"name\":\"a.exe\","
        "\"hashes\":{\"MD5\":\"0123456789abcdef0123456789abcdef\","
        "\"ssdeep\":\"3:a:b\"}},\"1\":{\"type\":\"domain-name\","
        "\"value\":\"d.example\"},\"2\":{\"type\":\"network-traffic\","
        "\"dst_ref\":\"1\"},\"3\":{\"type\":\"windows-registry-key\","
        "\"key\":\"HKCU\\\\Run\"},\"4\":{\"type\":\"mutex\",\"name\":\"m\"},"
        "\"5\":{\"type\":\"autonomous-system\",\"number\":64500},"
        "\"6\":{\"type\":\"x509-certificate\",\"hashes\":{\"SHA-256\":"
        "\"cc\"},\"serial_number\":\"0a\"}}}]}";
    assert_int_equal(run(b, &r), KZ_OK);
    assert_int_equal(find(&r, "ioc md5 0123456789abcdef0123456789abcdef "
                              "port=0 ids=0"),
                     0);
    assert_int_equal(find(&r, "ioc filename a.exe"), 1);
    assert_int_equal(find(&r, "ioc domain d.example"), 2);
    assert_int_equal(find(&r, "ioc regkey HKCU\\Run"), 3);
    assert_int_equal(find(&r, "ioc mutex m"), 4);
    assert_int_equal(find(&r, "ioc asn AS64500"), 5);
    assert_int_equal(find(&r, "ioc cert_sha256 cc"), 6);
    assert_int_equal(find(&r, "ioc string 0a"), 7);
    assert_int_equal(r.n, 8);
    kz_time t;
    kz_time_parse("2017-01-02T00:00:00Z", 20, &t);
    assert_int_equal(r.last.last_seen, t);
    assert_int_equal(count_uns(&r, "stix hash ssdeep"), 1);
    assert_int_equal(count_uns(&r, "stix object network-traffic"), 1);
    rec_free(&r);
}

static void test_stix__infrastructure_gives_threats(void **state)
{
    (void)state;
    rec r = {0};
    const char *b =
        "{\"type\":\"bundle\",\"objects\":["
        "{\"type\":\"domain-name\",\"id\":\"domain-name--d\","
        "\"value\":\"c2.example\"},"
        "{\"type\":\"infrastructure\",\"id\":\"infrastructure--i\","
        "\"name\":\"C2\"},"
        "{\"type\":\"relationship\",\"relationship_type\":\"consists-of\","
        "\"source_ref\":\"infrastructure--i\",\"target_ref\":"
        "\"domain-name--d\"},"
        "{\"type\":\"relationship\",\"relationship_type\":\"uses\","
        "\"source_ref\":\"malware--p\",\"target_ref\":\"infrastructure--i\"},"
        "{\"type\":\"malware\",\"id\":\"malware--p\",\"name\":\"PIVY\"}]}";
    assert_int_equal(run(b, &r), KZ_OK);
    assert_int_equal(find(&r, "ioc domain c2.example port=0 ids=0 tlp=- "
                              "th=PIVY"),
                     1);
    assert_int_equal(count_uns(&r, "stix object infrastructure"), 1);
    rec_free(&r);
}

static void test_stix__revoked_and_unknown_objects_counted(void **state)
{
    (void)state;
    rec r = {0};
    const char *b =
        "{\"type\":\"bundle\",\"objects\":["
        "{\"type\":\"indicator\",\"id\":\"indicator--r\",\"revoked\":true,"
        "\"pattern\":\"[file:name = 'x']\"},"
        "{\"type\":\"x-custom\",\"id\":\"x-custom--1\"},"
        "{\"type\":\"attack-pattern\",\"id\":\"attack-pattern--1\"}]}";
    assert_int_equal(run(b, &r), KZ_OK);
    assert_int_equal(r.n, 0);
    assert_int_equal(count_uns(&r, "stix revoked object"), 1);
    assert_int_equal(count_uns(&r, "stix object x-custom"), 1);
    assert_int_equal(count_uns(&r, "stix object attack-pattern"), 1);
    rec_free(&r);
}

static void test_stix__null_callbacks_and_stop(void **state)
{
    (void)state;
    FILE *f = fmemopen((void *)report_bundle, strlen(report_bundle), "r");
    kz_intel_sink s = {0};
    assert_int_equal(kz_read_stix(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    rec r = {0};
    r.stop_after = 2;
    assert_int_equal(run(report_bundle, &r), KZ_ERR_ABORTED);
    assert_int_equal(r.niocs, 2);
    rec_free(&r);
}

static void test_stix__reads_a_pipe(void **state)
{
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    size_t n = strlen(report_bundle);
    assert_int_equal(write(fd[1], report_bundle, n), (ssize_t)n);
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    rec r = {0};
    kz_intel_sink s = {.ud = &r, .ioc = on_ioc, .advisory = on_adv};
    assert_int_equal(kz_read_stix(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    assert_int_equal(r.n, 7);
    assert_int_equal(find(&r, "adv key=report--r1"), 1);
    rec_free(&r);
}

/* ---- malformed input --------------------------------------------------- */

static void test_stix__malformed_inputs(void **state)
{
    (void)state;
    static const struct {
        const char *in, *msg;
    } cases[] = {
        {"{\"type\": \"bundle\",\n \"objects\": [\n  {\"type\": \"indicator\""
         ",,}]}",
         "t.json:3:25: invalid JSON"},
        {"[1, 2]", "t.json:1:1: not a STIX bundle"},
        {"{\"type\": \"report\"}", "t.json:1:10: not a STIX bundle"},
        {"{\"foo\": 1}", "t.json:1:1: not a STIX bundle"},
        {"{\"objects\": 5}", "t.json:1:13: \"objects\" is not an array"},
        {"{\"objects\": [\n 5]}", "t.json:2:2: STIX object expected"},
        {"{\"objects\": [{\"id\": \"x\"}]}",
         "t.json:1:14: STIX object without a type"},
        {"{\"objects\": [{\"type\": \"indicator\"}]}",
         "t.json:1:14: indicator  without a pattern"},
        {"{\"objects\": [{\"type\": \"relationship\"}]}",
         "t.json:1:14: relationship without"},
        {"{\"objects\": []} x", "t.json:1:17: data after the JSON document"},
        {"{\"objects\": [] \"type\": 1}", "t.json:1:16: ',' or '}' expected"},
        {"{\"objects\": [{}\n", "t.json:1:14: STIX object without a type"},
        {"{\"objects\": [", "t.json:1:14: unexpected end of input"},
        {"", "t.json:1:1: unexpected end of input"},
        {"{\"objects\": [{\"type\": \"malware\"}]}",
         "t.json:1:14: malware without a name"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        rec r = {0};
        kz_status st = run(cases[k].in, &r);
        const char *m = kz_ctx_errmsg(ctx);
        if (st != KZ_ERR_PARSE ||
            strncmp(m, cases[k].msg, strlen(cases[k].msg)) != 0)
            fail_msg("case %zu: status %d message '%s'", k, st, m);
        rec_free(&r);
    }
}

static void test_stix__bom_and_unnamed_input(void **state)
{
    (void)state;
    const char *b = "\xEF\xBB\xBF{\"objects\": [{\"type\": \"url\","
                    "\"value\": \"http://bom.example/\"}]}";
    FILE *f = fmemopen((void *)b, strlen(b), "r");
    rec r = {0};
    kz_intel_sink s = {.ud = &r, .ioc = on_ioc};
    assert_int_equal(kz_read_stix(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    assert_int_equal(find(&r, "ioc url http://bom.example/"), 0);
    rec_free(&r);
    const char *bad = "{\"objects\": [x]}";
    f = fmemopen((void *)bad, strlen(bad), "r");
    assert_int_equal(kz_read_stix(ctx, f, NULL, &s), KZ_ERR_PARSE);
    fclose(f);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "-:1:", 4) == 0);
}

/* ---- jstream: bounded memory, limits --------------------------------------
 */

static size_t live, peak;
static void *count_malloc(size_t n)
{
    size_t *p = malloc(n + sizeof(size_t) * 2);
    if (!p)
        return NULL;
    p[0] = n;
    live += n;
    if (live > peak)
        peak = live;
    return p + 2;
}
static void count_free(void *q)
{
    if (!q)
        return;
    size_t *p = (size_t *)q - 2;
    live -= p[0];
    free(p);
}

static void test_jstream__200k_objects_in_bounded_memory(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("{\"type\": \"bundle\", \"objects\": [\n", f);
    for (int i = 0; i < 200000; i++)
        fprintf(f,
                "%s{\"type\": \"indicator\", \"id\": \"indicator--%08d\", "
                "\"pattern\": \"[ipv4-addr:value = '10.%d.%d.%d']\", "
                "\"description\": \"caf\xC3\xA9 %d\"}\n",
                i ? "," : "", i, (i >> 16) & 255, (i >> 8) & 255, i & 255, i);
    fputs("], \"id\": \"bundle--1\"}\n", f);
    rewind(f);

    json_malloc_t om;
    json_free_t of;
    json_get_alloc_funcs(&om, &of);
    json_set_alloc_funcs(count_malloc, count_free);
    live = peak = 0;
    kz_jstream *js = NULL;
    assert_int_equal(kz_jstream_new(ctx, f, "big", &js), KZ_OK);
    assert_int_equal(kz_jstream_enter(js), KZ_OK);
    int more;
    const char *key;
    size_t n = 0, keys = 0;
    uint64_t line = 0, col = 0;
    while (kz_jstream_next(js, &more, &key) == KZ_OK && more) {
        keys++;
        if (strcmp(key, "objects") != 0) {
            assert_int_equal(kz_jstream_skip(js), KZ_OK);
            continue;
        }
        assert_int_equal(kz_jstream_enter(js), KZ_OK);
        while (kz_jstream_next(js, &more, NULL) == KZ_OK && more) {
            json_t *v = NULL;
            assert_int_equal(kz_jstream_decode(js, &v), KZ_OK);
            assert_true(json_is_object(v));
            assert_int_equal(json_object_size(v), 4);
            char id[32];
            snprintf(id, sizeof id, "indicator--%08zu", n);
            assert_string_equal(json_string_value(json_object_get(v, "id")),
                                id);
            kz_jstream_where(js, &line, &col);
            assert_int_equal(line, n + 2);
            json_decref(v);
            n++;
        }
    }
    assert_int_equal(kz_jstream_end(js), KZ_OK);
    kz_jstream_free(js);
    json_set_alloc_funcs(om, of);
    fclose(f);
    assert_int_equal(n, 200000);
    assert_int_equal(keys, 3);
    /* one object at a time: a few KiB of jansson memory, never the bundle */
    assert_true(peak < 64 * 1024);
    assert_int_equal(live, 0);
}

static void test_jstream__value_size_limit(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    fputs("{\"objects\": [{\"type\": \"indicator\", \"x\": \"", f);
    char *chunk = malloc(1 << 20);
    memset(chunk, 'a', 1 << 20);
    for (int i = 0; i < 65; i++)
        fwrite(chunk, 1, 1 << 20, f);
    free(chunk);
    fputs("\"}]}", f);
    rewind(f);
    rec r = {0};
    kz_read_opts o = {.name = "huge.json"};
    kz_intel_sink s = {.ud = &r, .ioc = on_ioc};
    assert_int_equal(kz_read_stix(ctx, f, &o, &s), KZ_ERR_LIMIT);
    fclose(f);
    assert_string_equal(kz_ctx_errmsg(ctx),
                        "huge.json:1:14: JSON value longer than 67108864 "
                        "bytes");
}

static void test_jstream__scalars_and_positions(void **state)
{
    (void)state;
    const char *s = "{\"a\": 12, \"b\":true,\"c\" : [1,\n 2.5 , \"x\"], "
                    "\"d\": null}";
    FILE *f = fmemopen((void *)s, strlen(s), "r");
    kz_jstream *js = NULL;
    assert_int_equal(kz_jstream_new(ctx, f, NULL, &js), KZ_OK);
    kz_jkind k;
    assert_int_equal(kz_jstream_peek(js, &k), KZ_OK);
    assert_int_equal(k, KZ_JK_OBJECT);
    assert_int_equal(kz_jstream_enter(js), KZ_OK);
    int more;
    const char *key;
    json_t *v;
    assert_int_equal(kz_jstream_next(js, &more, &key), KZ_OK);
    assert_string_equal(key, "a");
    assert_int_equal(kz_jstream_decode(js, &v), KZ_OK);
    assert_int_equal(json_integer_value(v), 12);
    json_decref(v);
    assert_int_equal(kz_jstream_next(js, &more, &key), KZ_OK);
    assert_string_equal(key, "b");
    assert_int_equal(kz_jstream_decode(js, &v), KZ_OK);
    assert_true(json_is_true(v));
    json_decref(v);
    assert_int_equal(kz_jstream_next(js, &more, &key), KZ_OK);
    assert_string_equal(key, "c");
    assert_int_equal(kz_jstream_enter(js), KZ_OK);
    int elems = 0;
    while (kz_jstream_next(js, &more, NULL) == KZ_OK && more) {
        assert_int_equal(kz_jstream_decode(js, &v), KZ_OK);
        json_decref(v);
        elems++;
        uint64_t line, col;
        kz_jstream_where(js, &line, &col);
        if (elems == 2) {
            assert_int_equal(line, 2);
            assert_int_equal(col, 2);
        }
    }
    assert_int_equal(elems, 3);
    assert_int_equal(kz_jstream_next(js, &more, &key), KZ_OK);
    assert_string_equal(key, "d");
    assert_int_equal(kz_jstream_skip(js), KZ_OK);
    assert_int_equal(kz_jstream_next(js, &more, &key), KZ_OK);
    assert_int_equal(more, 0);
    assert_int_equal(kz_jstream_end(js), KZ_OK);
    assert_int_equal(kz_jstream_offset(js), strlen(s));
    kz_jstream_free(js);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stix__maps_every_indicator_field),
        cmocka_unit_test(test_stix__tlp2_marking_and_name),
        cmocka_unit_test(test_stix__pattern_paths),
        cmocka_unit_test(test_stix__string_category_is_the_path),
        cmocka_unit_test(test_stix__or_gives_one_indicator_each),
        cmocka_unit_test(test_stix__and_split_and_counted),
        cmocka_unit_test(test_stix__port_pairs_with_address),
        cmocka_unit_test(test_stix__observation_operators_and_qualifiers),
        cmocka_unit_test(test_stix__unsupported_operators_and_paths),
        cmocka_unit_test(test_stix__other_pattern_types),
        cmocka_unit_test(test_stix__pattern_parser_structure),
        cmocka_unit_test(test_stix__pattern_syntax_errors),
        cmocka_unit_test(test_stix__pattern_nesting_limit),
        cmocka_unit_test(test_stix__reports_threats_and_order),
        cmocka_unit_test(test_stix__observed_data_2_0_embedded),
        cmocka_unit_test(test_stix__infrastructure_gives_threats),
        cmocka_unit_test(test_stix__revoked_and_unknown_objects_counted),
        cmocka_unit_test(test_stix__null_callbacks_and_stop),
        cmocka_unit_test(test_stix__reads_a_pipe),
        cmocka_unit_test(test_stix__malformed_inputs),
        cmocka_unit_test(test_stix__bom_and_unnamed_input),
        cmocka_unit_test(test_jstream__200k_objects_in_bounded_memory),
        cmocka_unit_test(test_jstream__value_size_limit),
        cmocka_unit_test(test_jstream__scalars_and_positions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

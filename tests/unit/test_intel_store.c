/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the intel store and what surrounds it: kz_time_parse and
 * kz_time_format, kz_guess_type, format detection, and the store through
 * its API (normalization on ingest, one indicator with two provenances,
 * feed versions, rollback of a failed reader, threat aliases, queries,
 * rm and expire). Stores live in a scratch directory made by the test.
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

#include "kizashi/kizashi.h"

/* ---- times ----------------------------------------------------------------
 */

static kz_time tp(const char *s)
{
    kz_time t = -1;
    assert_int_equal(kz_time_parse(s, strlen(s), &t), KZ_OK);
    return t;
}

static void test_time__forms(void **state)
{
    (void)state;
    assert_int_equal(tp("1970-01-01"), 0);
    assert_int_equal(tp("2021-06-25"), 1624579200);
    assert_int_equal(tp("2021-06-25T10:00:00Z"), 1624615200);
    assert_int_equal(tp("2021-06-25 10:00:00"), 1624615200);
    assert_int_equal(tp("2021-06-25T19:00:00+09:00"), 1624615200);
    assert_int_equal(tp("2021-06-25T10:00:00.123456Z"), 1624615200);
    assert_int_equal(tp("2021-06-25T05:00:00-0500"), 1624615200);
    assert_int_equal(tp("1624615200"), 1624615200);
    assert_int_equal(tp("1624615200000"), 1624615200);
    assert_int_equal(tp(" 2000-02-29 "), 951782400);
    char buf[32];
    kz_time_format(1624615200, buf);
    assert_string_equal(buf, "2021-06-25T10:00:00Z");
    kz_time_format(0, buf);
    assert_string_equal(buf, "");
    kz_time_format(-86400, buf);
    assert_string_equal(buf, "1969-12-31T00:00:00Z");
}

static void test_time__rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {"",
                                      "2021-13-01",
                                      "2021-02-30",
                                      "2001-02-29",
                                      "2021-06-25T25:00:00Z",
                                      "2021-06-25T10:00:00+25:00",
                                      "2021/06/25",
                                      "yesterday",
                                      "2021-06-25Tx",
                                      "2021-06-25T10:00:00.Z",
                                      "12345678901"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_time t;
        assert_int_equal(kz_time_parse(bad[i], strlen(bad[i]), &t),
                         KZ_ERR_PARSE);
    }
}

/* ---- lone values ----------------------------------------------------------
 */

static void test_guess__types(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        kz_type t;
    } cases[] = {
        {"1.2.3.4", KZ_T_IPV4},
        {"1.2.3.4:443", KZ_T_IPV4},
        {"2001:db8::1", KZ_T_IPV6},
        {"10.0.0.0/8", KZ_T_CIDR},
        {"https://evil.com/a?b", KZ_T_URL},
        {"user@evil.com", KZ_T_EMAIL},
        {"d41d8cd98f00b204e9800998ecf8427e", KZ_T_MD5},
        {"da39a3ee5e6b4b0d3255bfef95601890afd80709", KZ_T_SHA1},
        {"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
         KZ_T_SHA256},
        {"CVE-2021-44228", KZ_T_CVE},
        {"AS13335", KZ_T_ASN},
        {"HKLM\\Software\\Evil", KZ_T_REGKEY},
        {"C:\\Windows\\Temp\\x.exe", KZ_T_FILEPATH},
        {"%APPDATA%\\netfilter.sys", KZ_T_FILEPATH},
        {"/tmp/.x/payload", KZ_T_FILEPATH},
        {"evil.com", KZ_T_DOMAIN},
        {"evil.com:8080", KZ_T_DOMAIN},
        {"kramo.pl", KZ_T_DOMAIN},
        {"netfilter.sys", KZ_T_FILENAME},
        {"invoice.xlsm", KZ_T_FILENAME},
        {"hello world", KZ_T_NONE},
        {"d41d8cd98f00b204e9800998ecf8427", KZ_T_NONE},
        {"", KZ_T_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_type t = kz_guess_type(cases[i].v, strlen(cases[i].v));
        if (t != cases[i].t)
            fail_msg("%s: %s, expected %s", cases[i].v, kz_type_name(t),
                     kz_type_name(cases[i].t));
    }
}

static void test_detect__formats(void **state)
{
    (void)state;
    static const struct {
        const char *name, *head;
        kz_intel_format f;
    } cases[] = {
        {"b.json",
         "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": []}",
         KZ_FMT_STIX},
        {"e.json", "{\"Event\": {\"info\": \"x\", \"Attribute\": []}}",
         KZ_FMT_MISP},
        {"w.json",
         "{\"list\": [\"8.8.8.8\"], \"matching_attributes\": [\"ip-dst\"],"
         " \"name\": \"x\", \"type\": \"string\"}",
         KZ_FMT_WARNINGLIST},
        {"d.json", "[{\"Id\": \"1\", \"KnownVulnerableSamples\": []}]",
         KZ_FMT_LOLDRIVERS},
        {"x.yaml", "Id: 1\nCategory: malicious\nKnownVulnerableSamples:\n",
         KZ_FMT_LOLDRIVERS},
        {"a.ioc",
         "<?xml version=\"1.0\"?>\n<ioc xmlns=\"http://schemas.mandiant.com/"
         "2010/ioc\" id=\"1\">",
         KZ_FMT_OPENIOC},
        {"r.html", "<!DOCTYPE html><html><body>x</body></html>", KZ_FMT_TEXT},
        {"hash-iocs.txt", "# x\nd41d8cd98f00b204e9800998ecf8427e;Evil\n",
         KZ_FMT_LOKI},
        {"c2.txt", "evil.com;APT1 C2\n1.2.3.4;APT1 C2\nbad.net;x\n",
         KZ_FMT_LOKI},
        {"ips.txt", "1.2.3.4\n5.6.7.8 \n# comment\nevil.com\n", KZ_FMT_LIST},
        {"f.csv", "a,b\n1,2\n", KZ_FMT_CSV},
        {"feed", "type,value,threat\ndomain,evil.com,x\nipv4,1.2.3.4,y\n",
         KZ_FMT_CSV},
        {"report.txt",
         "Qbot infections lead to REvil\n\nThe actor used evil[.]com.\n",
         KZ_FMT_TEXT},
        {"trail.txt",
         "# Copyright (c) 2014-2026 Maltrail developers\n\nevil.com\n/x\n",
         KZ_FMT_LIST},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_intel_format f = kz_intel_detect(cases[i].name, cases[i].head,
                                            strlen(cases[i].head));
        if (f != cases[i].f)
            fail_msg("%s: %s, expected %s", cases[i].name,
                     kz_intel_format_name(f), kz_intel_format_name(cases[i].f));
    }
    assert_int_equal(kz_intel_format_from_name("misp-feed"), KZ_FMT_MISP_FEED);
    assert_int_equal(kz_intel_format_from_name("bogus"), KZ_FMT_AUTO);
    assert_string_equal(kz_intel_format_name(KZ_FMT_LOLDRIVERS), "loldrivers");
    /* The table of readers: every stream format has its reader. */
    assert_ptr_equal(kz_intel_reader(KZ_FMT_STIX), kz_read_stix);
    assert_ptr_equal(kz_intel_reader(KZ_FMT_WARNINGLIST), kz_read_warninglist);
    assert_ptr_equal(kz_intel_reader(KZ_FMT_TEXT), kz_read_text);
    assert_null(kz_intel_reader(KZ_FMT_MISP_FEED));
    assert_null(kz_intel_reader(KZ_FMT_AUTO));
    for (int f = KZ_FMT_TEXT; f < KZ_FMT_COUNT_; f++)
        if (f != KZ_FMT_MISP_FEED)
            assert_non_null(kz_intel_reader((kz_intel_format)f));
}

/* ---- the store ------------------------------------------------------------
 */

struct fixture {
    char dir[64];
    char path[128];
    kz_ctx *ctx;
    kz_store *st;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    strcpy(f->dir, "/tmp/kz-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/sub/intel.db", f->dir);
    assert_int_equal(kz_ctx_new(&f->ctx), KZ_OK);
    assert_int_equal(kz_store_open(f->ctx, f->path, 1, &f->st), KZ_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kz_store_close(f->st);
    kz_ctx_free(f->ctx);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A reader that hands over a fixed list of records. */
struct script {
    const kz_intel_advisory *adv;  /* nullable */
    const kz_intel_threat *threat; /* nullable */
    const kz_intel_ioc *iocs;
    size_t n;
    int fail_after; /* return KZ_ERR_PARSE after this many; -1: never */
};

static kz_status play(void *ud, const kz_intel_sink *sink)
{
    const struct script *s = ud;
    kz_status r;
    if (s->threat && (r = sink->threat(sink->ud, s->threat)) != KZ_OK)
        return r;
    if (s->adv && (r = sink->advisory(sink->ud, s->adv)) != KZ_OK)
        return r;
    for (size_t i = 0; i < s->n; i++) {
        if ((int)i == s->fail_after)
            return KZ_ERR_PARSE;
        if ((r = sink->ioc(sink->ud, &s->iocs[i])) != KZ_OK)
            return r;
    }
    sink->unsupported(sink->ud, "test thing", 0);
    return KZ_OK;
}

static kz_intel_ioc ioc(kz_type t, const char *v)
{
    kz_intel_ioc i;
    memset(&i, 0, sizeof i);
    i.type = t;
    i.value = v;
    i.value_len = strlen(v);
    i.confidence = -1;
    i.to_ids = -1;
    i.score = -1;
    return i;
}

/* noinline: GCC 12 otherwise takes strstr results on the answer for
 * pointers into this frame (-Wdangling-pointer, a false positive). */
__attribute__((noinline)) static char *
query(struct fixture *f, kz_store_query_kind k, const char *arg)
{
    kz_store_query q;
    memset(&q, 0, sizeof q);
    q.kind = k;
    q.arg = arg;
    q.include_inactive = 1;
    char *j = NULL;
    assert_int_equal(kz_store_query_json(f->st, &q, &j), KZ_OK);
    assert_non_null(j);
    return j;
}

static void test_store__normalizes_and_merges(void **state)
{
    struct fixture *f = *state;
    kz_intel_ioc a[] = {ioc(KZ_T_DOMAIN, "Evil[.]Example.COM."),
                        ioc(KZ_T_IPV4, "45.77.12[.]34:8443"),
                        ioc(KZ_T_SHA256,
                            "E3B0C44298FC1C149AFBF4C8996FB92427AE41"
                            "E4649B934CA495991B7852B855"),
                        ioc(KZ_T_URL, "evil.example.com/gate.php"),
                        ioc(KZ_T_DOMAIN, "not a domain")};
    struct script s = {NULL, NULL, a, 5, -1};
    kz_store_input in = {"one.csv", NULL, "vendor-a", KZ_FMT_CSV,
                         NULL,      0,    NULL};
    kz_store_add_result r;
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_OK);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.new_indicators, 4);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(r.nunsupported, 2); /* invalid domain, test thing */
    kz_store_add_result_free(&r);

    /* The same values from another feed: one indicator, two provenances. */
    kz_intel_ioc b[] = {ioc(KZ_T_DOMAIN, "evil.example.com")};
    struct script s2 = {NULL, NULL, b, 1, -1};
    kz_store_input in2 = {"two.txt", NULL, "vendor-b", KZ_FMT_LIST,
                          NULL,      0,    NULL};
    assert_int_equal(kz_store_add(f->st, &in2, play, &s2, &r), KZ_OK);
    assert_int_equal(r.new_indicators, 0);
    assert_int_equal(r.new_provenances, 1);
    kz_store_add_result_free(&r);

    char *j = query(f, KZ_Q_SEARCH, "x.EVIL.example.com");
    assert_non_null(strstr(j, "\"subdomain of evil.example.com\""));
    assert_non_null(strstr(j, "\"vendor-a\""));
    assert_non_null(strstr(j, "\"vendor-b\""));
    assert_non_null(strstr(j, "\"published\": \"Evil[.]Example.COM.\""));
    kz_store_free_json(j);
    j = query(f, KZ_Q_SEARCH, "45.77.12.34");
    assert_non_null(strstr(j, "\"port\": 8443"));
    kz_store_free_json(j);
    j = query(f, KZ_Q_SEARCH, "http://evil.example.com/gate.php");
    assert_non_null(strstr(j, "\"match\": \"exact\""));
    kz_store_free_json(j);
    j = query(f, KZ_Q_STATS, NULL);
    assert_non_null(strstr(j, "\"indicators\": 4"));
    assert_non_null(strstr(j, "\"provenances\": 5"));
    kz_store_free_json(j);
}

static void test_store__failed_reader_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    kz_intel_ioc a[] = {ioc(KZ_T_DOMAIN, "one.example.net"),
                        ioc(KZ_T_DOMAIN, "two.example.net")};
    kz_intel_advisory adv;
    memset(&adv, 0, sizeof adv);
    adv.title = "Half an advisory";
    struct script s = {&adv, NULL, a, 2, 1};
    kz_store_input in = {"bad.json", NULL, NULL, KZ_FMT_STIX, NULL, 0, NULL};
    kz_store_add_result r;
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_ERR_PARSE);
    kz_store_add_result_free(&r);
    char *j = query(f, KZ_Q_STATS, NULL);
    assert_non_null(strstr(j, "\"indicators\": 0"));
    assert_non_null(strstr(j, "\"advisories\": 0"));
    assert_non_null(strstr(j, "\"adds\": 0"));
    kz_store_free_json(j);
    /* A dry run stores nothing either. */
    s.fail_after = -1;
    in.dry_run = 1;
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_OK);
    assert_int_equal(r.new_indicators, 2);
    kz_store_add_result_free(&r);
    j = query(f, KZ_Q_STATS, NULL);
    assert_non_null(strstr(j, "\"indicators\": 0"));
    kz_store_free_json(j);
}

static void test_store__feed_versions(void **state)
{
    struct fixture *f = *state;
    uint8_t d1[32] = {1}, d2[32] = {2}, d3[32] = {3};
    kz_intel_ioc v1[] = {ioc(KZ_T_IPV4, "192.0.2.1"),
                         ioc(KZ_T_IPV4, "192.0.2.2")};
    kz_intel_ioc v2[] = {ioc(KZ_T_IPV4, "192.0.2.2"),
                         ioc(KZ_T_IPV4, "192.0.2.3")};
    struct script s1 = {NULL, NULL, v1, 2, -1}, s2 = {NULL, NULL, v2, 2, -1};
    kz_store_input in = {"/a/feed.txt", NULL, NULL, KZ_FMT_LIST, d1, 0, NULL};
    kz_store_add_result r;
    assert_int_equal(kz_store_add(f->st, &in, play, &s1, &r), KZ_OK);
    kz_store_add_result_free(&r);
    /* Same content (same digest), another path: nothing is read. */
    in.name = "/b/feed.txt";
    assert_int_equal(kz_store_add(f->st, &in, play, &s2, &r), KZ_OK);
    assert_int_equal(r.unchanged, 1);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.indicators, 2);
    kz_store_add_result_free(&r);
    in.sha256 = d2;
    assert_int_equal(kz_store_add(f->st, &in, play, &s2, &r), KZ_OK);
    assert_int_equal(r.unchanged, 0);
    assert_int_equal(r.new_indicators, 1);
    assert_int_equal(r.inactive, 1);
    kz_store_add_result_free(&r);
    char *j = query(f, KZ_Q_SEARCH, "192.0.2.1");
    assert_non_null(strstr(j, "\"no longer in feed\""));
    kz_store_free_json(j);
    /* It comes back in a later version: active again. */
    in.sha256 = d3;
    assert_int_equal(kz_store_add(f->st, &in, play, &s1, &r), KZ_OK);
    assert_int_equal(r.inactive, 1); /* 192.0.2.3 */
    kz_store_add_result_free(&r);
    j = query(f, KZ_Q_SEARCH, "192.0.2.1");
    assert_null(strstr(j, "\"no longer in feed\""));
    kz_store_free_json(j);
}

static void test_store__threats_and_aliases(void **state)
{
    struct fixture *f = *state;
    const char *aliases[] = {"Retliften", "NetfilterRootkit"};
    kz_intel_threat t = {"Netfilter", "malware", aliases, 2, "a rootkit"};
    kz_intel_ioc a[] = {ioc(KZ_T_FILENAME, "netfilter.sys")};
    const char *names[] = {"netfilterrootkit"};
    a[0].threats = names;
    a[0].nthreats = 1;
    kz_intel_advisory adv;
    memset(&adv, 0, sizeof adv);
    adv.title = "Microsoft signed a malicious Netfilter rootkit";
    adv.key = "gdata-2021";
    adv.published = 1624579200;
    adv.mitigation = "Block it.";
    struct script s = {&adv, &t, a, 1, -1};
    kz_store_input in = {"gdata.html", NULL, "G Data", KZ_FMT_TEXT,
                         NULL,         0,    NULL};
    kz_store_add_result r;
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_OK);
    assert_int_equal(r.advisories, 1);
    kz_store_add_result_free(&r);
    char *threats = query(f, KZ_Q_THREATS, NULL);
    /* One threat, the name from the title and the record merged. */
    const char *first = strstr(threats, "\"Netfilter\"");
    assert_non_null(first);
    int again = strstr(first + 1, "\"name\": \"Netfilter\"") != NULL;
    kz_store_free_json(threats);
    assert_false(again);
    char *j;
    j = query(f, KZ_Q_ADVISORY, "1");
    assert_non_null(strstr(j, "\"Block it.\""));
    assert_non_null(strstr(j, "\"2021-06-25T00:00:00Z\""));
    assert_non_null(strstr(j, "\"G Data\""));
    kz_store_free_json(j);
    /* Re-adding the advisory updates it, it is not duplicated. */
    adv.summary = "Now with a summary.";
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_OK);
    assert_int_equal(r.advisories, 0);
    kz_store_add_result_free(&r);
    j = query(f, KZ_Q_ADVISORIES, NULL);
    assert_non_null(strstr(j, "\"id\": 1"));
    assert_null(strstr(j, "\"id\": 2"));
    kz_store_free_json(j);
}

static void test_store__rm_and_expire(void **state)
{
    struct fixture *f = *state;
    kz_intel_ioc a[] = {ioc(KZ_T_MD5, "d41d8cd98f00b204e9800998ecf8427e"),
                        ioc(KZ_T_EMAIL, "Bad.Guy@Evil.Example")};
    struct script s = {NULL, NULL, a, 2, -1};
    kz_store_input in = {"x.csv", NULL, NULL, KZ_FMT_CSV, NULL, 0, NULL};
    kz_store_add_result r;
    assert_int_equal(kz_store_add(f->st, &in, play, &s, &r), KZ_OK);
    kz_store_add_result_free(&r);
    uint64_t n = 0;
    assert_int_equal(kz_store_expire(f->st, "feed", "x.csv", &n), KZ_OK);
    assert_int_equal(n, 2);
    char *j = query(f, KZ_Q_SEARCH, "Bad.Guy@evil.example");
    assert_non_null(strstr(j, "\"expired\""));
    kz_store_free_json(j);
    assert_int_equal(kz_store_expire(f->st, "before", "not a date", &n),
                     KZ_ERR_INVALID);
    assert_int_equal(kz_store_rm(f->st, "feed", "nope.csv", &n),
                     KZ_ERR_NOTFOUND);
    assert_int_equal(kz_store_rm(f->st, "feed", "x.csv", &n), KZ_OK);
    assert_int_equal(n, 2);
    j = query(f, KZ_Q_STATS, NULL);
    assert_non_null(strstr(j, "\"indicators\": 0"));
    kz_store_free_json(j);
    assert_int_equal(kz_store_rm(f->st, "bogus", "x", &n), KZ_ERR_INVALID);
}

static void test_store__open_refuses(void **state)
{
    struct fixture *f = *state;
    kz_store *st = NULL;
    char path[160];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    assert_int_equal(kz_store_open(f->ctx, path, 0, &st), KZ_ERR_NOTFOUND);
    assert_non_null(strstr(kz_ctx_errmsg(f->ctx), "none.db"));
    snprintf(path, sizeof path, "%s/junk.db", f->dir);
    FILE *j = fopen(path, "w");
    assert_non_null(j);
    fputs("this is not SQLite at all, but long enough to look like a file "
          "with a header of a hundred bytes or so .........................",
          j);
    fclose(j);
    assert_int_not_equal(kz_store_open(f->ctx, path, 1, &st), KZ_OK);
    assert_null(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time__forms),
        cmocka_unit_test(test_time__rejects),
        cmocka_unit_test(test_guess__types),
        cmocka_unit_test(test_detect__formats),
        cmocka_unit_test_setup_teardown(test_store__normalizes_and_merges,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store__failed_reader_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store__feed_versions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__threats_and_aliases, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__rm_and_expire, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store__open_refuses, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

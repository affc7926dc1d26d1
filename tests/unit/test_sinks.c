/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/sinks: escaping of hostile values in every format
 * (terminal/TSV, CSV with its formula guard, JSON, STIX pattern literals),
 * the exact output of each writer, deterministic STIX identifiers, and
 * write errors. Output is captured with open_memstream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizashi/kizashi.h"

/* ---- helpers ------------------------------------------------------------- */

struct cap {
    char *buf;
    size_t len;
    FILE *f;
};

static FILE *cap_open(struct cap *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    return c->f;
}

/* Closes the stream; the caller frees the returned text. */
static char *cap_close(struct cap *c)
{
    assert_int_equal(fclose(c->f), 0);
    return c->buf;
}

static char *escaped_text(const char *s, size_t n)
{
    struct cap c;
    kz_write_escaped_text(cap_open(&c), s, n);
    return cap_close(&c);
}

static char *json_string(const char *s, size_t n)
{
    struct cap c;
    kz_write_json_string(cap_open(&c), s, n);
    return cap_close(&c);
}

#define ASSERT_ESC(fn, lit, expected)                                          \
    do {                                                                       \
        char *got_ = fn(lit, sizeof(lit) - 1);                                 \
        assert_string_equal(got_, expected);                                   \
        free(got_);                                                            \
    } while (0)

static kz_extracted value(kz_type t, const char *v)
{
    kz_extracted e;
    memset(&e, 0, sizeof e);
    e.type = t;
    e.value = v;
    e.value_len = strlen(v);
    e.raw = v;
    e.raw_len = strlen(v);
    e.line = 1;
    e.column = 1;
    e.cls = KZ_CLASS_INDICATOR;
    return e;
}

/* Runs a writer over n values from input "in.txt" and returns the output. */
static char *run_writer(kz_ioc_format fmt, int defang, int with_input,
                        const kz_extracted *e, size_t n)
{
    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    kz_ioc_writer *w = NULL;
    kz_ctx *ctx = NULL;
    struct cap c;

    o.format = fmt;
    o.defang = defang;
    o.with_input = with_input;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    assert_int_equal(kz_ioc_writer_new(ctx, &o, cap_open(&c), &w), KZ_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(kz_ioc_writer_put(w, "in.txt", &e[i]), KZ_OK);
    assert_int_equal(kz_ioc_writer_finish(w), KZ_OK);
    kz_ioc_writer_free(w);
    kz_ctx_free(ctx);
    return cap_close(&c);
}

static char *run_one(kz_ioc_format fmt, const kz_extracted *e)
{
    return run_writer(fmt, 0, 0, e, 1);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- escaping ---------------------------------------------------------- */

static void test_escaped_text__escapes_controls_keeps_backslash(void **state)
{
    (void)state;
    ASSERT_ESC(escaped_text, "a\tb\nc\rd\\e", "a\\x09b\\x0ac\\x0dd\\e");
    ASSERT_ESC(escaped_text, "\x1b[31mred\x07\x7f", "\\x1b[31mred\\x07\\x7f");
    ASSERT_ESC(escaped_text, "a\0b", "a\\x00b");
}

static void test_escaped_text__escapes_invalid_utf8_bytewise(void **state)
{
    (void)state;
    ASSERT_ESC(escaped_text,
               "\xff"
               "ok",
               "\\xffok");
    ASSERT_ESC(escaped_text, "\xc0\xaf", "\\xc0\\xaf");          /* overlong */
    ASSERT_ESC(escaped_text, "\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
    ASSERT_ESC(escaped_text, "x\xe6\x97", "x\\xe6\\x97");        /* truncated */
    ASSERT_ESC(escaped_text, "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
}

static void test_escaped_text__keeps_valid_utf8_but_not_c1_or_bidi(void **state)
{
    (void)state;
    ASSERT_ESC(escaped_text, "\xe6\x97\xa5\xe6\x9c\xac caf\xc3\xa9",
               "\xe6\x97\xa5\xe6\x9c\xac caf\xc3\xa9");
    ASSERT_ESC(escaped_text,
               "\xc2\x9b"
               "2J",
               "\\xc2\\x9b2J"); /* C1 CSI */
    ASSERT_ESC(escaped_text,
               "a\xe2\x80\xae"
               "exe.txt",
               "a\\xe2\\x80\\xaeexe.txt"); /* U+202E RLO */
}

static void test_json_string__escapes_per_rfc8259(void **state)
{
    (void)state;
    ASSERT_ESC(json_string, "\"\\/\b\f\n\r\t", "\"\\\"\\\\/\\b\\f\\n\\r\\t\"");
    ASSERT_ESC(json_string, "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    ASSERT_ESC(json_string, "a\0b", "\"a\\u0000b\"");
    ASSERT_ESC(json_string, "", "\"\"");
}

static void test_json_string__invalid_utf8_becomes_replacement(void **state)
{
    (void)state;
    ASSERT_ESC(json_string,
               "a\xff"
               "b",
               "\"a\\ufffdb\"");
    ASSERT_ESC(json_string, "\xc0\xaf", "\"\\ufffd\\ufffd\"");
    ASSERT_ESC(json_string, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    ASSERT_ESC(json_string, "caf\xc3\xa9", "\"caf\xc3\xa9\"");
    ASSERT_ESC(json_string, "\xe2\x80\xa8\xc2\x85", "\"\\u2028\\u0085\"");
}

/* ---- TSV ----------------------------------------------------------------- */

static void test_tsv__writes_type_value_line(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");
    e.line = 12;
    char *out = run_one(KZ_IOC_TSV, &e);
    assert_string_equal(out, "ipv4\t1.2.3.4\t12\n");
    free(out);
}

static void test_tsv__escapes_hostile_value_and_input(void **state)
{
    (void)state;
    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    kz_ioc_writer *w = NULL;
    struct cap c;
    kz_extracted e = value(KZ_T_FILENAME, "evil\tname\n\x1b]0;x\x07.exe");

    o.with_input = 1;
    assert_int_equal(kz_ioc_writer_new(NULL, &o, cap_open(&c), &w), KZ_OK);
    assert_int_equal(kz_ioc_writer_put(w, "dir\\a\tb.txt", &e), KZ_OK);
    assert_int_equal(kz_ioc_writer_finish(w), KZ_OK);
    kz_ioc_writer_free(w);
    char *out = cap_close(&c);
    assert_string_equal(out, "dir\\a\\x09b.txt\tfilename\t"
                             "evil\\x09name\\x0a\\x1b]0;x\\x07.exe\t1\n");
    free(out);
}

static void test_tsv__defang_prints_kz_defang_output(void **state)
{
    (void)state;
    const char *url = "http://evil.example.com/a";
    kz_extracted e = value(KZ_T_URL, url);
    char expected[256], line[300];
    size_t n = 0;

    assert_int_equal(
        kz_defang(KZ_T_URL, url, strlen(url), expected, sizeof expected, &n),
        KZ_OK);
    expected[n] = '\0';
    assert_string_not_equal(expected, url);
    snprintf(line, sizeof line, "url\t%s\t1\n", expected);
    char *out = run_writer(KZ_IOC_TSV, 1, 0, &e, 1);
    assert_string_equal(out, line);
    assert_null(strstr(out, "http://"));
    free(out);
}

/* ---- CSV ----------------------------------------------------------------- */

static void test_csv__header_and_row(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");
    e.line = 12;
    e.column = 5;
    char *out = run_one(KZ_IOC_CSV, &e);
    assert_string_equal(out, "type,value,line,column,class\r\n"
                             "ipv4,1.2.3.4,12,5,indicator\r\n");
    free(out);
}

static void test_csv__empty_output_has_header_only(void **state)
{
    (void)state;
    char *out = run_writer(KZ_IOC_CSV, 0, 1, NULL, 0);
    assert_string_equal(out, "input,type,value,line,column,class\r\n");
    free(out);
}

static void test_csv__quotes_per_rfc4180(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_STRING, "a,\"b\"");
    char *out = run_one(KZ_IOC_CSV, &e);
    assert_non_null(
        strstr(out, "\r\nstring,\"a,\"\"b\"\"\",1,1,indicator\r\n"));
    free(out);
}

static void test_csv__guards_formula_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *value, *field;
    } cases[] = {
        {"=1+1", "\"'=1+1\""},
        {"+cmd|' /C calc'!A0", "\"'+cmd|' /C calc'!A0\""},
        {"-2+3", "\"'-2+3\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\t=x", "\"'\t=x\""},
        {"\r=x", "\"'\\x0d=x\""},
        {"a=b", "a=b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char expected[128];
        kz_extracted e = value(KZ_T_STRING, cases[i].value);
        snprintf(expected, sizeof expected, "\r\nstring,%s,1,1,indicator\r\n",
                 cases[i].field);
        char *out = run_one(KZ_IOC_CSV, &e);
        assert_string_equal(strstr(out, "\r\n"), expected);
        free(out);
    }
}

static void test_csv__control_chars_never_break_rows(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_STRING, "a\nb\x1b\xff\tc\\d");
    char *out = run_writer(KZ_IOC_CSV, 0, 1, &e, 1);
    assert_string_equal(out, "input,type,value,line,column,class\r\n"
                             "in.txt,string,\"a\\x0ab\\x1b\\xff\tc\\d\","
                             "1,1,indicator\r\n");
    assert_int_equal(count(out, "\n"), 2);
    free(out);
}

static void test_csv__guards_input_name(void **state)
{
    (void)state;
    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    kz_ioc_writer *w = NULL;
    struct cap c;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");

    o.format = KZ_IOC_CSV;
    o.with_input = 1;
    assert_int_equal(kz_ioc_writer_new(NULL, &o, cap_open(&c), &w), KZ_OK);
    assert_int_equal(kz_ioc_writer_put(w, "=HYPERLINK(x).txt", &e), KZ_OK);
    assert_int_equal(kz_ioc_writer_finish(w), KZ_OK);
    kz_ioc_writer_free(w);
    char *out = cap_close(&c);
    assert_non_null(
        strstr(out, "\r\n\"'=HYPERLINK(x).txt\",ipv4,1.2.3.4,1,1,"));
    free(out);
}

/* ---- JSON ---------------------------------------------------------------- */

static void test_json__keys_in_documented_order(void **state)
{
    (void)state;
    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    kz_ioc_writer *w = NULL;
    struct cap c;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");

    e.raw = "1.2.3[.]4:443";
    e.raw_len = strlen(e.raw);
    e.line = 12;
    e.column = 5;
    e.port = 443;
    e.defanged = 1;
    o.format = KZ_IOC_JSON;
    assert_int_equal(kz_ioc_writer_new(NULL, &o, cap_open(&c), &w), KZ_OK);
    assert_int_equal(kz_ioc_writer_put(w, "report.txt", &e), KZ_OK);
    assert_int_equal(kz_ioc_writer_finish(w), KZ_OK);
    kz_ioc_writer_free(w);
    char *out = cap_close(&c);
    assert_string_equal(out, "{\"type\":\"ipv4\",\"value\":\"1.2.3.4\","
                             "\"raw\":\"1.2.3[.]4:443\",\"input\":"
                             "\"report.txt\",\"line\":12,\"column\":5,"
                             "\"class\":\"indicator\",\"defanged\":true,"
                             "\"port\":443}\n");
    free(out);
}

static void test_json__reference_has_why(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_DOMAIN, "example.com");
    e.cls = KZ_CLASS_REFERENCE;
    e.why = "well-known site";
    char *out = run_one(KZ_IOC_JSON, &e);
    assert_string_equal(out, "{\"type\":\"domain\",\"value\":\"example.com\","
                             "\"raw\":\"example.com\",\"input\":\"in.txt\","
                             "\"line\":1,\"column\":1,\"class\":\"reference\","
                             "\"defanged\":false,\"why\":\"well-known site\"}"
                             "\n");
    free(out);
}

static void test_json__hostile_values_stay_one_valid_line(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_STRING, "q\"b\\s\n\x01\xff\xe2\x80\xa8");
    char *out = run_one(KZ_IOC_JSON, &e);
    assert_non_null(strstr(out, "\"value\":\"q\\\"b\\\\s\\n\\u0001\\ufffd"
                                "\\u2028\","));
    assert_int_equal(count(out, "\n"), 1);
    free(out);
}

static void test_json__defang_keeps_value_and_adds_defanged_value(void **state)
{
    (void)state;
    const char *url = "http://evil.example.com/a";
    kz_extracted e = value(KZ_T_URL, url);
    char d[256], expected[300];
    size_t n = 0;

    assert_int_equal(kz_defang(KZ_T_URL, url, strlen(url), d, sizeof d, &n),
                     KZ_OK);
    d[n] = '\0';
    char *out = run_writer(KZ_IOC_JSON, 1, 0, &e, 1);
    assert_non_null(strstr(out, "\"value\":\"http://evil.example.com/a\","));
    snprintf(expected, sizeof expected, ",\"defanged_value\":\"%s\"}\n", d);
    assert_non_null(strstr(out, expected));
    free(out);
}

/* ---- STIX ---------------------------------------------------------------- */

static int stix_setup(void **state)
{
    (void)state;
    return setenv("SOURCE_DATE_EPOCH", "1625227200", 1);
}

static int stix_teardown(void **state)
{
    (void)state;
    return unsetenv("SOURCE_DATE_EPOCH");
}

/* The "pattern" of the only object in out, as JSON text. */
static char *stix_pattern_of(const char *out)
{
    const char *p = strstr(out, "\"pattern\":");
    assert_non_null(p);
    p += strlen("\"pattern\":");
    const char *end = strstr(p, ",\"pattern_type\":");
    assert_non_null(end);
    char *s = malloc((size_t)(end - p) + 1);
    assert_non_null(s);
    memcpy(s, p, (size_t)(end - p));
    s[end - p] = '\0';
    return s;
}

static void assert_pattern(kz_type t, const char *v, const char *expected)
{
    kz_extracted e = value(t, v);
    char *out = run_one(KZ_IOC_STIX, &e);
    char *pat = stix_pattern_of(out);
    assert_string_equal(pat, expected);
    free(pat);
    free(out);
}

static void test_stix__empty_bundle_is_valid_and_reproducible(void **state)
{
    (void)state;
    char *out = run_writer(KZ_IOC_STIX, 0, 0, NULL, 0);
    assert_string_equal(out, "{\"type\":\"bundle\",\"id\":\"bundle--"
                             "dd572400-4d16-55fc-a05a-94a79edf7f41\","
                             "\"objects\":[]}\n");
    free(out);
}

static void test_stix__indicator_is_exact_and_deterministic(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");
    char *out = run_one(KZ_IOC_STIX, &e);
    char *again = run_one(KZ_IOC_STIX, &e);
    assert_string_equal(
        out, "{\"type\":\"bundle\",\"id\":\"bundle--"
             "dd572400-4d16-55fc-a05a-94a79edf7f41\",\"objects\":[\n"
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
             "\"indicator--278043a5-e7cd-5240-9b92-52e3667acc3e\","
             "\"created\":\"2021-07-02T12:00:00.000Z\","
             "\"modified\":\"2021-07-02T12:00:00.000Z\",\"name\":\"1.2.3.4\","
             "\"indicator_types\":[\"malicious-activity\"],"
             "\"pattern\":\"[ipv4-addr:value = '1.2.3.4']\","
             "\"pattern_type\":\"stix\","
             "\"valid_from\":\"2021-07-02T12:00:00.000Z\"}\n]}\n");
    assert_string_equal(out, again);
    free(out);
    free(again);
}

static void test_stix__patterns_per_type(void **state)
{
    (void)state;
    assert_pattern(KZ_T_CIDR, "10.0.0.0/8",
                   "\"[ipv4-addr:value = '10.0.0.0/8']\"");
    assert_pattern(KZ_T_CIDR, "2001:db8::/32",
                   "\"[ipv6-addr:value = '2001:db8::/32']\"");
    assert_pattern(KZ_T_DOMAIN, "evil.com",
                   "\"[domain-name:value = 'evil.com']\"");
    assert_pattern(KZ_T_SHA256, "ab", "\"[file:hashes.'SHA-256' = 'ab']\"");
    assert_pattern(KZ_T_MD5, "ab", "\"[file:hashes.MD5 = 'ab']\"");
    assert_pattern(KZ_T_CERT_SHA1, "ab",
                   "\"[x509-certificate:hashes.'SHA-1' = 'ab']\"");
    assert_pattern(KZ_T_ASN, "AS13335",
                   "\"[autonomous-system:number = 13335]\"");
    assert_pattern(KZ_T_USER_AGENT, "Mozilla/5.0 'x'",
                   "\"[network-traffic:extensions.'http-request-ext'."
                   "request_header.'User-Agent' = 'Mozilla/5.0 \\\\'x\\\\'']"
                   "\"");
    assert_pattern(KZ_T_REGKEY, "HKLM\\Software\\Run",
                   "\"[windows-registry-key:key = "
                   "'HKLM\\\\\\\\Software\\\\\\\\Run']\"");
}

static void test_stix__filepath_splits_name_and_directory(void **state)
{
    (void)state;
    /* C:\Windows\Temp\x.exe -> STIX 'C:\\Windows\\Temp' -> JSON doubles
     * every backslash again. */
    assert_pattern(KZ_T_FILEPATH, "C:\\Windows\\Temp\\x.exe",
                   "\"[file:name = 'x.exe' AND file:parent_directory_ref.path"
                   " = 'C:\\\\\\\\Windows\\\\\\\\Temp']\"");
    assert_pattern(KZ_T_FILEPATH, "C:\\x.exe",
                   "\"[file:name = 'x.exe' AND file:parent_directory_ref.path"
                   " = 'C:\\\\\\\\']\"");
    assert_pattern(KZ_T_FILEPATH, "/tmp/",
                   "\"[file:parent_directory_ref.path = '/tmp']\"");
    assert_pattern(KZ_T_FILEPATH, "/x",
                   "\"[file:name = 'x' AND file:parent_directory_ref.path"
                   " = '/']\"");
}

static void test_stix__hostile_literals_are_escaped(void **state)
{
    (void)state;
    /* a'b\c<LF>d] OR [x = 'y : STIX 'a\'b\\c<LF>d] OR [x = \'y', then
     * JSON: \ doubled, LF as \n. */
    assert_pattern(KZ_T_FILENAME, "a'b\\c\nd] OR [x = 'y",
                   "\"[file:name = 'a\\\\'b\\\\\\\\c\\nd] OR [x = "
                   "\\\\'y']\"");
    assert_pattern(KZ_T_URL, "http://e.com/'%27\\",
                   "\"[url:value = 'http://e.com/\\\\'%27\\\\\\\\']\"");
}

static void test_stix__skips_references_duplicates_and_strings(void **state)
{
    (void)state;
    kz_extracted e[4] = {
        value(KZ_T_DOMAIN, "example.com"), value(KZ_T_IPV4, "1.2.3.4"),
        value(KZ_T_IPV4, "1.2.3.4"), value(KZ_T_STRING, "some text")};
    e[0].cls = KZ_CLASS_REFERENCE;
    char *out = run_writer(KZ_IOC_STIX, 0, 1, e, 4);
    assert_int_equal(count(out, "\"type\":\"indicator\""), 1);
    assert_null(strstr(out, "example.com"));
    assert_null(strstr(out, "some text"));
    free(out);
}

static void test_stix__cve_is_a_vulnerability(void **state)
{
    (void)state;
    kz_extracted e = value(KZ_T_CVE, "CVE-2021-44228");
    e.cls = KZ_CLASS_REFERENCE; /* extraction classes CVEs as context */
    char *out = run_one(KZ_IOC_STIX, &e);
    assert_non_null(strstr(
        out, "{\"type\":\"vulnerability\",\"spec_version\":\"2.1\",\"id\":"
             "\"vulnerability--9e5fdae9-2f84-5058-941c-f30bb979e724\","));
    assert_non_null(strstr(out, "\"name\":\"CVE-2021-44228\","
                                "\"external_references\":[{\"source_name\":"
                                "\"cve\",\"external_id\":\"CVE-2021-44228\"}"
                                "]}"));
    assert_null(strstr(out, "indicator"));
    free(out);
}

static void test_stix__yara_rule_is_a_yara_pattern(void **state)
{
    (void)state;
    kz_extracted e =
        value(KZ_T_YARA, "rule Evil_1 : tag {\n strings: $a = \"x\"\n"
                         " condition: $a\n}");
    char *out = run_one(KZ_IOC_STIX, &e);
    assert_non_null(strstr(out, "\"name\":\"Evil_1\","));
    assert_non_null(strstr(out, "\"pattern\":\"rule Evil_1 : tag {\\n "
                                "strings: $a = \\\"x\\\"\\n condition: $a\\n}"
                                "\",\"pattern_type\":\"yara\","));
    free(out);
}

/* ---- writer contract ----------------------------------------------------- */

static void test_writer__finish_reports_write_errors(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    kz_ioc_writer *w = NULL;
    kz_ctx *ctx = NULL;
    kz_extracted e = value(KZ_T_IPV4, "1.2.3.4");
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    assert_int_equal(kz_ioc_writer_new(ctx, NULL, f, &w), KZ_OK);
    kz_status st = kz_ioc_writer_put(w, NULL, &e);
    assert_true(st == KZ_OK || st == KZ_ERR_IO);
    assert_int_equal(kz_ioc_writer_finish(w), KZ_ERR_IO);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "write error"));
    kz_ioc_writer_free(w);
    kz_ctx_free(ctx);
    fclose(f);
}

static void test_writer__rejects_bad_arguments(void **state)
{
    (void)state;
    kz_ioc_writer_opts o = KZ_IOC_WRITER_OPTS_INIT;
    kz_ioc_writer *w = NULL;

    kz_ioc_writer_free(NULL);
    assert_int_equal(kz_ioc_writer_new(NULL, &o, NULL, &w), KZ_ERR_INVALID);
    o.version = 99;
    assert_int_equal(kz_ioc_writer_new(NULL, &o, stdout, &w), KZ_ERR_VERSION);
    o.version = KZ_IOC_WRITER_OPTS_VERSION;
    o.format = (kz_ioc_format)42;
    assert_int_equal(kz_ioc_writer_new(NULL, &o, stdout, &w), KZ_ERR_INVALID);
    assert_null(w);
    assert_int_equal(kz_ioc_writer_put(NULL, "x", NULL), KZ_ERR_INVALID);
}

static void test_format_from_name__known_and_unknown(void **state)
{
    (void)state;
    assert_int_equal(kz_ioc_format_from_name("tsv"), KZ_IOC_TSV);
    assert_int_equal(kz_ioc_format_from_name("json"), KZ_IOC_JSON);
    assert_int_equal(kz_ioc_format_from_name("csv"), KZ_IOC_CSV);
    assert_int_equal(kz_ioc_format_from_name("stix"), KZ_IOC_STIX);
    assert_int_equal(kz_ioc_format_from_name("xml"), -1);
    assert_int_equal(kz_ioc_format_from_name(NULL), -1);
}

static void test_version_info__lists_libraries(void **state)
{
    (void)state;
    const char *v = kz_version_info();
    assert_true(strncmp(v, "kizashi " KZ_VERSION_STRING "\n", 14) == 0);
    assert_non_null(strstr(v, "\nlibidn2 "));
    assert_non_null(strstr(v, "\nlibpsl "));
    assert_non_null(strstr(v, "\nlibxml2 "));
    assert_non_null(strstr(v, "\nOpenSSL "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaped_text__escapes_controls_keeps_backslash),
        cmocka_unit_test(test_escaped_text__escapes_invalid_utf8_bytewise),
        cmocka_unit_test(
            test_escaped_text__keeps_valid_utf8_but_not_c1_or_bidi),
        cmocka_unit_test(test_json_string__escapes_per_rfc8259),
        cmocka_unit_test(test_json_string__invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_tsv__writes_type_value_line),
        cmocka_unit_test(test_tsv__escapes_hostile_value_and_input),
        cmocka_unit_test(test_tsv__defang_prints_kz_defang_output),
        cmocka_unit_test(test_csv__header_and_row),
        cmocka_unit_test(test_csv__empty_output_has_header_only),
        cmocka_unit_test(test_csv__quotes_per_rfc4180),
        cmocka_unit_test(test_csv__guards_formula_prefixes),
        cmocka_unit_test(test_csv__control_chars_never_break_rows),
        cmocka_unit_test(test_csv__guards_input_name),
        cmocka_unit_test(test_json__keys_in_documented_order),
        cmocka_unit_test(test_json__reference_has_why),
        cmocka_unit_test(test_json__hostile_values_stay_one_valid_line),
        cmocka_unit_test(test_json__defang_keeps_value_and_adds_defanged_value),
        cmocka_unit_test_setup_teardown(
            test_stix__empty_bundle_is_valid_and_reproducible, stix_setup,
            stix_teardown),
        cmocka_unit_test_setup_teardown(
            test_stix__indicator_is_exact_and_deterministic, stix_setup,
            stix_teardown),
        cmocka_unit_test_setup_teardown(test_stix__patterns_per_type,
                                        stix_setup, stix_teardown),
        cmocka_unit_test_setup_teardown(
            test_stix__filepath_splits_name_and_directory, stix_setup,
            stix_teardown),
        cmocka_unit_test_setup_teardown(test_stix__hostile_literals_are_escaped,
                                        stix_setup, stix_teardown),
        cmocka_unit_test_setup_teardown(
            test_stix__skips_references_duplicates_and_strings, stix_setup,
            stix_teardown),
        cmocka_unit_test_setup_teardown(test_stix__cve_is_a_vulnerability,
                                        stix_setup, stix_teardown),
        cmocka_unit_test_setup_teardown(test_stix__yara_rule_is_a_yara_pattern,
                                        stix_setup, stix_teardown),
        cmocka_unit_test(test_writer__finish_reports_write_errors),
        cmocka_unit_test(test_writer__rejects_bad_arguments),
        cmocka_unit_test(test_format_from_name__known_and_unknown),
        cmocka_unit_test(test_version_info__lists_libraries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the sweep's tokenizer (lib/evidence/scan.c): what it finds
 * in a line and what it must not find (the near-misses a substring matcher
 * reports), every place a token can start or end (buffer edges, 64-byte
 * block edges), and its line count against a byte-by-byte count; every
 * instruction set the CPU has gives the same answers.
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

#include "evidence/scan.h"
#include "kizashi/kizashi.h"

static char dir[] = "/tmp/kz-test-scan-XXXXXX";
static kz_index *ix;

static void add(kz_index_builder *b, kz_type t, const char *v)
{
    assert_int_equal(kz_index_builder_add(b, t, v, strlen(v), NULL), KZ_OK);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    kz_index_builder *b = NULL;
    if (kz_index_builder_new(NULL, &b) != KZ_OK)
        return -1;
    add(b, KZ_T_IPV4, "1.2.3.4");
    add(b, KZ_T_IPV4, "192.0.2.1");
    add(b, KZ_T_IPV6, "2001:db8::1");
    add(b, KZ_T_IPV6, "64:ff9b::c633:6407"); /* 64:ff9b::198.51.100.7 */
    add(b, KZ_T_CIDR, "10.0.0.0/8");
    add(b, KZ_T_DOMAIN, "evil.example");
    add(b, KZ_T_URL, "http://evil.example/x/payload.exe");
    add(b, KZ_T_URL, "http://198.51.100.9:8080/gate.php");
    add(b, KZ_T_EMAIL, "bad@evil.example");
    add(b, KZ_T_MD5, "2897721785645ad5b2a8fb524ed650c0");
    add(b, KZ_T_SHA1, "d836fa75f0682b4c393418231aefca97169d551e");
    add(b, KZ_T_SHA256,
        "956ecb4afa437eafe56f958b34b6a78303ad626baee004715dc6634b7546bf85");
    add(b, KZ_T_FILENAME, "netfilter.sys");
    /* literal strings */
    add(b, KZ_T_USER_AGENT,
        "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; KZ-Test)");
    add(b, KZ_T_MUTEX, "Global\\QakBotMutex_42");
    add(b, KZ_T_REGKEY,
        "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\updater");
    add(b, KZ_T_STRING, "abc"); /* too short to be looked for */
    char p[256];
    snprintf(p, sizeof p, "%s/t.kzi", dir);
    if (kz_index_write(b, NULL, p) != KZ_OK)
        return -1;
    kz_index_builder_free(b);
    return kz_index_open(NULL, p, &ix) == KZ_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    kz_index_close(ix);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The hits of scanning s with the pass of instruction set isa, as
 * "type=observed" joined by spaces (URL-host marks as "urlhost=..."). */
static void scan_isa(const char *s, int split, unsigned isa, char *out,
                     size_t outn)
{
    struct kz_scanner sc;
    kz_scanner_init(&sc, ix, split);
    sc.isa = isa;
    size_t n = strlen(s);
    /* scan from a heap copy of exactly n bytes, so ASan sees any read
     * past the end */
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    kz_scan(&sc, copy, n, 0);
    out[0] = 0;
    for (size_t i = 0; i < sc.nhits; i++) {
        const struct kz_scan_hit *h = &sc.hits[i];
        /* the line of the hit: the newlines before it */
        uint64_t lines = 0;
        for (size_t k = 0; k < h->pos; k++)
            lines += copy[k] == '\n';
        assert_int_equal(h->line, lines);
        size_t o = strlen(out);
        snprintf(out + o, outn - o, "%s%s=%.*s", o ? " " : "",
                 h->entry == KZ_SCAN_URLHOST ? "urlhost"
                                             : kz_type_name((kz_type)h->type),
                 (int)h->len, copy + h->pos);
    }
    size_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += s[i] == '\n';
    assert_int_equal(sc.newlines, want);
    free(copy);
    kz_scanner_free(&sc);
}

/* The hits of scanning s, the same with every instruction set this CPU
 * has (plain C, SSE2, AVX2, AVX-512BW). */
static const char *scan(const char *s, int split)
{
    static char out[4096];
    char other[4096];
    unsigned best = kz_scan_isa_best();
    scan_isa(s, split, best, out, sizeof out);
    for (unsigned isa = 0; isa < best; isa++) {
        scan_isa(s, split, isa, other, sizeof other);
        if (strcmp(out, other) != 0)
            fail_msg("isa %u: \"%s\", isa %u: \"%s\" on \"%s\"", best, out, isa,
                     other, s);
    }
    return out;
}

static void test_scan__ipv4(void **state)
{
    (void)state;
    assert_string_equal(scan("src=1.2.3.4 dst", 0), "ipv4=1.2.3.4");
    assert_string_equal(scan("1.2.3.4", 0), "ipv4=1.2.3.4");
    assert_string_equal(scan("\"1.2.3.4:443\"", 0), "ipv4=1.2.3.4");
    assert_string_equal(scan("at 1.2.3.4.", 0), "ipv4=1.2.3.4");
    assert_string_equal(scan("[1.2.3.4]:25", 0), "ipv4=1.2.3.4");
    /* near-misses */
    assert_string_equal(scan("11.2.3.4 1.2.3.45 1.2.3.44", 0), "");
    assert_string_equal(scan("oid .1.3.6.1.4.1.1.2.3.4.0", 0), "");
    assert_string_equal(scan("1.2.3.4.5", 0), "");
    assert_string_equal(scan("v1.2.3.4", 0), "");
    /* CIDR containment */
    assert_string_equal(scan("from 10.200.3.4 port", 0), "ipv4=10.200.3.4");
}

static void test_scan__ipv6(void **state)
{
    (void)state;
    assert_string_equal(scan("\"2001:db8::1\"", 0), "ipv6=2001:db8::1");
    assert_string_equal(scan("2001:0DB8:0000:0000:0000:0000:0000:0001 x", 0),
                        "ipv6=2001:0DB8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(scan("[2001:db8::1]:443", 0), "ipv6=2001:db8::1");
    assert_string_equal(scan("64:ff9b::198.51.100.7", 0),
                        "ipv6=64:ff9b::198.51.100.7");
    /* the mapped form of an IPv4 indicator */
    assert_string_equal(scan("::ffff:1.2.3.4", 0), "ipv4=::ffff:1.2.3.4");
    assert_string_equal(scan("2001:db8::1:5 2001:db8::10", 0), "");
    /* times and MAC addresses are not addresses */
    assert_string_equal(scan("Nov 14 00:00:01 MAC=52:54:00:12:34:56", 0), "");
}

static void test_scan__hosts(void **state)
{
    (void)state;
    assert_string_equal(scan("query: evil.example IN A", 0),
                        "domain=evil.example");
    assert_string_equal(scan("{\"q\":\"A.B.EVIL.example.\"}", 0),
                        "domain=A.B.EVIL.example");
    assert_string_equal(scan("notevil.example not-evil.example "
                             "evil.example.au evil.example-x.net",
                             0),
                        "");
    assert_string_equal(scan("https://a.evil.example/other", 0),
                        "domain=a.evil.example");
    assert_string_equal(scan("mail from x@a.evil.example", 0),
                        "domain=a.evil.example");
    /* JSON keys with dots are not looked up as hosts, and do not hide
     * what follows */
    assert_string_equal(scan("{\"id.orig_h\":\"192.0.2.1\"}", 0),
                        "ipv4=192.0.2.1");
}

static void test_scan__urls(void **state)
{
    (void)state;
    assert_string_equal(scan("GET http://evil.example/x/payload.exe - ", 0),
                        "url=http://evil.example/x/payload.exe "
                        "domain=evil.example");
    assert_string_equal(scan("\"HTTP://Evil.Example:80/x/payload.exe\"", 0),
                        "url=HTTP://Evil.Example:80/x/payload.exe "
                        "domain=Evil.Example");
    /* a longer URL is not the indicator */
    assert_string_equal(scan("http://evil.example/x/payload.exe/1", 0),
                        "domain=evil.example");
    assert_string_equal(scan("http://198.51.100.9:8080/gate.php?x=1", 0), "");
    /* hosts of URL indicators are marked in split-URL logs */
    assert_string_equal(scan("{\"host\":\"198.51.100.9:8080\",\"uri\":\"/"
                             "gate.php\"}",
                             1),
                        "urlhost=198.51.100.9");
    assert_string_equal(scan("{\"hostname\":\"evil.example\"}", 1),
                        "domain=evil.example urlhost=evil.example");
    /* sentence punctuation after a URL, and JSON-escaped slashes */
    assert_string_equal(scan("see http://evil.example/x/payload.exe, then", 0),
                        "url=http://evil.example/x/payload.exe "
                        "domain=evil.example");
    assert_string_equal(scan("(http://evil.example/x/payload.exe).", 0),
                        "url=http://evil.example/x/payload.exe "
                        "domain=evil.example");
    assert_string_equal(
        scan("{\"u\":\"http:\\/\\/evil.example\\/x\\/payload.exe\"}", 0),
        "url=http:\\/\\/evil.example\\/x\\/payload.exe "
        "domain=evil.example");
    /* a file name inside a URL is a page, not a file */
    assert_string_equal(scan("http://x.example/netfilter.sys", 0), "");
    assert_string_equal(scan("\"/a/netfilter.sys\"", 0), "");
}

static void test_scan__digests(void **state)
{
    (void)state;
    assert_string_equal(scan("MD5=2897721785645AD5B2A8FB524ED650C0,", 0),
                        "md5=2897721785645AD5B2A8FB524ED650C0");
    assert_string_equal(
        scan("\"fingerprint\":\"d8:36:fa:75:f0:68:2b:4c:39:34:18:23:1a:ef:"
             "ca:97:16:9d:55:1e\"",
             0),
        "sha1=d8:36:fa:75:f0:68:2b:4c:39:34:18:23:1a:ef:ca:97:16:9d:55:1e");
    assert_string_equal(
        scan("C:\\Temp\\956ecb4afa437eafe56f958b34b6a78303ad626baee004715dc6634"
             "b7546bf85.dll",
             0),
        "sha256=956ecb4afa437eafe56f958b34b6a78303ad626baee004715dc6634b754"
        "6bf85");
    /* one digit more, one digit changed */
    assert_string_equal(scan("2897721785645ad5b2a8fb524ed650c01 "
                             "2897721785645ad5b2a8fb524ed650c1",
                             0),
                        "");
}

static void test_scan__email_filename(void **state)
{
    (void)state;
    assert_string_equal(scan("from=<BAD@evil.example>", 0),
                        "email=BAD@evil.example domain=evil.example");
    assert_string_equal(scan("from=<xbad@evil.example>", 0),
                        "domain=evil.example");
    assert_string_equal(scan("ImageLoaded: C:\\Windows\\System32\\drivers\\"
                             "NetFilter.sys",
                             0),
                        "filename=NetFilter.sys");
}

/* Every position relative to the 64-byte blocks (and their 16-byte
 * lanes), the buffer's edges, and tokens that end in the byte loop after
 * the last whole block or before it. */
static void test_scan__positions(void **state)
{
    (void)state;
    static const char *const tok[][2] = {
        {"2897721785645ad5b2a8fb524ed650c0",
         "md5=2897721785645ad5b2a8fb524ed650c0"},
        {"a.evil.example", "domain=a.evil.example"},
        {"2001:db8::1", "ipv6=2001:db8::1"},
        {"\"1.2.3.4\"", "ipv4=1.2.3.4"},
        {"bad@evil.example", "email=bad@evil.example domain=evil.example"},
        {"http://evil.example/x/payload.exe",
         "url=http://evil.example/x/payload.exe domain=evil.example"},
    };
    for (int pad = 0; pad < 140; pad++)
        for (size_t t = 0; t < sizeof tok / sizeof tok[0]; t++)
            for (int after = 0; after <= 70; after += 70) {
                char line[512];
                memset(line, ' ', (size_t)pad);
                int k = snprintf(line + pad, sizeof line - (size_t)pad, "%s",
                                 tok[t][0]);
                memset(line + pad + k, after ? '\n' : ' ', (size_t)after);
                line[pad + k + after] = 0;
                assert_string_equal(scan(line, 0), tok[t][1]);
            }
}

/* Literal strings: inside a line, as written or JSON-escaped, regkeys in
 * any case, in byte order among the other hits. */
static void test_scan__literals(void **state)
{
    (void)state;
    const char *ua =
        "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; KZ-Test)";
    char line[512];
    snprintf(line, sizeof line, "ua=%s x", ua);
    char want[512];
    snprintf(want, sizeof want, "user_agent=%s", ua);
    assert_string_equal(scan(line, 0), want);
    snprintf(line, sizeof line, "%s", ua); /* the whole buffer */
    assert_string_equal(scan(line, 1), want);
    /* one byte short, one byte different */
    assert_string_equal(
        scan("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; KZ-Tes)",
             0),
        "");
    assert_string_equal(
        scan("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; KZ-TesT)",
             0),
        "");
    /* a mutex is compared as written */
    assert_string_equal(scan("OpenMutex Global\\QakBotMutex_42 ok", 0),
                        "mutex=Global\\QakBotMutex_42");
    assert_string_equal(scan("OpenMutex global\\qakbotmutex_42 ok", 0), "");
    /* whole words at the ends that are letters or digits */
    assert_string_equal(scan("OpenMutex Global\\QakBotMutex_421 ok", 0), "");
    assert_string_equal(scan("OpenMutex xGlobal\\QakBotMutex_42 ok", 0), "");
    assert_string_equal(scan("OpenMutex \\Global\\QakBotMutex_42\\ ok", 0),
                        "mutex=Global\\QakBotMutex_42");
    /* after a JSON escape (a script's new line, a quote as \u0027), not
     * after a letter whose backslash is itself escaped */
    assert_string_equal(scan("{\"s\":\"x\\nGlobal\\\\QakBotMutex_42\"}", 1),
                        "mutex=Global\\\\QakBotMutex_42");
    assert_string_equal(scan("{\"s\":\"x\\u0027Global\\\\QakBotMutex_42\"}", 1),
                        "mutex=Global\\\\QakBotMutex_42");
    assert_string_equal(scan("{\"s\":\"C:\\\\nGlobal\\\\QakBotMutex_42\"}", 1),
                        "");
    /* JSON-escaped, and a registry key in another case */
    assert_string_equal(
        scan("{\"TargetObject\":\"HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\"
             "CurrentVersion\\\\Run\\\\updater\"}",
             1),
        "regkey=HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion"
        "\\\\Run\\\\updater");
    assert_string_equal(
        scan("set hkcu\\software\\microsoft\\windows\\currentversion\\run\\"
             "UPDATER=1",
             0),
        "regkey=hkcu\\software\\microsoft\\windows\\currentversion\\run\\"
        "UPDATER");
    /* in byte order among the others, and their lines */
    assert_string_equal(
        scan("1.2.3.4 Global\\QakBotMutex_42 evil.example\nx abc "
             "Global\\QakBotMutex_42\n",
             0),
        "ipv4=1.2.3.4 mutex=Global\\QakBotMutex_42 domain=evil.example "
        "mutex=Global\\QakBotMutex_42");
    assert_string_equal(scan("abcabc abc", 0), "");
}

/* A number with dots is read the same with 16 readable bytes after its
 * start (one compare finds the dots) and without (byte by byte). */
static void test_scan__quads(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "1.2.3.4",     "01.2.3.4",        "1.2.3.04",   "001.002.003.004",
        "1.2.3.256",   "256.2.3.4",       "1.2.3",      "1..2.3.4",
        "1.2.3.4.",    "1.2.3.4..",       "1234.2.3.4", "1.2.3.4444",
        "10.200.3.4",  "192.0.2.1",       "192.0.2.10", "192.000.002.001",
        "192.0.2.001", "255.255.255.255", "0.0.0.0",    "1.2.3.4.5",
        "199.0.2.1",   "192.0.2.1.",      ".192.0.2.1", "1.2.33.4"};
    char a[64], b[96], out1[4096], out2[4096];
    uint32_t x = 11;
    for (size_t t = 0; t < sizeof fixed / sizeof fixed[0] + 3000; t++) {
        if (t < sizeof fixed / sizeof fixed[0]) {
            snprintf(a, sizeof a, "%s", fixed[t]);
        } else {
            size_t len = 1 + (x >> 8) % 15;
            for (size_t i = 0; i < len; i++) {
                x = x * 1103515245u + 12345u;
                a[i] = (x >> 16) % 4 == 0 ? '.' : (char)('0' + (x >> 18) % 10);
            }
            a[len] = 0;
            x = x * 1103515245u + 12345u;
        }
        snprintf(b, sizeof b, "%s                    ", a);
        snprintf(out1, sizeof out1, "%s", scan(a, 1));
        snprintf(out2, sizeof out2, "%s", scan(b, 1));
        if (strcmp(out1, out2) != 0)
            fail_msg("\"%s\": \"%s\" alone, \"%s\" followed by spaces", a, out1,
                     out2);
    }
    assert_string_equal(scan("192.0.2.1                ", 0), "ipv4=192.0.2.1");
    assert_string_equal(scan("192.000.002.001          ", 0),
                        "ipv4=192.000.002.001");
    assert_string_equal(scan("192.0.2.1.9              ", 0), "");
    assert_string_equal(scan("1.2.3.256                ", 0), "");
}

static void test_scan__newlines(void **state)
{
    (void)state;
    uint32_t x = 7;
    for (int round = 0; round < 50; round++) {
        size_t n = (size_t)(round * 997) % 9000;
        char *b = malloc(n + 1);
        uint64_t want = 0;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            static const char pick[] = "ab.:\n@0f \"";
            b[i] = pick[(x >> 16) % (sizeof pick - 1)];
            want += b[i] == '\n';
        }
        for (unsigned isa = 0; isa <= kz_scan_isa_best(); isa++) {
            struct kz_scanner sc;
            kz_scanner_init(&sc, ix, 1);
            sc.isa = isa;
            kz_scan(&sc, b, n, 0);
            assert_int_equal(sc.newlines, want);
            kz_scanner_free(&sc);
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan__ipv4),
        cmocka_unit_test(test_scan__ipv6),
        cmocka_unit_test(test_scan__hosts),
        cmocka_unit_test(test_scan__urls),
        cmocka_unit_test(test_scan__digests),
        cmocka_unit_test(test_scan__email_filename),
        cmocka_unit_test(test_scan__positions),
        cmocka_unit_test(test_scan__quads),
        cmocka_unit_test(test_scan__literals),
        cmocka_unit_test(test_scan__newlines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

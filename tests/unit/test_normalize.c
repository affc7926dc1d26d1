/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/core/normalize.c: IP, CIDR, domain, URL, e-mail,
 * digest, CVE and ASN normalization and their limits. Each table row is
 * one rule; every accepted value must also come back unchanged when
 * normalized again (idempotence), since intel and evidence meet only
 * after the same normalization.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/core_int.h"
#include "kizashi/core.h"
#include "kizashi/limits.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

struct ncase {
    kz_type t;
    const char *in;
    const char *want; /* NULL: the status below is expected */
    kz_status st;
};

/* Runs rows through kz_normalize, then checks idempotence of the results. */
static void run_cases(const struct ncase *c, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char out[KZ_MAX_URL + 1], again[KZ_MAX_URL + 1];
        size_t len = 99, len2;
        kz_status st = kz_normalize(c[i].t, c[i].in, strlen(c[i].in), out,
                                    sizeof out, &len);
        if (c[i].want) {
            if (st != KZ_OK || strcmp(out, c[i].want) != 0)
                print_error("case %zu: %s(%s) -> %d '%s', want '%s'\n", i,
                            kz_type_name(c[i].t), c[i].in, st, out, c[i].want);
            assert_int_equal(st, KZ_OK);
            assert_string_equal(out, c[i].want);
            assert_int_equal(len, strlen(c[i].want));
            assert_int_equal(
                kz_normalize(c[i].t, out, len, again, sizeof again, &len2),
                KZ_OK);
            assert_string_equal(again, out);
        } else {
            if (st != c[i].st)
                print_error("case %zu: %s(%s) -> %d '%s', want status %d\n", i,
                            kz_type_name(c[i].t), c[i].in, st, out, c[i].st);
            assert_int_equal(st, c[i].st);
            assert_int_equal(len, 0);
            assert_string_equal(out, "");
        }
    }
}

/* ---- IPv4 ---------------------------------------------------------------- */

static void test_ipv4__accepts_dotted_quad(void **state)
{
    (void)state;
    uint8_t a[4];
    uint16_t port = 7;
    assert_int_equal(kz_norm_ipv4("192.168.0.255", 13, a, &port), KZ_OK);
    assert_memory_equal(a, "\xc0\xa8\x00\xff", 4);
    assert_int_equal(port, 0);
    assert_int_equal(kz_norm_ipv4("0.0.0.0", 7, a, NULL), KZ_OK);
    assert_int_equal(kz_norm_ipv4("255.255.255.255", 15, a, NULL), KZ_OK);
}

static void test_ipv4__rejects_leading_zero_octets(void **state)
{
    (void)state;
    uint8_t a[4];
    assert_int_equal(kz_norm_ipv4("01.2.3.4", 8, a, NULL), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.3.012", 9, a, NULL), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.00.4", 8, a, NULL), KZ_ERR_PARSE);
}

static void test_ipv4__rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "256.1.1.1", "1.2.3.256",  "1.2.3",      "1.2.3.4.5",
        "1.2.3.4.",  " 1.2.3.4",   "1.2.3.4 ",   "1..2.3",
        "1.2.3.",    "",           "a.b.c.d",    "1.2.3.4a",
        "1.2.3.-4",  "1.2.3.1234", "0x7f.0.0.1", "1,2,3,4",
    };
    uint8_t a[4];
    for (size_t i = 0; i < LEN(bad); i++)
        assert_int_equal(kz_norm_ipv4(bad[i], strlen(bad[i]), a, NULL),
                         KZ_ERR_PARSE);
}

static void test_ipv4__port_only_when_asked(void **state)
{
    (void)state;
    uint8_t a[4];
    uint16_t port;
    assert_int_equal(kz_norm_ipv4("1.2.3.4:8080", 12, a, NULL), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:8080", 12, a, &port), KZ_OK);
    assert_int_equal(port, 8080);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:65535", 13, a, &port), KZ_OK);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:65536", 13, a, &port), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:0", 9, a, &port), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:", 8, a, &port), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2.3.4:080", 11, a, &port), KZ_ERR_PARSE);
}

static void test_ipv4__rejects_embedded_nul_and_reads_only_n(void **state)
{
    (void)state;
    uint8_t a[4];
    assert_int_equal(kz_norm_ipv4("1.2.3.4\0", 8, a, NULL), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv4("1.2\0.3.4", 8, a, NULL), KZ_ERR_PARSE);
    /* Not NUL-terminated at n: the digit after n is not read. */
    char buf[8];
    memcpy(buf, "1.2.3.45", 8);
    assert_int_equal(kz_norm_ipv4(buf, 7, a, NULL), KZ_OK);
    assert_memory_equal(a, "\x01\x02\x03\x04", 4);
    assert_int_equal(kz_norm_ipv4(NULL, 3, a, NULL), KZ_ERR_INVALID);
}

/* ---- IPv6 ---------------------------------------------------------------- */

static void test_ipv6__accepts_rfc4291_forms_and_prints_rfc5952(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } c[] = {
        {"::", "::"},
        {"::1", "::1"},
        {"1::", "1::"},
        {"2001:DB8::1", "2001:db8::1"},
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},
        {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        {"0:0:0:0:0:0:0:0", "::"},
        {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
        {"::FFFF:102:304", "::ffff:1.2.3.4"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        {"fe80::1%eth0", "fe80::1"},
        {"[2001:db8::1]", "2001:db8::1"},
        {"[fe80::a%25en0]", "fe80::a"},
    };
    for (size_t i = 0; i < LEN(c); i++) {
        uint8_t a[16];
        char out[64];
        size_t len;
        assert_int_equal(kz_norm_ipv6(c[i].in, strlen(c[i].in), a, NULL),
                         KZ_OK);
        assert_int_equal(kz_ip_format(a, 6, out, sizeof out, &len), KZ_OK);
        assert_string_equal(out, c[i].want);
    }
}

static void test_ipv6__bracketed_port(void **state)
{
    (void)state;
    uint8_t a[16];
    uint16_t port;
    assert_int_equal(kz_norm_ipv6("[2001:db8::1]:443", 17, a, &port), KZ_OK);
    assert_int_equal(port, 443);
    assert_int_equal(kz_norm_ipv6("[2001:db8::1]:443", 17, a, NULL),
                     KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv6("[2001:db8::1]:", 14, a, &port),
                     KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv6("[2001:db8::1", 12, a, &port), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_ipv6("[2001:db8::1]x", 14, a, &port),
                     KZ_ERR_PARSE);
}

static void test_ipv6__rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1:2:3:4:5:6:7:8:9", /* nine groups */
        "1::2::3",           /* '::' twice */
        "::1::",
        "12345::1", /* five hex digits */
        "1:2:3:4:5:6:7:8::",
        "1:2:3:4:5:6:7",
        ":1::2",
        "1::2:",
        ":::",
        "1:::2",
        "g::1",
        "::1.2.3",
        "::1.2.3.4.5",
        "::01.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1.2.3.4",
        "fe80::1%",
        "fe80::1%e th0",
        " ::1",
        "::1 ",
        "",
        ":",
    };
    uint8_t a[16];
    for (size_t i = 0; i < LEN(bad); i++) {
        kz_status st = kz_norm_ipv6(bad[i], strlen(bad[i]), a, NULL);
        if (st != KZ_ERR_PARSE)
            print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(st, KZ_ERR_PARSE);
    }
    assert_int_equal(kz_norm_ipv6("::1\0", 4, a, NULL), KZ_ERR_PARSE);
}

/* ---- either family ------------------------------------------------------- */

static void test_ip__mapped_ipv6_equals_ipv4(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    int fa, fb;
    assert_int_equal(kz_norm_ip("10.1.2.3", 8, a, &fa, NULL), KZ_OK);
    assert_int_equal(kz_norm_ip("::ffff:10.1.2.3", 15, b, &fb, NULL), KZ_OK);
    assert_memory_equal(a, b, 16);
    assert_int_equal(fa, 4);
    assert_int_equal(fb, 4);
    assert_int_equal(kz_norm_ip("::FFFF:a01:203", 14, b, &fb, NULL), KZ_OK);
    assert_memory_equal(a, b, 16);
    assert_int_equal(kz_norm_ip("2001:db8::1", 11, b, &fb, NULL), KZ_OK);
    assert_int_equal(fb, 6);
    assert_int_equal(kz_norm_ip("nope", 4, b, &fb, NULL), KZ_ERR_PARSE);
}

static void test_ip_format__families_and_limits(void **state)
{
    (void)state;
    uint8_t a[16];
    int fam;
    char out[64];
    size_t len;
    assert_int_equal(kz_norm_ip("1.2.3.4", 7, a, &fam, NULL), KZ_OK);
    assert_int_equal(kz_ip_format(a, 4, out, sizeof out, &len), KZ_OK);
    assert_string_equal(out, "1.2.3.4");
    assert_int_equal(kz_ip_format(a, 6, out, sizeof out, &len), KZ_OK);
    assert_string_equal(out, "::ffff:1.2.3.4");
    assert_int_equal(kz_ip_format(a, 4, out, 8, &len), KZ_OK);
    assert_int_equal(kz_ip_format(a, 4, out, 7, &len), KZ_ERR_LIMIT);
    assert_int_equal(kz_norm_ip("2001:db8::1", 11, a, &fam, NULL), KZ_OK);
    assert_int_equal(kz_ip_format(a, 4, out, sizeof out, &len), KZ_ERR_INVALID);
    assert_int_equal(kz_ip_format(a, 5, out, sizeof out, &len), KZ_ERR_INVALID);
}

/* ---- CIDR ---------------------------------------------------------------- */

static void test_cidr__clears_host_bits(void **state)
{
    (void)state;
    uint8_t a[16];
    int fam, host;
    unsigned prefix;
    char out[64];
    assert_int_equal(kz_norm_cidr("10.1.2.3/8", 10, a, &fam, &prefix, &host),
                     KZ_OK);
    assert_int_equal(fam, 4);
    assert_int_equal(prefix, 8);
    assert_int_equal(host, 1);
    assert_int_equal(kz_ip_format(a, 4, out, sizeof out, NULL), KZ_OK);
    assert_string_equal(out, "10.0.0.0");
    assert_int_equal(kz_norm_cidr("10.0.0.0/8", 10, a, &fam, &prefix, &host),
                     KZ_OK);
    assert_int_equal(host, 0);
    assert_int_equal(
        kz_norm_cidr("2001:db8::1/32", 14, a, &fam, &prefix, &host), KZ_OK);
    assert_int_equal(fam, 6);
    assert_int_equal(prefix, 32);
    assert_int_equal(host, 1);
    assert_int_equal(kz_norm_cidr("1.2.3.4/0", 9, a, &fam, &prefix, NULL),
                     KZ_OK);
    assert_int_equal(kz_ip_format(a, 4, out, sizeof out, NULL), KZ_OK);
    assert_string_equal(out, "0.0.0.0");
}

static void test_cidr__rejects_bad_prefixes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1.2.3.4/33", "1.2.3.4",    "1.2.3.4/", "1.2.3.4/08",
        "::/129",     "/8",         "1.2.3/8",  "1.2.3.4/8/8",
        "1.2.3.4/-1", "1.2.3.4/ 8", "::1/1000", "1.2.3.4:80/8",
    };
    uint8_t a[16];
    for (size_t i = 0; i < LEN(bad); i++)
        assert_int_equal(
            kz_norm_cidr(bad[i], strlen(bad[i]), a, NULL, NULL, NULL),
            KZ_ERR_PARSE);
}

static void test_normalize__cidr_forms(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_CIDR, "10.1.2.3/8", "10.0.0.0/8", 0},
        {KZ_T_CIDR, "192.168.1.1/32", "192.168.1.1/32", 0},
        {KZ_T_CIDR, "2001:DB8:0:0:8::1/64", "2001:db8::/64", 0},
        {KZ_T_CIDR, "::ffff:10.1.2.3/104", "10.0.0.0/8", 0},
        {KZ_T_CIDR, "::/0", "::/0", 0},
        {KZ_T_CIDR, "10.0.0.0", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

/* ---- domains ------------------------------------------------------------- */

static void test_domain__lowercases_and_strips_one_trailing_dot(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_DOMAIN, "Evil.EXAMPLE.com", "evil.example.com", 0},
        {KZ_T_DOMAIN, "evil.example.com.", "evil.example.com", 0},
        {KZ_T_DOMAIN, "evil.example.com..", NULL, KZ_ERR_PARSE},
        {KZ_T_DOMAIN, "_dmarc.example.com", "_dmarc.example.com", 0},
        {KZ_T_DOMAIN, "a-b.c_d.example", "a-b.c_d.example", 0},
        {KZ_T_DOMAIN, "XN--BCHER-KVA.example", "xn--bcher-kva.example", 0},
        {KZ_T_DOMAIN, "123.example", "123.example", 0},
        {KZ_T_DOMAIN, "host.corp.local", "host.corp.local", 0},
    };
    run_cases(c, LEN(c));
}

static void test_domain__idna2008_to_punycode(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_DOMAIN, "bücher.example", "xn--bcher-kva.example", 0},
        {KZ_T_DOMAIN, "BÜCHER.example", "xn--bcher-kva.example", 0},
        {KZ_T_DOMAIN, "日本語.jp", "xn--wgv71a119e.jp", 0},
        {KZ_T_DOMAIN, "例え.テスト", "xn--r8jz45g.xn--zckzah", 0},
        {KZ_T_DOMAIN, "faß.de", "xn--fa-hia.de", 0}, /* not transitional */
        {KZ_T_DOMAIN, "bücher.example.", "xn--bcher-kva.example", 0},
        {KZ_T_DOMAIN, "b\xc3\xbc\xc3", NULL, KZ_ERR_PARSE}, /* bad UTF-8 */
    };
    run_cases(c, LEN(c));
}

static void test_domain__rejects_non_domains(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "localhost",   "1.2.3.4",        "example.123", "-a.example",
        "a-.example",  "a..example",     ".a.example",  "a b.example",
        "a@b.example", "a/b.example",    "*.example",   "",
        ".",           "example.com:80",
    };
    char out[300];
    size_t len;
    for (size_t i = 0; i < LEN(bad); i++) {
        kz_status st =
            kz_norm_domain(bad[i], strlen(bad[i]), out, sizeof out, &len);
        if (st != KZ_ERR_PARSE)
            print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(st, KZ_ERR_PARSE);
    }
    assert_int_equal(kz_norm_domain("a.b\0c.com", 9, out, sizeof out, &len),
                     KZ_ERR_PARSE);
}

static void test_domain__label_and_total_length_limits(void **state)
{
    (void)state;
    char name[600], out[300];
    size_t len;
    memset(name, 'a', 63);
    memcpy(name + 63, ".com", 4);
    assert_int_equal(kz_norm_domain(name, 67, out, sizeof out, &len), KZ_OK);
    memset(name, 'a', 64);
    memcpy(name + 64, ".com", 4);
    assert_int_equal(kz_norm_domain(name, 68, out, sizeof out, &len),
                     KZ_ERR_PARSE);
    /* 4 x (62 + '.') + "com" = 255 > 253 */
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        memset(name + k, 'b', 62);
        k += 62;
        name[k++] = '.';
    }
    memcpy(name + k, "com", 3);
    k += 3;
    assert_int_equal(kz_norm_domain(name, k, out, sizeof out, &len),
                     KZ_ERR_PARSE);
    /* 253 exactly is fine: 3 x 63 + 61 + 3 dots ... built as 249 + ".com" */
    k = 0;
    for (int i = 0; i < 3; i++) {
        memset(name + k, 'c', 63);
        k += 63;
        name[k++] = '.';
    }
    memset(name + k, 'd', 57);
    k += 57;
    memcpy(name + k, ".com", 4);
    k += 4;
    assert_int_equal(k, 253);
    assert_int_equal(kz_norm_domain(name, k, out, sizeof out, &len), KZ_OK);
    assert_int_equal(len, 253);
}

static void test_domain__cap_too_small_is_limit(void **state)
{
    (void)state;
    char out[8];
    size_t len;
    assert_int_equal(kz_norm_domain("example.com", 11, out, sizeof out, &len),
                     KZ_ERR_LIMIT);
    assert_int_equal(kz_norm_domain("abc.com", 7, out, 8, &len), KZ_OK);
    assert_int_equal(kz_norm_domain("abc.com", 7, out, 7, &len), KZ_ERR_LIMIT);
}

static void test_domain__public_suffix(void **state)
{
    (void)state;
    static const struct {
        const char *d;
        int want;
    } c[] = {
        {"evil.com", 1},
        {"a.b.evil.co.uk", 1},
        {"evil.co.uk", 1},
        {"co.uk", 0},
        {"com", 0},
        {"update.exe", 0},
        {"config.php", 0},
        {"file.txt", 0},
        {"host.corp.local", 0},
        {"invoice.zip", 1},
        {"x.blogspot.com", 1},
        {"blogspot.com", 0},
        {"github.io", 0},
        {"s3.amazonaws.com", 0},
        {"bucket.s3.amazonaws.com", 1},
        /* EC2's public names: suffixes only by "*.compute-1.amazonaws.com" */
        {"ec2-3-91-10-7.compute-1.amazonaws.com", 1},
        {"ec2-1-2-3-4.us-west-2.compute.amazonaws.com", 1},
        /* an ICANN wildcard ("*.kobe.jp") makes a suffix all the same */
        {"x.kobe.jp", 0},
        {"evil.x.kobe.jp", 1},
        {"xn--bcher-kva.example", 0},
        {"evil.xn--zckzah", 0},
        {"evil.xn--wgbh1c", 1}, /* .مصر */
        {"duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion", 1},
        {"www.duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
         1},
        {"expyuzz4wqqyqhjn.onion", 1},
        {"foo.onion", 0},
        {"onion", 0},
    };
    for (size_t i = 0; i < LEN(c); i++) {
        int got = kz_domain_has_public_suffix(c[i].d, strlen(c[i].d));
        if (got != c[i].want)
            print_error("%s -> %d\n", c[i].d, got);
        assert_int_equal(got, c[i].want);
    }
    assert_int_equal(kz_domain_has_public_suffix(NULL, 3), 0);
    assert_int_equal(kz_domain_has_public_suffix("evil.c\0m", 8), 0);
}

static void test_domain__tld_is_filename_ext(void **state)
{
    (void)state;
    static const struct {
        const char *d;
        int want;
    } c[] = {
        {"invoice.zip", 1}, {"run.sh", 1},    {"setup.py", 1}, {"clip.mov", 1},
        {"lib.so", 1},      {"README.md", 1}, {"a.ZIP", 1},    {"evil.com", 0},
        {"update.exe", 0},  {"x.php", 0},     {"zip", 1},      {"", 0},
    };
    for (size_t i = 0; i < LEN(c); i++)
        assert_int_equal(kz_domain_tld_is_filename_ext(c[i].d, strlen(c[i].d)),
                         c[i].want);
}

static void test_domain__registrable(void **state)
{
    (void)state;
    char out[300];
    size_t len;
    assert_int_equal(
        kz_domain_registrable("a.b.evil.co.uk", 14, out, sizeof out, &len),
        KZ_OK);
    assert_string_equal(out, "evil.co.uk");
    assert_int_equal(len, 10);
    assert_int_equal(
        kz_domain_registrable("www.example.com", 15, out, sizeof out, &len),
        KZ_OK);
    assert_string_equal(out, "example.com");
    assert_int_equal(kz_domain_registrable("co.uk", 5, out, sizeof out, &len),
                     KZ_ERR_NOTFOUND);
    assert_int_equal(kz_domain_registrable("www.example.com", 15, out, 5, &len),
                     KZ_ERR_LIMIT);
}

/* ---- URLs ---------------------------------------------------------------- */

static void test_url__canonicalizes(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_URL, "HTTP://Example.COM", "http://example.com/", 0},
        {KZ_T_URL, "http://example.com:80/a", "http://example.com/a", 0},
        {KZ_T_URL, "https://example.com:443/", "https://example.com/", 0},
        {KZ_T_URL, "https://example.com:8443/", "https://example.com:8443/", 0},
        {KZ_T_URL, "http://example.com:0080/", "http://example.com/", 0},
        {KZ_T_URL, "http://example.com:/", "http://example.com/", 0},
        {KZ_T_URL, "ftp://example.com:21/x", "ftp://example.com/x", 0},
        {KZ_T_URL, "ws://example.com:80", "ws://example.com/", 0},
        {KZ_T_URL, "wss://example.com:443/s", "wss://example.com/s", 0},
        {KZ_T_URL, "http://example.com/a/b/../c/./d",
         "http://example.com/a/c/d", 0},
        {KZ_T_URL, "http://example.com/a/b/..", "http://example.com/a/", 0},
        {KZ_T_URL, "http://example.com/a/.", "http://example.com/a/", 0},
        {KZ_T_URL, "http://example.com/../../x", "http://example.com/x", 0},
        {KZ_T_URL, "http://example.com/a//b", "http://example.com/a//b", 0},
        {KZ_T_URL, "http://example.com/a/%2E%2e/b", "http://example.com/b", 0},
        {KZ_T_URL, "http://example.com/%7euser/%41%2f%3a",
         "http://example.com/~user/A%2F%3A", 0},
        {KZ_T_URL, "http://example.com/a b\"<>",
         "http://example.com/a%20b%22%3C%3E", 0},
        {KZ_T_URL, "http://example.com/%zz%", "http://example.com/%25zz%25", 0},
        {KZ_T_URL, "http://example.com/caf\xc3\xa9",
         "http://example.com/caf%C3%A9", 0},
        {KZ_T_URL, "http://example.com/a\\b", "http://example.com/a%5Cb", 0},
        {KZ_T_URL, "http://example.com/p?q=1&r=%7e%26%3d#frag",
         "http://example.com/p?q=1&r=~%26%3D", 0},
        {KZ_T_URL, "http://example.com#frag", "http://example.com/", 0},
        {KZ_T_URL, "http://example.com?x", "http://example.com/?x", 0},
        {KZ_T_URL, "http://user:pw@Example.com/", "http://user:pw@example.com/",
         0},
        {KZ_T_URL, "http://1.2.3.4:8080/x", "http://1.2.3.4:8080/x", 0},
        {KZ_T_URL, "http://[2001:DB8::1]:80/", "http://[2001:db8::1]/", 0},
        {KZ_T_URL, "http://[::ffff:1.2.3.4]/", "http://[::ffff:1.2.3.4]/", 0},
        {KZ_T_URL, "http://bücher.example/", "http://xn--bcher-kva.example/",
         0},
        {KZ_T_URL, "http://LOCALHOST:3000/", "http://localhost:3000/", 0},
        {KZ_T_URL, "http://example.com./", "http://example.com/", 0},
        {KZ_T_URL, "file:///etc/passwd", "file:///etc/passwd", 0},
        {KZ_T_URL, "tcp://1.2.3.4:4444", "tcp://1.2.3.4:4444", 0},
        {KZ_T_URL, "smb://fileserver/share", "smb://fileserver/share", 0},
    };
    run_cases(c, LEN(c));
}

static void test_url__rejects_non_urls(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_URL, "example.com/x", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "//example.com/x", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "javascript:alert(1)", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "gopher://example.com/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "hxxp://example.com/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http:///x", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://exa mple.com/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://01.2.3.4/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://2130706433/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://example.com:0/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://example.com:65536/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://example.com:8a/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://[::1/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://[::1]x/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://[1.2.3.4]/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://user@/", NULL, KZ_ERR_PARSE},
        {KZ_T_URL, "http://a\\b.com/", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

static void test_url__limits(void **state)
{
    (void)state;
    size_t n = KZ_MAX_URL + 1;
    char *in = malloc(n), *out = malloc(3 * n);
    size_t len;
    assert_non_null(in);
    assert_non_null(out);
    memcpy(in, "http://example.com/", 19);
    memset(in + 19, 'a', n - 19);
    assert_int_equal(kz_norm_url(in, n, out, 3 * n, &len), KZ_ERR_LIMIT);
    /* 3000 spaces encode to 9000 bytes: more than KZ_MAX_URL. */
    memset(in + 19, ' ', 3000);
    assert_int_equal(kz_norm_url(in, 3019, out, 3 * n, &len), KZ_ERR_LIMIT);
    memset(in + 19, 'a', 3000);
    assert_int_equal(kz_norm_url(in, 3019, out, 3 * n, &len), KZ_OK);
    assert_int_equal(kz_norm_url(in, 3019, out, 3019, &len), KZ_ERR_LIMIT);
    assert_string_equal(out, "");
    assert_int_equal(kz_norm_url("http://a.com/\0", 14, out, 64, &len),
                     KZ_ERR_PARSE);
    free(in);
    free(out);
}

/* ---- e-mail -------------------------------------------------------------- */

static void test_email__lowercases_domain_keeps_local(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_EMAIL, "John.Doe@Example.COM", "John.Doe@example.com", 0},
        {KZ_T_EMAIL, "a+tag@x.example", "a+tag@x.example", 0},
        {KZ_T_EMAIL, "o'brien!#$%&*/=?^_`{|}~-@x.example",
         "o'brien!#$%&*/=?^_`{|}~-@x.example", 0},
        {KZ_T_EMAIL, "user@bücher.example", "user@xn--bcher-kva.example", 0},
        {KZ_T_EMAIL, "user@example.com.", "user@example.com", 0},
        {KZ_T_EMAIL, ".a@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a.@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a..b@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a@b@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a@", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a@localhost", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a b@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "\"a\"@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "a(b)@x.example", NULL, KZ_ERR_PARSE},
        {KZ_T_EMAIL, "ab", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

static void test_email__local_part_at_most_64(void **state)
{
    (void)state;
    char in[100], out[400];
    size_t len;
    memset(in, 'x', 64);
    memcpy(in + 64, "@a.example", 10);
    assert_int_equal(kz_norm_email(in, 74, out, sizeof out, &len), KZ_OK);
    memset(in, 'x', 65);
    memcpy(in + 65, "@a.example", 10);
    assert_int_equal(kz_norm_email(in, 75, out, sizeof out, &len),
                     KZ_ERR_PARSE);
    assert_int_equal(kz_norm_email("a@b.example", 11, out, 11, &len),
                     KZ_ERR_LIMIT);
}

/* ---- digests ------------------------------------------------------------- */

static void test_hash__plain_and_separated_forms(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t len;
    const char *sha1c =
        "A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3";
    assert_int_equal(kz_norm_hash(sha1c, strlen(sha1c), b, sizeof b, &len),
                     KZ_OK);
    assert_int_equal(len, 20);
    assert_memory_equal(b, "\xa9\x4a\x8f\xe5", 4);
    const char *sha1s =
        "a9 4a 8f e5 cc b1 9b a6 1c 4c 08 73 d3 91 e9 87 98 2f bb d3";
    assert_int_equal(kz_norm_hash(sha1s, strlen(sha1s), b, sizeof b, &len),
                     KZ_OK);
    const char *sha1d =
        "a9-4a-8f-e5-cc-b1-9b-a6-1c-4c-08-73-d3-91-e9-87-98-2f-bb-d3";
    assert_int_equal(kz_norm_hash(sha1d, strlen(sha1d), b, sizeof b, &len),
                     KZ_OK);
    const char *mixed =
        "a9:4a-8f:e5:cc:b1:9b:a6:1c:4c:08:73:d3:91:e9:87:98:2f:bb:d3";
    assert_int_equal(kz_norm_hash(mixed, strlen(mixed), b, sizeof b, &len),
                     KZ_ERR_PARSE);
    const char *md5 = "68B329DA9893E34099C7D8AD5CB9C940";
    assert_int_equal(kz_norm_hash(md5, 32, b, sizeof b, &len), KZ_OK);
    assert_int_equal(len, 16);
    assert_int_equal(kz_norm_hash(md5, 31, b, sizeof b, &len), KZ_ERR_PARSE);
    assert_int_equal(kz_norm_hash(md5, 32, b, 15, &len), KZ_ERR_LIMIT);
    assert_int_equal(
        kz_norm_hash("68b329da9893e34099c7d8ad5cb9c94g", 32, b, sizeof b, &len),
        KZ_ERR_PARSE);
    assert_int_equal(kz_norm_hash("68b329da9893e34099c7d8ad5cb9c94\0", 32, b,
                                  sizeof b, &len),
                     KZ_ERR_PARSE);
}

static void test_hex_format__lower_case(void **state)
{
    (void)state;
    char out[9];
    kz_hex_format((const uint8_t *)"\x00\xab\xCD\xff", 4, out);
    assert_string_equal(out, "00abcdff");
    kz_hex_format(NULL, 0, out);
    assert_string_equal(out, "");
}

static void test_normalize__hash_types_check_length(void **state)
{
    (void)state;
    static const char sha256[] =
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    static const struct ncase c[] = {
        {KZ_T_MD5, "68B329DA9893E34099C7D8AD5CB9C940",
         "68b329da9893e34099c7d8ad5cb9c940", 0},
        {KZ_T_JA3, "68b329da9893e34099c7d8ad5cb9c940",
         "68b329da9893e34099c7d8ad5cb9c940", 0},
        {KZ_T_JA3S, "68b329da9893e34099c7d8ad5cb9c940",
         "68b329da9893e34099c7d8ad5cb9c940", 0},
        {KZ_T_SHA1, "68b329da9893e34099c7d8ad5cb9c940", NULL, KZ_ERR_PARSE},
        {KZ_T_SHA1, "A94A8FE5CCB19BA61C4C0873D391E987982FBBD3",
         "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", 0},
        {KZ_T_CERT_SHA1,
         "A9:4A:8F:E5:CC:B1:9B:A6:1C:4C:08:73:D3:91:E9:87:98:2F:BB:D3",
         "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", 0},
        {KZ_T_SHA256, sha256,
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
        {KZ_T_CERT_SHA256, sha256,
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
        {KZ_T_AUTHENTIHASH, sha256,
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
        {KZ_T_MD5, sha256, NULL, KZ_ERR_PARSE},
        {KZ_T_SHA512,
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
         "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
         "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
         "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
         0},
    };
    run_cases(c, LEN(c));
    char out[33];
    assert_int_equal(kz_normalize(KZ_T_MD5, c[0].in, 32, out, 32, NULL),
                     KZ_ERR_LIMIT);
    assert_int_equal(kz_normalize(KZ_T_MD5, c[0].in, 32, out, 33, NULL), KZ_OK);
}

/* ---- kz_normalize dispatch ----------------------------------------------- */

static void test_normalize__ip_types(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_IPV4, "1.2.3.4", "1.2.3.4", 0},
        {KZ_T_IPV4, "1.2.3.4:8080", "1.2.3.4", 0},
        {KZ_T_IPV4, "01.2.3.4", NULL, KZ_ERR_PARSE},
        {KZ_T_IPV4, "::1", NULL, KZ_ERR_PARSE},
        {KZ_T_IPV6, "2001:0DB8::0001", "2001:db8::1", 0},
        {KZ_T_IPV6, "[::1]:80", "::1", 0},
        {KZ_T_IPV6, "::FFFF:1.2.3.4", "::ffff:1.2.3.4", 0},
        {KZ_T_IPV6, "1.2.3.4", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

static void test_normalize__cve_forms(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_CVE, "cve-2021-44228", "CVE-2021-44228", 0},
        {KZ_T_CVE, "CVE-2014-0160", "CVE-2014-0160", 0},
        {KZ_T_CVE, "Cve-1999-0001", "CVE-1999-0001", 0},
        {KZ_T_CVE, "CVE-2100-1234567", "CVE-2100-1234567", 0},
        {KZ_T_CVE, "CVE-1998-0001", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE-2101-0001", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE-2021-123", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE-2021-12345678", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE_2021_44228", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE-2021-4422a", NULL, KZ_ERR_PARSE},
        {KZ_T_CVE, "CVE-20a1-44228", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

static void test_normalize__asn_forms(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_ASN, "AS1234", "AS1234", 0},
        {KZ_T_ASN, "as1234", "AS1234", 0},
        {KZ_T_ASN, "ASN1234", "AS1234", 0},
        {KZ_T_ASN, "asn 1234", "AS1234", 0},
        {KZ_T_ASN, "AS 1234", "AS1234", 0},
        {KZ_T_ASN, "1234", "AS1234", 0},
        {KZ_T_ASN, "AS4294967295", "AS4294967295", 0},
        {KZ_T_ASN, "AS4294967296", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AS0", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AS01234", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AS", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AS  1234", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AS-1234", NULL, KZ_ERR_PARSE},
        {KZ_T_ASN, "AB1234", NULL, KZ_ERR_PARSE},
    };
    run_cases(c, LEN(c));
}

static void test_normalize__verbatim_types(void **state)
{
    (void)state;
    static const struct ncase c[] = {
        {KZ_T_FILENAME, "Invoice.PDF.exe", "Invoice.PDF.exe", 0},
        {KZ_T_FILEPATH, "C:\\Users\\Public\\a.dll", "C:\\Users\\Public\\a.dll",
         0},
        {KZ_T_REGKEY, "HKLM\\Software\\Run", "HKLM\\Software\\Run", 0},
        {KZ_T_MUTEX, "Global\\abc", "Global\\abc", 0},
        {KZ_T_STRING, "  spaced  ", "  spaced  ", 0},
        {KZ_T_USER_AGENT, "Mozilla/5.0 (X)", "Mozilla/5.0 (X)", 0},
        {KZ_T_YARA, "rule a { condition: true }", "rule a { condition: true }",
         0},
        {KZ_T_FILENAME, "資料１（写）.docx", "資料１（写）.docx", 0},
    };
    run_cases(c, LEN(c));

    char *in = malloc(KZ_MAX_PATH + 1), out[64];
    assert_non_null(in);
    memset(in, 'a', KZ_MAX_PATH + 1);
    assert_int_equal(
        kz_normalize(KZ_T_FILENAME, in, KZ_MAX_PATH + 1, out, sizeof out, NULL),
        KZ_ERR_LIMIT);
    assert_int_equal(
        kz_normalize(KZ_T_FILENAME, in, KZ_MAX_PATH, out, sizeof out, NULL),
        KZ_ERR_LIMIT); /* out too small */
    free(in);
}

static void test_normalize__hostile_arguments(void **state)
{
    (void)state;
    char out[64];
    size_t len;
    for (int t = 0; t <= KZ_T_COUNT_; t++) {
        kz_status st =
            kz_normalize((kz_type)t, "a\0b", 3, out, sizeof out, &len);
        assert_true(st == KZ_ERR_PARSE || st == KZ_ERR_INVALID);
        st = kz_normalize((kz_type)t, "", 0, out, sizeof out, &len);
        assert_true(st == KZ_ERR_PARSE || st == KZ_ERR_INVALID);
    }
    assert_int_equal(kz_normalize(KZ_T_NONE, "x", 1, out, sizeof out, &len),
                     KZ_ERR_INVALID);
    assert_int_equal(kz_normalize((kz_type)99, "x", 1, out, sizeof out, &len),
                     KZ_ERR_INVALID);
    assert_int_equal(kz_normalize(KZ_T_DOMAIN, NULL, 3, out, sizeof out, &len),
                     KZ_ERR_INVALID);
    assert_int_equal(kz_normalize(KZ_T_DOMAIN, "a.com", 5, NULL, 9, &len),
                     KZ_ERR_INVALID);
    assert_int_equal(kz_normalize(KZ_T_DOMAIN, "a.com", 5, out, 0, &len),
                     KZ_ERR_LIMIT);
    assert_int_equal(kz_normalize(KZ_T_DOMAIN, "a.com", 5, out, 5, NULL),
                     KZ_ERR_LIMIT);
}

/* ---- defang -------------------------------------------------------------- */

static void test_defang__types(void **state)
{
    (void)state;
    static const struct {
        kz_type t;
        const char *in, *want;
    } c[] = {
        {KZ_T_URL, "http://example.com/some/lo.ng/path.ext/",
         "hxxp://example[.]com/some/lo.ng/path.ext/"},
        {KZ_T_URL, "https://example.com/", "hxxps://example[.]com/"},
        {KZ_T_URL, "ftp://example.com/", "fxp://example[.]com/"},
        {KZ_T_URL, "http://127.0.0.1/path.ext",
         "hxxp://127[.]0[.]0[.]1/path.ext"},
        {KZ_T_URL, "http://u.v@a.b.com:8080/x.y",
         "hxxp://u.v@a[.]b[.]com:8080/x.y"},
        {KZ_T_URL, "http://[::ffff:1.2.3.4]/", "hxxp://[::ffff:1.2.3.4]/"},
        {KZ_T_URL, "tcp://1.2.3.4:80", "tcp://1[.]2[.]3[.]4:80"},
        {KZ_T_DOMAIN, "evil.example.com", "evil[.]example[.]com"},
        {KZ_T_IPV4, "10.0.0.1", "10[.]0[.]0[.]1"},
        {KZ_T_EMAIL, "first.last@evil.com", "first.last[@]evil[.]com"},
        {KZ_T_SHA1, "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
         "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"},
        {KZ_T_IPV6, "2001:db8::1", "2001:db8::1"},
    };
    for (size_t i = 0; i < LEN(c); i++) {
        char out[128];
        size_t len;
        assert_int_equal(
            kz_defang(c[i].t, c[i].in, strlen(c[i].in), out, sizeof out, &len),
            KZ_OK);
        assert_string_equal(out, c[i].want);
        assert_int_equal(len, strlen(c[i].want));
        assert_true(len <= 2 * strlen(c[i].in) + 8);
    }
}

static void test_defang__cap_too_small_is_limit(void **state)
{
    (void)state;
    char out[32];
    size_t len;
    /* "a[.]b[.]c" is 9 bytes and its NUL */
    assert_int_equal(kz_defang(KZ_T_DOMAIN, "a.b.c", 5, out, 9, &len),
                     KZ_ERR_LIMIT);
    assert_string_equal(out, "");
    assert_int_equal(kz_defang(KZ_T_DOMAIN, "a.b.c", 5, out, 10, &len), KZ_OK);
    assert_string_equal(out, "a[.]b[.]c");
    assert_int_equal(kz_defang(KZ_T_URL, "http://a", 8, out, 3, &len),
                     KZ_ERR_LIMIT);
    assert_int_equal(kz_defang(KZ_T_URL, "http://a", 8, out, 0, &len),
                     KZ_ERR_LIMIT);
    assert_int_equal(kz_defang(KZ_T_DOMAIN, "a\0b", 3, out, 32, &len),
                     KZ_ERR_PARSE);
}

/* The plain-hex path of kz_normalize (sixteen digits at a time) gives what
 * the byte round trip gives, and fails with an empty output at any bad
 * digit. */
static void test_normalize__plain_hex_path_equals_round_trip(void **state)
{
    (void)state;
    static const char digits[] = "0123456789abcdefABCDEF";
    static const struct {
        kz_type t;
        size_t n;
    } kinds[] = {
        {KZ_T_MD5, 32}, {KZ_T_SHA1, 40}, {KZ_T_SHA256, 64}, {KZ_T_SHA512, 128}};
    uint32_t seed = 4242;
    char in[129], out[200], want[200];
    for (int t = 0; t < 20000; t++) {
        size_t k = (size_t)t % 4, n = kinds[k].n;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            in[i] = digits[(seed >> 16) % (sizeof digits - 1)];
        }
        uint8_t b[64];
        size_t bl = 0, len = 0;
        assert_int_equal(kz_norm_hash(in, n, b, sizeof b, &bl), KZ_OK);
        kz_hex_format(b, bl, want);
        assert_int_equal(kz_normalize(kinds[k].t, in, n, out, sizeof out, &len),
                         KZ_OK);
        assert_int_equal(len, n);
        assert_string_equal(out, want);
        /* One bad digit anywhere. */
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 16) % n;
        char keep = in[at];
        in[at] = (seed & 1) ? 'g' : ':';
        len = 7;
        assert_int_equal(kz_normalize(kinds[k].t, in, n, out, sizeof out, &len),
                         KZ_ERR_PARSE);
        assert_int_equal(len, 0);
        assert_string_equal(out, "");
        in[at] = keep;
    }
}

/* The string map behind de-duplication and the Public Suffix List cache:
 * every key added is found again with its value, through growth; keys
 * that differ in one byte, in length or in tag are different keys. */
static void test_strmap__finds_what_was_added(void **state)
{
    (void)state;
    kz_strmap m;
    memset(&m, 0, sizeof m);
    char k[32];
    int added = 0;
    assert_null(kz_strmap_get(&m, 1, "x", 1, kz_strmap_hash(1, "x", 1), 0, 0,
                              NULL)); /* empty */
    for (unsigned i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof k, "host%u.example", i);
        uint64_t h = kz_strmap_hash(i % 3, k, (size_t)n);
        kz_strmap_rec *e =
            kz_strmap_get(&m, i % 3, k, (size_t)n, h, 1, i & 1, &added);
        assert_non_null(e);
        assert_int_equal(added, 1);
    }
    assert_int_equal(m.n, 50000);
    for (unsigned i = 0; i < 50000; i++) {
        int n = snprintf(k, sizeof k, "host%u.example", i);
        const kz_strmap_rec *e =
            kz_strmap_get(&m, i % 3, k, (size_t)n,
                          kz_strmap_hash(i % 3, k, (size_t)n), 1, 0, &added);
        assert_non_null(e);
        assert_int_equal(added, 0);
        assert_int_equal(e->val, i & 1);
        /* Another tag, a byte more, a byte less: absent. */
        unsigned t2 = (i + 1) % 3;
        assert_null(kz_strmap_get(&m, t2, k, (size_t)n,
                                  kz_strmap_hash(t2, k, (size_t)n), 0, 0,
                                  NULL));
        k[n] = 'x';
        assert_null(kz_strmap_get(&m, i % 3, k, (size_t)n + 1,
                                  kz_strmap_hash(i % 3, k, (size_t)n + 1), 0, 0,
                                  NULL));
        assert_null(kz_strmap_get(&m, i % 3, k, (size_t)n - 1,
                                  kz_strmap_hash(i % 3, k, (size_t)n - 1), 0, 0,
                                  NULL));
    }
    assert_int_equal(m.n, 50000);
    kz_strmap_free(&m);
    assert_int_equal(m.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strmap__finds_what_was_added),
        cmocka_unit_test(test_ipv4__accepts_dotted_quad),
        cmocka_unit_test(test_ipv4__rejects_leading_zero_octets),
        cmocka_unit_test(test_ipv4__rejects_malformed),
        cmocka_unit_test(test_ipv4__port_only_when_asked),
        cmocka_unit_test(test_ipv4__rejects_embedded_nul_and_reads_only_n),
        cmocka_unit_test(test_ipv6__accepts_rfc4291_forms_and_prints_rfc5952),
        cmocka_unit_test(test_ipv6__bracketed_port),
        cmocka_unit_test(test_ipv6__rejects_malformed),
        cmocka_unit_test(test_ip__mapped_ipv6_equals_ipv4),
        cmocka_unit_test(test_ip_format__families_and_limits),
        cmocka_unit_test(test_cidr__clears_host_bits),
        cmocka_unit_test(test_cidr__rejects_bad_prefixes),
        cmocka_unit_test(test_normalize__cidr_forms),
        cmocka_unit_test(test_domain__lowercases_and_strips_one_trailing_dot),
        cmocka_unit_test(test_domain__idna2008_to_punycode),
        cmocka_unit_test(test_domain__rejects_non_domains),
        cmocka_unit_test(test_domain__label_and_total_length_limits),
        cmocka_unit_test(test_domain__cap_too_small_is_limit),
        cmocka_unit_test(test_domain__public_suffix),
        cmocka_unit_test(test_domain__tld_is_filename_ext),
        cmocka_unit_test(test_domain__registrable),
        cmocka_unit_test(test_url__canonicalizes),
        cmocka_unit_test(test_url__rejects_non_urls),
        cmocka_unit_test(test_url__limits),
        cmocka_unit_test(test_email__lowercases_domain_keeps_local),
        cmocka_unit_test(test_email__local_part_at_most_64),
        cmocka_unit_test(test_hash__plain_and_separated_forms),
        cmocka_unit_test(test_hex_format__lower_case),
        cmocka_unit_test(test_normalize__hash_types_check_length),
        cmocka_unit_test(test_normalize__plain_hex_path_equals_round_trip),
        cmocka_unit_test(test_normalize__ip_types),
        cmocka_unit_test(test_normalize__cve_forms),
        cmocka_unit_test(test_normalize__asn_forms),
        cmocka_unit_test(test_normalize__verbatim_types),
        cmocka_unit_test(test_normalize__hostile_arguments),
        cmocka_unit_test(test_defang__types),
        cmocka_unit_test(test_defang__cap_too_small_is_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the index: building, writing, opening, refusing damaged
 * files, and the match semantics of every lookup (exact IPs in any form,
 * nested CIDRs innermost first, domains and their subdomains but never a
 * longer or shorter name, canonical URLs, digests shared by several types,
 * case-insensitive e-mail addresses and file names).
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

#include "index/index_int.h"
#include "kizashi/kizashi.h"

static char dir[] = "/tmp/kz-test-index-XXXXXX";

static const char *tmp_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static void add(kz_index_builder *b, kz_type t, const char *v, int64_t id,
                const char *threat)
{
    kz_index_context c = {id,   threat, "Advisory A", "1", "src", "feed",
                          NULL, NULL,   80,           1,   2,     0, NULL};
    assert_int_equal(kz_index_builder_add(b, t, v, strlen(v), &c), KZ_OK);
}

/* The index of most tests. */
static kz_index *build(const char *name)
{
    kz_index_builder *b = NULL;
    assert_int_equal(kz_index_builder_new(NULL, &b), KZ_OK);
    add(b, KZ_T_IPV4, "192.0.2.1", 1, "Qbot");
    add(b, KZ_T_IPV6, "2001:db8::1", 2, "Qbot");
    add(b, KZ_T_CIDR, "10.0.0.0/8", 3, NULL);
    add(b, KZ_T_CIDR, "10.1.0.0/16", 4, NULL);
    add(b, KZ_T_CIDR, "10.1.2.0/24", 5, NULL);
    add(b, KZ_T_CIDR, "172.16.0.0/12", 6, NULL);
    add(b, KZ_T_CIDR, "2001:db8:aa::/48", 7, NULL);
    add(b, KZ_T_DOMAIN, "evil.example", 8, "REvil");
    add(b, KZ_T_DOMAIN, "deep.sub.bad.co.uk", 9, NULL);
    add(b, KZ_T_URL, "http://evil.example/x/payload.exe", 10, NULL);
    add(b, KZ_T_URL, "http://198.51.100.7:8080/gate.php", 11, NULL);
    add(b, KZ_T_EMAIL, "Attacker@mail.example", 12, NULL);
    add(b, KZ_T_MD5, "2897721785645ad5b2a8fb524ed650c0", 13, NULL);
    add(b, KZ_T_JA3, "2897721785645ad5b2a8fb524ed650c0", 14, NULL);
    add(b, KZ_T_SHA256,
        "956ecb4afa437eafe56f958b34b6a78303ad626baee004715dc6634b7546bf85", 15,
        NULL);
    add(b, KZ_T_FILENAME, "netfilter.sys", 16, "Netfilter");
    add(b, KZ_T_CVE, "CVE-2021-1234", 17, NULL); /* counted, skipped */
    /* a repeat of the same value keeps one entry */
    add(b, KZ_T_IPV4, "192.0.2.1", 1, "Qbot");
    kz_index_meta m = {42, "/x/intel.db", 1700000000};
    assert_int_equal(kz_index_write(b, &m, tmp_path(name)), KZ_OK);
    kz_index_builder_free(b);
    kz_index *ix = NULL;
    assert_int_equal(kz_index_open(NULL, tmp_path(name), &ix), KZ_OK);
    assert_int_equal(kz_index_verify(NULL, ix), KZ_OK);
    return ix;
}

/* Records the hits of a lookup as "value/how" strings. */
struct rec {
    const kz_index *ix;
    char out[1024];
};

static void rec_fn(void *ud, uint32_t e, kz_match_kind how)
{
    struct rec *r = ud;
    kz_index_entry x;
    assert_int_equal(kz_index_entry_get(r->ix, e, &x), KZ_OK);
    size_t n = strlen(r->out);
    snprintf(r->out + n, sizeof r->out - n, "%s%.*s/%s", n ? " " : "",
             (int)x.value_len, x.value, kz_match_kind_name(how));
}

static const char *ip(const kz_index *ix, const char *s, struct rec *r)
{
    uint8_t a[16];
    int fam;
    memset(r, 0, sizeof *r);
    r->ix = ix;
    assert_int_equal(kz_norm_ip(s, strlen(s), a, &fam, NULL), KZ_OK);
    kz_index_lookup_ip(ix, a, rec_fn, r);
    return r->out;
}

static const char *host(const kz_index *ix, const char *s, struct rec *r)
{
    memset(r, 0, sizeof *r);
    r->ix = ix;
    kz_index_lookup_host(ix, s, strlen(s), rec_fn, r);
    return r->out;
}

static void test_index__info(void **state)
{
    (void)state;
    kz_index *ix = build("info.kzi");
    kz_index_info in;
    kz_index_get_info(ix, &in);
    assert_int_equal(in.version, KZ_INDEX_VERSION);
    assert_int_equal(in.built, 1700000000);
    assert_int_equal(in.store_generation, 42);
    assert_string_equal(in.store_path, "/x/intel.db");
    assert_int_equal(in.indicators, 16);
    assert_int_equal(in.count[KZ_T_IPV4], 1);
    assert_int_equal(in.count[KZ_T_CIDR], 5);
    assert_int_equal(in.count[KZ_T_CVE], 0);
    kz_typeset t = kz_index_lookup_types(ix);
    assert_true(KZ_TYPESET_HAS(t, KZ_T_IPV4));
    assert_true(KZ_TYPESET_HAS(t, KZ_T_URL));
    assert_true(KZ_TYPESET_HAS(t, KZ_T_FILENAME));
    /* an entry carries its context */
    struct rec r;
    ip(ix, "192.0.2.1", &r);
    kz_index_entry x;
    int found = 0;
    for (uint32_t i = 0; i < in.indicators; i++) {
        assert_int_equal(kz_index_entry_get(ix, i, &x), KZ_OK);
        if (x.indicator_id == 1) {
            found = 1;
            assert_int_equal(x.type, KZ_T_IPV4);
            assert_int_equal(x.threats_len, 4);
            assert_memory_equal(x.threats, "Qbot", 4);
            assert_memory_equal(x.advisories, "Advisory A", 10);
            assert_int_equal(x.confidence, 80);
            assert_int_equal(x.first_seen, 1);
            assert_int_equal(x.last_seen, 2);
        }
    }
    assert_true(found);
    assert_int_equal(kz_index_entry_get(ix, 99, &x), KZ_ERR_NOTFOUND);
    kz_index_close(ix);
}

static void test_index__ip(void **state)
{
    (void)state;
    kz_index *ix = build("ip.kzi");
    struct rec r;
    assert_string_equal(ip(ix, "192.0.2.1", &r), "192.0.2.1/exact");
    /* the IPv4-mapped form is the same address */
    assert_string_equal(ip(ix, "::ffff:192.0.2.1", &r), "192.0.2.1/exact");
    assert_string_equal(ip(ix, "192.0.2.10", &r), "");
    /* every textual form of IPv6 */
    assert_string_equal(ip(ix, "2001:0DB8:0000:0000:0000:0000:0000:0001", &r),
                        "2001:db8::1/exact");
    assert_string_equal(ip(ix, "2001:db8::2", &r), "");
    /* nested networks: innermost first, then each enclosing one */
    assert_string_equal(ip(ix, "10.1.2.3", &r),
                        "10.1.2.0/24/cidr 10.1.0.0/16/cidr 10.0.0.0/8/cidr");
    assert_string_equal(ip(ix, "10.1.3.1", &r),
                        "10.1.0.0/16/cidr 10.0.0.0/8/cidr");
    assert_string_equal(ip(ix, "10.255.255.255", &r), "10.0.0.0/8/cidr");
    assert_string_equal(ip(ix, "11.0.0.0", &r), "");
    assert_string_equal(ip(ix, "9.255.255.255", &r), "");
    assert_string_equal(ip(ix, "172.31.255.255", &r), "172.16.0.0/12/cidr");
    assert_string_equal(ip(ix, "172.32.0.0", &r), "");
    assert_string_equal(ip(ix, "0.0.0.0", &r), "");
    assert_string_equal(ip(ix, "255.255.255.255", &r), "");
    assert_string_equal(ip(ix, "2001:db8:aa:ffff::1", &r),
                        "2001:db8:aa::/48/cidr");
    assert_string_equal(ip(ix, "2001:db8:ab::1", &r), "");
    assert_string_equal(ip(ix, "::", &r), "");
    kz_index_close(ix);
}

static void test_index__host(void **state)
{
    (void)state;
    kz_index *ix = build("host.kzi");
    struct rec r;
    assert_string_equal(host(ix, "evil.example", &r), "evil.example/exact");
    assert_string_equal(host(ix, "EVIL.Example.", &r), "evil.example/exact");
    assert_string_equal(host(ix, "a.b.evil.example", &r),
                        "evil.example/subdomain");
    assert_string_equal(host(ix, "notevil.example", &r), "");
    assert_string_equal(host(ix, "not-evil.example", &r), "");
    assert_string_equal(host(ix, "evil.example.au", &r), "");
    assert_string_equal(host(ix, "example", &r), "");
    assert_string_equal(host(ix, "sub.bad.co.uk", &r), "");
    assert_string_equal(host(ix, "x.deep.sub.bad.co.uk", &r),
                        "deep.sub.bad.co.uk/subdomain");
    assert_string_equal(
        host(ix, "a-very-long-label-of-more-than-8.evil.example", &r),
        "evil.example/subdomain");
    assert_true(kz_index_is_url_host(ix, "EVIL.example", 12));
    assert_true(kz_index_is_url_host(ix, "198.51.100.7", 12));
    assert_false(kz_index_is_url_host(ix, "198.51.100.70", 13));
    assert_false(kz_index_is_url_host(ix, "10.198.51.100.7", 15));
    kz_index_close(ix);
}

static void test_index__others(void **state)
{
    (void)state;
    kz_index *ix = build("others.kzi");
    struct rec r;
    memset(&r, 0, sizeof r);
    r.ix = ix;
    const char *u = "http://evil.example/x/payload.exe";
    kz_index_lookup_url(ix, u, strlen(u), rec_fn, &r);
    assert_string_equal(r.out, "http://evil.example/x/payload.exe/exact");
    memset(r.out, 0, sizeof r.out);
    u = "http://evil.example/x/payload.exe/1";
    kz_index_lookup_url(ix, u, strlen(u), rec_fn, &r);
    assert_string_equal(r.out, "");
    /* one digest, two types */
    uint8_t d[64];
    size_t dn;
    assert_int_equal(
        kz_norm_hash("2897721785645ad5b2a8fb524ed650c0", 32, d, sizeof d, &dn),
        KZ_OK);
    kz_index_lookup_digest(ix, d, dn, rec_fn, &r);
    assert_string_equal(r.out, "2897721785645ad5b2a8fb524ed650c0/exact "
                               "2897721785645ad5b2a8fb524ed650c0/exact");
    memset(r.out, 0, sizeof r.out);
    d[15] ^= 1;
    kz_index_lookup_digest(ix, d, dn, rec_fn, &r);
    assert_string_equal(r.out, "");
    kz_index_lookup_email(ix, "attacker@mail.example", 21, rec_fn, &r);
    assert_string_equal(r.out, "Attacker@mail.example/exact");
    memset(r.out, 0, sizeof r.out);
    kz_index_lookup_email(ix, "xattacker@mail.example", 22, rec_fn, &r);
    assert_string_equal(r.out, "");
    kz_index_lookup_filename(ix, "NetFilter.SYS", 13, rec_fn, &r);
    assert_string_equal(r.out, "netfilter.sys/exact");
    kz_index_close(ix);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void patch(const char *p, long off, const void *b, size_t n)
{
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    fseek(f, off, SEEK_SET);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static void test_index__damage(void **state)
{
    (void)state;
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    kz_index_close(build("d.kzi"));
    const char *p = tmp_path("d.kzi");
    long n = file_size(p);
    kz_index *ix = NULL;

    /* truncated */
    assert_int_equal(truncate(p, n - 100), 0);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_CORRUPT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "truncated"));
    assert_null(ix);
    assert_int_equal(truncate(p, 100), 0);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_CORRUPT);

    /* not an index */
    kz_index_close(build("d.kzi"));
    patch(p, 0, "XX", 2);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_PARSE);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "not a kizashi index"));

    /* a newer version */
    kz_index_close(build("d.kzi"));
    uint32_t v = KZ_INDEX_VERSION + 1;
    patch(p, 8, &v, 4);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_VERSION);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "newer"));

    /* an older version */
    kz_index_close(build("d.kzi"));
    v = KZ_INDEX_VERSION - 1;
    patch(p, 8, &v, 4);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_VERSION);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "older"));

    /* a damaged header */
    kz_index_close(build("d.kzi"));
    patch(p, 40, "\x7f", 1);
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_ERR_CORRUPT);

    /* a damaged body: opens (constant time), refused by verification */
    kz_index_close(build("d.kzi"));
    patch(p, KZI_HEADER_SIZE + 20, "\x55\x55\x55", 3); /* the strings */
    assert_int_equal(kz_index_open(ctx, p, &ix), KZ_OK);
    assert_int_equal(kz_index_verify(ctx, ix), KZ_ERR_CORRUPT);
    assert_non_null(strstr(kz_ctx_errmsg(ctx), "checksum mismatch"));
    kz_index_close(ix);

    /* nothing left behind: only d.kzi and the other tests' files */
    assert_int_equal(access(tmp_path("d.kzi.tmp"), F_OK), -1);
    kz_ctx_free(ctx);
}

static void test_index__bad_values(void **state)
{
    (void)state;
    kz_index_builder *b = NULL;
    assert_int_equal(kz_index_builder_new(NULL, &b), KZ_OK);
    assert_int_equal(kz_index_builder_add(b, KZ_T_IPV4, "1.2.3", 5, NULL),
                     KZ_ERR_PARSE);
    assert_int_equal(kz_index_builder_add(b, KZ_T_SHA1, "abcd", 4, NULL),
                     KZ_ERR_PARSE);
    assert_int_equal(
        kz_index_builder_add(b, KZ_T_CIDR, "10.0.0.0/33", 11, NULL),
        KZ_ERR_PARSE);
    assert_int_equal(kz_index_builder_add(b, KZ_T_NONE, "x", 1, NULL),
                     KZ_ERR_INVALID);
    /* an empty index is a valid index */
    assert_int_equal(kz_index_write(b, NULL, tmp_path("empty.kzi")), KZ_OK);
    kz_index_builder_free(b);
    kz_index *ix = NULL;
    assert_int_equal(kz_index_open(NULL, tmp_path("empty.kzi"), &ix), KZ_OK);
    assert_int_equal(kz_index_verify(NULL, ix), KZ_OK);
    struct rec r;
    assert_string_equal(ip(ix, "1.2.3.4", &r), "");
    assert_string_equal(host(ix, "evil.example", &r), "");
    kz_index_close(ix);
}

/* Many networks, nested and adjacent, against a brute-force answer. */
static void test_index__cidr_random(void **state)
{
    (void)state;
    enum { N = 400 };
    uint32_t net[N];
    unsigned len[N];
    kz_index_builder *b = NULL;
    assert_int_equal(kz_index_builder_new(NULL, &b), KZ_OK);
    uint32_t x = 12345;
    size_t n = 0;
    while (n < N) {
        x = x * 1103515245u + 12345u;
        unsigned l = 8 + (x >> 8) % 25;               /* /8 .. /32 */
        uint32_t a = (x * 2654435761u) & 0x0fffffffu; /* 0.x.x.x - 15.x */
        uint32_t mask = l == 32 ? 0xffffffffu : ~(0xffffffffu >> l);
        a &= mask;
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= net[i] == a && len[i] == l;
        if (dup)
            continue;
        net[n] = a;
        len[n] = l;
        char s[32];
        snprintf(s, sizeof s, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255,
                 (a >> 8) & 255, a & 255, l);
        assert_int_equal(kz_index_builder_add(b, KZ_T_CIDR, s, strlen(s), NULL),
                         KZ_OK);
        n++;
    }
    assert_int_equal(kz_index_write(b, NULL, tmp_path("cidr.kzi")), KZ_OK);
    kz_index_builder_free(b);
    kz_index *ix = NULL;
    assert_int_equal(kz_index_open(NULL, tmp_path("cidr.kzi"), &ix), KZ_OK);
    for (int k = 0; k < 20000; k++) {
        x = x * 1103515245u + 12345u;
        uint32_t a = (x * 2654435761u) & 0x0fffffffu;
        if (k % 3 == 0) /* right at a network's edge */
            a = net[x % N] +
                (k % 2 || len[x % N] == 32 ? 0 : 0xffffffffu >> len[x % N]);
        unsigned want = 0, best = 0;
        for (size_t i = 0; i < N; i++) {
            uint32_t mask =
                len[i] == 32 ? 0xffffffffu : ~(0xffffffffu >> len[i]);
            if ((a & mask) == net[i]) {
                want++;
                if (len[i] > best)
                    best = len[i];
            }
        }
        uint8_t ad[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        ad[12] = (uint8_t)(a >> 24);
        ad[13] = (uint8_t)(a >> 16);
        ad[14] = (uint8_t)(a >> 8);
        ad[15] = (uint8_t)a;
        struct rec r;
        memset(&r, 0, sizeof r);
        r.ix = ix;
        unsigned got = kz_index_lookup_ip(ix, ad, rec_fn, &r);
        assert_int_equal(got, want);
        if (want) {
            /* the first answer is the innermost network */
            const char *slash = strchr(r.out, '/');
            assert_non_null(slash);
            assert_int_equal((unsigned)atoi(slash + 1), best);
        }
    }
    kz_index_close(ix);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index__info),
        cmocka_unit_test(test_index__ip),
        cmocka_unit_test(test_index__host),
        cmocka_unit_test(test_index__others),
        cmocka_unit_test(test_index__damage),
        cmocka_unit_test(test_index__bad_values),
        cmocka_unit_test(test_index__cidr_random),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of kz_read_list: one value per line with its type guessed or
 * forced, comment blocks as the values' comment, Maltrail trails (aliases,
 * host/path values, generic path trails), hosts-file lines, line ends, and
 * the errors and limits. A recording sink writes each record as a line.
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
#include "kizashi/intel.h"

typedef struct rec {
    FILE *out;
    char *text;
    size_t len;
    unsigned iocs;
    unsigned stop_after;
} rec;

static kz_status on_ioc(void *ud, const kz_intel_ioc *i)
{
    rec *r = ud;
    assert_non_null(i->value);
    assert_int_equal(strlen(i->value), i->value_len);
    r->iocs++;
    fprintf(r->out, "%llu %s %s", (unsigned long long)i->line,
            kz_type_name(i->type), i->value);
    for (size_t k = 0; k < i->nthreats; k++)
        fprintf(r->out, " thr=%s", i->threats[k]);
    if (i->comment) {
        fputs(" cmt=", r->out);
        for (const char *p = i->comment; *p; p++)
            fputc(*p == '\n' ? '/' : *p, r->out);
    }
    fputc('\n', r->out);
    if (r->stop_after && r->iocs == r->stop_after)
        return KZ_ERR_ABORTED;
    return KZ_OK;
}

static kz_status on_threat(void *ud, const kz_intel_threat *t)
{
    rec *r = ud;
    fprintf(r->out, "threat %s", t->name);
    for (size_t k = 0; k < t->naliases; k++)
        fprintf(r->out, "%s%s", k ? "|" : " aka=", t->aliases[k]);
    fputc('\n', r->out);
    return KZ_OK;
}

static void on_unsupported(void *ud, const char *what, uint64_t line)
{
    rec *r = ud;
    fprintf(r->out, "unsupported %llu %s\n", (unsigned long long)line, what);
}

static kz_status read_list_text(kz_ctx *ctx, const char *text, size_t n,
                                kz_type type, rec *r)
{
    memset(r, 0, sizeof *r);
    r->out = open_memstream(&r->text, &r->len);
    assert_non_null(r->out);
    FILE *f = fmemopen((void *)text, n, "rb");
    assert_non_null(f);
    kz_read_opts o = {0};
    o.name = "l.txt";
    o.type = type;
    kz_intel_sink s = {0};
    s.ud = r;
    s.ioc = on_ioc;
    s.threat = on_threat;
    s.unsupported = on_unsupported;
    kz_status st = kz_read_list(ctx, f, &o, &s);
    fclose(f);
    fclose(r->out);
    return st;
}

#define READ(ctx, lit, type, r)                                                \
    read_list_text(ctx, lit, sizeof(lit) - 1, type, r)

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

static void test_read_list__guesses_each_value(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "\xEF\xBB\xBF"
                          "evil.example.com\r\n"
                          "  1.2.3.4:443  \r\n"
                          "\n"
                          "http://x.example.org/a#frag\n"
                          "2001:db8::1   # trailing comment\n"
                          "10.0.0.0/8 ; SBL1\n"
                          "d41d8cd98f00b204e9800998ecf8427e",
                          KZ_T_NONE, &r),
                     KZ_OK);
    assert_string_equal(r.text, "1 domain evil.example.com\n"
                                "2 ipv4 1.2.3.4:443\n"
                                "4 url http://x.example.org/a#frag\n"
                                "5 ipv6 2001:db8::1\n"
                                "6 cidr 10.0.0.0/8\n"
                                "7 md5 d41d8cd98f00b204e9800998ecf8427e\n");
    free(r.text);
}

static void test_read_list__last_comment_block_is_the_comment(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "# Title of the list\n"
                          "# second line\n"
                          "\n"
                          "a.example.com\n"
                          "; Reference: https://blog.example/x\n"
                          "b.example.com\n"
                          "#\n"
                          "c.example.com\n",
                          KZ_T_NONE, &r),
                     KZ_OK);
    assert_string_equal(
        r.text, "4 domain a.example.com cmt=Title of the list/second line\n"
                "6 domain b.example.com cmt=Reference: https://blog.example/x\n"
                "8 domain c.example.com\n");
    free(r.text);
}

static void test_read_list__maltrail_trail(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "# Copyright (c) 2014-2026 Maltrail developers\n"
                          "# See the file 'LICENSE' for copying permission\n"
                          "\n"
                          "# Aliases: qakbot, qbot, pikabot\n"
                          "\n"
                          "# Reference: https://example.org/r1\n"
                          "\n"
                          "kramo.pl/wp-content/x/444.png\n"
                          "185.244.25.181:8361\n"
                          "91.196.70.103/a.php\n"
                          "\n"
                          "# Generic trails\n"
                          "\n"
                          "/NENAVIST2\n",
                          KZ_T_NONE, &r),
                     KZ_OK);
    assert_string_equal(r.text,
                        "threat qakbot aka=qbot|pikabot\n"
                        "8 url http://kramo.pl/wp-content/x/444.png thr=qakbot "
                        "cmt=Reference: https://example.org/r1\n"
                        "9 ipv4 185.244.25.181:8361 thr=qakbot "
                        "cmt=Reference: https://example.org/r1\n"
                        "10 url http://91.196.70.103/a.php thr=qakbot "
                        "cmt=Reference: https://example.org/r1\n"
                        "unsupported 14 list URL path without host\n");
    free(r.text);
}

static void test_read_list__forced_type_and_unknown_values(void **state)
{
    rec r;
    assert_int_equal(
        READ(*state, "Global\\MyMutex 1\nsecond one\n", KZ_T_MUTEX, &r), KZ_OK);
    assert_string_equal(r.text, "1 mutex Global\\MyMutex 1\n"
                                "2 mutex second one\n");
    free(r.text);
    assert_int_equal(
        READ(*state, "not an indicator\n/single.php\n", KZ_T_NONE, &r), KZ_OK);
    assert_string_equal(r.text, "unsupported 1 list value of unknown type\n"
                                "unsupported 2 list value of unknown type\n");
    free(r.text);
    assert_int_equal(READ(*state, "x\n", (kz_type)99, &r), KZ_ERR_INVALID);
    free(r.text);
}

static void test_read_list__hosts_file_lines(void **state)
{
    rec r;
    assert_int_equal(READ(*state,
                          "127.0.0.1 localhost.example.com\n"
                          "0.0.0.0\tads.example.net # ad\n"
                          "0.0.0.0\n",
                          KZ_T_NONE, &r),
                     KZ_OK);
    assert_string_equal(r.text, "1 domain localhost.example.com\n"
                                "2 domain ads.example.net\n"
                                "3 ipv4 0.0.0.0\n");
    free(r.text);
}

static void test_read_list__nul_byte_names_position(void **state)
{
    rec r;
    assert_int_equal(READ(*state, "a.example.com\nab\0c\n", KZ_T_NONE, &r),
                     KZ_ERR_PARSE);
    assert_string_equal(kz_ctx_errmsg(*state), "l.txt:2:3: NUL byte");
    free(r.text);
}

static void test_read_list__limits(void **state)
{
    /* a value longer than KZ_MAX_VALUE: unsupported; a line longer than
     * the line limit: an error naming the line */
    size_t n = (1u << 20) + 100;
    char *big = malloc(n);
    memcpy(big, "a.example.com\n", 14);
    memset(big + 14, 'x', 9000);
    big[14 + 9000] = '\n';
    rec r;
    assert_int_equal(read_list_text(*state, big, 14 + 9001, KZ_T_NONE, &r),
                     KZ_OK);
    assert_string_equal(r.text, "1 domain a.example.com\n"
                                "unsupported 2 list value too long\n");
    free(r.text);
    memset(big + 14, 'x', n - 14);
    assert_int_equal(read_list_text(*state, big, n, KZ_T_NONE, &r),
                     KZ_ERR_LIMIT);
    assert_string_equal(kz_ctx_errmsg(*state),
                        "l.txt:2: line longer than 1048576 bytes");
    free(r.text);
    free(big);
}

static void test_read_list__many_lines_across_blocks(void **state)
{
    FILE *f = tmpfile();
    for (unsigned i = 0; i < 100000; i++)
        fprintf(f, "10.%u.%u.%u\n", i >> 16, (i >> 8) & 255, i & 255);
    rewind(f);
    rec r;
    memset(&r, 0, sizeof r);
    r.out = open_memstream(&r.text, &r.len);
    kz_intel_sink s = {0};
    s.ud = &r;
    s.ioc = on_ioc;
    assert_int_equal(kz_read_list(*state, f, NULL, &s), KZ_OK);
    fclose(f);
    fclose(r.out);
    assert_int_equal(r.iocs, 100000);
    assert_non_null(strstr(r.text, "\n100000 ipv4 10.1.134.159\n"));
    free(r.text);
}

static void test_read_list__sink_status_stops_the_reader(void **state)
{
    static const char in[] = "1.1.1.1\n2.2.2.2\n3.3.3.3\nnot a value\n";
    rec r;
    memset(&r, 0, sizeof r);
    r.out = open_memstream(&r.text, &r.len);
    r.stop_after = 2;
    FILE *f = fmemopen((void *)in, sizeof in - 1, "rb");
    kz_intel_sink s = {0}; /* threat and unsupported NULL */
    s.ud = &r;
    s.ioc = on_ioc;
    assert_int_equal(kz_read_list(*state, f, NULL, &s), KZ_ERR_ABORTED);
    fclose(f);
    fclose(r.out);
    assert_int_equal(r.iocs, 2);
    free(r.text);
    kz_intel_sink none = {0};
    f = fmemopen((void *)in, sizeof in - 1, "rb");
    assert_int_equal(kz_read_list(*state, f, NULL, &none), KZ_OK);
    fclose(f);
    assert_int_equal(kz_read_list(*state, NULL, NULL, &none), KZ_ERR_INVALID);
}

static void test_read_list__survives_allocation_failures(void **state)
{
    static const char in[] = "# Aliases: a, b\nevil.example.com\n";
    for (unsigned long n = 1; n < 6; n++) {
        rec r;
        kz_alloc_fail_after(n);
        kz_status st = READ(*state, in, KZ_T_NONE, &r);
        kz_alloc_fail_after(0);
        assert_true(st == KZ_OK || st == KZ_ERR_NOMEM);
        free(r.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_list__guesses_each_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_list__last_comment_block_is_the_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_list__maltrail_trail, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_read_list__forced_type_and_unknown_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_list__hosts_file_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_list__nul_byte_names_position,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_list__limits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_read_list__many_lines_across_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_list__sink_status_stops_the_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_read_list__survives_allocation_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

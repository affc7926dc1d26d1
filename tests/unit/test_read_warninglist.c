/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the MISP warninglist reader (lib/intel/read_warninglist.c):
 * every field mapped, entries in order, the defaults MISP applies, the
 * checks made before any record is handed over (types, list shape),
 * malformed JSON, sink status, and failing allocations.
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
#include "misp_sink.h"

static kz_status run(kz_ctx *ctx, recorder *r, const char *json,
                     const char *name)
{
    return rec_run(kz_read_warninglist, ctx, r, json, name);
}

static kz_ctx *new_ctx(void)
{
    kz_ctx *ctx = NULL;
    assert_int_equal(kz_ctx_new(&ctx), KZ_OK);
    return ctx;
}

static void test_warninglist__maps_every_field(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(
        run(ctx, &r,
            "{\"name\": \"List of RFC 1918 CIDR blocks\",\n"
            " \"description\": \"private networks\", \"type\": \"cidr\",\n"
            " \"version\": 20240615,\n"
            " \"matching_attributes\": [\"ip-src\", \"ip-dst\", "
            "\"domain|ip\"],\n"
            " \"list\": [\"10.0.0.0/8\", \"172.16.0.0/12\", \"8.8.8.8\"]}",
            "rfc1918.json"),
        KZ_OK);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.line[0],
                        "warninglist List of RFC 1918 CIDR blocks type=cidr "
                        "version=20240615 attrs=ip-src,ip-dst,domain|ip "
                        "desc=private networks");
    assert_string_equal(r.line[1], "entry 10.0.0.0/8");
    assert_string_equal(r.line[2], "entry 172.16.0.0/12");
    assert_string_equal(r.line[3], "entry 8.8.8.8");
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_warninglist__accepts_every_type_and_defaults(void **state)
{
    (void)state;
    static const char *const types[] = {"string", "hostname", "cidr",
                                        "substring", "regex"};
    kz_ctx *ctx = new_ctx();
    for (size_t i = 0; i < 5; i++) {
        char js[256];
        snprintf(js, sizeof js,
                 "{\"name\": \"n\", \"type\": \"%s\", \"list\": [\"a\"]}",
                 types[i]);
        recorder r = {0};
        assert_int_equal(run(ctx, &r, js, "t"), KZ_OK);
        char want[128];
        snprintf(want, sizeof want,
                 "warninglist n type=%s version=0 attrs=- desc=-", types[i]);
        assert_string_equal(r.line[0], want);
        rec_reset(&r);
    }
    /* No type: MISP reads it as "string"; a version written as a string;
     * an empty list. */
    recorder r = {0};
    assert_int_equal(run(ctx, &r,
                         "{\"name\": \"n\", \"version\": \"7\", \"list\": []}",
                         "t"),
                     KZ_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.line[0],
                        "warninglist n type=string version=7 attrs=- desc=-");
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_warninglist__empty_entries_are_unsupported(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r,
                         "{\"name\": \"n\", \"type\": \"substring\", "
                         "\"list\": [\"\", \"x\", \"\"]}",
                         "t"),
                     KZ_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.line[1], "entry x");
    assert_int_equal(rec_unsup(&r, "warninglist empty entry"), 2);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_warninglist__rejects_bad_shapes_before_any_record(void **state)
{
    (void)state;
    static const struct {
        const char *js, *msg;
    } cases[] = {
        {"[]", "w: not a MISP warninglist: the top level is not an object"},
        {"{\"type\": \"cidr\", \"list\": []}",
         "w: not a MISP warninglist: \"name\" is missing"},
        {"{\"name\": 3, \"list\": []}",
         "w: not a MISP warninglist: \"name\" is missing"},
        {"{\"name\": \"n\", \"type\": \"glob\", \"list\": []}",
         "w: unknown warninglist type \"glob\""},
        {"{\"name\": \"n\", \"type\": \"CIDR\", \"list\": []}",
         "w: unknown warninglist type \"CIDR\""},
        {"{\"name\": \"n\", \"type\": 1, \"list\": []}",
         "w: not a MISP warninglist: \"type\" is not a string"},
        {"{\"name\": \"n\", \"description\": [], \"list\": []}",
         "w: not a MISP warninglist: \"description\" is not a string"},
        {"{\"name\": \"n\", \"version\": \"v2\", \"list\": []}",
         "w: not a MISP warninglist: \"version\" is not a number"},
        {"{\"name\": \"n\", \"version\": 1.5, \"list\": []}",
         "w: not a MISP warninglist: \"version\" is not a number"},
        {"{\"name\": \"n\", \"matching_attributes\": \"ip-src\", "
         "\"list\": []}",
         "w: not a MISP warninglist: \"matching_attributes\" is not"},
        {"{\"name\": \"n\", \"matching_attributes\": [1], \"list\": []}",
         "w: not a MISP warninglist: \"matching_attributes\" holds"},
        {"{\"name\": \"n\"}",
         "w: not a MISP warninglist: \"list\" is missing or not an array"},
        {"{\"name\": \"n\", \"list\": {\"a\": 1}}",
         "w: not a MISP warninglist: \"list\" is missing or not an array"},
        {"{\"name\": \"n\", \"list\": [\"a\", \"b\", 3]}",
         "w: not a MISP warninglist: list[2] is not a string"},
        {"{\"name\": \"n\", \"list\": [\"a\", {\"v\": \"b\"}]}",
         "w: not a MISP warninglist: list[1] is not a string"},
    };
    kz_ctx *ctx = new_ctx();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        recorder r = {0};
        assert_int_equal(run(ctx, &r, cases[i].js, "w"), KZ_ERR_PARSE);
        if (strncmp(kz_ctx_errmsg(ctx), cases[i].msg, strlen(cases[i].msg)))
            fail_msg("%s: want \"%s\", got \"%s\"", cases[i].js, cases[i].msg,
                     kz_ctx_errmsg(ctx));
        assert_int_equal(r.n, 0);
        rec_reset(&r);
    }
    kz_ctx_free(ctx);
}

static void test_warninglist__malformed_json_names_line_and_column(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    assert_int_equal(run(ctx, &r,
                         "{\"name\": \"n\",\n \"list\": [\n  \"a\",\n  \"b\"\n"
                         "  \"c\"]}",
                         "wl.json"),
                     KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "wl.json:5:", 10) == 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(run(ctx, &r, "{\"name\": \"n\", \"list\": [\"a", NULL),
                     KZ_ERR_PARSE);
    assert_true(strncmp(kz_ctx_errmsg(ctx), "-:1:", 4) == 0);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_warninglist__sink_status_stops_the_reader(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    recorder r = {0};
    r.stop_at = 3;
    assert_int_equal(run(ctx, &r,
                         "{\"name\": \"n\", \"list\": [\"a\", \"b\", \"c\", "
                         "\"d\"]}",
                         "t"),
                     KZ_ERR_ABORTED);
    assert_int_equal(r.n, 3);
    rec_reset(&r);
    r.stop_at = 1;
    assert_int_equal(run(ctx, &r, "{\"name\": \"n\", \"list\": [\"a\"]}", "t"),
                     KZ_ERR_ABORTED);
    assert_int_equal(r.n, 1);
    rec_reset(&r);
    kz_ctx_free(ctx);
}

static void test_warninglist__null_callbacks_and_arguments(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    static const char js[] = "{\"name\": \"n\", \"list\": [\"a\", \"\"]}";
    FILE *f = fmemopen((void *)js, sizeof js - 1, "r");
    assert_non_null(f);
    kz_intel_sink s;
    memset(&s, 0, sizeof s);
    assert_int_equal(kz_read_warninglist(ctx, f, NULL, &s), KZ_OK);
    fclose(f);
    assert_int_equal(kz_read_warninglist(ctx, NULL, NULL, &s), KZ_ERR_INVALID);
    kz_ctx_free(ctx);
}

static void test_warninglist__allocation_failures_are_reported(void **state)
{
    (void)state;
    kz_ctx *ctx = new_ctx();
    int ok = 0;
    for (unsigned long n = 1; n < 20 && !ok; n++) {
        recorder r = {0};
        kz_alloc_fail_after(n);
        kz_status st = run(ctx, &r,
                           "{\"name\": \"n\", \"matching_attributes\": "
                           "[\"a\"], \"list\": [\"x\"]}",
                           "oom");
        kz_alloc_fail_after(0);
        if (st == KZ_OK) {
            ok = 1;
            assert_int_equal(r.n, 2);
        } else {
            assert_int_equal(st, KZ_ERR_NOMEM);
            assert_string_equal(kz_ctx_errmsg(ctx), "oom: out of memory");
        }
        rec_reset(&r);
    }
    assert_true(ok);
    kz_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warninglist__maps_every_field),
        cmocka_unit_test(test_warninglist__accepts_every_type_and_defaults),
        cmocka_unit_test(test_warninglist__empty_entries_are_unsupported),
        cmocka_unit_test(
            test_warninglist__rejects_bad_shapes_before_any_record),
        cmocka_unit_test(
            test_warninglist__malformed_json_names_line_and_column),
        cmocka_unit_test(test_warninglist__sink_status_stops_the_reader),
        cmocka_unit_test(test_warninglist__null_callbacks_and_arguments),
        cmocka_unit_test(test_warninglist__allocation_failures_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
